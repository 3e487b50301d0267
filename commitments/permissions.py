"""Who may see and change commitments, post action updates, comment and review.

- Seeing: commitments.querysets (visible_to) is the rule; a commitment is seen
  by whoever may see its agreement. Helpers here ask it.
- Whoever records the agreements of a session records and keeps its
  commitments: the secretariat for any session, a subcommittee's coordinators
  for that subcommittee's sessions (meetings.permissions.can_organise). They
  edit, move due dates (with a reason) and set the status.
- Action updates: only verified officials of the owning institution.
- Comments on updates: the table's coordinators and its secretariat.
- Confirming or disputing a delivery: the table's members, except the
  officials of the owning institution, who report it.
- The accountability dashboard: members, and everyone when the table and its
  dashboard are open to non-members.
Views, the API and the exports ask here; nothing else decides.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from commitments.models import ActionUpdate, Commitment, UpdateEvidence
from meetings import permissions as meeting_permissions
from meetings.models import Agreement
from mesa import permissions as mesa_permissions
from mesa.models import Membership, Role, Table
from subcommittees import permissions as subcommittee_permissions


def official_institution_ids(user, table: Table) -> set[int]:
    """Institutions of `table` in whose name `user` acts as a verified official."""
    if not mesa_permissions.can_act_as_official(user, table):
        return set()
    return set(Membership.objects.active().verified()
               .filter(user=user, table=table, role=Role.OFFICIAL)
               .values_list("institution_id", flat=True))


def can_view(user, commitment: Commitment) -> bool:
    return meeting_permissions.can_view_session(user, commitment.agreement.session)


def can_follow(user, commitment: Commitment) -> bool:
    """Anyone signed in who can see it may follow it (and hear of its action updates)."""
    return user.is_authenticated and can_view(user, commitment)


def can_record(user, agreement: Agreement) -> bool:
    """Record commitments under an agreement: whoever organises its session."""
    return meeting_permissions.can_organise(user, agreement.session)


def can_manage(user, commitment: Commitment) -> bool:
    """Edit, move the due date, set the status."""
    return can_record(user, commitment.agreement)


def can_post_update(user, commitment: Commitment) -> bool:
    return commitment.institution_id in official_institution_ids(user, commitment.table)


def can_comment(user, update: ActionUpdate) -> bool:
    table = update.commitment.table
    return bool(user.is_authenticated and subcommittee_permissions.subcommittees_triaged_by(user, table))


def can_review(user, commitment: Commitment) -> bool:
    """Whether `user` may confirm or dispute at all (the service checks the timing)."""
    return (mesa_permissions.is_member(user, commitment.table)
            and not can_post_update(user, commitment))


def can_view_dashboard(user, table: Table) -> bool:
    if table.is_public and table.dashboard_is_public:
        return True
    return mesa_permissions.has_table_perm(user, "view_table_content", table)


def get_commitment_for_user(user, table_slug: str, pk: int) -> Commitment:
    """The commitment, or 404 for anyone who may not see it (never a tell-tale 403)."""
    return get_object_or_404(
        Commitment.objects.visible_to(user).select_related(
            "table", "institution", "agreement", "agreement__session", "agreement__session__subcommittee"),
        table__slug=table_slug, pk=pk,
    )


def get_update_for_user(user, commitment: Commitment, pk: int) -> ActionUpdate:
    return get_object_or_404(ActionUpdate.objects.select_related("commitment"), commitment=commitment, pk=pk)


def get_evidence_for_user(user, table_slug: str, pk: int) -> UpdateEvidence:
    return get_object_or_404(
        UpdateEvidence.objects.filter(update__commitment__in=Commitment.objects.visible_to(user))
        .select_related("update__commitment__table"),
        update__commitment__table__slug=table_slug, pk=pk,
    )


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
