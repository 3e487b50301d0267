"""Writes of a person to their own inbox and preferences, and of a table's reminder schedule
(the reminders themselves are written by the planners)."""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from reminders import commitment_planner, concern_planner, planner
from reminders.models import NotificationPreferences, ReminderSchedule
from reminders.querysets import inbox_of


@transaction.atomic
def inbox_mark_read(*, user: User, now: datetime, pk: int | None = None) -> int:
    """Mark one of the person's messages (or all of them) read, once, and keep the unread
    counter shown in the header in step. Returns how many were marked."""
    unread = inbox_of(user)
    if pk is not None:
        unread = unread.filter(pk=pk)
    marked = unread.mark_read(now)
    if marked:
        User.objects.filter(pk=user.pk).update(inbox_unread=Greatest(F("inbox_unread") - marked, Value(0)))
        user.inbox_unread = max(0, user.inbox_unread - marked)
    return marked


def preferences_save(*, user: User, follow_digest: bool, muted: list[str]) -> NotificationPreferences:
    preferences, _created = NotificationPreferences.objects.update_or_create(
        user=user, defaults={"follow_digest": follow_digest, "muted": sorted(set(muted))})
    return preferences


@transaction.atomic
def schedule_save(*, schedule: ReminderSchedule, now: datetime | None = None) -> ReminderSchedule:
    """Save a table's reminder offsets, and re-plan by them what is still to come: the reminders
    of its upcoming sessions, pending commitments and concerns waiting for an official answer.
    Planned rows of an offset no longer used are cancelled; what was sent stays sent."""
    from commitments.models import Commitment, CommitmentStatus
    from concerns.models import Concern, Status
    from meetings.models import Session, SessionStatus

    now = now or timezone.now()
    schedule.full_clean()
    schedule.save()
    table = schedule.table
    sessions = (Session.objects.filter(table=table, starts_at__gt=now).exclude(status=SessionStatus.CANCELLED)
                .select_related("table", "subcommittee"))
    for session in sessions:
        planner.plan_session(session, now)
    # Locked, as their own services lock them before planning; in the order of their ids, as the
    # dispatcher locks them, so that the two never wait for each other in a circle.
    commitments = (Commitment.objects.select_for_update(of=("self",))
                   .filter(table=table, status__in=CommitmentStatus.pending())
                   .select_related("table", "agreement__session").order_by("pk"))
    for commitment in commitments:
        commitment_planner.plan_commitment(commitment, now)
    concerns = (Concern.objects.select_for_update(of=("self",))
                .filter(table=table, status__in=[Status.ACCEPTED, Status.IN_PROGRESS],
                        first_answer_at__isnull=True, hidden_at__isnull=True, duplicate_of__isnull=True)
                .select_related("table", "subcommittee").order_by("pk"))
    for concern in concerns:
        concern_planner.plan_concern(concern, now)
    return schedule
