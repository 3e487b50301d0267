"""Query-string filters of the indicators and observations lists. They only
narrow what the view's queryset (Indicator.objects.visible_to, and the
observations of an indicator the requester may see) already lets the
requester see; they never widen it."""

import django_filters
from django import forms
from rest_framework import serializers

from indicators import periods
from indicators.api.serializers import parse_period
from indicators.models import Indicator, JusticeStage, Observation

# Asks for the figures of every colonia and of the whole table at once.
EVERY_COLONIA = "*"


class IndicatorFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(field_name="table__slug", help_text="The table's slug.")
    subcommittee = django_filters.CharFilter(
        field_name="subcommittee__slug",
        help_text="The owning subcommittee's slug (slugs are unique within a table: combine with `table`).",
    )
    justice_stage = django_filters.ChoiceFilter(
        choices=JusticeStage.choices,
        help_text="Only the indicator measuring this step of the justice chain.",
    )
    active = django_filters.BooleanFilter(field_name="is_active",
                                          help_text="true: only indicators in use; false: only retired ones.")

    class Meta:
        model = Indicator
        fields: list = []


class PeriodFormField(forms.Field):
    """A period of the indicator, as written or as any day in it."""

    def __init__(self, *, frequency: str, **kwargs):
        self.frequency = frequency
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return periods.start_of(parse_period(value, self.frequency), self.frequency)
        except serializers.ValidationError as error:
            raise forms.ValidationError([str(m) for m in error.detail]) from error


class PeriodFilter(django_filters.Filter):
    field_class = PeriodFormField


class ObservationFilter(django_filters.FilterSet):
    """`colonia`: left out, the whole table's figures (the series the pages chart); a colonia's
    name, its figures; `*`, every row. `from` and `to`: periods, both included. `from` and
    `to` are Python keywords, so they are added on construction."""

    colonia = django_filters.CharFilter(method="filter_colonia", max_length=120)

    class Meta:
        model = Observation
        fields: list = []

    def __init__(self, data=None, queryset=None, *, indicator: Indicator, **kwargs):
        super().__init__(data, queryset, **kwargs)
        for name, lookup in (("from", "gte"), ("to", "lte")):
            self.filters[name] = PeriodFilter(field_name="period_start", lookup_expr=lookup,
                                              frequency=indicator.frequency)
            self.filters[name].parent = self

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("colonia"):
            queryset = queryset.whole_table()
        return super().filter_queryset(queryset)

    def filter_colonia(self, queryset, name, value):
        if value == EVERY_COLONIA:
            return queryset
        return queryset.filter(colonia=" ".join(value.split()))

