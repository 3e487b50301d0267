"""Reminders as rows: what goes to whom, when, and how far it got.

Every reminder is planned in the same transaction as the change that causes it
(a session scheduled, a due date set) as one row per recipient and occurrence,
under a deterministic key (kind, object, recipient, occurrence) that a unique
constraint guards: planning twice, or two planners at once, cannot make a
second row. Its send time is stored in UTC, computed from the table's zone.

A row moves through a small state machine, each step a transactional update:
planned -> sending -> sent, or failed (retried a bounded number of times), or
skipped (no longer meaningful: the session already took place) or cancelled
(the session was cancelled). A row that is sent is never planned again.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mesa.models import Table

# The defaults of the issue; a table may change them (ReminderSchedule).
DEFAULT_SESSION_HOURS_BEFORE = [7 * 24, 24]
DEFAULT_COMMITMENT_DAYS_BEFORE = [7, 1, 0]
DEFAULT_OVERDUE_EVERY_DAYS = 7
DEFAULT_UNANSWERED_WORKING_DAYS = 10


class Kind(models.TextChoices):
    SESSION = "session", pgettext_lazy("reminder kind", "Before a session")
    COMMITMENT_DUE = "commitment_due", pgettext_lazy("reminder kind", "Before a commitment falls due")
    COMMITMENT_OVERDUE = "commitment_overdue", pgettext_lazy("reminder kind", "While a commitment is overdue")
    CONCERN_UNANSWERED = "concern_unanswered", pgettext_lazy("reminder kind",
                                                             "A concern without an official answer")
    FOLLOW_UPDATE = "follow_update", pgettext_lazy("reminder kind", "News of something you follow")
    FOLLOW_DIGEST = "follow_digest", pgettext_lazy("reminder kind", "Daily digest of what you follow")

    @classmethod
    def chosen_by_people(cls) -> list["Kind"]:
        """The kinds a person chooses channels for (a digest goes by the channels of news)."""
        return [kind for kind in cls if kind != cls.FOLLOW_DIGEST]


class State(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("reminder state", "Planned")
    SENDING = "sending", pgettext_lazy("reminder state", "Sending")
    SENT = "sent", pgettext_lazy("reminder state", "Sent")
    FAILED = "failed", pgettext_lazy("reminder state", "Failed")
    SKIPPED = "skipped", pgettext_lazy("reminder state", "Skipped")
    CANCELLED = "cancelled", pgettext_lazy("reminder state", "Cancelled")


class ReminderSchedule(models.Model):
    """A table's reminder offsets; a table without one uses the defaults."""

    table = models.OneToOneField(Table, on_delete=models.CASCADE, related_name="reminder_schedule")
    session_hours_before = ArrayField(
        models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(60 * 24)]),
        default=list, blank=True, size=5, verbose_name=_("hours before a session"),
        help_text=_("Counted on the table's clock: 24 hours before an 18:00 session is 18:00 the "
                    "day before. Empty: 168 and 24."),
    )
    commitment_days_before = ArrayField(
        models.PositiveIntegerField(validators=[MaxValueValidator(90)]),
        default=list, blank=True, size=5, verbose_name=_("days before a commitment's due date"),
        help_text=_("Empty: 7, 1 and 0 (the due date)."),
    )
    overdue_every_days = models.PositiveSmallIntegerField(
        _("days between reminders while a commitment is overdue"), default=DEFAULT_OVERDUE_EVERY_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    unanswered_working_days = models.PositiveSmallIntegerField(
        _("working days before a concern without an official answer is reminded"),
        default=DEFAULT_UNANSWERED_WORKING_DAYS, validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        verbose_name = _("reminder schedule")
        verbose_name_plural = _("reminder schedules")

    def __str__(self) -> str:
        return str(self.table)


class Reminder(models.Model):
    key = models.CharField(_("key"), max_length=200, unique=True,
                           help_text=_("Kind, object, recipient and occurrence: one row each, ever."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurrence = models.CharField(_("occurrence"), max_length=40)
    table = models.ForeignKey(Table, on_delete=models.PROTECT, related_name="reminders",
                              verbose_name=_("table"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="reminders", verbose_name=_("recipient"))
    session = models.ForeignKey("meetings.Session", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="reminders")
    commitment = models.ForeignKey("commitments.Commitment", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="reminders")
    concern = models.ForeignKey("concerns.Concern", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="reminders")
    send_at = models.DateTimeField(_("send at"), help_text=_("In UTC; computed on the table's clock."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    # Channels (reminders.channels) that have delivered it: an attempt that failed half-way
    # does not deliver again by the channels that already did.
    channels = ArrayField(models.CharField(max_length=20), default=list, blank=True,
                          verbose_name=_("delivered by"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["send_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(session__isnull=False, commitment__isnull=True, concern__isnull=True)
                           | Q(session__isnull=True, commitment__isnull=False, concern__isnull=True)
                           | Q(session__isnull=True, commitment__isnull=True, concern__isnull=False)
                           # A digest is about everything one follows at a table.
                           | Q(kind="follow_digest", session__isnull=True, commitment__isnull=True,
                               concern__isnull=True)),
                name="reminder_about_one_thing",
            ),
            models.CheckConstraint(condition=~Q(state="sent") | Q(sent_at__isnull=False),
                                   name="reminder_sent_has_time"),
        ]
        indexes = [
            # The dispatcher's question: what is due now?
            models.Index(fields=["send_at", "id"], condition=Q(state="planned"), name="reminder_due"),
            # ... and which claims are in flight, or have expired?
            models.Index(fields=["claimed_at", "id"], condition=Q(state="sending"),
                         name="reminder_in_flight"),
            models.Index(fields=["table", "-send_at"], name="reminder_table_log"),
        ]

    def __str__(self) -> str:
        return self.key


class InboxMessage(models.Model):
    """The in-app channel: what a person was told, with an unread count. One per reminder."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox",
                             verbose_name=_("person"))
    reminder = models.OneToOneField(Reminder, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="inbox_message")
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("message"))
    url = models.CharField(_("address"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="inbox_unread")]

    def __str__(self) -> str:
        return self.subject


class NotificationPreferences(models.Model):
    """What a person wants to be told, and how. Without a row: everything, by every channel,
    and a notice for each piece of news of what they follow."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preferences", verbose_name=_("person"))
    follow_digest = models.BooleanField(
        _("one daily digest of what I follow"), default=False,
        help_text=_("Instead of a message for each answer or update, one message a day, in the "
                    "evening, with everything new."),
    )
    # "kind:channel" pairs turned off, e.g. "session:email".
    muted = ArrayField(models.CharField(max_length=60), default=list, blank=True,
                       verbose_name=_("turned off"))

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    @staticmethod
    def pair(kind: str, channel: str) -> str:
        return f"{kind}:{channel}"

    def wants(self, kind: str, channel: str) -> bool:
        if kind == Kind.FOLLOW_DIGEST:
            kind = Kind.FOLLOW_UPDATE
        return self.pair(kind, channel) not in self.muted


def preferences_of(user) -> NotificationPreferences:
    """The person's preferences, or the defaults (unsaved) when they never chose."""
    try:
        return user.notification_preferences
    except NotificationPreferences.DoesNotExist:
        return NotificationPreferences(user=user)
