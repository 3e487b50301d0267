"""Query-string filters of the concern list. They only narrow what
Concern.objects.visible_to already lets the requester read, and only on
fields every reader of a concern sees: never on the reporter, the
supporters or anything else kept from some readers (a filter on a hidden
field would tell who raised what)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from concerns.models import Concern, ConcernAssignment, Status, Visibility

# PostgreSQL's integer range: larger ids cannot exist, and are a clear 400.
_MAX_ID = 2**31 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", _MAX_ID)
        super().__init__(*args, **kwargs)


class ConcernFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    subcommittee = IdFilter(field_name="subcommittee_id", help_text="A subcommittee's id.")
    colonia = IdFilter(field_name="colonia_id", help_text="A colonia's id.")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    institution = IdFilter(
        method="filter_institution",
        help_text="An institution's id: concerns about it or that it was asked to answer.",
    )
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    # Declared before `ordering`, which is applied after it and wins when given.
    q = django_filters.CharFilter(
        method="filter_search",
        help_text="Full-text search of titles and descriptions, in Spanish and English, accents "
        "folded. Without `ordering`, the best matches come first.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[("priority", _("Priority: most supported first, then newest")),
                 ("-created_at", _("Newest first"))],
        method="filter_ordering",
        help_text="priority (the default): most supported first, then newest; -created_at: newest first.",
    )

    class Meta:
        model = Concern
        fields: list = []

    def filter_institution(self, queryset, name, value):
        accused = Concern.accused_institutions.through.objects.filter(institution_id=value)
        assigned = ConcernAssignment.objects.filter(institution_id=value)
        return queryset.filter(Q(pk__in=accused.values("concern_id"))
                               | Q(pk__in=assigned.values("concern_id")))

    def filter_search(self, queryset, name, value):
        return queryset.search(value).order_by("-search_rank", "-created_at", "-pk")

    def filter_ordering(self, queryset, name, value):
        if value == "priority":
            return queryset.by_priority()
        return queryset.order_by("-created_at", "-pk")
