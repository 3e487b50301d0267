"""Writes to sessions, agendas, attendance, minutes, agreements and proposals.

Callers have checked meetings.permissions first; these functions enforce the
state rules (a cancelled session takes no agenda, approved minutes never
change, an agreement is never rewritten) and validate that everything linked
belongs to the same table. Each writes atomically: on a ValidationError
nothing is saved. A session's reminders are planned, moved and cancelled in
the same transaction as the session (reminders.planner).
"""

import re
import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from concerns.models import Concern
from meetings.models import (
    RSVP,
    AgendaItem,
    Agreement,
    Attendance,
    CalendarFeed,
    InstitutionPresence,
    Minutes,
    Proposal,
    ProposalStatus,
    Session,
    SessionChange,
    SessionStatus,
)
from mesa.models import Institution, Membership, Role, Table
from reminders import planner as reminders
from subcommittees.models import Subcommittee

# --- Shared checks -------------------------------------------------------------------


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    errors = {}
    if starts_at <= timezone.now():
        errors["starts_at"] = _("A session cannot be scheduled in the past.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The session must end after it starts.")
    if errors:
        raise ValidationError(errors)


def _check_place(place: str, online_url: str) -> None:
    if not place.strip() and not online_url.strip():
        raise ValidationError({"place": _("Give a place, an online meeting link, or both.")})


def _check_open(session: Session) -> None:
    if session.is_cancelled:
        raise ValidationError(_("This session was cancelled."))


def _check_started(session: Session, message: str) -> None:
    if not session.has_started:
        raise ValidationError(message)


def _of_table(table: Table, records: Iterable, field: str, message: str) -> list:
    records = list(records)
    if any(record.table_id != table.pk for record in records):
        raise ValidationError({field: message})
    return records


def _table_concerns(table: Table, concerns: Iterable[Concern]) -> list[Concern]:
    return _of_table(table, concerns, "concerns", _("Link only concerns raised at this table."))


def _table_institutions(table: Table, institutions: Iterable[Institution],
                        field: str = "institutions") -> list[Institution]:
    return _of_table(table, institutions, field, _("Choose only institutions of this table."))


def _table_proposals(table: Table, proposals: Iterable[Proposal]) -> list[Proposal]:
    proposals = _of_table(table, proposals, "proposals", _("Link only proposals of this table."))
    if any(proposal.is_draft for proposal in proposals):
        raise ValidationError({"proposals": _("A draft proposal must be submitted first.")})
    return proposals


def _record(session: Session, kind: str, actor: User, **fields) -> SessionChange:
    return SessionChange.objects.create(session=session, kind=kind, actor=actor, **fields)


def _touch(session: Session, *fields: str, bump: bool = True) -> None:
    """Save `fields`; a change calendars must show raises the iCalendar SEQUENCE."""
    session.updated_at = timezone.now()
    update = {"updated_at", *fields}
    if bump:
        session.sequence += 1
        update.add("sequence")
    session.save(update_fields=sorted(update))


# --- Sessions ------------------------------------------------------------------------


def _code_prefix(subcommittee: Subcommittee | None) -> str:
    if subcommittee is None:
        return "PL"
    words = [w for w in re.split(r"[^a-z0-9]+", subcommittee.slug.lower()) if len(w) > 2]
    initials = "".join(w[0] for w in words).upper()
    return (initials or subcommittee.slug[:3].upper() or "SC")[:6]


def _new_session_code(table: Table, subcommittee: Subcommittee | None, starts_at: datetime) -> str:
    """PL-2026-07 for July's plenary; PL-2026-07-2 for a second one that month."""
    local = timezone.localtime(starts_at, table.zone)
    base = f"{_code_prefix(subcommittee)}-{local:%Y-%m}"
    taken = set(Session.objects.filter(table=table, code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def session_schedule(
    *,
    table: Table,
    actor: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    subcommittee: Subcommittee | None = None,
    place: str = "",
    online_url: str = "",
    description: str = "",
    is_public: bool = True,
    quorum: int | None = None,
    invited_institutions: Iterable[Institution] | None = None,
) -> Session:
    """Caller has checked permissions.can_schedule(actor, table, subcommittee).

    Without a list of invited institutions, a plenary invites all the table's
    active institutions and a subcommittee session none.
    """
    if subcommittee is not None:
        if subcommittee.table_id != table.pk:
            raise ValidationError({"subcommittee": _("This subcommittee is not part of this table.")})
        if subcommittee.is_archived:
            raise ValidationError({"subcommittee": _("This subcommittee is archived.")})
    _check_times(starts_at, ends_at)
    _check_place(place, online_url)
    if invited_institutions is None:
        invited = list(table.institutions.filter(is_active=True)) if subcommittee is None else []
    else:
        invited = _table_institutions(table, invited_institutions, "invited_institutions")
    # One code at a time per table: the table row is the lock.
    Table.objects.select_for_update().filter(pk=table.pk).first()
    session = Session(
        table=table, subcommittee=subcommittee, title=title, description=description,
        starts_at=starts_at, ends_at=ends_at, place=place, online_url=online_url,
        is_public=is_public, quorum=quorum, created_by=actor,
        code=_new_session_code(table, subcommittee, starts_at),
    )
    session.full_clean()
    session.save()
    session.invited_institutions.set(invited)
    _record(session, SessionChange.Kind.SCHEDULED, actor, new_starts_at=starts_at, new_ends_at=ends_at)
    reminders.plan_session(session)
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    actor: User,
    title: str,
    place: str = "",
    online_url: str = "",
    description: str = "",
    is_public: bool = True,
    quorum: int | None = None,
    invited_institutions: Iterable[Institution] | None = None,
) -> Session:
    """The details of a session, not its time (that is session_reschedule).
    Caller has checked permissions.can_organise."""
    _check_open(session)
    _check_place(place, online_url)
    invited = None
    if invited_institutions is not None:
        invited = _table_institutions(session.table, invited_institutions, "invited_institutions")
    seen_in_calendars = (session.title, session.place, session.online_url, session.description)
    session.title, session.place, session.online_url = title, place, online_url
    session.description, session.is_public, session.quorum = description, is_public, quorum
    session.full_clean()
    changed_for_calendars = seen_in_calendars != (title, place, online_url, description)
    _touch(session, "title", "place", "online_url", "description", "is_public", "quorum",
           bump=changed_for_calendars)
    if invited is not None:
        session.invited_institutions.set(invited)
        reminders.plan_session(session)  # institutions newly invited are expected too
    _record(session, SessionChange.Kind.EDITED, actor)
    return session


@transaction.atomic
def session_reschedule(*, session: Session, actor: User, starts_at: datetime, ends_at: datetime,
                       reason: str) -> Session:
    """Move a session; the old time stays on its timeline. Caller has checked can_organise."""
    _check_open(session)
    if session.status == SessionStatus.HELD:
        raise ValidationError(_("This session was already held."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the session is moved.")})
    _check_times(starts_at, ends_at)
    if (starts_at, ends_at) == (session.starts_at, session.ends_at):
        raise ValidationError({"starts_at": _("This is the time the session already has.")})
    old_starts_at, old_ends_at = session.starts_at, session.ends_at
    session.starts_at, session.ends_at = starts_at, ends_at
    session.status = SessionStatus.RESCHEDULED
    _touch(session, "starts_at", "ends_at", "status")
    _record(session, SessionChange.Kind.RESCHEDULED, actor, reason=reason.strip(),
            old_starts_at=old_starts_at, old_ends_at=old_ends_at,
            new_starts_at=starts_at, new_ends_at=ends_at)
    reminders.plan_session(session)
    return session


@transaction.atomic
def session_cancel(*, session: Session, actor: User, reason: str) -> Session:
    """Caller has checked can_organise."""
    _check_open(session)
    if session.status == SessionStatus.HELD:
        raise ValidationError(_("This session was already held."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the session is cancelled.")})
    session.status = SessionStatus.CANCELLED
    session.cancellation_reason = reason.strip()
    _touch(session, "status", "cancellation_reason")
    _record(session, SessionChange.Kind.CANCELLED, actor, reason=reason.strip())
    reminders.cancel_session(session)
    return session


# --- Agenda --------------------------------------------------------------------------


def _check_agenda_open(session: Session) -> None:
    _check_open(session)
    if session.status == SessionStatus.HELD:
        raise ValidationError(_("The agenda of a session already held cannot change."))


@transaction.atomic
def agenda_item_add(*, session: Session, title: str, description: str = "",
                    duration_minutes: int | None = None, concerns: Iterable[Concern] = (),
                    proposals: Iterable[Proposal] = ()) -> AgendaItem:
    """Caller has checked can_organise."""
    _check_agenda_open(session)
    concerns = _table_concerns(session.table, concerns)
    proposals = _table_proposals(session.table, proposals)
    Session.objects.select_for_update().filter(pk=session.pk).first()
    last = session.agenda_items.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem(session=session, position=last + 1, title=title, description=description,
                      duration_minutes=duration_minutes)
    item.full_clean()
    item.save()
    item.concerns.set(concerns)
    item.proposals.set(proposals)
    _touch(session, bump=False)
    return item


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, title: str, description: str = "",
                       duration_minutes: int | None = None, concerns: Iterable[Concern] = (),
                       proposals: Iterable[Proposal] = ()) -> AgendaItem:
    session = item.session
    _check_agenda_open(session)
    concerns = _table_concerns(session.table, concerns)
    proposals = _table_proposals(session.table, proposals)
    item.title, item.description, item.duration_minutes = title, description, duration_minutes
    item.full_clean()
    item.save()
    item.concerns.set(concerns)
    item.proposals.set(proposals)
    _touch(session, bump=False)
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem) -> None:
    session = item.session
    _check_agenda_open(session)
    Session.objects.select_for_update().filter(pk=session.pk).first()
    item.concerns.clear()
    item.proposals.clear()
    item.delete()
    for position, later in enumerate(session.agenda_items.order_by("position"), start=1):
        if later.position != position:
            later.position = position
            later.save(update_fields=["position"])
    _touch(session, bump=False)


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, up: bool) -> AgendaItem:
    """Swap an item with the one before (up) or after it; at either end nothing moves."""
    session = item.session
    _check_agenda_open(session)
    Session.objects.select_for_update().filter(pk=session.pk).first()
    neighbours = session.agenda_items.filter(
        position__lt=item.position) if up else session.agenda_items.filter(position__gt=item.position)
    other = neighbours.order_by("-position" if up else "position").first()
    if other is None:
        return item
    item.position, other.position = other.position, item.position
    item.save(update_fields=["position"])
    other.save(update_fields=["position"])
    return item


@transaction.atomic
def agenda_publish(*, session: Session, actor: User) -> Session:
    """Show the agenda to members now, before the table's usual notice."""
    _check_agenda_open(session)
    if session.agenda_published_at is None:
        session.agenda_published_at = timezone.now()
        _touch(session, "agenda_published_at", bump=False)
        _record(session, SessionChange.Kind.AGENDA_PUBLISHED, actor)
    return session


# --- Attendance ----------------------------------------------------------------------


@transaction.atomic
def rsvp_set(*, session: Session, user: User, answer: str) -> RSVP:
    """Caller has checked can_rsvp (a member of the table)."""
    _check_open(session)
    if session.has_ended:
        raise ValidationError(_("This session is over."))
    if answer not in RSVP.Answer.values:
        raise ValidationError({"answer": _("Choose one of the answers offered.")})
    rsvp, _created = RSVP.objects.update_or_create(
        session=session, user=user, defaults={"answer": answer, "updated_at": timezone.now()},
    )
    return rsvp


@transaction.atomic
def attendance_record(*, session: Session, actor: User, attendees: Iterable[User],
                      institutions: Iterable[Institution]) -> Session:
    """Who attended and which institutions were present; replaces an earlier record.
    Recording attendance marks the session held. Caller has checked can_organise."""
    _check_open(session)
    _check_started(session, _("Attendance can be recorded once the session has started."))
    institutions = _table_institutions(session.table, institutions)
    attendees = list(attendees)
    memberships = {
        m.user_id: m for m in Membership.objects.active().filter(
            table=session.table, user__in=[u.pk for u in attendees])
    }
    if len(memberships) != len({u.pk for u in attendees}):
        raise ValidationError({"attendees": _("Record only members of this table.")})
    now = timezone.now()
    session.attendances.all().delete()
    Attendance.objects.bulk_create([
        Attendance(session=session, user_id=user_id, recorded_by=actor, recorded_at=now,
                   institution_id=m.institution_id if m.role == Role.OFFICIAL else None)
        for user_id, m in memberships.items()
    ])
    session.institution_presences.all().delete()
    InstitutionPresence.objects.bulk_create([
        InstitutionPresence(session=session, institution=i, level=i.level, recorded_by=actor,
                            recorded_at=now)
        for i in institutions
    ])
    first_time = session.status != SessionStatus.HELD
    if first_time:
        session.status = SessionStatus.HELD
        _touch(session, "status", bump=False)
        _record(session, SessionChange.Kind.HELD, actor)
    _record(session, SessionChange.Kind.ATTENDANCE_RECORDED, actor)
    return session


# --- Minutes -------------------------------------------------------------------------


@transaction.atomic
def minutes_draft(*, session: Session, actor: User, text: str) -> Minutes:
    """Write or rewrite the draft minutes. Caller has checked can_organise."""
    _check_open(session)
    _check_started(session, _("Minutes can be written once the session has started."))
    if not text.strip():
        raise ValidationError({"text": _("The minutes are empty.")})
    Session.objects.select_for_update().filter(pk=session.pk).first()
    draft = session.minutes.filter(approved_at__isnull=True).first()
    if draft is None:
        if session.minutes.exists():
            raise ValidationError(_("These minutes were approved and cannot change. "
                                    "Write a correction with its reason instead."))
        draft = Minutes(session=session, version=1, drafted_by=actor)
    draft.text = text
    draft.updated_at = timezone.now()
    draft.full_clean()
    draft.save()
    return draft


@transaction.atomic
def minutes_correct(*, session: Session, actor: User, text: str, reason: str) -> Minutes:
    """A new version correcting the latest approved one; drafted, then approved like any.
    Caller has checked can_organise."""
    Session.objects.select_for_update().filter(pk=session.pk).first()
    if session.minutes.filter(approved_at__isnull=True).exists():
        raise ValidationError(_("A draft is already waiting for approval: change that draft instead."))
    latest = session.minutes.filter(approved_at__isnull=False).order_by("-version").first()
    if latest is None:
        raise ValidationError(_("There are no approved minutes to correct yet."))
    errors = {}
    if not text.strip():
        errors["text"] = _("The minutes are empty.")
    if not reason.strip():
        errors["reason"] = _("Say what the correction changes and why.")
    if errors:
        raise ValidationError(errors)
    correction = Minutes(session=session, version=latest.version + 1, text=text, corrects=latest,
                         correction_reason=reason.strip(), drafted_by=actor)
    correction.full_clean()
    correction.save()
    return correction


@transaction.atomic
def minutes_approve(*, minutes: Minutes, actor: User) -> Minutes:
    """Caller has checked can_approve_minutes. From here on the database refuses any change."""
    locked = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if locked.is_approved:
        raise ValidationError(_("These minutes are already approved."))
    locked.approved_at = timezone.now()
    locked.approved_by = actor
    locked.save(update_fields=["approved_at", "approved_by"])
    _record(locked.session, SessionChange.Kind.MINUTES_APPROVED, actor,
            reason=locked.correction_reason)
    return locked


# --- Agreements ----------------------------------------------------------------------


@transaction.atomic
def agreement_record(*, session: Session, actor: User, text: str, concerns: Iterable[Concern] = (),
                     proposals: Iterable[Proposal] = (),
                     responsible_institutions: Iterable[Institution] = ()) -> Agreement:
    """Number the agreement within its session (PL-2026-07/3). Proposals it adopts
    become "agreed". Caller has checked can_organise."""
    _check_open(session)
    _check_started(session, _("Agreements are recorded once the session has started."))
    if not text.strip():
        raise ValidationError({"text": _("Write the text of the agreement.")})
    table = session.table
    concerns = _table_concerns(table, concerns)
    proposals = _table_proposals(table, proposals)
    institutions = _table_institutions(table, responsible_institutions, "responsible_institutions")
    Session.objects.select_for_update().filter(pk=session.pk).first()
    number = (session.agreements.aggregate(last=Max("number"))["last"] or 0) + 1
    agreement = Agreement(table=table, session=session, number=number, code=f"{session.code}/{number}",
                          text=text.strip(), recorded_by=actor)
    agreement.full_clean()
    agreement.save()
    agreement.concerns.set(concerns)
    agreement.proposals.set(proposals)
    agreement.responsible_institutions.set(institutions)
    now = timezone.now()
    for proposal in proposals:
        proposal.status = ProposalStatus.AGREED
        proposal.decided_at = proposal.updated_at = now
        proposal.save(update_fields=["status", "decided_at", "updated_at"])
    return agreement


@transaction.atomic
def agreement_withdraw(*, agreement: Agreement, actor: User, reason: str) -> Agreement:
    """Caller has checked can_withdraw_agreement. The text stays; the withdrawal is added."""
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.is_withdrawn:
        raise ValidationError(_("This agreement was already withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the agreement is withdrawn.")})
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor
    locked.withdrawal_reason = reason.strip()
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return locked


# --- Proposals -----------------------------------------------------------------------


def _check_proposal_fields(table: Table, *, institution: Institution | None, quantity: int | None,
                           unit: str, concerns: list[Concern]) -> None:
    if not concerns:
        raise ValidationError({"concerns": _("A proposal comes from at least one concern.")})
    _table_concerns(table, concerns)
    if institution is not None:
        _table_institutions(table, [institution], "institution")
    if quantity is not None and not unit.strip():
        raise ValidationError({"unit": _("Say what the quantity counts, e.g. public prosecutors.")})


@transaction.atomic
def proposal_create(*, subcommittee: Subcommittee, actor: User, title: str, request: str,
                    concerns: Iterable[Concern], institution: Institution | None = None,
                    quantity: int | None = None, unit: str = "") -> Proposal:
    """Caller has checked can_draft_proposal."""
    table = subcommittee.table
    concerns = list(concerns)
    _check_proposal_fields(table, institution=institution, quantity=quantity, unit=unit,
                           concerns=concerns)
    proposal = Proposal(table=table, subcommittee=subcommittee, title=title, request=request,
                        institution=institution, quantity=quantity, unit=unit.strip(),
                        drafted_by=actor)
    proposal.full_clean()
    proposal.save()
    proposal.concerns.set(concerns)
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, title: str, request: str, concerns: Iterable[Concern],
                    institution: Institution | None = None, quantity: int | None = None,
                    unit: str = "") -> Proposal:
    """Only a draft changes. Caller has checked can_edit_proposal."""
    if not proposal.is_draft:
        raise ValidationError(_("A submitted proposal cannot change."))
    concerns = list(concerns)
    _check_proposal_fields(proposal.table, institution=institution, quantity=quantity, unit=unit,
                           concerns=concerns)
    proposal.title, proposal.request, proposal.institution = title, request, institution
    proposal.quantity, proposal.unit = quantity, unit.strip()
    proposal.updated_at = timezone.now()
    proposal.full_clean()
    proposal.save()
    proposal.concerns.set(concerns)
    return proposal


@transaction.atomic
def proposal_submit(*, proposal: Proposal, session: Session) -> Proposal:
    """Put a draft before an upcoming plenary. Caller has checked can_edit_proposal."""
    if not proposal.is_draft:
        raise ValidationError(_("This proposal was already submitted."))
    if session.table_id != proposal.table_id or not session.is_plenary:
        raise ValidationError({"session": _("Choose an upcoming plenary of this table.")})
    if session.is_cancelled or session.has_ended:
        raise ValidationError({"session": _("Choose an upcoming plenary of this table.")})
    now = timezone.now()
    proposal.status = ProposalStatus.SUBMITTED
    proposal.session = session
    proposal.submitted_at = proposal.updated_at = now
    proposal.save(update_fields=["status", "session", "submitted_at", "updated_at"])
    return proposal


@transaction.atomic
def proposal_decide(*, proposal: Proposal, status: str, note: str = "") -> Proposal:
    """The plenary discussed it (and may come back to it) or rejected it. Agreeing is
    agreement_record's. Caller has checked can_decide_proposal."""
    if status not in (ProposalStatus.DISCUSSED, ProposalStatus.REJECTED):
        raise ValidationError({"status": _("Choose discussed or rejected.")})
    if proposal.status not in (ProposalStatus.SUBMITTED, ProposalStatus.DISCUSSED):
        raise ValidationError(_("Only a submitted proposal can be marked discussed or rejected."))
    if status == ProposalStatus.REJECTED and not note.strip():
        raise ValidationError({"note": _("Say why the proposal was rejected.")})
    now = timezone.now()
    proposal.status = status
    proposal.decision_note = note.strip()
    proposal.decided_at = proposal.updated_at = now
    proposal.save(update_fields=["status", "decision_note", "decided_at", "updated_at"])
    return proposal


# --- Calendar feeds ------------------------------------------------------------------


def calendar_feed_for(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    CalendarFeed.objects.filter(user=user).delete()
    return CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32))
