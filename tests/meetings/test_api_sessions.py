"""The sessions API: who sees and runs which session, bad input, and times on the table's clocks."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from concerns.models import Visibility
from meetings import services
from meetings.models import AgendaItem, Attendance, Minutes, Session, SessionChange
from mesa.timezones import combine_in_zone
from tests.accounts.factories import UserFactory, api_token
from tests.concerns.factories import raise_concern
from tests.meetings.factories import (
    draft_proposal,
    held_session,
    schedule_session,
    secretariat_of,
    start_session,
    submitted_proposal,
)
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/sessions/"


def detail(session) -> str:
    return f"{LIST}{session.pk}/"


def act(session, name: str) -> str:
    return f"{LIST}{session.pk}/{name}/"


def saved_state():
    """Everything a refused request must leave untouched."""
    return (Session.objects.count(), SessionChange.objects.count(), AgendaItem.objects.count(),
            Attendance.objects.count(), Minutes.objects.count(),
            list(Session.objects.order_by("pk").values_list("title", "starts_at", "ends_at", "status",
                                                           "sequence")))


@pytest.fixture
def plenary(table):
    return schedule_session(table)


@pytest.fixture
def sub_session(table, subcommittee):
    return schedule_session(table, subcommittee=subcommittee, title="Sesión de acceso a la justicia")


@pytest.fixture
def body(table):
    """A valid plenary, to be spoilt one field at a time."""
    return {
        "table": table.slug,
        "title": "Sesión plenaria de marzo",
        "starts_at": "2027-03-15T18:00:00",
        "ends_at": "2027-03-15T20:00:00",
        "place": "Sala de Cabildo",
    }


# --- Scheduling ------------------------------------------------------------------------------


def test_the_secretariat_schedules_a_plenary_read_on_the_tables_clocks(as_user, table, secretariat, body):
    response = as_user(secretariat).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["starts_at"] == "2027-03-15T18:00:00-06:00"
    assert data["ends_at"] == "2027-03-15T20:00:00-06:00"
    assert data["time_zone"] == "America/Ciudad_Juarez"
    assert data["is_plenary"] is True and data["subcommittee"] is None
    assert data["status"] == "scheduled" and data["code"] == "PL-2027-03"
    session = Session.objects.get(pk=data["id"])
    assert timezone.localtime(session.starts_at, table.zone).replace(tzinfo=None) == datetime(2027, 3, 15, 18)
    assert [c["kind"] for c in data["changes"]] == ["scheduled"]


def test_a_time_with_an_offset_is_that_moment(as_user, table, secretariat, body):
    response = as_user(secretariat).post(LIST, {**body, "starts_at": "2027-03-16T00:00:00Z",
                                                "ends_at": "2027-03-16T02:00:00+00:00"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"] == "2027-03-15T18:00:00-06:00"


def test_a_coordinator_schedules_a_session_of_their_subcommittee(as_user, table, subcommittee,
                                                                  sub_coordinator, body):
    response = as_user(sub_coordinator).post(LIST, {**body, "subcommittee": subcommittee.slug},
                                             format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["subcommittee"] == subcommittee.slug
    assert response.json()["is_plenary"] is False


def test_the_secretariat_schedules_with_a_token(api, secretariat, body):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(secretariat)}")
    response = api.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["viewer"]["can_organise"] is True


def test_a_browser_session_without_the_csrf_token_cannot_schedule(secretariat, body):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(secretariat)
    before = saved_state()
    assert browser.post(LIST, body, format="json").status_code == 403
    assert saved_state() == before


def test_an_anonymous_visitor_cannot_schedule(as_user, body):
    before = saved_state()
    response = as_user(None).post(LIST, body, format="json")
    assert response.status_code in (401, 403)
    assert saved_state() == before


@pytest.mark.parametrize("spoil", [{}, {"starts_at": "not a time"}, {"title": ""}])
def test_a_citizen_cannot_schedule_and_learns_nothing_from_errors(as_user, citizen, body, spoil):
    before = saved_state()
    response = as_user(citizen).post(LIST, {**body, **spoil}, format="json")
    assert response.status_code == 403
    assert saved_state() == before


def test_a_coordinator_cannot_schedule_a_plenary(as_user, sub_coordinator, body):
    before = saved_state()
    assert as_user(sub_coordinator).post(LIST, body, format="json").status_code == 403
    assert saved_state() == before


def test_a_coordinator_of_another_subcommittee_cannot_schedule_for_this_one(
        as_user, subcommittee, other_coordinator, body):
    before = saved_state()
    response = as_user(other_coordinator).post(LIST, {**body, "subcommittee": subcommittee.slug},
                                               format="json")
    assert response.status_code == 403
    assert saved_state() == before


def test_another_tables_secretariat_cannot_schedule_here(as_user, other_secretariat, body):
    before = saved_state()
    assert as_user(other_secretariat).post(LIST, body, format="json").status_code == 403
    assert saved_state() == before


def test_an_unknown_table_is_a_400(as_user, secretariat, body):
    response = as_user(secretariat).post(LIST, {**body, "table": "no-such-table"}, format="json")
    assert response.status_code == 400
    assert "table" in response.json()


@pytest.mark.parametrize("spoil, field", [
    ({"ends_at": "2027-03-15T17:00:00"}, "ends_at"),
    ({"starts_at": "2020-01-01T18:00:00", "ends_at": "2020-01-01T20:00:00"}, "starts_at"),
    # US daylight saving starts on 14 March 2027 at 02:00: 02:30 never happens in Ciudad Juárez.
    ({"starts_at": "2027-03-14T02:30:00", "ends_at": "2027-03-14T04:00:00"}, "starts_at"),
    ({"starts_at": 1773597600}, "starts_at"),
    ({"starts_at": "2027-03-15"}, "starts_at"),
    ({"starts_at": "2027-02-30T18:00:00"}, "starts_at"),
    ({"starts_at": "9999-12-31T23:00:00"}, "starts_at"),
    ({"ends_at": "9999-12-31T23:00:00-10:00"}, "ends_at"),
    ({"starts_at": "2027-03-15T18:00:00+25:00"}, "starts_at"),
    ({"title": ["a list"]}, "title"),
    ({"title": ""}, "title"),
    ({"quorum": "many"}, "quorum"),
    ({"quorum": 0}, "quorum"),
    ({"is_public": "perhaps"}, "is_public"),
    ({"invited_institutions": "all"}, "invited_institutions"),
    ({"invited_institutions": ["x"]}, "invited_institutions"),
    ({"invited_institutions": [2**40]}, "invited_institutions"),
    ({"online_url": "not a link"}, "online_url"),
    ({"place": "", "online_url": ""}, "place"),
    ({"subcommittee": "no-such-subcommittee"}, "subcommittee"),
    ({"subcommittee": "bad\x00slug"}, "subcommittee"),
    ({"title": "x" * 201}, "title"),
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(as_user, secretariat, body, spoil,
                                                                   field):
    before = saved_state()
    response = as_user(secretariat).post(LIST, {**body, **spoil}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert saved_state() == before


def test_a_nonexistent_local_time_says_so(as_user, secretariat, body):
    response = as_user(secretariat).post(LIST, {**body, "starts_at": "2027-03-14T02:30:00",
                                                "ends_at": "2027-03-14T04:00:00"}, format="json")
    assert "does not exist" in response.json()["starts_at"][0]


def test_another_tables_institution_cannot_be_invited(as_user, other_table, secretariat, body):
    foreign = InstitutionFactory(table=other_table)
    before = saved_state()
    response = as_user(secretariat).post(LIST, {**body, "invited_institutions": [foreign.pk]},
                                         format="json")
    assert response.status_code == 400
    assert "invited_institutions" in response.json()
    assert saved_state() == before


@pytest.mark.parametrize("content", ["{", "[1, 2]", '"text"', "null"])
def test_a_malformed_body_is_a_400(as_user, secretariat, content):
    before = saved_state()
    response = as_user(secretariat).post(LIST, content, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert saved_state() == before


# --- Seeing ----------------------------------------------------------------------------------


def test_a_non_public_session_is_a_404_for_visitors_and_outsiders(as_user, table, citizen, outsider):
    session = schedule_session(table, is_public=False)
    for person in (None, outsider):
        assert as_user(person).get(detail(session)).status_code == 404
        assert as_user(person).get(LIST).json()["count"] == 0
    assert as_user(citizen).get(detail(session)).status_code == 200
    assert as_user(citizen).get(LIST).json()["count"] == 1


def test_sessions_of_a_private_table_are_for_its_members(as_user, outsider):
    table = TableFactory(is_public=False, secretariat=UserFactory())
    session = schedule_session(table)
    member = make_member(table).user
    assert as_user(None).get(detail(session)).status_code == 404
    assert as_user(outsider).get(detail(session)).status_code == 404
    assert as_user(member).get(detail(session)).status_code == 200


def test_actions_on_a_session_you_may_not_see_are_a_404(as_user, table, other_secretariat):
    session = schedule_session(table, is_public=False)
    before = saved_state()
    api = as_user(other_secretariat)
    assert api.patch(detail(session), {"title": "Nuevo"}, format="json").status_code == 404
    assert api.post(act(session, "cancel"), {"reason": "No"}, format="json").status_code == 404
    assert api.post(act(session, "rsvp"), {"answer": "yes"}, format="json").status_code == 404
    assert saved_state() == before


def test_the_list_filters(as_user, table, other_table, subcommittee, secretariat):
    plenary = schedule_session(table)
    sub_session = schedule_session(table, subcommittee=subcommittee)
    past = held_session(table, title="Pasada")
    start_session(past, ended=True)
    elsewhere = schedule_session(other_table)
    api = as_user(secretariat)

    def ids(**params):
        response = api.get(LIST, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert set(ids(table=table.slug)) == {plenary.pk, sub_session.pk, past.pk}
    assert ids(table=table.slug, plenary="false") == [sub_session.pk]
    assert ids(table=table.slug, subcommittee=subcommittee.slug) == [sub_session.pk]
    assert ids(table=table.slug, when="past") == [past.pk]
    assert past.pk not in ids(when="upcoming") and elsewhere.pk in ids(when="upcoming")
    services.session_cancel(session=plenary, actor=secretariat, reason="Sin sede")
    assert ids(table=table.slug, status="cancelled") == [plenary.pk]


@pytest.mark.parametrize("params", [{"when": "tomorrow"}, {"status": "nope"}, {"table": "a\x00b"}])
def test_bad_filters_are_a_400(as_user, params):
    response = as_user(None).get(LIST, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


# --- Editing ---------------------------------------------------------------------------------


def test_an_organiser_changes_the_details(as_user, sub_session, sub_coordinator):
    response = as_user(sub_coordinator).patch(detail(sub_session), {"title": "Nuevo título",
                                                                    "quorum": 3}, format="json")
    assert response.status_code == 200, response.json()
    sub_session.refresh_from_db()
    assert (sub_session.title, sub_session.quorum, sub_session.place) == ("Nuevo título", 3,
                                                                         "Sala de Cabildo")


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_times_change_only_through_reschedule(as_user, plenary, secretariat, field):
    before = saved_state()
    response = as_user(secretariat).patch(detail(plenary), {field: "2027-03-15T18:00:00",
                                                            "title": "Otro"}, format="json")
    assert response.status_code == 400
    assert "reschedule" in response.json()[field][0]
    assert saved_state() == before


@pytest.mark.parametrize("who", ["other_coordinator", "citizen", "other_secretariat"])
def test_others_cannot_edit_reschedule_or_cancel(request, as_user, sub_session, who):
    before = saved_state()
    api = as_user(request.getfixturevalue(who))
    new_start = (sub_session.starts_at + timedelta(days=1)).isoformat()
    new_end = (sub_session.ends_at + timedelta(days=1)).isoformat()
    assert api.patch(detail(sub_session), {"title": "Nuevo"}, format="json").status_code == 403
    assert api.post(act(sub_session, "reschedule"), {"starts_at": new_start, "ends_at": new_end,
                                                     "reason": "Choque"}, format="json").status_code == 403
    assert api.post(act(sub_session, "cancel"), {"reason": "No"}, format="json").status_code == 403
    assert api.post(act(sub_session, "agenda"), {"title": "Punto"}, format="json").status_code == 403
    assert api.post(act(sub_session, "publish_agenda")).status_code == 403
    assert saved_state() == before


def test_sessions_are_never_deleted_or_replaced(as_user, plenary, secretariat):
    api = as_user(secretariat)
    assert api.delete(detail(plenary)).status_code == 405
    assert api.put(detail(plenary), {"title": "x"}, format="json").status_code == 405
    assert Session.objects.filter(pk=plenary.pk).exists()


def test_rescheduling_keeps_the_old_time_in_the_timeline(as_user, table, secretariat):
    session = schedule_session(table, starts_at=combine_in_zone(datetime(2027, 3, 15).date(),
                                                                datetime(2027, 1, 1, 18).time(),
                                                                table.zone))
    response = as_user(secretariat).post(act(session, "reschedule"), {
        "starts_at": "2027-03-22T17:00:00", "ends_at": "2027-03-22T19:00:00", "reason": "Feriado",
    }, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "rescheduled" and data["sequence"] == 1
    assert data["starts_at"] == "2027-03-22T17:00:00-06:00"
    change = data["changes"][-1]
    assert change["kind"] == "rescheduled" and change["reason"] == "Feriado"
    assert change["old_starts_at"] == "2027-03-15T18:00:00-06:00"
    assert change["new_starts_at"] == "2027-03-22T17:00:00-06:00"


@pytest.mark.parametrize("payload, field", [
    ({"starts_at": "2027-03-22T19:00:00", "ends_at": "2027-03-22T17:00:00", "reason": "x"}, "ends_at"),
    ({"starts_at": "2027-03-22T17:00:00", "ends_at": "2027-03-22T19:00:00", "reason": " "}, "reason"),
    ({"starts_at": "2027-03-14T02:15:00", "ends_at": "2027-03-14T04:00:00", "reason": "x"}, "starts_at"),
    ({"starts_at": True, "ends_at": "2027-03-22T19:00:00", "reason": "x"}, "starts_at"),
])
def test_a_bad_reschedule_is_a_400_and_nothing_moves(as_user, plenary, secretariat, payload, field):
    before = saved_state()
    response = as_user(secretariat).post(act(plenary, "reschedule"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert saved_state() == before


def test_cancelling_needs_a_reason_and_is_shown(as_user, plenary, secretariat, citizen):
    api = as_user(secretariat)
    assert api.post(act(plenary, "cancel"), {"reason": ""}, format="json").status_code == 400
    response = api.post(act(plenary, "cancel"), {"reason": "Sin sede"}, format="json")
    assert response.status_code == 200
    data = as_user(citizen).get(detail(plenary)).json()
    assert data["status"] == "cancelled" and data["cancellation_reason"] == "Sin sede"
    assert data["changes"][-1]["kind"] == "cancelled"


# --- Attendance answers ----------------------------------------------------------------------


def test_a_member_answers_whether_they_will_come(as_user, plenary, citizen):
    api = as_user(citizen)
    response = api.post(act(plenary, "rsvp"), {"answer": "yes"}, format="json")
    assert response.status_code == 200
    assert response.json()["viewer"]["rsvp"] == "yes"
    api.post(act(plenary, "rsvp"), {"answer": "no"}, format="json")
    assert api.get(detail(plenary)).json()["viewer"]["rsvp"] == "no"


def test_a_non_member_cannot_answer(as_user, plenary, outsider):
    assert as_user(outsider).post(act(plenary, "rsvp"), {"answer": "yes"}, format="json").status_code == 403


def test_a_bad_answer_is_a_400(as_user, plenary, citizen):
    response = as_user(citizen).post(act(plenary, "rsvp"), {"answer": "perhaps"}, format="json")
    assert response.status_code == 400 and "answer" in response.json()


# --- Agenda ----------------------------------------------------------------------------------


def test_the_agenda_links_only_concerns_the_reader_may_read(as_user, table, secretariat, citizen,
                                                            plenary):
    public = raise_concern(table, reporter=citizen, title="Pública")
    restricted = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED,
                               title="Restringida")
    proposal = submitted_proposal(table, session=plenary)
    response = as_user(secretariat).post(act(plenary, "agenda"), {
        "title": "Fiscalía", "duration_minutes": 30, "concerns": [public.pk, restricted.pk],
        "proposals": [proposal.pk],
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["position"] == 1
    as_user(secretariat).post(act(plenary, "publish_agenda"))
    item = as_user(None).get(detail(plenary)).json()["agenda"][0]
    assert [c["id"] for c in item["concerns"]] == [public.pk]
    assert [p["id"] for p in item["proposals"]] == [proposal.pk]
    item = as_user(citizen).get(detail(plenary)).json()["agenda"][0]
    assert {c["id"] for c in item["concerns"]} == {public.pk, restricted.pk}


def test_the_agenda_is_hidden_until_published_except_from_organisers(as_user, table, secretariat,
                                                                     citizen):
    session = schedule_session(table, starts_at=timezone.now() + timedelta(days=60))
    services.agenda_item_add(session=session, title="Bienvenida")
    assert as_user(citizen).get(detail(session)).json()["agenda"] is None
    assert len(as_user(secretariat).get(detail(session)).json()["agenda"]) == 1
    assert as_user(secretariat).post(act(session, "publish_agenda")).status_code == 200
    assert [i["title"] for i in as_user(citizen).get(detail(session)).json()["agenda"]] == ["Bienvenida"]


def test_an_agenda_item_cannot_link_another_tables_concern(as_user, other_table, plenary, secretariat):
    foreign = raise_concern(other_table, visibility=Visibility.ANONYMOUS)
    before = saved_state()
    response = as_user(secretariat).post(act(plenary, "agenda"), {"title": "Punto",
                                                                  "concerns": [foreign.pk]},
                                         format="json")
    assert response.status_code == 400
    assert response.json()["concerns"] == ["Link only concerns raised at this table."]
    assert saved_state() == before


def test_an_agenda_item_cannot_link_a_draft_proposal(as_user, table, plenary, secretariat):
    draft = draft_proposal(table)
    before = saved_state()
    response = as_user(secretariat).post(act(plenary, "agenda"), {"title": "Punto",
                                                                  "proposals": [draft.pk]},
                                         format="json")
    assert response.status_code == 400 and "proposals" in response.json()
    assert saved_state() == before


@pytest.mark.parametrize("payload, field", [
    ({"title": ""}, "title"),
    ({"title": "Punto", "duration_minutes": "long"}, "duration_minutes"),
    ({"title": "Punto", "concerns": "1"}, "concerns"),
    ({"title": "Punto", "concerns": [None]}, "concerns"),
])
def test_a_bad_agenda_item_is_a_400(as_user, plenary, secretariat, payload, field):
    before = saved_state()
    response = as_user(secretariat).post(act(plenary, "agenda"), payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert saved_state() == before


# --- Attendance ------------------------------------------------------------------------------


@pytest.fixture
def attended(table, secretariat, citizen, official):
    """A plenary under way at which a citizen and an official were present."""
    session = held_session(table)
    institution = table.memberships.get(user=official).institution
    services.attendance_record(session=session, actor=secretariat, attendees=[citizen, official],
                               institutions=[institution])
    return session


def test_attendance_is_recorded_with_institutions_and_their_level(as_user, table, secretariat, citizen,
                                                                  official):
    session = held_session(table)
    institution = table.memberships.get(user=official).institution
    response = as_user(secretariat).post(act(session, "attendance"), {
        "attendees": [citizen.pk, official.pk], "institutions": [institution.pk],
    }, format="json")
    assert response.status_code == 200, response.json()
    attendance = response.json()["attendance"]
    assert response.json()["status"] == "held"
    assert attendance["present_count"] == 2 and attendance["recorded"] is True
    assert attendance["institutions_present"] == [{"id": institution.pk, "name": institution.name,
                                                   "acronym": institution.acronym, "level": "state"}]
    # Members of the table: the secretariat, the citizen, the official: quorum is 2.
    assert attendance["quorum_required"] == 2 and attendance["quorum_reached"] is True


def test_attendee_names_follow_the_rules(as_user, attended, secretariat, citizen, official, outsider):
    def names(person):
        attendees = as_user(person).get(detail(attended)).json()["attendance"]["attendees"]
        return None if attendees is None else {a["id"] for a in attendees}

    assert names(secretariat) == {citizen.pk, official.pk}
    assert names(citizen) == {official.pk}  # members: public-facing roles only
    assert names(outsider) is None
    assert names(None) is None
    assert as_user(None).get(detail(attended)).json()["attendance"]["present_count"] == 2


def test_attendance_cannot_name_non_members_nor_be_recorded_before_the_start(as_user, table, plenary,
                                                                             secretariat, outsider):
    before = saved_state()
    api = as_user(secretariat)
    response = api.post(act(plenary, "attendance"), {"attendees": [secretariat.pk]}, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    start_session(plenary)
    response = api.post(act(plenary, "attendance"), {"attendees": [outsider.pk]}, format="json")
    assert response.status_code == 400 and "attendees" in response.json()
    before = (before[0], *before[1:4])
    assert (Session.objects.count(), SessionChange.objects.count(), AgendaItem.objects.count(),
            Attendance.objects.count()) == before


def test_a_coordinator_of_another_subcommittee_cannot_record_attendance(as_user, table, subcommittee,
                                                                         other_coordinator, citizen):
    session = held_session(table, subcommittee=subcommittee)
    response = as_user(other_coordinator).post(act(session, "attendance"), {"attendees": [citizen.pk]},
                                               format="json")
    assert response.status_code == 403
    assert not Attendance.objects.exists()


# --- Minutes ---------------------------------------------------------------------------------


def test_minutes_are_drafted_approved_and_then_never_change(as_user, attended, secretariat, citizen):
    api = as_user(secretariat)
    assert api.post(act(attended, "minutes"), {"text": "Se acordó pedir fiscales."},
                    format="json").status_code == 200
    assert as_user(citizen).get(detail(attended)).json()["minutes"] == []
    api = as_user(secretariat)
    assert [m["is_approved"] for m in api.get(detail(attended)).json()["minutes"]] == [False]
    response = api.post(act(attended, "minutes_approve"))
    assert response.status_code == 200
    response = api.post(act(attended, "minutes"), {"text": "Otro texto"}, format="json")
    assert response.status_code == 400
    assert "approved" in response.json()["non_field_errors"][0]
    minutes = Minutes.objects.get(session=attended)
    assert minutes.text == "Se acordó pedir fiscales." and minutes.is_approved
    versions = as_user(citizen).get(detail(attended)).json()["minutes"]
    assert [(m["version"], m["text"]) for m in versions] == [(1, "Se acordó pedir fiscales.")]


def test_a_correction_is_a_new_version_and_both_stay_visible(as_user, attended, secretariat, citizen):
    draft = services.minutes_draft(session=attended, actor=secretariat, text="Original")
    services.minutes_approve(minutes=draft, actor=secretariat)
    api = as_user(secretariat)
    response = api.post(act(attended, "minutes_correct"), {"text": "Corregida", "reason": ""},
                        format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(act(attended, "minutes_correct"), {"text": "Corregida",
                                                           "reason": "Faltaba un nombre"},
                        format="json")
    assert response.status_code == 200
    api.post(act(attended, "minutes_approve"))
    versions = as_user(citizen).get(detail(attended)).json()["minutes"]
    assert [(m["version"], m["text"], m["corrects"]) for m in versions] == [
        (1, "Original", None), (2, "Corregida", 1)]
    assert versions[1]["correction_reason"] == "Faltaba un nombre"


def test_only_the_secretariat_approves_minutes(as_user, table, subcommittee, sub_coordinator,
                                               secretariat):
    session = held_session(table, subcommittee=subcommittee)
    api = as_user(sub_coordinator)
    assert api.post(act(session, "minutes"), {"text": "Borrador"}, format="json").status_code == 200
    assert api.post(act(session, "minutes_approve")).status_code == 403
    assert not Minutes.objects.get(session=session).is_approved
    assert as_user(secretariat).post(act(session, "minutes_approve")).status_code == 200


def test_approving_without_a_draft_is_a_400(as_user, attended, secretariat):
    response = as_user(secretariat).post(act(attended, "minutes_approve"))
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_minutes_before_the_session_starts_are_a_400(as_user, plenary, secretariat):
    response = as_user(secretariat).post(act(plenary, "minutes"), {"text": "Pronto"}, format="json")
    assert response.status_code == 400
    assert not Minutes.objects.exists()


# --- Time zones ------------------------------------------------------------------------------


ZONE_DATES = [
    # US daylight saving 2027: starts 14 March, ends 7 November (Ciudad Juárez follows it).
    ("America/Ciudad_Juarez", "2027-03-13", "-07:00"),
    ("America/Ciudad_Juarez", "2027-03-15", "-06:00"),
    ("America/Ciudad_Juarez", "2027-11-06", "-06:00"),
    ("America/Ciudad_Juarez", "2027-11-08", "-07:00"),
    # Mexico City has had no daylight saving time since 2022.
    ("America/Mexico_City", "2027-03-13", "-06:00"),
    ("America/Mexico_City", "2027-03-15", "-06:00"),
    ("America/Mexico_City", "2027-11-06", "-06:00"),
    ("America/Mexico_City", "2027-11-08", "-06:00"),
    # EU summer time 2027: starts 28 March, ends 31 October.
    ("Europe/Madrid", "2027-03-27", "+01:00"),
    ("Europe/Madrid", "2027-03-29", "+02:00"),
    ("Europe/Madrid", "2027-10-30", "+02:00"),
    ("Europe/Madrid", "2027-11-01", "+01:00"),
]


@pytest.mark.parametrize("zone, day, offset", ZONE_DATES)
def test_a_session_at_18_reads_18_with_the_right_offset(as_user, zone, day, offset):
    table = TableFactory(time_zone=zone, secretariat=UserFactory())
    starts_at = combine_in_zone(datetime.fromisoformat(day).date(), datetime(2027, 1, 1, 18).time(),
                                table.zone)
    session = schedule_session(table, starts_at=starts_at)
    data = as_user(None).get(detail(session)).json()
    assert data["starts_at"] == f"{day}T18:00:00{offset}"
    assert data["ends_at"] == f"{day}T20:00:00{offset}"
    assert data["time_zone"] == zone
    listed = as_user(None).get(LIST, {"table": table.slug}).json()["results"][0]
    assert listed["starts_at"] == f"{day}T18:00:00{offset}"


@pytest.mark.parametrize("zone, day, offset", ZONE_DATES)
def test_a_naive_time_sent_to_the_api_is_stored_on_the_tables_clocks(as_user, zone, day, offset):
    table = TableFactory(time_zone=zone, secretariat=UserFactory())
    response = as_user(secretariat_of(table)).post(LIST, {
        "table": table.slug, "title": "Plenaria", "place": "Sala",
        "starts_at": f"{day}T18:00:00", "ends_at": f"{day}T20:00:00",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"] == f"{day}T18:00:00{offset}"
    session = Session.objects.get(pk=response.json()["id"])
    assert session.starts_at == datetime.fromisoformat(f"{day}T18:00:00{offset}")


# --- Query budgets ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 10])
def test_visitor_list_query_count_is_constant(as_user, table, n, django_assert_max_num_queries):
    for i in range(n):
        schedule_session(table, starts_at=timezone.now() + timedelta(days=10 + i))
    api = as_user(None)
    # count, page (table and subcommittee joined)
    with django_assert_max_num_queries(2):
        response = api.get(LIST)
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 10])
def test_member_list_query_count_is_constant(as_user, table, subcommittee, citizen, n,
                                             django_assert_max_num_queries):
    for i in range(n):
        schedule_session(table, subcommittee=subcommittee if i % 2 else None, is_public=bool(i % 3),
                         starts_at=timezone.now() + timedelta(days=10 + i))
    api = as_user(citizen)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their object permissions; count, page (table and subcommittee joined)
    with django_assert_max_num_queries(5):
        response = api.get(LIST)
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 10])
def test_session_page_query_count_is_constant(as_user, table, secretariat, citizen, official, n,
                                              django_assert_max_num_queries):
    session = held_session(table)
    institution = table.memberships.get(user=official).institution
    for i in range(n):
        concern = raise_concern(table, reporter=citizen, title=f"Planteamiento {i}")
        services.agenda_item_add(session=session, title=f"Punto {i}", concerns=[concern])
        services.agreement_record(session=session, actor=secretariat, text=f"Acuerdo {i}")
        services.rsvp_set(session=session, user=make_member(table).user, answer="yes")
    services.attendance_record(session=session, actor=secretariat, attendees=[citizen, official],
                               institutions=[institution])
    api = as_user(citizen)
    api.get(detail(session))
    # session, user; the session (table, subcommittee joined, visibility as a subquery); invited
    # institutions, agenda items, their readable concerns, their readable proposals, attendances
    # (users, institutions joined), institutions present, minutes, agreements, changes; the
    # requester's perms on the table (user, groups); own answer; members for the quorum;
    # attendees' memberships
    with django_assert_max_num_queries(17):
        response = api.get(detail(session))
    assert len(response.json()["agenda"]) == n


def test_every_session_endpoint_is_in_the_schema(as_user):
    import yaml

    paths = yaml.safe_load(as_user(None).get("/api/v1/schema/").content)["paths"]
    for path in ("/api/v1/sessions/", "/api/v1/sessions/{id}/", "/api/v1/sessions/{id}/reschedule/",
                 "/api/v1/sessions/{id}/cancel/", "/api/v1/sessions/{id}/rsvp/",
                 "/api/v1/sessions/{id}/attendance/", "/api/v1/sessions/{id}/agenda/",
                 "/api/v1/sessions/{id}/publish_agenda/", "/api/v1/sessions/{id}/minutes/",
                 "/api/v1/sessions/{id}/minutes_correct/", "/api/v1/sessions/{id}/minutes_approve/"):
        assert path in paths, path
    assert "delete" not in paths["/api/v1/sessions/{id}/"]
    assert "put" not in paths["/api/v1/sessions/{id}/"]
    assert paths["/api/v1/sessions/{id}/reschedule/"]["post"]["summary"]
