"""Joining a table, leaving it, and accepting an invitation, through the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mesa import permissions, services
from mesa.models import Invitation, Membership, Role
from tests.accounts.factories import UserFactory
from tests.mesa.factories import InstitutionFactory, OrganisationFactory, make_member


def join_url(table):
    return reverse("mesa:table-join", kwargs={"slug": table.slug})


def leave_url(table):
    return reverse("mesa:table-leave", kwargs={"slug": table.slug})


def login_redirect(response, url) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    ) and f"next={url}" in response["Location"].replace("%2F", "/")


def fresh(user):
    """The user as a new request would see them (permission caches dropped)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def institution(table):
    return InstitutionFactory(table=table, name="Fiscalía General del Estado")


@pytest.fixture
def organisation(table):
    return OrganisationFactory(table=table, name="Ficosec")


# --- Join: refused side --------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_join_sends_an_anonymous_visitor_to_log_in(client, table, method):
    url = join_url(table)
    response = getattr(client, method)(url, {"role": "citizen"})
    assert login_redirect(response, url)
    assert table.memberships.count() == 1  # only the secretariat


@pytest.mark.parametrize("person", ["citizen", "pending_official", "secretariat"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_join_sends_a_member_back_to_the_table(request, client, table, person, method):
    user = request.getfixturevalue(person)
    before = list(Membership.objects.filter(user=user).values_list("pk", "role", "left_at"))
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = getattr(client, method)(join_url(table), {"role": "citizen"}, follow=True)
    assert response.redirect_chain[-1][0] == table.get_absolute_url()
    assert "You are already a member of" in response.content.decode()
    assert list(Membership.objects.filter(user=user).values_list("pk", "role", "left_at")) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_join_with_an_unverified_email_explains_and_saves_nothing(client, table, method):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = getattr(client, method)(join_url(table), {"role": "citizen"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm your email address before joining a table" in html
    assert "<form" not in html.split("<main", 1)[1]
    assert not Membership.objects.filter(user=user).exists()


def test_join_unknown_table_is_404(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("mesa:table-join", kwargs={"slug": "nowhere"})).status_code == 404


# --- Join: happy paths ---------------------------------------------------------------


def test_join_page_offers_the_three_ways_and_explains_verification(
    client, table, outsider, institution, organisation
):
    client.force_login(outsider)
    client.cookies["django_language"] = "en"
    response = client.get(join_url(table))
    assert response.status_code == 200
    html = response.content.decode()
    assert "I take part as" in html
    assert "An official of one of this table&#x27;s institutions" in html  # a choice: escaped
    assert "A representative of one of this table&#x27;s organisations" in html
    assert "the table's secretariat checks it first" in html
    assert institution.name in html and organisation.name in html


def test_join_page_offers_no_official_claim_at_a_table_without_institutions(client, table, outsider):
    client.force_login(outsider)
    form = client.get(join_url(table)).context["form"]
    assert [value for value, _ in form.fields["role"].choices] == ["citizen"]


def test_join_as_citizen(client, table, outsider):
    client.force_login(outsider)
    client.cookies["django_language"] = "en"
    response = client.post(join_url(table), {"role": "citizen"}, follow=True)
    assert response.redirect_chain[-1][0] == table.get_absolute_url()
    membership = Membership.objects.get(table=table, user=outsider)
    assert membership.role == Role.CITIZEN and membership.is_active
    assert "You take part as a citizen" in response.content.decode()
    assert permissions.is_member(fresh(outsider), table)


def test_join_as_official_is_pending_and_gives_no_official_powers(client, table, outsider, institution):
    client.force_login(outsider)
    client.cookies["django_language"] = "en"
    response = client.post(join_url(table), {
        "role": "official", "institution": institution.pk, "position": "Fiscal de distrito",
    }, follow=True)
    membership = Membership.objects.get(table=table, user=outsider)
    assert (membership.role, membership.institution, membership.position) == (
        Role.OFFICIAL, institution, "Fiscal de distrito"
    )
    assert membership.is_pending_verification
    assert not permissions.can_act_as_official(fresh(outsider), table)
    html = response.content.decode()
    assert "The secretariat will verify that you are an official of Fiscalía General del Estado" in html
    assert "The secretariat has not verified yet that you are an official of" in html


def test_join_as_representative_is_pending(client, table, outsider, organisation):
    client.force_login(outsider)
    client.post(join_url(table), {"role": "representative", "organisation": organisation.pk})
    membership = Membership.objects.get(table=table, user=outsider)
    assert (membership.role, membership.organisation) == (Role.REPRESENTATIVE, organisation)
    assert membership.is_pending_verification


def test_join_as_citizen_ignores_an_institution_sent_along(client, table, outsider, institution):
    client.force_login(outsider)
    client.post(join_url(table), {"role": "citizen", "institution": institution.pk, "position": "x"})
    membership = Membership.objects.get(table=table, user=outsider)
    assert (membership.role, membership.institution, membership.position) == (Role.CITIZEN, None, "")


def test_another_tables_secretariat_joins_only_as_a_citizen_with_no_powers(
    client, table, other_secretariat
):
    client.force_login(other_secretariat)
    client.post(join_url(table), {"role": "citizen"})
    assert Membership.objects.get(table=table, user=other_secretariat).role == Role.CITIZEN
    assert not permissions.can_manage_members(fresh(other_secretariat), table)


def test_a_person_who_left_can_join_again(client, table, citizen):
    membership = Membership.objects.get(table=table, user=citizen)
    services.membership_end(membership=membership, actor=citizen)
    client.force_login(fresh(citizen))
    client.post(join_url(table), {"role": "citizen"})
    assert Membership.objects.filter(table=table, user=citizen).count() == 2
    assert Membership.objects.active().filter(table=table, user=citizen).count() == 1


# --- Join: bad input -------------------------------------------------------------------


def _post_join_expecting_errors(client, table, user, data) -> dict:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.post(join_url(table), data)
    assert response.status_code == 200
    assert not Membership.objects.filter(table=table, user=user).exists()
    return response.context["form"].errors


def test_join_as_official_without_institution_is_a_form_error(client, table, outsider, institution):
    errors = _post_join_expecting_errors(client, table, outsider, {"role": "official"})
    assert errors["institution"] == ["Choose the institution you work for."]


def test_join_as_representative_without_organisation_is_a_form_error(
    client, table, outsider, organisation
):
    errors = _post_join_expecting_errors(client, table, outsider, {"role": "representative"})
    assert errors["organisation"] == ["Choose the organisation you represent."]


def test_join_with_another_tables_institution_is_a_form_error(
    client, table, other_table, outsider, institution
):
    foreign = InstitutionFactory(table=other_table)
    errors = _post_join_expecting_errors(
        client, table, outsider, {"role": "official", "institution": foreign.pk}
    )
    assert "institution" in errors


def test_join_with_another_tables_organisation_is_a_form_error(
    client, table, other_table, outsider, organisation
):
    foreign = OrganisationFactory(table=other_table)
    errors = _post_join_expecting_errors(
        client, table, outsider, {"role": "representative", "organisation": foreign.pk}
    )
    assert "organisation" in errors


def test_join_with_an_inactive_institution_is_a_form_error(client, table, outsider, institution):
    closed = InstitutionFactory(table=table, is_active=False)
    errors = _post_join_expecting_errors(
        client, table, outsider, {"role": "official", "institution": closed.pk}
    )
    assert "institution" in errors


@pytest.mark.parametrize("role", ["secretariat", "coordinator", "king", ""])
def test_join_claiming_a_role_one_cannot_claim_is_a_form_error(client, table, outsider, role):
    errors = _post_join_expecting_errors(client, table, outsider, {"role": role})
    assert "role" in errors


def test_join_with_a_non_numeric_institution_is_a_form_error(client, table, outsider, institution):
    errors = _post_join_expecting_errors(
        client, table, outsider, {"role": "official", "institution": "'; drop table"}
    )
    assert "institution" in errors


def test_join_errors_are_linked_to_their_field(client, table, outsider, institution):
    client.force_login(outsider)
    html = client.post(join_url(table), {"role": "official"}).content.decode()
    assert 'aria-describedby="id_institution_error"' in html
    assert 'id="id_institution_error"' in html


# --- Leave ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_leave_sends_an_anonymous_visitor_to_log_in(client, table, method):
    url = leave_url(table)
    assert login_redirect(getattr(client, method)(url), url)


@pytest.mark.parametrize("person", ["outsider", "other_secretariat"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_leave_refuses_a_non_member(request, client, table, person, method):
    user = request.getfixturevalue(person)
    client.force_login(user)
    assert getattr(client, method)(leave_url(table)).status_code == 403
    other_memberships = Membership.objects.active().filter(user=user)
    assert all(m.is_active for m in other_memberships)


def test_leave_asks_for_confirmation_first(client, table, citizen):
    client.force_login(citizen)
    client.cookies["django_language"] = "en"
    response = client.get(leave_url(table))
    assert response.status_code == 200
    assert "Leave this table" in response.content.decode()
    assert Membership.objects.get(table=table, user=citizen).is_active


@pytest.mark.parametrize("person", ["citizen", "pending_official", "coordinator"])
def test_a_member_leaves_and_the_record_stays(request, client, table, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.post(leave_url(table))
    assert response.status_code == 302 and response["Location"] == table.get_absolute_url()
    membership = Membership.objects.get(table=table, user=user)
    assert membership.left_at is not None
    assert membership.changes.filter(action="left", actor=user).exists()
    assert not permissions.is_member(fresh(user), table)


def test_the_last_secretariat_member_cannot_leave(client, table, secretariat):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.post(leave_url(table))
    assert response.status_code == 400
    assert "A table needs at least one secretariat member" in response.content.decode()
    assert Membership.objects.get(table=table, user=secretariat).is_active


def test_a_secretariat_member_can_leave_when_another_remains(client, table, secretariat):
    make_member(table, Role.SECRETARIAT)
    client.force_login(secretariat)
    client.post(leave_url(table))
    assert not Membership.objects.active().filter(table=table, user=secretariat).exists()


# --- Invitations ---------------------------------------------------------------------------


@pytest.fixture
def invitation(table, secretariat, institution):
    return services.invitation_create(
        table=table, email="invited@example.org", role=Role.OFFICIAL,
        institution=institution, invited_by=secretariat,
    )


@pytest.fixture
def invited(db):
    return UserFactory(email="invited@example.org")


def invitation_url(invitation):
    return reverse("mesa:invitation-accept", kwargs={"token": invitation.token})


def test_invitation_page_shows_an_anonymous_visitor_the_table_role_and_how_to_log_in(
    client, table, invitation
):
    client.cookies["django_language"] = "en"
    url = invitation_url(invitation)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert table.name in html
    assert "Official" in html and "Fiscalía General del Estado" in html
    assert "i•••@example.org" in html
    assert "invited@example.org" not in html
    assert f'{reverse("accounts:login")}?next={url}"' in html
    assert f'{reverse("accounts:signup")}?next={url}"' in html


def test_invitation_accept_sends_an_anonymous_visitor_to_log_in(client, table, invitation):
    url = invitation_url(invitation)
    assert login_redirect(client.post(url), url)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invited_person_accepts_and_is_verified_at_once(client, table, invitation, invited):
    client.force_login(invited)
    client.cookies["django_language"] = "en"
    assert "Accept the invitation" in client.get(invitation_url(invitation)).content.decode()
    response = client.post(invitation_url(invitation))
    assert response.status_code == 302 and response["Location"] == table.get_absolute_url()
    membership = Membership.objects.get(table=table, user=invited)
    assert membership.role == Role.OFFICIAL and membership.verified_at is not None
    assert permissions.can_act_as_official(fresh(invited), table)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_invitation_accept_with_another_account_is_refused_and_saves_nothing(
    client, table, invitation, outsider
):
    client.force_login(outsider)
    client.cookies["django_language"] = "en"
    assert "You are logged in with another email address" in client.get(
        invitation_url(invitation)
    ).content.decode()
    response = client.post(invitation_url(invitation))
    assert response.status_code == 400
    assert "This invitation was sent to another email address" in response.content.decode()
    assert not Membership.objects.filter(table=table, user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_expired_invitation_is_refused_and_saves_nothing(client, table, invitation, invited):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    client.force_login(invited)
    client.cookies["django_language"] = "en"
    assert "This invitation has expired or was already used" in client.get(
        invitation_url(invitation)
    ).content.decode()
    response = client.post(invitation_url(invitation))
    assert response.status_code == 400
    assert "This invitation has expired or was already used" in response.content.decode()
    assert not Membership.objects.filter(table=table, user=invited).exists()


def test_used_invitation_cannot_be_used_twice(client, table, invitation, invited):
    client.force_login(invited)
    client.post(invitation_url(invitation))
    membership = Membership.objects.get(table=table, user=invited)
    services.membership_end(membership=membership, actor=invited)
    response = client.post(invitation_url(invitation))
    assert response.status_code == 400
    assert not Membership.objects.active().filter(table=table, user=invited).exists()


def test_invitation_accept_with_an_unverified_email_saves_nothing(client, table, invitation):
    user = UserFactory(email="invited@example.org", email_verified_at=None)
    client.force_login(user)
    response = client.post(invitation_url(invitation))
    assert response.status_code == 400
    assert not Membership.objects.filter(table=table, user=user).exists()


def test_unknown_invitation_is_404(client, db):
    assert client.get(reverse("mesa:invitation-accept", kwargs={"token": "nope"})).status_code == 404


def test_invitation_page_renders_in_spanish(client, invitation):
    client.cookies["django_language"] = "es"
    response = client.get(invitation_url(invitation))
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()

