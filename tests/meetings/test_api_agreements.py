"""The agreements API: recorded by a session's organisers, withdrawn by the secretariat,
never rewritten or deleted (the API refuses, and so does the database)."""

from datetime import datetime

import pytest
from django.apps import apps
from django.db import ProgrammingError, transaction

from concerns.models import Visibility
from meetings import services
from meetings.models import Agreement, Proposal, ProposalStatus
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.meetings.factories import (
    draft_proposal,
    held_session,
    schedule_session,
    submitted_proposal,
)
from tests.mesa.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/agreements/"


def detail(agreement) -> str:
    return f"{LIST}{agreement.pk}/"


def saved_state():
    return (Agreement.objects.count(), Agreement.concerns.through.objects.count(),
            Agreement.proposals.through.objects.count(),
            list(Proposal.objects.order_by("pk").values_list("status", flat=True)),
            list(Agreement.objects.order_by("pk").values_list("text", "withdrawn_at")))


@pytest.fixture
def plenary(table):
    """A plenary under way: agreements can be recorded."""
    return held_session(table)


@pytest.fixture
def institution(table):
    return InstitutionFactory(table=table, name="Fiscalía General del Estado", acronym="FGE")


@pytest.fixture
def agreement(plenary, secretariat, institution):
    return services.agreement_record(session=plenary, actor=secretariat,
                                     text="Pedir 200 agentes del ministerio público.",
                                     responsible_institutions=[institution])


# --- Recording ---------------------------------------------------------------------------------


def test_the_secretariat_records_an_agreement(as_user, table, plenary, secretariat, citizen,
                                              institution):
    concern = raise_concern(table, reporter=citizen)
    proposal = submitted_proposal(table, session=plenary)
    response = as_user(secretariat).post(LIST, {
        "session": plenary.pk, "text": "Pedir 200 fiscales.", "concerns": [concern.pk],
        "proposals": [proposal.pk], "responsible_institutions": [institution.pk],
    }, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"] == f"{plenary.code}/1" and data["number"] == 1
    assert data["session"] == {"id": plenary.pk, "code": plenary.code}
    assert data["table"] == table.slug
    assert data["concerns"] == [{"id": concern.pk, "title": concern.title}]
    assert [p["id"] for p in data["proposals"]] == [proposal.pk]
    assert data["responsible_institutions"] == [{"id": institution.pk, "name": institution.name,
                                                 "acronym": "FGE", "level": "state"}]
    assert data["withdrawn_at"] is None
    # On the table's clocks, with its offset.
    recorded_at = datetime.fromisoformat(data["recorded_at"])
    assert recorded_at.utcoffset() == recorded_at.astimezone(table.zone).utcoffset()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AGREED


def test_a_coordinator_records_agreements_of_their_subcommittees_session(as_user, table, subcommittee,
                                                                         sub_coordinator):
    session = held_session(table, subcommittee=subcommittee)
    response = as_user(sub_coordinator).post(LIST, {"session": session.pk, "text": "Acuerdo"},
                                             format="json")
    assert response.status_code == 201, response.json()


def test_an_anonymous_visitor_cannot_record(as_user, plenary):
    before = saved_state()
    response = as_user(None).post(LIST, {"session": plenary.pk, "text": "Acuerdo"}, format="json")
    assert response.status_code in (401, 403)
    assert saved_state() == before


@pytest.mark.parametrize("who", ["citizen", "official", "other_secretariat"])
def test_people_who_do_not_run_the_session_cannot_record(request, as_user, plenary, who):
    before = saved_state()
    response = as_user(request.getfixturevalue(who)).post(
        LIST, {"session": plenary.pk, "text": "Acuerdo", "concerns": "garbage"}, format="json")
    assert response.status_code == 403
    assert saved_state() == before


def test_a_coordinator_of_another_subcommittee_cannot_record(as_user, table, subcommittee,
                                                             other_coordinator):
    session = held_session(table, subcommittee=subcommittee)
    before = saved_state()
    response = as_user(other_coordinator).post(LIST, {"session": session.pk, "text": "Acuerdo"},
                                               format="json")
    assert response.status_code == 403
    assert saved_state() == before


def test_a_session_you_may_not_see_is_no_session(as_user, table, other_secretariat):
    session = held_session(table, is_public=False)
    before = saved_state()
    response = as_user(other_secretariat).post(LIST, {"session": session.pk, "text": "Acuerdo"},
                                               format="json")
    assert response.status_code == 400
    assert "session" in response.json()
    assert saved_state() == before


@pytest.mark.parametrize("field", ["concerns", "proposals", "responsible_institutions"])
def test_another_tables_records_are_a_400_naming_the_field(as_user, other_table, plenary, secretariat,
                                                           field):
    foreign = {
        "concerns": lambda: raise_concern(other_table, visibility=Visibility.ANONYMOUS),
        "proposals": lambda: submitted_proposal(other_table),
        "responsible_institutions": lambda: InstitutionFactory(table=other_table),
    }[field]()
    before = saved_state()
    response = as_user(secretariat).post(LIST, {"session": plenary.pk, "text": "Acuerdo",
                                                field: [foreign.pk]}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert "this table" in response.json()[field][0]
    assert saved_state() == before


@pytest.mark.parametrize("payload, field", [
    ({"text": "Acuerdo"}, "session"),
    ({"session": "abc", "text": "Acuerdo"}, "session"),
    ({"session": 2**40, "text": "Acuerdo"}, "session"),
    ({"session": None, "text": "Acuerdo"}, "session"),
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "Acuerdo", "concerns": "1"}, "concerns"),
    ({"text": "Acuerdo", "concerns": [0]}, "concerns"),
    ({"text": "Acuerdo", "proposals": [999999]}, "proposals"),
    ({"text": "Acuerdo", "responsible_institutions": [{"id": 1}]}, "responsible_institutions"),
])
def test_bad_input_is_a_400_and_nothing_is_saved(as_user, plenary, secretariat, payload, field):
    payload = {"session": plenary.pk, **payload} if field != "session" else payload
    before = saved_state()
    response = as_user(secretariat).post(LIST, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert saved_state() == before


def test_a_draft_proposal_cannot_be_agreed(as_user, table, plenary, secretariat):
    draft = draft_proposal(table)
    before = saved_state()
    response = as_user(secretariat).post(LIST, {"session": plenary.pk, "text": "Acuerdo",
                                                "proposals": [draft.pk]}, format="json")
    assert response.status_code == 400 and "proposals" in response.json()
    assert saved_state() == before


def test_no_agreement_before_the_session_starts(as_user, table, secretariat):
    session = schedule_session(table)
    response = as_user(secretariat).post(LIST, {"session": session.pk, "text": "Acuerdo"}, format="json")
    assert response.status_code == 400
    assert not Agreement.objects.exists()


# --- Never rewritten, never deleted ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_agreements_cannot_be_changed_or_deleted_through_the_api(as_user, agreement, secretariat,
                                                                 method):
    response = getattr(as_user(secretariat), method)(detail(agreement), {"text": "Otro"}, format="json")
    assert response.status_code == 405
    agreement.refresh_from_db()
    assert agreement.text == "Pedir 200 agentes del ministerio público."


def test_the_database_refuses_a_raw_change_or_deletion(agreement):
    with pytest.raises(ProgrammingError), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(text="Reescrito")
    with pytest.raises(ProgrammingError), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).delete()
    agreement.refresh_from_db()
    assert agreement.text == "Pedir 200 agentes del ministerio público."


def test_withdrawing_keeps_the_text_and_the_history_shows_the_original(as_user, agreement, secretariat):
    response = as_user(secretariat).post(f"{detail(agreement)}withdraw/", {"reason": "Se duplicó"},
                                         format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["withdrawn_at"] is not None and data["withdrawal_reason"] == "Se duplicó"
    assert data["text"] == "Pedir 200 agentes del ministerio público."
    events = apps.get_model("meetings", "AgreementEvent").objects.filter(pgh_obj=agreement.pk)
    assert [(e.text, e.withdrawn_at is None) for e in events.order_by("pgh_id")] == [
        ("Pedir 200 agentes del ministerio público.", True),
        ("Pedir 200 agentes del ministerio público.", False),
    ]


def test_withdrawing_needs_a_reason_and_happens_once(as_user, agreement, secretariat):
    api = as_user(secretariat)
    url = f"{detail(agreement)}withdraw/"
    assert api.post(url, {"reason": " "}, format="json").status_code == 400
    assert api.post(url, {"reason": "Duplicado"}, format="json").status_code == 200
    response = api.post(url, {"reason": "Otra vez"}, format="json")
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.withdrawal_reason == "Duplicado"


@pytest.mark.parametrize("who", ["citizen", "coordinator", "other_secretariat"])
def test_only_the_secretariat_withdraws(request, as_user, table, agreement, who):
    person = request.getfixturevalue(who)
    if who == "coordinator":
        subcommittee_set_coordinators(subcommittee=table.subcommittees.first(), users=[person])
    response = as_user(person).post(f"{detail(agreement)}withdraw/", {"reason": "No"}, format="json")
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert not agreement.is_withdrawn


def test_withdrawing_an_agreement_you_may_not_see_is_a_404(as_user, table, secretariat, outsider):
    session = held_session(table, is_public=False)
    hidden = services.agreement_record(session=session, actor=secretariat, text="Reservado")
    response = as_user(outsider).post(f"{detail(hidden)}withdraw/", {"reason": "No"}, format="json")
    assert response.status_code == 404
    assert as_user(None).get(detail(hidden)).status_code == 404


# --- Reading ---------------------------------------------------------------------------------------


def test_linked_concerns_are_listed_only_to_those_who_may_read_them(as_user, table, plenary, secretariat,
                                                                   citizen):
    public = raise_concern(table, reporter=citizen, title="Pública")
    restricted = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED,
                               title="Restringida")
    agreement = services.agreement_record(session=plenary, actor=secretariat, text="Acuerdo",
                                          concerns=[public, restricted])
    visitor = as_user(None).get(detail(agreement)).json()
    assert [c["id"] for c in visitor["concerns"]] == [public.pk]
    member = as_user(citizen).get(detail(agreement)).json()
    assert {c["id"] for c in member["concerns"]} == {public.pk, restricted.pk}
    listed = as_user(None).get(LIST).json()["results"][0]
    assert [c["id"] for c in listed["concerns"]] == [public.pk]


def test_agreements_of_a_non_public_session_are_for_members(as_user, table, secretariat, citizen,
                                                            outsider):
    session = held_session(table, is_public=False)
    agreement = services.agreement_record(session=session, actor=secretariat, text="Reservado")
    assert as_user(None).get(detail(agreement)).status_code == 404
    assert as_user(outsider).get(LIST).json()["count"] == 0
    assert as_user(citizen).get(detail(agreement)).status_code == 200


def test_the_list_filters(as_user, table, other_table, plenary, secretariat, institution):
    first = services.agreement_record(session=plenary, actor=secretariat, text="Uno",
                                      responsible_institutions=[institution])
    second = services.agreement_record(session=plenary, actor=secretariat, text="Dos")
    services.agreement_withdraw(agreement=second, actor=secretariat, reason="Duplicado")
    other_session = held_session(table, title="Otra")
    third = services.agreement_record(session=other_session, actor=secretariat, text="Tres")
    elsewhere = held_session(other_table)
    services.agreement_record(session=elsewhere, actor=elsewhere.created_by, text="Fuera")
    api = as_user(None)

    def ids(**params):
        response = api.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(table=table.slug) == {first.pk, second.pk, third.pk}
    assert ids(session=plenary.pk) == {first.pk, second.pk}
    assert ids(institution=institution.pk) == {first.pk}
    assert ids(table=table.slug, withdrawn="true") == {second.pk}
    assert ids(table=table.slug, withdrawn="false") == {first.pk, third.pk}


@pytest.mark.parametrize("params", [{"session": "abc"}, {"institution": str(2**40)}, {"session": "-1"}])
def test_bad_filters_are_a_400(as_user, params):
    response = as_user(None).get(LIST, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant(as_user, table, plenary, secretariat, citizen, institution, n,
                                      django_assert_max_num_queries):
    for i in range(n):
        concern = raise_concern(table, reporter=citizen, title=f"Planteamiento {i}")
        services.agreement_record(session=plenary, actor=secretariat, text=f"Acuerdo {i}",
                                  concerns=[concern], responsible_institutions=[institution])
    api = as_user(citizen)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their object permissions; count, page (table, session, subcommittee joined);
    # responsible institutions, readable concerns, readable proposals
    with django_assert_max_num_queries(8):
        response = api.get(LIST)
    assert response.json()["count"] == n


def test_every_agreement_endpoint_is_in_the_schema_without_changes_or_deletion(as_user):
    import yaml

    paths = yaml.safe_load(as_user(None).get("/api/v1/schema/").content)["paths"]
    assert set(paths["/api/v1/agreements/"]) == {"get", "post"}
    assert set(paths["/api/v1/agreements/{id}/"]) == {"get"}
    assert paths["/api/v1/agreements/{id}/withdraw/"]["post"]["summary"]
