"""Session pages: the upcoming list and the archive, scheduling, changing, moving and
cancelling a session, and what the session page shows, in the table's time zone,
refused to everyone who may not."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Session, SessionChange, SessionStatus
from mesa.models import GovernmentLevel, Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.meetings.factories import schedule_session, start_session
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def subcommittee(table):
    return table.subcommittees.get(standing_theme="access_to_justice")


@pytest.fixture
def other_subcommittee(table):
    return table.subcommittees.get(standing_theme="violent_theft")


@pytest.fixture
def sub_coordinator(table, subcommittee):
    """A coordinator of the access-to-justice subcommittee."""
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
    return user


@pytest.fixture
def foreign_coordinator(table, other_subcommittee):
    """A coordinator of another subcommittee of the same table."""
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=other_subcommittee, users=[user])
    return user


def list_url(table, name="session-list"):
    return reverse(f"meetings:{name}", kwargs={"table_slug": table.slug})


def url(name, session):
    return reverse(f"meetings:{name}", kwargs={"table_slug": session.table.slug, "pk": session.pk})


def at(table, day, hour=18, minute=0):
    """A wall-clock time in the table's zone on `day` (days from today)."""
    local = timezone.localtime(timezone.now(), table.zone) + timedelta(days=day)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def english(client):
    client.cookies["django_language"] = "en"
    return client


def form_data(**overrides):
    data = {
        "subcommittee": "plenary",
        "title": "Sesión plenaria de diciembre",
        "description": "Seguimiento de acuerdos.",
        "date": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "starts_at": "18:00",
        "ends_at": "20:00",
        "place": "Sala de Cabildo",
        "online_url": "",
        "is_public": "on",
        "quorum": "",
    }
    data.update(overrides)
    return data


# --- The upcoming sessions and the archive ---------------------------------------------------


def test_session_list_shows_code_title_local_time_zone_place_and_kind(client, table, subcommittee):
    plenary = schedule_session(table, starts_at=at(table, 5), title="Plenaria de la mesa")
    theirs = schedule_session(table, subcommittee=subcommittee, starts_at=at(table, 6, hour=10),
                              title="Sesión de acceso a la justicia", place="",
                              online_url="https://meet.example.org/aj")
    html = english(client).get(list_url(table)).content.decode()
    assert plenary.code in html and "Plenaria de la mesa" in html
    assert theirs.code in html and "Sesión de acceso a la justicia" in html
    assert "18:00 to 20:00" in html and "10:00 to 12:00" in html
    assert "America/Ciudad_Juarez" in html
    assert "Sala de Cabildo" in html and "Online" in html
    assert "Plenary" in html and subcommittee.name_en in html


def test_session_list_marks_rescheduled_and_cancelled_sessions_in_words(client, table, secretariat):
    moved = schedule_session(table, title="Movida")
    services.session_reschedule(session=moved, actor=secretariat, starts_at=at(table, 30),
                                ends_at=at(table, 30, hour=20), reason="Feriado")
    cancelled = schedule_session(table, title="Cancelada")
    services.session_cancel(session=cancelled, actor=secretariat, reason="Sin sala")
    html = english(client).get(list_url(table)).content.decode()
    assert "Rescheduled" in html
    assert "Cancelled" in html and "This session was cancelled." in html


def test_session_list_filters_plenaries_and_a_subcommittee(client, table, subcommittee, other_subcommittee):
    schedule_session(table, title="Plenaria uno")
    schedule_session(table, subcommittee=subcommittee, title="Justicia uno")
    schedule_session(table, subcommittee=other_subcommittee, title="Robo uno")
    plenaries = client.get(list_url(table), {"subcommittee": "plenary"}).content.decode()
    assert "Plenaria uno" in plenaries and "Justicia uno" not in plenaries and "Robo uno" not in plenaries
    justice = client.get(list_url(table), {"subcommittee": subcommittee.slug}).content.decode()
    assert "Justicia uno" in justice and "Plenaria uno" not in justice and "Robo uno" not in justice
    # The subcommittee's calendar feed is offered for the chosen subcommittee.
    assert reverse("meetings:subcommittee-calendar", kwargs={
        "table_slug": table.slug, "subcommittee_slug": subcommittee.slug}) in justice


def test_an_unknown_subcommittee_filter_shows_every_session(client, table):
    schedule_session(table, title="Plenaria uno")
    response = client.get(list_url(table), {"subcommittee": "no-such-thing"})
    assert response.status_code == 200
    assert "Plenaria uno" in response.content.decode()


def test_session_list_leaves_out_past_sessions_and_the_archive_shows_them(client, table):
    past = start_session(schedule_session(table, title="Ya pasó"), ended=True)
    schedule_session(table, title="Por venir")
    upcoming = client.get(list_url(table)).content.decode()
    assert "Por venir" in upcoming and "Ya pasó" not in upcoming
    archive = client.get(list_url(table, "session-archive")).content.decode()
    assert past.title in archive and "Por venir" not in archive


def test_the_archive_is_paginated_by_twenty(client, table):
    for n in range(21):
        schedule_session(table, title=f"Pasada {n}", starts_at=at(table, n + 1))
    # Let time pass: services refuse to schedule in the past.
    Session.objects.filter(table=table).update(starts_at=timezone.now() - timedelta(days=40),
                                               ends_at=timezone.now() - timedelta(days=39))
    first = english(client).get(list_url(table, "session-archive"))
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == 20
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(list_url(table, "session-archive"), {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_schedule_link_and_calendar_links_on_the_list(client, table, secretariat, citizen):
    schedule_url = reverse("meetings:session-create", kwargs={"table_slug": table.slug})
    client.force_login(citizen)
    html = client.get(list_url(table)).content.decode()
    assert schedule_url not in html
    assert reverse("meetings:table-calendar", kwargs={"table_slug": table.slug}) in html
    assert reverse("calendar-settings") in html
    client.force_login(secretariat)
    assert schedule_url in client.get(list_url(table)).content.decode()


def test_a_subcommittee_coordinator_is_offered_to_schedule(client, table, sub_coordinator):
    client.force_login(sub_coordinator)
    html = client.get(list_url(table)).content.decode()
    assert reverse("meetings:session-create", kwargs={"table_slug": table.slug}) in html


def test_anonymous_visitor_sees_public_sessions_of_a_public_table_only(client, table):
    public = schedule_session(table, title="Abierta a todos")
    members_only = schedule_session(table, title="Solo miembros", is_public=False)
    html = client.get(list_url(table)).content.decode()
    assert "Abierta a todos" in html and "Solo miembros" not in html
    assert client.get(url("session-detail", public)).status_code == 200
    assert client.get(url("session-detail", members_only)).status_code == 404


def test_members_see_sessions_that_are_not_public(client, table, citizen):
    members_only = schedule_session(table, title="Solo miembros", is_public=False)
    client.force_login(citizen)
    assert "Solo miembros" in client.get(list_url(table)).content.decode()
    assert client.get(url("session-detail", members_only)).status_code == 200


def test_sessions_of_a_private_table_are_hidden_from_visitors_and_outsiders(client, outsider):
    private = TableFactory(is_public=False, secretariat=UserFactory())
    session = schedule_session(private, title="Privada")
    assert client.get(list_url(private)).status_code == 403
    assert client.get(url("session-detail", session)).status_code == 404
    client.force_login(outsider)
    assert client.get(list_url(private)).status_code == 403
    assert client.get(url("session-detail", session)).status_code == 404


@pytest.mark.parametrize("n", [1, 10])
def test_session_list_query_count_is_constant(client, table, citizen, subcommittee, n,
                                              django_assert_max_num_queries):
    for i in range(n):
        schedule_session(table, subcommittee=subcommittee if i % 2 else None, starts_at=at(table, i + 1))
    client.force_login(citizen)
    client.get(list_url(table))  # fills the content-type cache guardian reads
    # session, user, table, perms (user + groups), subcommittees for the filter, count, page
    # (with table and subcommittee), secretariat's and coordinated subcommittees (schedule link)
    with django_assert_max_num_queries(10):
        assert client.get(list_url(table)).status_code == 200


# --- Scheduling -------------------------------------------------------------------------------


def test_secretariat_schedules_a_plenary_in_the_table_zone(client, table, secretariat):
    day = timezone.localdate() + timedelta(days=20)
    client.force_login(secretariat)
    response = client.post(list_url(table, "session-create"), form_data(date=day.isoformat()))
    session = Session.objects.get(table=table)
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert session.is_plenary
    assert session.starts_at == datetime(day.year, day.month, day.day, 18, 0, tzinfo=table.zone)
    assert session.ends_at == datetime(day.year, day.month, day.day, 20, 0, tzinfo=table.zone)
    assert session.code.startswith("PL-")
    assert session.created_by == secretariat


def test_schedule_form_preselects_every_institution_for_a_plenary(client, table, secretariat):
    federal = InstitutionFactory(table=table, name="Guardia Nacional", level=GovernmentLevel.FEDERAL)
    municipal = InstitutionFactory(table=table, name="Policía Municipal", level=GovernmentLevel.MUNICIPAL)
    InstitutionFactory(table=table, name="Ya no participa", is_active=False)
    client.force_login(secretariat)
    response = english(client).get(list_url(table, "session-create"))
    form = response.context["form"]
    assert set(form["invited_institutions"].value()) == {federal.pk, municipal.pk}
    html = response.content.decode()
    assert "Guardia Nacional" in html and "Ya no participa" not in html
    # Grouped by government level.
    assert "<legend>Federal</legend>" in html and "<legend>Municipal</legend>" in html


def test_schedule_form_preselects_the_subcommittee_from_the_address(client, table, secretariat, subcommittee):
    client.force_login(secretariat)
    response = client.get(list_url(table, "session-create"), {"subcommittee": subcommittee.slug})
    assert response.context["form"]["subcommittee"].value() == subcommittee.slug
    assert not response.context["form"]["invited_institutions"].value()


def test_invited_institutions_are_saved(client, table, secretariat, subcommittee):
    institution = InstitutionFactory(table=table)
    InstitutionFactory(table=table)
    client.force_login(secretariat)
    client.post(list_url(table, "session-create"), form_data(
        subcommittee=subcommittee.slug, invited_institutions=[institution.pk]))
    session = Session.objects.get(table=table)
    assert session.subcommittee == subcommittee
    assert list(session.invited_institutions.all()) == [institution]


def test_a_coordinator_schedules_only_their_subcommittees_sessions(client, table, sub_coordinator,
                                                                    subcommittee, other_subcommittee):
    client.force_login(sub_coordinator)
    choices = [value for value, _label in
               client.get(list_url(table, "session-create")).context["form"].fields["subcommittee"].choices]
    assert choices == [subcommittee.slug]
    for refused in ("plenary", other_subcommittee.slug):
        response = client.post(list_url(table, "session-create"), form_data(subcommittee=refused))
        assert response.status_code == 200
        assert "subcommittee" in response.context["form"].errors
    assert not Session.objects.exists()
    response = client.post(list_url(table, "session-create"), form_data(subcommittee=subcommittee.slug))
    assert response.status_code == 302
    assert Session.objects.get().subcommittee == subcommittee


@pytest.mark.parametrize("who", ["citizen", "official", "coordinator", "outsider", "other_secretariat"])
def test_people_who_may_not_schedule_get_403_and_nothing_is_saved(client, table, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(list_url(table, "session-create")).status_code == 403
    assert client.post(list_url(table, "session-create"), form_data()).status_code == 403
    assert not Session.objects.exists()


def test_anonymous_visitor_is_sent_to_log_in_to_schedule(client, table):
    response = client.post(list_url(table, "session-create"), form_data())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not Session.objects.exists()


def test_a_session_that_ends_before_it_starts_is_refused(client, table, secretariat):
    client.force_login(secretariat)
    response = english(client).post(list_url(table, "session-create"),
                                    form_data(starts_at="18:00", ends_at="17:00"))
    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == ["The session must end after it starts."]
    assert "The session must end after it starts." in response.content.decode()
    assert not Session.objects.exists()


def test_a_session_in_the_past_is_refused_on_its_start(client, table, secretariat):
    client.force_login(secretariat)
    # The table's yesterday: in the first hours of a UTC day, UTC's yesterday is still today there.
    yesterday = (timezone.localdate(timezone=table.zone) - timedelta(days=1)).isoformat()
    response = english(client).post(list_url(table, "session-create"), form_data(date=yesterday))
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == ["A session cannot be scheduled in the past."]
    assert not Session.objects.exists()


def test_a_time_skipped_by_daylight_saving_is_refused_clearly(client, table, secretariat):
    # 14 March 2027: clocks in Ciudad Juárez jump from 02:00 to 03:00.
    client.force_login(secretariat)
    response = english(client).post(list_url(table, "session-create"),
                                    form_data(date="2027-03-14", starts_at="02:30", ends_at="04:00"))
    assert response.status_code == 200
    [error] = response.context["form"].errors["starts_at"]
    assert "02:30 does not exist on 2027-03-14 in America/Ciudad_Juarez" in error
    assert not Session.objects.exists()


def test_a_session_without_place_or_link_is_refused(client, table, secretariat):
    client.force_login(secretariat)
    response = english(client).post(list_url(table, "session-create"), form_data(place=""))
    assert response.context["form"].errors["place"] == ["Give a place, an online meeting link, or both."]
    assert not Session.objects.exists()


def test_another_tables_institution_cannot_be_invited(client, table, secretariat, other_table):
    foreign = InstitutionFactory(table=other_table)
    client.force_login(secretariat)
    response = client.post(list_url(table, "session-create"), form_data(invited_institutions=[foreign.pk]))
    assert response.status_code == 200
    assert "invited_institutions" in response.context["form"].errors
    assert not Session.objects.exists()


# --- Changing, moving and cancelling --------------------------------------------------------


def test_organiser_changes_the_details(client, table, sub_coordinator, subcommittee):
    session = schedule_session(table, subcommittee=subcommittee, title="Antes")
    client.force_login(sub_coordinator)
    assert client.get(url("session-edit", session)).status_code == 200
    response = client.post(url("session-edit", session), {
        "title": "Después", "description": "", "place": "", "online_url": "https://meet.example.org/x",
        "quorum": "5",
    })
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.place, session.quorum, session.is_public) == ("Después", "", 5, False)
    assert session.changes.filter(kind=SessionChange.Kind.EDITED).exists()


def test_organiser_moves_a_session_and_the_timeline_keeps_the_old_time(client, table, secretariat):
    session = schedule_session(table, starts_at=at(table, 5))
    new_day = (timezone.localtime(session.starts_at, table.zone) + timedelta(days=7)).date()
    client.force_login(secretariat)
    form = client.get(url("session-reschedule", session)).context["form"]
    assert form["starts_at"].value().strftime("%H:%M") == "18:00"
    response = client.post(url("session-reschedule", session), {
        "date": new_day.isoformat(), "starts_at": "10:00", "ends_at": "12:00", "reason": "Feriado local",
    })
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.RESCHEDULED
    assert timezone.localtime(session.starts_at, table.zone).strftime("%H:%M") == "10:00"
    html = english(client).get(url("session-detail", session)).content.decode()
    assert "Moved from" in html and "at 18:00 to" in html and "at 10:00." in html
    assert "Feriado local" in html


def test_moving_needs_a_reason_and_a_valid_time(client, table, secretariat):
    session = schedule_session(table)
    before = (session.starts_at, session.ends_at)
    client.force_login(secretariat)
    day = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = english(client).post(url("session-reschedule", session),
                                    {"date": day, "starts_at": "10:00", "ends_at": "09:00", "reason": ""})
    errors = response.context["form"].errors
    assert errors["ends_at"] == ["The session must end after it starts."]
    assert "reason" in errors
    response = client.post(url("session-reschedule", session),
                           {"date": day, "starts_at": "10:00", "ends_at": "12:00", "reason": "   "})
    assert "reason" in response.context["form"].errors
    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == before
    assert session.status == SessionStatus.SCHEDULED


def test_organiser_cancels_with_a_reason_after_a_confirmation_page(client, table, secretariat):
    session = schedule_session(table)
    client.force_login(secretariat)
    english(client)
    page = client.get(url("session-cancel", session))
    assert page.status_code == 200 and "Cancel the session" in page.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED  # GET changes nothing
    response = client.post(url("session-cancel", session), {"reason": "No hay sala disponible"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    html = client.get(url("session-detail", session)).content.decode()
    assert "This session was cancelled." in html and "No hay sala disponible" in html


def test_cancelling_without_a_reason_is_refused(client, table, secretariat):
    session = schedule_session(table)
    client.force_login(secretariat)
    response = client.post(url("session-cancel", session), {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


@pytest.mark.parametrize("page", ["session-edit", "session-reschedule", "session-cancel"])
def test_a_coordinator_of_another_subcommittee_cannot_change_a_session(client, table, subcommittee,
                                                                        foreign_coordinator, page):
    session = schedule_session(table, subcommittee=subcommittee, title="Intacta")
    client.force_login(foreign_coordinator)
    assert client.get(url(page, session)).status_code == 403
    day = (timezone.localdate() + timedelta(days=30)).isoformat()
    data = {"title": "Cambiada", "place": "Otra", "date": day, "starts_at": "10:00", "ends_at": "12:00",
            "reason": "Porque sí"}
    assert client.post(url(page, session), data).status_code == 403
    fresh = Session.objects.get(pk=session.pk)
    assert (fresh.title, fresh.starts_at, fresh.status) == ("Intacta", session.starts_at, session.status)


@pytest.mark.parametrize("page", ["session-edit", "session-reschedule", "session-cancel"])
def test_citizens_cannot_change_a_session(client, table, citizen, page):
    session = schedule_session(table)
    client.force_login(citizen)
    assert client.get(url(page, session)).status_code == 403
    assert client.post(url(page, session), {"reason": "x", "title": "x"}).status_code == 403


@pytest.mark.parametrize("page", ["session-edit", "session-reschedule", "session-cancel"])
def test_another_tables_secretariat_cannot_touch_this_tables_sessions(client, table, other_secretariat,
                                                                       page):
    public = schedule_session(table, title="Pública")
    members_only = schedule_session(table, title="Privada", is_public=False)
    client.force_login(other_secretariat)
    assert client.post(url(page, public), {"reason": "x", "title": "Tomada", "place": "x"}).status_code == 403
    assert client.post(url(page, members_only), {"reason": "x", "title": "Tomada"}).status_code == 404
    assert set(Session.objects.values_list("title", "status")) == {
        ("Pública", SessionStatus.SCHEDULED), ("Privada", SessionStatus.SCHEDULED)}


def test_anonymous_visitor_is_sent_to_log_in_to_change_a_session(client, table):
    session = schedule_session(table)
    response = client.get(url("session-edit", session))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- The session page -------------------------------------------------------------------------


def test_session_page_shows_what_when_where_and_the_calendar_link(client, table, subcommittee):
    session = schedule_session(table, subcommittee=subcommittee, starts_at=at(table, 9),
                               title="Sesión de justicia", description="Revisión de casos.",
                               online_url="https://meet.example.org/aj")
    html = english(client).get(url("session-detail", session)).content.decode()
    assert session.code in html and "Sesión de justicia" in html and "Revisión de casos." in html
    assert "18:00 to 20:00" in html and "America/Ciudad_Juarez" in html
    assert "Sala de Cabildo" in html and "https://meet.example.org/aj" in html
    assert subcommittee.name_en in html and "Scheduled" in html
    assert url("session-ics", session) in html
    assert "Add to my calendar" in html


def test_organisers_see_their_actions_and_members_do_not(client, table, secretariat, citizen):
    session = schedule_session(table)
    client.force_login(secretariat)
    html = client.get(url("session-detail", session)).content.decode()
    for page in ("session-edit", "session-reschedule", "session-cancel", "agenda-item-create"):
        assert url(page, session) in html
    client.force_login(citizen)
    html = client.get(url("session-detail", session)).content.decode()
    for page in ("session-edit", "session-reschedule", "session-cancel", "agenda-item-create"):
        assert url(page, session) not in html


@pytest.mark.parametrize("day", ["2027-03-13", "2027-03-15"])
def test_a_session_at_18_reads_18_on_either_side_of_the_daylight_saving_change(client, table, secretariat,
                                                                                day):
    client.force_login(secretariat)
    client.post(list_url(table, "session-create"), form_data(date=day, starts_at="18:00", ends_at="20:00"))
    session = Session.objects.get(table=table)
    # MST (UTC-7) before 14 March 2027, MDT (UTC-6) after: 01:00 or 00:00 UTC the next day.
    assert session.starts_at.astimezone(UTC).hour == (1 if day == "2027-03-13" else 0)
    html = english(client).get(url("session-detail", session)).content.decode()
    assert "18:00 to 20:00" in html
    assert "18:00" in client.get(list_url(table)).content.decode()


@pytest.mark.parametrize("language", ["es", "en"])
def test_session_pages_render_in_spanish_and_english(client, table, secretariat, subcommittee, language):
    session = schedule_session(table, subcommittee=subcommittee)
    client.force_login(secretariat)
    client.cookies["django_language"] = language
    for address in (list_url(table), list_url(table, "session-archive"), list_url(table, "session-create"),
                    url("session-detail", session), url("session-edit", session),
                    url("session-reschedule", session), url("session-cancel", session)):
        response = client.get(address)
        assert response.status_code == 200, address
        assert response["Content-Language"] == language
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
    html = client.get(url("session-detail", session)).content.decode()
    if language == "es":
        assert subcommittee.name_es in html and "Resumen" in html
    else:
        assert subcommittee.name_en in html and "Overview" in html and "Agenda" in html


def test_a_visitor_gets_the_page_in_the_language_asked_by_the_browser_cookie(client, table):
    session = schedule_session(table)
    response = client.get(url("session-detail", session), HTTP_ACCEPT_LANGUAGE="en")
    # A table's pages speak the table's language to visitors without an explicit choice.
    assert response["Content-Language"] == "es"
    english(client)
    assert client.get(url("session-detail", session))["Content-Language"] == "en"


# --- The table's home page --------------------------------------------------------------------


def test_table_page_shows_the_next_three_sessions_and_a_link_to_all(client, table):
    for n in range(4):
        schedule_session(table, title=f"Sesión número {n}", starts_at=at(table, n + 1))
    start_session(schedule_session(table, title="Sesión pasada"), ended=True)
    html = english(client).get(table.get_absolute_url()).content.decode()
    assert "Upcoming sessions" in html
    for n in range(3):
        assert f"Sesión número {n}" in html
    assert "Sesión número 3" not in html and "Sesión pasada" not in html
    assert list_url(table) in html


def test_table_page_leaves_out_sessions_not_open_to_the_visitor(client, table):
    schedule_session(table, title="Solo para miembros", is_public=False)
    html = client.get(table.get_absolute_url()).content.decode()
    assert "Solo para miembros" not in html
