"""Writes to indicators, baselines, targets and observations.

Callers have checked indicators.permissions first; these functions enforce
the rules (a period fits the indicator's frequency, one value per period and
colonia, values within sane bounds, percentages at most 100, a correction
says why) and write atomically: on a ValidationError nothing is saved.
PostgreSQL keeps the history of every write (mesa.history).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from indicators import periods
from indicators.models import VALUE_MAX, Direction, Indicator, JusticeStage, Observation, Target, Unit
from mesa.models import Table
from subcommittees.models import Subcommittee


@dataclass(frozen=True)
class DefaultIndicator:
    code: str
    name_es: str
    name_en: str
    unit: str
    direction: str
    justice_stage: str = ""


# Every table starts with these (the seven, then the justice chain's four steps).
DEFAULT_INDICATORS = [
    DefaultIndicator("homicides", "Homicidios", "Homicides", Unit.COUNT, Direction.LOWER),
    DefaultIndicator("kidnappings", "Secuestros", "Kidnappings", Unit.COUNT, Direction.LOWER),
    DefaultIndicator("extortion", "Extorsión", "Extortion", Unit.COUNT, Direction.LOWER),
    DefaultIndicator("violent-theft", "Robo con violencia", "Violent theft", Unit.COUNT, Direction.LOWER),
    DefaultIndicator("vehicle-theft", "Robo de vehículos", "Vehicle theft", Unit.COUNT, Direction.LOWER),
    DefaultIndicator("emergency-response-time", "Tiempo de respuesta a emergencias",
                     "Emergency response time", Unit.MINUTES, Direction.LOWER),
    DefaultIndicator("cases-brought-to-court", "Casos judicializados", "Cases brought to court", Unit.COUNT,
                     Direction.HIGHER),
    DefaultIndicator("arrests", "Detenciones", "Arrests", Unit.COUNT, Direction.HIGHER,
                     JusticeStage.ARRESTS),
    DefaultIndicator("cases-handed-to-prosecutors", "Casos puestos a disposición del ministerio público",
                     "Cases handed to prosecutors", Unit.COUNT, Direction.HIGHER, JusticeStage.HANDED_OVER),
    DefaultIndicator("charges-brought", "Vinculaciones a proceso", "Charges brought", Unit.COUNT,
                     Direction.HIGHER, JusticeStage.CHARGED),
    DefaultIndicator("convictions", "Sentencias condenatorias", "Convictions", Unit.COUNT, Direction.HIGHER,
                     JusticeStage.CONVICTED),
]


def _indicators_subcommittee(table: Table) -> Subcommittee:
    return table.subcommittees.get(standing_theme=Subcommittee.Theme.INDICATORS)


@transaction.atomic
def indicators_create_defaults(*, table: Table) -> list[Indicator]:
    """The standard indicators of a new table; running it again creates nothing new."""
    owner = _indicators_subcommittee(table)
    existing = set(Indicator.objects.filter(table=table).values_list("code", flat=True))
    created = [
        Indicator(table=table, code=default.code, name_es=default.name_es, name_en=default.name_en,
                  unit=default.unit, direction=default.direction, subcommittee=owner,
                  justice_stage=default.justice_stage, position=position)
        for position, default in enumerate(DEFAULT_INDICATORS, start=1) if default.code not in existing
    ]
    # One INSERT for all of them; the history trigger still records each row.
    return Indicator.objects.bulk_create(created)


# --- Indicators, baselines and targets ---------------------------------------------


def _check_value(indicator_unit: str, value: Decimal | None, field: str = "value") -> None:
    if value is None:
        return
    if value < 0:
        raise ValidationError({field: _("A value cannot be negative.")})
    if value > VALUE_MAX:
        raise ValidationError({field: _("A value cannot be more than %(max)s.")
                               % {"max": f"{VALUE_MAX:,}"}})
    if indicator_unit == Unit.PERCENT and value > 100:
        raise ValidationError({field: _("A percentage cannot be more than 100.")})


def _check_period(indicator: Indicator, period_start: date, field: str = "period_start") -> None:
    if not periods.is_start(period_start, indicator.frequency):
        raise ValidationError({field: _("%(date)s is not the start of a period of this indicator "
                                        "(write it like %(example)s).")
                               % {"date": period_start.isoformat(),
                                  "example": periods.example(indicator.frequency)}})


def _check_started(indicator: Indicator, period_start: date, field: str = "period_start") -> None:
    if period_start > timezone.localdate(timezone=indicator.table.zone):
        raise ValidationError({field: _("This period has not started yet.")})
    if period_start.year < 1900:
        raise ValidationError({field: _("Give a period from 1900 on.")})


def _check_subcommittee(table: Table, subcommittee: Subcommittee) -> None:
    if subcommittee.table_id != table.pk:
        raise ValidationError({"subcommittee": _("Choose a subcommittee of this table.")})


@transaction.atomic
def indicator_create(*, table: Table, actor: User, code: str, name_es: str, name_en: str = "",
                     unit: str = Unit.COUNT, direction: str = Direction.LOWER,
                     frequency: str = periods.Frequency.MONTH, source: str = "", methodology: str = "",
                     subcommittee: Subcommittee | None = None, by_colonia: bool = False,
                     justice_stage: str = "", baseline_value: Decimal | None = None,
                     baseline_period: date | None = None) -> Indicator:
    """Caller has checked can_define_indicators. The baseline may come with it."""
    subcommittee = subcommittee or _indicators_subcommittee(table)
    _check_subcommittee(table, subcommittee)
    if Indicator.objects.filter(table=table, code=code).exists():
        raise ValidationError({"code": _("This table already has an indicator with this code.")})
    if justice_stage and Indicator.objects.filter(table=table, justice_stage=justice_stage).exists():
        raise ValidationError({"justice_stage": _("Another indicator already measures this step.")})
    position = (Indicator.objects.filter(table=table).aggregate(last=Max("position"))["last"] or 0) + 1
    indicator = Indicator(table=table, code=code, name_es=name_es.strip(), name_en=name_en.strip(),
                          unit=unit, direction=direction, frequency=frequency, source=source.strip(),
                          methodology=methodology.strip(), subcommittee=subcommittee, by_colonia=by_colonia,
                          justice_stage=justice_stage, position=position)
    if not indicator.name_es and not indicator.name_en:
        raise ValidationError({"name_es": _("Give the indicator a name.")})
    _check_baseline(indicator, baseline_value, baseline_period)
    indicator.baseline_value, indicator.baseline_period = baseline_value, baseline_period
    indicator.full_clean()
    indicator.save()
    return indicator


def _check_baseline(indicator: Indicator, value: Decimal | None, period: date | None) -> None:
    if (value is None) != (period is None):
        raise ValidationError({"baseline_period": _("Give the baseline both a value and a period.")})
    _check_value(indicator.unit, value, "baseline_value")
    if period is not None:
        _check_period(indicator, period, "baseline_period")


@transaction.atomic
def indicator_update(*, indicator: Indicator, actor: User, **fields) -> Indicator:
    """Names, source, methodology, direction, owner, colonia breakdown, baseline.

    The code, unit and frequency stay once figures exist (they would change what the
    figures mean). Caller has checked can_enter_data."""
    allowed = {"name_es", "name_en", "source", "methodology", "direction", "subcommittee", "by_colonia",
               "baseline_value", "baseline_period", "unit", "frequency", "is_active"}
    locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"{sorted(unknown)} cannot be changed here")
    has_figures = locked.observations.exists()
    for name in ("unit", "frequency"):
        if name in fields and fields[name] != getattr(locked, name) and has_figures:
            raise ValidationError({name: _("This cannot change once figures have been entered.")})
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if "subcommittee" in fields:
        _check_subcommittee(locked.table, locked.subcommittee)
    if not locked.name_es and not locked.name_en:
        raise ValidationError({"name_es": _("Give the indicator a name.")})
    _check_baseline(locked, locked.baseline_value, locked.baseline_period)
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def target_set(*, indicator: Indicator, actor: User, value: Decimal, due_on: date, note: str = "") -> Target:
    """Set the target for a date (changing it if one exists: the history keeps the old value).
    Caller has checked can_enter_data."""
    _check_value(indicator.unit, value)
    if indicator.baseline_period and due_on <= indicator.baseline_period:
        raise ValidationError({"due_on": _("The target date must come after the baseline period.")})
    target = Target.objects.select_for_update().filter(indicator=indicator, due_on=due_on).first()
    if target is None:
        target = Target(indicator=indicator, due_on=due_on)
    target.value, target.note, target.set_by = value, note.strip(), actor
    target.full_clean()
    target.save()
    return target


# --- Observations --------------------------------------------------------------------


def _check_colonia(indicator: Indicator, colonia: str) -> str:
    colonia = " ".join(colonia.split())
    if colonia and not indicator.by_colonia:
        raise ValidationError({"colonia": _("This indicator is not broken down by colonia.")})
    return colonia


@transaction.atomic
def observation_record(*, indicator: Indicator, actor: User, period_start: date, value: Decimal,
                       colonia: str = "", source: str = "") -> Observation:
    """A new figure. Caller has checked can_enter_data."""
    _check_period(indicator, period_start)
    _check_value(indicator.unit, value)
    colonia = _check_colonia(indicator, colonia)
    _check_started(indicator, period_start)
    if Observation.objects.filter(indicator=indicator, period_start=period_start, colonia=colonia).exists():
        raise ValidationError({"period_start": _(
            "There is already a figure for this period; correct it instead.")})
    observation = Observation(indicator=indicator, period_start=period_start, colonia=colonia, value=value,
                              source=source.strip() or indicator.source, entered_by=actor)
    observation.full_clean()
    observation.save()
    return observation


@transaction.atomic
def observation_correct(*, observation: Observation, actor: User, value: Decimal, note: str,
                        source: str | None = None) -> Observation:
    """Change a figure, saying why; the history keeps the earlier value and who entered it.
    Caller has checked can_enter_data."""
    locked = Observation.objects.select_for_update().select_related("indicator").get(pk=observation.pk)
    _check_value(locked.indicator.unit, value)
    if not note.strip():
        raise ValidationError({"note": _("Say why the figure is corrected.")})
    if value == locked.value and (source is None or source.strip() == locked.source):
        raise ValidationError({"value": _("That is already the figure.")})
    locked.value, locked.correction_note = value, note.strip()
    if source is not None:
        locked.source = source.strip()
    locked.entered_by, locked.corrected_at = actor, timezone.now()
    locked.full_clean()
    locked.save()
    return locked


@dataclass(frozen=True)
class ImportRow:
    """One checked row of an import: ready to become an observation."""

    line: int
    indicator_id: int
    code: str
    period_start: date
    colonia: str
    value: Decimal
    source: str


@transaction.atomic
def observations_import(*, table: Table, actor: User, rows: Iterable[ImportRow]) -> list[Observation]:
    """All rows or none. Rows come from indicators.imports.check_rows; they are checked again
    here, inside the transaction, so that a figure entered meanwhile is not overwritten."""
    rows = list(rows)
    if not rows:
        raise ValidationError(_("The file has no figures to import."))
    wanted = {row.indicator_id for row in rows}
    indicators = {i.pk: i for i in Indicator.objects.select_for_update().filter(table=table, pk__in=wanted)}
    errors = []
    for row in rows:
        indicator = indicators.get(row.indicator_id)
        try:
            if indicator is None:
                raise ValidationError(_("Unknown indicator."))
            _check_period(indicator, row.period_start)
            _check_started(indicator, row.period_start)
            _check_value(indicator.unit, row.value)
            _check_colonia(indicator, row.colonia)
        except ValidationError as error:
            errors.append(_("Line %(line)s: %(error)s")
                          % {"line": row.line, "error": " ".join(error.messages)})
    taken = set(Observation.objects.filter(indicator__in=list(indicators),
                                           period_start__in={r.period_start for r in rows})
                .values_list("indicator_id", "period_start", "colonia"))
    seen = set()
    for row in rows:
        key = (row.indicator_id, row.period_start, row.colonia)
        if key in taken or key in seen:
            errors.append(_("Line %(line)s: there is already a figure for this period.") % {"line": row.line})
        seen.add(key)
    if errors:
        raise ValidationError(errors)
    observations = [Observation(indicator_id=row.indicator_id, period_start=row.period_start,
                                colonia=row.colonia, value=row.value,
                                source=row.source or indicators[row.indicator_id].source, entered_by=actor)
                    for row in rows]
    return Observation.objects.bulk_create(observations)
