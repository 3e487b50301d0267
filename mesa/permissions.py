"""Who may see and do what at a table: the one place these rules live.

Powers come from django-guardian object permissions on the Table, granted
to per-table groups (see `role_group_names`) when a membership starts,
changes role, is verified or ends (mesa.services keeps the groups in step).
Views, the API and templates all ask here; nothing else decides.

A model-wide ("global") permission never opens every table: list filters
always pass ``accept_global_perms=False``, and object checks go through
guardian's ObjectPermissionChecker, which ignores global permissions.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from mesa.models import Role, Table

# Group kind -> permissions (codenames on Table) its members hold at that table.
GROUP_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "member": ("view_table_content", "view_member_list"),
    "official": ("act_as_official",),
    "secretariat": (
        "change_table",
        "manage_members",
        "manage_subcommittees",
        "manage_institutions",
    ),
}


def group_name(table: Table, kind: str) -> str:
    return f"table:{table.pk}:{kind}"


def role_group_kinds(membership) -> set[str]:
    """The groups an (active) membership puts its person in."""
    if not membership.is_active:
        return set()
    kinds = {"member"}
    if membership.role == Role.OFFICIAL and membership.is_verified:
        kinds.add("official")
    if membership.role == Role.SECRETARIAT:
        kinds.add("secretariat")
    return kinds


def permission_checker(user) -> ObjectPermissionChecker | None:
    """One checker per user object, so a page asks the database once per table."""
    if not user.is_authenticated or not user.is_active:
        return None
    checker = getattr(user, "_mesa_perm_checker", None)
    if checker is None:
        checker = ObjectPermissionChecker(user)
        user._mesa_perm_checker = checker
    return checker


def _coordinated_table_ids(user) -> frozenset[int]:
    """Tables at which `user` coordinates a subcommittee; one query per user object."""
    if not user.is_authenticated:
        return frozenset()
    ids = getattr(user, "_mesa_coordinated_table_ids", None)
    if ids is None:
        ids = frozenset(user.coordinated_subcommittees.values_list("table_id", flat=True))
        user._mesa_coordinated_table_ids = ids
    return ids


def forget_cached_permissions(user) -> None:
    """Drop a user's cached checks after their groups changed (same request)."""
    for attribute in ("_mesa_perm_checker", "_mesa_coordinated_table_ids"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def has_table_perm(user, codename: str, table: Table) -> bool:
    checker = permission_checker(user)
    return bool(checker and checker.has_perm(codename, table))


def tables_for_user(user, perm: str) -> QuerySet:
    """Tables at which `user` holds `perm` (``app_label.codename``) by object permission."""
    if not user.is_authenticated:
        return Table.objects.none()
    return get_objects_for_user(
        user, perm, klass=Table.objects.all(), accept_global_perms=False, with_superuser=True
    )


# --- The rules -----------------------------------------------------------------


def can_view_table_content(user, table: Table) -> bool:
    """Sessions and public concerns: open to all at a public table, else members only."""
    return table.is_public or has_table_perm(user, "view_table_content", table)


def can_view_member_list(user, table: Table) -> bool:
    return has_table_perm(user, "view_member_list", table)


def can_manage_members(user, table: Table) -> bool:
    return has_table_perm(user, "manage_members", table)


def can_manage_subcommittees(user, table: Table) -> bool:
    return has_table_perm(user, "manage_subcommittees", table)


def can_manage_institutions(user, table: Table) -> bool:
    return has_table_perm(user, "manage_institutions", table)


def can_change_table(user, table: Table) -> bool:
    return has_table_perm(user, "change_table", table)


def can_act_as_official(user, table: Table) -> bool:
    """Only a verified official of one of the table's institutions."""
    return has_table_perm(user, "act_as_official", table)


def can_end_membership(user, membership) -> bool:
    """Leaving is one's own choice; removing someone is the secretariat's."""
    return membership.user_id == user.pk or can_manage_members(user, membership.table)


def is_member(user, table: Table) -> bool:
    return has_table_perm(user, "view_member_list", table)


def can_join(user, table: Table) -> bool:
    return user.is_authenticated and user.is_email_verified and not is_member(user, table)


@dataclass(frozen=True)
class TablePermissions:
    """What a person may do at one table, for templates (computed once per page)."""

    is_member: bool
    view_content: bool
    view_member_list: bool
    manage_members: bool
    manage_subcommittees: bool
    manage_institutions: bool
    change_table: bool
    act_as_official: bool
    join: bool
    coordinates: bool  # the secretariat, or a coordinator of one of its subcommittees


def table_permissions(user, table: Table) -> TablePermissions:
    manage_subcommittees = can_manage_subcommittees(user, table)
    return TablePermissions(
        is_member=is_member(user, table),
        view_content=can_view_table_content(user, table),
        view_member_list=can_view_member_list(user, table),
        manage_members=can_manage_members(user, table),
        manage_subcommittees=manage_subcommittees,
        manage_institutions=can_manage_institutions(user, table),
        change_table=can_change_table(user, table),
        act_as_official=can_act_as_official(user, table),
        join=can_join(user, table),
        coordinates=manage_subcommittees or table.pk in _coordinated_table_ids(user),
    )


def get_table_for_user(user, slug: str, rule=None) -> Table:
    """The table at `slug`, or 404; PermissionDenied unless `rule(user, table)` holds."""
    table = get_object_or_404(Table, slug=slug)
    if rule is not None and not rule(user, table):
        raise PermissionDenied
    return table
