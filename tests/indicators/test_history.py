"""Figures never silently change or disappear: every change of an indicator, a target or a
figure leaves a hash-chained history row, however it was made; PostgreSQL refuses to
delete or truncate them; verify_history finds nothing wrong with honest data."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from indicators import services
from indicators.models import Indicator, Observation, Target
from mesa.history import chained_event_models, verify_history
from tests.indicators.factories import record

pytestmark = pytest.mark.django_db


def run_sql(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def values(observation: Observation) -> list[tuple]:
    return list(observation.events.order_by("pgh_id").values_list("pgh_label", "value", "entered_by"))


@pytest.fixture
def july(extortion, secretariat):
    [observation] = record(extortion, {date(2025, 7, 1): 50}, actor=secretariat)
    return observation


@pytest.fixture
def target(extortion, secretariat):
    return services.target_set(indicator=extortion, actor=secretariat, value=Decimal("40"),
                               due_on=date(2026, 12, 31))


def test_a_correction_through_the_api_leaves_a_history_row_naming_who_and_where(
        as_user, july, secretariat, indicators_coordinator):
    address = f"/api/v1/indicators/{july.indicator_id}/observations/{july.pk}/"
    response = as_user(indicators_coordinator).patch(address, {"value": "45", "note": "Depuración"},
                                                     format="json")
    assert response.status_code == 200, response.content
    assert values(july) == [("insert", Decimal("50.00"), secretariat.pk),
                            ("update", Decimal("45.00"), indicators_coordinator.pk)]
    last = july.events.order_by("pgh_id").last()
    assert last.correction_note == "Depuración"
    assert last.pgh_context["user"] == indicators_coordinator.pk
    assert last.pgh_context["url"] == address


def test_a_queryset_update_leaves_a_history_row(july, secretariat):
    Observation.objects.filter(pk=july.pk).update(value=Decimal("1"))
    assert values(july) == [("insert", Decimal("50.00"), secretariat.pk),
                            ("update", Decimal("1.00"), secretariat.pk)]


def test_raw_sql_leaves_a_history_row(july, secretariat):
    run_sql("UPDATE indicators_observation SET value = %s WHERE id = %s", [Decimal("2"), july.pk])
    assert values(july) == [("insert", Decimal("50.00"), secretariat.pk),
                            ("update", Decimal("2.00"), secretariat.pk)]


def test_baselines_and_targets_keep_their_history(extortion, target, secretariat):
    services.indicator_update(indicator=extortion, actor=secretariat, baseline_value=Decimal("60"),
                              baseline_period=date(2024, 1, 1))
    services.indicator_update(indicator=extortion, actor=secretariat, baseline_value=Decimal("58"))
    run_sql("UPDATE indicators_target SET value = 35 WHERE id = %s", [target.pk])
    assert [e.baseline_value for e in extortion.events.order_by("pgh_id")] == [
        None, Decimal("60.00"), Decimal("58.00")]
    assert [e.value for e in target.events.order_by("pgh_id")] == [Decimal("40.00"), Decimal("35.00")]


def test_each_history_row_links_to_the_one_before(july, secretariat):
    services.observation_correct(observation=july, actor=secretariat, value=Decimal("49"), note="Ajuste")
    events = list(july.events.order_by("pgh_id"))
    assert len(events) == 2
    assert events[0].pgh_prev_hash == ""
    assert events[1].pgh_prev_hash == events[0].pgh_hash
    assert events[0].pgh_hash != events[1].pgh_hash


@pytest.mark.parametrize("sql", [
    "DELETE FROM indicators_indicator",
    "TRUNCATE indicators_indicator CASCADE",
    "DELETE FROM indicators_observation",
    "TRUNCATE indicators_observation CASCADE",
    "DELETE FROM indicators_target",
    "TRUNCATE indicators_target CASCADE",
    "DELETE FROM indicators_observationevent",
    "UPDATE indicators_observationevent SET value = 0",
    "TRUNCATE indicators_observationevent",
    "DELETE FROM indicators_indicatorevent",
    "TRUNCATE indicators_indicatorevent",
    "DELETE FROM indicators_targetevent",
    "UPDATE indicators_targetevent SET value = 0",
])
def test_the_database_refuses_to_erase_the_figures_or_their_history(july, target, sql):
    run_sql("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE stops at the test's pending FK checks
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        run_sql(sql)
    assert Observation.objects.filter(pk=july.pk).exists()
    assert Target.objects.filter(pk=target.pk).exists()
    assert Indicator.objects.filter(table=july.indicator.table).count() == 11


@pytest.mark.parametrize("kind", ["observation", "target", "indicator"])
def test_the_orm_cannot_delete_them_either(table, july, target, kind):
    homicides = Indicator.objects.get(table=table, code="homicides")  # no figures: nothing protects it
    doomed = {"observation": july, "target": target, "indicator": homicides}[kind]
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
        doomed.delete()
    assert Observation.objects.filter(pk=july.pk).exists() and Target.objects.filter(pk=target.pk).exists()
    assert Indicator.objects.filter(pk=homicides.pk).exists()


def test_verify_history_stays_clean_through_every_kind_of_change(as_user, table, extortion, july, target,
                                                                  secretariat, indicators_coordinator):
    labels = {model._meta.label for model in chained_event_models()}
    assert {"indicators.IndicatorEvent", "indicators.ObservationEvent", "indicators.TargetEvent"} <= labels
    as_user(indicators_coordinator).patch(f"/api/v1/indicators/{extortion.pk}/observations/{july.pk}/",
                                          {"value": "45", "note": "Depuración"}, format="json")
    Observation.objects.filter(pk=july.pk).update(value=Decimal("44"))
    run_sql("UPDATE indicators_observation SET source = 'SQL' WHERE id = %s", [july.pk])
    services.indicator_update(indicator=extortion, actor=secretariat, baseline_value=Decimal("60"),
                              baseline_period=date(2024, 1, 1))
    services.target_set(indicator=extortion, actor=secretariat, value=Decimal("38"), due_on=target.due_on)
    services.observations_import(table=table, actor=secretariat, rows=[
        services.ImportRow(line=2, indicator_id=extortion.pk, code="extortion", period_start=date(2025, 8, 1),
                           colonia="", value=Decimal("41"), source="")])
    assert verify_history() == []
    out = StringIO()
    call_command("verify_history", stdout=out)
    assert "no problems" in out.getvalue().lower()


def test_verify_history_reports_a_figure_changed_with_the_triggers_off(july):
    run_sql("SET session_replication_role = replica")
    try:
        run_sql("UPDATE indicators_observation SET value = 5 WHERE id = %s", [july.pk])
    finally:
        run_sql("SET session_replication_role = origin")
    problems = verify_history()
    assert [(p.event_model, p.record_id, p.event_id) for p in problems] == [
        ("indicators.ObservationEvent", str(july.pk), None)]
    assert "without a trace" in problems[0].problem
