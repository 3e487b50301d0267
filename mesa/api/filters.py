"""Query-string filters of the core API. They only narrow what the view's
queryset already lets the requester see; they never widen it."""

import django_filters

from mesa.models import (
    GovernmentLevel,
    Institution,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from mesa.querysets import MembershipStatus


class InstitutionFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    level = django_filters.ChoiceFilter(choices=GovernmentLevel.choices)
    active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = Institution
        fields: list = []


class OrganisationFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = Organisation
        fields: list = []


class MembershipFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    role = django_filters.ChoiceFilter(choices=Role.choices)
    status = django_filters.ChoiceFilter(
        choices=MembershipStatus.choices, method="filter_status",
        help_text="active: a member whose role needs no verification or is verified; pending: an "
        "official's or representative's claim waiting for the secretariat; left: has left the table.",
    )

    class Meta:
        model = Membership
        fields: list = []

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)


class InvitationFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")

    class Meta:
        model = Invitation
        fields: list = []
