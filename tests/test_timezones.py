"""Wall-clock times in a table's zone (mesa.timezones)."""

import zoneinfo
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from mesa.timezones import aware_in_zone, combine_in_zone

JUAREZ = zoneinfo.ZoneInfo("America/Ciudad_Juarez")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def test_a_wall_clock_time_keeps_its_hour_in_the_zone():
    moment = combine_in_zone(date(2027, 3, 15), time(18, 0), JUAREZ)
    assert (moment.hour, moment.utcoffset().total_seconds() / 3600) == (18, -6)


@pytest.mark.parametrize(("zone", "day", "clock"), [
    (JUAREZ, date(2027, 3, 14), time(2, 30)),  # clocks jump from 02:00 to 03:00
    (MADRID, date(2027, 3, 28), time(2, 15)),
])
def test_a_time_skipped_by_the_clocks_is_refused(zone, day, clock):
    with pytest.raises(ValidationError) as error:
        combine_in_zone(day, clock, zone)
    assert error.value.code == "nonexistent_time"
    assert zone.key in error.value.messages[0]


def test_a_time_that_happens_twice_means_the_first_one():
    moment = aware_in_zone(datetime(2027, 11, 7, 1, 30), JUAREZ)
    assert moment.utcoffset().total_seconds() / 3600 == -6  # still daylight time


def test_the_ends_of_the_calendar_are_refused_not_a_crash():
    with pytest.raises(ValidationError) as error:
        aware_in_zone(datetime(9999, 12, 31, 23, 0), JUAREZ)
    assert error.value.code == "date_out_of_range"


def test_an_aware_time_is_left_as_it_is():
    moment = datetime(2027, 3, 15, 18, 0, tzinfo=MADRID)
    assert aware_in_zone(moment, JUAREZ) is moment
