"""The proposals API: drafted by a subcommittee's coordinators, submitted to a plenary,
decided by the secretariat; drafts seen only by those who work on them."""

import pytest

from concerns.models import Visibility
from meetings import services
from meetings.models import Proposal, ProposalStatus
from subcommittees.services import subcommittee_archive
from tests.concerns.factories import raise_concern
from tests.meetings.factories import draft_proposal, schedule_session, submitted_proposal
from tests.mesa.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/proposals/"


def detail(proposal) -> str:
    return f"{LIST}{proposal.pk}/"


def saved_state():
    return (Proposal.objects.count(), Proposal.concerns.through.objects.count(),
            list(Proposal.objects.order_by("pk").values_list("title", "status", "session_id",
                                                             "quantity", "unit", "decision_note")))


@pytest.fixture
def concern(table, subcommittee):
    return raise_concern(table, subcommittee=subcommittee, visibility=Visibility.ANONYMOUS,
                         title="Denuncias sin seguimiento")


@pytest.fixture
def institution(table):
    return InstitutionFactory(table=table, name="Fiscalía General del Estado", acronym="FGE")


@pytest.fixture
def body(table, subcommittee, concern, institution):
    """A valid proposal, to be spoilt one field at a time."""
    return {
        "table": table.slug,
        "subcommittee": subcommittee.slug,
        "title": "200 agentes del ministerio público",
        "request": "Pedimos 200 agentes del ministerio público, no 5,000 policías más.",
        "institution": institution.pk,
        "quantity": 200,
        "unit": "agentes del ministerio público",
        "concerns": [concern.pk],
    }


@pytest.fixture
def draft(table, subcommittee, sub_coordinator):
    return draft_proposal(table, subcommittee=subcommittee, actor=sub_coordinator)


@pytest.fixture
def plenary(table):
    return schedule_session(table)


# --- Drafting ----------------------------------------------------------------------------------


def test_a_coordinator_drafts_a_proposal_of_their_subcommittee(as_user, table, subcommittee,
                                                               sub_coordinator, body, concern,
                                                               institution):
    response = as_user(sub_coordinator).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft" and data["session"] is None
    assert data["subcommittee"]["slug"] == subcommittee.slug and data["table"] == table.slug
    assert (data["quantity"], data["unit"]) == (200, "agentes del ministerio público")
    assert data["institution"]["id"] == institution.pk
    assert data["concerns"] == [{"id": concern.pk, "title": concern.title}]
    assert Proposal.objects.get(pk=data["id"]).drafted_by == sub_coordinator


def test_the_secretariat_drafts_for_any_subcommittee(as_user, secretariat, body):
    assert as_user(secretariat).post(LIST, body, format="json").status_code == 201


def test_an_anonymous_visitor_cannot_draft(as_user, body):
    before = saved_state()
    assert as_user(None).post(LIST, body, format="json").status_code in (401, 403)
    assert saved_state() == before


@pytest.mark.parametrize("who", ["citizen", "official", "other_coordinator", "other_secretariat"])
def test_others_cannot_draft_and_learn_nothing_from_errors(request, as_user, body, who):
    before = saved_state()
    api = as_user(request.getfixturevalue(who))
    assert api.post(LIST, body, format="json").status_code == 403
    assert api.post(LIST, {**body, "concerns": "garbage", "title": ""}, format="json").status_code == 403
    assert saved_state() == before


@pytest.mark.parametrize("spoil, field", [
    ({"concerns": []}, "concerns"),
    ({"concerns": "1"}, "concerns"),
    ({"title": ""}, "title"),
    ({"request": None}, "request"),
    ({"quantity": "doscientos"}, "quantity"),
    ({"quantity": -1}, "quantity"),
    ({"unit": ""}, "unit"),
    ({"institution": "FGE"}, "institution"),
    ({"institution": 2**40}, "institution"),
    ({"subcommittee": "no-such-subcommittee"}, "subcommittee"),
    ({"subcommittee": None}, "subcommittee"),
])
def test_bad_input_is_a_400_naming_the_field(as_user, sub_coordinator, secretariat, body, spoil, field):
    before = saved_state()
    response = as_user(secretariat).post(LIST, {**body, **spoil}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert saved_state() == before


@pytest.mark.parametrize("field", ["concerns", "institution"])
def test_another_tables_records_are_a_400(as_user, other_table, secretariat, body, field):
    if field == "concerns":
        value = [raise_concern(other_table, visibility=Visibility.ANONYMOUS).pk]
    else:
        value = InstitutionFactory(table=other_table).pk
    before = saved_state()
    response = as_user(secretariat).post(LIST, {**body, field: value}, format="json")
    assert response.status_code == 400
    assert "this table" in response.json()[field][0]
    assert saved_state() == before


def test_an_archived_subcommittee_takes_no_new_proposals(as_user, subcommittee, secretariat, body):
    subcommittee_archive(subcommittee=subcommittee)
    before = saved_state()
    response = as_user(secretariat).post(LIST, body, format="json")
    assert response.status_code == 400 and "subcommittee" in response.json()
    assert saved_state() == before


# --- Seeing ------------------------------------------------------------------------------------


def test_a_draft_is_seen_only_by_its_coordinators_and_the_secretariat(as_user, draft, sub_coordinator,
                                                                      secretariat, citizen,
                                                                      other_coordinator, outsider):
    for person in (sub_coordinator, secretariat):
        assert as_user(person).get(detail(draft)).status_code == 200
    for person in (None, citizen, other_coordinator, outsider):
        assert as_user(person).get(detail(draft)).status_code == 404
        assert as_user(person).get(LIST).json()["count"] == 0


def test_a_submitted_proposal_is_public_at_a_public_table(as_user, table, citizen):
    proposal = submitted_proposal(table)
    response = as_user(None).get(detail(proposal))
    assert response.status_code == 200
    assert response.json()["session"]["code"] == proposal.session.code
    # The anonymous concern behind it is for the table's members only.
    assert response.json()["concerns"] == []
    concern = proposal.concerns.get()
    assert as_user(citizen).get(detail(proposal)).json()["concerns"] == [{"id": concern.pk,
                                                                          "title": concern.title}]


def test_the_list_filters(as_user, table, subcommittee, secretariat):
    draft = draft_proposal(table, subcommittee=subcommittee)
    submitted = submitted_proposal(table, subcommittee=subcommittee)
    other_subcommittee = table.subcommittees.exclude(pk=subcommittee.pk).first()
    elsewhere = draft_proposal(table, subcommittee=other_subcommittee)
    api = as_user(secretariat)

    def ids(**params):
        response = api.get(LIST, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(table=table.slug) == {draft.pk, submitted.pk, elsewhere.pk}
    assert ids(table=table.slug, subcommittee=subcommittee.slug) == {draft.pk, submitted.pk}
    assert ids(status="submitted") == {submitted.pk}
    assert api.get(LIST, {"status": "maybe"}).status_code == 400


# --- Changing a draft --------------------------------------------------------------------------


def test_a_draft_changes(as_user, draft, sub_coordinator):
    response = as_user(sub_coordinator).patch(detail(draft), {"title": "150 fiscales", "quantity": 150,
                                                              "unit": "fiscales"}, format="json")
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert (draft.title, draft.quantity, draft.unit) == ("150 fiscales", 150, "fiscales")
    assert draft.concerns.count() == 1


def test_a_submitted_proposal_does_not_change(as_user, table, secretariat):
    proposal = submitted_proposal(table)
    before = saved_state()
    response = as_user(secretariat).patch(detail(proposal), {"title": "Otra cosa"}, format="json")
    assert response.status_code == 400
    assert saved_state() == before


@pytest.mark.parametrize("who", ["other_coordinator", "other_secretariat", "citizen"])
def test_others_cannot_change_or_submit_a_proposal(request, as_user, table, subcommittee, plenary, who):
    proposal = submitted_proposal(table, subcommittee=subcommittee)
    draft = draft_proposal(table, subcommittee=subcommittee)
    before = saved_state()
    api = as_user(request.getfixturevalue(who))
    # A submitted proposal can be seen (403); a draft cannot (404).
    assert api.patch(detail(proposal), {"title": "Otra"}, format="json").status_code == 403
    assert api.patch(detail(draft), {"title": "Otra"}, format="json").status_code == 404
    assert api.post(f"{detail(draft)}submit/", {"session": plenary.pk}, format="json").status_code == 404
    assert saved_state() == before


def test_proposals_are_never_deleted_or_replaced(as_user, draft, secretariat):
    api = as_user(secretariat)
    assert api.delete(detail(draft)).status_code == 405
    assert api.put(detail(draft), {"title": "x"}, format="json").status_code == 405
    assert Proposal.objects.filter(pk=draft.pk).exists()


# --- Submitting and deciding -------------------------------------------------------------------


def test_a_draft_is_submitted_to_an_upcoming_plenary(as_user, draft, plenary, sub_coordinator):
    response = as_user(sub_coordinator).post(f"{detail(draft)}submit/", {"session": plenary.pk},
                                             format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert response.json()["session"] == {"id": plenary.pk, "code": plenary.code}
    assert response.json()["submitted_at"] is not None


@pytest.mark.parametrize("target", ["subcommittee_session", "other_tables_plenary", "nonexistent",
                                    "text"])
def test_a_draft_is_submitted_only_to_a_plenary_of_its_table(as_user, table, other_table, subcommittee,
                                                             draft, sub_coordinator, target):
    session = {
        "subcommittee_session": lambda: schedule_session(table, subcommittee=subcommittee).pk,
        "other_tables_plenary": lambda: schedule_session(other_table).pk,
        "nonexistent": lambda: 999999,
        "text": lambda: "PL-2027-03",
    }[target]()
    before = saved_state()
    response = as_user(sub_coordinator).post(f"{detail(draft)}submit/", {"session": session},
                                             format="json")
    assert response.status_code == 400
    assert "session" in response.json()
    assert saved_state() == before


def test_the_secretariat_marks_a_proposal_discussed_or_rejected(as_user, table, secretariat):
    proposal = submitted_proposal(table)
    api = as_user(secretariat)
    response = api.post(f"{detail(proposal)}decide/", {"status": "discussed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "discussed"
    response = api.post(f"{detail(proposal)}decide/", {"status": "rejected", "note": ""}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api.post(f"{detail(proposal)}decide/", {"status": "rejected", "note": "Sin presupuesto"},
                        format="json")
    assert response.status_code == 200
    assert response.json()["decision_note"] == "Sin presupuesto"


@pytest.mark.parametrize("status", ["agreed", "draft", "submitted", 1])
def test_deciding_accepts_only_discussed_or_rejected(as_user, table, secretariat, status):
    proposal = submitted_proposal(table)
    response = as_user(secretariat).post(f"{detail(proposal)}decide/", {"status": status}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_a_draft_cannot_be_decided(as_user, draft, secretariat):
    response = as_user(secretariat).post(f"{detail(draft)}decide/", {"status": "discussed"}, format="json")
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.is_draft


def test_coordinators_do_not_decide(as_user, table, subcommittee, sub_coordinator):
    proposal = submitted_proposal(table, subcommittee=subcommittee)
    response = as_user(sub_coordinator).post(f"{detail(proposal)}decide/", {"status": "discussed"},
                                             format="json")
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


# --- Query budget and schema -------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant(as_user, table, subcommittee, citizen, institution, n,
                                      django_assert_max_num_queries):
    session = schedule_session(table)
    for i in range(n):
        proposal = draft_proposal(table, subcommittee=subcommittee, title=f"Propuesta {i}",
                                  institution=institution, quantity=i + 1, unit="fiscales")
        services.proposal_submit(proposal=proposal, session=session)
    api = as_user(citizen)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user; coordinated subcommittees (visibility rule); count, page (visibility as
    # subqueries; table, subcommittee, institution, session joined); readable concerns
    with django_assert_max_num_queries(6):
        response = api.get(LIST)
    assert response.json()["count"] == n


def test_every_proposal_endpoint_is_in_the_schema(as_user):
    import yaml

    paths = yaml.safe_load(as_user(None).get("/api/v1/schema/").content)["paths"]
    assert set(paths["/api/v1/proposals/"]) == {"get", "post"}
    assert set(paths["/api/v1/proposals/{id}/"]) == {"get", "patch"}
    for action in ("submit", "decide"):
        assert paths[f"/api/v1/proposals/{{id}}/{action}/"]["post"]["summary"]
