"""What the pages say about the figures (indicators.figures), on known data: every
expected number below was worked out by hand, and the working is in the comments."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from concerns import services as concern_services
from concerns.models import Rating, Status
from indicators import services
from indicators.figures import (
    OFF_TRACK,
    ON_TRACK,
    Change,
    justice_chain,
    ratings_over_time,
    summaries,
    summarise,
)
from indicators.models import Indicator, Target
from mesa.models import GovernmentLevel, Role
from tests.concerns.factories import raise_concern
from tests.indicators.factories import indicator, monthly, record
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

JUAREZ = ZoneInfo("America/Ciudad_Juarez")
UTC = ZoneInfo("UTC")


def set_baseline(ind: Indicator, value, period: date, actor) -> Indicator:
    return services.indicator_update(indicator=ind, actor=actor, baseline_value=Decimal(str(value)),
                                     baseline_period=period)


def set_target(ind: Indicator, value, due_on: date, actor) -> Target:
    return services.target_set(indicator=ind, actor=actor, value=Decimal(str(value)), due_on=due_on)


def summary_of(ind: Indicator):
    ind = Indicator.objects.get(pk=ind.pk)
    return summaries([ind])[ind.pk]


def d(value) -> Decimal:
    return Decimal(str(value))


# --- Status against the target -------------------------------------------------------------------


@pytest.fixture
def extortion_2025(extortion, secretariat):
    """Lower is better. Baseline 100 in 2025-01, target 80 by 2026-01-01, July 2024 at 110."""
    extortion = set_baseline(extortion, 100, date(2025, 1, 1), secretariat)
    set_target(extortion, 80, date(2026, 1, 1), secretariat)
    record(extortion, {date(2024, 7, 1): 110})
    record(extortion, monthly(2025, [100, 98, 97, 95, 93, 92]))
    return extortion


def test_lower_is_better_on_track_when_at_or_below_the_line(extortion_2025):
    record(extortion_2025, {date(2025, 7, 1): 90})
    summary = summary_of(extortion_2025)
    assert summary.latest == (date(2025, 7, 1), d("90.00"))
    assert summary.latest_label == "2025-07"
    assert (summary.target.value, summary.target.due_on) == (d(80), date(2026, 1, 1))
    # From 2025-01-01 to 2026-01-01: 365 days; to 2025-07-01: 181. 100 + (80 - 100) * 181 / 365 = 90.0822
    assert summary.expected == d("90.08")
    assert summary.status == ON_TRACK and summary.is_on_track is True
    # 90 - 100 = -10, -10 / 100 = -10.0 %
    assert summary.against_baseline == Change(previous=d(100), difference=d(-10), percent=d("-10.0"))
    # 90 - 110 = -20, -20 / 110 = -18.18 % -> -18.2
    assert summary.against_year_earlier == Change(previous=d(110), difference=d(-20), percent=d("-18.2"))


def test_lower_is_better_off_track_when_above_the_line(extortion_2025):
    record(extortion_2025, {date(2025, 7, 1): 91})
    summary = summary_of(extortion_2025)
    assert summary.expected == d("90.08")
    assert summary.status == OFF_TRACK and summary.is_on_track is False
    # 91 - 110 = -19, -19 / 110 = -17.27 % -> -17.3
    assert summary.against_year_earlier == Change(previous=d(110), difference=d(-19), percent=d("-17.3"))
    assert summary.against_baseline == Change(previous=d(100), difference=d(-9), percent=d("-9.0"))


@pytest.mark.parametrize(("latest", "status"), [(65, ON_TRACK), ("64.88", ON_TRACK), ("64.87", OFF_TRACK)])
def test_higher_is_better_on_track_when_at_or_above_the_line(table, secretariat, latest, status):
    court = set_baseline(indicator(table, "cases-brought-to-court"), 50, date(2025, 1, 1), secretariat)
    set_target(court, 80, date(2026, 1, 1), secretariat)
    record(court, {date(2025, 7, 1): latest})
    summary = summary_of(court)
    # 50 + (80 - 50) * 181 / 365 = 64.8767 -> 64.88
    assert summary.expected == d("64.88")
    assert summary.status == status
    assert summary.against_year_earlier is None  # no figure for 2024-07


def test_higher_is_better_change_against_the_baseline(table, secretariat):
    court = set_baseline(indicator(table, "cases-brought-to-court"), 50, date(2025, 1, 1), secretariat)
    record(court, {date(2025, 7, 1): 65})
    summary = summary_of(court)
    # 65 - 50 = 15, 15 / 50 = 30.0 %; no target: no expected figure, no status
    assert summary.against_baseline == Change(previous=d(50), difference=d(15), percent=d("30.0"))
    assert (summary.target, summary.expected, summary.status) == (None, None, None)


@pytest.mark.parametrize(("code", "latest", "status"), [
    ("extortion", 80, ON_TRACK), ("extortion", "80.01", OFF_TRACK), ("extortion", 79, ON_TRACK),
    ("cases-brought-to-court", 80, ON_TRACK), ("cases-brought-to-court", "79.99", OFF_TRACK),
    ("cases-brought-to-court", 81, ON_TRACK),
])
def test_without_a_baseline_the_target_itself_is_expected(table, secretariat, code, latest, status):
    measured = indicator(table, code)
    set_target(measured, 80, date(2026, 1, 1), secretariat)
    record(measured, {date(2025, 7, 1): latest})
    summary = summary_of(measured)
    assert summary.expected == d(80)
    assert summary.status == status
    assert summary.against_baseline is None


# --- Which target, and the expected figure (no queries: summarise) --------------------------------


def unsaved_targets(ind: Indicator, *targets) -> list[Target]:
    return [Target(indicator=ind, value=d(value), due_on=due_on) for due_on, value in targets]


@pytest.mark.parametrize(("latest", "in_force"), [
    (date(2025, 2, 1), date(2025, 3, 1)),  # the first target on or after the latest period
    (date(2025, 3, 1), date(2025, 3, 1)),  # a target dated on the latest period is in force
    (date(2025, 7, 1), date(2025, 9, 1)),
    (date(2025, 10, 1), date(2026, 3, 1)),
    (date(2026, 6, 1), date(2026, 3, 1)),  # past every target: the last one
])
def test_the_target_in_force(extortion, latest, in_force):
    targets = unsaved_targets(extortion, (date(2026, 3, 1), 75), (date(2025, 3, 1), 95),
                              (date(2025, 9, 1), 85))
    summary = summarise(extortion, [(latest, d(90))], targets)
    assert summary.target.due_on == in_force
    assert [t.due_on for t in summary.targets] == [date(2025, 3, 1), date(2025, 9, 1), date(2026, 3, 1)]


def test_the_expected_figure_is_on_the_line_to_the_target_in_force(extortion):
    extortion.baseline_value, extortion.baseline_period = d(100), date(2025, 1, 1)
    targets = unsaved_targets(extortion, (date(2025, 9, 1), 85), (date(2026, 3, 1), 75))
    summary = summarise(extortion, [(date(2025, 7, 1), d("88.82"))], targets)
    # 2025-01-01 to 2025-09-01: 243 days; to 2025-07-01: 181. 100 - 15 * 181 / 243 = 88.8272 -> 88.83
    assert summary.expected == d("88.83")
    assert summary.status == ON_TRACK


@pytest.mark.parametrize(("latest", "expected"), [
    (date(2024, 11, 1), d("100.00")),  # before the baseline: the baseline itself
    (date(2025, 1, 1), d("100.00")),
    (date(2026, 1, 1), d("80.00")),  # at the target's date: the target
    (date(2026, 4, 1), d("80.00")),  # after it: still the target
])
def test_the_line_runs_from_the_baseline_to_the_target_and_no_further(extortion, latest, expected):
    extortion.baseline_value, extortion.baseline_period = d(100), date(2025, 1, 1)
    summary = summarise(extortion, [(latest, d(85))], unsaved_targets(extortion, (date(2026, 1, 1), 80)))
    assert summary.expected == expected


def test_a_baseline_not_before_the_target_makes_the_target_itself_expected(extortion):
    extortion.baseline_value, extortion.baseline_period = d(100), date(2026, 1, 1)
    targets = unsaved_targets(extortion, (date(2026, 1, 1), 80))
    summary = summarise(extortion, [(date(2025, 7, 1), d(85))], targets)
    assert summary.expected == d(80)
    assert summary.status == OFF_TRACK


def test_no_figures_no_summary(extortion, secretariat):
    set_target(extortion, 80, date(2026, 1, 1), secretariat)
    summary = summary_of(extortion)
    assert [t.value for t in summary.targets] == [d(80)]
    assert (summary.latest, summary.latest_label, summary.target, summary.expected, summary.status,
            summary.is_on_track, summary.against_baseline, summary.against_year_earlier) == (
        None, "", None, None, None, None, None, None)


# --- Changes -------------------------------------------------------------------------------------


def test_a_baseline_of_zero_has_a_difference_but_no_percentage(extortion, secretariat):
    set_baseline(extortion, 0, date(2025, 1, 1), secretariat)
    record(extortion, {date(2025, 7, 1): 5})
    assert summary_of(extortion).against_baseline == Change(previous=d(0), difference=d(5), percent=None)


@pytest.mark.parametrize(("earlier", "latest", "change"), [
    (0, 4, Change(previous=d(0), difference=d(4), percent=None)),
    (6, 7, Change(previous=d(6), difference=d(1), percent=d("16.7"))),  # 16.67 %
    (3, 2, Change(previous=d(3), difference=d(-1), percent=d("-33.3"))),  # -33.33 %
    (8, "8.10", Change(previous=d(8), difference=d("0.10"), percent=d("1.3"))),  # 1.25 %, rounded half up
    (120, 120, Change(previous=d(120), difference=d(0), percent=d("0.0"))),
])
def test_the_change_against_a_year_earlier(extortion, earlier, latest, change):
    record(extortion, {date(2024, 7, 1): earlier, date(2025, 7, 1): latest})
    assert summary_of(extortion).against_year_earlier == change


def test_no_figure_a_year_earlier_no_change(extortion):
    record(extortion, {date(2024, 6, 1): 50, date(2024, 8, 1): 50, date(2025, 7, 1): 40})
    assert summary_of(extortion).against_year_earlier is None


def test_a_year_earlier_for_weeks_and_quarters(table, secretariat):
    weekly = services.indicator_create(table=table, actor=secretariat, code="calls", name_es="Llamadas",
                                       frequency="week")
    record(weekly, {date(2025, 2, 24): 10, date(2026, 2, 16): 11, date(2026, 2, 23): 12})  # W09, W08, W09
    # 2026-W09 (12) against 2025-W09 (10): +2, 20.0 %
    assert summary_of(weekly).against_year_earlier == Change(previous=d(10), difference=d(2),
                                                             percent=d("20.0"))
    quarterly = services.indicator_create(table=table, actor=secretariat, code="survey", name_es="Encuesta",
                                          frequency="quarter", unit="percent")
    record(quarterly, {date(2024, 7, 1): 50, date(2025, 7, 1): 45})
    # 2025-Q3 (45) against 2024-Q3 (50): -5, -10.0 %
    summary = summary_of(quarterly)
    assert summary.latest_label == "2025-Q3"
    assert summary.against_year_earlier == Change(previous=d(50), difference=d(-5), percent=d("-10.0"))


def test_figures_of_colonias_are_not_the_tables_series(table, secretariat):
    homicides = services.indicator_update(indicator=indicator(table, "homicides"), actor=secretariat,
                                          by_colonia=True)
    record(homicides, {date(2025, 6, 1): 10})
    record(homicides, {date(2025, 7, 1): 3}, colonia="Centro")
    summary = summary_of(homicides)
    assert summary.points == [(date(2025, 6, 1), d(10))]
    assert summary.latest == (date(2025, 6, 1), d(10))


@pytest.mark.parametrize("n", [1, 11])
def test_summaries_take_two_queries_for_any_number_of_indicators(table, secretariat, n,
                                                                 django_assert_num_queries):
    chosen = list(Indicator.objects.filter(table=table).order_by("position")[:n])
    for ind in chosen:
        set_target(ind, 5, date(2026, 1, 1), secretariat)
        record(ind, monthly(2025, [9, 8, 7]))
    # observations, targets
    with django_assert_num_queries(2):
        result = summaries(chosen)
    assert sorted(result) == sorted(i.pk for i in chosen)
    assert all(s.latest == (date(2025, 3, 1), d(7)) and s.target.value == d(5) for s in result.values())


# --- The justice chain ---------------------------------------------------------------------------


@pytest.fixture
def chain(table):
    steps = [indicator(table, code) for code in
             ("arrests", "cases-handed-to-prosecutors", "charges-brought", "convictions")]
    for ind, values in zip(steps, ([150, 0, 180, 200], [None, 0, 90, 120], [40, None, 30, 60],
                                   [None, None, 9, 15]), strict=True):
        record(ind, {date(2025, month, 1): v for month, v in zip((4, 3, 5, 6), values, strict=True)
                     if v is not None})
    return steps


def chain_numbers(steps) -> list[tuple]:
    return [(s.stage, s.value, s.share_of_previous, s.lost) for s in steps]


def test_the_justice_chain_shows_where_cases_are_lost_in_the_latest_period(table, chain):
    period, steps, available = justice_chain(table)
    assert period == date(2025, 6, 1)
    assert available == [date(2025, 6, 1), date(2025, 5, 1), date(2025, 4, 1), date(2025, 3, 1)]
    # 200 arrests -> 120 handed over (60.0 %, 80 lost) -> 60 charged (50.0 %, 60 lost)
    # -> 15 convicted (25.0 %, 45 lost)
    assert chain_numbers(steps) == [
        ("arrests", d(200), None, None),
        ("handed_over", d(120), d("60.0"), d(80)),
        ("charged", d(60), d("50.0"), d(60)),
        ("convicted", d(15), d("25.0"), d(45)),
    ]
    assert [s.label for s in steps] == ["Arrests", "Cases handed to prosecutors", "Charges brought",
                                        "Convictions"]
    assert [s.indicator for s in steps] == chain


def test_the_justice_chain_of_an_earlier_period(table, chain):
    period, steps, _available = justice_chain(table, date(2025, 5, 1))
    assert period == date(2025, 5, 1)
    # 180 -> 90 (50.0 %, 90 lost) -> 30 (33.3 %, 60 lost) -> 9 (30.0 %, 21 lost)
    assert chain_numbers(steps) == [
        ("arrests", d(180), None, None),
        ("handed_over", d(90), d("50.0"), d(90)),
        ("charged", d(30), d("33.3"), d(60)),
        ("convicted", d(9), d("30.0"), d(21)),
    ]


def test_a_missing_step_or_a_zero_breaks_the_shares(table, chain):
    _period, steps, _available = justice_chain(table, date(2025, 4, 1))
    # Nothing handed over recorded in April: no share for it, nor for the step after it.
    assert chain_numbers(steps) == [
        ("arrests", d(150), None, None),
        ("handed_over", None, None, None),
        ("charged", d(40), None, None),
        ("convicted", None, None, None),
    ]
    _period, steps, _available = justice_chain(table, date(2025, 3, 1))
    assert chain_numbers(steps)[:2] == [("arrests", d(0), None, None), ("handed_over", d(0), None, None)]


def test_a_table_without_figures_has_an_empty_chain(table, other_table, chain):
    period, steps, available = justice_chain(other_table)
    assert (period, available) == (None, [])
    assert [s.value for s in steps] == [None] * 4
    assert [s.indicator.table for s in steps] == [other_table] * 4


# --- Citizens' ratings of the answers over time ----------------------------------------------------


@pytest.fixture
def rated(table, secretariat):
    """A concern answered by the state attorney's office and the municipal police, rated by three
    people at known moments."""
    fge = InstitutionFactory(table=table, name="Fiscalía General del Estado", acronym="FGE",
                             level=GovernmentLevel.STATE)
    police = InstitutionFactory(table=table, name="Secretaría de Seguridad Pública Municipal", acronym="SSPM",
                                level=GovernmentLevel.MUNICIPAL)
    reporter = make_member(table, Role.CITIZEN).user
    concern = raise_concern(table, reporter=reporter)
    concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    concern_services.concern_assign(concern=concern, institutions=[fge, police], actor=secretariat)
    answers = {}
    for institution in (fge, police):
        official = make_member(table, Role.OFFICIAL, institution=institution).user
        answers[institution] = concern_services.answer_post(concern=concern, institution=institution,
                                                            author=official, text="Atendido.")
    first, second = make_member(table).user, make_member(table).user
    for institution, user, score, moment in (
        (fge, reporter, 5, datetime(2026, 1, 10, 12, 0, tzinfo=JUAREZ)),
        (fge, first, 4, datetime(2026, 1, 20, 12, 0, tzinfo=JUAREZ)),
        (fge, second, 2, datetime(2026, 3, 1, 5, 0, tzinfo=UTC)),  # 28 February, 22:00 in Juárez
        (police, reporter, 3, datetime(2026, 1, 5, 18, 0, tzinfo=JUAREZ)),
        (police, first, 2, datetime(2026, 1, 15, 9, 0, tzinfo=JUAREZ)),
        (police, second, 2, datetime(2026, 2, 1, 6, 30, tzinfo=UTC)),  # 31 January, 23:30 in Juárez
    ):
        with time_machine.travel(moment, tick=False):
            concern_services.rating_set(answer=answers[institution], user=user, score=score)
    return fge, police


def test_ratings_are_averaged_per_institution_and_month_on_the_tables_calendar(table, rated):
    fge, police = rated
    # Municipal before state; police in January: (3 + 2 + 2) / 3 = 2.33; the attorney's office in
    # January (5 + 4) / 2 = 4.50 and in February 2 / 1 = 2.00.
    assert ratings_over_time(table, Rating.objects.all()) == [
        {"institution_id": police.pk, "institution": "Secretaría de Seguridad Pública Municipal",
         "level": "municipal", "month": date(2026, 1, 1), "average": d("2.33"), "count": 3},
        {"institution_id": fge.pk, "institution": "Fiscalía General del Estado", "level": "state",
         "month": date(2026, 1, 1), "average": d("4.50"), "count": 2},
        {"institution_id": fge.pk, "institution": "Fiscalía General del Estado", "level": "state",
         "month": date(2026, 2, 1), "average": d("2.00"), "count": 1},
    ]


def test_ratings_of_another_table_or_outside_the_viewers_queryset_are_left_out(table, other_table, rated):
    assert ratings_over_time(other_table, Rating.objects.all()) == []
    fge, _police = rated
    only_fge = ratings_over_time(table, Rating.objects.filter(answer__institution=fge))
    assert [(r["institution_id"], r["count"]) for r in only_fge] == [(fge.pk, 2), (fge.pk, 1)]


def test_ratings_over_time_is_one_query(table, rated, django_assert_num_queries):
    with django_assert_num_queries(1):
        ratings_over_time(table, Rating.objects.all())
