"""Query-string filters of the sessions, agreements and proposals lists. They
only narrow what the view's queryset (visible_to) already lets the requester
see; they never widen it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from concerns.api.filters import IdFilter
from meetings.models import Agreement, Proposal, ProposalStatus, Session, SessionStatus


class SessionFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    subcommittee = django_filters.CharFilter(
        field_name="subcommittee__slug",
        help_text="A subcommittee's slug (slugs are unique within a table: combine with `table`).",
    )
    plenary = django_filters.BooleanFilter(
        field_name="subcommittee", lookup_expr="isnull",
        help_text="true: only plenaries; false: only subcommittee sessions.",
    )
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    when = django_filters.ChoiceFilter(
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))], method="filter_when",
        help_text="upcoming: not over yet, soonest first (cancelled ones too); past: over, most "
        "recent first. Without it, every session, earliest first.",
    )

    class Meta:
        model = Session
        fields: list = []

    def filter_when(self, queryset, name, value):
        return queryset.upcoming() if value == "upcoming" else queryset.past()


class AgreementFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    session = IdFilter(field_name="session_id", help_text="A session's id.")
    institution = IdFilter(
        method="filter_institution", help_text="An institution's id: agreements it is responsible for."
    )
    withdrawn = django_filters.BooleanFilter(
        field_name="withdrawn_at", lookup_expr="isnull", exclude=True,
        help_text="true: only withdrawn agreements; false: only those in force.",
    )

    class Meta:
        model = Agreement
        fields: list = []

    def filter_institution(self, queryset, name, value):
        through = Agreement.responsible_institutions.through.objects.filter(institution_id=value)
        return queryset.filter(pk__in=through.values("agreement_id"))


class ProposalFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    subcommittee = django_filters.CharFilter(
        field_name="subcommittee__slug",
        help_text="A subcommittee's slug (slugs are unique within a table: combine with `table`).",
    )
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)

    class Meta:
        model = Proposal
        fields: list = []
