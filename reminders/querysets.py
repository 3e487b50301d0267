"""Reads of the inbox and of a table's reminder log, and the inbox's one bulk write.

These are queryset classes meant to become the models' managers
(`objects = InboxMessageQuerySet.as_manager()`); until then `inbox_of` and
`reminder_log` build them directly.
"""

from datetime import datetime

from django.db import models
from django.db.models import Count, Q

from reminders.models import InboxMessage, Reminder, State


class InboxMessageQuerySet(models.QuerySet):
    def unread(self):
        # Served by the partial index "inbox_unread" (user, read_at IS NULL).
        return self.filter(read_at__isnull=True)

    def with_list_data(self):
        """What the inbox reads: the reminder's table, for its time zone."""
        return self.select_related("reminder__table")

    def mark_read(self, now: datetime) -> int:
        """Mark the unread ones read, once: a message already read keeps its first read time."""
        return self.unread().update(read_at=now)


class ReminderQuerySet(models.QuerySet):
    def with_log_data(self):
        """What the log reads: recipient, and the session, commitment or concern it is about."""
        return self.select_related("recipient", "session", "commitment", "concern")

    def state_counts(self) -> dict[str, int]:
        """{state: count} for every state, zeros included, in one query."""
        return self.aggregate(**{state: Count("pk", filter=Q(state=state)) for state in State.values})


def inbox_of(user) -> InboxMessageQuerySet:
    return InboxMessageQuerySet(InboxMessage).filter(user=user)


def unread_count(user) -> int:
    return inbox_of(user).unread().count()


def reminder_log(table) -> ReminderQuerySet:
    return ReminderQuerySet(Reminder).filter(table=table)
