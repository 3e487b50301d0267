"""Who sees which inbox messages and a table's reminder log.

- An inbox message is its person's alone: anyone else's is a 404, as if it did not exist.
- A table's reminder log (who was reminded of what, and how it went) is the
  secretariat's: mesa.permissions.can_change_table. Others get a 403.
"""

from django.shortcuts import get_object_or_404

from mesa import permissions as mesa_permissions
from mesa.models import Table
from reminders.models import InboxMessage
from reminders.querysets import inbox_of


def get_inbox_message_for_user(user, pk: int) -> InboxMessage:
    return get_object_or_404(inbox_of(user).with_list_data(), pk=pk)


def can_view_log(user, table: Table) -> bool:
    return mesa_permissions.can_change_table(user, table)


def get_table_for_log(user, table_slug: str) -> Table:
    """The table at `table_slug` (404), if `user` may read its reminder log (else 403)."""
    return mesa_permissions.get_table_for_user(user, table_slug, can_view_log)
