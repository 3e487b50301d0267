"""Query-string filters of the commitments list. They only narrow what the view's
queryset (Commitment.objects.visible_to) already lets the requester see; they
never widen it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, CommitmentStatus
from concerns.api.filters import IdFilter
from mesa.models import GovernmentLevel


class CommitmentFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    agreement = IdFilter(field_name="agreement_id", help_text="An agreement's id.")
    institution = IdFilter(field_name="institution_id",
                           help_text="An institution's id: the commitments it is responsible for.")
    level = django_filters.ChoiceFilter(
        field_name="institution__level", choices=GovernmentLevel.choices,
        help_text="The government level of the responsible institution.",
    )
    status = django_filters.ChoiceFilter(choices=CommitmentStatus.choices)
    # `overdue` is the annotation of CommitmentQuerySet.with_overdue, at the request's moment.
    overdue = django_filters.BooleanFilter(
        field_name="overdue",
        help_text="true: only open or in-progress commitments past their due date on their table's "
        "calendar; false: only the others.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[("due_on", _("Soonest due first")), ("-due_on", _("Latest due first"))],
        method="filter_ordering",
        help_text="due_on (the default): soonest due first; -due_on: latest due first.",
    )

    class Meta:
        model = Commitment
        fields: list = []

    def filter_ordering(self, queryset, name, value):
        if value == "-due_on":
            return queryset.order_by("-due_on", "-pk")
        return queryset.order_by("due_on", "pk")
