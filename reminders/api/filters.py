"""Query-string filters of the inbox list. They only narrow the requester's own inbox."""

import django_filters

from reminders.models import InboxMessage


class InboxFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        method="filter_unread",
        help_text="true: only the messages not read yet; false: only those already read.",
    )

    class Meta:
        model = InboxMessage
        fields: list = []

    def filter_unread(self, queryset, name, value):
        # Served by the partial index "inbox_unread" (user, read_at IS NULL).
        return queryset.filter(read_at__isnull=value)
