"""Sending planned reminders exactly once.

- `claim_due` (the dispatcher, on beat every minute in UTC, and after each
  batch sent) takes due rows with `SELECT ... FOR UPDATE SKIP LOCKED`, marks
  them "sending" in the same transaction and returns their ids, to be sent in
  batches by tasks enqueued on commit. Two dispatchers at once claim disjoint
  rows. A row left "sending" by a worker that died is claimed again after
  CLAIM_TIMEOUT; no more than IN_FLIGHT_LIMIT rows wait claimed, so none
  waits that long in the queue.
- `send_batch` (a task's batch) sends the rows a chunk per transaction (at
  most MESA_REMINDER_COMMIT_ROWS rows, and no more than
  MESA_REMINDER_COMMIT_SECONDS of sending): it locks them again (SKIP LOCKED:
  a second delivery of the same task passes them by), checks each is still
  meaningful, renders it in the recipient's language with the table's times,
  delivers it by the channels outside the database the person wants for its
  kind (reminders.channels: email), then writes the transactional channels'
  part (the inbox messages) and marks the chunk sent: the inbox messages and
  the "sent" marks commit together or not at all.
- The one window left: emails have left but the worker dies before its
  chunk's commit (or the database fails that transaction). Those rows are
  claimed again after CLAIM_TIMEOUT and their emails go out a second time, with
  the same deterministic Message-IDs, so mail software can recognise the
  duplicates: at most MESA_REMINDER_COMMIT_ROWS emails (1 when it is set to 1,
  at a cost in speed). Nothing else can send twice.
- A failure puts the row back to "planned" a few minutes later, up to
  MAX_ATTEMPTS, then "failed" (`manage.py retry_reminders` plans failed ones again).
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from reminders import channels, followers
from reminders.models import Kind, Reminder, State, preferences_of

BATCH_SIZE = 200
CLAIM_LIMIT = 5000
# At most this many rows claimed and not yet sent: what the workers send well within
# CLAIM_TIMEOUT, so a claim never expires in the queue. Each finished batch claims what room it
# made (tasks.send_reminders_task), so a backlog flows at the workers' pace, not beat's.
IN_FLIGHT_LIMIT = 5000
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)
_CLAIM_LOCK = 7_301_001  # pg_advisory_xact_lock key: one dispatcher at a time weighs the room


def claim_due(now: datetime | None = None, limit: int = CLAIM_LIMIT,
              room_made: int | None = None) -> list[int]:
    """Mark due rows "sending" and return their ids (oldest first): up to `limit`, and no more
    than leaves IN_FLIGHT_LIMIT rows claimed and unsent. `room_made`: as many as a batch that
    was just sent took off the rows in flight, so that the dispatcher need not count them (a
    walk over every row claimed in the last CLAIM_TIMEOUT, after each batch)."""
    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            if room_made is None:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CLAIM_LOCK])
            # The rows are read in their partial index's order, stopping after `room`, whatever
            # the table's statistics say: while a large backlog goes out, they lag behind, and a
            # bitmap scan would read and sort every due row, and every row that was.
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        if room_made is None:
            in_flight = Reminder.objects.filter(state=State.SENDING,
                                                claimed_at__gte=now - CLAIM_TIMEOUT).count()
            room = min(limit, IN_FLIGHT_LIMIT - in_flight)
        else:
            room = min(limit, room_made)
        if room <= 0:
            return []
        claimable = Reminder.objects.select_for_update(skip_locked=True).values_list("pk", flat=True)
        # Two questions, each answered in its index's order so it stops after `room` rows (one
        # OR-ed question would sort every due row, on each claim): claims that expired, the
        # longest waiting first; then what is due, oldest first.
        ids = list(claimable.filter(state=State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
                   .order_by("claimed_at", "pk")[:room])
        if len(ids) < room:
            ids += claimable.filter(state=State.PLANNED, send_at__lte=now).order_by("send_at", "pk")[
                :room - len(ids)]
        Reminder.objects.filter(pk__in=ids).update(state=State.SENDING, claimed_at=now,
                                                   attempts=F("attempts") + 1, updated_at=now)
    return ids


def message_id(reminder: Reminder) -> str:
    digest = hashlib.sha256(reminder.key.encode()).hexdigest()[:32]
    domain = getattr(settings, "MESA_MAIL_DOMAIN", "mesa.local")
    return f"<reminder-{digest}@{domain}>"


def _still_meaningful(reminder: Reminder, now: datetime) -> bool:
    """`reminder` as read by _with_send_data (with `is_member`)."""
    if not reminder.recipient.is_active:
        return False
    if reminder.kind in (Kind.FOLLOW_UPDATE, Kind.FOLLOW_DIGEST):
        # Followers need not be members (a public concern has followers from anywhere).
        return followers.may_still_see(reminder)
    if not reminder.is_member:
        return False
    if reminder.kind == Kind.SESSION:
        session = reminder.session
        return not session.is_cancelled and session.starts_at > now
    if reminder.kind in (Kind.COMMITMENT_DUE, Kind.COMMITMENT_OVERDUE):
        from reminders import commitment_planner

        return commitment_planner.still_meaningful(reminder, now)
    if reminder.kind == Kind.CONCERN_UNANSWERED:
        from reminders import concern_planner

        return concern_planner.still_meaningful(reminder, now)
    return True


def _plan_next(reminder: Reminder, now: datetime) -> None:
    """After a commitment or concern reminder is done with, in the same transaction: once a
    weekly one (overdue, unanswered) is sent (or failed for good) the next is planned; a skipped
    commitment one is planned again if its due date moved ahead. The commitment or concern is
    locked first, as its services do."""
    if reminder.kind == Kind.CONCERN_UNANSWERED:
        from concerns.models import Concern
        from reminders import concern_planner

        concern = Concern.objects.select_for_update().select_related("table", "subcommittee").get(
            pk=reminder.concern_id)
        concern_planner.plan_concern(concern, now)
        return
    if reminder.kind not in (Kind.COMMITMENT_DUE, Kind.COMMITMENT_OVERDUE):
        return
    if reminder.state != State.SKIPPED and reminder.kind != Kind.COMMITMENT_OVERDUE:
        return
    from commitments.models import Commitment
    from reminders import commitment_planner

    commitment = Commitment.objects.select_for_update().select_related("table", "agreement__session").get(
        pk=reminder.commitment_id)
    commitment_planner.plan_commitment(commitment, now)


def _shared_text_key(reminder: Reminder) -> tuple | None:
    """What a reminder's subject and text depend on besides the person, who is named only in the
    greeting: the same for everyone reminded of one session, commitment or concern at one
    occurrence. None for news and digests, which are each person's own."""
    if reminder.kind == Kind.SESSION:
        session = reminder.session
        return (reminder.kind, reminder.occurrence, session.pk, session.sequence, session.updated_at)
    if reminder.kind in (Kind.COMMITMENT_DUE, Kind.COMMITMENT_OVERDUE):
        return (reminder.kind, reminder.occurrence, reminder.commitment_id)
    if reminder.kind == Kind.CONCERN_UNANSWERED:  # its text counts the days up to its moment
        moment = reminder.claimed_at or reminder.send_at
        return (reminder.kind, reminder.occurrence, reminder.concern_id, moment)
    return None


def _render_text(reminder: Reminder) -> tuple[str, str, str] | None:
    """Subject, text (all but the greeting) and path, in the active language and time zone;
    None when there is nothing to say (the news is gone, a quiet digest). Never a reporter's
    identity: a reminder names sessions, commitments, concern titles and institutions' news only."""
    table = reminder.table
    context = {"reminder": reminder, "table": table, "session": reminder.session,
               "base_url": settings.MESA_BASE_URL}
    if reminder.kind == Kind.FOLLOW_UPDATE:
        context["news"] = followers.news_of(reminder)
        if context["news"] is None:
            return None
        url = context["news"].url
    elif reminder.kind == Kind.FOLLOW_DIGEST:
        context["news"] = followers.digest_news(reminder)
        if not context["news"]:
            return None
        url = reverse("reminders:inbox-list")
    elif reminder.session_id:
        url = reminder.session.get_absolute_url()
    elif reminder.commitment_id:
        url = reminder.commitment.get_absolute_url()
    elif reminder.concern_id:
        url = reminder.concern.get_absolute_url()
    else:
        url = table.get_absolute_url()
    context["url"] = settings.MESA_BASE_URL + url
    subject = render_to_string(f"reminders/email/{reminder.kind}_subject.txt", context).strip()
    text = render_to_string(f"reminders/email/{reminder.kind}_body.txt", context)
    return subject, text, url


def _render(reminder: Reminder, batch: "Batch | None" = None) -> tuple[str, str, str] | None:
    """Subject, body and path, in the recipient's language, times in the table's zone (see
    _render_text). What is the same for everyone reminded of one thing is rendered once per
    batch and language; only the greeting is the person's own."""
    language = reminder.recipient.language
    with translation.override(language), timezone.override(reminder.table.zone):
        shared_key = _shared_text_key(reminder) if batch is not None else None
        if shared_key is None:
            rendered = _render_text(reminder)
        else:
            shared_key = (language, *shared_key)
            if shared_key not in batch.texts:
                batch.texts[shared_key] = _render_text(reminder)
            rendered = batch.texts[shared_key]
        if rendered is None:
            return None
        greeting = gettext("Hello %(name)s,") % {"name": reminder.recipient.display_name}
    subject, text, url = rendered
    return subject, f"{greeting}\n\n{text}", url


def _attachments(reminder: Reminder, batch: "Batch | None" = None) -> list:
    if reminder.kind != Kind.SESSION:
        return []
    from meetings import calendar
    from meetings.models import Session

    session = reminder.session
    # The same for every recipient of a session: built once per batch and version of the session.
    version = (session.pk, session.sequence, session.updated_at)
    if batch is not None and version in batch.calendars:
        return batch.calendars[version]
    ics = calendar.build_calendar(name=str(session), time_zone=session.table.time_zone,
                                  sessions=calendar.with_event_data(Session.objects.filter(pk=session.pk)))
    attachments = [(f"{session.code}.ics", ics.to_ical().decode(), "text/calendar")]
    if batch is not None:
        batch.calendars[version] = attachments
    return attachments


def _with_send_data(reminders, *, shared: bool = False):
    """What sending reads of a reminder, with it: its person and their preferences, whether they
    are still an active member, and its table and what it is about. `shared`: those last read
    once for all the rows (a batch's hundreds of reminders of one session share one instance)."""
    from mesa.models import Membership

    membership = Membership.objects.active().filter(table=OuterRef("table_id"), user=OuterRef("recipient_id"))
    reminders = (reminders.select_related("recipient", "recipient__notification_preferences")
                 .annotate(is_member=Exists(membership)))
    about = ("table", "session", "session__table", "commitment", "concern")
    return reminders.prefetch_related(*about) if shared else reminders.select_related(*about)


# Locks the claimed rows of a chunk for their send and reads their state (as it is once locked)
# and what tells whether the batch's copy of each (and of its session) is still current. Written
# out: it runs for every few reminders, and compiling the queryset each time cost more than
# running it. By primary key only: a condition on the state would lead the planner to also read
# the partial index of the rows being sent, thousands of entries while a backlog is sent.
_LOCK_SQL = """
    SELECT reminder.id, reminder.state, reminder.updated_at, session.updated_at
      FROM {reminder} reminder LEFT JOIN {session} session ON session.id = reminder.session_id
     WHERE reminder.id = ANY(%s)
       FOR UPDATE OF reminder SKIP LOCKED"""
_MARK_SENT_SQL = """
    UPDATE {reminder} SET state = %s, sent_at = %s, updated_at = %s, channels = %s WHERE id = ANY(%s)"""


def _sql(statement: str) -> str:
    from meetings.models import Session

    return statement.format(reminder=Reminder._meta.db_table, session=Session._meta.db_table)


class Batch:
    """What the sends of one task share: the task's rows, read in one query before the first
    send (each is still locked and checked when its chunk is sent, see _lock); the text of what
    is the same for everyone reminded of one thing (see _render); each session's .ics file, and
    its MIME part; and one email connection (one SMTP session for the batch, not one per
    message; reopened after a failure)."""

    def __init__(self, reminder_ids: list[int] | None = None):
        self.rows: dict[int, Reminder] = {}
        if reminder_ids:
            # By primary key only (see _LOCK_SQL); a row no longer being sent is passed by there.
            self.rows = {reminder.pk: reminder for reminder in _with_send_data(
                Reminder.objects.filter(pk__in=reminder_ids).order_by(), shared=True)
                if reminder.state == State.SENDING}
        self.texts: dict[tuple, tuple[str, str, str] | None] = {}
        self.calendars: dict[tuple, list] = {}
        self.email_parts: dict[tuple, object] = {}  # see channels.EmailChannel._attachment
        self._email_connection = None

    @property
    def email_connection(self):
        if self._email_connection is None:
            self._email_connection = get_connection()
            self._email_connection.open()
        return self._email_connection

    def reset_email_connection(self) -> None:
        if self._email_connection is not None:
            try:
                self._email_connection.close()
            except Exception:  # noqa: BLE001, S110 - a broken connection is dropped all the same
                pass
            self._email_connection = None

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, *exc_info) -> None:
        self.reset_email_connection()


def _lock(reminder_ids: list[int], batch: Batch | None) -> dict[int, Reminder]:
    """Those of the claimed rows still ours to send, locked for this transaction (SKIP LOCKED: a
    second delivery of the same task passes them by), with what sending reads. The batch's copy
    of a row serves when neither the row nor its session changed since it was read."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(_LOCK_SQL), [list(reminder_ids)])
        versions = {pk: (updated_at, session_updated_at)
                    for pk, state, updated_at, session_updated_at in cursor if state == State.SENDING}
    rows, changed = {}, []
    for pk, version in versions.items():
        known = batch.rows.get(pk) if batch is not None else None
        if known is not None and version == (known.updated_at,
                                             known.session.updated_at if known.session_id else None):
            rows[pk] = known
        else:
            changed.append(pk)
    if changed:
        # order_by(): by pk, not Meta's (send_at, pk), which costs more to compile than to run
        rows.update((reminder.pk, reminder) for reminder in
                    _with_send_data(Reminder.objects.filter(pk__in=changed)).order_by())
    return rows


def _skip(reminder: Reminder, now: datetime, reason: str = "") -> str:
    reminder.state, reminder.updated_at, reminder.last_error = State.SKIPPED, now, reason
    reminder.save(update_fields=["state", "updated_at", "last_error"])
    return State.SKIPPED


@dataclass
class _Delivered:
    """A reminder that went by its channels outside the database; its transactional ones (the
    inbox) are written, and it is marked sent, for the whole chunk at once (see _record)."""

    reminder: Reminder
    message: channels.Message
    channels: list  # all it went by this time, in the configured order (the inbox first)

    @property
    def transactional(self) -> list:
        return [channel for channel in self.channels if channel.transactional]

    @property
    def outside(self) -> list[str]:
        return [channel.name for channel in self.channels if not channel.transactional]


def send_batch(reminder_ids: list[int], now: datetime | None = None,
               batch: Batch | None = None) -> dict[int, str | None]:
    """Send claimed reminders, in order, a chunk per transaction (see _send_chunk); returns each
    one's new state, None for one that was not ours to send. `batch` (see Batch) lets them share
    what does not depend on the row."""
    results: dict[int, str | None] = {}
    pending = list(dict.fromkeys(reminder_ids))
    rows_per_commit = max(1, settings.MESA_REMINDER_COMMIT_ROWS)
    while pending:
        done = _send_chunk(pending[:rows_per_commit], now or timezone.now(), batch)
        results.update(done)
        pending = pending[len(done):]
    return results


def send_one(reminder_id: int, now: datetime | None = None, batch: Batch | None = None) -> str | None:
    """Send one claimed reminder; returns its new state, or None if it was not ours to send."""
    return _send_chunk([reminder_id], now or timezone.now(), batch)[reminder_id]


def _send_chunk(reminder_ids: list[int], now: datetime, batch: Batch | None) -> dict[int, str | None]:
    """Send the first of `reminder_ids` (all of them, unless that takes more than
    MESA_REMINDER_COMMIT_SECONDS) in one transaction: lock them, deliver each by the channels
    outside the database (email) as the person wants, then write what the transactional channels
    deliver (the inbox) and mark them sent, together. Returns the state of each one handled,
    in order; the rest are left claimed, for the next chunk.

    Committing a few rows at a time, not each on its own, is what lets a worker send hundreds a
    second; its cost is the window: if the worker dies before the commit (or the database fails
    the transaction), what it emailed since the last one goes out again (same Message-IDs), at
    most MESA_REMINDER_COMMIT_ROWS emails. A channel that fails, or a transactional channel's
    write, costs only its own reminders a retry (see _deliver and _record)."""
    deadline = time.monotonic() + settings.MESA_REMINDER_COMMIT_SECONDS
    results: dict[int, str | None] = {}
    with transaction.atomic():
        rows = _lock(reminder_ids, batch)
        delivered: list[_Delivered] = []
        for pk in reminder_ids:
            if results and time.monotonic() >= deadline:
                break
            reminder = rows.get(pk)
            results[pk] = None if reminder is None else _deliver(reminder, now, batch, delivered)
        _record(delivered, now, results)
        # What comes next for a commitment or concern, once its reminder is done with: the
        # commitments, then the concerns, each in the order of their ids (as schedule_save locks
        # them), so that no two transactions lock two of them in opposite orders.
        done = [rows[pk] for pk, state in results.items()
                if state in (State.SENT, State.SKIPPED, State.FAILED)]
        for reminder in sorted(done, key=lambda r: (r.commitment_id is None, r.commitment_id or 0,
                                                    r.concern_id or 0)):
            _plan_next(reminder, now)
    return results


def _deliver(reminder: Reminder, now: datetime, batch: Batch | None, delivered: list[_Delivered]) -> str:
    """Check that `reminder` still means something, render it and deliver it by the channels
    outside the database it wants; the transactional ones wait in `delivered` for _record.
    Returns its new state (sent, for now, when it joined `delivered`)."""
    if not _still_meaningful(reminder, now):
        return _skip(reminder, now)
    preferences = preferences_of(reminder.recipient)
    wanted = [channel for channel in channels.configured()
              if channel.name not in reminder.channels and channel.reaches(reminder.recipient)
              and preferences.wants(reminder.kind, channel.name)]
    if not wanted and not reminder.channels:
        return _skip(reminder, now, "The person turned off every channel for this kind.")
    reminder.updated_at = now
    went_by = []
    try:
        rendered = _render(reminder, batch)
        if rendered is not None:
            subject, body, url = rendered
            message = channels.Message(reminder=reminder, subject=subject, body=body, url=url,
                                       message_id=message_id(reminder), at=now,
                                       attachments=_attachments(reminder, batch), batch=batch)
            for channel in wanted:
                if not channel.transactional:
                    channel.deliver(message)
                    went_by.append(channel.name)
    except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
        if batch is not None:
            batch.reset_email_connection()
        # The channels that delivered will not deliver again.
        reminder.channels += went_by
        return _fail(reminder, error, now)
    if rendered is None:
        return _skip(reminder, now, "Nothing left to say.")
    delivered.append(_Delivered(reminder, message, wanted))
    return State.SENT


def _record(delivered: list[_Delivered], now: datetime, results: dict[int, str | None]) -> None:
    """Write what the transactional channels deliver for `delivered` (an inbox message each) and
    mark them sent, in a few statements for the whole chunk. Should that fail, each is put back
    to be retried, with what the other channels already delivered on record so that they do not
    deliver it again."""
    if not delivered:
        return
    try:
        with transaction.atomic():
            for channel in channels.configured():
                messages = [item.message for item in delivered if channel in item.transactional]
                if messages:
                    channel.deliver_all(messages)
            by_channels: dict[tuple, list[int]] = {}
            for item in delivered:
                names = (*item.reminder.channels, *(channel.name for channel in item.channels))
                by_channels.setdefault(names, []).append(item.reminder.pk)
            with connection.cursor() as cursor:
                for names, ids in by_channels.items():
                    cursor.execute(_sql(_MARK_SENT_SQL), [State.SENT, now, now, list(names), ids])
    except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
        for item in delivered:
            item.reminder.channels += item.outside
            results[item.reminder.pk] = _fail(item.reminder, error, now)
        return
    for item in delivered:
        reminder = item.reminder
        reminder.channels += [channel.name for channel in item.channels]
        reminder.state, reminder.sent_at = State.SENT, now


def _fail(reminder: Reminder, error: Exception, now: datetime) -> str:
    """Back to planned a little later, or failed for good after MAX_ATTEMPTS; returns which."""
    reminder.last_error = f"{type(error).__name__}: {error}"[:2000]
    if reminder.attempts >= MAX_ATTEMPTS:
        reminder.state = State.FAILED
    else:
        reminder.state, reminder.send_at = State.PLANNED, now + RETRY_AFTER * reminder.attempts
    reminder.updated_at = now
    reminder.save(update_fields=["state", "send_at", "last_error", "updated_at", "channels"])
    return reminder.state


def retry_failed(table=None, now: datetime | None = None) -> int:
    """Plan failed reminders again, now, with a fresh count of attempts."""
    now = now or timezone.now()
    failed = Reminder.objects.filter(state=State.FAILED)
    if table is not None:
        failed = failed.filter(table=table)
    return failed.update(state=State.PLANNED, send_at=now, attempts=0, updated_at=now)
