import pytest
from guardian.shortcuts import assign_perm

from mesa import permissions
from mesa.models import Membership, Role


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
