"""Writes to commitments, due dates, action updates, their evidence and comments,
and delivery reviews.

Callers have checked commitments.permissions first; these functions enforce
the state rules (a withdrawn commitment takes nothing more, a due date never
precedes its agreement, quantities stay within sane bounds, updates are
append-only) and that everything linked belongs to the same table. Each
writes atomically: on a ValidationError nothing is saved. PostgreSQL keeps
the history of every write (mesa.history).
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments.models import (
    QUANTITY_MAX,
    ActionUpdate,
    Commitment,
    CommitmentStatus,
    DeliveryReview,
    DueDateChange,
    Follow,
    UpdateComment,
    UpdateEvidence,
    Verdict,
)
from meetings.models import Agreement, Session
from mesa.models import Institution, Membership, Role
from mesa.uploads import DEFAULT_MAX_FILES, CheckedUpload, display_name, random_file_name, validate_uploads
from reminders import commitment_planner, followers

MAX_FILES_PER_UPDATE = DEFAULT_MAX_FILES


# --- Shared checks -------------------------------------------------------------------


def agreement_date(agreement: Agreement) -> date:
    """The day the agreement was made, in the table's zone: no due date before it."""
    return timezone.localtime(agreement.session.starts_at, agreement.table.zone).date()


def _check_due_on(agreement: Agreement, due_on: date, field: str = "due_on") -> None:
    if due_on < agreement_date(agreement):
        raise ValidationError({field: _("The due date cannot be before the agreement (%(date)s).")
                               % {"date": agreement_date(agreement).isoformat()}})


def _check_quantities(*, unit: str, requested: int | None, committed: int | None,
                      delivered: int = 0) -> None:
    errors = {}
    for field, value in (("requested", requested), ("committed", committed)):
        if value is None:
            continue
        if value < 0:
            errors[field] = _("A quantity cannot be negative.")
        elif value > QUANTITY_MAX:
            errors[field] = _("A quantity cannot be more than %(max)s.") % {"max": f"{QUANTITY_MAX:,}"}
    if not unit.strip() and (requested is not None or committed is not None or delivered):
        errors["unit"] = _("Say what is counted (the unit) to give quantities.")
    if errors:
        raise ValidationError(errors)


def _check_open(commitment: Commitment) -> None:
    if commitment.is_withdrawn:
        raise ValidationError(_("This commitment was withdrawn; it takes no more changes."))


def _owner_and_partners(agreement: Agreement, institution: Institution,
                        co_responsible: Iterable[Institution]) -> list[Institution]:
    table = agreement.table
    named = {i.pk for i in agreement.responsible_institutions.all()}
    if institution.table_id != table.pk or not institution.is_active:
        raise ValidationError({"institution": _("Choose an active institution of this table.")})
    if named and institution.pk not in named:
        raise ValidationError({"institution": _("Choose one of the institutions the agreement names.")})
    partners = list(co_responsible)
    for partner in partners:
        if partner.table_id != table.pk or partner.pk not in named:
            raise ValidationError({"co_responsible": _(
                "Co-responsible institutions must be named by the agreement.")})
        if partner.pk == institution.pk or partner.level == institution.level:
            raise ValidationError({"co_responsible": _(
                "Co-responsible institutions are at another level of government than the "
                "responsible institution.")})
    return partners


def _owner_officials(institution: Institution, officials: Iterable[User]) -> list[User]:
    officials = list(officials)
    verified = set(Membership.objects.active().verified()
                   .filter(table=institution.table, institution=institution, role=Role.OFFICIAL,
                           user__in=officials).values_list("user_id", flat=True))
    if any(official.pk not in verified for official in officials):
        raise ValidationError({"responsible_officials": _(
            "Responsible officials must be verified officials of the responsible institution.")})
    return officials


def _touch(commitment: Commitment, *fields: str) -> None:
    commitment.updated_at = timezone.now()
    commitment.save(update_fields=[*fields, "updated_at"])


# --- Commitments ---------------------------------------------------------------------


@transaction.atomic
def commitment_record(*, agreement: Agreement, actor: User, institution: Institution, description: str,
                      due_on: date, co_responsible: Iterable[Institution] = (),
                      responsible_officials: Iterable[User] = (), unit: str = "",
                      requested: int | None = None, committed: int | None = None) -> Commitment:
    """Number the commitment under its agreement (PL-2026-07/3-1). Caller has checked can_record."""
    locked = Agreement.objects.select_for_update().select_related("table", "session").get(pk=agreement.pk)
    if locked.is_withdrawn:
        raise ValidationError(_("This agreement was withdrawn; it takes no commitments."))
    if not description.strip():
        raise ValidationError({"description": _("Say what was committed.")})
    _check_due_on(locked, due_on)
    _check_quantities(unit=unit, requested=requested, committed=committed)
    partners = _owner_and_partners(locked, institution, co_responsible)
    officials = _owner_officials(institution, responsible_officials)
    number = (locked.commitments.aggregate(last=Max("number"))["last"] or 0) + 1
    commitment = Commitment(
        table=locked.table, agreement=locked, number=number, code=f"{locked.code}-{number}",
        institution=institution, description=description.strip(), due_on=due_on, original_due_on=due_on,
        unit=unit.strip(), requested=requested, committed=committed, created_by=actor,
    )
    commitment.full_clean()
    commitment.save()
    commitment.co_responsible.set(partners)
    commitment.responsible_officials.set(officials)
    commitment_planner.plan_commitment(commitment)
    return commitment


@transaction.atomic
def commitment_update(*, commitment: Commitment, actor: User, description: str,
                      co_responsible: Iterable[Institution], responsible_officials: Iterable[User],
                      unit: str, requested: int | None, committed: int | None) -> Commitment:
    """What was committed and how much; not its institution, due date or status
    (those have their own services). Caller has checked can_manage."""
    locked = Commitment.objects.select_for_update().select_related("agreement", "institution").get(
        pk=commitment.pk)
    _check_open(locked)
    if not description.strip():
        raise ValidationError({"description": _("Say what was committed.")})
    _check_quantities(unit=unit, requested=requested, committed=committed, delivered=locked.delivered)
    partners = _owner_and_partners(locked.agreement, locked.institution, co_responsible)
    officials = _owner_officials(locked.institution, responsible_officials)
    locked.description, locked.unit = description.strip(), unit.strip()
    locked.requested, locked.committed = requested, committed
    locked.full_clean()
    _touch(locked, "description", "unit", "requested", "committed")
    locked.co_responsible.set(partners)
    locked.responsible_officials.set(officials)
    commitment_planner.plan_commitment(locked)  # new responsible officials get reminders
    return locked


@transaction.atomic
def commitment_move_due_date(*, commitment: Commitment, actor: User, due_on: date, reason: str,
                             agreed_at: Session | None = None, agreed_by: str = "") -> DueDateChange:
    """Caller has checked can_manage. The original date stays on the commitment."""
    locked = Commitment.objects.select_for_update().select_related("agreement__session", "table").get(
        pk=commitment.pk)
    _check_open(locked)
    if locked.is_closed:
        raise ValidationError(_("This commitment is closed; its due date no longer moves."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the due date moves.")})
    if due_on == locked.due_on:
        raise ValidationError({"due_on": _("That is already the due date.")})
    _check_due_on(locked.agreement, due_on)
    if agreed_at is not None and agreed_at.table_id != locked.table_id:
        raise ValidationError({"agreed_at": _("Choose a session of this table.")})
    change = DueDateChange(commitment=locked, previous_due_on=locked.due_on, new_due_on=due_on,
                           reason=reason.strip(), agreed_at=agreed_at, agreed_by=agreed_by.strip(),
                           changed_by=actor)
    change.full_clean()
    change.save()
    locked.due_on = due_on
    _touch(locked, "due_on")
    commitment_planner.plan_commitment(locked)  # re-plans what is still planned
    return change


@transaction.atomic
def commitment_set_status(*, commitment: Commitment, actor: User, status: str,
                          reason: str = "") -> Commitment:
    """Caller has checked can_manage. Withdrawn is final and needs a reason."""
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    _check_open(locked)
    if status not in CommitmentStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == locked.status:
        raise ValidationError({"status": _("That is already its status.")})
    if status == CommitmentStatus.WITHDRAWN and not reason.strip():
        raise ValidationError({"reason": _("Say why the commitment is withdrawn.")})
    now = timezone.now()
    locked.status, locked.status_reason = status, reason.strip()
    locked.status_changed_at, locked.status_changed_by = now, actor
    if status in (CommitmentStatus.FULFILLED, CommitmentStatus.PARTLY_FULFILLED):
        locked.fulfilled_at = now
    elif status in CommitmentStatus.pending():
        locked.fulfilled_at = None
    _touch(locked, "status", "status_reason", "status_changed_at", "status_changed_by", "fulfilled_at")
    commitment_planner.plan_commitment(locked)  # closed: cancelled; reopened: planned again
    return locked


# --- Action updates ------------------------------------------------------------------


def _check_files(files: list) -> list[CheckedUpload]:
    if len(files) > MAX_FILES_PER_UPDATE:
        raise ValidationError({"evidence": _("An action update can have at most %(count)s files.")
                               % {"count": MAX_FILES_PER_UPDATE}})
    return validate_uploads(files)


def _store_files(update: ActionUpdate, files: list, checked: list[CheckedUpload], uploader: User) -> None:
    saved: list[UpdateEvidence] = []
    try:
        for uploaded, upload in zip(files, checked, strict=True):
            evidence = UpdateEvidence(update=update, kind=upload.kind, content_type=upload.content_type,
                                      size=upload.size, original_name=display_name(uploaded)[:255],
                                      uploaded_by=uploader)
            evidence.file.save(random_file_name(upload.extension), ContentFile(upload.content), save=False)
            saved.append(evidence)
            evidence.save()
    except BaseException:
        # The rows roll back with the transaction; the files would stay behind.
        for evidence in saved:
            evidence.file.storage.delete(evidence.file.name)
        raise


@transaction.atomic
def update_post(*, commitment: Commitment, actor: User, institution: Institution, text: str,
                action_on: date, delivered_change: int = 0, files: Iterable = (),
                corrects: ActionUpdate | None = None) -> ActionUpdate:
    """Post an action update (avance) in the name of `institution`, the commitment's own.

    Caller has checked can_post_update. Changes the delivered quantity by
    `delivered_change`; only a correction (naming the update it corrects) may
    take delivered quantities back. The first update moves an open commitment
    to "in progress". Files are checked before anything is written.
    """
    files = list(files)
    locked = Commitment.objects.select_for_update().select_related("table", "agreement__session").get(
        pk=commitment.pk)
    _check_open(locked)
    if institution.pk != locked.institution_id:
        raise ValidationError(_("Only the responsible institution posts action updates."))
    errors = {}
    if not text.strip():
        errors["text"] = _("Say what was done.")
    if action_on > locked.local_today():
        errors["action_on"] = _("The date of the action cannot be in the future.")
    elif action_on < agreement_date(locked.agreement):
        errors["action_on"] = _("The date of the action cannot be before the agreement.")
    if corrects is not None and corrects.commitment_id != locked.pk:
        errors["corrects"] = _("A correction names an update of the same commitment.")
    if delivered_change:
        if not locked.has_quantity:
            errors["delivered_change"] = _("This commitment counts no quantity.")
        elif delivered_change < 0 and corrects is None:
            errors["delivered_change"] = _(
                "Only a correction of an earlier update can take delivered quantities back.")
        elif not 0 <= locked.delivered + delivered_change <= QUANTITY_MAX:
            errors["delivered_change"] = _(
                "The delivered quantity would become %(total)s; it must stay between 0 and %(max)s."
            ) % {"total": f"{locked.delivered + delivered_change:,}", "max": f"{QUANTITY_MAX:,}"}
    if errors:
        raise ValidationError(errors)
    checked = _check_files(files)
    update = ActionUpdate(commitment=locked, author=actor, institution=institution, text=text.strip(),
                          action_on=action_on, delivered_change=delivered_change, corrects=corrects)
    update.full_clean()
    update.save()
    _store_files(update, files, checked, actor)
    fields = []
    if delivered_change:
        locked.delivered = F("delivered") + delivered_change
        fields.append("delivered")
    if locked.first_update_at is None:
        locked.first_update_at = update.created_at
        fields.append("first_update_at")
    if locked.status == CommitmentStatus.OPEN:
        locked.status = CommitmentStatus.IN_PROGRESS
        fields.append("status")
    if fields:
        _touch(locked, *fields)
        locked.refresh_from_db(fields=["delivered"])
    followers.plan_action_update(update)
    return update


def follow_set(*, commitment: Commitment, user: User, following: bool) -> None:
    """Caller has checked can_follow (to follow; anyone may stop)."""
    if following:
        Follow.objects.get_or_create(commitment=commitment, user=user)
    else:
        Follow.objects.filter(commitment=commitment, user=user).delete()


@transaction.atomic
def update_comment(*, update: ActionUpdate, actor: User, text: str) -> UpdateComment:
    """Caller has checked can_comment."""
    if not text.strip():
        raise ValidationError({"text": _("Write the comment.")})
    comment = UpdateComment(update=update, author=actor, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment


# --- Delivery reviews ----------------------------------------------------------------


@transaction.atomic
def delivery_review(*, commitment: Commitment, user: User, verdict: str, comment: str = "") -> DeliveryReview:
    """Confirm or dispute the delivery the institution reports; a second review by the
    same member replaces their first (the history keeps both). Caller has checked can_review."""
    locked = Commitment.objects.select_for_update().select_related("table").get(pk=commitment.pk)
    if not locked.is_open_for_review():
        raise ValidationError(_("Deliveries are confirmed or disputed once the due date has come."))
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose whether you confirm or dispute the delivery.")})
    if verdict == Verdict.DISPUTED and not comment.strip():
        raise ValidationError({"comment": _("Say what you dispute.")})
    review = DeliveryReview.objects.filter(commitment=locked, user=user).first()
    if review is None:
        review = DeliveryReview(commitment=locked, user=user)
    review.verdict, review.comment, review.updated_at = verdict, comment.strip(), timezone.now()
    review.full_clean()
    review.save()
    return review
