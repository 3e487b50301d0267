"""The indicators API: /api/v1/indicators/ and its figures, with the pages' rules.

Who is refused what is in test_permissions.py; what the services refuse in
test_services.py; how the summary is worked out in test_figures.py. Here: what each
endpoint shows and does, its bad input, and its query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import yaml
from django.utils import timezone

from indicators import services
from indicators.models import Indicator, Observation, Target
from subcommittees.services import subcommittee_create
from tests.indicators.factories import indicator, monthly, record

pytestmark = pytest.mark.django_db

LIST = "/api/v1/indicators/"


def detail(indicator: Indicator) -> str:
    return f"{LIST}{indicator.pk}/"


def observations_url(indicator: Indicator) -> str:
    return f"{detail(indicator)}observations/"


def observation_url(observation: Observation) -> str:
    return f"{observations_url(observation.indicator)}{observation.pk}/"


def saved_state():
    """Everything a request could write: compared before and after a refused one."""
    return (
        list(Indicator.objects.order_by("pk").values_list(
            "code", "name_es", "name_en", "unit", "frequency", "subcommittee", "baseline_value",
            "baseline_period", "is_active")),
        list(Target.objects.order_by("pk").values_list("indicator", "value", "due_on", "note")),
        list(Observation.objects.order_by("pk").values_list(
            "indicator", "period_start", "colonia", "value", "source", "correction_note")),
    )


@pytest.fixture
def figures(extortion, secretariat):
    """A year of monthly extortion figures, a baseline and a target."""
    services.indicator_update(indicator=extortion, actor=secretariat, baseline_value=Decimal("100"),
                              baseline_period=date(2024, 1, 1))
    services.target_set(indicator=extortion, actor=secretariat, value=Decimal("60"), due_on=date(2026, 1, 1),
                        note="Acuerdo del pleno")
    record(extortion, monthly(2024, [100, 98, 97, 95, 96, 94, 93, 92, 90, 91, 89, 88]))
    record(extortion, monthly(2025, [85, 84, 83, 80, 79, 78, 77, 76, 75, 72, 70, 66]))
    return extortion


# --- Reading -----------------------------------------------------------------------------------


def test_anyone_lists_the_indicators_of_a_public_table_in_its_order(as_user, table, figures):
    response = as_user(None).get(LIST, {"table": table.slug})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["code"] for r in rows] == [
        "homicides", "kidnappings", "extortion", "violent-theft", "vehicle-theft", "emergency-response-time",
        "cases-brought-to-court", "arrests", "cases-handed-to-prosecutors", "charges-brought", "convictions"]
    row = rows[2]
    assert row["id"] == figures.pk and row["table"] == table.slug
    assert row["summary"]["latest_period"] == "2025-12"
    assert row["summary"]["status"] == "off_track"
    assert "viewer" not in row


def test_an_indicator_shows_its_definition_baseline_targets_and_summary(as_user, table, figures,
                                                                        indicators_subcommittee):
    response = as_user(None).get(detail(figures))
    assert response.status_code == 200
    data = response.json()
    assert (data["code"], data["name"], data["name_es"], data["name_en"]) == (
        "extortion", "Extortion", "Extorsión", "Extortion")
    assert (data["unit"], data["direction"], data["frequency"]) == ("count", "lower", "month")
    owner = indicators_subcommittee
    assert data["subcommittee"] == {"id": owner.pk, "slug": owner.slug,
                                    "name": owner.name_en or owner.name_es}
    assert (data["by_colonia"], data["justice_stage"], data["is_active"]) == (False, None, True)
    assert data["baseline"] == {"value": "100.00", "period_start": "2024-01-01", "period": "2024-01"}
    assert data["targets"] == [{"value": "60.00", "due_on": "2026-01-01", "note": "Acuerdo del pleno"}]
    # Latest 2025-12: 66. Expected on the line from 100 (2024-01-01) to 60 (2026-01-01) at 2025-12-01,
    # day 700 of 731: 100 - 40 * 700 / 731 = 61.70. Lower is better and 66 > 61.70: off track.
    # Against the baseline: 66 - 100 = -34, -34.0 %; against 2024-12 (88): -22, -25.0 %.
    assert data["summary"] == {
        "latest_period_start": "2025-12-01",
        "latest_period": "2025-12",
        "latest_value": "66.00",
        "target": {"value": "60.00", "due_on": "2026-01-01", "note": "Acuerdo del pleno"},
        "expected": "61.70",
        "status": "off_track",
        "against_baseline": {"previous": "100.00", "difference": "-34.00", "percent": "-34.0"},
        "against_year_earlier": {"previous": "88.00", "difference": "-22.00", "percent": "-25.0"},
    }
    assert data["url"] == f"http://testserver/t/{table.slug}/indicators/extortion/"
    assert data["viewer"] == {"can_enter_data": False, "can_define_indicators": False}


def test_the_name_follows_the_language_of_the_request(api, figures):
    assert api.get(detail(figures)).json()["name"] == "Extortion"
    api.cookies["django_language"] = "es"
    data = api.get(detail(figures)).json()
    assert (data["name"], data["name_en"]) == ("Extorsión", "Extortion")


def test_an_indicator_without_figures_has_an_empty_summary(as_user, extortion):
    data = as_user(None).get(detail(extortion)).json()
    assert data["baseline"] is None and data["targets"] == []
    assert data["summary"] == {
        "latest_period_start": None, "latest_period": None, "latest_value": None, "target": None,
        "expected": None, "status": None, "against_baseline": None, "against_year_earlier": None}


def test_the_viewer_says_what_the_requester_may_do(as_user, extortion, indicators_coordinator, secretariat,
                                                   justice_coordinator):
    assert as_user(indicators_coordinator).get(detail(extortion)).json()["viewer"] == {
        "can_enter_data": True, "can_define_indicators": True}
    assert as_user(secretariat).get(detail(extortion)).json()["viewer"] == {
        "can_enter_data": True, "can_define_indicators": True}
    assert as_user(justice_coordinator).get(detail(extortion)).json()["viewer"] == {
        "can_enter_data": False, "can_define_indicators": False}


def test_the_list_filters_by_table_subcommittee_stage_and_activity(as_user, table, other_table, secretariat,
                                                                   indicators_subcommittee):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    services.indicator_update(indicator=indicator(table, "convictions"), actor=secretariat,
                              subcommittee=justice)
    services.indicator_update(indicator=indicator(table, "kidnappings"), actor=secretariat, is_active=False)
    api = as_user(None)
    assert api.get(LIST).json()["count"] == 22
    assert api.get(LIST, {"table": other_table.slug}).json()["count"] == 11
    codes = [r["code"] for r in api.get(LIST, {"table": table.slug, "subcommittee": justice.slug})
             .json()["results"]]
    assert codes == ["convictions"]
    [row] = api.get(LIST, {"table": table.slug, "justice_stage": "charged"}).json()["results"]
    assert row["code"] == "charges-brought" and row["justice_stage"] == "charged"
    inactive = api.get(LIST, {"table": table.slug, "active": "false"}).json()["results"]
    assert [r["code"] for r in inactive] == ["kidnappings"]
    assert api.get(LIST, {"table": table.slug, "active": "true"}).json()["count"] == 10
    assert api.get(LIST, {"table": "no-such-table"}).json()["count"] == 0


@pytest.mark.parametrize("query", [{"justice_stage": "trial"}, {"table": "a\x00b"}])
def test_a_bad_list_filter_is_a_400(as_user, query):
    response = as_user(None).get(LIST, query)
    assert response.status_code == 400
    assert set(response.json()) <= {"justice_stage", "active", "table"}


def test_an_unknown_or_malformed_indicator_address_is_a_json_404(as_user):
    for address in (f"{LIST}999999/", f"{LIST}99999999999999999999/", f"{LIST}abc/",
                    f"{LIST}999999/observations/"):
        response = as_user(None).get(address)
        assert response.status_code == 404, address
        assert "detail" in response.json()


# --- Figures -----------------------------------------------------------------------------------


def test_the_series_lists_the_whole_tables_figures_oldest_first(as_user, figures, secretariat, citizen):
    response = as_user(citizen).get(observations_url(figures))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 24
    first = data["results"][0]
    assert (first["period_start"], first["period"], first["colonia"], first["value"]) == (
        "2024-01-01", "2024-01", "", "100.00")
    assert first["entered_by"] == {"id": secretariat.pk, "display_name": secretariat.display_name}
    assert first["entered_at"].endswith("-07:00") or first["entered_at"].endswith("-06:00")
    assert (first["correction_note"], first["corrected_at"]) == ("", None)
    assert data["results"][-1]["period"] == "2025-12"


def test_who_entered_a_figure_is_named_to_members_only(as_user, figures, outsider):
    for stranger in (None, outsider):
        assert as_user(stranger).get(observations_url(figures)).json()["results"][0]["entered_by"] is None


def test_the_series_filters_by_period(as_user, figures):
    api = as_user(None)
    response = api.get(observations_url(figures), {"from": "2025-03", "to": "2025-05-20"})
    assert [r["period"] for r in response.json()["results"]] == ["2025-03", "2025-04", "2025-05"]
    response = api.get(observations_url(figures), {"from": "2025-11-01"})
    assert [r["value"] for r in response.json()["results"]] == ["70.00", "66.00"]


def test_the_series_filters_by_colonia(as_user, table, secretariat):
    homicides = indicator(table, "homicides")
    homicides = services.indicator_update(indicator=homicides, actor=secretariat, by_colonia=True)
    record(homicides, {date(2025, 1, 1): 10})
    record(homicides, {date(2025, 1, 1): 3}, colonia="Centro")
    record(homicides, {date(2025, 1, 1): 2}, colonia="Anapra")
    api = as_user(None)
    assert [r["value"] for r in api.get(observations_url(homicides)).json()["results"]] == ["10.00"]
    response = api.get(observations_url(homicides), {"colonia": "Centro"})
    assert [(r["colonia"], r["value"]) for r in response.json()["results"]] == [("Centro", "3.00")]
    response = api.get(observations_url(homicides), {"colonia": "*"})
    assert [r["colonia"] for r in response.json()["results"]] == ["", "Anapra", "Centro"]


@pytest.mark.parametrize("query", [{"from": "2025-13"}, {"to": "marzo"}, {"from": "2025-W09"},
                                   {"to": "0000-01"}, {"colonia": "x" * 121}])
def test_a_bad_series_filter_is_a_400_naming_it(as_user, figures, query):
    response = as_user(None).get(observations_url(figures), query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_the_series_is_paginated(as_user, figures):
    for year in (2021, 2022, 2023):
        record(figures, monthly(year, [100] * 12))
    api = as_user(None)
    first = api.get(observations_url(figures)).json()
    assert (first["count"], len(first["results"])) == (60, 50)
    second = api.get(first["next"]).json()
    assert [r["period"] for r in second["results"]][-1] == "2025-12" and len(second["results"]) == 10
    assert api.get(observations_url(figures), {"page": 3}).status_code == 404


def test_the_coordinator_enters_a_figure(as_user, extortion, indicators_coordinator):
    response = as_user(indicators_coordinator).post(observations_url(extortion), {
        "period_start": "2025-07", "value": "42.5", "source": "FGE, carpetas de investigación"},
        format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["period_start"], data["period"], data["value"]) == ("2025-07-01", "2025-07", "42.50")
    assert data["entered_by"]["id"] == indicators_coordinator.pk
    observation = Observation.objects.get()
    assert (observation.indicator, observation.period_start, observation.value, observation.source) == (
        extortion, date(2025, 7, 1), Decimal("42.50"), "FGE, carpetas de investigación")
    assert observation.entered_by == indicators_coordinator


def test_a_figure_may_name_its_period_by_the_date_it_starts_on(as_user, extortion, secretariat):
    response = as_user(secretariat).post(observations_url(extortion), {
        "period_start": "2025-07-01", "value": 3}, format="json")
    assert response.status_code == 201
    assert Observation.objects.get().period_start == date(2025, 7, 1)


def test_a_weekly_indicators_figure_is_entered_by_iso_week(as_user, table, secretariat):
    weekly = services.indicator_create(table=table, actor=secretariat, code="calls-911", name_es="Llamadas",
                                       frequency="week")
    response = as_user(secretariat).post(observations_url(weekly), {"period_start": "2025-W01", "value": 7},
                                         format="json")
    assert response.status_code == 201
    assert response.json()["period_start"] == "2024-12-30"
    assert response.json()["period"] == "2025-W01"


@pytest.mark.parametrize(("body", "field"), [
    ({"period_start": "2025-07-15", "value": 3}, "period_start"),
    ({"period_start": "2025-Q3", "value": 3}, "period_start"),
    ({"period_start": "julio", "value": 3}, "period_start"),
    ({"period_start": "1850-01", "value": 3}, "period_start"),
    ({"period_start": 202507, "value": 3}, "period_start"),
    ({"value": 3}, "period_start"),
    ({"period_start": "2025-07", "value": -1}, "value"),
    ({"period_start": "2025-07", "value": "1000000001"}, "value"),
    ({"period_start": "2025-07", "value": "1e40"}, "value"),
    ({"period_start": "2025-07", "value": "NaN"}, "value"),
    ({"period_start": "2025-07", "value": "3.141"}, "value"),
    ({"period_start": "2025-07", "value": "tres"}, "value"),
    ({"period_start": "2025-07", "value": 3, "colonia": "Centro"}, "colonia"),
    ({"period_start": "2025-07", "value": 3, "source": "x" * 301}, "source"),
])
def test_a_bad_figure_is_a_400_naming_the_field_and_saves_nothing(as_user, extortion, secretariat, body,
                                                                   field):
    before = saved_state()
    response = as_user(secretariat).post(observations_url(extortion), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_a_figure_for_a_period_not_started_is_refused(as_user, extortion, secretariat):
    today = timezone.localdate(timezone=extortion.table.zone)
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    response = as_user(secretariat).post(observations_url(extortion), {
        "period_start": next_month.isoformat(), "value": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["period_start"] == ["This period has not started yet."]
    assert not Observation.objects.exists()


def test_a_second_figure_for_a_period_is_refused(as_user, extortion, secretariat):
    record(extortion, {date(2025, 7, 1): 5})
    before = saved_state()
    response = as_user(secretariat).post(observations_url(extortion), {"period_start": "2025-07", "value": 6},
                                         format="json")
    assert response.status_code == 400
    assert response.json()["period_start"] == [
        "There is already a figure for this period; correct it instead."]
    assert saved_state() == before


def test_a_body_that_is_not_an_object_is_a_400(as_user, extortion, secretariat):
    api = as_user(secretariat)
    for body in ([1, 2], "texto"):
        assert api.post(observations_url(extortion), body, format="json").status_code == 400
    response = api.post(observations_url(extortion), "{no es json", content_type="application/json")
    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_a_figure_is_corrected_with_a_note_and_its_history_kept(as_user, extortion, secretariat,
                                                                indicators_coordinator):
    [observation] = record(extortion, {date(2025, 7, 1): 50})
    response = as_user(indicators_coordinator).patch(observation_url(observation), {
        "value": "48", "note": "La fiscalía depuró duplicados.", "source": "FGE, corte de agosto"},
        format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["value"], data["correction_note"], data["source"]) == (
        "48.00", "La fiscalía depuró duplicados.", "FGE, corte de agosto")
    assert data["corrected_at"] is not None
    assert data["entered_by"]["id"] == indicators_coordinator.pk
    observation.refresh_from_db()
    assert observation.value == Decimal("48")
    events = list(observation.events.order_by("pgh_id"))
    assert [(e.value, e.entered_by_id) for e in events] == [
        (Decimal("50.00"), secretariat.pk), (Decimal("48.00"), indicators_coordinator.pk)]


@pytest.mark.parametrize(("body", "field"), [
    ({"value": "48"}, "note"),
    ({"value": "48", "note": "   "}, "note"),
    ({"note": "Depuración"}, "value"),
    ({"value": "50", "note": "Igual"}, "value"),
    ({"value": "-2", "note": "Depuración"}, "value"),
    ({"value": "48", "note": "x" * 501}, "note"),
])
def test_a_bad_correction_is_a_400_and_changes_nothing(as_user, extortion, secretariat, body, field):
    [observation] = record(extortion, {date(2025, 7, 1): 50})
    before = saved_state()
    response = as_user(secretariat).patch(observation_url(observation), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before
    assert observation.events.count() == 1


def test_a_figure_is_corrected_only_under_its_own_indicator(as_user, table, extortion, secretariat):
    [observation] = record(extortion, {date(2025, 7, 1): 50})
    homicides = indicator(table, "homicides")
    api = as_user(secretariat)
    for address in (f"{observations_url(homicides)}{observation.pk}/",
                    f"{observations_url(extortion)}99999999999/",
                    f"{observations_url(extortion)}999999/"):
        response = api.patch(address, {"value": "1", "note": "x"}, format="json")
        assert response.status_code == 404, address
    assert Observation.objects.get().value == Decimal("50")


# --- Defining indicators, baselines and targets ----------------------------------------------------


def test_the_coordinator_adds_an_indicator_with_a_baseline(as_user, table, indicators_coordinator,
                                                           indicators_subcommittee):
    response = as_user(indicators_coordinator).post(LIST, {
        "table": table.slug, "code": "femicides", "name_es": "Feminicidios", "name_en": "Femicides",
        "unit": "rate_100k", "direction": "lower", "frequency": "quarter", "source": "SESNSP",
        "methodology": "Tasa por 100 mil habitantes.", "by_colonia": True,
        "baseline_value": "4.2", "baseline_period": "2024-Q1",
    }, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["code"], data["unit"], data["frequency"], data["by_colonia"]) == (
        "femicides", "rate_100k", "quarter", True)
    assert data["subcommittee"]["id"] == indicators_subcommittee.pk
    assert data["baseline"] == {"value": "4.20", "period_start": "2024-01-01", "period": "2024-Q1"}
    assert data["viewer"]["can_enter_data"] is True
    created = Indicator.objects.get(table=table, code="femicides")
    assert created.position == 12 and created.methodology == "Tasa por 100 mil habitantes."


def test_a_new_indicator_may_be_owned_by_another_subcommittee_of_the_table(as_user, table, secretariat):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    response = as_user(secretariat).post(LIST, {
        "table": table.slug, "code": "prosecutors", "name_es": "Agentes del ministerio público",
        "direction": "higher", "subcommittee": justice.slug}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["subcommittee"]["slug"] == justice.slug


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "extortion", "name_es": "Otra"}, "code"),
    ({"code": "con espacios", "name_es": "Otra"}, "code"),
    ({"code": "nueva"}, "name_es"),
    ({"code": "nueva", "name_es": "Nueva", "unit": "kilos"}, "unit"),
    ({"code": "nueva", "name_es": "Nueva", "justice_stage": "arrests"}, "justice_stage"),
    ({"code": "nueva", "name_es": "Nueva", "subcommittee": "no-existe"}, "subcommittee"),
    ({"code": "nueva", "name_es": "Nueva", "baseline_value": "10"}, "baseline_period"),
    ({"code": "nueva", "name_es": "Nueva", "baseline_period": "2024-01"}, "baseline_period"),
    ({"code": "nueva", "name_es": "Nueva", "baseline_value": "10", "baseline_period": "2024-01-15"},
     "baseline_period"),
    ({"code": "nueva", "name_es": "Nueva", "unit": "percent", "baseline_value": "120",
      "baseline_period": "2024-01"}, "baseline_value"),
])
def test_a_bad_new_indicator_is_a_400_and_saves_nothing(as_user, table, secretariat, body, field):
    before = saved_state()
    response = as_user(secretariat).post(LIST, {"table": table.slug, **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_a_subcommittee_of_another_table_is_a_400(as_user, table, other_table, secretariat, extortion):
    elsewhere = subcommittee_create(table=other_table, name_es="Movilidad segura")
    api = as_user(secretariat)
    before = saved_state()
    response = api.post(LIST, {"table": table.slug, "code": "nueva", "name_es": "Nueva",
                               "subcommittee": elsewhere.slug}, format="json")
    assert response.status_code == 400
    assert response.json()["subcommittee"] == ["This table has no subcommittee with this slug."]
    response = api.patch(detail(extortion), {"subcommittee": elsewhere.slug}, format="json")
    assert response.status_code == 400 and "subcommittee" in response.json()
    assert saved_state() == before


def test_a_new_indicator_needs_a_known_table(as_user, secretariat):
    for table in ("no-such-table", "", None, "a\x00b"):
        response = as_user(secretariat).post(LIST, {"table": table, "code": "x", "name_es": "X"},
                                             format="json")
        assert response.status_code == 400
        assert "table" in response.json()
    assert not Indicator.objects.filter(code="x").exists()


def test_the_indicator_is_changed_and_its_baseline_set(as_user, extortion, indicators_coordinator):
    response = as_user(indicators_coordinator).patch(detail(extortion), {
        "name_en": "Extortion (reported)", "source": "FGE", "methodology": "Carpetas abiertas.",
        "direction": "lower", "baseline_value": "120", "baseline_period": "2023-01-01"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["name"], data["source"]) == ("Extortion (reported)", "FGE")
    assert data["baseline"] == {"value": "120.00", "period_start": "2023-01-01", "period": "2023-01"}
    response = as_user(indicators_coordinator).patch(detail(extortion), {
        "baseline_value": None, "baseline_period": None}, format="json")
    assert response.status_code == 200
    assert response.json()["baseline"] is None


def test_the_unit_and_frequency_change_until_figures_exist(as_user, extortion, secretariat):
    api = as_user(secretariat)
    response = api.patch(detail(extortion), {"frequency": "quarter", "baseline_value": 9,
                                             "baseline_period": "2024-Q2"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["baseline"]["period_start"] == "2024-04-01"
    record(Indicator.objects.get(pk=extortion.pk), {date(2025, 1, 1): 5})
    before = saved_state()
    for body in ({"unit": "percent"}, {"frequency": "month"}):
        response = api.patch(detail(extortion), body, format="json")
        assert response.status_code == 400
        assert set(response.json()) == set(body)
    assert saved_state() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "otra"}, "code"),
    ({"table": "otra-mesa"}, "table"),
    ({"justice_stage": "arrests"}, "justice_stage"),
    ({"name_es": "", "name_en": ""}, "name_es"),
    ({"subcommittee": "no-existe"}, "subcommittee"),
    ({"subcommittee": None}, "subcommittee"),
    ({"baseline_value": "5"}, "baseline_period"),
    ({"baseline_period": "2024-02-10", "baseline_value": "5"}, "baseline_period"),
    ({"is_active": "quizá"}, "is_active"),
])
def test_a_bad_change_is_a_400_and_saves_nothing(as_user, extortion, secretariat, body, field):
    before = saved_state()
    response = as_user(secretariat).patch(detail(extortion), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_put_and_delete_are_not_offered(as_user, extortion, secretariat):
    api = as_user(secretariat)
    assert api.put(detail(extortion), {"name_es": "X"}, format="json").status_code == 405
    assert api.delete(detail(extortion)).status_code == 405
    assert Indicator.objects.filter(pk=extortion.pk).exists()


def test_a_target_is_set_and_changed_keeping_its_history(as_user, extortion, indicators_coordinator):
    api = as_user(indicators_coordinator)
    url = f"{detail(extortion)}targets/"
    response = api.post(url, {"value": "70", "due_on": "2026-12-31", "note": "Meta anual"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["targets"] == [{"value": "70.00", "due_on": "2026-12-31", "note": "Meta anual"}]
    response = api.post(url, {"value": "65", "due_on": "2026-12-31"}, format="json")
    assert response.json()["targets"] == [{"value": "65.00", "due_on": "2026-12-31", "note": ""}]
    target = Target.objects.get()
    assert [e.value for e in target.events.order_by("pgh_id")] == [Decimal("70.00"), Decimal("65.00")]


@pytest.mark.parametrize(("body", "field"), [
    ({"due_on": "2026-12-31"}, "value"),
    ({"value": "-1", "due_on": "2026-12-31"}, "value"),
    ({"value": "5"}, "due_on"),
    ({"value": "5", "due_on": "31/12/2026"}, "due_on"),
    ({"value": "5", "due_on": "0001-01-01"}, "due_on"),
    ({"value": "5", "due_on": "2023-06-01"}, "due_on"),  # before the baseline
])
def test_a_bad_target_is_a_400_and_saves_nothing(as_user, extortion, secretariat, body, field):
    services.indicator_update(indicator=extortion, actor=secretariat, baseline_value=Decimal("10"),
                              baseline_period=date(2024, 1, 1))
    before = saved_state()
    response = as_user(secretariat).post(f"{detail(extortion)}targets/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


# --- Query counts and schema ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 11])
def test_list_query_count_is_constant(as_user, table, secretariat, citizen, n, django_assert_max_num_queries):
    """1 or 11 indicators listed, each with figures and a target."""
    for position, default in enumerate(Indicator.objects.filter(table=table).order_by("position")):
        if position < n:
            services.target_set(indicator=default, actor=secretariat, value=Decimal("5"),
                                due_on=date(2026, 6, 1))
            record(default, monthly(2025, [10, 9, 8]))
        else:
            services.indicator_update(indicator=default, actor=secretariat, is_active=False)
    api = as_user(citizen)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their object permissions; count, page (table and subcommittee joined);
    # observations, targets (indicators.figures.summaries)
    with django_assert_max_num_queries(7):
        response = api.get(LIST, {"table": table.slug, "active": "true"})
    rows = response.json()["results"]
    assert len(rows) == n
    assert all(r["summary"]["latest_value"] == "8.00" and r["summary"]["target"] for r in rows)


@pytest.mark.parametrize("n", [1, 12])
def test_observations_query_count_is_constant(as_user, extortion, citizen, n, django_assert_max_num_queries):
    record(extortion, monthly(2025, list(range(n))))
    api = as_user(citizen)
    api.get(observations_url(extortion))  # warm guardian's per-process content-type cache
    # session, user; the indicator (member tables a subquery); count, page (indicator, table and who
    # entered joined); member-list permission (the user's, their groups')
    with django_assert_max_num_queries(7):
        response = api.get(observations_url(extortion))
    assert response.json()["count"] == n


def test_every_indicator_endpoint_is_in_the_schema(as_user):
    schema = yaml.safe_load(as_user(None).get("/api/v1/schema/").content)
    paths = schema["paths"]
    assert set(paths[LIST]) == {"get", "post"}
    assert set(paths["/api/v1/indicators/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/indicators/{id}/targets/"]) == {"post"}
    assert set(paths["/api/v1/indicators/{id}/observations/"]) == {"get", "post"}
    assert set(paths["/api/v1/indicators/{id}/observations/{observation_pk}/"]) == {"patch"}
    names = {p["name"] for p in paths["/api/v1/indicators/{id}/observations/"]["get"]["parameters"]}
    assert {"colonia", "from", "to", "page"} <= names
    summary = schema["components"]["schemas"]["Summary"]["properties"]
    assert {"status", "expected", "against_baseline", "against_year_earlier"} <= set(summary)

