"""Who may not see or do what, from the refused side: the rules of commitments.permissions,
and the API answering 404 for what one may not see, 403 for what one may see but not do
(401 when nobody is signed in), with nothing saved.

The pages ask the same functions; their own refusal tests are in test_views.py."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from commitments import permissions, services
from commitments.models import ActionUpdate, Commitment, DeliveryReview, DueDateChange, UpdateComment
from mesa import services as mesa_services
from mesa.models import Membership, Role
from subcommittees.services import subcommittee_set_coordinators
from tests.commitments.factories import post_update, record_agreement, record_commitment
from tests.meetings.factories import held_session
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def detail(commitment) -> str:
    return f"{LIST}{commitment.pk}/"


def saved_state():
    return (
        list(Commitment.objects.order_by("pk").values_list(
            "description", "due_on", "status", "requested", "committed", "delivered")),
        DueDateChange.objects.count(), ActionUpdate.objects.count(), UpdateComment.objects.count(),
        DeliveryReview.objects.count(), Commitment.responsible_officials.through.objects.count(),
    )


def writes(commitment, update) -> dict:
    """Every write of the API on `commitment`, with a body that would be accepted."""
    later = (commitment.due_on + timedelta(days=10)).isoformat()
    today = commitment.local_today().isoformat()
    return {
        "create": ("post", LIST, {"agreement": commitment.agreement_id, "description": "Otro",
                                  "institution": commitment.institution_id, "due_on": later}),
        "edit": ("patch", detail(commitment), {"description": "Reescrito"}),
        "move": ("post", f"{detail(commitment)}move-due-date/", {"due_on": later, "reason": "Porque sí"}),
        "status": ("post", f"{detail(commitment)}set-status/", {"status": "withdrawn", "reason": "x"}),
        "update": ("post", f"{detail(commitment)}updates/", {"text": "Avance", "action_on": today,
                                                              "delivered_change": 5}),
        "comment": ("post", f"{detail(commitment)}updates/{update.pk}/comments/", {"text": "Hola"}),
        "review": ("post", f"{detail(commitment)}review/", {"verdict": "confirmed"}),
    }


def send(api, request):
    method, url, body = request
    return getattr(api, method)(url, body, format="json")


def coordinator_of(table, theme: str):
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=table.subcommittees.get(standing_theme=theme), users=[user])
    return user


@pytest.fixture
def justice_coordinator(table):
    return coordinator_of(table, "access_to_justice")


@pytest.fixture
def rights_coordinator(table):
    """Coordinates another subcommittee than the one whose session made the agreement."""
    return coordinator_of(table, "human_rights")


@pytest.fixture
def update(commitment, fge_official):
    return post_update(commitment, fge_official, delivered_change=10)


@pytest.fixture
def private_commitment(table, fge, guard, fge_official):
    """Under an agreement of a session closed to non-members, with one update."""
    session = held_session(table, is_public=False)
    agreement = record_agreement(table, institutions=[fge, guard], session=session)
    commitment = record_commitment(agreement, institution=fge, unit="fiscales", requested=10)
    post_update(commitment, fge_official, delivered_change=1)
    return commitment


def justice_commitment(table, fge, guard):
    session = held_session(table, subcommittee=table.subcommittees.get(standing_theme="access_to_justice"))
    agreement = record_agreement(table, institutions=[fge, guard], session=session)
    return record_commitment(agreement, institution=fge, unit="fiscales", requested=10)


# --- Action updates: only verified officials of the responsible institution ------------------------


@pytest.mark.parametrize("who", ["police_official", "unverified_fge_official", "official", "citizen",
                                 "secretariat", "justice_coordinator", "outsider", "other_secretariat"])
def test_only_verified_officials_of_the_institution_post_updates(request, as_user, commitment, update, who):
    person = request.getfixturevalue(who)
    assert not permissions.can_post_update(person, commitment)
    before = saved_state()
    response = send(as_user(person), writes(commitment, update)["update"])
    assert response.status_code == 403, response.content
    assert saved_state() == before


def test_a_verified_official_of_the_institution_posts(as_user, commitment, fge_official):
    assert permissions.can_post_update(fge_official, commitment)
    response = send(as_user(fge_official), writes(commitment, ActionUpdate(pk=1))["update"])
    assert response.status_code == 201, response.content


def test_an_official_who_left_the_table_no_longer_posts(as_user, commitment, fge, fge_official):
    membership = Membership.objects.get(user=fge_official, table=commitment.table)
    mesa_services.membership_end(membership=membership, actor=fge_official)
    official = type(fge_official).objects.get(pk=fge_official.pk)  # no cached permissions
    assert not permissions.can_post_update(official, commitment)
    before = saved_state()
    assert send(as_user(official), writes(commitment, ActionUpdate(pk=1))["update"]).status_code == 403
    assert saved_state() == before


def test_a_bad_body_from_someone_who_may_not_post_is_still_a_403(as_user, commitment, police_official):
    response = as_user(police_official).post(f"{detail(commitment)}updates/", {"text": ""}, format="json")
    assert response.status_code == 403


# --- A citizen, an official and a coordinator change nothing they do not keep ------------------------


@pytest.mark.parametrize("who", ["citizen", "representative", "official", "fge_official", "coordinator"])
@pytest.mark.parametrize("what", ["create", "edit", "move", "status", "comment"])
def test_members_who_do_not_keep_the_commitment_change_nothing(request, as_user, commitment, update, who,
                                                                what):
    person = request.getfixturevalue(who)
    before = saved_state()
    response = send(as_user(person), writes(commitment, update)[what])
    assert response.status_code == 403, response.content
    assert saved_state() == before


def test_a_citizen_may_see_but_not_keep(citizen, commitment, update):
    assert permissions.can_view(citizen, commitment)
    assert not permissions.can_record(citizen, commitment.agreement)
    assert not permissions.can_manage(citizen, commitment)
    assert not permissions.can_post_update(citizen, commitment)
    assert not permissions.can_comment(citizen, update)


def test_officials_of_the_institution_do_not_review_their_own_delivery(as_user, commitment, secretariat,
                                                                       fge_official):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    assert not permissions.can_review(fge_official, commitment)
    before = saved_state()
    assert send(as_user(fge_official), writes(commitment, ActionUpdate(pk=1))["review"]).status_code == 403
    assert saved_state() == before


@pytest.mark.parametrize("who", ["outsider", "other_secretariat"])
def test_only_members_review(request, as_user, commitment, secretariat, who):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
    person = request.getfixturevalue(who)
    assert not permissions.can_review(person, commitment)
    assert send(as_user(person), writes(commitment, ActionUpdate(pk=1))["review"]).status_code == 403
    assert DeliveryReview.objects.count() == 0


# --- Another table's secretariat ---------------------------------------------------------------------


@pytest.mark.parametrize("what", ["edit", "move", "status", "update", "comment", "review"])
def test_another_tables_secretariat_cannot_see_a_closed_sessions_commitment(as_user, private_commitment,
                                                                             other_secretariat, what):
    update = private_commitment.updates.get()
    assert not permissions.can_view(other_secretariat, private_commitment)
    before = saved_state()
    response = send(as_user(other_secretariat), writes(private_commitment, update)[what])
    assert response.status_code == 404, response.content
    assert saved_state() == before


def test_another_tables_secretariat_cannot_read_a_closed_sessions_commitment(as_user, private_commitment,
                                                                             other_secretariat):
    api = as_user(other_secretariat)
    assert api.get(detail(private_commitment)).status_code == 404
    assert api.get(f"{detail(private_commitment)}updates/").status_code == 404
    assert api.get(LIST).json()["count"] == 0
    with pytest.raises(Http404):
        permissions.get_commitment_for_user(other_secretariat, private_commitment.table.slug,
                                            private_commitment.pk)


def test_another_tables_secretariat_cannot_record_under_a_closed_sessions_agreement(
        as_user, private_commitment, other_secretariat):
    before = saved_state()
    response = send(as_user(other_secretariat), writes(private_commitment, ActionUpdate(pk=1))["create"])
    assert response.status_code == 400 and list(response.json()) == ["agreement"]
    assert saved_state() == before


@pytest.mark.parametrize("what", ["create", "edit", "move", "status", "update", "comment", "review"])
def test_another_tables_secretariat_sees_an_open_commitment_but_changes_nothing(as_user, commitment, update,
                                                                                 other_secretariat, what):
    assert permissions.can_view(other_secretariat, commitment)
    assert not permissions.can_manage(other_secretariat, commitment)
    before = saved_state()
    response = send(as_user(other_secretariat), writes(commitment, update)[what])
    assert response.status_code == 403, response.content
    assert saved_state() == before


def test_a_commitment_is_not_found_under_another_tables_address(other_table, commitment, secretariat):
    with pytest.raises(Http404):
        permissions.get_commitment_for_user(secretariat, other_table.slug, commitment.pk)


def test_evidence_of_a_closed_sessions_commitment_is_not_found_for_outsiders(settings, tmp_path, table,
                                                                              private_commitment,
                                                                              fge_official, outsider,
                                                                              citizen):
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 0)).save(photo, "JPEG")
    update = post_update(private_commitment, fge_official,
                         files=[SimpleUploadedFile("foto.jpg", photo.getvalue(), content_type="image/jpeg")])
    evidence = update.evidence.get()
    assert permissions.get_evidence_for_user(citizen, table.slug, evidence.pk) == evidence
    for stranger in (outsider, AnonymousUser()):
        with pytest.raises(Http404):
            permissions.get_evidence_for_user(stranger, table.slug, evidence.pk)


# --- Nobody signed in -----------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["create", "edit", "move", "status", "update", "comment", "review"])
def test_an_anonymous_visitor_writes_nothing(as_user, commitment, update, what):
    before = saved_state()
    response = send(as_user(None), writes(commitment, update)[what])
    assert response.status_code == 401, response.content
    assert saved_state() == before


@pytest.mark.parametrize("what", ["edit", "move", "update"])
def test_an_anonymous_visitor_learns_nothing_about_a_closed_commitment(as_user, private_commitment, what):
    response = send(as_user(None), writes(private_commitment, private_commitment.updates.get())[what])
    assert response.status_code == 401
    assert as_user(None).get(detail(private_commitment)).status_code == 404


# --- Who records and keeps commitments -------------------------------------------------------------------


def test_the_secretariat_records_and_keeps_commitments_of_any_session(table, fge, guard, commitment,
                                                                      secretariat):
    sub = justice_commitment(table, fge, guard)
    for each in (commitment, sub):
        assert permissions.can_record(secretariat, each.agreement)
        assert permissions.can_manage(secretariat, each)


def test_a_subcommittee_coordinator_records_for_their_sessions_agreement(as_user, table, fge, guard,
                                                                         justice_coordinator):
    commitment = justice_commitment(table, fge, guard)
    assert permissions.can_record(justice_coordinator, commitment.agreement)
    response = send(as_user(justice_coordinator), writes(commitment, ActionUpdate(pk=1))["create"])
    assert response.status_code == 201, response.content
    response = send(as_user(justice_coordinator), writes(commitment, ActionUpdate(pk=1))["move"])
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("what", ["create", "edit", "move", "status"])
def test_a_subcommittee_coordinator_does_not_record_for_a_plenary(as_user, commitment, update,
                                                                  justice_coordinator, what):
    assert not permissions.can_record(justice_coordinator, commitment.agreement)
    assert not permissions.can_manage(justice_coordinator, commitment)
    before = saved_state()
    response = send(as_user(justice_coordinator), writes(commitment, update)[what])
    assert response.status_code == 403, response.content
    assert saved_state() == before


@pytest.mark.parametrize("what", ["create", "edit", "move", "status"])
def test_a_coordinator_of_another_subcommittee_does_not_record(as_user, table, fge, guard, rights_coordinator,
                                                               what):
    commitment = justice_commitment(table, fge, guard)
    assert not permissions.can_record(rights_coordinator, commitment.agreement)
    before = saved_state()
    response = send(as_user(rights_coordinator), writes(commitment, ActionUpdate(pk=1))[what])
    assert response.status_code == 403, response.content
    assert saved_state() == before


# --- Comments: the table's coordinators and its secretariat ------------------------------------------------


@pytest.mark.parametrize("who", ["secretariat", "justice_coordinator", "rights_coordinator"])
def test_coordinators_and_the_secretariat_comment(request, as_user, commitment, update, who):
    person = request.getfixturevalue(who)
    assert permissions.can_comment(person, update)
    assert send(as_user(person), writes(commitment, update)["comment"]).status_code == 201


@pytest.mark.parametrize("who", ["citizen", "fge_official", "coordinator", "outsider", "other_secretariat"])
def test_no_one_else_comments(request, as_user, commitment, update, who):
    person = request.getfixturevalue(who)
    assert not permissions.can_comment(person, update)
    assert send(as_user(person), writes(commitment, update)["comment"]).status_code == 403
    assert UpdateComment.objects.count() == 0
