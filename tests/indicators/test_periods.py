"""Periods as people write them: months (2026-03), ISO weeks (2026-W09) and quarters
(2026-Q1), stored as the date they start on; and the same period a year earlier."""

from datetime import date, datetime

import pytest

from indicators.periods import Frequency, example, is_start, label, parse, start_of, year_earlier

MONTH, WEEK, QUARTER = Frequency.MONTH, Frequency.WEEK, Frequency.QUARTER


# --- parse -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03", date(2026, 3, 1)),
    ("2026-3", date(2026, 3, 1)),
    (" 2026-12 ", date(2026, 12, 1)),
    ("2026-03-01", date(2026, 3, 1)),
    ("2026-03-31", date(2026, 3, 1)),
    ("2024-02-29", date(2024, 2, 1)),
])
def test_a_month_is_read_as_written_or_by_any_day_in_it(text, expected):
    assert parse(text, MONTH) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-W09", date(2026, 2, 23)),
    ("2026W09", date(2026, 2, 23)),
    ("2026-w9", date(2026, 2, 23)),
    ("2026-W01", date(2025, 12, 29)),  # ISO week 1 of 2026 starts in December 2025
    ("2025-W01", date(2024, 12, 30)),
    ("2020-W53", date(2020, 12, 28)),
    ("2026-W53", date(2026, 12, 28)),
    ("2026-02-26", date(2026, 2, 23)),  # a Thursday: its week's Monday
    ("2026-03-01", date(2026, 2, 23)),  # a Sunday: still the week that began on Monday the 23rd
    ("2027-01-01", date(2026, 12, 28)),  # New Year's Day 2027 falls in 2026-W53
])
def test_an_iso_week_is_read_as_written_or_by_any_day_in_it(text, expected):
    assert parse(text, WEEK) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-Q1", date(2026, 1, 1)),
    ("2026Q2", date(2026, 4, 1)),
    ("2026-q3", date(2026, 7, 1)),
    ("2026-Q4", date(2026, 10, 1)),
    ("2026-08-20", date(2026, 7, 1)),
    ("2026-12-31", date(2026, 10, 1)),
])
def test_a_quarter_is_read_as_written_or_by_any_day_in_it(text, expected):
    assert parse(text, QUARTER) == expected


@pytest.mark.parametrize(("value", "frequency", "expected"), [
    (date(2026, 3, 17), MONTH, date(2026, 3, 1)),
    (datetime(2026, 3, 17, 0, 0), MONTH, date(2026, 3, 1)),  # what a spreadsheet cell gives
    (datetime(2026, 3, 31, 23, 59), MONTH, date(2026, 3, 1)),
    (datetime(2026, 1, 1, 0, 0), WEEK, date(2025, 12, 29)),
    (datetime(2026, 5, 15, 8, 30), QUARTER, date(2026, 4, 1)),
    (date(2026, 2, 23), WEEK, date(2026, 2, 23)),
])
def test_dates_and_spreadsheet_datetimes_give_the_start_of_their_period(value, frequency, expected):
    assert parse(value, frequency) == expected


@pytest.mark.parametrize(("value", "frequency"), [
    ("", MONTH),
    (None, MONTH),
    ("   ", WEEK),
    ("marzo 2026", MONTH),
    ("2026-13", MONTH),
    ("2026-00", MONTH),
    ("26-03", MONTH),
    ("2026/03", MONTH),
    ("03-2026", MONTH),
    ("2026-02-30", MONTH),
    ("2026-03-01T10:00", MONTH),
    ("202603", MONTH),
    (202603, MONTH),
    (12.5, MONTH),
    ("2026-W09", MONTH),  # a week is not a month
    ("2026-Q1", MONTH),
    ("2026-03", WEEK),  # nor a month a week
    ("2026-W00", WEEK),
    ("2026-W54", WEEK),
    ("2025-W53", WEEK),  # 2025 has 52 ISO weeks
    ("2026-Q1", WEEK),
    ("2026-03", QUARTER),
    ("2026-Q0", QUARTER),
    ("2026-Q5", QUARTER),
    ("2026-W09", QUARTER),
])
def test_what_is_not_a_period_of_the_frequency_raises_value_error(value, frequency):
    with pytest.raises(ValueError):
        parse(value, frequency)


# --- label, start_of, is_start --------------------------------------------------------------------


@pytest.mark.parametrize(("start", "frequency", "expected"), [
    (date(2026, 3, 1), MONTH, "2026-03"),
    (date(2026, 12, 1), MONTH, "2026-12"),
    (date(2026, 2, 23), WEEK, "2026-W09"),
    (date(2024, 12, 30), WEEK, "2025-W01"),  # the week belongs to the ISO year of its Thursday
    (date(2026, 12, 28), WEEK, "2026-W53"),
    (date(2026, 1, 1), QUARTER, "2026-Q1"),
    (date(2026, 10, 1), QUARTER, "2026-Q4"),
])
def test_a_period_is_labelled_as_people_write_it(start, frequency, expected):
    assert label(start, frequency) == expected


@pytest.mark.parametrize(("text", "frequency"), [
    ("2026-03", MONTH), ("2026-W09", WEEK), ("2026-W53", WEEK), ("2025-W01", WEEK), ("2026-Q3", QUARTER),
])
def test_label_reads_back_what_parse_read(text, frequency):
    assert label(parse(text, frequency), frequency) == text


@pytest.mark.parametrize(("day", "frequency", "expected"), [
    (date(2026, 3, 17), MONTH, date(2026, 3, 1)),
    (date(2026, 3, 1), MONTH, date(2026, 3, 1)),
    (date(2026, 3, 1), WEEK, date(2026, 2, 23)),
    (date(2026, 2, 23), WEEK, date(2026, 2, 23)),
    (date(2027, 1, 3), WEEK, date(2026, 12, 28)),
    (date(2026, 3, 31), QUARTER, date(2026, 1, 1)),
    (date(2026, 4, 1), QUARTER, date(2026, 4, 1)),
    (date(2026, 12, 31), QUARTER, date(2026, 10, 1)),
])
def test_start_of_gives_the_first_day_of_the_period(day, frequency, expected):
    assert start_of(day, frequency) == expected


def test_only_the_first_day_of_a_period_is_its_start():
    assert is_start(date(2026, 3, 1), MONTH) and not is_start(date(2026, 3, 2), MONTH)
    assert is_start(date(2026, 2, 23), WEEK) and not is_start(date(2026, 3, 1), WEEK)
    assert is_start(date(2026, 4, 1), QUARTER) and not is_start(date(2026, 5, 1), QUARTER)


# --- year_earlier ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "frequency", "expected"), [
    (date(2026, 3, 1), MONTH, date(2025, 3, 1)),
    (date(2026, 1, 1), MONTH, date(2025, 1, 1)),
    (date(2026, 7, 1), QUARTER, date(2025, 7, 1)),
    (date(2026, 2, 23), WEEK, date(2025, 2, 24)),  # 2026-W09 -> 2025-W09
    (date(2025, 12, 29), WEEK, date(2024, 12, 30)),  # 2026-W01 -> 2025-W01, both starting in December
    (date(2021, 1, 4), WEEK, date(2019, 12, 30)),  # 2021-W01 -> 2020-W01
    (date(2026, 12, 28), WEEK, date(2025, 12, 22)),  # 2026-W53 -> 2025-W52: 2025 has no week 53
    (date(2021, 12, 27), WEEK, date(2020, 12, 21)),  # 2021-W52 -> 2020-W52, though 2020 had a W53
])
def test_the_same_period_a_year_earlier(start, frequency, expected):
    assert year_earlier(start, frequency) == expected


def test_a_week_a_year_earlier_has_the_same_week_number_when_it_exists():
    start = parse("2027-W10", WEEK)
    assert label(year_earlier(start, WEEK), WEEK) == "2026-W10"
    assert label(year_earlier(parse("2026-W53", WEEK), WEEK), WEEK) == "2025-W52"


def test_each_frequency_has_an_example_that_parses():
    assert [example(f) for f in (MONTH, WEEK, QUARTER)] == ["2026-03", "2026-W09", "2026-Q1"]
    for frequency in (MONTH, WEEK, QUARTER):
        assert is_start(parse(example(frequency), frequency), frequency)
