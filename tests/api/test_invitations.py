import pytest

from mesa import services
from mesa.models import Invitation, Role
from tests.mesa.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/invitations/"


@pytest.fixture
def invitation(table, secretariat):
    return services.invitation_create(table=table, email="nueva@example.org", role=Role.CITIZEN,
                                      invited_by=secretariat)


@pytest.fixture
def their_invitation(other_table, other_secretariat):
    return services.invitation_create(table=other_table, email="otra@example.org", role=Role.CITIZEN,
                                      invited_by=other_secretariat)


def test_secretariat_lists_the_invitations_of_its_table_only(
    as_user, secretariat, invitation, their_invitation
):
    response = as_user(secretariat).get(LIST)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [invitation.pk]
    assert rows[0]["email"] == "nueva@example.org"
    assert rows[0]["invited_by"]["id"] == secretariat.pk
    assert invitation.token not in response.content.decode()


def test_the_invitation_link_is_never_in_the_api(as_user, secretariat, invitation):
    response = as_user(secretariat).get(f"{LIST}{invitation.pk}/")
    assert response.status_code == 200
    assert "token" not in response.json()
    assert invitation.token not in response.content.decode()
    assert as_user(secretariat).get(f"{LIST}{invitation.token}/").status_code == 404


def test_anonymous_visitor_must_sign_in(as_user, invitation):
    api = as_user(None)
    assert api.get(LIST).status_code == 401
    assert api.get(f"{LIST}{invitation.pk}/").status_code == 401


@pytest.mark.parametrize(
    "person", ["citizen", "official", "pending_official", "coordinator", "outsider", "other_secretariat"]
)
def test_nobody_but_the_tables_secretariat_sees_its_invitations(request, as_user, invitation, person):
    api = as_user(request.getfixturevalue(person))
    response = api.get(LIST)
    assert response.status_code == 200
    assert invitation.pk not in {row["id"] for row in response.json()["results"]}
    assert "nueva@example.org" not in response.content.decode()
    assert api.get(f"{LIST}{invitation.pk}/").status_code == 404


@pytest.mark.parametrize("n", [1, 10])
def test_invitation_list_query_count_is_constant(
    as_user, table, secretariat, n, django_assert_max_num_queries
):
    institution = InstitutionFactory(table=table)
    for i in range(n):
        services.invitation_create(table=table, email=f"p{i}@example.org", role=Role.OFFICIAL,
                                   institution=institution, invited_by=secretariat)
    api = as_user(secretariat)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their two-step device (django-otp), their object permissions, count, page
    # (table, institution, organisation and inviter joined)
    with django_assert_max_num_queries(6):
        response = api.get(LIST)
    assert response.json()["count"] == n


def test_secretariat_invites_and_the_link_is_mailed(
    as_user, table, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    institution = InstitutionFactory(table=table)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(secretariat).post(
            LIST, {"table": table.slug, "email": "Fiscal@Example.org", "role": "official",
                   "institution": institution.pk}, format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["role"], body["is_open"]) == ("fiscal@example.org", "official", True)
    assert "token" not in body
    invitation = Invitation.objects.get(pk=body["id"])
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["fiscal@example.org"]
    assert invitation.token in mailoutbox[0].body


@pytest.mark.parametrize(
    "person", [None, "citizen", "official", "pending_official", "coordinator", "outsider",
               "other_secretariat"]
)
def test_only_the_tables_secretariat_invites(
    request, as_user, table, person, mailoutbox, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(person) if person else None
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(user).post(
            LIST, {"table": table.slug, "email": "x@example.org", "role": "secretariat"}, format="json"
        )
    assert response.status_code == (401 if user is None else 403)
    assert "detail" in response.json()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ("x" * 250) + "@example.org"}, "email"),
        ({"role": "emperor"}, "role"),
        ({"role": "official"}, "institution"),
        ({"role": "official", "institution": "other_table"}, "institution"),
        ({"role": "official", "institution": 999999}, "institution"),
        ({"role": "representative"}, "organisation"),
        ({"table": "no-such-table"}, "table"),
        ({"email": "member"}, "email"),
    ],
)
def test_bad_invitations_are_a_400_and_nothing_is_saved_or_sent(
    as_user, table, other_table, secretariat, citizen, body, field, mailoutbox,
    django_capture_on_commit_callbacks,
):
    body = {"table": table.slug, "email": "nueva@example.org", "role": "citizen", **body}
    if body.get("institution") == "other_table":
        body["institution"] = InstitutionFactory(table=other_table).pk
    if body["email"] == "member":
        body["email"] = citizen.email.upper()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(secretariat).post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Invitation.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_invitations_are_not_changed_through_the_api(as_user, secretariat, invitation, method):
    response = getattr(as_user(secretariat), method)(f"{LIST}{invitation.pk}/", {"role": "official"},
                                                     format="json")
    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.role == Role.CITIZEN
