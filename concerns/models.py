"""Concerns (planteamientos): what citizens and organisations raise at a table.

The most dangerous data in Mesa. Who may see a concern's content and who may
see its reporter is decided only in concerns.permissions and
ConcernQuerySet.visible_to; writes go through concerns.services.

An anonymous concern stores nothing that identifies its reporter: no user, no
address, no user agent; only the slow hash of a receipt code (see
concerns.receipts) with which the reporter follows it up.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from concerns.querysets import ConcernQuerySet, RatingQuerySet
from mesa.models import Institution, Organisation, Table
from mesa.uploads import private_storage
from subcommittees.models import Subcommittee

DESCRIPTION_MAX_LENGTH = 10_000


class Colonia(models.Model):
    """A neighbourhood of the table's city; the secretariat keeps the list."""

    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="colonias",
                              verbose_name=_("table"))
    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("colonia")
        verbose_name_plural = _("colonias")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["table", "name"], name="colonia_unique_name")]

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    RESTRICTED = "restricted", _("Restricted")
    ANONYMOUS = "anonymous", _("Anonymous")


class Status(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("concern status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("concern status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("concern status", "Rejected")
    ANSWERED = "answered", pgettext_lazy("concern status", "Answered")
    IN_PROGRESS = "in_progress", pgettext_lazy("concern status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("concern status", "Resolved")
    PARTLY_RESOLVED = "partly_resolved", pgettext_lazy("concern status", "Partly resolved")
    CLOSED = "closed", pgettext_lazy("concern status", "Closed")


# Where a concern may go from each status (concerns.services enforces it).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.REJECTED}),
    Status.ACCEPTED: frozenset({Status.ANSWERED, Status.IN_PROGRESS, Status.CLOSED}),
    Status.REJECTED: frozenset({Status.ACCEPTED}),
    Status.ANSWERED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.PARTLY_RESOLVED,
                                Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.PARTLY_RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS}),  # reopened by the reporter
    Status.PARTLY_RESOLVED: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
}
# Statuses the reporter is asked to confirm (or to reopen with a reason).
RESOLUTION_STATUSES = frozenset({Status.RESOLVED, Status.PARTLY_RESOLVED, Status.CLOSED})
# Statuses that show in public and member lists (rejected and hidden ones do not).
LISTED_STATUSES = frozenset(Status.values) - {Status.REJECTED}
# What lists show (ConcernQuerySet.listed), written once for the queries and the partial
# indexes that serve them: not hidden, not folded into another concern, not rejected.
LISTED = Q(hidden_at__isnull=True, duplicate_of__isnull=True) & ~Q(status=Status.REJECTED)
# Carried in the list indexes, so that a list's count reads the index alone.
LIST_FILTERS = ["status", "visibility", "subcommittee", "colonia"]


class Concern(models.Model):
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="concerns",
                              verbose_name=_("table"))
    subcommittee = models.ForeignKey(Subcommittee, on_delete=models.PROTECT,
                                     related_name="concerns", verbose_name=_("subcommittee"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("what happened"), validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)]
    )
    colonia = models.ForeignKey(Colonia, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="concerns", verbose_name=_("colonia"))
    colonia_other = models.CharField(_("other colonia"), max_length=150, blank=True)
    happened_on = models.DateField(_("date of the events"), null=True, blank=True)
    place = models.CharField(_("place of the events"), max_length=200, blank=True)
    accused_institutions = models.ManyToManyField(
        Institution, blank=True, related_name="accused_in_concerns",
        verbose_name=_("institutions the concern is about"),
    )
    visibility = models.CharField(_("who may see it"), max_length=12, choices=Visibility.choices)
    # Null exactly when the concern is anonymous (a check constraint holds it).
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="reported_concerns",
                                 verbose_name=_("reporter"))
    # The scrypt hash of an anonymous concern's receipt code; never the code.
    receipt_hash = models.CharField(max_length=128, null=True, blank=True, unique=True,
                                    editable=False)
    consent_to_accused_at = models.DateTimeField(
        _("reporter agreed to be known to the institutions concerned"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED)
    status_reason = models.TextField(_("reason"), blank=True)
    assigned_institutions = models.ManyToManyField(
        Institution, through="ConcernAssignment", blank=True, related_name="assigned_concerns",
        verbose_name=_("institutions asked to answer"),
    )
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="duplicates", verbose_name=_("duplicate of"))
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.TextField(_("why it is hidden"), blank=True)
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    first_answer_at = models.DateTimeField(_("first official answer at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("marked resolved at"), null=True, blank=True)
    # When the reporter was asked "was it resolved?" (once per resolution; reopening clears it).
    resolution_asked_at = models.DateTimeField(_("reporter asked whether it was resolved at"),
                                               null=True, blank=True)
    # Spanish and English stems of the title (weight A) and description (weight B),
    # accents folded by mesa_unaccent(); kept by PostgreSQL itself (see migration 0001).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(visibility="anonymous", reporter__isnull=True)
                           | (~Q(visibility="anonymous") & Q(reporter__isnull=False))),
                name="concern_reporter_iff_not_anonymous",
            ),
            models.CheckConstraint(
                condition=Q(receipt_hash__isnull=True) | Q(visibility="anonymous"),
                name="concern_receipt_only_when_anonymous",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="concern_search_gin"),
            models.Index(fields=["table", "status", "-created_at"], name="concern_table_status"),
            models.Index(fields=["subcommittee", "status"], name="concern_subcommittee_status"),
            # The lists, by priority and by date (with their counts: index-only scans).
            models.Index(fields=["table", "-support_count", "-created_at", "-id"], include=LIST_FILTERS,
                         condition=LISTED, name="concern_listed_priority"),
            models.Index(fields=["table", "-created_at", "-id"], include=LIST_FILTERS,
                         condition=LISTED, name="concern_listed_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("concerns:concern-detail", kwargs={"table_slug": self.table.slug,
                                                          "pk": self.pk})

    @staticmethod
    def listed_statuses() -> frozenset[str]:
        return LISTED_STATUSES

    @property
    def is_anonymous(self) -> bool:
        return self.visibility == Visibility.ANONYMOUS

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def colonia_name(self) -> str:
        return self.colonia.name if self.colonia_id else self.colonia_other


class ConcernEvent(models.Model):
    """One step of a concern's timeline: who did what, when. Append-only.

    `actor` is null for steps taken by an anonymous reporter (through the
    receipt code) and by the system: nothing links them to a person.
    """

    class Kind(models.TextChoices):
        RAISED = "raised", pgettext_lazy("concern event", "Raised")
        STATUS = "status", pgettext_lazy("concern event", "Status changed")
        ROUTED = "routed", pgettext_lazy("concern event", "Sent to another subcommittee")
        ASSIGNED = "assigned", pgettext_lazy("concern event", "Institution asked to answer")
        ANSWERED = "answered", pgettext_lazy("concern event", "Official answer")
        REPLY = "reply", pgettext_lazy("concern event", "Reply")
        CONFIRMED = "confirmed", pgettext_lazy("concern event", "Resolution confirmed")
        REOPENED = "reopened", pgettext_lazy("concern event", "Reopened")
        DUPLICATE = "duplicate", pgettext_lazy("concern event", "Marked as duplicate")
        HIDDEN = "hidden", pgettext_lazy("concern event", "Hidden")
        UNHIDDEN = "unhidden", pgettext_lazy("concern event", "Shown again")
        CONSENT = "consent", pgettext_lazy("concern event", "Consent changed")
        ASKED = "asked", pgettext_lazy("concern event", "Reporter asked whether it was resolved")

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    by_reporter = models.BooleanField(default=False)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.concern_id}"


class ConcernAssignment(models.Model):
    """An institution asked (by a coordinator) to answer a concern."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="assignments")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="concern_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "institution"],
                                               name="concern_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.institution_id} → {self.concern_id}"


class Answer(models.Model):
    """An institution's official answer, posted by one of its verified officials."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="answers")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("answer"), validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("official answer")
        verbose_name_plural = _("official answers")

    def __str__(self) -> str:
        return f"{self.institution_id} · {self.concern_id}"


class Reply(models.Model):
    """The reporter's reply (or the receipt holder's: then `author` is null)."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    text = models.TextField(_("reply"), validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    created_at = models.DateTimeField(default=timezone.now)
    # Hidden by the table's moderators (abusive content), never deleted.
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.TextField(_("why it is hidden"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"reply · {self.concern_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Support(models.Model):
    """A member's support; with `organisation`, an endorsement in its name."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="concern_supports")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="endorsements")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "user"],
                                               name="support_once_per_person")]

    def __str__(self) -> str:
        return f"support · {self.concern_id}"


class Follow(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="concern_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "user"],
                                               name="follow_once_per_person")]

    def __str__(self) -> str:
        return f"follow · {self.concern_id}"


class Rating(models.Model):
    """A 1 to 5 rating of an answer by the reporter, the receipt holder
    (`user` null, at most one per answer) or a supporter. Changeable."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RatingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "user"], name="rating_once_per_person"),
            models.UniqueConstraint(fields=["answer"], condition=Q(user__isnull=True),
                                    name="rating_once_per_receipt"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5),
                                   name="rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 · answer {self.answer_id}"


def evidence_upload_to(instance, filename: str) -> str:
    """A random name in a per-month folder; `filename` is already random (see
    concerns.evidence), the original name is never part of the path."""
    return timezone.now().strftime("evidence/%Y/%m/") + filename.rsplit("/", 1)[-1]


class Evidence(models.Model):
    """A file attached to a concern: a cleaned photo, a PDF or an audio recording.

    Stored under settings.MESA_PRIVATE_MEDIA_ROOT with a random name and
    served only by concerns.evidence_views.evidence_file after a permission
    check. For an anonymous concern `original_name` is empty and
    `uploaded_by` null (concerns.evidence.evidence_attach).
    """

    class Kind(models.TextChoices):
        IMAGE = "image", pgettext_lazy("evidence kind", "Photo")
        PDF = "pdf", pgettext_lazy("evidence kind", "PDF document")
        AUDIO = "audio", pgettext_lazy("evidence kind", "Audio recording")

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="evidence",
                                verbose_name=_("concern"))
    file = models.FileField(_("file"), storage=private_storage, upload_to=evidence_upload_to,
                            max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    # Kept for the uploader's own reference; empty for anonymous concerns.
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.TextField(_("why it is hidden"), blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.concern_id}"

    def get_absolute_url(self) -> str:
        concern = self.concern
        return reverse("concerns:evidence-file", kwargs={
            "table_slug": concern.table.slug, "pk": concern.pk, "evidence_pk": self.pk})

    @property
    def extension(self) -> str:
        return self.file.name.rsplit(".", 1)[-1].lower() if "." in self.file.name else ""

    @property
    def download_name(self) -> str:
        """A neutral name for the browser: nothing of the original."""
        return f"evidence-{self.pk}.{self.extension}" if self.extension else f"evidence-{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
