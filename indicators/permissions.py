"""Who may see indicators and who enters their figures.

- Seeing: indicators.querysets (visible_to): everyone at a table open to
  non-members, its members otherwise.
- Entering and correcting observations, importing them, setting baselines and
  targets, defining indicators: the coordinators of the indicator's owning
  subcommittee (by default the performance-indicators subcommittee) and the
  table's secretariat; nobody else.
Views, the API and the import ask here; nothing else decides.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from indicators.models import Indicator
from mesa import permissions as mesa_permissions
from mesa.models import Table
from subcommittees import permissions as subcommittee_permissions
from subcommittees.models import Subcommittee


def can_view_indicators(user, table: Table) -> bool:
    return table.is_public or mesa_permissions.has_table_perm(user, "view_table_content", table)


def can_enter_data(user, indicator: Indicator) -> bool:
    return subcommittee_permissions.can_coordinate(user, indicator.subcommittee)


def indicators_subcommittee(table: Table) -> Subcommittee | None:
    return table.subcommittees.filter(standing_theme=Subcommittee.Theme.INDICATORS).first()


def can_define_indicators(user, table: Table) -> bool:
    """Add indicators, and import figures at all: the secretariat and the coordinators of
    the performance-indicators subcommittee."""
    if not user.is_authenticated:
        return False
    if mesa_permissions.can_manage_subcommittees(user, table):
        return True
    owner = indicators_subcommittee(table)
    return owner is not None and subcommittee_permissions.can_coordinate(user, owner)


def enterable_indicator_ids(user, table: Table) -> set[int]:
    """The table's indicators whose figures `user` may enter (one query)."""
    coordinated = {s.pk for s in subcommittee_permissions.subcommittees_triaged_by(user, table)} \
        if user.is_authenticated else set()
    return set(Indicator.objects.filter(table=table, subcommittee__in=coordinated)
               .values_list("pk", flat=True))


def get_indicator_for_user(user, table_slug: str, code: str) -> Indicator:
    """The indicator, or 404 for anyone who may not see it."""
    return get_object_or_404(Indicator.objects.visible_to(user).select_related("table", "subcommittee"),
                             table__slug=table_slug, code=code)


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
