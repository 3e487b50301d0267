"""Planning reminders: which rows, for whom, at what instant.

Called by the services whose change causes reminders, inside their
transaction (meetings.services: scheduling, rescheduling and cancelling a
session), so a reminder exists exactly when its cause does.

- Offsets are counted on the table's wall clock: "24 hours before an 18:00
  session" is 18:00 the day before, local time, even across a daylight-saving
  change; the instant is stored in UTC.
- Keys are deterministic (kind:object:recipient:occurrence) and unique, so
  planning again adds only what is missing; re-planning moves only rows still
  planned; nothing sent is planned again.
- A reminder whose moment has already passed when it is planned is not
  created: it would no longer remind of anything.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from reminders.models import DEFAULT_SESSION_HOURS_BEFORE, Kind, Reminder, ReminderSchedule, State

NEVER_SENT = (State.CANCELLED, State.SKIPPED)
# A weekly occurrence in these states has been used: the chain goes on after it.
USED = (State.SENT, State.SENDING, State.FAILED)


def wall_clock_earlier(moment: datetime, zone: ZoneInfo, before: timedelta) -> datetime:
    """`before` earlier than `moment` on the clocks of `zone`, as an aware instant.

    Where a clock change makes that wall-clock time ambiguous, the earlier instant is
    taken, so that a reminder "N hours before" always goes out before `moment`: a
    repeated time means its first occurrence, and a time skipped by a spring-forward
    change is read with the offset in force after it (02:30 on a night that jumps from
    02:00 to 03:00 is 01:30 old time)."""
    local = timezone.localtime(moment, zone).replace(tzinfo=None) - before
    # Aware datetimes of one zone compare by wall time, ignoring fold: compare in UTC.
    return min((local.replace(tzinfo=zone, fold=fold) for fold in (0, 1)),
               key=lambda candidate: candidate.astimezone(UTC))


def place(rows, moment: datetime, now: datetime) -> None:
    """Rows still planned move to `moment`, or are skipped if it has passed; rows never sent
    (cancelled, skipped) are planned again if it is ahead. Sent rows stay as they are."""
    if moment <= now:
        rows.filter(state=State.PLANNED).update(state=State.SKIPPED, updated_at=now)
        return
    rows.filter(state=State.PLANNED).exclude(send_at=moment).update(send_at=moment, updated_at=now)
    rows.filter(state__in=NEVER_SENT).update(state=State.PLANNED, send_at=moment, attempts=0,
                                             claimed_at=None, last_error="", channels=[], updated_at=now)


def session_offsets(table) -> list[int]:
    schedule = ReminderSchedule.objects.filter(table=table).first()
    hours = schedule.session_hours_before if schedule and schedule.session_hours_before else None
    return sorted(set(hours or DEFAULT_SESSION_HOURS_BEFORE), reverse=True)


def session_key(session, recipient_id: int, hours: int) -> str:
    return f"{Kind.SESSION}:session:{session.pk}:user:{recipient_id}:{hours}h"


def session_recipient_ids(session) -> list[int]:
    """The people a session expects: every active member of the table for a plenary; for a
    subcommittee session its coordinators, the secretariat and the verified officials of
    the institutions invited."""
    from mesa.models import Membership, Role

    members = Membership.objects.active().filter(table=session.table)
    if session.subcommittee_id is not None:
        members = members.filter(
            Q(user__in=session.subcommittee.coordinators.all())
            | Q(role=Role.SECRETARIAT)
            | Q(role=Role.OFFICIAL, verified_at__isnull=False,
                institution__in=session.invited_institutions.all())
        )
    return sorted(set(members.values_list("user_id", flat=True)))


def plan_session(session, now: datetime | None = None) -> None:
    """Plan (or re-plan after a reschedule or a change of who is expected) a session's
    reminders. Rows still planned move to the new time; sent rows stay as they are."""
    now = now or timezone.now()
    table = session.table
    offsets = session_offsets(table)
    if session.is_cancelled:
        return
    recipients = session_recipient_ids(session)
    ours = Reminder.objects.filter(session=session)
    # Someone no longer expected (their institution no longer invited, they left the table), or
    # an offset the table no longer uses.
    ours.filter(state=State.PLANNED).exclude(recipient__in=recipients).update(
        state=State.CANCELLED, updated_at=now)
    ours.filter(state=State.PLANNED).exclude(occurrence__in=[f"{hours}h" for hours in offsets]).update(
        state=State.CANCELLED, updated_at=now)
    send_at = {hours: wall_clock_earlier(session.starts_at, table.zone, timedelta(hours=hours))
               for hours in offsets}
    for hours, moment in send_at.items():
        # Planned rows move with a reschedule (or are skipped if their moment has passed); rows
        # never sent are planned again for someone expected again.
        place(ours.filter(recipient__in=recipients, occurrence=f"{hours}h"), moment, now)
    rows = [Reminder(key=session_key(session, user_id, hours), kind=Kind.SESSION, occurrence=f"{hours}h",
                     table=table, recipient_id=user_id, session=session, send_at=moment)
            for hours, moment in send_at.items() if moment > now
            for user_id in recipients]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def cancel_session(session, now: datetime | None = None) -> int:
    """A cancelled session's planned reminders are cancelled; sent ones stay on record."""
    return Reminder.objects.filter(session=session, state=State.PLANNED).update(
        state=State.CANCELLED, updated_at=now or timezone.now())
