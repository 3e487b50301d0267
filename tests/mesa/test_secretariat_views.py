"""The secretariat's pages: members, invitations, institutions, organisations, settings."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from mesa import permissions, services
from mesa.models import (
    GovernmentLevel,
    Institution,
    Invitation,
    Membership,
    MembershipChange,
    Organisation,
    OrganisationKind,
    Role,
    Table,
)
from tests.accounts.factories import UserFactory
from tests.mesa.factories import (
    InstitutionFactory,
    OrganisationFactory,
    TableFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def url(name: str, table: Table, **kwargs) -> str:
    return reverse(f"mesa:{name}", kwargs={"slug": table.slug, **kwargs})


def membership_of(user, table) -> Membership:
    return Membership.objects.get(table=table, user=user, left_at__isnull=True)


@pytest.fixture
def pending_membership(table, pending_official):
    return membership_of(pending_official, table)


@pytest.fixture
def citizen_membership(table, citizen):
    return membership_of(citizen, table)


@pytest.fixture
def as_secretariat(client, secretariat):
    client.force_login(secretariat)
    return client


def snapshot(table: Table) -> dict:
    """Everything a refused request must leave as it was."""
    table = Table.objects.get(pk=table.pk)
    return {
        "table": (table.name, table.city, table.time_zone, table.is_public, table.dashboard_is_public),
        "memberships": sorted(Membership.objects.values_list(
            "pk", "role", "left_at", "verified_at", "institution_id", "organisation_id")),
        "changes": MembershipChange.objects.count(),
        "invitations": Invitation.objects.count(),
        "institutions": sorted(Institution.objects.values_list("pk", "name", "is_active")),
        "organisations": sorted(Organisation.objects.values_list("pk", "name", "is_active")),
    }


# --- Refused side, for every secretariat page and POST -------------------------------

# (url name, needs a membership pk / institution pk / organisation pk, method, data)
SECRETARIAT_ENDPOINTS = [
    ("member-invite", None, "get", None),
    ("member-invite", None, "post", {"email": "new@example.org", "role": "citizen"}),
    ("member-detail", "membership", "get", None),
    ("member-role", "membership", "post", {"role-role": "secretariat", "role-note": "x"}),
    ("member-verify", "membership", "post", {}),
    ("member-refuse", "membership", "post", {"refuse-note": "Not an official"}),
    ("member-remove", "membership", "post", {"remove-confirm": "on", "remove-note": "x"}),
    ("institution-create", None, "get", None),
    ("institution-create", None, "post", {"name": "Guardia", "level": "federal",
                                          "is_active": "on"}),
    ("institution-edit", "institution", "get", None),
    ("institution-edit", "institution", "post", {"name": "Renamed", "level": "federal"}),
    ("organisation-create", None, "get", None),
    ("organisation-create", None, "post", {"name": "Plan Juárez", "kind": "civil_society",
                                           "is_active": "on"}),
    ("organisation-edit", "organisation", "get", None),
    ("organisation-edit", "organisation", "post", {"name": "Renamed", "kind": "business"}),
    ("table-settings", None, "get", None),
    ("table-settings", None, "post", {"name": "Hijacked", "city": "X",
                                      "time_zone": "UTC", "default_language": "en"}),
]
ENDPOINT_IDS = [f"{name}-{method}" for name, _kind, method, _data in SECRETARIAT_ENDPOINTS]


def endpoint_url(table, kind, pending_membership):
    if kind == "membership":
        return {"pk": pending_membership.pk}
    if kind == "institution":
        return {"pk": pending_membership.institution_id}
    if kind == "organisation":
        return {"pk": OrganisationFactory(table=table).pk}
    return {}


@pytest.mark.parametrize(("name", "kind", "method", "data"), SECRETARIAT_ENDPOINTS,
                         ids=ENDPOINT_IDS)
@pytest.mark.parametrize("person", ["outsider", "citizen", "official", "pending_official",
                                    "representative", "coordinator", "other_secretariat"])
def test_secretariat_pages_refuse_everyone_but_this_tables_secretariat(
    request, client, table, pending_membership, name, kind, method, data, person
):
    target = url(name, table, **endpoint_url(table, kind, pending_membership))
    user = request.getfixturevalue(person)
    before = snapshot(table)
    client.force_login(user)
    response = getattr(client, method)(target, data)
    assert response.status_code == 403
    assert snapshot(table) == before


@pytest.mark.parametrize(("name", "kind", "method", "data"), SECRETARIAT_ENDPOINTS,
                         ids=ENDPOINT_IDS)
def test_secretariat_pages_send_anonymous_visitors_to_log_in(
    client, table, pending_membership, name, kind, method, data
):
    target = url(name, table, **endpoint_url(table, kind, pending_membership))
    before = snapshot(table)
    response = getattr(client, method)(target, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert snapshot(table) == before


def test_secretariat_pages_404_for_an_unknown_table(as_secretariat):
    response = as_secretariat.get(reverse("mesa:member-list", kwargs={"slug": "no-such-table"}))
    assert response.status_code == 404


def test_a_member_who_left_loses_the_secretariat_pages(client, table, secretariat):
    second = make_member(table, Role.SECRETARIAT)
    services.membership_end(membership=second, actor=secretariat)
    client.force_login(second.user)
    assert client.get(url("member-invite", table)).status_code == 403
    assert client.get(url("member-list", table)).status_code == 403


# --- Member list -------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["outsider", "other_secretariat"])
def test_member_list_refuses_people_who_are_not_members(request, client, table, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(url("member-list", table)).status_code == 403


def test_member_list_sends_anonymous_visitors_to_log_in(client, table):
    response = client.get(url("member-list", table))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_secretariat_sees_everyone_with_emails_and_the_verification_queue(
    as_secretariat, table, secretariat, citizen, official, pending_official
):
    former = make_member(table, Role.CITIZEN)
    services.membership_end(membership=former, actor=former.user)
    response = as_secretariat.get(url("member-list", table))
    assert response.status_code == 200
    body = response.content.decode()
    for user in (citizen, official, pending_official, former.user):
        assert user.display_name in body
        assert user.email in body
    assert list(response.context["pending"]) == [membership_of(pending_official, table)]
    assert url("member-verify", table, pk=membership_of(pending_official, table).pk) in body
    assert url("member-invite", table) in body


@pytest.mark.parametrize("person", ["citizen", "official", "pending_official", "coordinator",
                                    "representative"])
def test_members_see_only_active_verified_public_facing_people_without_emails(
    request, client, table, secretariat, official, person
):
    viewer = request.getfixturevalue(person)
    other_citizen = make_member(table, Role.CITIZEN).user
    waiting = make_member(table, Role.OFFICIAL, verified=False).user
    former = make_member(table, Role.OFFICIAL)
    services.membership_end(membership=former, actor=secretariat)
    client.force_login(viewer)
    response = client.get(url("member-list", table))
    assert response.status_code == 200
    body = response.content.decode()
    shown = {m.user_id for m in response.context["page_obj"]}
    assert {secretariat.pk, official.pk} <= shown
    assert other_citizen.pk not in shown
    assert waiting.pk not in shown
    assert former.user_id not in shown
    assert secretariat.email not in body and official.email not in body
    assert not response.context["pending"]
    assert url("member-invite", table) not in body
    assert url("member-detail", table, pk=membership_of(official, table).pk) not in body


def test_member_list_filters_by_role_and_status(as_secretariat, table, citizen, official,
                                                 pending_official, secretariat):
    former = make_member(table, Role.CITIZEN)
    services.membership_end(membership=former, actor=secretariat)

    def shown(**params):
        response = as_secretariat.get(url("member-list", table), params)
        assert response.status_code == 200
        return {m.user_id for m in response.context["page_obj"]}

    assert shown(role="official") == {official.pk, pending_official.pk}
    assert shown(status="pending") == {pending_official.pk}
    assert shown(status="left") == {former.user_id}
    assert shown(status="active") == {secretariat.pk, citizen.pk, official.pk}
    assert shown(role="citizen", status="active") == {citizen.pk}


def test_member_list_ignores_a_bad_filter_value_with_a_form_error(as_secretariat, table):
    response = as_secretariat.get(url("member-list", table), {"role": "emperor"})
    assert response.status_code == 200
    assert response.context["filter"].errors["role"]


def test_members_cannot_use_the_status_filter(client, table, official, secretariat):
    client.force_login(official)
    response = client.get(url("member-list", table), {"status": "left"})
    assert "status" not in response.context["filter"].form.fields


def test_member_list_is_paginated_by_50_and_keeps_the_filter(as_secretariat, table):
    for _ in range(55):
        make_member(table, Role.CITIZEN)
    first = as_secretariat.get(url("member-list", table), {"role": "citizen"})
    assert len(first.context["page_obj"]) == 50
    assert "role=citizen&amp;page=2" in first.content.decode()
    second = as_secretariat.get(url("member-list", table), {"role": "citizen", "page": 2})
    assert len(second.context["page_obj"]) == 5


@pytest.mark.parametrize("n", [1, 10])
def test_member_list_query_count_is_constant_for_the_secretariat(
    as_secretariat, table, n, django_assert_max_num_queries
):
    for _ in range(n):
        make_member(table, Role.OFFICIAL, verified=False)
        make_member(table, Role.REPRESENTATIVE)
    # session, user, table, guardian perms of the user and of their groups (2,
    # cached on the user for the whole page), content types for the tables in
    # visible_to (2, cached per process), count, page of members (user,
    # institution, organisation and verifier joined), pending members.
    with django_assert_max_num_queries(10):
        assert as_secretariat.get(url("member-list", table)).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_member_list_query_count_is_constant_for_a_member(
    client, table, official, n, django_assert_max_num_queries
):
    for _ in range(n):
        make_member(table, Role.OFFICIAL)
        make_member(table, Role.CITIZEN)
    client.force_login(official)
    # session, user, table, guardian perms (2), content types (2, cached per
    # process), count, page of members (user, institution, organisation joined).
    with django_assert_max_num_queries(9):
        assert client.get(url("member-list", table)).status_code == 200


# --- Invitations ------------------------------------------------------------------------


def test_secretariat_invites_an_official_and_the_mail_goes_out(
    as_secretariat, table, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    institution = InstitutionFactory(table=table)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_secretariat.post(url("member-invite", table), {
            "email": "Fiscal@Example.org", "role": "official", "institution": institution.pk,
        })
    assert response.status_code == 302
    invitation = Invitation.objects.get(table=table)
    assert invitation.email == "fiscal@example.org"
    assert (invitation.role, invitation.institution, invitation.invited_by) == (
        Role.OFFICIAL, institution, secretariat)
    assert [m.to for m in mailoutbox] == [["fiscal@example.org"]]
    page = as_secretariat.get(response["Location"])
    assert "fiscal@example.org" in page.content.decode()
    assert list(page.context["open_invitations"]) == [invitation]


def test_invite_page_lists_only_open_invitations_with_their_expiry_in_the_table_zone(
    as_secretariat, table, secretariat
):
    open_one = services.invitation_create(table=table, email="a@example.org",
                                          role=Role.CITIZEN, invited_by=secretariat)
    Invitation.objects.filter(pk=open_one.pk).update(
        expires_at=datetime(2999, 1, 15, 18, 0, tzinfo=UTC))
    expired = services.invitation_create(table=table, email="b@example.org",
                                         role=Role.CITIZEN, invited_by=secretariat)
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.get(url("member-invite", table))
    body = response.content.decode()
    assert "a@example.org" in body and "b@example.org" not in body
    # 18:00 UTC is 11:00 in Ciudad Juárez (UTC-7).
    assert "01/15/2999 11 a.m." in body


def test_invitation_of_an_official_needs_an_institution(as_secretariat, table):
    response = as_secretariat.post(url("member-invite", table),
                                   {"email": "x@example.org", "role": "official"})
    assert response.status_code == 200
    assert response.context["form"].errors["institution"]
    assert not Invitation.objects.exists()


def test_invitation_refuses_another_tables_institution(as_secretariat, table, other_table):
    foreign = InstitutionFactory(table=other_table)
    response = as_secretariat.post(url("member-invite", table), {
        "email": "x@example.org", "role": "official", "institution": foreign.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["institution"]
    assert not Invitation.objects.exists()


def test_invitation_refuses_an_inactive_institution(as_secretariat, table):
    closed = InstitutionFactory(table=table, is_active=False)
    response = as_secretariat.post(url("member-invite", table), {
        "email": "x@example.org", "role": "official", "institution": closed.pk})
    assert response.context["form"].errors["institution"]
    assert not Invitation.objects.exists()


def test_invitation_of_a_current_member_is_a_form_error(as_secretariat, table, citizen):
    response = as_secretariat.post(url("member-invite", table),
                                   {"email": citizen.email.upper(), "role": "secretariat"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


def test_invitation_with_a_bad_email_is_a_form_error(as_secretariat, table):
    response = as_secretariat.post(url("member-invite", table),
                                   {"email": "not-an-email", "role": "nonsense"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "role"}
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Invitation.objects.exists()


# --- Member detail and its actions ---------------------------------------------------------


def test_member_detail_shows_the_person_and_the_history(as_secretariat, table, secretariat):
    membership = make_member(table, Role.OFFICIAL, user=UserFactory(phone="+52 656 123 4567"))
    services.membership_change_role(membership=membership, role=Role.COORDINATOR,
                                    actor=secretariat, note="Leads the theft subcommittee")
    MembershipChange.objects.filter(membership=membership, action="role_changed").update(
        created_at=datetime(2024, 1, 15, 18, 0, tzinfo=UTC))
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.get(url("member-detail", table, pk=membership.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert membership.user.email in body
    assert "+52 656 123 4567" in body
    assert "Leads the theft subcommittee" in body
    assert "from Official to Subcommittee coordinator" in body
    assert secretariat.display_name in body
    assert "01/15/2024 11 a.m." in body  # 18:00 UTC in America/Ciudad_Juarez
    assert "America/Ciudad_Juarez" in body


def test_member_detail_shows_who_verified_and_when(as_secretariat, table, official, secretariat):
    response = as_secretariat.get(url("member-detail", table,
                                      pk=membership_of(official, table).pk))
    assert response.context["membership"].verified_by == secretariat
    assert secretariat.display_name in response.content.decode()


def test_member_detail_of_a_former_member_has_no_action_forms(as_secretariat, table, secretariat):
    former = make_member(table, Role.CITIZEN)
    services.membership_end(membership=former, actor=former.user)
    response = as_secretariat.get(url("member-detail", table, pk=former.pk))
    assert response.status_code == 200
    assert url("member-remove", table, pk=former.pk) not in response.content.decode()


@pytest.mark.parametrize(("name", "method", "data"), [
    ("member-detail", "get", None),
    ("member-role", "post", {"role-role": "citizen"}),
    ("member-verify", "post", {}),
    ("member-refuse", "post", {"refuse-note": "No"}),
    ("member-remove", "post", {"remove-confirm": "on"}),
])
def test_another_tables_membership_under_this_slug_is_404(
    as_secretariat, table, other_table, name, method, data
):
    foreign = make_member(other_table, Role.OFFICIAL, verified=False)
    before = snapshot(other_table)
    response = getattr(as_secretariat, method)(url(name, table, pk=foreign.pk), data)
    assert response.status_code == 404
    assert snapshot(other_table) == before


@pytest.mark.parametrize("name", ["member-role", "member-verify", "member-refuse",
                                  "member-remove"])
def test_member_actions_do_not_answer_get(as_secretariat, table, pending_membership, name):
    response = as_secretariat.get(url(name, table, pk=pending_membership.pk))
    assert response.status_code == 405
    pending_membership.refresh_from_db()
    assert pending_membership.is_pending_verification


def test_secretariat_changes_a_role_with_a_note(as_secretariat, table, citizen_membership,
                                                 secretariat):
    institution = InstitutionFactory(table=table)
    response = as_secretariat.post(url("member-role", table, pk=citizen_membership.pk), {
        "role-role": "official", "role-institution": institution.pk,
        "role-position": "Fiscal", "role-note": "Confirmed by phone",
    }, follow=True)
    assert response.redirect_chain[-1][0] == url("member-detail", table,
                                                 pk=citizen_membership.pk)
    citizen_membership.refresh_from_db()
    assert (citizen_membership.role, citizen_membership.institution,
            citizen_membership.position) == (Role.OFFICIAL, institution, "Fiscal")
    change = citizen_membership.changes.first()
    assert (change.actor, change.action, change.from_role, change.to_role, change.note) == (
        secretariat, "role_changed", Role.CITIZEN, Role.OFFICIAL, "Confirmed by phone")
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_role_change_to_official_without_institution_is_a_form_error(
    as_secretariat, table, citizen_membership
):
    response = as_secretariat.post(url("member-role", table, pk=citizen_membership.pk),
                                   {"role-role": "official"})
    assert response.status_code == 200
    assert response.context["role_form"].errors["institution"]
    citizen_membership.refresh_from_db()
    assert citizen_membership.role == Role.CITIZEN
    assert not citizen_membership.changes.filter(action="role_changed").exists()


def test_role_form_keeps_a_deactivated_institution_the_member_already_has(
    as_secretariat, table, official, secretariat
):
    membership = membership_of(official, table)
    Institution.objects.filter(pk=membership.institution_id).update(is_active=False)
    response = as_secretariat.post(url("member-role", table, pk=membership.pk), {
        "role-role": "official", "role-institution": membership.institution_id,
        "role-position": "Director"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.position == "Director"


def test_role_change_refuses_another_tables_organisation(as_secretariat, table, other_table,
                                                          citizen_membership):
    foreign = OrganisationFactory(table=other_table)
    response = as_secretariat.post(url("member-role", table, pk=citizen_membership.pk),
                                   {"role-role": "representative",
                                    "role-organisation": foreign.pk})
    assert response.context["role_form"].errors["organisation"]
    citizen_membership.refresh_from_db()
    assert citizen_membership.role == Role.CITIZEN


def test_the_last_secretariat_member_cannot_step_down(as_secretariat, table, secretariat):
    own = membership_of(secretariat, table)
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.post(url("member-role", table, pk=own.pk),
                                   {"role-role": "citizen"})
    assert response.status_code == 200
    assert "at least one secretariat member" in str(response.context["role_form"].non_field_errors())
    assert "at least one secretariat member" in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.SECRETARIAT
    assert permissions.can_manage_members(secretariat, table)


def test_secretariat_verifies_a_pending_official_from_the_list(
    as_secretariat, table, pending_membership, pending_official, secretariat
):
    list_url = url("member-list", table)
    response = as_secretariat.post(url("member-verify", table, pk=pending_membership.pk),
                                   {"next": list_url})
    assert response.status_code == 302
    assert response["Location"] == list_url
    pending_membership.refresh_from_db()
    assert pending_membership.verified_by == secretariat
    assert permissions.can_act_as_official(
        type(pending_official).objects.get(pk=pending_official.pk), table)


def test_verify_ignores_a_next_address_on_another_site(as_secretariat, table,
                                                        pending_membership):
    response = as_secretariat.post(url("member-verify", table, pk=pending_membership.pk),
                                   {"next": "https://evil.example/"})
    assert response["Location"] == url("member-detail", table, pk=pending_membership.pk)


def test_verifying_someone_who_needs_no_verification_is_an_error_message(
    as_secretariat, table, citizen_membership
):
    changes = MembershipChange.objects.count()
    response = as_secretariat.post(url("member-verify", table, pk=citizen_membership.pk),
                                   follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert MembershipChange.objects.count() == changes
    citizen_membership.refresh_from_db()
    assert citizen_membership.verified_at is None


def test_secretariat_refuses_a_claim_with_a_reason(as_secretariat, table, pending_membership,
                                                    secretariat):
    response = as_secretariat.post(url("member-refuse", table, pk=pending_membership.pk),
                                   {"refuse-note": "Not on the prosecutor's staff list"})
    assert response.status_code == 302
    pending_membership.refresh_from_db()
    assert (pending_membership.role, pending_membership.institution) == (Role.CITIZEN, None)
    assert pending_membership.is_active
    change = pending_membership.changes.first()
    assert (change.action, change.actor, change.note) == (
        "verification_refused", secretariat, "Not on the prosecutor's staff list")


@pytest.mark.parametrize("note", ["", "   "])
def test_refusing_a_claim_needs_a_reason(as_secretariat, table, pending_membership, note):
    response = as_secretariat.post(url("member-refuse", table, pk=pending_membership.pk),
                                   {"refuse-note": note})
    assert response.status_code == 200
    assert response.context["refuse_form"].errors["note"]
    pending_membership.refresh_from_db()
    assert pending_membership.is_pending_verification


def test_refusing_an_already_verified_member_shows_why_and_changes_nothing(
    as_secretariat, table, official
):
    membership = membership_of(official, table)
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.post(url("member-refuse", table, pk=membership.pk),
                                   {"refuse-note": "Changed my mind"})
    assert response.status_code == 200
    # The refusal form is not on the page of a verified member: the error is a message.
    assert "There is no pending claim to refuse." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OFFICIAL


def test_changing_the_role_of_a_former_member_shows_why_and_changes_nothing(
    as_secretariat, table, secretariat
):
    former = make_member(table, Role.CITIZEN)
    services.membership_end(membership=former, actor=former.user)
    changes = MembershipChange.objects.count()
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.post(url("member-role", table, pk=former.pk),
                                   {"role-role": "secretariat"})
    assert response.status_code == 200
    assert "This person has left the table." in response.content.decode()
    former.refresh_from_db()
    assert former.role == Role.CITIZEN
    assert MembershipChange.objects.count() == changes


def test_secretariat_removes_a_member_and_the_record_stays(as_secretariat, table, official,
                                                            secretariat):
    membership = membership_of(official, table)
    response = as_secretariat.post(url("member-remove", table, pk=membership.pk),
                                   {"remove-confirm": "on", "remove-note": "Moved away"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_at is not None
    change = membership.changes.first()
    assert (change.action, change.actor, change.from_role, change.note) == (
        "removed", secretariat, Role.OFFICIAL, "Moved away")
    official = type(official).objects.get(pk=official.pk)
    assert not permissions.can_view_member_list(official, table)
    assert not permissions.can_act_as_official(official, table)


def test_removing_needs_the_confirmation(as_secretariat, table, citizen_membership):
    response = as_secretariat.post(url("member-remove", table, pk=citizen_membership.pk),
                                   {"remove-note": "Spam"})
    assert response.status_code == 200
    assert response.context["remove_form"].errors["confirm"]
    citizen_membership.refresh_from_db()
    assert citizen_membership.is_active


def test_the_last_secretariat_member_cannot_be_removed(as_secretariat, table, secretariat):
    own = membership_of(secretariat, table)
    response = as_secretariat.post(url("member-remove", table, pk=own.pk),
                                   {"remove-confirm": "on"})
    assert response.status_code == 200
    assert response.context["remove_form"].non_field_errors()
    own.refresh_from_db()
    assert own.is_active


def test_a_removed_secretariat_member_loses_the_pages_at_once(client, table, secretariat):
    second = make_member(table, Role.SECRETARIAT)
    client.force_login(secretariat)
    client.post(url("member-remove", table, pk=second.pk), {"remove-confirm": "on"})
    client.force_login(second.user)
    assert client.get(url("member-detail", table, pk=second.pk)).status_code == 403


# --- Institutions and organisations -----------------------------------------------------


def test_institution_list_is_public_at_a_public_table_and_grouped(client, table):
    InstitutionFactory(table=table, name="Guardia Nacional", level=GovernmentLevel.FEDERAL)
    InstitutionFactory(table=table, name="Policía Municipal", level=GovernmentLevel.MUNICIPAL)
    InstitutionFactory(table=table, name="Antigua Procuraduría", is_active=False)
    OrganisationFactory(table=table, name="Plan Estratégico", kind=OrganisationKind.CIVIL_SOCIETY)
    OrganisationFactory(table=table, name="Canaco", kind=OrganisationKind.BUSINESS)
    client.cookies["django_language"] = "en"
    response = client.get(url("institution-list", table))
    assert response.status_code == 200
    groups = response.context["institution_groups"]
    assert [(str(label), [i.name for i in items]) for label, items in groups] == [
        ("Federal", ["Guardia Nacional"]), ("Municipal", ["Policía Municipal"])]
    assert [str(label) for label, _items in response.context["organisation_groups"]] == [
        "Civil-society organisation", "Business chamber or association"]
    body = response.content.decode()
    assert "Antigua Procuraduría" not in body
    assert url("institution-create", table) not in body


def test_secretariat_sees_inactive_institutions_and_the_edit_links(as_secretariat, table):
    closed = InstitutionFactory(table=table, name="Antigua Procuraduría", is_active=False)
    body = as_secretariat.get(url("institution-list", table)).content.decode()
    assert "Antigua Procuraduría" in body
    assert url("institution-edit", table, pk=closed.pk) in body
    assert url("institution-create", table) in body
    assert url("organisation-create", table) in body


def test_institution_list_of_a_private_table_is_for_members_only(client, citizen, outsider):
    private = TableFactory(is_public=False)
    make_member(private, Role.CITIZEN, user=citizen)
    anonymous = client.get(url("institution-list", private))
    assert anonymous.status_code == 302
    client.force_login(outsider)
    assert client.get(url("institution-list", private)).status_code == 403
    client.force_login(citizen)
    assert client.get(url("institution-list", private)).status_code == 200


def test_secretariat_adds_an_institution(as_secretariat, table):
    response = as_secretariat.post(url("institution-create", table), {
        "name": "Fiscalía General del Estado", "acronym": "FGE", "level": "state",
        "is_active": "on"})
    assert response.status_code == 302
    institution = Institution.objects.get(table=table, name="Fiscalía General del Estado")
    assert (institution.acronym, institution.level, institution.is_active) == (
        "FGE", "state", True)


def test_a_duplicate_institution_name_is_a_form_error(as_secretariat, table):
    InstitutionFactory(table=table, name="Fiscalía General del Estado")
    response = as_secretariat.post(url("institution-create", table), {
        "name": "fiscalía general del estado", "level": "state", "is_active": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Institution.objects.filter(table=table).count() == 1


def test_the_same_institution_name_is_fine_at_another_table(as_secretariat, table, other_table):
    InstitutionFactory(table=other_table, name="Guardia Nacional")
    response = as_secretariat.post(url("institution-create", table), {
        "name": "Guardia Nacional", "level": "federal", "is_active": "on"})
    assert response.status_code == 302
    assert Institution.objects.filter(name="Guardia Nacional").count() == 2


def test_an_institution_with_a_bad_level_is_a_form_error(as_secretariat, table):
    response = as_secretariat.post(url("institution-create", table),
                                   {"name": "X", "level": "galactic"})
    assert response.status_code == 200
    assert response.context["form"].errors["level"]
    assert not Institution.objects.filter(table=table).exists()


def test_secretariat_deactivates_an_institution_instead_of_deleting_it(
    as_secretariat, table, official
):
    institution = membership_of(official, table).institution
    response = as_secretariat.post(url("institution-edit", table, pk=institution.pk), {
        "name": institution.name, "acronym": institution.acronym, "level": institution.level})
    assert response.status_code == 302
    institution.refresh_from_db()
    assert not institution.is_active
    assert membership_of(official, table).institution == institution


def test_renaming_an_institution_to_a_taken_name_is_a_form_error(as_secretariat, table):
    InstitutionFactory(table=table, name="Guardia Nacional")
    other = InstitutionFactory(table=table, name="Policía")
    response = as_secretariat.post(url("institution-edit", table, pk=other.pk), {
        "name": "Guardia Nacional", "level": "federal", "is_active": "on"})
    assert response.context["form"].errors["name"]
    other.refresh_from_db()
    assert other.name == "Policía"


def test_another_tables_institution_and_organisation_are_404(as_secretariat, table, other_table):
    institution = InstitutionFactory(table=other_table)
    organisation = OrganisationFactory(table=other_table)
    assert as_secretariat.get(url("institution-edit", table, pk=institution.pk)).status_code == 404
    response = as_secretariat.post(url("organisation-edit", table, pk=organisation.pk),
                                   {"name": "Mine now", "kind": "business"})
    assert response.status_code == 404
    organisation.refresh_from_db()
    assert organisation.name != "Mine now"


def test_secretariat_adds_and_edits_an_organisation(as_secretariat, table):
    response = as_secretariat.post(url("organisation-create", table), {
        "name": "Plan Estratégico de Juárez", "kind": "civil_society", "is_active": "on"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(table=table)
    response = as_secretariat.post(url("organisation-edit", table, pk=organisation.pk), {
        "name": "Plan Estratégico de Juárez A.C.", "kind": "civil_society"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.is_active) == ("Plan Estratégico de Juárez A.C.",
                                                           False)


def test_a_duplicate_organisation_name_is_a_form_error(as_secretariat, table):
    OrganisationFactory(table=table, name="Canaco")
    response = as_secretariat.post(url("organisation-create", table), {
        "name": "CANACO", "kind": "business", "is_active": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Organisation.objects.filter(table=table).count() == 1


# --- Table settings -------------------------------------------------------------------


def test_settings_page_offers_every_time_zone_and_explains_public(as_secretariat, table):
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.get(url("table-settings", table))
    body = response.content.decode()
    assert '<option value="America/Ciudad_Juarez" selected>' in body
    assert "Sessions and public concerns can be seen by people who are not members" in body


def test_secretariat_changes_the_settings(as_secretariat, table):
    response = as_secretariat.post(url("table-settings", table), {
        "name": "Mesa de Seguridad y Justicia", "city": "Ciudad Juárez", "state": "Chihuahua",
        "description": "Since 2010", "time_zone": "America/Chihuahua",
        "default_language": "en", "agenda_notice_days": "10"})
    assert response.status_code == 302
    table.refresh_from_db()
    assert (table.name, table.state, table.time_zone, table.default_language,
            table.is_public, table.agenda_notice_days) == ("Mesa de Seguridad y Justicia", "Chihuahua",
                                                           "America/Chihuahua", "en", False, 10)
    assert table.dashboard_is_public is False  # an unticked box


def test_secretariat_opens_and_closes_the_dashboard_to_the_public(as_secretariat, table):
    as_secretariat.cookies["django_language"] = "en"
    body = as_secretariat.get(url("table-settings", table)).content.decode()
    assert 'name="dashboard_is_public"' in body and "Accountability dashboard open to the public" in body
    settings = {"name": table.name, "city": table.city, "time_zone": table.time_zone,
                "default_language": "es", "is_public": "on", "agenda_notice_days": "7"}
    assert as_secretariat.post(url("table-settings", table), settings).status_code == 302
    table.refresh_from_db()
    assert (table.is_public, table.dashboard_is_public) == (True, False)
    settings["dashboard_is_public"] = "on"
    assert as_secretariat.post(url("table-settings", table), settings).status_code == 302
    table.refresh_from_db()
    assert table.dashboard_is_public is True


def test_settings_refuse_an_unknown_time_zone_and_keep_everything(as_secretariat, table):
    before = snapshot(table)
    response = as_secretariat.post(url("table-settings", table), {
        "name": "", "city": "Juárez", "time_zone": "Mars/Olympus_Mons",
        "default_language": "xx", "is_public": "on", "agenda_notice_days": "61"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "time_zone", "default_language",
                                                    "agenda_notice_days"}
    assert snapshot(table) == before
    # The page still shows the table's real name, not the rejected one.
    assert response.context["table"].name == table.name


# --- Languages -------------------------------------------------------------------------


PAGES = [
    ("member-list", None, "Everyone at the table"),
    ("member-invite", None, "Open invitations"),
    ("member-detail", "membership", "History"),
    ("institution-list", None, "Institutions and organisations"),
    ("institution-create", None, "Add an institution"),
    ("institution-edit", "institution", "Edit the institution"),
    ("organisation-create", None, "Add an organisation"),
    ("organisation-edit", "organisation", "Edit the organisation"),
    ("table-settings", None, "Open to the public"),
]


@pytest.mark.parametrize(("name", "kind", "english"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_render_in_english_and_spanish(as_secretariat, table, pending_membership,
                                             name, kind, english):
    target = url(name, table, **endpoint_url(table, kind, pending_membership))
    as_secretariat.cookies["django_language"] = "en"
    response = as_secretariat.get(target)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert english in response.content.decode()
    as_secretariat.cookies["django_language"] = "es"
    response = as_secretariat.get(target)
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()
