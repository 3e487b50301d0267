"""Performance indicators (indicadores de desempeño) of a table: what is measured,
its baseline and targets, and its observations per period, optionally per colonia.

Writes go through indicators.services; reads through indicators.querysets; who
may see and do what is decided in indicators.permissions.

Figures are evidence the table argues with, so they keep their history like
commitments do (mesa.history.tamper_evident): every entry and correction of an
observation, baseline or target leaves a hash-chained event naming who made it,
and PostgreSQL refuses to delete or truncate them.
"""

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from indicators.periods import Frequency
from indicators.querysets import IndicatorQuerySet, ObservationQuerySet
from mesa.history import never_truncated, tamper_evident
from mesa.models import Table
from subcommittees.models import Subcommittee

# No figure of a city's security is larger than this: catches a slip before it reaches a chart.
VALUE_MAX = Decimal("1000000000")


class Unit(models.TextChoices):
    COUNT = "count", pgettext_lazy("indicator unit", "Count")
    RATE = "rate_100k", pgettext_lazy("indicator unit", "Rate per 100,000 inhabitants")
    MINUTES = "minutes", pgettext_lazy("indicator unit", "Minutes")
    PERCENT = "percent", pgettext_lazy("indicator unit", "Percent")


class Direction(models.TextChoices):
    LOWER = "lower", pgettext_lazy("indicator direction", "Lower is better")
    HIGHER = "higher", pgettext_lazy("indicator direction", "Higher is better")


class JusticeStage(models.TextChoices):
    """The steps of the justice chain, in order: where cases are lost."""

    ARRESTS = "arrests", pgettext_lazy("justice chain", "Arrests")
    HANDED_OVER = "handed_over", pgettext_lazy("justice chain", "Cases handed to prosecutors")
    CHARGED = "charged", pgettext_lazy("justice chain", "Charges brought")
    CONVICTED = "convicted", pgettext_lazy("justice chain", "Convictions")


def _value_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2,
                               validators=[MinValueValidator(0), MaxValueValidator(VALUE_MAX)], **kwargs)


@tamper_evident()
class Indicator(models.Model):
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="indicators",
                              verbose_name=_("table"))
    code = models.SlugField(_("code"), max_length=40,
                            help_text=_("Short and stable, used in imported files, e.g. extortion."))
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    name_en = models.CharField(_("name in English"), max_length=150, blank=True)
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices, default=Unit.COUNT)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices,
                                 default=Direction.LOWER)
    frequency = models.CharField(_("period"), max_length=8, choices=Frequency.choices,
                                 default=Frequency.MONTH)
    source = models.CharField(_("source"), max_length=300, blank=True)
    methodology = models.TextField(_("methodology"), blank=True, max_length=5000)
    subcommittee = models.ForeignKey(
        Subcommittee, on_delete=models.PROTECT, related_name="indicators",
        verbose_name=_("owning subcommittee"),
        help_text=_("Its coordinators enter the figures, with the secretariat."),
    )
    by_colonia = models.BooleanField(_("broken down by colonia"), default=False)
    justice_stage = models.CharField(_("step of the justice chain"), max_length=12, blank=True,
                                     choices=JusticeStage.choices)
    baseline_value = _value_field(_("baseline value"), null=True, blank=True)
    baseline_period = models.DateField(_("baseline period"), null=True, blank=True,
                                       help_text=_("The first day of the period the baseline measures."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("performance indicator")
        verbose_name_plural = _("performance indicators")
        ordering = ["table", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="indicator_unique_code"),
            models.UniqueConstraint(fields=["table", "justice_stage"], condition=~Q(justice_stage=""),
                                    name="indicator_one_per_justice_stage"),
            models.CheckConstraint(condition=~Q(name_es="") | ~Q(name_en=""), name="indicator_has_a_name"),
            models.CheckConstraint(
                condition=(Q(baseline_value__isnull=True) & Q(baseline_period__isnull=True))
                | (Q(baseline_value__isnull=False) & Q(baseline_period__isnull=False)),
                name="indicator_baseline_has_period",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="indicator_never_deleted", operation=pgtrigger.Delete),
            never_truncated("indicator_never_truncated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:detail", kwargs={"table_slug": self.table.slug, "code": self.code})

    @property
    def name(self) -> str:
        """The name in the active language, falling back to the other one."""
        if (get_language() or "es").startswith("en"):
            return self.name_en or self.name_es
        return self.name_es or self.name_en

    @property
    def lower_is_better(self) -> bool:
        return self.direction == Direction.LOWER


@tamper_evident()
class Target(models.Model):
    """A value the table aims for by a date. Several may follow one another."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets",
                                  verbose_name=_("indicator"))
    value = _value_field(_("target value"))
    due_on = models.DateField(_("target date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("set by"))
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "due_on"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "due_on"], name="target_one_per_date"),
        ]
        triggers = [
            pgtrigger.Protect(name="target_never_deleted", operation=pgtrigger.Delete),
            never_truncated("target_never_truncated"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value} · {self.due_on}"


@tamper_evident()
class Observation(models.Model):
    """The value of an indicator for one period (and colonia, or the whole table when empty).

    Corrected in place with a note; the history keeps every earlier value and who entered it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="observations",
                                  verbose_name=_("indicator"))
    period_start = models.DateField(_("period"))
    colonia = models.CharField(_("colonia"), max_length=120, blank=True,
                               help_text=_("Empty for the whole table's area."))
    value = _value_field(_("value"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    correction_note = models.CharField(_("why it was corrected"), max_length=500, blank=True)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["indicator", "period_start", "colonia"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_start", "colonia"],
                                    name="observation_one_per_period_and_colonia"),
            models.CheckConstraint(condition=Q(value__gte=0) & Q(value__lte=VALUE_MAX),
                                   name="observation_value_sane"),
            models.CheckConstraint(condition=Q(corrected_at__isnull=True) | ~Q(correction_note=""),
                                   name="observation_correction_has_note"),
        ]
        triggers = [
            pgtrigger.Protect(name="observation_never_deleted", operation=pgtrigger.Delete),
            never_truncated("observation_never_truncated"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} · {self.period_start} · {self.colonia or '*'}"
