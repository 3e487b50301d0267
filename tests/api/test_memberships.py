import pytest

from mesa import permissions
from mesa.models import Membership, MembershipChange, Role
from mesa.services import membership_end
from tests.accounts.factories import UserFactory
from tests.mesa.factories import InstitutionFactory, OrganisationFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/memberships/"


def membership_of(user, table) -> Membership:
    return Membership.objects.filter(user=user, table=table).latest("joined_at")


def url(membership, action=""):
    return f"{LIST}{membership.pk}/" + (f"{action}/" if action else "")


def state(membership):
    """Everything a refused request must leave untouched."""
    row = Membership.objects.filter(pk=membership.pk).values().get()
    return row, MembershipChange.objects.filter(membership=membership).count()


def ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def crowd(table, other_table, citizen, official, pending_official, representative, secretariat):
    """Everyone at the table, plus a second citizen and the other table's people."""
    return {
        "citizen": membership_of(citizen, table),
        "second_citizen": make_member(table, Role.CITIZEN),
        "official": membership_of(official, table),
        "pending_official": membership_of(pending_official, table),
        "representative": membership_of(representative, table),
        "secretariat": membership_of(secretariat, table),
        "other_citizen": make_member(other_table, Role.CITIZEN),
        "other_official": make_member(other_table, Role.OFFICIAL),
        "other_secretariat": other_table.memberships.get(role=Role.SECRETARIAT),
    }


# --- Who sees whom --------------------------------------------------------------------


def test_anonymous_visitor_must_sign_in_to_see_memberships(as_user, crowd):
    api = as_user(None)
    for target in (LIST, url(crowd["official"])):
        response = api.get(target)
        assert response.status_code == 401
        assert "detail" in response.json()


def test_a_citizen_sees_public_facing_people_of_their_table_and_themself_only(as_user, crowd, citizen):
    response = as_user(citizen).get(LIST)
    expected = {crowd[k].pk for k in ("citizen", "official", "representative", "secretariat")}
    assert ids(response) == expected
    body = response.content.decode()
    assert crowd["second_citizen"].user.display_name not in body
    assert crowd["other_official"].user.display_name not in body
    assert all(row["email"] is None for row in response.json()["results"])
    assert "@" not in body


def test_an_official_does_not_see_the_citizen_list(as_user, crowd, official):
    seen = ids(as_user(official).get(LIST))
    assert crowd["citizen"].pk not in seen
    assert crowd["second_citizen"].pk not in seen
    assert crowd["pending_official"].pk not in seen  # an unverified claim is not public


def test_a_person_at_no_table_sees_nothing(as_user, crowd, outsider):
    assert ids(as_user(outsider).get(LIST)) == set()


def test_secretariat_sees_everyone_at_its_table_with_emails_and_no_emails_elsewhere(
    as_user, crowd, table, other_table, secretariat
):
    make_member(other_table, Role.CITIZEN, user=secretariat)
    rows = {row["id"]: row for row in as_user(secretariat).get(LIST).json()["results"]}
    mine = {m.pk for k, m in crowd.items() if not k.startswith("other")}
    assert mine <= set(rows)
    assert crowd["other_citizen"].pk not in rows
    for pk in mine:
        assert rows[pk]["email"] == Membership.objects.get(pk=pk).user.email
    assert rows[crowd["other_official"].pk]["email"] is None
    assert rows[membership_of(secretariat, other_table).pk]["email"] is None


@pytest.mark.parametrize(
    "person, target",
    [
        ("citizen", "second_citizen"),
        ("citizen", "pending_official"),
        ("citizen", "other_official"),
        ("official", "citizen"),
        ("outsider", "secretariat"),
        ("other_secretariat", "citizen"),
        ("other_secretariat", "official"),
    ],
)
def test_a_membership_the_requester_may_not_see_is_a_404(request, as_user, crowd, person, target):
    user = request.getfixturevalue(person)
    response = as_user(user).get(url(crowd[target]))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_member_sees_a_public_facing_membership_in_detail(as_user, crowd, citizen):
    response = as_user(citizen).get(url(crowd["official"]))
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": crowd["official"].user_id,
                            "display_name": crowd["official"].user.display_name}
    assert body["institution"]["id"] == crowd["official"].institution_id
    assert body["verified"] is True
    assert body["email"] is None


def test_a_left_membership_is_seen_by_its_person_and_the_secretariat_only(
    as_user, crowd, citizen, official, secretariat
):
    left = membership_end(membership=crowd["official"], actor=official)
    assert left.pk in ids(as_user(official).get(LIST))
    assert left.pk in ids(as_user(secretariat).get(LIST))
    assert left.pk not in ids(as_user(citizen).get(LIST))


def test_memberships_filter_by_table_role_and_status(as_user, crowd, table, other_table, secretariat):
    make_member(other_table, Role.CITIZEN, user=secretariat)
    api = as_user(secretariat)
    assert ids(api.get(LIST, {"table": other_table.slug})) == {
        membership_of(secretariat, other_table).pk, crowd["other_official"].pk,
        crowd["other_secretariat"].pk,
    }
    assert ids(api.get(LIST, {"table": table.slug, "role": "citizen"})) == {
        crowd["citizen"].pk, crowd["second_citizen"].pk}
    assert ids(api.get(LIST, {"table": table.slug, "status": "pending"})) == {
        crowd["pending_official"].pk}
    membership_end(membership=crowd["second_citizen"], actor=secretariat)
    assert ids(api.get(LIST, {"table": table.slug, "status": "left"})) == {
        crowd["second_citizen"].pk}
    assert crowd["second_citizen"].pk not in ids(api.get(LIST, {"status": "active"}))


@pytest.mark.parametrize("query", [{"status": "gone"}, {"role": "king"}])
def test_an_unknown_filter_value_is_a_400(as_user, crowd, secretariat, query):
    response = as_user(secretariat).get(LIST, query)
    assert response.status_code == 400
    assert next(iter(query)) in response.json()


@pytest.mark.parametrize("n", [1, 10])
@pytest.mark.parametrize("viewer", ["secretariat", "member"])
def test_membership_list_query_count_is_constant(as_user, n, viewer, django_assert_max_num_queries):
    table = TableFactory(secretariat=UserFactory())
    for _ in range(n):
        make_member(table, Role.OFFICIAL)
        make_member(table, Role.REPRESENTATIVE)
    if viewer == "secretariat":
        person = table.memberships.get(role=Role.SECRETARIAT).user
    else:
        person = make_member(table, Role.CITIZEN).user
    api = as_user(person)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their two-step device (django-otp; the secretariat's), their object
    # permissions, count, page (with user, table, institution, organisation joined), the tables
    # whose members the requester manages
    with django_assert_max_num_queries(7):
        response = api.get(LIST)
    assert response.json()["count"] >= 2 * n


# --- Joining -------------------------------------------------------------------------------


def test_a_person_joins_a_table_as_a_citizen(as_user, table, outsider):
    response = as_user(outsider).post(LIST, {"table": table.slug}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["role"], body["verified"], body["user"]["id"]) == ("citizen", True, outsider.pk)
    assert permissions.is_member(type(outsider).objects.get(pk=outsider.pk), table)


def test_an_official_claim_waits_for_the_secretariat(as_user, table, outsider):
    institution = InstitutionFactory(table=table)
    response = as_user(outsider).post(
        LIST, {"table": table.slug, "role": "official", "institution": institution.pk,
               "position": "Fiscal"}, format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["pending_verification"] is True
    fresh = type(outsider).objects.get(pk=outsider.pk)
    assert not permissions.can_act_as_official(fresh, table)


def test_anonymous_visitor_cannot_join(as_user, table):
    before = Membership.objects.count()
    response = as_user(None).post(LIST, {"table": table.slug}, format="json")
    assert response.status_code == 401
    assert Membership.objects.count() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "secretariat"}, "role"),
        ({"role": "coordinator"}, "role"),
        ({"role": "king"}, "role"),
        ({"role": "official"}, "institution"),
        ({"role": "representative"}, "organisation"),
        ({"role": "official", "institution": "other_table"}, "institution"),
        ({"role": "representative", "organisation": "other_table"}, "organisation"),
        ({"role": "official", "institution": 999999}, "institution"),
        ({"role": "official", "institution": "abc"}, "institution"),
        ({"role": "official", "institution": "inactive"}, "institution"),
        ({"table": "no-such-table"}, "table"),
        ({"table": None}, "table"),
        ({"position": "x" * 151}, "position"),
        ({"role": ["citizen"]}, "role"),
    ],
)
def test_bad_joins_are_a_400_and_nothing_is_saved(as_user, table, other_table, outsider, body, field):
    body = {"table": table.slug, **body}
    if body.get("institution") == "other_table":
        body["institution"] = InstitutionFactory(table=other_table).pk
    if body.get("institution") == "inactive":
        body["institution"] = InstitutionFactory(table=table, is_active=False).pk
    if body.get("organisation") == "other_table":
        body["organisation"] = OrganisationFactory(table=other_table).pk
    before = Membership.objects.count()
    response = as_user(outsider).post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Membership.objects.count() == before


def test_joining_twice_is_a_400(as_user, table, citizen):
    before = Membership.objects.count()
    response = as_user(citizen).post(LIST, {"table": table.slug}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert Membership.objects.count() == before


def test_an_unconfirmed_email_cannot_join(as_user, table):
    unconfirmed = UserFactory(email_verified_at=None)
    response = as_user(unconfirmed).post(LIST, {"table": table.slug}, format="json")
    assert response.status_code == 400
    assert not Membership.objects.filter(user=unconfirmed).exists()


def test_a_body_that_is_not_json_is_a_400(as_user, table, outsider):
    response = as_user(outsider).post(LIST, data="table=", content_type="application/json")
    assert response.status_code == 400
    assert not Membership.objects.filter(user=outsider).exists()


# --- Verifying and refusing claims ----------------------------------------------------------------


def test_secretariat_verifies_a_claim(as_user, table, secretariat, pending_official):
    membership = membership_of(pending_official, table)
    response = as_user(secretariat).post(url(membership, "verify"))
    assert response.status_code == 200, response.json()
    assert response.json()["verified"] is True
    fresh = type(pending_official).objects.get(pk=pending_official.pk)
    assert permissions.can_act_as_official(fresh, table)


def test_verifying_a_citizen_is_a_400(as_user, table, secretariat, citizen):
    membership = membership_of(citizen, table)
    before = state(membership)
    response = as_user(secretariat).post(url(membership, "verify"))
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert state(membership) == before


# A visible membership but no power: 403. A membership the requester may not see: 404.
REFUSED_ON_CLAIM = [
    (None, 401),
    ("pending_official", 403),  # their own claim
    ("citizen", 404),
    ("official", 404),
    ("coordinator", 404),
    ("outsider", 404),
    ("other_secretariat", 404),
]


@pytest.mark.parametrize("person, code", REFUSED_ON_CLAIM)
@pytest.mark.parametrize("action, body", [("verify", {}), ("refuse", {"note": "No consta"})])
def test_only_the_tables_secretariat_decides_on_a_claim(
    request, as_user, table, pending_official, person, code, action, body
):
    membership = membership_of(pending_official, table)
    before = state(membership)
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).post(url(membership, action), body, format="json")
    assert response.status_code == code
    assert "detail" in response.json()
    assert state(membership) == before


def test_a_member_cannot_verify_a_visible_membership(as_user, table, citizen, official):
    membership = membership_of(official, table)
    response = as_user(citizen).post(url(membership, "verify"))
    assert response.status_code == 403


def test_secretariat_refuses_a_claim_with_a_reason(as_user, table, secretariat, pending_official):
    membership = membership_of(pending_official, table)
    response = as_user(secretariat).post(url(membership, "refuse"),
                                         {"note": "No trabaja en la Fiscalía"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["role"], body["institution"]) == ("citizen", None)
    change = MembershipChange.objects.filter(membership=membership).first()
    assert change.note == "No trabaja en la Fiscalía"


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}, {"note": "x" * 501},
                                  {"note": {"a": 1}}])
def test_refusing_needs_a_reason_of_sensible_length(as_user, table, secretariat, pending_official, body):
    membership = membership_of(pending_official, table)
    before = state(membership)
    response = as_user(secretariat).post(url(membership, "refuse"), body, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert state(membership) == before


# --- Ending ----------------------------------------------------------------------------------------


def test_a_person_leaves_a_table(as_user, table, citizen):
    membership = membership_of(citizen, table)
    response = as_user(citizen).post(url(membership, "end"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["left_at"] is not None
    assert MembershipChange.objects.filter(membership=membership).first().action == "left"


def test_secretariat_removes_a_member(as_user, table, secretariat, citizen):
    membership = membership_of(citizen, table)
    response = as_user(secretariat).post(url(membership, "end"), {"note": "Baja"}, format="json")
    assert response.status_code == 200
    change = MembershipChange.objects.filter(membership=membership).first()
    assert (change.action, change.note, change.actor) == ("removed", "Baja", secretariat)


@pytest.mark.parametrize(
    "person, code",
    [(None, 401), ("citizen", 403), ("representative", 403), ("pending_official", 403),
     ("outsider", 404), ("other_secretariat", 404)],
)
def test_nobody_else_ends_a_membership(request, as_user, table, official, person, code):
    membership = membership_of(official, table)
    before = state(membership)
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).post(url(membership, "end"), {}, format="json")
    assert response.status_code == code
    assert state(membership) == before


def test_the_last_secretariat_member_cannot_leave(as_user, table, secretariat):
    membership = membership_of(secretariat, table)
    before = state(membership)
    response = as_user(secretariat).post(url(membership, "end"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert state(membership) == before


def test_leaving_twice_is_a_400(as_user, table, citizen):
    membership = membership_end(membership=membership_of(citizen, table), actor=citizen)
    response = as_user(citizen).post(url(membership, "end"), {}, format="json")
    assert response.status_code == 400


def test_a_huge_note_is_a_400(as_user, table, secretariat, citizen):
    membership = membership_of(citizen, table)
    before = state(membership)
    response = as_user(secretariat).post(url(membership, "end"), {"note": "x" * 5000}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert state(membership) == before


# --- Changing roles ------------------------------------------------------------------------------------


def test_secretariat_makes_a_citizen_a_coordinator(as_user, table, secretariat, citizen):
    membership = membership_of(citizen, table)
    response = as_user(secretariat).patch(url(membership), {"role": "coordinator", "note": "Acuerdo"},
                                          format="json")
    assert response.status_code == 200, response.json()
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_an_official_appointed_by_the_secretariat_is_verified(as_user, table, secretariat, citizen):
    membership = membership_of(citizen, table)
    institution = InstitutionFactory(table=table)
    response = as_user(secretariat).patch(
        url(membership), {"role": "official", "institution": institution.pk, "position": "Fiscal"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["role"], body["verified"], body["position"]) == ("official", True, "Fiscal")


@pytest.mark.parametrize(
    "person, code",
    [(None, 401), ("citizen", 403), ("official", 403), ("coordinator", 403),
     ("pending_official", 403), ("outsider", 404), ("other_secretariat", 404)],
)
def test_only_the_tables_secretariat_changes_roles(request, as_user, table, representative, person, code):
    membership = membership_of(representative, table)
    before = state(membership)
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).patch(url(membership), {"role": "secretariat"}, format="json")
    assert response.status_code == code
    assert state(membership) == before


def test_a_person_cannot_change_their_own_role(as_user, table, citizen):
    membership = membership_of(citizen, table)
    before = state(membership)
    response = as_user(citizen).patch(url(membership), {"role": "secretariat"}, format="json")
    assert response.status_code == 403
    assert state(membership) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "king"}, "role"),
        ({}, "role"),
        ({"role": "official"}, "institution"),
        ({"role": "official", "institution": "other_table"}, "institution"),
        ({"role": "official", "institution": 999999}, "institution"),
        ({"role": "representative", "organisation": "x"}, "organisation"),
        ({"role": "coordinator", "position": "x" * 151}, "position"),
        ({"role": "coordinator", "note": "x" * 501}, "note"),
    ],
)
def test_bad_role_changes_are_a_400_and_nothing_is_saved(
    as_user, table, other_table, secretariat, citizen, body, field
):
    membership = membership_of(citizen, table)
    if body.get("institution") == "other_table":
        body["institution"] = InstitutionFactory(table=other_table).pk
    before = state(membership)
    response = as_user(secretariat).patch(url(membership), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert state(membership) == before


def test_the_last_secretariat_member_cannot_step_down(as_user, table, secretariat):
    membership = membership_of(secretariat, table)
    before = state(membership)
    response = as_user(secretariat).patch(url(membership), {"role": "citizen"}, format="json")
    assert response.status_code == 400
    assert state(membership) == before


@pytest.mark.parametrize("method", ["put", "delete"])
def test_memberships_are_never_replaced_or_deleted(as_user, table, secretariat, citizen, method):
    membership = membership_of(citizen, table)
    before = state(membership)
    response = getattr(as_user(secretariat), method)(url(membership), {"role": "citizen"},
                                                     format="json")
    assert response.status_code == 405
    assert state(membership) == before
