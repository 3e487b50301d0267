"""Wall-clock times in a table's zone, and back.

Sessions are entered and shown in the table's time zone, never the server's.
A wall-clock time that does not exist on a given day (the hour skipped when
clocks go forward) is refused with a clear message rather than silently moved;
one that happens twice (clocks going back) means its first occurrence.
"""

import zoneinfo
from datetime import UTC, date, datetime, time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def aware_in_zone(naive: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """`naive` read on the clocks of `zone`; ValidationError if it does not exist there."""
    if naive.tzinfo is not None:
        return naive
    candidate = naive.replace(tzinfo=zone, fold=0)
    try:
        back = candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # the very ends of the calendar (year 1 or 9999)
        raise ValidationError(_("Choose a date between the years 1900 and 2999."),
                              code="date_out_of_range") from None
    if back != naive:
        raise ValidationError(
            _("%(time)s does not exist on %(date)s in %(zone)s: the clocks change that night. "
              "Choose another time."),
            params={"time": naive.strftime("%H:%M"), "date": naive.date().isoformat(),
                    "zone": zone.key},
            code="nonexistent_time",
        )
    return candidate


def combine_in_zone(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    return aware_in_zone(datetime.combine(day, clock), zone)


def in_zone(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return moment.astimezone(zone)
