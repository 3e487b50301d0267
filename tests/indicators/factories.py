"""Indicators and their figures, made through the services the pages use."""

from datetime import date
from decimal import Decimal

from indicators import services
from indicators.models import Indicator
from mesa.models import Table
from tests.meetings.factories import secretariat_of


def indicator(table: Table, code: str = "extortion") -> Indicator:
    """One of the table's default indicators (every table starts with them)."""
    return Indicator.objects.get(table=table, code=code)


def record(indicator: Indicator, values: dict, *, actor=None, colonia: str = ""):
    """`values`: {period start date: value}."""
    actor = actor or secretariat_of(indicator.table)
    return [services.observation_record(indicator=indicator, actor=actor, period_start=start,
                                        value=Decimal(str(value)), colonia=colonia)
            for start, value in values.items()]


def monthly(year: int, values: list) -> dict:
    """{date(year, 1, 1): values[0], date(year, 2, 1): values[1], ...}"""
    return {date(year, month, 1): value for month, value in enumerate(values, start=1)}
