"""Forms of the indicator pages. They check the shape of the input; indicators.services decides.

Field names are the services' keyword names, so a service's ValidationError lands
on the field it is about (mesa.forms.add_service_error). Periods are written as
people write them (2026-03, 2026-W09, 2026-Q1) and read with indicators.periods
in the indicator's frequency. Figures accept 12.5 and 12,5 (and 1,200 or 1 200 as
thousands), like the import. Subcommittees come from the indicator's own table:
another table's is "not one of the available choices".
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from indicators import periods
from indicators.models import VALUE_MAX, Direction, Indicator, JusticeStage, Unit
from mesa.forms import MesaForm
from mesa.models import Table
from subcommittees.models import Subcommittee

PERIOD_HELP = _("Write it like 2026-03 for a month, 2026-W09 for a week or 2026-Q1 for a quarter.")


class FigureField(forms.DecimalField):
    """A figure as people type it: 12.5 or 12,5; 1,200 or 1 200 for thousands."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", VALUE_MAX)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().replace(" ", "").replace("\xa0", "")
            if "," in text and "." not in text and text.count(",") == 1 and len(text.split(",")[1]) != 3:
                text = text.replace(",", ".")  # 12,5 written the Spanish way
            value = text.replace(",", "")
        return super().to_python(value)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_period(text: str, frequency: str):
    """The start date of the period written in `text`, or a ValidationError saying how to write it."""
    try:
        return periods.parse(text, frequency)
    except ValueError:
        raise ValidationError(_("Write the period like %(example)s."),
                              params={"example": periods.example(frequency)}, code="period") from None


class SubcommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Subcommittee) -> str:
        return obj.name


class IndicatorForm(MesaForm):
    """Define an indicator (`indicator` None) or change one: its code and its step of the
    justice chain are set when it is created and stay."""

    code = forms.SlugField(
        label=_("Code"), max_length=40,
        help_text=_("Short and stable, in lower case with hyphens; used in imported files, e.g. extortion."),
    )
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=150, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=150, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, widget=forms.RadioSelect)
    frequency = forms.ChoiceField(label=_("How often it is measured"), choices=periods.Frequency.choices)
    source = forms.CharField(label=_("Source"), max_length=300, required=False,
                             help_text=_("Where the figures come from, e.g. the state attorney's office."))
    methodology = forms.CharField(label=_("Methodology"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What is counted and how, so that anyone can check it."))
    subcommittee = SubcommitteeChoiceField(
        label=_("Owning subcommittee"), queryset=Subcommittee.objects.none(), empty_label=None,
        help_text=_("Its coordinators enter the figures, with the secretariat."),
    )
    by_colonia = forms.BooleanField(label=_("Figures are also entered per colonia"), required=False)
    justice_stage = forms.ChoiceField(
        label=_("Step of the justice chain"), required=False,
        choices=[("", _("None: it is not a step of the justice chain")), *JusticeStage.choices],
    )
    baseline_value = FigureField(label=_("Baseline value"), required=False,
                                 help_text=_("The figure the table starts from."))
    baseline_period = forms.CharField(label=_("Baseline period"), max_length=12, required=False,
                                      help_text=PERIOD_HELP)
    is_active = forms.BooleanField(
        label=_("In use"), required=False,
        help_text=_("An indicator no longer in use leaves the overview; its figures are kept."),
    )

    def __init__(self, *args, table: Table, indicator: Indicator | None = None, **kwargs):
        self.table, self.indicator = table, indicator
        if indicator is not None:
            kwargs.setdefault("initial", {
                "name_es": indicator.name_es, "name_en": indicator.name_en, "unit": indicator.unit,
                "direction": indicator.direction, "frequency": indicator.frequency,
                "source": indicator.source, "methodology": indicator.methodology,
                "subcommittee": indicator.subcommittee_id, "by_colonia": indicator.by_colonia,
                "baseline_value": indicator.baseline_value,
                "baseline_period": periods.label(indicator.baseline_period, indicator.frequency)
                if indicator.baseline_period else "",
                "is_active": indicator.is_active,
            })
        else:
            kwargs.setdefault("initial", {"unit": Unit.COUNT, "direction": Direction.LOWER,
                                          "frequency": periods.Frequency.MONTH})
        super().__init__(*args, **kwargs)
        subcommittees = Subcommittee.objects.filter(table=table)
        if indicator is not None:
            del self.fields["code"], self.fields["justice_stage"]
            subcommittees = subcommittees.filter(archived_at__isnull=True) | subcommittees.filter(
                pk=indicator.subcommittee_id)
        else:
            del self.fields["is_active"]
            subcommittees = subcommittees.filter(archived_at__isnull=True)
            owner = subcommittees.filter(standing_theme=Subcommittee.Theme.INDICATORS).first()
            if owner is not None:
                self.fields["subcommittee"].initial = owner.pk
        self.fields["subcommittee"].queryset = subcommittees.order_by("pk")

    def clean(self):
        cleaned = super().clean()
        if ("name_es" in cleaned and "name_en" in cleaned
                and not cleaned["name_es"].strip() and not cleaned["name_en"].strip()):
            self.add_error("name_es", _("Give the indicator a name, in Spanish or in English."))
        frequency = cleaned.get("frequency") or (self.indicator.frequency if self.indicator else None)
        text = (cleaned.get("baseline_period") or "").strip()
        if "baseline_period" in cleaned:
            cleaned["baseline_period"] = None
            if text and frequency:
                try:
                    cleaned["baseline_period"] = parse_period(text, frequency)
                except ValidationError as error:
                    self.add_error("baseline_period", error)
        return cleaned


class TargetForm(MesaForm):
    value = FigureField(label=_("Target value"))
    due_on = forms.DateField(label=_("Target date"), widget=_date_input(),
                             help_text=_("The date by which the table aims to reach it."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("For example, the agreement the target comes from."))


class ObservationForm(MesaForm):
    """A new figure of one period (and, when the indicator is broken down, of one colonia)."""

    period_start = forms.CharField(label=_("Period"), max_length=12)
    value = FigureField(label=_("Figure"))
    colonia = forms.CharField(label=_("Colonia"), max_length=120, required=False,
                              help_text=_("Leave it empty for the figure of the whole area."))
    source = forms.CharField(label=_("Source"), max_length=300, required=False)

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["period_start"].help_text = PERIOD_HELP
        self.fields["period_start"].widget.attrs["placeholder"] = periods.example(indicator.frequency)
        if not indicator.by_colonia:
            del self.fields["colonia"]
        if indicator.source:
            self.fields["source"].help_text = (_("Leave it empty to use the indicator's source: %(source)s.")
                                               % {"source": indicator.source})

    def clean_period_start(self):
        return parse_period(self.cleaned_data["period_start"], self.indicator.frequency)


class CorrectionForm(MesaForm):
    value = FigureField(label=_("Correct figure"))
    note = forms.CharField(label=_("Why it is corrected"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Everyone who sees the figure sees this note, and the earlier "
                                       "figure stays in its history."))
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
