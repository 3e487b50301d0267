"""Calendar feeds: a table's, a subcommittee's, a person's secret one, one session's .ics;
and the page that hands out their addresses."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import services
from meetings.models import CalendarFeed, Session
from mesa.models import Role
from mesa.services import membership_end
from mesa.timezones import combine_in_zone
from tests.accounts.factories import UserFactory
from tests.meetings.factories import schedule_session
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db


def table_feed_url(table) -> str:
    return reverse("meetings:table-calendar", kwargs={"table_slug": table.slug})


def subcommittee_feed_url(subcommittee) -> str:
    return reverse("meetings:subcommittee-calendar",
                   kwargs={"table_slug": subcommittee.table.slug, "subcommittee_slug": subcommittee.slug})


def session_ics_url(session) -> str:
    return reverse("meetings:session-ics", kwargs={"table_slug": session.table.slug, "pk": session.pk})


def personal_url(user) -> str:
    return reverse("calendar-personal", kwargs={"token": services.calendar_feed_for(user=user).token})


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_by_uid(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.events}


def uid(session) -> str:
    return f"{session.uid}@mesa"


def move_to(session, day: date, clock: time = time(18, 0), hours: int = 2) -> Session:
    """Put the session at `clock` on `day` in its table's zone. Services refuse a time in
    the past, so the row is moved directly: these dates then stay valid whenever tests run."""
    starts_at = combine_in_zone(day, clock, session.table.zone)
    ends_at = starts_at + timedelta(hours=hours)
    Session.objects.filter(pk=session.pk).update(starts_at=starts_at, ends_at=ends_at)
    session.refresh_from_db()
    return session


# --- The calendar itself ----------------------------------------------------------------


def test_table_feed_is_a_published_gregorian_calendar_named_after_the_table(client, table):
    schedule_session(table)
    calendar = parse(client.get(table_feed_url(table)))
    assert str(calendar["VERSION"]) == "2.0"
    assert "Mesa" in str(calendar["PRODID"])
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert table.name in str(calendar["X-WR-CALNAME"])
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Ciudad_Juarez"
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)


def test_feed_event_carries_what_an_attendee_needs(client, table, settings):
    settings.MESA_BASE_URL = "https://mesa.example.org"
    session = schedule_session(table, title="Sesión ordinaria", place="Sala de Cabildo",
                               online_url="https://reuniones.example.org/pl")
    event = events_by_uid(parse(client.get(table_feed_url(table))))[uid(session)]
    assert str(event["SUMMARY"]) == f"{session.code} · Sesión ordinaria"
    assert str(event["LOCATION"]) == "Sala de Cabildo"
    assert str(event["URL"]) == f"https://mesa.example.org/t/{table.slug}/sessions/{session.pk}/"
    assert "https://reuniones.example.org/pl" in str(event["DESCRIPTION"])
    assert table.name in str(event["DESCRIPTION"])
    assert event.decoded("SEQUENCE") == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("CREATED") == session.created_at.replace(microsecond=0)
    assert event.decoded("LAST-MODIFIED") == session.updated_at.replace(microsecond=0)
    assert "DTSTAMP" in event
    assert event.decoded("DTSTART") == session.starts_at
    assert event.decoded("DTEND") == session.ends_at


def test_subcommittee_session_says_which_subcommittee(client, table):
    subcommittee = table.subcommittees.get(standing_theme="access_to_justice")
    session = schedule_session(table, subcommittee=subcommittee, title="Revisión de casos")
    event = events_by_uid(parse(client.get(table_feed_url(table))))[uid(session)]
    assert subcommittee.name_es in str(event["DESCRIPTION"])


def test_agenda_titles_appear_only_once_the_agenda_is_published(client, table, secretariat):
    # Ten days away, with the usual 7 days of notice: not yet published.
    session = schedule_session(table)
    services.agenda_item_add(session=session, title="Informe de la Fiscalía sobre extorsión")
    event = events_by_uid(parse(client.get(table_feed_url(table))))[uid(session)]
    assert "Informe de la Fiscalía" not in str(event["DESCRIPTION"])

    services.agenda_publish(session=session, actor=secretariat)
    event = events_by_uid(parse(client.get(table_feed_url(table))))[uid(session)]
    assert "1. Informe de la Fiscalía sobre extorsión" in str(event["DESCRIPTION"])


def test_reschedule_keeps_the_uid_and_raises_the_sequence(client, table, secretariat):
    session = schedule_session(table)
    before = events_by_uid(parse(client.get(table_feed_url(table))))[uid(session)]
    new_start = session.starts_at + timedelta(days=2)
    services.session_reschedule(session=session, actor=secretariat, starts_at=new_start,
                                ends_at=new_start + timedelta(hours=2), reason="Informe de la Fiscalía")
    calendar = parse(client.get(table_feed_url(table)))
    assert len(calendar.events) == 1
    after = events_by_uid(calendar)[uid(session)]
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")
    assert after.decoded("DTSTART") == new_start
    assert after.decoded("DTSTART") != before.decoded("DTSTART")
    assert str(after["STATUS"]) == "CONFIRMED"


def test_cancelled_session_stays_in_the_feed_as_cancelled(client, table, secretariat):
    session = schedule_session(table)
    services.session_cancel(session=session, actor=secretariat, reason="Contingencia por lluvias")
    event = events_by_uid(parse(client.get(table_feed_url(table))))[uid(session)]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 1
    assert "Contingencia por lluvias" in str(event["DESCRIPTION"])


def test_feed_has_the_vtimezone_its_events_name(client, table):
    schedule_session(table)
    calendar = parse(client.get(table_feed_url(table)))
    assert [str(tz["TZID"]) for tz in calendar.timezones] == ["America/Ciudad_Juarez"]
    assert b"DTSTART;TZID=America/Ciudad_Juarez:" in client.get(table_feed_url(table)).content
    assert calendar.get_missing_tzids() == set()


def test_empty_feed_is_still_a_valid_calendar(client, table):
    calendar = parse(client.get(table_feed_url(table)))
    assert calendar.events == []


def test_feed_keeps_a_year_of_past_sessions_and_everything_upcoming(client, table):
    today = timezone.localdate(timezone=table.zone)
    last_year = move_to(schedule_session(table), today - timedelta(days=300))
    too_old = move_to(schedule_session(table), today - timedelta(days=400))
    upcoming = schedule_session(table, starts_at=timezone.now() + timedelta(days=500))
    uids = set(events_by_uid(parse(client.get(table_feed_url(table)))))
    assert uids == {uid(last_year), uid(upcoming)}
    assert uid(too_old) not in uids


def test_feed_refuses_post(client, table):
    assert client.post(table_feed_url(table)).status_code == 405


# --- Time zones -------------------------------------------------------------------------

# 18:00 on either side of the daylight-saving changes of 2027 (US: 14 March and 7 November;
# EU: 28 March and 31 October; Mexico City keeps UTC-6 all year).
ZONE_CASES = [
    ("America/Ciudad_Juarez", date(2027, 3, 13), datetime(2027, 3, 14, 1, 0, tzinfo=UTC)),
    ("America/Ciudad_Juarez", date(2027, 3, 15), datetime(2027, 3, 16, 0, 0, tzinfo=UTC)),
    ("America/Ciudad_Juarez", date(2027, 11, 6), datetime(2027, 11, 7, 0, 0, tzinfo=UTC)),
    ("America/Ciudad_Juarez", date(2027, 11, 8), datetime(2027, 11, 9, 1, 0, tzinfo=UTC)),
    ("America/Mexico_City", date(2027, 3, 13), datetime(2027, 3, 14, 0, 0, tzinfo=UTC)),
    ("America/Mexico_City", date(2027, 3, 15), datetime(2027, 3, 16, 0, 0, tzinfo=UTC)),
    ("America/Mexico_City", date(2027, 11, 6), datetime(2027, 11, 7, 0, 0, tzinfo=UTC)),
    ("America/Mexico_City", date(2027, 11, 8), datetime(2027, 11, 9, 0, 0, tzinfo=UTC)),
    ("Europe/Madrid", date(2027, 3, 27), datetime(2027, 3, 27, 17, 0, tzinfo=UTC)),
    ("Europe/Madrid", date(2027, 3, 29), datetime(2027, 3, 29, 16, 0, tzinfo=UTC)),
    ("Europe/Madrid", date(2027, 10, 30), datetime(2027, 10, 30, 16, 0, tzinfo=UTC)),
    ("Europe/Madrid", date(2027, 11, 1), datetime(2027, 11, 1, 17, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("zone", "day", "instant"), ZONE_CASES)
def test_session_at_18_reads_18_local_time_in_the_ics(client, zone, day, instant):
    table = TableFactory(time_zone=zone, secretariat=UserFactory())
    session = move_to(schedule_session(table), day)
    assert session.starts_at == instant  # the stored instant, as the page entered it

    response = client.get(session_ics_url(session))
    assert f"DTSTART;TZID={zone}:{day:%Y%m%d}T180000".encode() in response.content
    assert f"DTEND;TZID={zone}:{day:%Y%m%d}T200000".encode() in response.content
    calendar = parse(response)
    start = calendar.events[0].decoded("DTSTART")
    assert (start.hour, start.minute) == (18, 0)
    assert start.tzinfo.key == zone
    assert start.astimezone(UTC) == instant

    # A client that knows nothing of the zone reads the hour from the VTIMEZONE's own rules.
    [vtimezone] = calendar.timezones
    assert str(vtimezone["TZID"]) == zone
    rules_only = vtimezone.to_tz(lookup_tzid=False)
    assert not isinstance(rules_only, zoneinfo.ZoneInfo)
    local = datetime.combine(day, time(18, 0), tzinfo=rules_only)
    assert local.astimezone(UTC) == instant


@pytest.mark.parametrize(("zone", "offsets"), [
    ("America/Ciudad_Juarez", {"-0700", "-0600"}),
    ("America/Mexico_City", {"-0600"}),
    ("Europe/Madrid", {"+0100", "+0200"}),
])
def test_vtimezone_carries_the_zone_offsets(client, zone, offsets):
    table = TableFactory(time_zone=zone, secretariat=UserFactory())
    session = move_to(schedule_session(table), date(2027, 6, 1))
    response = client.get(session_ics_url(session))
    [vtimezone] = parse(response).timezones
    offsets_to = {sub.decoded("TZOFFSETTO") for sub in vtimezone.subcomponents}
    assert offsets_to == {timedelta(hours=int(offset[:3])) for offset in offsets}
    for offset in offsets:
        assert f"TZOFFSETTO:{offset}".encode() in response.content


# --- Table and subcommittee feeds: what an anonymous visitor sees -----------------------


def test_table_feed_leaves_out_sessions_open_only_to_members(client, table, citizen):
    open_session = schedule_session(table)
    members_only = schedule_session(table, is_public=False)
    client.force_login(citizen)  # signed in or not, the feed is the public one
    uids = set(events_by_uid(parse(client.get(table_feed_url(table)))))
    assert uid(open_session) in uids
    assert uid(members_only) not in uids


def test_private_table_has_no_public_feed(client):
    secretariat = UserFactory()
    private = TableFactory(is_public=False, secretariat=secretariat)
    schedule_session(private, actor=secretariat)
    assert client.get(table_feed_url(private)).status_code == 404
    client.force_login(secretariat)
    assert client.get(table_feed_url(private)).status_code == 404
    subcommittee = private.subcommittees.first()
    assert client.get(subcommittee_feed_url(subcommittee)).status_code == 404


def test_unknown_table_feed_is_404(client):
    assert client.get("/t/no-such-table/sessions/calendar.ics").status_code == 404


def test_subcommittee_feed_carries_only_that_subcommittees_sessions(client, table):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    theft = table.subcommittees.get(standing_theme="violent_theft")
    mine = schedule_session(table, subcommittee=justice)
    members_only = schedule_session(table, subcommittee=justice, is_public=False)
    other = schedule_session(table, subcommittee=theft)
    plenary = schedule_session(table)
    calendar = parse(client.get(subcommittee_feed_url(justice)))
    assert set(events_by_uid(calendar)) == {uid(mine)}
    assert justice.name_es in str(calendar["X-WR-CALNAME"])
    assert {uid(members_only), uid(other), uid(plenary)}.isdisjoint(events_by_uid(calendar))


def test_unknown_subcommittee_feed_is_404(client, table):
    url = reverse("meetings:subcommittee-calendar",
                  kwargs={"table_slug": table.slug, "subcommittee_slug": "no-such-subcommittee"})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("n", [1, 10])
def test_table_feed_query_count_is_constant(client, table, n, django_assert_max_num_queries):
    session = schedule_session(table)
    services.agenda_item_add(session=session, title="Punto")
    for _ in range(n - 1):
        schedule_session(table)
    # the table's language (middleware), table, sessions (with table and subcommittee), agenda items
    with django_assert_max_num_queries(4):
        assert client.get(table_feed_url(table)).status_code == 200


# --- One session's .ics -----------------------------------------------------------------


def test_session_ics_is_an_attachment_named_after_the_code(client, table):
    session = schedule_session(table)
    response = client.get(session_ics_url(session))
    assert response["Content-Disposition"] == f'attachment; filename="{session.code}.ics"'
    assert set(events_by_uid(parse(response))) == {uid(session)}


def test_session_ics_file_name_is_sanitised(client, table):
    session = schedule_session(table)
    Session.objects.filter(pk=session.pk).update(code='PL/2027 "x"')
    response = client.get(session_ics_url(session))
    assert response["Content-Disposition"] == 'attachment; filename="PL-2027-x.ics"'


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_secretariat"])
def test_session_ics_of_a_members_only_session_is_404_for_non_members(client, table, who, request):
    session = schedule_session(table, is_public=False)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(session_ics_url(session)).status_code == 404


def test_session_ics_under_another_tables_address_is_404(client, table, other_table):
    session = schedule_session(table)
    url = reverse("meetings:session-ics", kwargs={"table_slug": other_table.slug, "pk": session.pk})
    assert client.get(url).status_code == 404


def test_member_downloads_a_members_only_session_kept_out_of_caches(client, table, citizen):
    session = schedule_session(table, is_public=False)
    client.force_login(citizen)
    response = client.get(session_ics_url(session))
    assert set(events_by_uid(parse(response))) == {uid(session)}
    assert response["Cache-Control"] == "private, no-store"


# --- The personal feed ------------------------------------------------------------------


def test_personal_feed_shows_the_members_sessions_and_not_another_tables(
        client, table, citizen, other_table):
    subcommittee = table.subcommittees.get(standing_theme="human_rights")
    members_only = schedule_session(table, is_public=False)
    subcommittee_session = schedule_session(table, subcommittee=subcommittee, is_public=False)
    elsewhere = schedule_session(other_table)
    response = client.get(personal_url(citizen))  # no one signed in: calendar apps cannot
    uids = set(events_by_uid(parse(response)))
    assert uids == {uid(members_only), uid(subcommittee_session)}
    assert uid(elsewhere) not in uids
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_personal_feed_spans_the_zones_of_all_the_persons_tables(client, citizen, table):
    madrid = TableFactory(time_zone="Europe/Madrid", secretariat=UserFactory())
    make_member(madrid, Role.CITIZEN, user=citizen)
    schedule_session(table)
    schedule_session(madrid)
    calendar = parse(client.get(personal_url(citizen)))
    assert {str(tz["TZID"]) for tz in calendar.timezones} == {"America/Ciudad_Juarez", "Europe/Madrid"}
    assert calendar.get_missing_tzids() == set()


def test_personal_feed_drops_a_table_the_person_left(client, table, citizen):
    schedule_session(table, is_public=False)
    membership = table.memberships.get(user=citizen)
    membership_end(membership=membership, actor=citizen)
    assert parse(client.get(personal_url(citizen))).events == []


def test_unknown_token_is_404(client):
    assert client.get(reverse("calendar-personal", kwargs={"token": "not-a-token"})).status_code == 404


def test_reset_token_stops_working_at_once(client, citizen):
    old_url = personal_url(citizen)
    new_feed = services.calendar_feed_reset(user=citizen)
    assert client.get(old_url).status_code == 404
    assert client.get(new_feed.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_personal_feed_query_count_is_constant(client, table, citizen, n, django_assert_max_num_queries):
    url = personal_url(citizen)
    for _ in range(n):
        schedule_session(table, is_public=False)
    # feed with its owner, their object permissions, zones of the owner's tables, sessions, agenda
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200


# --- The calendar page ------------------------------------------------------------------


def test_calendar_page_requires_login(client):
    response = client.get(reverse("calendar-settings"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_calendar_page_get_creates_nothing(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("calendar-settings"))
    assert response.status_code == 200
    assert not CalendarFeed.objects.filter(user=citizen).exists()
    assert 'name="action" value="create"' in response.text


def test_calendar_page_shows_the_private_address_once_created(client, citizen, settings):
    settings.MESA_BASE_URL = "https://mesa.example.org"
    client.force_login(citizen)
    response = client.post(reverse("calendar-settings"), {"action": "create"}, follow=True)
    feed = CalendarFeed.objects.get(user=citizen)
    assert f"https://mesa.example.org/calendar/{feed.token}.ics" in response.text
    assert response.headers["Cache-Control"] == "private, no-store"


def test_replacing_the_address_changes_the_token(client, citizen):
    old = services.calendar_feed_for(user=citizen)
    client.force_login(citizen)
    response = client.post(reverse("calendar-settings"), {"action": "reset"})
    assert response.status_code == 302
    new = CalendarFeed.objects.get(user=citizen)
    assert new.token != old.token
    client.logout()
    assert client.get(reverse("calendar-personal", kwargs={"token": old.token})).status_code == 404
    assert client.get(reverse("calendar-personal", kwargs={"token": new.token})).status_code == 200


def test_calendar_page_lists_the_public_feeds_of_the_persons_tables(client, table, citizen, settings):
    settings.MESA_BASE_URL = "https://mesa.example.org"
    private = TableFactory(is_public=False, secretariat=UserFactory(), name="Mesa reservada")
    make_member(private, Role.CITIZEN, user=citizen)
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    client.force_login(citizen)
    page = client.get(reverse("calendar-settings")).text
    assert f"https://mesa.example.org{table_feed_url(table)}" in page
    assert f"https://mesa.example.org{subcommittee_feed_url(justice)}" in page
    assert table_feed_url(private) not in page
    assert "Mesa reservada" in page


def test_profile_links_to_the_calendar_page(client, citizen):
    client.force_login(citizen)
    assert reverse("calendar-settings") in client.get(reverse("accounts:profile")).text
