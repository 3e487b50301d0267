"""Who may see and run sessions, agendas, minutes, agreements and proposals.

- Seeing: meetings.querysets (visible_to) is the rule; helpers here ask it.
- The secretariat schedules plenaries and any session, approves minutes,
  withdraws agreements and decides on proposals.
- A subcommittee's coordinators run that subcommittee's sessions (schedule,
  agenda, attendance, minutes drafts, agreements) and draft its proposals.
- Members answer whether they will come.
Views, the API and feeds ask here; nothing else decides.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from meetings.models import Agreement, Proposal, Session
from mesa import permissions as mesa_permissions
from mesa.models import Table
from subcommittees import permissions as subcommittee_permissions


def is_secretariat(user, table: Table) -> bool:
    return mesa_permissions.can_change_table(user, table)


def can_view_session(user, session: Session) -> bool:
    """The rule of SessionQuerySet.visible_to, for a session already loaded."""
    if session.table.is_public and session.is_public:
        return True
    return mesa_permissions.has_table_perm(user, "view_table_content", session.table)


def can_schedule(user, table: Table, subcommittee=None) -> bool:
    if subcommittee is None:
        return is_secretariat(user, table)
    return subcommittee.table_id == table.pk and subcommittee_permissions.can_coordinate(user, subcommittee)


def can_schedule_anything(user, table: Table) -> bool:
    """Whether to offer "schedule a session" at all."""
    if not user.is_authenticated:
        return False
    return is_secretariat(user, table) or bool(subcommittee_permissions.subcommittees_triaged_by(user, table))


def schedulable_subcommittees(user, table: Table) -> list:
    """Active subcommittees `user` may schedule sessions for."""
    return [s for s in subcommittee_permissions.subcommittees_triaged_by(user, table) if not s.is_archived]


def can_organise(user, session: Session) -> bool:
    """Edit, reschedule, cancel, build the agenda, record attendance and agreements, draft minutes."""
    return can_schedule(user, session.table, session.subcommittee)


def can_approve_minutes(user, session: Session) -> bool:
    return is_secretariat(user, session.table)


def can_view_draft_minutes(user, session: Session) -> bool:
    return can_organise(user, session)


def can_rsvp(user, session: Session) -> bool:
    return mesa_permissions.is_member(user, session.table)


def can_see_attendee_names(user, session: Session) -> bool:
    """Everyone present by name: the organisers. Members see officials, representatives,
    coordinators and the secretariat by name and citizens only as a number; the public
    sees the numbers and the institutions present."""
    return can_organise(user, session)


def can_see_public_facing_attendees(user, session: Session) -> bool:
    return mesa_permissions.is_member(user, session.table)


def can_withdraw_agreement(user, agreement: Agreement) -> bool:
    return is_secretariat(user, agreement.table)


def can_draft_proposal(user, subcommittee) -> bool:
    return subcommittee_permissions.can_coordinate(user, subcommittee)


def can_edit_proposal(user, proposal: Proposal) -> bool:
    """Change, submit: the coordinators of its subcommittee and the secretariat."""
    return subcommittee_permissions.can_coordinate(user, proposal.subcommittee)


def can_decide_proposal(user, proposal: Proposal) -> bool:
    """Mark discussed or rejected: the secretariat, which keeps the plenary's record."""
    return is_secretariat(user, proposal.table)


def get_session_for_user(user, table_slug: str, pk: int) -> Session:
    """The session, or 404 for anyone who may not see it (never a tell-tale 403)."""
    session = get_object_or_404(
        Session.objects.visible_to(user).select_related("table", "subcommittee"),
        table__slug=table_slug, pk=pk,
    )
    if session.subcommittee is not None:
        session.subcommittee.table = session.table  # the same table, already read
    return session


def get_agreement_for_user(user, table_slug: str, pk: int) -> Agreement:
    return get_object_or_404(
        Agreement.objects.visible_to(user).select_related("table", "session", "session__subcommittee"),
        table__slug=table_slug, pk=pk,
    )


def get_proposal_for_user(user, table_slug: str, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(user).select_related("table", "subcommittee", "institution",
                                                         "session"),
        table__slug=table_slug, pk=pk,
    )


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
