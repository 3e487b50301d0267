"""Periods of observations: a month (the default), an ISO week or a quarter, each
stored as the date it starts on, and written as people write them:
2026-03, 2026-W09, 2026-Q1."""

import re
from datetime import date, datetime, timedelta

from django.db import models
from django.utils.translation import pgettext_lazy


class Frequency(models.TextChoices):
    MONTH = "month", pgettext_lazy("period", "Monthly")
    WEEK = "week", pgettext_lazy("period", "Weekly")
    QUARTER = "quarter", pgettext_lazy("period", "Quarterly")


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def start_of(day: date, frequency: str) -> date:
    """The start of the period `day` falls in."""
    if frequency == Frequency.WEEK:
        return day - timedelta(days=day.weekday())
    if frequency == Frequency.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def is_start(day: date, frequency: str) -> bool:
    return start_of(day, frequency) == day


def parse(value, frequency: str) -> date:
    """A period as written (2026-03, 2026-W09, 2026-Q1, or any day in it: 2026-03-15,
    a spreadsheet date) to its start date. Raises ValueError when it is none of these
    or does not fit the frequency."""
    if isinstance(value, datetime):
        return start_of(value.date(), frequency)
    if isinstance(value, date):
        return start_of(value, frequency)
    text = str(value or "").strip()
    if match := _DAY.match(text):
        return start_of(date(*map(int, match.groups())), frequency)
    if frequency == Frequency.MONTH and (match := _MONTH.match(text)):
        year, month = map(int, match.groups())
        return date(year, month, 1)
    if frequency == Frequency.WEEK and (match := _WEEK.match(text)):
        year, week = map(int, match.groups())
        return date.fromisocalendar(year, week, 1)
    if frequency == Frequency.QUARTER and (match := _QUARTER.match(text)):
        year, quarter = map(int, match.groups())
        return date(year, 3 * (quarter - 1) + 1, 1)
    raise ValueError(text)


def label(start: date, frequency: str) -> str:
    """How the period is written: 2026-03, 2026-W09, 2026-Q1."""
    if frequency == Frequency.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == Frequency.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


def year_earlier(start: date, frequency: str) -> date:
    """The same period a year before: the same month or quarter, or the same ISO week number."""
    if frequency == Frequency.WEEK:
        year, week, _ = start.isocalendar()
        try:
            return date.fromisocalendar(year - 1, week, 1)
        except ValueError:  # week 53 of a year whose predecessor had 52
            return date.fromisocalendar(year - 1, 52, 1)
    return start.replace(year=start.year - 1)


def example(frequency: str) -> str:
    return {Frequency.WEEK: "2026-W09", Frequency.QUARTER: "2026-Q1"}.get(frequency, "2026-03")
