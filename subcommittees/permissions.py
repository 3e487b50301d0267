"""Who may see and run a subcommittee. Table-wide powers come from mesa.permissions."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from mesa import permissions as mesa_permissions
from subcommittees.models import Subcommittee


def can_coordinate(user, subcommittee: Subcommittee) -> bool:
    """Its coordinators, and the table's secretariat."""
    return mesa_permissions.has_object_perm(user, "coordinate_subcommittee", subcommittee) or (
        mesa_permissions.has_table_id_perm(user, "manage_subcommittees", subcommittee.table_id)
    )


def can_manage(user, subcommittee: Subcommittee) -> bool:
    """Rename, archive, appoint coordinators: the secretariat only."""
    return mesa_permissions.can_manage_subcommittees(user, subcommittee.table)


def subcommittees_triaged_by(user, table) -> list[Subcommittee]:
    """The subcommittees whose work `user` coordinates at `table`: all of them for
    the secretariat, their own for coordinators (the rule of can_coordinate)."""
    subcommittees = Subcommittee.objects.filter(table=table).order_by("archived_at", "pk")
    if mesa_permissions.can_manage_subcommittees(user, table):
        return list(subcommittees)
    return list(subcommittees.filter(pk__in=mesa_permissions.subcommittees_coordinated_by(user)))


def get_subcommittee_for_user(user, table_slug: str, slug: str, rule=None) -> Subcommittee:
    """The subcommittee, or 404; PermissionDenied unless `rule(user, subcommittee)` holds.

    A subcommittee's name, description and coordinators are public like the
    table's home page; its work (concerns, sessions) has its own rules.
    """
    subcommittee = get_object_or_404(
        Subcommittee.objects.select_related("table"), table__slug=table_slug, slug=slug
    )
    if rule is not None and not rule(user, subcommittee):
        raise PermissionDenied
    return subcommittee
