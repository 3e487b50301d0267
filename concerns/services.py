"""Writes to concerns. Callers check permissions first (concerns.permissions).

Every step is a ConcernEvent on the concern's timeline. Steps taken by an
anonymous reporter through the receipt code carry no actor: nothing links
them to a person, an address or a device.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from concerns import receipts
from concerns.models import (
    RESOLUTION_STATUSES,
    TRANSITIONS,
    Answer,
    Colonia,
    Concern,
    ConcernAssignment,
    ConcernEvent,
    Follow,
    Rating,
    Reply,
    Status,
    Support,
    Visibility,
)
from concerns.tasks import notify_assignment_task
from mesa.models import Institution, Organisation, Table
from reminders import concern_planner, followers
from subcommittees.models import Subcommittee

Kind = ConcernEvent.Kind


def _event(concern: Concern, kind: str, *, actor: User | None = None, by_reporter: bool = False,
           from_status: str = "", to_status: str = "", note: str = "") -> ConcernEvent:
    return ConcernEvent.objects.create(concern=concern, kind=kind, actor=actor,
                                       by_reporter=by_reporter, from_status=from_status,
                                       to_status=to_status, note=note)


def _lock(concern: Concern) -> Concern:
    return Concern.objects.select_for_update().get(pk=concern.pk)


def _check_same_table(table: Table, *, subcommittee: Subcommittee | None = None,
                      colonia: Colonia | None = None,
                      institutions: Iterable[Institution] = ()) -> None:
    if subcommittee is not None and (subcommittee.table_id != table.pk or subcommittee.is_archived):
        raise ValidationError({"subcommittee": _("Choose one of this table's subcommittees.")})
    if colonia is not None and (colonia.table_id != table.pk or not colonia.is_active):
        raise ValidationError({"colonia": _("Choose one of this table's colonias.")})
    for institution in institutions:
        if institution.table_id != table.pk:
            raise ValidationError({"accused_institutions": _("Choose institutions of this table.")})


# --- Raising --------------------------------------------------------------------------


@transaction.atomic
def concern_raise(
    *,
    table: Table,
    subcommittee: Subcommittee,
    title: str,
    description: str,
    visibility: str,
    reporter: User | None,
    colonia: Colonia | None = None,
    colonia_other: str = "",
    happened_on: date | None = None,
    place: str = "",
    accused_institutions: Iterable[Institution] = (),
    consent_to_accused: bool = False,
) -> tuple[Concern, str | None]:
    """Caller has checked can_raise. Returns the concern and, for an anonymous
    one, its receipt code: shown once, never stored.

    For an anonymous concern `reporter` is dropped here, whoever is signed in:
    nothing links the concern to the account.
    """
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose who may see the concern.")})
    accused_institutions = list(accused_institutions)
    _check_same_table(table, subcommittee=subcommittee, colonia=colonia,
                      institutions=accused_institutions)
    if colonia is not None:
        colonia_other = ""
    anonymous = visibility == Visibility.ANONYMOUS
    if not anonymous and reporter is None:
        raise ValidationError(_("Log in to raise a public or restricted concern, or raise it anonymously."))
    code = receipts.new_code() if anonymous else None
    concern = Concern(
        table=table, subcommittee=subcommittee, title=title.strip(), description=description.strip(),
        visibility=visibility, reporter=None if anonymous else reporter,
        receipt_hash=receipts.code_hash(code) if code else None,
        colonia=colonia, colonia_other=colonia_other.strip(), happened_on=happened_on,
        place=place.strip(),
        consent_to_accused_at=(timezone.now() if consent_to_accused and visibility == Visibility.RESTRICTED
                               else None),
    )
    concern.full_clean()
    concern.save()
    concern.accused_institutions.set(accused_institutions)
    _event(concern, Kind.RAISED, actor=concern.reporter, by_reporter=True, to_status=Status.SUBMITTED)
    if concern.reporter is not None:
        Follow.objects.get_or_create(concern=concern, user=concern.reporter)
    return concern, code


def concern_for_receipt(code: str) -> Concern | None:
    """The anonymous concern a receipt code opens, or None (the same answer
    whether the code is malformed, wrong or of a concern that was removed)."""
    if not receipts.looks_like_a_code(code):
        receipts.code_hash("AAAA-AAAA-AAAA-AAAA-AAAA")  # the same cost either way
        return None
    return (Concern.objects.select_related("table", "subcommittee")
            .filter(receipt_hash=receipts.code_hash(code), visibility=Visibility.ANONYMOUS).first())


# --- Status ---------------------------------------------------------------------------


@transaction.atomic
def concern_set_status(*, concern: Concern, status: str, actor: User | None, reason: str = "",
                       by_reporter: bool = False) -> Concern:
    """Caller has checked the person may move it (coordinators triage; the
    reporter confirms or reopens through concern_confirm / concern_reopen)."""
    concern = _lock(concern)
    if status not in TRANSITIONS.get(concern.status, ()):
        raise ValidationError(_("A concern cannot go from “%(from)s” to “%(to)s”.") % {
            "from": concern.get_status_display(), "to": Status(status).label})
    if status == Status.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Say why, so the reporter understands.")})
    previous = concern.status
    now = timezone.now()
    concern.status = status
    concern.status_reason = reason.strip()
    if status == Status.ACCEPTED and concern.accepted_at is None:
        concern.accepted_at = now
    if status in (Status.RESOLVED, Status.PARTLY_RESOLVED):
        concern.resolved_at = now
    concern.save(update_fields=["status", "status_reason", "accepted_at", "resolved_at"])
    event = _event(concern, Kind.STATUS, actor=actor, by_reporter=by_reporter, from_status=previous,
                   to_status=status, note=reason.strip())
    concern_planner.plan_concern(concern)  # accepted: reminded while unanswered; else cancelled
    followers.plan_status_change(event)
    return concern


@transaction.atomic
def concern_confirm_resolution(*, concern: Concern, actor: User | None) -> Concern:
    """The reporter (actor) or the receipt holder (actor None) says it was resolved."""
    concern = _lock(concern)
    if concern.status not in RESOLUTION_STATUSES:
        raise ValidationError(_("Only a concern marked resolved or closed can be confirmed."))
    previous = concern.status
    concern.status = Status.RESOLVED
    concern.resolved_at = concern.resolved_at or timezone.now()
    concern.save(update_fields=["status", "resolved_at"])
    _event(concern, Kind.CONFIRMED, actor=actor, by_reporter=True, from_status=previous,
           to_status=Status.RESOLVED)
    return concern


@transaction.atomic
def concern_reopen(*, concern: Concern, actor: User | None, reason: str) -> Concern:
    """The reporter (or the receipt holder) says it was not resolved."""
    concern = _lock(concern)
    if concern.status not in RESOLUTION_STATUSES:
        raise ValidationError(_("Only a concern marked resolved or closed can be reopened."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is still missing.")})
    previous = concern.status
    concern.status = Status.IN_PROGRESS
    concern.resolved_at = None
    concern.resolution_asked_at = None
    concern.save(update_fields=["status", "resolved_at", "resolution_asked_at"])
    _event(concern, Kind.REOPENED, actor=actor, by_reporter=True, from_status=previous,
           to_status=Status.IN_PROGRESS, note=reason.strip())
    concern_planner.plan_concern(concern)  # waits again if it never had an official answer
    return concern


def concerns_due_for_resolution_check(now=None):
    """Concerns marked resolved, partly resolved or closed at least the table's
    `resolution_check_after_days` ago whose reporter has not been asked yet."""
    now = now or timezone.now()
    due = Concern.objects.none()
    for table in Table.objects.only("pk", "resolution_check_after_days"):
        cutoff = now - timedelta(days=table.resolution_check_after_days)
        due = due | Concern.objects.filter(
            table=table, status__in=RESOLUTION_STATUSES, resolved_at__lte=cutoff,
            resolution_asked_at__isnull=True, hidden_at__isnull=True,
        )
    return due


@transaction.atomic
def concern_ask_whether_resolved(*, concern: Concern) -> bool:
    """Mark the reporter as asked, exactly once (a conditional UPDATE); True if
    this call did it, so the caller sends the question. The receipt holder of
    an anonymous concern sees the question on the receipt page instead."""
    now = timezone.now()
    marked = Concern.objects.filter(pk=concern.pk, resolution_asked_at__isnull=True,
                                    status__in=RESOLUTION_STATUSES).update(resolution_asked_at=now)
    if marked:
        _event(concern, Kind.ASKED)
    return bool(marked)


# --- Triage ---------------------------------------------------------------------------


@transaction.atomic
def concern_reroute(*, concern: Concern, subcommittee: Subcommittee, actor: User,
                    reason: str) -> Concern:
    """Caller has checked can_triage."""
    concern = _lock(concern)
    _check_same_table(concern.table, subcommittee=subcommittee)
    if subcommittee.pk == concern.subcommittee_id:
        raise ValidationError({"subcommittee": _("The concern is already in this subcommittee.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it goes to another subcommittee.")})
    previous = concern.subcommittee
    concern.subcommittee = subcommittee
    concern.save(update_fields=["subcommittee"])
    _event(concern, Kind.ROUTED, actor=actor,
           note=f"{previous.name} → {subcommittee.name}: {reason.strip()}")
    concern_planner.plan_concern(concern)  # the new subcommittee's coordinators instead
    return concern


@transaction.atomic
def concern_assign(*, concern: Concern, institutions: Iterable[Institution], actor: User) -> Concern:
    """Caller has checked can_triage. Adds institutions asked to answer."""
    concern = _lock(concern)
    institutions = list(institutions)
    _check_same_table(concern.table, institutions=institutions)
    if concern.status in (Status.SUBMITTED, Status.REJECTED):
        raise ValidationError(_("Accept the concern before asking an institution to answer."))
    for institution in institutions:
        assignment, created = ConcernAssignment.objects.get_or_create(
            concern=concern, institution=institution, defaults={"assigned_by": actor})
        if created:
            _event(concern, Kind.ASSIGNED, actor=actor, note=str(institution))
            transaction.on_commit(partial(notify_assignment_task.delay, assignment.pk))
    concern_planner.plan_concern(concern)  # the new institutions' officials are reminded too
    return concern


@transaction.atomic
def concern_mark_duplicate(*, concern: Concern, original: Concern, actor: User) -> Concern:
    """Caller has checked can_triage. Supporters and followers move to the original."""
    concern = _lock(concern)
    if original.pk == concern.pk or original.table_id != concern.table_id:
        raise ValidationError({"original": _("Choose another concern of this table.")})
    if original.duplicate_of_id is not None:
        raise ValidationError({"original": _("That concern is itself a duplicate; choose its original.")})
    if original.is_hidden or original.status == Status.REJECTED:
        raise ValidationError({"original": _("That concern is hidden or rejected; choose another.")})
    if concern.duplicate_of_id is not None:
        raise ValidationError(_("This concern is already marked as a duplicate."))
    # Concerns already folded into this one now point at the original too.
    Concern.objects.filter(duplicate_of=concern).update(duplicate_of=original)
    for support in concern.supports.select_related("user"):
        if support.user_id != original.reporter_id:
            Support.objects.get_or_create(concern=original, user=support.user,
                                          defaults={"organisation": support.organisation})
    concern.supports.all().delete()
    for follow in concern.follows.all():
        Follow.objects.get_or_create(concern=original, user_id=follow.user_id)
    _recount_supports(original)
    _recount_supports(concern)
    concern.duplicate_of = original
    concern.save(update_fields=["duplicate_of"])
    _event(concern, Kind.DUPLICATE, actor=actor, note=str(original.pk))
    concern_planner.plan_concern(concern)  # a duplicate waits for nothing: cancelled
    return concern


@transaction.atomic
def concern_hide(*, concern: Concern, actor: User, reason: str) -> Concern:
    """Caller has checked can_triage. Hidden, never deleted: the secretariat still sees it."""
    concern = _lock(concern)
    if concern.is_hidden:
        raise ValidationError(_("The concern is already hidden."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is hidden.")})
    concern.hidden_at = timezone.now()
    concern.hidden_reason = reason.strip()
    concern.save(update_fields=["hidden_at", "hidden_reason"])
    _event(concern, Kind.HIDDEN, actor=actor, note=reason.strip())
    concern_planner.plan_concern(concern)  # hidden: cancelled
    return concern


@transaction.atomic
def concern_unhide(*, concern: Concern, actor: User) -> Concern:
    """Caller has checked can_triage."""
    concern = _lock(concern)
    if not concern.is_hidden:
        raise ValidationError(_("The concern is not hidden."))
    concern.hidden_at = None
    concern.save(update_fields=["hidden_at"])
    _event(concern, Kind.UNHIDDEN, actor=actor)
    concern_planner.plan_concern(concern)  # shown again: planned again if still unanswered
    return concern


@transaction.atomic
def concern_set_consent(*, concern: Concern, reporter: User, consent: bool) -> Concern:
    """The reporter of a restricted concern lets the accused institutions know who they are, or stops."""
    concern = _lock(concern)
    if concern.visibility != Visibility.RESTRICTED or concern.reporter_id != reporter.pk:
        raise ValidationError(_("Only the reporter of a restricted concern decides this."))
    concern.consent_to_accused_at = timezone.now() if consent else None
    concern.save(update_fields=["consent_to_accused_at"])
    _event(concern, Kind.CONSENT, actor=reporter, by_reporter=True,
           note="given" if consent else "withdrawn")
    return concern


@transaction.atomic
def colonia_save(*, colonia: Colonia) -> Colonia:
    """Caller has checked can_manage_institutions. Add, rename or (de)activate a colonia."""
    colonia.full_clean()
    try:
        with transaction.atomic():
            colonia.save()
    except IntegrityError as exc:  # the same name saved a moment ago
        raise ValidationError({"name": _("This table already has a colonia with this name.")}) from exc
    return colonia


# --- Answers and replies -------------------------------------------------------------


@transaction.atomic
def answer_post(*, concern: Concern, institution: Institution, author: User, text: str) -> Answer:
    """Caller has checked that `author` may answer in the name of `institution`."""
    concern = _lock(concern)
    if not concern.assignments.filter(institution=institution).exists():
        raise ValidationError({"institution": _("This institution was not asked to answer.")})
    answer = Answer(concern=concern, institution=institution, author=author, text=text.strip())
    answer.full_clean()
    answer.save()
    now = timezone.now()
    if concern.first_answer_at is None:
        concern.first_answer_at = now
    previous = concern.status
    if concern.status == Status.ACCEPTED:
        concern.status = Status.ANSWERED
    concern.save(update_fields=["first_answer_at", "status"])
    _event(concern, Kind.ANSWERED, actor=author, from_status=previous, to_status=concern.status,
           note=str(institution))
    concern_planner.plan_concern(concern)  # answered: its reminders are cancelled
    followers.plan_answer(answer)
    return answer


@transaction.atomic
def reply_post(*, concern: Concern, author: User | None, text: str) -> Reply:
    """The reporter (author) or the receipt holder (author None, as anonymous as the concern)."""
    reply = Reply(concern=concern, author=author if not concern.is_anonymous else None,
                  text=text.strip())
    reply.full_clean()
    reply.save()
    _event(concern, Kind.REPLY, actor=reply.author, by_reporter=True)
    return reply


@transaction.atomic
def reply_hide(*, reply: Reply, actor: User, reason: str) -> Reply:
    """Caller has checked can_triage on its concern. Hidden, never deleted."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.is_hidden:
        raise ValidationError(_("The reply is already hidden."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is hidden.")})
    reply.hidden_at = timezone.now()
    reply.hidden_reason = reason.strip()
    reply.save(update_fields=["hidden_at", "hidden_reason"])
    _event(reply.concern, Kind.HIDDEN, actor=actor,
           note=f"reply {reply.pk}: {reply.hidden_reason}")
    return reply


@transaction.atomic
def reply_unhide(*, reply: Reply, actor: User) -> Reply:
    """Caller has checked can_triage on its concern."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if not reply.is_hidden:
        raise ValidationError(_("The reply is not hidden."))
    reply.hidden_at = None
    reply.save(update_fields=["hidden_at"])
    _event(reply.concern, Kind.UNHIDDEN, actor=actor, note=f"reply {reply.pk}")
    return reply


# --- Supports, follows, ratings ----------------------------------------------------------


def _recount_supports(concern: Concern) -> None:
    Concern.objects.filter(pk=concern.pk).update(support_count=concern.supports.count())


@transaction.atomic
def support_add(*, concern: Concern, user: User, organisation: Organisation | None = None) -> Support:
    """Caller has checked can_support; an endorsement needs the user to represent `organisation`."""
    if organisation is not None and not user.memberships.active().filter(
            table=concern.table, organisation=organisation, role="representative",
            verified_at__isnull=False).exists():
        raise ValidationError({"organisation": _("You do not represent this organisation.")})
    support, created = Support.objects.get_or_create(concern=concern, user=user,
                                                     defaults={"organisation": organisation})
    if not created and support.organisation_id != (organisation.pk if organisation else None):
        support.organisation = organisation
        support.save(update_fields=["organisation"])
    if created:
        Concern.objects.filter(pk=concern.pk).update(support_count=F("support_count") + 1)
        Follow.objects.get_or_create(concern=concern, user=user)
    return support


@transaction.atomic
def support_withdraw(*, concern: Concern, user: User) -> None:
    deleted, _rows = Support.objects.filter(concern=concern, user=user).delete()
    if deleted:
        Concern.objects.filter(pk=concern.pk).update(support_count=F("support_count") - 1)


def follow_set(*, concern: Concern, user: User, following: bool) -> None:
    if following:
        Follow.objects.get_or_create(concern=concern, user=user)
    else:
        Follow.objects.filter(concern=concern, user=user).delete()


@transaction.atomic
def rating_set(*, answer: Answer, user: User | None, score: int, comment: str = "") -> Rating:
    """Caller has checked can_rate (or holds the receipt: then `user` is None)."""
    if not 1 <= int(score) <= 5:
        raise ValidationError({"score": _("Rate from 1 to 5.")})
    rating = Rating.objects.select_for_update().filter(answer=answer, user=user).first()
    if rating is None:
        rating = Rating(answer=answer, user=user)
    rating.score = int(score)
    rating.comment = comment.strip()
    rating.updated_at = timezone.now()
    rating.full_clean(validate_constraints=False)
    rating.save()
    return rating
