"""The indicator pages: the overview (small multiples and the citizens' evaluation), one
indicator (trend chart, data table, status and changes equal to hand-computed values, history of
corrections), the justice chain, the evaluation over time, and the pages that define indicators
and enter figures, from the side of those who may and of those refused; in both languages."""

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from concerns import services as concern_services
from concerns.models import Answer, Rating, Status, Visibility
from indicators import services
from indicators.models import Indicator, Observation, Target
from mesa.models import GovernmentLevel, Role
from tests.accounts.factories import UserFactory
from tests.commitments.factories import institution, official_of
from tests.concerns.factories import raise_concern
from tests.indicators.factories import indicator, monthly, record
from tests.meetings.factories import secretariat_of
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def url(name: str, table, **kwargs) -> str:
    return reverse(f"indicators:{name}", kwargs={"table_slug": table.slug, **kwargs})


def english(client, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(markup) for markup in re.findall(r"<svg .*?</svg>", html, re.S)]  # noqa: S314


def points(svg: ET.Element, series: str) -> list[ET.Element]:
    return [element for element in svg.iter() if element.get("class") == "point"
            and element.get("data-series") == series]


@pytest.fixture
def extortion_with_figures(table, extortion):
    """Extortion, lower is better: baseline 100 in 2025-01, target 76 by 2026-01-01, figures for
    2024-07 (90) and 2025-01..2025-07 (100, 98, 95, 93, 90, 88, 85)."""
    secretariat = secretariat_of(table)
    extortion = services.indicator_update(
        indicator=extortion, actor=secretariat, baseline_value=Decimal(100), baseline_period=date(2025, 1, 1),
        source="Fiscalía General del Estado")
    services.target_set(indicator=extortion, actor=secretariat, value=Decimal(76), due_on=date(2026, 1, 1),
                        note="Acuerdo de la plenaria")
    record(extortion, {date(2024, 7, 1): 90})
    record(extortion, monthly(2025, [100, 98, 95, 93, 90, 88, 85]))
    extortion.refresh_from_db()
    return extortion


# --- The overview ----------------------------------------------------------------------------


def test_the_overview_shows_every_indicator_in_use_as_a_small_multiple(client, table, extortion_with_figures):
    services.indicator_update(indicator=indicator(table, "kidnappings"), actor=secretariat_of(table),
                              is_active=False)
    response = english(client).get(url("overview", table))
    assert response.status_code == 200
    html = response.content.decode()
    cards = re.findall(r'<li class="multiple" id="indicator-([\w-]+)"', html)
    assert len(cards) == 10 and "kidnappings" not in cards and cards[0] == "homicides"
    # The extortion card: latest figure and period, status in words, the change against the baseline.
    card = html.split('id="indicator-extortion"')[1].split("</li>")[0]
    assert "85" in card and "2025-07" in card
    assert "On track" in card and "expected: 88.1" in card
    assert "−15 (−15%) against the baseline (100 in 2025-01). An improvement." in card
    sparkline = svgs(card)[0]
    assert sparkline.get("role") == "img" and "sparkline" in sparkline.get("class")
    assert len(points(sparkline, "figure")) == 8 and len(points(sparkline, "target")) == 1
    assert "No figures yet." in html.split('id="indicator-homicides"')[1].split("</li>")[0]


def _grow(table, codes):
    for code in codes:
        record(indicator(table, code), monthly(2025, [10, 12, 11]))
        services.target_set(indicator=indicator(table, code), actor=secretariat_of(table), value=Decimal(8),
                            due_on=date(2026, 1, 1))


def _queries(client, page: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured.captured_queries)


def test_the_overview_query_count_is_the_same_for_one_and_eleven_indicators(client, table, citizen, rated):
    codes = list(Indicator.objects.filter(table=table).values_list("code", flat=True))
    assert len(codes) == 11
    english(client, citizen)
    _grow(table, codes[:1])
    client.get(url("overview", table))  # content types and permissions cached once per process
    one = _queries(client, url("overview", table))
    _grow(table, codes[1:])
    eleven = _queries(client, url("overview", table))
    # session, user, table, permission checks, indicators, figures, targets, ratings
    assert one == eleven <= 14


def test_the_overview_offers_import_and_new_indicator_only_to_those_who_define_them(
        client, table, citizen, indicators_coordinator, justice_coordinator):
    import_url, create_url = url("import", table), url("create", table)
    for person in (None, citizen, justice_coordinator):
        html = english(client, person).get(url("overview", table)).content.decode()
        assert import_url not in html and create_url not in html
    for person in (indicators_coordinator, secretariat_of(table)):
        html = english(client, person).get(url("overview", table)).content.decode()
        assert f'href="{import_url}"' in html and f'href="{create_url}"' in html
    assert url("justice-chain", table) in html and url("evaluation", table) in html


# --- Citizens' ratings ------------------------------------------------------------------------


@pytest.fixture
def rated(table):
    """The state attorney's answers rated 4 and 2 on a public concern; the federal guard's answer
    rated 5 on a restricted one (members only)."""
    secretariat = secretariat_of(table)
    fge = institution(table, "Fiscalía General del Estado", GovernmentLevel.STATE, "FGE")
    guard = institution(table, "Guardia Nacional", GovernmentLevel.FEDERAL, "GN")
    reporters = [make_member(table, Role.CITIZEN).user for _ in range(3)]

    def answered(reporter, inst, visibility):
        concern = raise_concern(table, reporter=reporter, visibility=visibility)
        concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
        concern_services.concern_assign(concern=concern, institutions=[inst], actor=secretariat)
        return concern_services.answer_post(concern=concern, institution=inst, author=official_of(inst),
                                            text="Respuesta oficial.")

    public = answered(reporters[0], fge, Visibility.PUBLIC)
    concern_services.rating_set(answer=public, user=reporters[0], score=4)
    concern_services.rating_set(answer=public, user=reporters[1], score=2)
    restricted = answered(reporters[2], guard, Visibility.RESTRICTED)
    concern_services.rating_set(answer=restricted, user=reporters[2], score=5)
    # The ratings were given in two months: one of the attorney's in October, the rest in November.
    Rating.objects.filter(answer=public, user=reporters[1]).update(created_at="2026-10-15T18:00:00Z")
    Rating.objects.filter(answer__in=[public, restricted]).exclude(user=reporters[1]).update(
        created_at="2026-11-10T18:00:00Z")
    assert Answer.objects.count() == 2
    return reporters


def test_the_overview_shows_the_latest_rating_of_each_institution_the_viewer_may_read(client, table, rated):
    html = english(client).get(url("overview", table)).content.decode()
    block = html.split('id="evaluation-heading"')[1].split("</aside>")[0]
    assert "Fiscalía General del Estado" in block and "4.00" in block and "(1 rating)" in block
    assert "Guardia Nacional" not in block  # its only rating is on a restricted concern
    html = english(client, rated[0]).get(url("overview", table)).content.decode()
    block = html.split('id="evaluation-heading"')[1].split("</aside>")[0]
    assert "Guardia Nacional" in block and "5.00" in block


def test_the_evaluation_page_shows_ratings_per_institution_and_level_month_by_month(client, table, rated):
    response = english(client, rated[0]).get(url("evaluation", table))
    assert response.status_code == 200
    html = response.content.decode()
    assert "October 2026" in html and "November 2026" in html
    institutions = html.split('id="institutions-heading"')[1].split("</table>")[0]
    fge = institutions.split("Fiscalía General del Estado")[1].split("</tr>")[0]
    assert re.findall(r"<td>(.*?)</td>", fge) == [
        '2.00<small class="muted">1 rating</small>', '4.00<small class="muted">1 rating</small>']
    levels = html.split('id="levels-heading"')[1].split("</table>")[0]
    assert "Federal" in levels and "State" in levels
    federal = levels.split("Federal")[1].split("</tr>")[0]
    assert "5.00" in federal and "No ratings" in federal
    # One small line chart per institution beside the table, one point per month with ratings.
    charts_ = svgs(html)
    assert len(charts_) == 2
    assert all(chart.get("role") == "img" for chart in charts_)


def test_the_evaluation_page_counts_only_the_public_concerns_for_the_public(client, table, rated):
    html = english(client).get(url("evaluation", table)).content.decode()
    assert "Guardia Nacional" not in html and "Federal" not in html.split('id="levels-heading"')[1]
    assert "It counts the ratings of the public concerns." in html


# --- One indicator ----------------------------------------------------------------------------


def test_the_indicator_page_draws_one_point_per_figure_with_its_title_description_and_table(
        client, table, extortion_with_figures):
    response = english(client).get(extortion_with_figures.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    chart = [svg for svg in svgs(html) if svg.get("id") == "chart-trend-extortion"][0]
    assert chart.get("role") == "img"
    title, desc = chart.find(f"{SVG}title"), chart.find(f"{SVG}desc")
    assert chart.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Extortion: figures per period"
    assert desc.text.startswith("Extortion (unit: count; lower is better). "
                                "Extortion — 2024-07: 90; 2025-01: 100;")
    assert "Target — 2026-01-01: 76." in desc.text and "Baseline (2025-01): 100." in desc.text
    assert len(points(chart, "figure")) == 8
    assert len(points(chart, "target")) == 1
    assert len([line for line in chart.iter(f"{SVG}line") if line.get("class") == "reference"]) == 1
    assert chart.get("viewBox").startswith("0 0 400 ")
    # The data table beside it has the same figures, one row per period.
    table_html = html.split('class="figures-table"')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row" class="text">([\d-]+)</th>\s*<td>([\d.,]+)</td>', table_html)
    assert rows == [("2024-07", "90"), ("2025-01", "100"), ("2025-02", "98"), ("2025-03", "95"),
                    ("2025-04", "93"), ("2025-05", "90"), ("2025-06", "88"), ("2025-07", "85")]
    assert "Fiscalía General del Estado" in table_html  # the source


def test_status_and_changes_equal_hand_computed_values(client, table, extortion_with_figures):
    # Expected in 2025-07: 100 + (76 - 100) * 181 / 365 = 88.10; 85 is at or below it: on track.
    # Against the baseline: 85 - 100 = -15 (-15%); a year earlier (2024-07: 90): -5 (-5.6%).
    html = english(client).get(extortion_with_figures.get_absolute_url()).content.decode()
    assert "On track" in html
    assert ("Expected for 2025-07: 88.1, on the straight path from the baseline to the target of 76 by "
            "Jan. 1, 2026.") in html
    assert "−15 (−15%) against the baseline (100 in 2025-01). An improvement." in html
    assert "−5 (−5.6%) against a year earlier (90 in 2024-07). An improvement." in html
    record(extortion_with_figures, {date(2025, 8, 1): 95})
    html = english(client).get(extortion_with_figures.get_absolute_url()).content.decode()
    # 2025-08: expected 100 - 24 * 212 / 365 = 86.06; 95 is above it: off track.
    assert "Off track" in html and "Expected for 2025-08: 86.06" in html


def test_the_indicator_page_shows_definition_baseline_targets_and_exports(client, table,
                                                                          extortion_with_figures):
    html = english(client).get(extortion_with_figures.get_absolute_url()).content.decode()
    assert "Baseline: 100 in 2025-01." in html
    assert "Acuerdo de la plenaria" in html and "in force" in html
    assert "Lower is better" in html and "Monthly" in html
    assert "Performance indicators" in html  # the owning subcommittee
    assert url("export", table, code="extortion", fmt="csv") in html
    assert url("export", table, code="extortion", fmt="xlsx") in html


def test_names_of_who_entered_figures_are_shown_to_members_only(client, table, citizen,
                                                                 extortion_with_figures):
    html = english(client).get(extortion_with_figures.get_absolute_url()).content.decode()
    assert "Entered by" not in html and "Secretaría" not in html.split('class="figures-table"')[1]
    html = english(client, citizen).get(extortion_with_figures.get_absolute_url()).content.decode()
    assert "Entered by" in html and "Secretaría" in html.split('class="figures-table"')[1]


def test_entering_links_are_shown_only_to_those_who_enter_figures(client, table, citizen,
                                                                  indicators_coordinator, justice_coordinator,
                                                                  extortion):
    record(extortion, {date(2025, 1, 1): 10})
    observation = extortion.observations.get()
    links = [url("observation-create", table, code="extortion"), url("target-set", table, code="extortion"),
             url("edit", table, code="extortion"),
             url("observation-correct", table, code="extortion", pk=observation.pk),
             url("import", table) + "?indicator=extortion"]
    for person in (None, citizen, justice_coordinator):
        html = english(client, person).get(extortion.get_absolute_url()).content.decode()
        assert not any(link in html for link in links)
    html = english(client, indicators_coordinator).get(extortion.get_absolute_url()).content.decode()
    assert all(link in html for link in links)


def test_the_history_keeps_every_figure_a_corrected_figure_had(client, table, citizen, extortion):
    observation = record(extortion, {date(2025, 1, 1): 40})[0]
    services.observation_correct(observation=observation, actor=secretariat_of(table), value=Decimal(42),
                                 note="La fiscalía actualizó su reporte.")
    services.observation_correct(observation=observation, actor=secretariat_of(table), value=Decimal(43),
                                 note="Segunda revisión.")
    html = english(client, citizen).get(extortion.get_absolute_url()).content.decode()
    history = html.split('id="corrections-heading"')[1]
    assert "Entered as 40" in history
    assert "Corrected to 42: La fiscalía actualizó su reporte." in history
    assert "Corrected to 43: Segunda revisión." in history
    order = [history.index(text) for text in ("Entered as 40", "Corrected to 42", "Corrected to 43")]
    assert order == sorted(order)
    table_html = html.split('class="figures-table"')[1].split("</table>")[0]
    assert "Segunda revisión." in table_html  # the corrected note beside the figure


def test_the_indicator_page_query_count_does_not_grow_with_figures(client, table, citizen, extortion):
    def grow(values):
        for observation in record(extortion, values):
            services.observation_correct(observation=observation, actor=secretariat_of(table),
                                         value=observation.value + 1, note="Revisado.")

    services.target_set(indicator=extortion, actor=secretariat_of(table), value=Decimal(5),
                        due_on=date(2026, 1, 1))
    english(client, citizen)
    grow({date(2024, 1, 1): 9})
    client.get(extortion.get_absolute_url())  # content types and permissions cached once per process
    one = _queries(client, extortion.get_absolute_url())
    grow(monthly(2025, list(range(10, 22))))
    many = _queries(client, extortion.get_absolute_url())
    # session, user, indicator, permission checks, figures, targets, corrections' history, names
    assert one == many <= 14


def test_the_colonias_of_the_latest_period_are_listed_when_broken_down(client, table, extortion):
    services.indicator_update(indicator=extortion, actor=secretariat_of(table), by_colonia=True)
    extortion.refresh_from_db()
    record(extortion, {date(2025, 1, 1): 3}, colonia="Centro")
    record(extortion, {date(2025, 2, 1): 4}, colonia="Centro")
    record(extortion, {date(2025, 2, 1): 7}, colonia="Anapra")
    html = english(client).get(extortion.get_absolute_url()).content.decode()
    section = html.split('id="colonias-heading"')[1].split("</section>")[0]
    assert "Figures per colonia in 2025-02" in section
    assert re.findall(r'<th scope="row" class="text">(\w+)</th><td>(\d+)</td>', section) == [
        ("Anapra", "7"), ("Centro", "4")]


def test_an_unknown_indicator_is_not_found(client, table):
    assert client.get(url("detail", table, code="no-such-code")).status_code == 404


def test_a_private_tables_indicators_are_for_its_members_only(client, citizen, other_secretariat):
    private = TableFactory(is_public=False, secretariat=UserFactory())
    member = make_member(private, Role.CITIZEN).user
    pages = [url("overview", private), url("detail", private, code="extortion"),
             url("justice-chain", private), url("evaluation", private)]
    for person in (None, citizen, other_secretariat):
        english(client, person)
        for page in pages:
            assert client.get(page).status_code == 404, page
    english(client, member)
    for page in pages:
        assert client.get(page).status_code == 200, page


# --- Entering figures --------------------------------------------------------------------------


def test_the_coordinator_records_a_figure(client, table, indicators_coordinator, extortion):
    response = english(client, indicators_coordinator).post(
        url("observation-create", table, code="extortion"),
        {"period_start": "2025-03", "value": "12,5", "source": "Fiscalía"})
    assert response.status_code == 302 and response.url == extortion.get_absolute_url()
    observation = extortion.observations.get()
    assert (observation.period_start, observation.value, observation.source) == (
        date(2025, 3, 1), Decimal("12.5"), "Fiscalía")
    assert observation.entered_by == indicators_coordinator


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"period_start": "marzo", "value": "10"}, "period_start", "Write the period like 2026-03."),
    ({"period_start": "2025-03", "value": "diez"}, "value", "Enter a number."),
    ({"period_start": "2025-03", "value": "-3"}, "value", "greater than or equal to 0"),
    ({"period_start": "2099-01", "value": "3"}, "period_start", "This period has not started yet."),
    ({"period_start": "2025-01", "value": "3"}, "period_start", "There is already a figure for this period"),
])
def test_a_bad_figure_is_refused_on_its_field_and_nothing_is_saved(client, table, indicators_coordinator,
                                                                    extortion, data, field, message):
    record(extortion, {date(2025, 1, 1): 1})
    response = english(client, indicators_coordinator).post(
        url("observation-create", table, code="extortion"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert extortion.observations.count() == 1


def test_only_a_by_colonia_indicator_asks_for_a_colonia(client, table, secretariat, extortion):
    page = url("observation-create", table, code="extortion")
    html = english(client, secretariat).get(page).content.decode()
    assert 'name="colonia"' not in html
    services.indicator_update(indicator=extortion, actor=secretariat, by_colonia=True)
    html = client.get(page).content.decode()
    assert 'name="colonia"' in html


def test_a_correction_needs_a_note_and_keeps_the_earlier_figure(client, table, secretariat, extortion):
    observation = record(extortion, {date(2025, 1, 1): 40})[0]
    correct_url = url("observation-correct", table, code="extortion", pk=observation.pk)
    english(client, secretariat)
    response = client.post(correct_url, {"value": "42", "note": "  "})
    assert response.status_code == 200 and "note" in response.context["form"].errors
    observation.refresh_from_db()
    assert observation.value == 40 and not observation.correction_note
    response = client.post(correct_url, {"value": "40", "note": "Nada", "source": observation.source})
    assert "That is already the figure." in response.context["form"].errors["value"]
    response = client.post(correct_url, {"value": "42", "note": "Reporte actualizado.", "source": "FGE"})
    assert response.status_code == 302
    observation.refresh_from_db()
    assert (observation.value, observation.correction_note, observation.source) == (
        42, "Reporte actualizado.", "FGE")
    assert [e.value for e in observation.events.order_by("pgh_id")] == [40, 42]


def test_a_figure_of_another_indicator_is_not_found_through_this_one(client, table, secretariat, extortion):
    other = record(indicator(table, "homicides"), {date(2025, 1, 1): 4})[0]
    page = url("observation-correct", table, code="extortion", pk=other.pk)
    response = english(client, secretariat).get(page)
    assert response.status_code == 404


def _write_pages(table, extortion):
    observation = record(extortion, {date(2025, 1, 1): 40})[0]
    return [
        (url("observation-create", table, code="extortion"), {"period_start": "2025-02", "value": "1"}),
        (url("observation-correct", table, code="extortion", pk=observation.pk), {"value": "2", "note": "x"}),
        (url("target-set", table, code="extortion"), {"value": "1", "due_on": "2026-12-31"}),
        (url("edit", table, code="extortion"), {"name_es": "Otro", "unit": "count", "direction": "lower",
                                                "frequency": "month",
                                                "subcommittee": extortion.subcommittee_id}),
    ]


def _unchanged(extortion) -> tuple:
    extortion.refresh_from_db()
    return (extortion.name_es, extortion.observations.count(), Target.objects.count(),
            list(Observation.objects.values_list("value", flat=True)))


def test_those_who_do_not_enter_figures_are_refused_and_nothing_changes(
        client, table, citizen, official, justice_coordinator, other_secretariat, extortion):
    pages = _write_pages(table, extortion)
    before = _unchanged(extortion)
    for person in (citizen, official, justice_coordinator, other_secretariat):
        english(client, person)
        for page, data in pages:
            assert client.get(page).status_code == 403, (person, page)
            assert client.post(page, data).status_code == 403, (person, page)
    create_data = {"code": "nuevo", "name_es": "Nuevo", "unit": "count", "direction": "lower",
                   "frequency": "month", "subcommittee": extortion.subcommittee_id}
    for person in (citizen, official, justice_coordinator, other_secretariat):
        english(client, person)
        assert client.get(url("create", table)).status_code == 403
        assert client.post(url("create", table), create_data).status_code == 403
    assert _unchanged(extortion) == before
    assert not Indicator.objects.filter(code="nuevo").exists()


def test_anonymous_people_are_sent_to_log_in(client, table, extortion):
    for page, data in [*_write_pages(table, extortion), (url("create", table), {})]:
        response = english(client).post(page, data)
        assert response.status_code == 302 and "/login" in response.url
        assert english(client).get(page).status_code == 302


def test_at_a_private_table_outsiders_get_not_found_for_the_write_pages(client, citizen, other_secretariat):
    private = TableFactory(is_public=False, secretariat=UserFactory())
    for person in (citizen, other_secretariat):
        english(client, person)
        assert client.get(url("observation-create", private, code="extortion")).status_code == 404
        assert client.get(url("create", private)).status_code == 404


def test_the_owner_of_another_subcommittees_indicator_enters_its_figures(client, table, justice_coordinator):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    arrests = indicator(table, "arrests")
    services.indicator_update(indicator=arrests, actor=secretariat_of(table), subcommittee=justice)
    response = english(client, justice_coordinator).post(url("observation-create", table, code="arrests"),
                                                         {"period_start": "2025-01", "value": "300"})
    assert response.status_code == 302
    assert arrests.observations.get().value == 300


# --- Defining indicators, baselines and targets -------------------------------------------------


def _indicator_data(subcommittee, **extra) -> dict:
    return {"code": "robo-a-comercio", "name_es": "Robo a comercio", "name_en": "Robbery of shops",
            "unit": "count", "direction": "lower", "frequency": "month", "source": "FGE",
            "methodology": "Carpetas de investigación abiertas.", "subcommittee": subcommittee.pk,
            "justice_stage": "", "baseline_value": "120", "baseline_period": "2025-01", **extra}


def test_the_indicators_coordinator_adds_an_indicator_with_its_baseline(client, table, indicators_coordinator,
                                                                        indicators_subcommittee):
    response = english(client, indicators_coordinator).post(url("create", table),
                                                            _indicator_data(indicators_subcommittee))
    added = Indicator.objects.get(table=table, code="robo-a-comercio")
    assert response.status_code == 302 and response.url == added.get_absolute_url()
    assert (added.name_en, added.baseline_value, added.baseline_period, added.source) == (
        "Robbery of shops", 120, date(2025, 1, 1), "FGE")


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"baseline_period": "enero"}, "baseline_period", "Write the period like 2026-03."),
    ({"baseline_period": ""}, "baseline_period", "Give the baseline both a value and a period."),
    ({"code": "extortion"}, "code", "already has an indicator with this code"),
    ({"name_es": "", "name_en": ""}, "name_es", "Give the indicator a name"),
    ({"justice_stage": "arrests"}, "justice_stage", "Another indicator already measures this step."),
    ({"code": "con espacios"}, "code", "Enter a valid"),
])
def test_a_bad_indicator_is_refused_on_its_field_and_nothing_is_saved(client, table, secretariat,
                                                                      indicators_subcommittee, extra, field,
                                                                      message):
    before = Indicator.objects.count()
    response = english(client, secretariat).post(url("create", table),
                                                 _indicator_data(indicators_subcommittee, **extra))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Indicator.objects.count() == before


def test_another_tables_subcommittee_is_not_a_choice(client, table, secretariat, other_table):
    response = english(client, secretariat).post(
        url("create", table), _indicator_data(other_table.subcommittees.first()))
    assert "subcommittee" in response.context["form"].errors
    assert not Indicator.objects.filter(code="robo-a-comercio").exists()


def test_editing_changes_names_and_baseline_but_not_the_unit_once_figures_exist(client, table, secretariat,
                                                                               extortion):
    record(extortion, {date(2025, 1, 1): 5})
    english(client, secretariat)
    page = url("edit", table, code="extortion")
    form = client.get(page).context["form"]
    assert "code" not in form.fields and form.initial["name_en"] == "Extortion"
    data = {"name_es": "Extorsión telefónica", "name_en": "Phone extortion", "unit": "count",
            "direction": "lower", "frequency": "month", "subcommittee": extortion.subcommittee_id,
            "baseline_value": "50", "baseline_period": "2024-12", "is_active": "on", "by_colonia": ""}
    assert client.post(page, data).status_code == 302
    extortion.refresh_from_db()
    assert (extortion.name_en, extortion.baseline_value, extortion.baseline_period) == (
        "Phone extortion", 50, date(2024, 12, 1))
    response = client.post(page, {**data, "unit": "percent"})
    assert response.status_code == 200
    assert "This cannot change once figures have been entered." in response.context["form"].errors["unit"]
    extortion.refresh_from_db()
    assert extortion.unit == "count"


def test_setting_a_target_and_refusing_one_before_the_baseline(client, table, indicators_coordinator,
                                                               extortion_with_figures):
    english(client, indicators_coordinator)
    page = url("target-set", table, code="extortion")
    response = client.post(page, {"value": "70", "due_on": "2027-01-01", "note": "Meta 2027"})
    assert response.status_code == 302
    assert extortion_with_figures.targets.get(due_on=date(2027, 1, 1)).value == 70
    response = client.post(page, {"value": "70", "due_on": "2024-06-01"})
    assert response.status_code == 200
    assert "after the baseline period" in " ".join(response.context["form"].errors["due_on"])
    assert extortion_with_figures.targets.count() == 2


# --- The justice chain --------------------------------------------------------------------------


@pytest.fixture
def chain(table):
    figures = {"arrests": {date(2025, 1, 1): 1000, date(2025, 2, 1): 800},
               "cases-handed-to-prosecutors": {date(2025, 1, 1): 600, date(2025, 2, 1): 500},
               "charges-brought": {date(2025, 1, 1): 150, date(2025, 2, 1): 150},
               "convictions": {date(2025, 1, 1): 30, date(2025, 2, 1): 40}}
    for code, values in figures.items():
        record(indicator(table, code), values)


def test_the_justice_chain_shows_the_latest_period_as_a_funnel_beside_its_table(client, table, chain):
    response = english(client).get(url("justice-chain", table))
    assert response.status_code == 200
    html = response.content.decode()
    assert "200 public prosecutors rather than 5,000 more police" in html
    assert "Of 800 arrests, 40 ended in a conviction (5%)." in html
    assert "Most cases are lost between “Cases handed to prosecutors” and “Charges brought”: 350." in html
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>\s*<td>([^<]*)</td>\s*"
                      r"<td>([^<]*)</td>\s*<td>([^<]*)</td>", html)
    assert rows == [("Arrests", "800", "—", "—"), ("Cases handed to prosecutors", "500", "62.5%", "300"),
                    ("Charges brought", "150", "30%", "350"), ("Convictions", "40", "26.7%", "110")]
    funnel = [svg for svg in svgs(html) if svg.get("id") == "chart-justice-chain"][0]
    assert funnel.get("role") == "img"
    assert funnel.find(f"{SVG}title").text == "The justice chain in 2025-02"
    assert "Convictions — Cases: 40 (26.7% reached this step; 110 lost)." in (
        funnel.find(f"{SVG}desc").text)
    widths = [float(r.get("width")) for r in funnel.iter(f"{SVG}rect") if r.get("class") == "step"]
    assert widths == sorted(widths, reverse=True) and len(widths) == 4
    assert '<option value="2025-02" selected>' in html and '<option value="2025-01">' in html


def test_the_justice_chain_of_a_chosen_period_and_of_an_unknown_one(client, table, chain):
    html = english(client).get(url("justice-chain", table) + "?period=2025-01").content.decode()
    assert "Of 1,000 arrests, 30 ended in a conviction (3%)." in html
    assert '<option value="2025-01" selected>' in html
    for bad in ("2024-05", "nonsense"):
        html = english(client).get(url("justice-chain", table) + f"?period={bad}").content.decode()
        assert "showing the latest period instead" in html and "Of 800 arrests" in html


def test_the_justice_chain_without_figures_says_so(client, table):
    html = english(client).get(url("justice-chain", table)).content.decode()
    assert "There are no figures of the justice chain yet." in html


def test_the_justice_chain_and_evaluation_pages_keep_a_small_query_budget(client, table, citizen, rated,
                                                                          chain):
    english(client, citizen)
    client.get(url("overview", table))  # content types and permissions cached once per process
    # session, user, table, permission checks (4), the chain's indicators and figures (twice with a
    # period: once to find the periods), or the ratings per institution and per level
    assert _queries(client, url("justice-chain", table) + "?period=2025-01") <= 10
    assert _queries(client, url("evaluation", table)) <= 9


# --- Languages ----------------------------------------------------------------------------------


def test_the_pages_render_in_spanish_by_default_and_in_english_on_request(client, table, secretariat, chain,
                                                                          extortion_with_figures):
    client.force_login(secretariat)
    pages = [url("overview", table), extortion_with_figures.get_absolute_url(), url("justice-chain", table),
             url("evaluation", table), url("create", table), url("edit", table, code="extortion"),
             url("target-set", table, code="extortion"), url("observation-create", table, code="extortion"),
             url("observation-correct", table, code="extortion",
                 pk=extortion_with_figures.observations.first().pk)]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert '<html lang="es">' in response.content.decode()
    assert "Extorsión" in client.get(extortion_with_figures.get_absolute_url()).content.decode()
    client.cookies["django_language"] = "en"
    english_words = ["Performance indicators of", "Trend", "The justice chain", "Citizens' evaluation",
                     "Add an indicator", "Edit Extortion", "Set a target for Extortion",
                     "Record a figure of Extortion", "Correct the figure of Extortion"]
    for page, words in zip(pages, english_words, strict=True):
        html = client.get(page).content.decode()
        assert '<html lang="en">' in html and words in html, page
