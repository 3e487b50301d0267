"""A session at 18:00 in the table's zone reads 18:00 on its page, in its .ics and in
the API, on dates either side of the daylight-saving changes (never the server's zone)."""

from datetime import date, datetime, time, timedelta

import icalendar
import pytest
from django.urls import reverse

from meetings import services
from tests.accounts.factories import UserFactory
from tests.mesa.factories import TableFactory

pytestmark = pytest.mark.django_db

# (zone, day, UTC offset that day in hours). US changes in 2027: 14 March and 7 November;
# EU: 28 March and 31 October; Mexico City has kept standard time all year since 2022.
CASES = [
    ("America/Ciudad_Juarez", date(2027, 3, 13), -7),
    ("America/Ciudad_Juarez", date(2027, 3, 15), -6),
    ("America/Ciudad_Juarez", date(2027, 11, 6), -6),
    ("America/Ciudad_Juarez", date(2027, 11, 8), -7),
    ("America/Mexico_City", date(2027, 3, 13), -6),
    ("America/Mexico_City", date(2027, 3, 15), -6),
    ("America/Mexico_City", date(2027, 11, 6), -6),
    ("America/Mexico_City", date(2027, 11, 8), -6),
    ("Europe/Madrid", date(2027, 3, 27), 1),
    ("Europe/Madrid", date(2027, 3, 29), 2),
    ("Europe/Madrid", date(2027, 10, 30), 2),
    ("Europe/Madrid", date(2027, 11, 1), 1),
]


@pytest.fixture
def session_at_six(request):
    zone_name, day, _offset = request.param
    secretariat = UserFactory()
    table = TableFactory(time_zone=zone_name, secretariat=secretariat)
    starts_at = datetime.combine(day, time(18, 0), tzinfo=table.zone)
    return services.session_schedule(table=table, actor=secretariat, title="Sesión plenaria",
                                     starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                                     place="Sala de Cabildo")


@pytest.mark.parametrize("session_at_six", CASES, indirect=True, ids=lambda c: f"{c[0]}-{c[1]}")
@pytest.mark.parametrize("language", ["es", "en"])
def test_session_page_reads_six_in_the_evening_local_time(client, session_at_six, language):
    client.cookies["django_language"] = language
    page = client.get(session_at_six.get_absolute_url()).content.decode()
    assert "18:00" in page
    assert session_at_six.table.time_zone in page


@pytest.mark.parametrize("session_at_six", CASES, indirect=True, ids=lambda c: f"{c[0]}-{c[1]}")
def test_session_ics_reads_six_in_the_evening_with_the_tables_tzid(client, session_at_six):
    table = session_at_six.table
    url = reverse("meetings:session-ics", kwargs={"table_slug": table.slug, "pk": session_at_six.pk})
    raw = client.get(url).content
    assert f"DTSTART;TZID={table.time_zone}:".encode() in raw
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute) == (18, 0)
    assert start == session_at_six.starts_at


@pytest.mark.parametrize("session_at_six", CASES, indirect=True, ids=lambda c: f"{c[0]}-{c[1]}")
def test_session_api_reads_six_in_the_evening_with_the_days_offset(api, session_at_six):
    day, offset = session_at_six.local_starts_at().date(), None
    for zone, case_day, case_offset in CASES:
        if zone == session_at_six.table.time_zone and case_day == day:
            offset = case_offset
    body = api.get(f"/api/v1/sessions/{session_at_six.pk}/").json()
    sign = "-" if offset < 0 else "+"
    assert body["starts_at"] == f"{day.isoformat()}T18:00:00{sign}{abs(offset):02d}:00"
    assert body["time_zone"] == session_at_six.table.time_zone
