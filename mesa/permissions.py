"""Who may see and do what at a table: the one place these rules live.

Powers come from django-guardian object permissions on the Table, granted
to per-table groups (see `role_group_names`) when a membership starts,
changes role, is verified or ends (mesa.services keeps the groups in step).
Views, the API and templates all ask here; nothing else decides.

A model-wide ("global") permission never opens every table: only object
permissions are read, once per person and request (`_object_permissions`).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, IntegerField, QuerySet, Value
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

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


def prefetch_object_permissions(users) -> None:
    """Load the object permissions of several people in one query (see `_object_permissions`)."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from subcommittees.models import Subcommittee

    people = {user.pk: user for user in users if user.is_authenticated and user.is_active}
    if not people:
        return
    types = ContentType.objects.get_for_models(Table, Subcommittee).values()
    fields = ("content_type_id", "object_pk", "permission__codename")
    by_group = (GroupObjectPermission.objects.filter(group__user__in=people, content_type__in=types)
                .values_list("group__user", *fields))
    direct = (UserObjectPermission.objects.filter(user__in=people, content_type__in=types)
              .values_list("user", *fields))
    # In the same query, the subcommittees they coordinate and their tables
    # (`coordinated_subcommittees`), as rows of a content type that does not exist (0):
    # (0, subcommittee id, table id).
    coordinating = (Subcommittee.coordinators.through.objects.filter(user__in=people)
                    .values_list("user", Value(0, output_field=IntegerField()),
                                 Cast("subcommittee_id", CharField()),
                                 Cast("subcommittee__table_id", CharField())))
    collected: dict[int, dict[tuple[int, int], set[str]]] = {pk: {} for pk in people}
    coordinated: dict[int, dict[int, int]] = {pk: {} for pk in people}
    for user_id, type_id, object_pk, codename in by_group.union(direct, coordinating, all=True):
        if type_id == 0:
            coordinated[user_id][int(object_pk)] = int(codename)
        else:
            collected[user_id].setdefault((type_id, int(object_pk)), set()).add(codename)
    for user_id, permissions in collected.items():
        people[user_id]._mesa_object_perms = {key: frozenset(codenames)
                                              for key, codenames in permissions.items()}
        people[user_id]._mesa_coordinated = coordinated[user_id]


def _object_permissions(user) -> dict[tuple[int, int], frozenset[str]]:
    """{(content type id, object id): codenames} of every object permission `user` holds on
    tables and subcommittees, directly or through their groups: one query per user object
    (a person belongs to few tables), so that no page asks guardian table by table."""
    if not user.is_authenticated or not user.is_active:
        return {}
    if not hasattr(user, "_mesa_object_perms"):
        prefetch_object_permissions([user])
    return user._mesa_object_perms


def _ids_with_perm(user, model, codename: str) -> list[int]:
    from django.contrib.contenttypes.models import ContentType

    type_id = ContentType.objects.get_for_model(model).pk
    return sorted(object_id for (kind, object_id), codenames in _object_permissions(user).items()
                  if kind == type_id and codename in codenames)


def _has_perm(user, codename: str, model, pk: int) -> bool:
    from django.contrib.contenttypes.models import ContentType

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    key = (ContentType.objects.get_for_model(model).pk, pk)
    return codename in _object_permissions(user).get(key, ())


def has_object_perm(user, codename: str, obj) -> bool:
    """`codename` on `obj` (a table or a subcommittee) by object permission; a superuser holds all."""
    return _has_perm(user, codename, type(obj), obj.pk)


def has_table_id_perm(user, codename: str, table_id: int) -> bool:
    """has_table_perm for a table known by its id (no need to load it)."""
    return _has_perm(user, codename, Table, table_id)


def coordinated_subcommittees(user) -> dict[int, int]:
    """{subcommittee id: its table's id} of the subcommittees `user` coordinates (their
    appointment as a coordinator); read with their permissions, in the same query."""
    if not user.is_authenticated or not user.is_active:
        return {}
    if not hasattr(user, "_mesa_coordinated"):
        prefetch_object_permissions([user])
    return user._mesa_coordinated


def _coordinated_table_ids(user) -> frozenset[int]:
    """Tables at which `user` coordinates a subcommittee."""
    return frozenset(coordinated_subcommittees(user).values())


def forget_cached_permissions(user) -> None:
    """Drop a user's cached checks after their groups changed (same request)."""
    for attribute in ("_mesa_object_perms", "_mesa_coordinated"):
        if hasattr(user, attribute):
            delattr(user, attribute)


def has_any_table_perm(user, codenames) -> bool:
    """Does `user` hold any of `codenames` at some table (by object permission)? Read from the
    same once-per-request load as every other check; a superuser holds all."""
    from django.contrib.contenttypes.models import ContentType

    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    type_id = ContentType.objects.get_for_model(Table).pk
    wanted = frozenset(codenames)
    return any(kind == type_id and not wanted.isdisjoint(held)
               for (kind, _object_id), held in _object_permissions(user).items())


def has_table_perm(user, codename: str, table: Table) -> bool:
    return has_object_perm(user, codename, table)


def tables_for_user(user, perm: str) -> QuerySet:
    """Tables at which `user` holds `perm` (``app_label.codename``) by object permission
    (every table for a superuser). The ids are spelled out, so the planner sees a short list."""
    if not user.is_authenticated or not user.is_active:
        return Table.objects.none()
    if user.is_superuser:
        return Table.objects.all()
    return Table.objects.filter(pk__in=_ids_with_perm(user, Table, perm.split(".")[-1]))


def subcommittees_coordinated_by(user) -> QuerySet:
    """Subcommittees `user` has been appointed to coordinate (object permission; all for a superuser)."""
    from subcommittees.models import Subcommittee

    if not user.is_authenticated or not user.is_active:
        return Subcommittee.objects.none()
    if user.is_superuser:
        return Subcommittee.objects.all()
    return Subcommittee.objects.filter(pk__in=_ids_with_perm(user, Subcommittee, "coordinate_subcommittee"))


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
