import pytest
from guardian.shortcuts import assign_perm

from mesa import permissions
from mesa.models import Membership, Role
from tests.mesa.factories import UserFactory, make_member


def test_secretariat_manages_its_own_table_only(table, secretariat, other_table):
    assert permissions.can_manage_members(secretariat, table)
    assert not permissions.can_manage_members(secretariat, other_table)


@pytest.mark.parametrize("person", ["citizen", "official", "representative", "coordinator", "outsider"])
def test_only_the_secretariat_manages_members(request, table, person):
    user = request.getfixturevalue(person)
    assert not permissions.can_manage_members(user, table)
    assert not permissions.can_manage_subcommittees(user, table)


def test_unverified_official_has_no_official_powers(table, pending_official, official):
    assert not permissions.can_act_as_official(pending_official, table)
    assert permissions.can_act_as_official(official, table)


def test_global_permission_does_not_open_every_table(table, outsider):
    """guardian's accept_global_perms trap: a model-wide perm must not leak to objects."""
    assign_perm("mesa.manage_members", outsider)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    assert not permissions.can_manage_members(outsider, table)
    assert not permissions.tables_for_user(outsider, "mesa.manage_members").exists()
    assert not Membership.objects.visible_to(outsider).filter(table=table).exists()


def test_members_see_public_facing_people_but_not_the_citizen_list(table, citizen, official, secretariat):
    visible = Membership.objects.visible_to(official).filter(table=table)
    roles = set(visible.values_list("role", flat=True))
    assert Role.CITIZEN not in roles
    assert {Role.OFFICIAL, Role.SECRETARIAT} <= roles
    assert Membership.objects.visible_to(secretariat).filter(table=table, role=Role.CITIZEN).exists()


# --- A person's object permissions, read once ---------------------------------------------


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_a_persons_table_permissions_are_read_in_one_query(table, other_table, secretariat,
                                                           django_assert_num_queries):
    secretariat = _fresh(secretariat)
    with django_assert_num_queries(1):
        assert permissions.can_manage_members(secretariat, table)
        assert permissions.is_member(secretariat, table)
        assert not permissions.can_act_as_official(secretariat, table)
        assert not permissions.is_member(secretariat, other_table)
        tables = permissions.tables_for_user(secretariat, "mesa.manage_members")
    assert list(tables) == [table]


def test_permissions_of_many_people_load_in_one_query(table, other_table, citizen, official, outsider,
                                                     django_assert_num_queries):
    people = [_fresh(citizen), _fresh(official), _fresh(outsider)]
    with django_assert_num_queries(1):
        permissions.prefetch_object_permissions(people)
    with django_assert_num_queries(0):
        assert [permissions.is_member(person, table) for person in people] == [True, True, False]
        assert [permissions.can_act_as_official(person, table) for person in people] == [False, True, False]
        assert not any(permissions.is_member(person, other_table) for person in people)


def test_a_coordinator_holds_their_subcommittee_only(table):
    from subcommittees import permissions as subcommittee_permissions
    from subcommittees.services import subcommittee_set_coordinators

    first, second = table.subcommittees.order_by("pk")[:2]
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=first, users=[user])
    user = _fresh(user)
    assert list(permissions.subcommittees_coordinated_by(user)) == [first]
    assert subcommittee_permissions.can_coordinate(user, first)
    assert not subcommittee_permissions.can_coordinate(user, second)


def test_a_change_of_role_is_seen_once_the_cache_is_forgotten(table, citizen):
    from mesa import services

    assert not permissions.can_manage_members(citizen, table)
    services.membership_change_role(membership=citizen.memberships.get(table=table), role=Role.SECRETARIAT,
                                    actor=table.memberships.get(role=Role.SECRETARIAT).user)
    assert not permissions.can_manage_members(citizen, table)  # read once per user object
    permissions.forget_cached_permissions(citizen)
    assert permissions.can_manage_members(citizen, table)


def test_a_superuser_holds_every_table_and_an_inactive_person_none(table, other_table, secretariat):
    admin = UserFactory(is_superuser=True)
    assert permissions.can_manage_members(admin, other_table)
    assert set(permissions.tables_for_user(admin, "mesa.manage_members")) == {table, other_table}
    secretariat.is_active = False
    assert not permissions.can_manage_members(secretariat, table)
    assert not permissions.tables_for_user(secretariat, "mesa.manage_members").exists()
