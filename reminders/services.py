"""Writes of a person to their own inbox and preferences (reminders are written by the planners)."""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from accounts.models import User
from reminders.models import NotificationPreferences
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
