"""Shapes of the indicators API.

Input serializers check shape only: indicators.services decide what the rules
allow (a period fits the indicator's frequency, one figure per period and
colonia, values within bounds, percentages at most 100, a correction says
why), indicators.permissions who may ask. A subcommittee is named by its slug
and looked up among the subcommittees of the indicator's table only, so one of
another table is a 400 naming the field.

Figures are decimals written as strings ("12.50"), so no digit is lost.
Periods are given as the date they start on (`period_start`) and as people
write them (`period`: 2026-03, 2026-W09, 2026-Q1); a period sent to the API
may be either.

People: who entered a figure is shown by name to the table's members only
(the view says so in the context as ``shows_names``); everyone else gets null.
"""

import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from concerns.api.schema import NamedChoiceField
from indicators import periods
from indicators.figures import OFF_TRACK, ON_TRACK, Change, Summary
from indicators.models import Direction, Indicator, JusticeStage, Observation, Target, Unit
from meetings.api.serializers import LocalDateTimeField
from mesa.api.base import PersonSerializer, TableField
from subcommittees.models import Subcommittee

_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_PERIOD_MAX_LENGTH = 20
# Figures of a city's security are of these years: far outside them a slip, and near the ends
# of the calendar "the same period a year earlier" does not exist.
_FIRST_YEAR, _LAST_YEAR = 1900, 2999
_YEARS_MESSAGE = _("Give a date between the years 1900 and 2999.")


def _unit_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="IndicatorUnitEnum", choices=Unit.choices, **kwargs)


def _direction_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="IndicatorDirectionEnum", choices=Direction.choices, **kwargs)


def _frequency_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="IndicatorFrequencyEnum", choices=periods.Frequency.choices, **kwargs)


def _justice_stage_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(enum_name="JusticeStageEnum", choices=JusticeStage.choices, **kwargs)


def _figure(**kwargs) -> serializers.DecimalField:
    # No max_digits on output: a percentage of a tiny earlier figure may be long, and must
    # never fail to show.
    return serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True, **kwargs)


def _figure_input(**kwargs) -> serializers.DecimalField:
    """A figure as sent: at most two decimals. Its bounds (0 to VALUE_MAX, 100 for a
    percentage) are the services' rule, with their messages."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def parse_period(value, frequency: str) -> date:
    """A period as sent: the date it starts on (2026-03-01: kept as given, the service
    checks that it starts a period) or as written (2026-03, 2026-W09, 2026-Q1).
    Raises serializers.ValidationError."""
    text = value.strip() if isinstance(value, str) else None
    message = _("Give a period like %(example)s, or the date it starts on.") % {
        "example": periods.example(frequency)}
    if not text or len(text) > _PERIOD_MAX_LENGTH:
        raise serializers.ValidationError(message)
    try:
        if _DAY.match(text):
            year, month, day = map(int, text.split("-"))
            start = date(year, month, day)
        else:
            start = periods.parse(text, frequency)
    except (ValueError, OverflowError) as error:
        raise serializers.ValidationError(message) from error
    if not _FIRST_YEAR <= start.year <= _LAST_YEAR:
        raise serializers.ValidationError(_YEARS_MESSAGE)
    return start


@extend_schema_field({"type": "string", "example": "2026-03",
                      "description": "The period as written (2026-03, 2026-W09, 2026-Q1, by the "
                      "indicator's frequency) or the date it starts on (2026-03-01)."})
class PeriodField(serializers.Field):
    """A period of the indicator (`frequency` is set by the serializer)."""

    def __init__(self, **kwargs):
        self.frequency = periods.Frequency.MONTH
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return parse_period(data, self.frequency)

    def to_representation(self, value):
        return value.isoformat()


# --- Output --------------------------------------------------------------------------------


class IndicatorSubcommitteeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="In the language of the request.")

    class Meta:
        model = Subcommittee
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class BaselineSerializer(serializers.Serializer):
    value = _figure()
    period_start = serializers.DateField(read_only=True)
    period = serializers.CharField(read_only=True, help_text="As written: 2026-03, 2026-W09, 2026-Q1.")


class TargetSerializer(serializers.ModelSerializer):
    value = _figure()

    class Meta:
        model = Target
        fields = ["value", "due_on", "note"]
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    previous = _figure(help_text="The earlier figure.")
    difference = _figure(help_text="Latest minus the earlier figure.")
    percent = serializers.DecimalField(
        max_digits=None, decimal_places=1, read_only=True, allow_null=True,
        help_text="The difference as a percentage of the earlier figure; null when that is 0.",
    )


class SummarySerializer(serializers.Serializer):
    """What the indicator page says about the figures (indicators.figures)."""

    latest_period_start = serializers.DateField(read_only=True, allow_null=True)
    latest_period = serializers.CharField(read_only=True, allow_null=True,
                                          help_text="As written: 2026-03, 2026-W09, 2026-Q1.")
    latest_value = _figure(allow_null=True, help_text="The whole table's figure for the latest period.")
    target = TargetSerializer(read_only=True, allow_null=True,
                              help_text="The target in force: the first dated on or after the latest "
                              "period, else the last one.")
    expected = _figure(allow_null=True,
                       help_text="The figure the target calls for at the latest period: on the straight "
                       "line from the baseline to the target, or the target itself without a baseline.")
    status = NamedChoiceField(
        enum_name="IndicatorStatusEnum", read_only=True, allow_null=True,
        choices=[(ON_TRACK, _("On track")), (OFF_TRACK, _("Off track"))],
        help_text="on_track when the latest figure is at least as good as expected; null without a "
        "target or a figure.",
    )
    against_baseline = ChangeSerializer(read_only=True, allow_null=True,
                                        help_text="The latest figure against the baseline.")
    against_year_earlier = ChangeSerializer(
        read_only=True, allow_null=True,
        help_text="The latest figure against the same period a year earlier; null without one.",
    )


def _change(change: Change | None) -> dict | None:
    if change is None:
        return None
    return {"previous": change.previous, "difference": change.difference, "percent": change.percent}


def summary_data(summary: Summary) -> dict:
    latest = summary.latest
    return {
        "latest_period_start": latest[0] if latest else None,
        "latest_period": summary.latest_label or None,
        "latest_value": latest[1] if latest else None,
        "target": summary.target,
        "expected": summary.expected,
        "status": summary.status,
        "against_baseline": _change(summary.against_baseline),
        "against_year_earlier": _change(summary.against_year_earlier),
    }


class IndicatorSerializer(serializers.ModelSerializer):
    """An indicator, its baseline, targets and summary. The view puts the summaries
    (indicators.figures.summaries, by indicator id) in the context as ``summaries``."""

    table = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    name = serializers.CharField(read_only=True,
                                 help_text="In the language of the request, falling back to the other one.")
    unit = _unit_field(read_only=True)
    direction = _direction_field(read_only=True)
    frequency = _frequency_field(read_only=True)
    subcommittee = IndicatorSubcommitteeSerializer(
        read_only=True, help_text="The owning subcommittee: its coordinators enter the figures, with the "
        "secretariat.")
    justice_stage = serializers.SerializerMethodField(
        help_text="The step of the justice chain it measures: arrests, handed_over, charged, convicted; "
        "null for none.")
    baseline = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField(help_text="Every target, earliest date first.")
    summary = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The indicator's page.")

    class Meta:
        model = Indicator
        fields = [
            "id",
            "table",
            "code",
            "name",
            "name_es",
            "name_en",
            "unit",
            "direction",
            "frequency",
            "source",
            "methodology",
            "subcommittee",
            "by_colonia",
            "justice_stage",
            "baseline",
            "targets",
            "summary",
            "position",
            "is_active",
            "url",
        ]
        read_only_fields = fields

    def _summary(self, indicator: Indicator) -> Summary:
        return self.context["summaries"][indicator.pk]

    @extend_schema_field(_justice_stage_field(allow_null=True))
    def get_justice_stage(self, indicator: Indicator) -> str | None:
        return indicator.justice_stage or None

    @extend_schema_field(BaselineSerializer(allow_null=True))
    def get_baseline(self, indicator: Indicator) -> dict | None:
        if indicator.baseline_value is None:
            return None
        return BaselineSerializer({
            "value": indicator.baseline_value,
            "period_start": indicator.baseline_period,
            "period": periods.label(indicator.baseline_period, indicator.frequency),
        }).data

    @extend_schema_field(TargetSerializer(many=True))
    def get_targets(self, indicator: Indicator) -> list:
        return TargetSerializer(self._summary(indicator).targets, many=True).data

    @extend_schema_field(SummarySerializer)
    def get_summary(self, indicator: Indicator) -> dict:
        return SummarySerializer(summary_data(self._summary(indicator))).data

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, indicator: Indicator) -> str:
        path = indicator.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class IndicatorViewerSerializer(serializers.Serializer):
    """What the requester may do with this indicator."""

    can_enter_data = serializers.BooleanField(
        help_text="Enter and correct figures, set the baseline and targets, edit the indicator.")
    can_define_indicators = serializers.BooleanField(help_text="Add indicators to the table.")


class IndicatorDetailSerializer(IndicatorSerializer):
    """An indicator and what the requester may do. The view puts ``viewer`` in the context."""

    viewer = serializers.SerializerMethodField()

    class Meta(IndicatorSerializer.Meta):
        fields = [*IndicatorSerializer.Meta.fields, "viewer"]
        read_only_fields = fields

    @extend_schema_field(IndicatorViewerSerializer)
    def get_viewer(self, indicator: Indicator) -> dict:
        return IndicatorViewerSerializer(self.context["viewer"]).data


class ObservationSerializer(serializers.ModelSerializer):
    """One figure: the indicator, the table's clocks and who entered it are loaded by the view."""

    period = serializers.SerializerMethodField(help_text="As written: 2026-03, 2026-W09, 2026-Q1.")
    colonia = serializers.CharField(read_only=True, help_text="Empty for the whole table's area.")
    value = _figure()
    entered_by = serializers.SerializerMethodField(
        help_text="Who entered the figure (or corrected it last), for the table's members; null for "
        "everyone else.")
    entered_at = LocalDateTimeField(zone_from="indicator.table")
    correction_note = serializers.CharField(read_only=True,
                                            help_text="Why it was last corrected; empty if never.")
    corrected_at = LocalDateTimeField(zone_from="indicator.table", allow_null=True)

    class Meta:
        model = Observation
        fields = ["id", "period_start", "period", "colonia", "value", "source", "entered_by", "entered_at",
                  "correction_note", "corrected_at"]
        read_only_fields = fields

    def get_period(self, observation: Observation) -> str:
        return periods.label(observation.period_start, observation.indicator.frequency)

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_entered_by(self, observation: Observation) -> dict | None:
        if not self.context.get("shows_names"):
            return None
        return {"id": observation.entered_by.pk, "display_name": observation.entered_by.display_name}


# --- Input ---------------------------------------------------------------------------------


def _name_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=Indicator._meta.get_field("name_es").max_length,
                                 allow_blank=True, **kwargs)


def _text(model, name: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=model._meta.get_field(name).max_length, allow_blank=True,
                                 **kwargs)


def _baseline_value_field() -> serializers.DecimalField:
    return _figure_input(required=False, allow_null=True,
                         help_text="Send it with baseline_period; both null to remove the baseline.")


def _baseline_period_field() -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=_PERIOD_MAX_LENGTH,
        help_text="The period the baseline measures, as written (2026-03, 2026-W09, 2026-Q1) or the "
        "date it starts on.")


class _BaselineInput(serializers.Serializer):
    """Reads `baseline_period` in the indicator's frequency (the serializer's `frequency`, or
    the one sent with it)."""

    def __init__(self, *args, frequency: str = periods.Frequency.MONTH, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency = frequency

    def validate(self, attrs):
        if attrs.get("baseline_period"):
            frequency = attrs.get("frequency", self.frequency)
            try:
                attrs["baseline_period"] = parse_period(attrs["baseline_period"], frequency)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"baseline_period": error.detail}) from error
        elif "baseline_period" in attrs:
            attrs["baseline_period"] = None
        return attrs


class IndicatorCreateSerializer(_BaselineInput):
    table = TableField(help_text="The table's slug.")
    code = serializers.SlugField(max_length=Indicator._meta.get_field("code").max_length,
                                 help_text="Short and stable, used in imported files, e.g. extortion.")
    name_es = _name_field(required=False, default="")
    name_en = _name_field(required=False, default="",
                          help_text="At least one of name_es and name_en.")
    unit = _unit_field(required=False, default=Unit.COUNT)
    direction = _direction_field(required=False, default=Direction.LOWER)
    frequency = _frequency_field(required=False, default=periods.Frequency.MONTH)
    source = _text(Indicator, "source", required=False, default="")
    methodology = _text(Indicator, "methodology", required=False, default="")
    subcommittee = serializers.SlugField(
        max_length=Subcommittee._meta.get_field("slug").max_length, required=False, allow_null=True,
        default=None, help_text="The owning subcommittee's slug, of this table; by default the "
        "performance-indicators subcommittee.")
    by_colonia = serializers.BooleanField(required=False, default=False)
    justice_stage = _justice_stage_field(required=False, allow_null=True, allow_blank=True, default=None,
                                         help_text="The step of the justice chain it measures, if any.")
    baseline_value = _baseline_value_field()
    baseline_period = _baseline_period_field()


class IndicatorUpdateSerializer(_BaselineInput):
    """Fields left out keep their value. The code, the table and the step of the justice
    chain never change; the unit and the frequency only until figures exist."""

    name_es = _name_field(required=False)
    name_en = _name_field(required=False)
    unit = _unit_field(required=False)
    direction = _direction_field(required=False)
    frequency = _frequency_field(required=False)
    source = _text(Indicator, "source", required=False)
    methodology = _text(Indicator, "methodology", required=False)
    subcommittee = serializers.SlugField(
        max_length=Subcommittee._meta.get_field("slug").max_length, required=False,
        help_text="The owning subcommittee's slug, of this table.")
    by_colonia = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    baseline_value = _baseline_value_field()
    baseline_period = _baseline_period_field()


class TargetSetSerializer(serializers.Serializer):
    value = _figure_input()
    due_on = serializers.DateField(help_text="The date the target is for. Sending a date that has a "
                                   "target changes it (the history keeps the earlier value).")
    note = _text(Target, "note", required=False, default="")

    def validate_due_on(self, value):
        if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
            raise serializers.ValidationError(_YEARS_MESSAGE)
        return value


class ObservationCreateSerializer(serializers.Serializer):
    period_start = PeriodField(help_text="The period, as written (2026-03, 2026-W09, 2026-Q1, by the "
                               "indicator's frequency) or the date it starts on (2026-03-01).")
    value = _figure_input()
    colonia = _text(Observation, "colonia", required=False, default="",
                    help_text="Only for indicators broken down by colonia; empty for the whole table.")
    source = _text(Observation, "source", required=False, default="",
                   help_text="By default the indicator's source.")

    def __init__(self, *args, indicator: Indicator | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator is not None:
            self.fields["period_start"].frequency = indicator.frequency


class ObservationCorrectSerializer(serializers.Serializer):
    value = _figure_input()
    note = _text(Observation, "correction_note", help_text="Why the figure is corrected.")
    source = _text(Observation, "source", required=False, allow_null=True, default=None,
                   help_text="Left out, the source stays.")
