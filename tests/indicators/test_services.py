"""indicators.services: the rules of indicators, baselines, targets and figures, and that a
refused write saves nothing."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from indicators import services
from indicators.imports import check_rows
from indicators.models import VALUE_MAX, Indicator, Observation, Target
from indicators.permissions import enterable_indicator_ids
from indicators.services import DEFAULT_INDICATORS, ImportRow
from mesa.history import timeline
from tests.indicators.factories import indicator, monthly, record

pytestmark = pytest.mark.django_db

JUAREZ = ZoneInfo("America/Ciudad_Juarez")


def errors(excinfo) -> dict:
    return excinfo.value.message_dict


def saved_state():
    return (
        list(Indicator.objects.order_by("pk").values_list(
            "code", "name_es", "name_en", "unit", "frequency", "subcommittee", "by_colonia", "baseline_value",
            "baseline_period", "position")),
        list(Target.objects.order_by("pk").values_list("indicator", "value", "due_on", "note", "set_by")),
        list(Observation.objects.order_by("pk").values_list(
            "indicator", "period_start", "colonia", "value", "source", "entered_by", "correction_note")),
    )


# --- Defaults ------------------------------------------------------------------------------------


def test_every_new_table_starts_with_the_default_indicators(table, other_table, indicators_subcommittee):
    defaults = list(Indicator.objects.filter(table=table).order_by("position"))
    assert [(i.code, i.position) for i in defaults] == [(d.code, n) for n, d in
                                                        enumerate(DEFAULT_INDICATORS, start=1)]
    assert [i.code for i in defaults] == [
        "homicides", "kidnappings", "extortion", "violent-theft", "vehicle-theft", "emergency-response-time",
        "cases-brought-to-court", "arrests", "cases-handed-to-prosecutors", "charges-brought", "convictions"]
    assert {i.subcommittee for i in defaults} == {indicators_subcommittee}
    assert {i.justice_stage for i in defaults if i.justice_stage} == {
        "arrests", "handed_over", "charged", "convicted"}
    emergency = indicator(table, "emergency-response-time")
    assert (emergency.unit, emergency.direction) == ("minutes", "lower")
    assert indicator(table, "cases-brought-to-court").direction == "higher"
    assert Indicator.objects.filter(table=other_table).count() == 11


def test_defaults_are_created_once_only(table, secretariat):
    before = saved_state()
    assert services.indicators_create_defaults(table=table) == []
    assert saved_state() == before


def test_defaults_fill_in_only_what_is_missing(table):
    Indicator.objects.filter(table=table, code="extortion").update(code="extorsion-2019")
    created = services.indicators_create_defaults(table=table)
    assert [(i.code, i.position) for i in created] == [("extortion", 3)]
    assert Indicator.objects.filter(table=table).count() == 12
    assert services.indicators_create_defaults(table=table) == []


# --- Indicators ----------------------------------------------------------------------------------


def test_an_indicator_is_created_after_the_others_and_owned_by_the_indicators_subcommittee(
        table, secretariat, indicators_subcommittee):
    created = services.indicator_create(table=table, actor=secretariat, code="femicides",
                                        name_es="  Feminicidios ", unit="rate_100k", frequency="quarter")
    assert (created.name_es, created.position, created.subcommittee) == ("Feminicidios", 12,
                                                                         indicators_subcommittee)
    assert created.name == "Feminicidios"  # no English name: falls back to Spanish


def test_an_indicator_code_is_unique_within_its_table_only(table, other_table, secretariat,
                                                           other_secretariat):
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_create(table=table, actor=secretariat, code="extortion", name_es="Otra")
    assert errors(excinfo) == {"code": ["This table already has an indicator with this code."]}
    created = services.indicator_create(table=other_table, actor=other_secretariat, code="femicides",
                                        name_es="Feminicidios")
    assert services.indicator_create(table=table, actor=secretariat, code="femicides", name_es="F").pk != \
        created.pk


def test_one_indicator_per_step_of_the_justice_chain(table, secretariat):
    before = saved_state()
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_create(table=table, actor=secretariat, code="detenidos", name_es="Detenidos",
                                  justice_stage="arrests")
    assert errors(excinfo) == {"justice_stage": ["Another indicator already measures this step."]}
    assert saved_state() == before


def test_an_indicator_needs_a_name_and_a_subcommittee_of_its_table(table, other_table, secretariat):
    before = saved_state()
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_create(table=table, actor=secretariat, code="sin-nombre", name_es="  ")
    assert "name_es" in errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_create(table=table, actor=secretariat, code="ajena", name_es="Ajena",
                                  subcommittee=other_table.subcommittees.first())
    assert errors(excinfo) == {"subcommittee": ["Choose a subcommittee of this table."]}
    assert saved_state() == before


def test_unit_and_frequency_change_freely_until_figures_exist(extortion, secretariat):
    changed = services.indicator_update(indicator=extortion, actor=secretariat, unit="rate_100k",
                                        frequency="quarter")
    assert (changed.unit, changed.frequency) == ("rate_100k", "quarter")


def test_unit_and_frequency_are_frozen_once_figures_exist(extortion, secretariat):
    record(extortion, {date(2025, 1, 1): 10})
    before = saved_state()
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_update(indicator=extortion, actor=secretariat, unit="percent")
    assert errors(excinfo) == {"unit": ["This cannot change once figures have been entered."]}
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_update(indicator=extortion, actor=secretariat, frequency="week")
    assert "frequency" in errors(excinfo)
    assert saved_state() == before
    # Sending the same unit is no change, and other fields still change.
    changed = services.indicator_update(indicator=extortion, actor=secretariat, unit="count", source="FGE")
    assert changed.source == "FGE"


def test_a_baseline_needs_a_value_and_a_period_start(extortion, secretariat):
    before = saved_state()
    for fields, field in (
        ({"baseline_value": Decimal("10")}, "baseline_period"),
        ({"baseline_period": date(2024, 1, 1)}, "baseline_period"),
        ({"baseline_value": Decimal("10"), "baseline_period": date(2024, 1, 15)}, "baseline_period"),
        ({"baseline_value": Decimal("-1"), "baseline_period": date(2024, 1, 1)}, "baseline_value"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.indicator_update(indicator=extortion, actor=secretariat, **fields)
        assert field in errors(excinfo), fields
    assert saved_state() == before
    changed = services.indicator_update(indicator=extortion, actor=secretariat, baseline_value=Decimal("10"),
                                        baseline_period=date(2024, 1, 1))
    assert (changed.baseline_value, changed.baseline_period) == (Decimal("10"), date(2024, 1, 1))
    cleared = services.indicator_update(indicator=changed, actor=secretariat, baseline_value=None,
                                        baseline_period=None)
    assert (cleared.baseline_value, cleared.baseline_period) == (None, None)


def test_a_percentage_baseline_is_at_most_100(table, secretariat):
    share = services.indicator_create(table=table, actor=secretariat, code="solved", name_es="Resueltos",
                                      unit="percent")
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_update(indicator=share, actor=secretariat, baseline_value=Decimal("100.01"),
                                  baseline_period=date(2024, 1, 1))
    assert errors(excinfo) == {"baseline_value": ["A percentage cannot be more than 100."]}


def test_an_indicator_update_refuses_fields_it_does_not_change(extortion, secretariat):
    with pytest.raises(ValueError, match="code"):
        services.indicator_update(indicator=extortion, actor=secretariat, code="otra")


def test_an_indicator_keeps_at_least_one_name(extortion, secretariat):
    with pytest.raises(ValidationError) as excinfo:
        services.indicator_update(indicator=extortion, actor=secretariat, name_es="", name_en=" ")
    assert "name_es" in errors(excinfo)
    assert Indicator.objects.get(pk=extortion.pk).name_es == "Extorsión"


# --- Targets -------------------------------------------------------------------------------------


def test_setting_a_target_again_changes_it_and_the_history_keeps_the_old_one(extortion, secretariat,
                                                                              indicators_coordinator):
    first = services.target_set(indicator=extortion, actor=secretariat, value=Decimal("80"),
                                due_on=date(2026, 12, 31), note="Meta anual")
    second = services.target_set(indicator=extortion, actor=indicators_coordinator, value=Decimal("75"),
                                 due_on=date(2026, 12, 31))
    assert second.pk == first.pk and Target.objects.count() == 1
    assert (second.value, second.note, second.set_by) == (Decimal("75"), "", indicators_coordinator)
    assert [(e.value, e.note, e.set_by_id) for e in second.events.order_by("pgh_id")] == [
        (Decimal("80.00"), "Meta anual", secretariat.pk), (Decimal("75.00"), "", indicators_coordinator.pk)]


def test_targets_on_different_dates_follow_one_another(extortion, secretariat):
    services.target_set(indicator=extortion, actor=secretariat, value=Decimal("80"), due_on=date(2026, 6, 30))
    services.target_set(indicator=extortion, actor=secretariat, value=Decimal("70"), due_on=date(2027, 6, 30))
    assert list(extortion.targets.values_list("due_on", "value")) == [
        (date(2026, 6, 30), Decimal("80.00")), (date(2027, 6, 30), Decimal("70.00"))]


def test_a_target_comes_after_the_baseline_and_within_bounds(extortion, secretariat):
    extortion = services.indicator_update(indicator=extortion, actor=secretariat,
                                          baseline_value=Decimal("90"), baseline_period=date(2025, 1, 1))
    before = saved_state()
    for value, due_on, field in (
        (Decimal("80"), date(2025, 1, 1), "due_on"),
        (Decimal("80"), date(2024, 12, 31), "due_on"),
        (Decimal("-1"), date(2026, 1, 1), "value"),
        (VALUE_MAX + 1, date(2026, 1, 1), "value"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.target_set(indicator=extortion, actor=secretariat, value=value, due_on=due_on)
        assert field in errors(excinfo)
    assert saved_state() == before


# --- Recording figures ---------------------------------------------------------------------------


def test_a_figure_is_recorded_with_who_entered_it_and_the_indicators_source(extortion, secretariat,
                                                                            indicators_coordinator):
    extortion = services.indicator_update(indicator=extortion, actor=secretariat, source="FGE Chihuahua")
    observation = services.observation_record(indicator=extortion, actor=indicators_coordinator,
                                              period_start=date(2025, 3, 1), value=Decimal("41"))
    assert (observation.value, observation.source, observation.entered_by, observation.colonia) == (
        Decimal("41"), "FGE Chihuahua", indicators_coordinator, "")
    other = services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2025, 4, 1),
                                        value=Decimal("40"), source=" Ficosec ")
    assert other.source == "Ficosec"


@pytest.mark.parametrize(("frequency", "start", "refused"), [
    ("month", date(2025, 3, 1), date(2025, 3, 2)),
    ("week", date(2025, 3, 3), date(2025, 3, 1)),
    ("quarter", date(2025, 4, 1), date(2025, 5, 1)),
])
def test_a_figure_is_for_the_start_of_a_period(table, secretariat, frequency, start, refused):
    measured = services.indicator_create(table=table, actor=secretariat, code="medida", name_es="Medida",
                                         frequency=frequency)
    with pytest.raises(ValidationError) as excinfo:
        services.observation_record(indicator=measured, actor=secretariat, period_start=refused,
                                    value=Decimal(1))
    assert list(errors(excinfo)) == ["period_start"]
    assert not Observation.objects.exists()
    services.observation_record(indicator=measured, actor=secretariat, period_start=start, value=Decimal(1))


def test_a_period_that_has_not_started_on_the_tables_calendar_is_refused(extortion, secretariat):
    # 06:00 UTC on 1 March is still 28 February, 23:00, in Ciudad Juárez.
    with time_machine.travel(datetime(2026, 3, 1, 6, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        with pytest.raises(ValidationError) as excinfo:
            services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2026, 3, 1),
                                        value=Decimal(5))
        assert errors(excinfo) == {"period_start": ["This period has not started yet."]}
        services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2026, 2, 1),
                                    value=Decimal(5))
    with time_machine.travel(datetime(2026, 3, 1, 0, 0, tzinfo=JUAREZ), tick=False):
        services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2026, 3, 1),
                                    value=Decimal(5))
    assert Observation.objects.count() == 2


@pytest.mark.parametrize(("unit", "value", "message"), [
    ("count", Decimal("-0.01"), "A value cannot be negative."),
    ("count", VALUE_MAX + Decimal("0.01"), "A value cannot be more than 1,000,000,000."),
    ("percent", Decimal("100.01"), "A percentage cannot be more than 100."),
])
def test_a_value_out_of_bounds_is_refused(table, secretariat, unit, value, message):
    measured = services.indicator_create(table=table, actor=secretariat, code="medida", name_es="Medida",
                                         unit=unit)
    with pytest.raises(ValidationError) as excinfo:
        services.observation_record(indicator=measured, actor=secretariat, period_start=date(2025, 1, 1),
                                    value=value)
    assert errors(excinfo) == {"value": [message]}
    assert not Observation.objects.exists()


@pytest.mark.parametrize(("unit", "value"), [
    ("count", Decimal("0")), ("count", VALUE_MAX), ("percent", Decimal("100")), ("minutes", Decimal("12.75")),
])
def test_values_at_the_bounds_are_accepted(table, secretariat, unit, value):
    measured = services.indicator_create(table=table, actor=secretariat, code="medida", name_es="Medida",
                                         unit=unit)
    observation = services.observation_record(indicator=measured, actor=secretariat,
                                              period_start=date(2025, 1, 1), value=value)
    assert Observation.objects.get(pk=observation.pk).value == value


def test_a_colonia_only_for_indicators_broken_down_by_colonia(extortion, secretariat):
    with pytest.raises(ValidationError) as excinfo:
        services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2025, 1, 1),
                                    value=Decimal(3), colonia="Centro")
    assert errors(excinfo) == {"colonia": ["This indicator is not broken down by colonia."]}
    assert not Observation.objects.exists()
    extortion = services.indicator_update(indicator=extortion, actor=secretariat, by_colonia=True)
    observation = services.observation_record(indicator=extortion, actor=secretariat,
                                              period_start=date(2025, 1, 1), value=Decimal(3),
                                              colonia="  Riberas   del Bravo ")
    assert observation.colonia == "Riberas del Bravo"


def test_one_figure_per_period_and_colonia(extortion, secretariat):
    extortion = services.indicator_update(indicator=extortion, actor=secretariat, by_colonia=True)
    record(extortion, {date(2025, 1, 1): 10})
    record(extortion, {date(2025, 1, 1): 4}, colonia="Centro")
    before = saved_state()
    for colonia in ("", "Centro", " Centro "):
        with pytest.raises(ValidationError) as excinfo:
            services.observation_record(indicator=extortion, actor=secretariat, period_start=date(2025, 1, 1),
                                        value=Decimal(9), colonia=colonia)
        assert errors(excinfo) == {"period_start": [
            "There is already a figure for this period; correct it instead."]}
    assert saved_state() == before


# --- Correcting figures --------------------------------------------------------------------------


def test_a_correction_says_why_and_the_history_keeps_the_old_value_and_who_entered_it(
        extortion, secretariat, indicators_coordinator):
    [observation] = record(extortion, {date(2025, 1, 1): 50}, actor=secretariat)
    corrected = services.observation_correct(observation=observation, actor=indicators_coordinator,
                                             value=Decimal("47"), note=" Duplicados depurados ")
    assert (corrected.value, corrected.correction_note, corrected.entered_by) == (
        Decimal("47"), "Duplicados depurados", indicators_coordinator)
    assert corrected.corrected_at is not None
    events = list(corrected.events.order_by("pgh_id"))
    assert [(e.value, e.entered_by_id, e.correction_note) for e in events] == [
        (Decimal("50.00"), secretariat.pk, ""), (Decimal("47.00"), indicators_coordinator.pk,
                                                 "Duplicados depurados")]
    entry = timeline(events, fields=["value", "entered_by"])[-1]
    assert entry.kind == "changed"
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("value", Decimal("50.00"), Decimal("47.00")),
        ("entered_by", secretariat.pk, indicators_coordinator.pk)]


@pytest.mark.parametrize(("value", "note", "source", "field"), [
    (Decimal("47"), "", None, "note"),
    (Decimal("47"), "   ", None, "note"),
    (Decimal("50"), "Igual", None, "value"),
    (Decimal("50"), "Igual", "", "value"),
    (Decimal("-1"), "Negativo", None, "value"),
    (VALUE_MAX + 1, "Enorme", None, "value"),
])
def test_a_bad_correction_changes_nothing(extortion, secretariat, value, note, source, field):
    [observation] = record(extortion, {date(2025, 1, 1): 50})
    before = saved_state()
    with pytest.raises(ValidationError) as excinfo:
        services.observation_correct(observation=observation, actor=secretariat, value=value, note=note,
                                     source=source)
    assert field in errors(excinfo)
    assert saved_state() == before
    assert observation.events.count() == 1


def test_a_correction_may_change_only_the_source(extortion, secretariat):
    [observation] = record(extortion, {date(2025, 1, 1): 50})
    corrected = services.observation_correct(observation=observation, actor=secretariat, value=Decimal(50),
                                             note="Fuente precisada", source="SESNSP")
    assert (corrected.value, corrected.source) == (Decimal(50), "SESNSP")


# --- Importing figures ---------------------------------------------------------------------------


def rows_for(extortion, values: dict, *, first_line: int = 2) -> list[ImportRow]:
    return [ImportRow(line=line, indicator_id=extortion.pk, code=extortion.code, period_start=start,
                      colonia="", value=Decimal(str(value)), source="")
            for line, (start, value) in enumerate(values.items(), start=first_line)]


def test_an_import_saves_every_row(table, extortion, indicators_coordinator):
    saved = services.observations_import(table=table, actor=indicators_coordinator,
                                         rows=rows_for(extortion, monthly(2025, [10, 11, 12])))
    assert len(saved) == 3
    assert list(Observation.objects.order_by("period_start").values_list("period_start", "value",
                                                                          "entered_by")) == [
        (date(2025, 1, 1), Decimal("10.00"), indicators_coordinator.pk),
        (date(2025, 2, 1), Decimal("11.00"), indicators_coordinator.pk),
        (date(2025, 3, 1), Decimal("12.00"), indicators_coordinator.pk)]
    assert all(o.events.count() == 1 for o in Observation.objects.all())


@pytest.mark.parametrize(("bad", "message"), [
    ({"period_start": date(2025, 2, 14)}, "Line 3: 2025-02-14 is not the start of a period"),
    ({"value": Decimal("-4")}, "Line 3: A value cannot be negative."),
    ({"colonia": "Centro"}, "Line 3: This indicator is not broken down by colonia."),
    ({"indicator_id": 0}, "Line 3: Unknown indicator."),
])
def test_one_bad_row_and_nothing_is_imported(table, extortion, secretariat, bad, message):
    rows = rows_for(extortion, monthly(2025, [10, 11, 12]))
    rows[1] = ImportRow(**{**rows[1].__dict__, **bad})
    with pytest.raises(ValidationError) as excinfo:
        services.observations_import(table=table, actor=secretariat, rows=rows)
    assert len(excinfo.value.messages) == 1 and excinfo.value.messages[0].startswith(message)
    assert not Observation.objects.exists()


def test_an_indicator_of_another_table_is_unknown_to_an_import(table, other_table, extortion, secretariat):
    theirs = indicator(other_table, "extortion")
    rows = rows_for(extortion, {date(2025, 1, 1): 1}) + rows_for(theirs, {date(2025, 1, 1): 2}, first_line=3)
    with pytest.raises(ValidationError) as excinfo:
        services.observations_import(table=table, actor=secretariat, rows=rows)
    assert excinfo.value.messages == ["Line 3: Unknown indicator."]
    assert not Observation.objects.exists()


def test_an_import_never_overwrites_a_figure_entered_meanwhile(table, extortion, secretariat,
                                                               indicators_coordinator):
    upload = [["indicator", "period", "value"], ["extortion", "2025-01", "10"],
              ["extortion", "2025-02", "11"], ["extortion", "2025-03", "12"]]
    checked = check_rows(table=table, rows=upload,
                         enterable_ids=enterable_indicator_ids(indicators_coordinator, table))
    assert checked.is_valid
    # Between the preview and the confirmation, the secretariat enters February.
    record(extortion, {date(2025, 2, 1): 99}, actor=secretariat)
    before = saved_state()
    with pytest.raises(ValidationError) as excinfo:
        services.observations_import(table=table, actor=indicators_coordinator, rows=checked.rows)
    assert excinfo.value.messages == ["Line 3: there is already a figure for this period."]
    assert saved_state() == before
    assert Observation.objects.get().value == Decimal("99")


def test_an_empty_import_is_refused(table, secretariat):
    with pytest.raises(ValidationError) as excinfo:
        services.observations_import(table=table, actor=secretariat, rows=[])
    assert excinfo.value.messages == ["The file has no figures to import."]


def test_an_import_with_the_same_period_twice_saves_nothing(table, extortion, secretariat):
    rows = [*rows_for(extortion, {date(2025, 1, 1): 1}),
            *rows_for(extortion, {date(2025, 1, 1): 2}, first_line=3)]
    # check_rows reports this as a row error before any import; the service itself only relies on
    # the database's unique constraint, so it raises IntegrityError, but saves nothing either way.
    with pytest.raises((ValidationError, IntegrityError)):
        services.observations_import(table=table, actor=secretariat, rows=rows)
    assert not Observation.objects.exists()


def test_an_import_refuses_a_period_that_has_not_started(table, extortion, secretariat):
    with time_machine.travel(datetime(2026, 3, 15, 12, 0, tzinfo=JUAREZ), tick=False):
        rows = rows_for(extortion, {date(2026, 3, 1): 1, date(2026, 4, 1): 2})
        with pytest.raises(ValidationError):
            services.observations_import(table=table, actor=secretariat, rows=rows)
    assert not Observation.objects.exists()
