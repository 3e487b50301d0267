"""Sessions of a table (plenaries and subcommittee sessions), their agenda,
attendance, minutes and agreements, and the proposals subcommittees bring.

Writes go through meetings.services; reads through meetings.querysets; who may
see and do what is decided in meetings.permissions.

The record is the table's memory: PostgreSQL itself keeps an event row for
every insert and update of a session, its minutes, agreements and proposals
(mesa.history: append-only and hash-chained), refuses to delete or truncate
minutes or agreements, and refuses to change approved minutes or the
substance of an agreement (django-pgtrigger), whatever code or SQL tries.
"""

import uuid
from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from concerns.models import Concern
from meetings.querysets import AgreementQuerySet, ProposalQuerySet, SessionQuerySet
from mesa.history import never_truncated, tamper_evident
from mesa.models import GovernmentLevel, Institution, Table
from subcommittees.models import Subcommittee


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("session status", "Scheduled")
    RESCHEDULED = "rescheduled", pgettext_lazy("session status", "Rescheduled")
    HELD = "held", pgettext_lazy("session status", "Held")
    CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")


@tamper_evident()
class Session(models.Model):
    """A plenary (no subcommittee) or a subcommittee session, at a time in the table's zone."""

    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="sessions",
                              verbose_name=_("table"))
    subcommittee = models.ForeignKey(
        Subcommittee, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions",
        verbose_name=_("subcommittee"), help_text=_("Empty for a plenary of the whole table."),
    )
    # Readable and stable, e.g. PL-2026-07; agreements are numbered under it (PL-2026-07/3).
    code = models.CharField(_("code"), max_length=40, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=250, blank=True)
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    is_public = models.BooleanField(
        _("open to non-members"), default=True,
        help_text=_("At a table visible to non-members, anyone can see this session and its "
                    "agreements. Otherwise only the table's members can."),
    )
    status = models.CharField(_("status"), max_length=12, choices=SessionStatus.choices,
                              default=SessionStatus.SCHEDULED)
    cancellation_reason = models.TextField(_("why it was cancelled"), blank=True, max_length=2000)
    quorum = models.PositiveSmallIntegerField(
        _("members needed for quorum"), null=True, blank=True,
        help_text=_("Leave empty for a plenary to need more than half of the table's members; "
                    "a subcommittee session without a number has no quorum rule."),
    )
    invited_institutions = models.ManyToManyField(
        Institution, blank=True, related_name="invited_to_sessions",
        verbose_name=_("institutions invited"),
    )
    # Set when the organisers publish the agenda before the table's usual notice.
    agenda_published_at = models.DateTimeField(_("agenda published at"), null=True, blank=True)
    # iCalendar: a stable UID and a SEQUENCE raised on every change attendees must see.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("scheduled by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="session_unique_code"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="session_ends_after_it_starts"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancellation_reason=""),
                name="session_cancellation_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["table", "starts_at"], name="session_table_starts"),
            models.Index(fields=["subcommittee", "starts_at"], name="session_subcommittee_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:session-detail", kwargs={"table_slug": self.table.slug, "pk": self.pk})

    @property
    def is_plenary(self) -> bool:
        return self.subcommittee_id is None

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def agenda_public_from(self):
        """When members see the agenda: the table's notice before the start, or earlier if published."""
        usual = self.starts_at - timedelta(days=self.table.agenda_notice_days)
        if self.agenda_published_at is not None:
            return min(usual, self.agenda_published_at)
        return usual

    @property
    def is_agenda_published(self) -> bool:
        return timezone.now() >= self.agenda_public_from

    def local_starts_at(self):
        return timezone.localtime(self.starts_at, self.table.zone)

    def local_ends_at(self):
        return timezone.localtime(self.ends_at, self.table.zone)


class SessionChange(models.Model):
    """A session's timeline: scheduled, edited, rescheduled (old and new times), cancelled, held."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("session change", "Scheduled")
        EDITED = "edited", pgettext_lazy("session change", "Details changed")
        RESCHEDULED = "rescheduled", pgettext_lazy("session change", "Rescheduled")
        CANCELLED = "cancelled", pgettext_lazy("session change", "Cancelled")
        HELD = "held", pgettext_lazy("session change", "Held")
        AGENDA_PUBLISHED = "agenda_published", pgettext_lazy("session change", "Agenda published")
        ATTENDANCE_RECORDED = "attendance_recorded", pgettext_lazy("session change",
                                                                   "Attendance recorded")
        MINUTES_APPROVED = "minutes_approved", pgettext_lazy("session change", "Minutes approved")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("what happened"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    reason = models.TextField(_("reason"), blank=True)
    old_starts_at = models.DateTimeField(null=True, blank=True)
    old_ends_at = models.DateTimeField(null=True, blank=True)
    new_starts_at = models.DateTimeField(null=True, blank=True)
    new_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("session change")
        verbose_name_plural = _("session changes")
        ordering = ["created_at", "pk"]
        triggers = [
            pgtrigger.Protect(name="session_change_append_only",
                              operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.session}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("proposal status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("proposal status", "Submitted to a plenary")
    DISCUSSED = "discussed", pgettext_lazy("proposal status", "Discussed")
    AGREED = "agreed", pgettext_lazy("proposal status", "Agreed")
    REJECTED = "rejected", pgettext_lazy("proposal status", "Rejected")


@tamper_evident()
class Proposal(models.Model):
    """What a subcommittee asks of an authority, worked out of one or more concerns."""

    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="proposals",
                              verbose_name=_("table"))
    subcommittee = models.ForeignKey(Subcommittee, on_delete=models.PROTECT, related_name="proposals",
                                     verbose_name=_("subcommittee"))
    title = models.CharField(_("title"), max_length=200)
    request = models.TextField(_("what is requested"), max_length=5000)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals",
        verbose_name=_("requested from"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True,
                                           help_text=_("Where it fits, e.g. 200."))
    unit = models.CharField(_("unit"), max_length=100, blank=True,
                            help_text=_("What is counted, e.g. public prosecutors."))
    concerns = models.ManyToManyField(Concern, related_name="proposals", verbose_name=_("concerns"))
    status = models.CharField(_("status"), max_length=12, choices=ProposalStatus.choices,
                              default=ProposalStatus.DRAFT)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals",
        verbose_name=_("submitted to"),
    )
    decision_note = models.TextField(_("note on the decision"), blank=True, max_length=2000)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("drafted by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status="draft") | Q(session__isnull=False),
                                   name="proposal_submitted_to_a_session"),
            models.CheckConstraint(condition=Q(quantity__isnull=True) | ~Q(unit=""),
                                   name="proposal_quantity_has_unit"),
        ]
        indexes = [models.Index(fields=["table", "status"], name="proposal_table_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:proposal-detail", kwargs={"table_slug": self.table.slug, "pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == ProposalStatus.DRAFT


class AgendaItem(models.Model):
    """One point of a session's agenda (orden del día), in order."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("details"), blank=True, max_length=5000)
    duration_minutes = models.PositiveSmallIntegerField(_("minutes planned"), null=True, blank=True)
    concerns = models.ManyToManyField(Concern, blank=True, related_name="agenda_items",
                                      verbose_name=_("concerns"))
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="agenda_items",
                                       verbose_name=_("proposals"))

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "position"]
        constraints = [
            # Deferred, so reordering can swap positions inside one transaction.
            models.UniqueConstraint(fields=["session", "position"], name="agenda_item_unique_position",
                                    deferrable=models.Deferrable.DEFERRED),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class RSVP(models.Model):
    """A member's answer to "will you come?"."""

    class Answer(models.TextChoices):
        YES = "yes", pgettext_lazy("rsvp", "I will attend")
        MAYBE = "maybe", pgettext_lazy("rsvp", "Maybe")
        NO = "no", pgettext_lazy("rsvp", "I cannot attend")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    answer = models.CharField(_("answer"), max_length=5, choices=Answer.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance answer")
        verbose_name_plural = _("attendance answers")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="rsvp_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_answer_display()}"


class Attendance(models.Model):
    """A person the secretariat recorded as present at a session."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The institution the person attended for, if an official (kept as it was that day).
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "user"],
                                               name="attendance_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.session}"


class InstitutionPresence(models.Model):
    """An institution that was present at a session, at its government level that day:
    the record behind "did the state attorney's office come?"."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="institution_presences")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="presences")
    level = models.CharField(_("government level"), max_length=10, choices=GovernmentLevel.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("institution present")
        verbose_name_plural = _("institutions present")
        constraints = [models.UniqueConstraint(fields=["session", "institution"],
                                               name="presence_one_per_institution")]

    def __str__(self) -> str:
        return f"{self.institution} @ {self.session}"


@tamper_evident()
class Minutes(models.Model):
    """One version of a session's minutes (minuta). Drafted, then approved by the
    secretariat; approved minutes never change. A correction is a new version that
    names the one it corrects and why; every version stays visible."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="minutes")
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("minutes"), max_length=100_000)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections", verbose_name=_("corrects"))
    correction_reason = models.TextField(_("why it is corrected"), blank=True, max_length=2000)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("drafted by"))
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("approved by"))

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["session", "version"]
        constraints = [
            models.UniqueConstraint(fields=["session", "version"], name="minutes_unique_version"),
            models.UniqueConstraint(fields=["session"], condition=Q(approved_at__isnull=True),
                                    name="minutes_one_draft_per_session"),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="minutes_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(approved_by__isnull=False),
                name="minutes_approval_has_approver",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="minutes_never_deleted", operation=pgtrigger.Delete),
            never_truncated("minutes_never_truncated"),
            pgtrigger.Protect(name="approved_minutes_never_change", operation=pgtrigger.Update,
                              condition=pgtrigger.Q(old__approved_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.session.code} · v{self.version}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


@tamper_evident()
class Agreement(models.Model):
    """An agreement (acuerdo) recorded at a session: numbered per session, never
    deleted, never rewritten; withdrawn with a reason. The source of commitments."""

    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="agreements",
                              verbose_name=_("table"))
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="agreements",
                                verbose_name=_("session"))
    number = models.PositiveSmallIntegerField(_("number"))
    code = models.CharField(_("code"), max_length=50)
    text = models.TextField(_("text of the agreement"), max_length=10_000)
    concerns = models.ManyToManyField(Concern, blank=True, related_name="agreements",
                                      verbose_name=_("concerns"))
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="agreements",
                                       verbose_name=_("proposals"))
    responsible_institutions = models.ManyToManyField(
        Institution, blank=True, related_name="agreements", verbose_name=_("responsible institutions"),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("withdrawn by"))
    withdrawal_reason = models.TextField(_("why it was withdrawn"), blank=True, max_length=2000)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["session__starts_at", "session_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="agreement_unique_number"),
            models.UniqueConstraint(fields=["table", "code"], name="agreement_unique_code"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | (~Q(withdrawal_reason="")
                                                          & Q(withdrawn_by__isnull=False)),
                name="agreement_withdrawal_has_reason",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="agreement_never_deleted", operation=pgtrigger.Delete),
            never_truncated("agreement_never_truncated"),
            pgtrigger.Protect(
                name="agreement_substance_never_changes", operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("table", "session", "number", "code", "text",
                                              "recorded_by", "created_at"),
            ),
            pgtrigger.Protect(name="withdrawn_agreement_stays_withdrawn", operation=pgtrigger.Update,
                              condition=pgtrigger.Q(old__withdrawn_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("meetings:agreement-detail", kwargs={"table_slug": self.table.slug, "pk": self.pk})

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class CalendarFeed(models.Model):
    """The secret address of a person's own calendar feed (all their tables' sessions).

    Calendar apps cannot sign in, so the address is the key: it is long and
    random, shown only to its owner, and a new one can replace it at any time."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("personal calendar feed")
        verbose_name_plural = _("personal calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"

    def get_absolute_url(self) -> str:
        return reverse("calendar-personal", kwargs={"token": self.token})
