"""Sessions, proposals and agreements made through the services the pages use."""

from datetime import timedelta

from django.utils import timezone

from meetings import services
from meetings.models import Session
from mesa.models import Role, Table
from tests.concerns.factories import raise_concern


def secretariat_of(table: Table):
    return table.memberships.get(role=Role.SECRETARIAT, left_at__isnull=True).user


def schedule_session(table: Table, *, actor=None, subcommittee=None, starts_at=None,
                     hours: int = 2, title: str = "Sesión plenaria", place: str = "Sala de Cabildo",
                     **extra) -> Session:
    starts_at = starts_at or (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    return services.session_schedule(
        table=table, actor=actor or secretariat_of(table), subcommittee=subcommittee, title=title,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), place=place, **extra,
    )


def start_session(session: Session, *, ended: bool = False) -> Session:
    """Let time pass: the session began an hour ago (and is over, if `ended`).
    Services refuse to schedule in the past, so tests move the clock of the row instead."""
    now = timezone.now()
    starts_at = now - timedelta(hours=3 if ended else 1)
    ends_at = now - timedelta(hours=1) if ended else now + timedelta(hours=1)
    Session.objects.filter(pk=session.pk).update(starts_at=starts_at, ends_at=ends_at)
    session.refresh_from_db()
    return session


def held_session(table: Table, **kwargs) -> Session:
    return start_session(schedule_session(table, **kwargs))


def draft_proposal(table: Table, *, subcommittee=None, actor=None, concerns=None,
                   title: str = "200 agentes del ministerio público", **extra):
    subcommittee = subcommittee or table.subcommittees.get(standing_theme="access_to_justice")
    if concerns is None:
        concerns = [raise_concern(table, subcommittee=subcommittee, visibility="anonymous")]
    extra.setdefault("request", "Pedimos 200 agentes del ministerio público, no 5,000 policías más.")
    return services.proposal_create(subcommittee=subcommittee, actor=actor or secretariat_of(table),
                                    title=title, concerns=concerns, **extra)


def submitted_proposal(table: Table, *, session=None, **kwargs):
    proposal = draft_proposal(table, **kwargs)
    session = session or schedule_session(table)
    return services.proposal_submit(proposal=proposal, session=session)
