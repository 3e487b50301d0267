"""Commitments (compromisos) of institutions, their action updates (avances) and
the members' review of what was delivered.

Writes go through commitments.services; reads through commitments.querysets;
who may see and do what is decided in commitments.permissions.

Nothing here silently changes or disappears: every insert and update of a
commitment, a due-date move, an action update, its comments and evidence and
a delivery review leaves a hash-chained event row written by PostgreSQL
(mesa.history.tamper_evident); PostgreSQL refuses to delete or truncate these
rows, to rewrite what a commitment is (its agreement, institution, original
due date) and to change an action update at all: a correction is a new
update that names the one it corrects.
"""

from datetime import date

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from commitments.querysets import CommitmentQuerySet, UpdateQuerySet
from meetings.models import Agreement, Session
from mesa.history import never_truncated, tamper_evident
from mesa.models import Institution, Table
from mesa.uploads import PrivateStorage

# No commitment of a table counts more than this many of anything: a sane bound
# that catches a typing slip (2000000 prosecutors) before it reaches a dashboard.
QUANTITY_MAX = 1_000_000


class CommitmentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("commitment status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("commitment status", "In progress")
    FULFILLED = "fulfilled", pgettext_lazy("commitment status", "Fulfilled")
    PARTLY_FULFILLED = "partly_fulfilled", pgettext_lazy("commitment status", "Partly fulfilled")
    NOT_FULFILLED = "not_fulfilled", pgettext_lazy("commitment status", "Not fulfilled")
    WITHDRAWN = "withdrawn", pgettext_lazy("commitment status", "Withdrawn")

    @classmethod
    def pending(cls) -> list[str]:
        """Still to be delivered: these can fall overdue."""
        return [cls.OPEN, cls.IN_PROGRESS]

    @classmethod
    def closed(cls) -> list[str]:
        return [cls.FULFILLED, cls.PARTLY_FULFILLED, cls.NOT_FULFILLED, cls.WITHDRAWN]


def _quantity(verbose_name):
    return models.PositiveIntegerField(verbose_name, null=True, blank=True,
                                       validators=[MaxValueValidator(QUANTITY_MAX)])


@tamper_evident()
class Commitment(models.Model):
    """What an institution committed to under an agreement, by when, and how much."""

    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="commitments",
                              verbose_name=_("table"))
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="commitments",
                                  verbose_name=_("agreement"))
    number = models.PositiveSmallIntegerField(_("number"))
    # The agreement's code and the number under it, e.g. PL-2026-07/3-1.
    code = models.CharField(_("code"), max_length=60)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="commitments",
                                    verbose_name=_("responsible institution"))
    co_responsible = models.ManyToManyField(
        Institution, blank=True, related_name="co_commitments",
        verbose_name=_("co-responsible institutions"),
        help_text=_("Institutions at other levels of government that the agreement also names."),
    )
    responsible_officials = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="commitments",
        verbose_name=_("responsible officials"),
    )
    description = models.TextField(_("what was committed"), max_length=5000)
    due_on = models.DateField(_("due date"))
    original_due_on = models.DateField(_("original due date"))
    unit = models.CharField(_("unit"), max_length=80, blank=True,
                            help_text=_("What is counted, e.g. public prosecutors. Leave empty if "
                                        "nothing is counted."))
    requested = _quantity(_("requested"))
    committed = _quantity(_("committed"))
    delivered = models.PositiveIntegerField(_("delivered"), default=0,
                                            validators=[MaxValueValidator(QUANTITY_MAX)])
    status = models.CharField(_("status"), max_length=20, choices=CommitmentStatus.choices,
                              default=CommitmentStatus.OPEN)
    status_reason = models.TextField(_("why"), blank=True, max_length=2000)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                          blank=True, related_name="+", verbose_name=_("status changed by"))
    # When it was closed as fulfilled (or partly): "fulfilled on time" compares it with due_on.
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    first_update_at = models.DateTimeField(_("first action update at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="commitment_unique_number"),
            models.UniqueConstraint(fields=["table", "code"], name="commitment_unique_code"),
            models.CheckConstraint(
                condition=Q(requested__lte=QUANTITY_MAX) & Q(committed__lte=QUANTITY_MAX)
                & Q(delivered__lte=QUANTITY_MAX),
                name="commitment_quantities_sane",
            ),
            models.CheckConstraint(
                condition=~Q(unit="") | (Q(requested__isnull=True) & Q(committed__isnull=True)
                                         & Q(delivered=0)),
                name="commitment_quantities_have_unit",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(status_reason=""),
                name="commitment_withdrawal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["table", "status", "due_on"], name="commitment_table_status_due"),
            models.Index(fields=["institution", "status"], name="commitment_institution_status"),
        ]
        triggers = [
            pgtrigger.Protect(name="commitment_never_deleted", operation=pgtrigger.Delete),
            never_truncated("commitment_never_truncated"),
            pgtrigger.Protect(
                name="commitment_identity_never_changes", operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("table", "agreement", "number", "code", "institution",
                                              "original_due_on", "created_by", "created_at"),
            ),
            pgtrigger.Protect(name="withdrawn_commitment_stays_withdrawn", operation=pgtrigger.Update,
                              condition=pgtrigger.Q(old__status="withdrawn")),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("commitments:detail", kwargs={"table_slug": self.table.slug, "pk": self.pk})

    def local_today(self, now=None) -> date:
        return timezone.localtime(now or timezone.now(), self.table.zone).date()

    def is_overdue(self, now=None) -> bool:
        """Derived, never stored: past its due date (in the table's zone) and not closed."""
        return self.status in CommitmentStatus.pending() and self.local_today(now) > self.due_on

    def days_overdue(self, now=None) -> int:
        return (self.local_today(now) - self.due_on).days if self.is_overdue(now) else 0

    @property
    def is_withdrawn(self) -> bool:
        return self.status == CommitmentStatus.WITHDRAWN

    @property
    def is_closed(self) -> bool:
        return self.status in CommitmentStatus.closed()

    @property
    def has_quantity(self) -> bool:
        return bool(self.unit)

    @property
    def due_date_moved(self) -> bool:
        return self.due_on != self.original_due_on

    @property
    def delivered_share(self) -> float | None:
        """Delivered over requested (or committed when nothing was requested), 0 to 1 or above."""
        target = self.requested or self.committed
        return self.delivered / target if target else None

    def is_open_for_review(self, now=None) -> bool:
        """Members confirm or dispute the reported delivery once the due date has come,
        or as soon as the commitment is closed."""
        if self.is_withdrawn:
            return False
        return self.is_closed or self.local_today(now) >= self.due_on


class Follow(models.Model):
    """A person who wants to hear of a commitment's action updates (reminders.followers)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="commitment_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["commitment", "user"],
                                               name="commitment_follow_once_per_person")]

    def __str__(self) -> str:
        return f"follow · {self.commitment_id}"


@tamper_evident()
class DueDateChange(models.Model):
    """A due date moved: from, to, why, who agreed and where. Never changed or deleted."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="due_date_changes",
                                   verbose_name=_("commitment"))
    previous_due_on = models.DateField(_("previous due date"))
    new_due_on = models.DateField(_("new due date"))
    reason = models.TextField(_("why it moved"), max_length=2000)
    agreed_at = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("agreed at session"),
                                  help_text=_("The session where the table agreed to the new date, "
                                              "if it was agreed at one."))
    agreed_by = models.CharField(_("agreed by"), max_length=300, blank=True,
                                 help_text=_("Who agreed to it, e.g. the plenary or the coordinators."))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("due date change")
        verbose_name_plural = _("due date changes")
        ordering = ["commitment", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="due_date_change_has_reason"),
        ]
        triggers = [
            pgtrigger.Protect(name="due_date_change_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
            never_truncated("due_date_change_never_truncated"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.previous_due_on} → {self.new_due_on}"


@tamper_evident()
class ActionUpdate(models.Model):
    """An action update (avance) posted by a verified official of the owning institution.

    Append-only: never edited, never deleted. A correction is a new update that
    names the one it corrects (and may take back delivered quantities)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="updates",
                                   verbose_name=_("commitment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("posted by"))
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("institution"))
    text = models.TextField(_("what was done"), max_length=10_000)
    action_on = models.DateField(_("date of the action"))
    delivered_change = models.IntegerField(
        _("change in the delivered quantity"), default=0,
        validators=[MinValueValidator(-QUANTITY_MAX), MaxValueValidator(QUANTITY_MAX)],
    )
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("corrects"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("action update")
        verbose_name_plural = _("action updates")
        ordering = ["commitment", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_change__gte=0) | Q(corrects__isnull=False),
                name="update_takes_back_only_as_correction",
            ),
            models.CheckConstraint(
                condition=Q(delivered_change__gte=-QUANTITY_MAX, delivered_change__lte=QUANTITY_MAX),
                name="update_delivered_change_sane",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="update_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            never_truncated("update_never_truncated"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} · {self.action_on}"


def update_evidence_upload_to(instance, filename: str) -> str:
    return f"commitments/{timezone.now():%Y/%m}/{filename}"


private_storage = PrivateStorage()


@tamper_evident()
class UpdateEvidence(models.Model):
    """A file attached to an action update: checked, cleaned, kept privately (mesa.uploads)."""

    class Kind(models.TextChoices):
        IMAGE = "image", pgettext_lazy("evidence kind", "Photo")
        PDF = "pdf", pgettext_lazy("evidence kind", "PDF document")
        AUDIO = "audio", pgettext_lazy("evidence kind", "Audio recording")

    update = models.ForeignKey(ActionUpdate, on_delete=models.PROTECT, related_name="evidence",
                               verbose_name=_("action update"))
    file = models.FileField(_("file"), storage=private_storage, upload_to=update_evidence_upload_to,
                            max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("action update evidence")
        verbose_name_plural = _("action update evidence")
        ordering = ["update", "pk"]
        triggers = [
            pgtrigger.Protect(name="update_evidence_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
            never_truncated("update_evidence_never_truncated"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.file.name


@tamper_evident()
class UpdateComment(models.Model):
    """A coordinator's or the secretariat's comment on an action update. Append-only."""

    update = models.ForeignKey(ActionUpdate, on_delete=models.PROTECT, related_name="comments",
                               verbose_name=_("action update"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("author"))
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment on an action update")
        verbose_name_plural = _("comments on action updates")
        ordering = ["update", "created_at", "pk"]
        triggers = [
            pgtrigger.Protect(name="update_comment_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
            never_truncated("update_comment_never_truncated"),
        ]

    def __str__(self) -> str:
        return f"{self.update_id} · {self.author_id}"


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("delivery review", "Confirmed")
    DISPUTED = "disputed", pgettext_lazy("delivery review", "Disputed")


@tamper_evident()
class DeliveryReview(models.Model):
    """A member confirms or disputes the delivery the institution reports.

    One per member and commitment; a member may change their mind, and the
    history keeps what they said before. Never deleted."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="reviews",
                                   verbose_name=_("commitment"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("member"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("given at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery review")
        verbose_name_plural = _("delivery reviews")
        ordering = ["commitment", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "user"], name="review_once_per_member"),
            models.CheckConstraint(condition=~Q(verdict="disputed") | ~Q(comment=""),
                                   name="review_dispute_has_comment"),
        ]
        triggers = [
            pgtrigger.Protect(name="review_never_deleted", operation=pgtrigger.Delete),
            never_truncated("review_never_truncated"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} · {self.user_id} · {self.verdict}"
