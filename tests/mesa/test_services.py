"""mesa.services: tables, memberships, invitations, institutions and organisations."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.models import GroupObjectPermission

from accounts.models import User
from mesa import permissions, services
from mesa.models import (
    Institution,
    Invitation,
    Membership,
    MembershipChange,
    Organisation,
    Role,
    Table,
)
from subcommittees.models import Subcommittee
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.mesa.factories import InstitutionFactory, OrganisationFactory, make_member

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    """The person as the next request sees them (no cached permission checks)."""
    return User.objects.get(pk=user.pk)


def membership_of(user, table) -> Membership:
    return Membership.objects.get(table=table, user=user, left_at__isnull=True)


def last_change(membership) -> MembershipChange:
    return membership.changes.order_by("-pk").first()


def group_kinds(user, table) -> set[str]:
    names = set(fresh(user).groups.values_list("name", flat=True))
    return {kind for kind in permissions.GROUP_PERMISSIONS
            if permissions.group_name(table, kind) in names}


# --- Tables -------------------------------------------------------------------------------


def test_table_create_makes_groups_subcommittees_and_the_first_secretariat_member():
    founder = UserFactory()
    table = services.table_create(name="Mesa de Juárez", slug="juarez", city="Ciudad Juárez",
                                  time_zone="America/Ciudad_Juarez", secretariat=founder)
    assert Group.objects.filter(name__startswith=f"table:{table.pk}:").count() == 3
    assert Subcommittee.objects.filter(table=table).count() == 5
    membership = membership_of(founder, table)
    assert membership.role == Role.SECRETARIAT
    change = last_change(membership)
    assert (change.actor, change.action, change.to_role) == (founder, "joined", Role.SECRETARIAT)
    assert permissions.can_manage_members(fresh(founder), table)
    assert permissions.can_change_table(fresh(founder), table)


def test_table_create_builds_groups_permissions_and_subcommittees_in_a_few_queries(
        django_assert_max_num_queries):
    founder = UserFactory()
    with django_assert_max_num_queries(40):
        table = services.table_create(name="Mesa", slug="mesa-q", city="X", time_zone="America/Mexico_City",
                                      secretariat=founder)
    assert {perm: set(GroupObjectPermission.objects.filter(object_pk=str(table.pk), permission__codename=perm)
                      .values_list("group__name", flat=True))
            for perm in ("view_table_content", "act_as_official", "manage_members")} == {
        "view_table_content": {f"table:{table.pk}:member"},
        "act_as_official": {f"table:{table.pk}:official"},
        "manage_members": {f"table:{table.pk}:secretariat"},
    }
    assert sorted(Subcommittee.objects.filter(table=table).values_list("slug", flat=True)) == [
        "acceso-a-la-justicia", "derechos-humanos", "indicadores-de-desempeno",
        "respuesta-inmediata-a-amenazas", "robo-con-violencia"]


def test_preparing_a_table_again_creates_nothing_new(table):
    def counts():
        return Group.objects.count(), GroupObjectPermission.objects.count(), Subcommittee.objects.count()

    before = counts()
    services.table_prepare(table=table)
    assert counts() == before


def test_table_create_refuses_an_unknown_time_zone_and_saves_nothing():
    with pytest.raises(ValidationError) as error:
        services.table_create(name="Mesa", slug="mesa-x", city="X", time_zone="Mars/Base")
    assert "time_zone" in error.value.message_dict
    assert not Table.objects.filter(slug="mesa-x").exists()


def test_table_update_changes_the_allowed_fields(table):
    services.table_update(table=table, name="Mesa de Seguridad y Justicia",
                          time_zone="America/Chihuahua", is_public=False, default_language="en")
    table.refresh_from_db()
    assert (table.name, table.time_zone, table.is_public, table.default_language) == (
        "Mesa de Seguridad y Justicia", "America/Chihuahua", False, "en")


def test_table_update_refuses_fields_it_does_not_own(table):
    with pytest.raises(ValueError, match="slug"):
        services.table_update(table=table, slug="stolen")
    table.refresh_from_db()
    assert table.slug != "stolen"


def test_table_update_refuses_an_unknown_time_zone(table):
    with pytest.raises(ValidationError):
        services.table_update(table=table, time_zone="Nowhere/Special")
    table.refresh_from_db()
    assert table.time_zone == "America/Ciudad_Juarez"


# --- Joining --------------------------------------------------------------------------------


def test_a_citizen_joins_and_becomes_a_member(table):
    user = UserFactory()
    membership = services.membership_join(table=table, user=user)
    assert membership.role == Role.CITIZEN and membership.is_verified
    change = last_change(membership)
    assert (change.actor, change.action, change.from_role, change.to_role) == (
        user, "joined", "", Role.CITIZEN)
    assert group_kinds(user, table) == {"member"}
    assert permissions.can_view_member_list(fresh(user), table)


def test_a_claimed_official_has_no_official_powers_until_verified(table):
    user = UserFactory()
    institution = InstitutionFactory(table=table)
    membership = services.membership_join(table=table, user=user, role=Role.OFFICIAL,
                                          institution=institution, position="Fiscal")
    assert membership.is_pending_verification
    assert group_kinds(user, table) == {"member"}
    assert not permissions.can_act_as_official(fresh(user), table)


def test_joining_needs_a_confirmed_email_address(table):
    user = UserFactory(email_verified_at=None)
    with pytest.raises(ValidationError):
        services.membership_join(table=table, user=user)
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.COORDINATOR])
def test_nobody_can_give_themselves_a_managing_role(table, role):
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.membership_join(table=table, user=user, role=role)
    assert "role" in error.value.message_dict
    assert not Membership.objects.filter(user=user).exists()


def test_joining_twice_is_refused(table, citizen):
    with pytest.raises(ValidationError):
        services.membership_join(table=table, user=citizen)
    assert Membership.objects.filter(table=table, user=citizen).count() == 1


def test_an_official_must_name_an_institution(table):
    with pytest.raises(ValidationError) as error:
        services.membership_join(table=table, user=UserFactory(), role=Role.OFFICIAL)
    assert "institution" in error.value.message_dict


def test_a_representative_must_name_an_organisation(table):
    with pytest.raises(ValidationError) as error:
        services.membership_join(table=table, user=UserFactory(), role=Role.REPRESENTATIVE)
    assert "organisation" in error.value.message_dict


def test_joining_with_another_tables_institution_is_refused(table, other_table):
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.membership_join(table=table, user=user, role=Role.OFFICIAL,
                                 institution=InstitutionFactory(table=other_table))
    assert "institution" in error.value.message_dict
    assert not Membership.objects.filter(user=user).exists()


def test_joining_with_another_tables_organisation_is_refused(table, other_table):
    with pytest.raises(ValidationError) as error:
        services.membership_join(table=table, user=UserFactory(), role=Role.REPRESENTATIVE,
                                 organisation=OrganisationFactory(table=other_table))
    assert "organisation" in error.value.message_dict


def test_a_citizen_keeps_no_stray_affiliation(table):
    membership = services.membership_join(
        table=table, user=UserFactory(), role=Role.CITIZEN,
        institution=InstitutionFactory(table=table), organisation=OrganisationFactory(table=table))
    assert (membership.institution, membership.organisation) == (None, None)


def test_a_person_who_left_can_join_again_and_the_old_record_stays(table, citizen):
    old = membership_of(citizen, table)
    services.membership_end(membership=old, actor=citizen)
    new = services.membership_join(table=table, user=citizen)
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.left_at is not None
    assert Membership.objects.filter(table=table, user=citizen).count() == 2


# --- Role changes ----------------------------------------------------------------------------


def test_role_change_is_recorded_with_actor_action_roles_and_note(table, citizen, secretariat):
    membership = membership_of(citizen, table)
    services.membership_change_role(membership=membership, role=Role.COORDINATOR,
                                    actor=secretariat, note="Leads the theft subcommittee")
    change = last_change(membership)
    assert (change.actor, change.action, change.from_role, change.to_role, change.note) == (
        secretariat, "role_changed", Role.CITIZEN, Role.COORDINATOR,
        "Leads the theft subcommittee")


def test_an_official_appointed_by_the_secretariat_is_verified_at_once(table, citizen,
                                                                      secretariat):
    institution = InstitutionFactory(table=table)
    membership = services.membership_change_role(
        membership=membership_of(citizen, table), role=Role.OFFICIAL, actor=secretariat,
        institution=institution, position="Agente del MP")
    assert (membership.verified_by, membership.institution, membership.position) == (
        secretariat, institution, "Agente del MP")
    assert membership.verified_at is not None
    assert group_kinds(citizen, table) == {"member", "official"}
    assert permissions.can_act_as_official(fresh(citizen), table)


def test_an_official_made_citizen_loses_official_powers_and_institution(table, official,
                                                                        secretariat):
    membership = services.membership_change_role(
        membership=membership_of(official, table), role=Role.CITIZEN, actor=secretariat)
    assert (membership.institution, membership.verified_at) == (None, None)
    assert group_kinds(official, table) == {"member"}
    assert not permissions.can_act_as_official(fresh(official), table)


def test_a_new_secretariat_member_gains_management_powers(table, citizen, secretariat):
    services.membership_change_role(membership=membership_of(citizen, table),
                                    role=Role.SECRETARIAT, actor=secretariat)
    assert group_kinds(citizen, table) == {"member", "secretariat"}
    assert permissions.can_manage_members(fresh(citizen), table)


def test_a_demoted_secretariat_member_loses_manage_members_immediately(table, secretariat):
    second = make_member(table, Role.SECRETARIAT)
    user = second.user
    assert permissions.can_manage_members(user, table)  # caches the checker on the object
    services.membership_change_role(membership=second, role=Role.CITIZEN, actor=secretariat)
    # Both a fresh request and the very same user object see the change.
    assert not permissions.can_manage_members(fresh(user), table)
    assert group_kinds(user, table) == {"member"}


def test_the_last_secretariat_member_cannot_change_role(table, secretariat):
    membership = membership_of(secretariat, table)
    changes = MembershipChange.objects.count()
    with pytest.raises(ValidationError, match="at least one secretariat member"):
        services.membership_change_role(membership=membership, role=Role.CITIZEN,
                                        actor=secretariat)
    membership.refresh_from_db()
    assert membership.role == Role.SECRETARIAT
    assert MembershipChange.objects.count() == changes
    assert permissions.can_manage_members(fresh(secretariat), table)


def test_a_secretariat_member_can_step_down_once_another_exists(table, secretariat):
    make_member(table, Role.SECRETARIAT)
    services.membership_change_role(membership=membership_of(secretariat, table),
                                    role=Role.CITIZEN, actor=secretariat)
    assert not permissions.can_manage_members(fresh(secretariat), table)


def test_role_change_refuses_an_unknown_role(table, citizen, secretariat):
    with pytest.raises(ValidationError):
        services.membership_change_role(membership=membership_of(citizen, table),
                                        role="emperor", actor=secretariat)
    assert membership_of(citizen, table).role == Role.CITIZEN


def test_role_change_refuses_another_tables_institution(table, other_table, citizen,
                                                        secretariat):
    with pytest.raises(ValidationError) as error:
        services.membership_change_role(
            membership=membership_of(citizen, table), role=Role.OFFICIAL, actor=secretariat,
            institution=InstitutionFactory(table=other_table))
    assert "institution" in error.value.message_dict
    assert membership_of(citizen, table).role == Role.CITIZEN


def test_role_change_of_a_former_member_is_refused(table, citizen, secretariat):
    membership = membership_of(citizen, table)
    services.membership_end(membership=membership, actor=citizen)
    with pytest.raises(ValidationError):
        services.membership_change_role(membership=membership, role=Role.SECRETARIAT,
                                        actor=secretariat)
    assert group_kinds(citizen, table) == set()


def test_a_coordinator_made_citizen_stops_coordinating(table, coordinator, secretariat):
    subcommittee = Subcommittee.objects.filter(table=table).first()
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    services.membership_change_role(membership=membership_of(coordinator, table),
                                    role=Role.CITIZEN, actor=secretariat)
    assert not subcommittee.coordinators.filter(pk=coordinator.pk).exists()


# --- Verification ------------------------------------------------------------------------------


def test_verifying_records_who_and_when_and_grants_official_powers(table, pending_official,
                                                                   secretariat):
    membership = services.membership_verify(membership=membership_of(pending_official, table),
                                            actor=secretariat)
    assert membership.verified_by == secretariat
    assert membership.verified_at is not None
    change = last_change(membership)
    assert (change.actor, change.action, change.to_role) == (secretariat, "verified",
                                                             Role.OFFICIAL)
    assert permissions.can_act_as_official(fresh(pending_official), table)


def test_verifying_twice_is_refused(table, official, secretariat):
    membership = membership_of(official, table)
    verified_at = membership.verified_at
    with pytest.raises(ValidationError, match="already verified"):
        services.membership_verify(membership=membership, actor=secretariat)
    membership.refresh_from_db()
    assert membership.verified_at == verified_at


def test_a_citizen_needs_no_verification(table, citizen, secretariat):
    with pytest.raises(ValidationError):
        services.membership_verify(membership=membership_of(citizen, table), actor=secretariat)


def test_verifying_a_former_member_is_refused(table, pending_official, secretariat):
    membership = membership_of(pending_official, table)
    services.membership_end(membership=membership, actor=pending_official)
    with pytest.raises(ValidationError):
        services.membership_verify(membership=membership, actor=secretariat)
    membership.refresh_from_db()
    assert membership.verified_at is None


def test_refusing_a_claim_keeps_the_person_as_a_citizen(table, pending_official, secretariat):
    membership = services.membership_refuse_verification(
        membership=membership_of(pending_official, table), actor=secretariat,
        note="Not on the staff list")
    assert (membership.role, membership.institution, membership.is_active) == (
        Role.CITIZEN, None, True)
    change = last_change(membership)
    assert (change.actor, change.action, change.from_role, change.to_role, change.note) == (
        secretariat, "verification_refused", Role.OFFICIAL, Role.CITIZEN,
        "Not on the staff list")
    assert group_kinds(pending_official, table) == {"member"}


def test_refusing_a_representatives_claim_clears_the_organisation(table, secretariat):
    membership = make_member(table, Role.REPRESENTATIVE, verified=False)
    membership = services.membership_refuse_verification(membership=membership,
                                                          actor=secretariat, note="Unknown")
    assert (membership.role, membership.organisation) == (Role.CITIZEN, None)


@pytest.mark.parametrize("note", ["", "   "])
def test_refusing_a_claim_needs_a_reason(table, pending_official, secretariat, note):
    membership = membership_of(pending_official, table)
    with pytest.raises(ValidationError) as error:
        services.membership_refuse_verification(membership=membership, actor=secretariat,
                                                note=note)
    assert "note" in error.value.message_dict
    membership.refresh_from_db()
    assert membership.is_pending_verification


def test_refusing_a_verified_membership_is_refused(table, official, secretariat):
    membership = membership_of(official, table)
    with pytest.raises(ValidationError, match="no pending claim"):
        services.membership_refuse_verification(membership=membership, actor=secretariat,
                                                note="Too late")
    membership.refresh_from_db()
    assert membership.role == Role.OFFICIAL


# --- Leaving and removal --------------------------------------------------------------------


def test_leaving_keeps_the_record_and_drops_every_power(table, official):
    membership = membership_of(official, table)
    services.membership_end(membership=membership, actor=official, note="Moving city")
    membership.refresh_from_db()
    assert membership.left_at is not None
    assert Membership.objects.filter(pk=membership.pk).exists()
    change = last_change(membership)
    assert (change.actor, change.action, change.from_role, change.note) == (
        official, "left", Role.OFFICIAL, "Moving city")
    assert group_kinds(official, table) == set()
    assert not permissions.can_view_member_list(fresh(official), table)
    assert not permissions.can_act_as_official(fresh(official), table)


def test_removal_by_the_secretariat_is_recorded_as_removed(table, citizen, secretariat):
    membership = membership_of(citizen, table)
    services.membership_end(membership=membership, actor=secretariat, note="Spam")
    change = last_change(membership)
    assert (change.actor, change.action, change.note) == (secretariat, "removed", "Spam")


def test_a_removed_secretariat_member_loses_manage_members_immediately(table, secretariat):
    second = make_member(table, Role.SECRETARIAT)
    user = second.user
    assert permissions.can_manage_members(user, table)
    services.membership_end(membership=second, actor=secretariat)
    assert not permissions.can_manage_members(fresh(user), table)
    assert not permissions.tables_for_user(fresh(user), "mesa.manage_members").exists()
    assert not Membership.objects.visible_to(fresh(user)).filter(
        table=table).exclude(user=user).exists()


def test_the_last_secretariat_member_cannot_leave(table, secretariat):
    membership = membership_of(secretariat, table)
    with pytest.raises(ValidationError, match="at least one secretariat member"):
        services.membership_end(membership=membership, actor=secretariat)
    membership.refresh_from_db()
    assert membership.is_active
    assert permissions.can_manage_members(fresh(secretariat), table)


def test_leaving_twice_is_refused(table, citizen):
    membership = membership_of(citizen, table)
    services.membership_end(membership=membership, actor=citizen)
    left_at = Membership.objects.get(pk=membership.pk).left_at
    with pytest.raises(ValidationError):
        services.membership_end(membership=membership, actor=citizen)
    assert Membership.objects.get(pk=membership.pk).left_at == left_at
    assert membership.changes.filter(action="left").count() == 1


def test_a_coordinator_who_leaves_stops_coordinating(table, coordinator):
    subcommittee = Subcommittee.objects.filter(table=table).first()
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    services.membership_end(membership=membership_of(coordinator, table), actor=coordinator)
    assert not subcommittee.coordinators.filter(pk=coordinator.pk).exists()


def test_leaving_one_table_keeps_the_other(table, other_table, citizen):
    make_member(other_table, Role.CITIZEN, user=citizen)
    services.membership_end(membership=membership_of(citizen, table), actor=citizen)
    assert permissions.can_view_member_list(fresh(citizen), other_table)
    assert not permissions.can_view_member_list(fresh(citizen), table)


# --- Invitations ------------------------------------------------------------------------------


def test_invitation_is_mailed_once_committed(table, secretariat, mailoutbox,
                                             django_capture_on_commit_callbacks):
    institution = InstitutionFactory(table=table)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = services.invitation_create(
            table=table, email=" Fiscal@Example.ORG ", role=Role.OFFICIAL,
            invited_by=secretariat, institution=institution)
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert invitation.email == "fiscal@example.org"
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - services.INVITATION_LIFETIME) < timedelta(seconds=1)
    assert [m.to for m in mailoutbox] == [["fiscal@example.org"]]
    assert invitation.token in mailoutbox[0].body


def test_invitation_of_a_current_member_is_refused(table, citizen, secretariat):
    with pytest.raises(ValidationError) as error:
        services.invitation_create(table=table, email=citizen.email.upper(),
                                   role=Role.SECRETARIAT, invited_by=secretariat)
    assert "email" in error.value.message_dict
    assert not Invitation.objects.exists()


def test_invitation_of_an_official_needs_an_institution_of_this_table(table, other_table,
                                                                      secretariat):
    with pytest.raises(ValidationError):
        services.invitation_create(table=table, email="x@example.org", role=Role.OFFICIAL,
                                   invited_by=secretariat)
    with pytest.raises(ValidationError) as error:
        services.invitation_create(table=table, email="x@example.org", role=Role.OFFICIAL,
                                   invited_by=secretariat,
                                   institution=InstitutionFactory(table=other_table))
    assert "institution" in error.value.message_dict
    assert not Invitation.objects.exists()


def test_invitation_of_a_representative_needs_an_organisation_of_this_table(
    table, other_table, secretariat
):
    with pytest.raises(ValidationError) as error:
        services.invitation_create(table=table, email="x@example.org",
                                   role=Role.REPRESENTATIVE, invited_by=secretariat,
                                   organisation=OrganisationFactory(table=other_table))
    assert "organisation" in error.value.message_dict


def test_invitation_refuses_an_unknown_role(table, secretariat):
    with pytest.raises(ValidationError):
        services.invitation_create(table=table, email="x@example.org", role="emperor",
                                   invited_by=secretariat)
    assert not Invitation.objects.exists()


@pytest.fixture
def official_invitation(table, secretariat):
    return services.invitation_create(
        table=table, email="fiscal@example.org", role=Role.OFFICIAL, invited_by=secretariat,
        institution=InstitutionFactory(table=table))


def test_accepting_an_invitation_makes_a_verified_member(table, secretariat,
                                                         official_invitation):
    user = UserFactory(email="fiscal@example.org")
    membership = services.invitation_accept(invitation=official_invitation, user=user)
    assert (membership.role, membership.institution, membership.verified_by) == (
        Role.OFFICIAL, official_invitation.institution, secretariat)
    change = last_change(membership)
    assert (change.actor, change.action, change.to_role) == (secretariat, "invited",
                                                             Role.OFFICIAL)
    official_invitation.refresh_from_db()
    assert official_invitation.accepted_at is not None
    assert official_invitation.membership == membership
    assert permissions.can_act_as_official(fresh(user), table)


def test_an_invitation_is_matched_case_insensitively(official_invitation):
    user = UserFactory(email="fiscal@example.org")
    User.objects.filter(pk=user.pk).update(email="Fiscal@Example.org")
    assert services.invitation_accept(invitation=official_invitation, user=fresh(user))


def test_an_invitation_for_another_address_is_refused(table, official_invitation):
    user = UserFactory(email="someone-else@example.org")
    with pytest.raises(ValidationError, match="another email address"):
        services.invitation_accept(invitation=official_invitation, user=user)
    assert not Membership.objects.filter(user=user).exists()
    official_invitation.refresh_from_db()
    assert official_invitation.accepted_at is None


def test_an_expired_invitation_is_refused(official_invitation):
    Invitation.objects.filter(pk=official_invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    user = UserFactory(email="fiscal@example.org")
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(invitation=official_invitation, user=user)
    assert not Membership.objects.filter(user=user).exists()


def test_a_used_invitation_cannot_be_used_again(table, official_invitation):
    first = UserFactory(email="fiscal@example.org")
    services.invitation_accept(invitation=official_invitation, user=first)
    with pytest.raises(ValidationError, match="already used"):
        services.invitation_accept(invitation=official_invitation, user=first)
    assert Membership.objects.filter(table=table, user=first).count() == 1


def test_an_invitation_needs_a_confirmed_email_address(official_invitation):
    user = UserFactory(email="fiscal@example.org", email_verified_at=None)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=official_invitation, user=user)
    assert not Membership.objects.filter(user=user).exists()


def test_accepting_while_already_a_member_keeps_one_membership(table, citizen, secretariat):
    invitation = services.invitation_create(table=table, email="new@example.org",
                                            role=Role.CITIZEN, invited_by=secretariat)
    # The member changed their address to the invited one meanwhile.
    User.objects.filter(pk=citizen.pk).update(email="new@example.org")
    membership = services.invitation_accept(invitation=invitation, user=fresh(citizen))
    assert membership.pk == membership_of(citizen, table).pk  # no second membership
    assert Membership.objects.filter(table=table, user=citizen).count() == 1


def test_a_member_accepting_a_secretariat_invitation_changes_role(table, citizen, secretariat):
    invitation = services.invitation_create(table=table, email="future@example.org",
                                            role=Role.SECRETARIAT, invited_by=secretariat)
    User.objects.filter(pk=citizen.pk).update(email="future@example.org")
    membership = services.invitation_accept(invitation=invitation, user=fresh(citizen))
    assert membership.role == Role.SECRETARIAT
    change = last_change(membership)
    assert (change.actor, change.action, change.from_role, change.to_role) == (
        secretariat, "role_changed", Role.CITIZEN, Role.SECRETARIAT)
    assert permissions.can_manage_members(fresh(citizen), table)


# --- Institutions and organisations ------------------------------------------------------------


def test_institution_save_creates_and_deactivates(table):
    institution = services.institution_save(institution=Institution(
        table=table, name="Guardia Nacional", acronym="GN", level="federal"))
    institution.is_active = False
    services.institution_save(institution=institution)
    institution.refresh_from_db()
    assert not institution.is_active


def test_institution_save_refuses_a_duplicate_name_in_the_same_table(table, other_table):
    InstitutionFactory(table=table, name="Guardia Nacional")
    with pytest.raises(ValidationError):
        services.institution_save(institution=Institution(
            table=table, name="Guardia Nacional", level="federal"))
    services.institution_save(institution=Institution(
        table=other_table, name="Guardia Nacional", level="federal"))
    assert Institution.objects.filter(name="Guardia Nacional").count() == 2


def test_institution_save_refuses_a_bad_level(table):
    with pytest.raises(ValidationError) as error:
        services.institution_save(institution=Institution(table=table, name="X", level="x"))
    assert "level" in error.value.message_dict


def test_organisation_save_refuses_a_duplicate_name_in_the_same_table(table):
    OrganisationFactory(table=table, name="Canaco")
    with pytest.raises(ValidationError):
        services.organisation_save(organisation=Organisation(
            table=table, name="Canaco", kind="business"))
    assert Organisation.objects.filter(table=table).count() == 1
