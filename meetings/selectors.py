"""Reads of sessions that span apps: a table's next sessions for its home page, and
who was at a session as a given person may see it (memberships come from mesa)."""

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery

from meetings.models import RSVP, Session, SessionStatus
from mesa.models import GovernmentLevel, Membership, Role, Table
from mesa.querysets import PUBLIC_FACING_ROLES

# Attendees by the role they took part in, in the order pages list them.
ROLE_ORDER = (Role.SECRETARIAT, Role.COORDINATOR, Role.OFFICIAL, Role.REPRESENTATIVE, Role.CITIZEN)


def upcoming_sessions(user, table: Table, *, limit: int = 3) -> list[Session]:
    """The next sessions of `table` that `user` may see, soonest first (one query)."""
    return list(Session.objects.visible_to(user).filter(table=table).upcoming().with_list_data()[:limit])


def rsvp_counts(session: Session) -> dict[str, int]:
    """{"yes": n, "maybe": n, "no": n} (one query)."""
    counts = dict.fromkeys(RSVP.Answer.values, 0)
    for row in session.rsvps.values("answer").annotate(n=Count("pk")).order_by():
        counts[row["answer"]] = row["n"]
    return counts


@dataclass
class Attendee:
    name: str
    role: str  # a Role value; a claim not verified yet counts as a citizen
    institution: object = None

    @property
    def role_label(self) -> str:
        return Role(self.role).label


@dataclass
class AttendanceSummary:
    """What `viewer` may know of who came: numbers and institutions for everyone;
    names by the rules of meetings.permissions (can_see_attendee_names,
    can_see_public_facing_attendees)."""

    recorded: bool
    present: int = 0
    counts_by_role: list[tuple[str, int]] = field(default_factory=list)
    named: list[Attendee] = field(default_factory=list)
    unnamed: int = 0  # present, but not named to this viewer
    quorum_required: int | None = None
    institutions_by_level: list[tuple[str, list]] = field(default_factory=list)
    absent_invited: list = field(default_factory=list)

    @property
    def quorum_reached(self) -> bool | None:
        if self.quorum_required is None:
            return None
        return self.present >= self.quorum_required


def quorum_required(session: Session) -> int | None:
    """The session's own number; for a plenary without one, more than half of the table's
    active members; a subcommittee session without a number has no quorum rule."""
    if session.quorum:
        return session.quorum
    if session.is_plenary:
        members = Membership.objects.active().filter(table_id=session.table_id).count()
        return members // 2 + 1
    return None


def attendance_summary(session: Session, *, all_names: bool, public_facing_names: bool) -> AttendanceSummary:
    """At most four queries: attendances (with the attendees' roles), institutions present,
    institutions invited, and the member count for a plenary's quorum."""
    recorded = session.status == SessionStatus.HELD
    if not recorded:
        return AttendanceSummary(recorded=False, quorum_required=quorum_required(session))
    # Each attendee's role now: that of their active membership, if verified (one query).
    membership = Membership.objects.active().filter(table_id=session.table_id, user_id=OuterRef("user_id"))
    attendances = list(session.attendances.select_related("user", "institution")
                       .annotate(verified_role=Subquery(membership.verified().values("role")[:1]))
                       .order_by("user__display_name", "pk"))
    attendees = []
    for attendance in attendances:
        # Someone who left the table since, or whose claim is not verified, took part as a citizen.
        role = attendance.verified_role or Role.CITIZEN
        attendees.append(Attendee(name=attendance.user.display_name, role=role,
                                  institution=attendance.institution))
    if all_names:
        named = attendees
    elif public_facing_names:
        named = [a for a in attendees if a.role in PUBLIC_FACING_ROLES]
    else:
        named = []
    by_role = {role: sum(1 for a in attendees if a.role == role) for role in ROLE_ORDER}
    presences = list(session.institution_presences.select_related("institution")
                     .order_by("institution__name", "pk"))
    present_ids = {p.institution_id for p in presences}
    return AttendanceSummary(
        recorded=True,
        present=len(attendees),
        counts_by_role=[(Role(role).label, n) for role, n in by_role.items() if n],
        named=named,
        unnamed=len(attendees) - len(named),
        quorum_required=quorum_required(session),
        institutions_by_level=[
            (label, group) for level, label in GovernmentLevel.choices
            if (group := [p.institution for p in presences if p.level == level])
        ],
        absent_invited=[i for i in session.invited_institutions.order_by("name", "pk")
                        if i.pk not in present_ids],
    )
