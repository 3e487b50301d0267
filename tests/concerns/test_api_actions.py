"""The concerns API: supports, follows, answers, triage, the reporter's steps, ratings.

Every action from the refused side too: the visitor (401), someone who may
not read the concern (404, the same as a concern that does not exist),
someone who may read it but not do this (403); and nothing saved.
"""

import pytest

from concerns import services
from concerns.models import (
    Answer,
    Concern,
    ConcernAssignment,
    ConcernEvent,
    Follow,
    Rating,
    Reply,
    Status,
    Support,
    Visibility,
)
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.mesa.factories import InstitutionFactory, OrganisationFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/concerns/"


def url(concern, action: str) -> str:
    return f"{LIST}{concern.pk}/{action}/"


def rating_url(answer) -> str:
    return f"/api/v1/answers/{answer.pk}/rating/"


def state(concern=None):
    """Everything a refused request must leave untouched."""
    rows = (Concern.objects.filter(pk=concern.pk).values().get() if concern else None)
    return (rows, ConcernEvent.objects.count(), Support.objects.count(), Follow.objects.count(),
            Answer.objects.count(), Reply.objects.count(), Rating.objects.count(),
            ConcernAssignment.objects.count())


@pytest.fixture
def coordinator(table, subcommittee):
    person = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[person])
    return person


@pytest.fixture
def other_coordinator(table, subcommittee):
    person = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(
        subcommittee=table.subcommittees.exclude(pk=subcommittee.pk).first(), users=[person])
    return person


@pytest.fixture
def concern(table, citizen, subcommittee):
    return raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED,
                         subcommittee=subcommittee)


@pytest.fixture
def private_table(db):
    return TableFactory(is_public=False)


def _refused(as_user, people, method, target, data, expected_status):
    for person in people:
        response = getattr(as_user(person), method)(target, data, format="json")
        assert response.status_code == expected_status, (person, response.content)
        assert set(response.json()) == {"detail"}


# --- Supports ------------------------------------------------------------------------------


def test_a_member_supports_a_concern_once_and_withdraws(as_user, concern):
    supporter = make_member(concern.table).user
    api = as_user(supporter)
    for _ in range(2):
        response = api.post(url(concern, "support"), {}, format="json")
        assert response.status_code == 200, response.content
    data = response.json()
    assert data["support_count"] == 1 and data["viewer"]["supporting"] is True
    assert data["viewer"]["following"] is True
    response = api.delete(url(concern, "support"))
    assert response.status_code == 200
    assert response.json()["support_count"] == 0 and response.json()["viewer"]["supporting"] is False


def test_support_is_refused_to_the_reporter_visitors_and_outsiders(as_user, concern, citizen,
                                                                    outsider, other_secretariat):
    before = state(concern)
    _refused(as_user, [None], "post", url(concern, "support"), {}, 401)
    _refused(as_user, [None], "delete", url(concern, "support"), {}, 401)
    _refused(as_user, [outsider, other_secretariat], "post", url(concern, "support"), {}, 404)
    _refused(as_user, [outsider], "delete", url(concern, "support"), {}, 404)
    _refused(as_user, [citizen], "post", url(concern, "support"), {}, 403)  # their own
    assert state(concern) == before


def test_a_public_concern_at_a_public_table_is_supported_by_members_only(as_user, table, citizen,
                                                                          outsider):
    concern = raise_concern(table, reporter=citizen)
    before = state(concern)
    _refused(as_user, [outsider], "post", url(concern, "support"), {}, 403)  # reads it, no member
    assert state(concern) == before


def test_a_representative_endorses_a_public_concern_in_the_organisations_name(
    as_user, table, citizen, representative
):
    concern = raise_concern(table, reporter=citizen)
    organisation = representative.memberships.get(table=table).organisation
    response = as_user(representative).post(url(concern, "support"),
                                             {"organisation": organisation.pk}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["endorsements"] == [{"id": organisation.pk, "name": organisation.name}]
    assert data["viewer"]["endorsing_organisation"] == organisation.pk
    assert representative.display_name not in response.content.decode()


def test_an_endorsement_needs_an_organisation_one_represents_at_this_table(
    as_user, table, citizen, other_table
):
    concern = raise_concern(table, reporter=citizen)
    supporter = make_member(table).user
    before = state(concern)
    for organisation in (OrganisationFactory(table=table), OrganisationFactory(table=other_table)):
        response = as_user(supporter).post(url(concern, "support"), {"organisation": organisation.pk},
                                           format="json")
        assert response.status_code == 400 and "organisation" in response.json()
    assert state(concern) == before


def test_endorsements_of_a_restricted_concern_are_not_listed(as_user, concern, representative):
    organisation = representative.memberships.get(table=concern.table).organisation
    response = as_user(representative).post(url(concern, "support"),
                                            {"organisation": organisation.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["endorsements"] == [] and response.json()["support_count"] == 1


# --- Follows -------------------------------------------------------------------------------


def test_a_reader_follows_and_unfollows(as_user, table, citizen, outsider):
    concern = raise_concern(table, reporter=citizen)
    api = as_user(outsider)  # reads public concerns of a public table
    response = api.post(url(concern, "follow"), {}, format="json")
    assert response.status_code == 200 and response.json()["viewer"]["following"] is True
    assert Follow.objects.filter(concern=concern, user=outsider).exists()
    response = api.delete(url(concern, "follow"))
    assert response.status_code == 200 and response.json()["viewer"]["following"] is False
    assert not Follow.objects.filter(concern=concern, user=outsider).exists()


def test_follow_is_refused_to_visitors_and_those_who_may_not_read(as_user, concern, outsider):
    before = state(concern)
    _refused(as_user, [None], "post", url(concern, "follow"), {}, 401)
    _refused(as_user, [outsider], "post", url(concern, "follow"), {}, 404)
    _refused(as_user, [outsider], "delete", url(concern, "follow"), {}, 404)
    assert state(concern) == before


# --- Official answers ---------------------------------------------------------------------


@pytest.fixture
def assigned(table, concern, secretariat):
    """An accepted concern assigned to an institution, and a verified official of it."""
    institution = InstitutionFactory(table=table)
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    return institution, official


def test_an_official_of_an_assigned_institution_answers(as_user, concern, assigned):
    institution, official = assigned
    response = as_user(official).post(url(concern, "answers"),
                                      {"institution": institution.pk, "text": "Enviamos patrulla."},
                                      format="json")
    assert response.status_code == 201, response.content
    assert response.json()["institution"]["id"] == institution.pk
    assert response.json()["author"] == {"display_name": official.display_name}
    concern.refresh_from_db()
    assert concern.status == Status.ANSWERED and concern.first_answer_at is not None
    detail = as_user(official).get(f"{LIST}{concern.pk}/").json()
    assert detail["viewer"]["answer_as"] == [institution.pk]
    assert detail["first_answer_at"] is not None


def test_answers_are_refused_to_everyone_else(as_user, table, concern, assigned, citizen,
                                              secretariat, pending_official, outsider):
    institution, official = assigned
    unassigned_official = make_member(table, Role.OFFICIAL).user
    unverified = make_member(table, Role.OFFICIAL, institution=institution, verified=False).user
    payload = {"institution": institution.pk, "text": "Atendido."}
    before = state(concern)
    _refused(as_user, [None], "post", url(concern, "answers"), payload, 401)
    _refused(as_user, [outsider], "post", url(concern, "answers"), payload, 404)
    _refused(as_user, [citizen, secretariat, pending_official, unassigned_official, unverified],
             "post", url(concern, "answers"), payload, 403)
    # An official answering in the name of an institution they do not belong to; empty text.
    other = InstitutionFactory(table=table)
    services.concern_assign(concern=concern, institutions=[other], actor=secretariat)
    before = state(concern)
    for bad in ({"institution": other.pk, "text": "Atendido."},
                {"institution": institution.pk, "text": ""},
                {"institution": "x", "text": "Atendido."},
                {"text": "Atendido."}):
        response = as_user(official).post(url(concern, "answers"), bad, format="json")
        assert response.status_code == 400, bad
    assert state(concern) == before


# --- Triage -----------------------------------------------------------------------------------


def test_a_coordinator_accepts_and_rejects_with_a_reason(as_user, table, concern, coordinator, citizen):
    response = as_user(coordinator).post(url(concern, "status"), {"status": "accepted"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    other = raise_concern(table, reporter=citizen, subcommittee=concern.subcommittee)
    response = as_user(coordinator).post(url(other, "status"),
                                         {"status": "rejected", "reason": "Fuera de la mesa."},
                                         format="json")
    assert response.status_code == 200
    assert response.json()["status_reason"] == "Fuera de la mesa."
    # The reporter reads the reason; the rejected concern leaves the lists.
    assert as_user(citizen).get(f"{LIST}{other.pk}/").json()["status_reason"] == "Fuera de la mesa."
    assert other.pk not in [r["id"] for r in as_user(citizen).get(LIST).json()["results"]]


TRIAGE_ACTIONS = ["status", "assign", "reroute", "duplicate", "hide", "unhide"]


@pytest.mark.parametrize("action", TRIAGE_ACTIONS)
def test_triage_is_refused_to_everyone_but_coordinators_and_the_secretariat(
    as_user, table, concern, citizen, other_coordinator, outsider, other_secretariat, action
):
    official = make_member(table, Role.OFFICIAL).user
    original = raise_concern(table, reporter=citizen)
    payload = {
        "status": {"status": "accepted"},
        "assign": {"institutions": [InstitutionFactory(table=table).pk]},
        "reroute": {"subcommittee": table.subcommittees.last().pk, "reason": "Tema."},
        "duplicate": {"original": original.pk},
        "hide": {"reason": "Abuso."},
        "unhide": {},
    }[action]
    before = state(concern)
    _refused(as_user, [None], "post", url(concern, action), payload, 401)
    _refused(as_user, [outsider, other_secretariat], "post", url(concern, action), payload, 404)
    _refused(as_user, [citizen, official, other_coordinator], "post", url(concern, action), payload,
             403)
    assert state(concern) == before


@pytest.mark.parametrize("action, payload, field", [
    ("status", {"status": "resolved"}, "non_field_errors"),  # not from "submitted"
    ("status", {"status": "rejected"}, "reason"),
    ("status", {"status": "gone"}, "status"),
    ("assign", {"institutions": []}, "institutions"),
    ("assign", {"institutions": ["OTHER_INSTITUTION"]}, "institutions"),
    ("assign", {"institutions": ["INSTITUTION"]}, "non_field_errors"),  # not accepted yet
    ("reroute", {"subcommittee": "OTHER_SUBCOMMITTEE", "reason": "Tema."}, "subcommittee"),
    ("reroute", {"subcommittee": "SAME_SUBCOMMITTEE", "reason": "Tema."}, "subcommittee"),
    ("reroute", {"subcommittee": "SUBCOMMITTEE", "reason": ""}, "reason"),
    ("duplicate", {"original": "OTHER_CONCERN"}, "original"),
    ("duplicate", {"original": "SELF"}, "original"),
    ("duplicate", {"original": "PRIVATE_CONCERN"}, "original"),
    ("hide", {"reason": ""}, "reason"),
    ("hide", {}, "reason"),
])
def test_bad_triage_input_is_a_400_and_saves_nothing(as_user, table, other_table, concern,
                                                       coordinator, private_table, action, payload,
                                                       field):
    replacements = {
        "OTHER_INSTITUTION": InstitutionFactory(table=other_table).pk,
        "INSTITUTION": InstitutionFactory(table=table).pk,
        "OTHER_SUBCOMMITTEE": other_table.subcommittees.first().pk,
        "SAME_SUBCOMMITTEE": concern.subcommittee_id,
        "SUBCOMMITTEE": table.subcommittees.exclude(pk=concern.subcommittee_id).first().pk,
        "OTHER_CONCERN": raise_concern(other_table, reporter=make_member(other_table).user).pk,
        "PRIVATE_CONCERN": raise_concern(private_table, reporter=make_member(private_table).user).pk,
        "SELF": concern.pk,
    }

    def replace(value):
        if isinstance(value, list):
            return [replace(v) for v in value]
        return replacements.get(value, value)

    data = {k: replace(v) for k, v in payload.items()}
    before = state(concern)
    response = as_user(coordinator).post(url(concern, action), data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert state(concern) == before


def test_a_coordinator_assigns_reroutes_and_marks_a_duplicate(as_user, table, concern, coordinator,
                                                              secretariat, citizen):
    institution = InstitutionFactory(table=table)
    api = as_user(coordinator)
    api.post(url(concern, "status"), {"status": "accepted"}, format="json")
    response = api.post(url(concern, "assign"), {"institutions": [institution.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert ConcernAssignment.objects.filter(concern=concern, institution=institution).exists()
    original = raise_concern(table, reporter=citizen, subcommittee=concern.subcommittee)
    supporter = make_member(table).user
    services.support_add(concern=concern, user=supporter)
    response = api.post(url(concern, "duplicate"), {"original": original.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["duplicate_of"] == original.pk
    assert Support.objects.filter(concern=original, user=supporter).exists()
    target = table.subcommittees.exclude(pk=concern.subcommittee_id).first()
    # Rerouted away from the coordinator's subcommittee: the secretariat still can.
    response = as_user(secretariat).post(url(concern, "reroute"),
                                         {"subcommittee": target.pk, "reason": "Es de otro tema."},
                                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["subcommittee"]["id"] == target.pk


def test_a_coordinator_hides_and_shows_again(as_user, table, concern, coordinator, citizen,
                                             secretariat):
    reader = make_member(table).user
    response = as_user(coordinator).post(url(concern, "hide"), {"reason": "Insultos."}, format="json")
    assert response.status_code == 200 and response.json()["hidden"] is True
    assert as_user(reader).get(f"{LIST}{concern.pk}/").status_code == 404
    for person in (citizen, coordinator, secretariat):
        assert as_user(person).get(f"{LIST}{concern.pk}/").status_code == 200
    # A reader may not act on what they may no longer read.
    assert as_user(reader).post(url(concern, "support"), {}, format="json").status_code == 404
    response = as_user(coordinator).post(url(concern, "unhide"), {}, format="json")
    assert response.status_code == 200 and response.json()["hidden"] is False
    assert as_user(reader).get(f"{LIST}{concern.pk}/").status_code == 200


# --- The reporter's steps ------------------------------------------------------------------


@pytest.fixture
def resolved(concern, assigned, secretariat):
    institution, official = assigned
    services.answer_post(concern=concern, institution=institution, author=official, text="Hecho.")
    services.concern_set_status(concern=concern, status=Status.RESOLVED, actor=secretariat)
    return concern


@pytest.mark.parametrize("action, payload", [
    ("reply", {"text": "Gracias."}),
    ("confirm", {}),
    ("reopen", {"reason": "Siguen cobrando."}),
    ("consent", {"consent": True}),
])
def test_only_the_reporter_replies_confirms_reopens_and_consents(
    as_user, table, resolved, coordinator, secretariat, outsider, action, payload
):
    supporter = make_member(table).user
    services.support_add(concern=resolved, user=supporter)
    before = state(resolved)
    _refused(as_user, [None], "post", url(resolved, action), payload, 401)
    _refused(as_user, [outsider], "post", url(resolved, action), payload, 404)
    _refused(as_user, [supporter, coordinator, secretariat], "post", url(resolved, action), payload, 403)
    assert state(resolved) == before


def test_the_reporter_replies_reopens_and_confirms(as_user, resolved, citizen):
    api = as_user(citizen)
    response = api.post(url(resolved, "reply"), {"text": "Gracias."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["replies"][-1]["text"] == "Gracias."
    response = api.post(url(resolved, "reopen"), {"reason": "Volvieron."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    response = api.post(url(resolved, "confirm"), {}, format="json")
    assert response.status_code == 400  # in progress, not resolved
    resolved.refresh_from_db()


@pytest.mark.parametrize("action, payload, field", [
    ("reply", {"text": ""}, "text"),
    ("reply", {"text": "x" * 10_001}, "text"),
    ("reopen", {"reason": ""}, "reason"),
    ("consent", {}, "consent"),
    ("consent", {"consent": "perhaps"}, "consent"),
])
def test_bad_reporter_input_is_a_400_and_saves_nothing(as_user, resolved, citizen, action, payload,
                                                        field):
    before = state(resolved)
    response = as_user(citizen).post(url(resolved, action), payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert state(resolved) == before


def test_consent_is_only_for_restricted_concerns(as_user, table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.PUBLIC)
    before = state(concern)
    response = as_user(citizen).post(url(concern, "consent"), {"consent": True}, format="json")
    assert response.status_code == 400
    assert state(concern) == before


# --- Ratings ----------------------------------------------------------------------------------


@pytest.fixture
def answer(concern, assigned):
    institution, official = assigned
    return services.answer_post(concern=concern, institution=institution, author=official,
                                text="Hecho.")


def test_the_reporter_and_supporters_rate_an_answer_once_each(as_user, table, concern, answer,
                                                              citizen):
    supporter = make_member(table).user
    services.support_add(concern=concern, user=supporter)
    for person, score in ((citizen, 2), (supporter, 4), (supporter, 5)):
        response = as_user(person).put(rating_url(answer), {"score": score, "comment": "Bien."},
                                       format="json")
        assert response.status_code == 200, response.content
        assert response.json()["score"] == score and response.json()["answer"] == answer.pk
    assert sorted(Rating.objects.filter(answer=answer).values_list("score", flat=True)) == [2, 5]
    detail = as_user(supporter).get(f"{LIST}{concern.pk}/").json()
    assert detail["answers"][0]["my_rating"]["score"] == 5


def test_ratings_are_refused_to_others(as_user, table, answer, secretariat, outsider):
    reader = make_member(table).user
    before = state()
    _refused(as_user, [None], "put", rating_url(answer), {"score": 3}, 401)
    _refused(as_user, [outsider], "put", rating_url(answer), {"score": 3}, 404)
    _refused(as_user, [reader, secretariat], "put", rating_url(answer), {"score": 3}, 403)
    assert as_user(reader).put("/api/v1/answers/999999/rating/", {"score": 3},
                               format="json").status_code == 404
    assert state() == before


@pytest.mark.parametrize("payload", [{"score": 0}, {"score": 6}, {"score": "x"}, {},
                                     {"score": 3, "comment": "x" * 1001}])
def test_bad_ratings_are_a_400_and_save_nothing(as_user, answer, citizen, payload):
    before = state()
    response = as_user(citizen).put(rating_url(answer), payload, format="json")
    assert response.status_code == 400
    assert state() == before


# --- Not found and wrong methods ------------------------------------------------------------


def test_actions_on_a_concern_that_does_not_exist_are_a_json_404(as_user, citizen):
    for action in ("support", "follow", "status", "reply"):
        response = as_user(citizen).post(f"{LIST}999999/{action}/", {}, format="json")
        assert response.status_code == 404 and set(response.json()) == {"detail"}


def test_concerns_are_never_deleted_or_edited(as_user, concern, secretariat):
    api = as_user(secretariat)
    for method in ("delete", "put", "patch"):
        response = getattr(api, method)(f"{LIST}{concern.pk}/", {}, format="json")
        assert response.status_code == 405
    assert Concern.objects.filter(pk=concern.pk).exists()
