"""Planned reminders are sent exactly once: claimed by one dispatcher, sent by one delivery,
in the recipient's language, to the inbox and by email, or skipped when no longer meaningful."""

import email
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from meetings import services as meeting_services
from reminders import dispatch
from reminders.models import InboxMessage, Reminder, State
from tests.meetings.factories import schedule_session

pytestmark = pytest.mark.django_db


def at_send_time(reminder: Reminder):
    return reminder.send_at + timedelta(seconds=1)


def test_a_due_reminder_goes_to_the_inbox_and_by_email_once(table, citizen):
    session = schedule_session(table, title="Sesión plenaria de diciembre")
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    now = at_send_time(reminder)
    assert dispatch.claim_due(now=now) == [r.pk for r in Reminder.objects.filter(
        session=session, occurrence="168h").order_by("send_at", "pk")]
    assert dispatch.send_one(reminder.pk, now=now) == State.SENT
    assert dispatch.send_one(reminder.pk, now=now) is None  # a second delivery sends nothing
    reminder.refresh_from_db()
    assert (reminder.state, reminder.sent_at, reminder.attempts) == (State.SENT, now, 1)
    sent = [m for m in mail.outbox if m.to == [citizen.email]]
    assert len(sent) == 1
    assert sent[0].extra_headers["Message-ID"] == dispatch.message_id(reminder)
    written = email.message_from_bytes(sent[0].message().as_bytes())
    assert [part.get_content_type() for part in written.walk()] == [
        "multipart/mixed", "text/plain", "text/calendar"]
    calendar = list(written.walk())[2]
    assert calendar.get_filename() == f"{session.code}.ics"
    assert b"BEGIN:VEVENT" in calendar.get_payload(decode=True)
    assert InboxMessage.objects.filter(user=citizen, reminder=reminder).count() == 1


def test_each_recipient_reads_it_in_their_language_with_the_tables_time(table, citizen, official):
    citizen.language, official.language = "es", "en"
    citizen.save(update_fields=["language"])
    official.save(update_fields=["language"])
    session = schedule_session(table, title="Plenaria")
    now = at_send_time(Reminder.objects.filter(session=session, occurrence="24h").first())
    for pk in dispatch.claim_due(now=now):
        dispatch.send_one(pk, now=now)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert by_person[citizen.email].subject == "Mañana: Plenaria"
    assert by_person[official.email].subject == "Tomorrow: Plenaria"
    local_start = timezone.localtime(session.starts_at, table.zone).strftime("%H:%M")
    assert local_start in by_person[official.email].body
    assert table.time_zone in by_person[official.email].body


def test_two_dispatchers_claim_disjoint_rows(table, citizen, official):
    session = schedule_session(table)
    now = at_send_time(Reminder.objects.filter(session=session, occurrence="24h").first())
    first = dispatch.claim_due(now=now)
    second = dispatch.claim_due(now=now)
    assert first and second == []


def test_a_reminder_for_a_cancelled_or_past_session_is_skipped(table, citizen, secretariat):
    session = schedule_session(table)
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    now = at_send_time(reminder)
    dispatch.claim_due(now=now)
    meeting_services.session_cancel(session=session, actor=secretariat, reason="Sin sala")
    assert dispatch.send_one(reminder.pk, now=now) == State.SKIPPED
    assert not mail.outbox


def test_catch_up_after_a_day_down_sends_once_and_skips_what_passed(table, citizen):
    soon = schedule_session(table, starts_at=(timezone.now() + timedelta(days=2)).replace(microsecond=0))
    later = schedule_session(table, starts_at=(timezone.now() + timedelta(days=9)).replace(microsecond=0))
    a_day_after = soon.starts_at + timedelta(hours=12)  # the dispatcher was down meanwhile
    for pk in dispatch.claim_due(now=a_day_after):
        dispatch.send_one(pk, now=a_day_after)
    states = dict(Reminder.objects.filter(recipient=citizen).values_list("session_id", "state")
                  .filter(occurrence="24h"))
    assert states == {soon.pk: State.SKIPPED, later.pk: State.PLANNED}  # later's 24h is not due yet
    week = Reminder.objects.get(session=later, recipient=citizen, occurrence="168h")
    assert week.state == State.SENT
    assert dispatch.claim_due(now=a_day_after) == []


def test_a_recipient_who_left_the_table_gets_nothing(table, citizen):
    from mesa.models import Membership

    session = schedule_session(table)
    Membership.objects.filter(table=table, user=citizen).update(left_at=timezone.now())
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    now = at_send_time(reminder)
    dispatch.claim_due(now=now)
    assert dispatch.send_one(reminder.pk, now=now) == State.SKIPPED


def test_a_failure_is_retried_later_then_marked_failed(table, citizen, settings):
    settings.EMAIL_BACKEND = "tests.reminders.broken_mail.Backend"
    session = schedule_session(table)
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    now = at_send_time(reminder)
    states = []
    for _attempt in range(dispatch.MAX_ATTEMPTS):
        Reminder.objects.filter(pk=reminder.pk).update(send_at=now)  # its retry time has come
        assert reminder.pk in dispatch.claim_due(now=now)
        states.append(dispatch.send_one(reminder.pk, now=now))
    assert states == [State.PLANNED] * (dispatch.MAX_ATTEMPTS - 1) + [State.FAILED]
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (State.FAILED, dispatch.MAX_ATTEMPTS)
    assert "SMTP down" in reminder.last_error
    assert not InboxMessage.objects.filter(reminder=reminder).exists()
    assert dispatch.retry_failed(table) == 1


def _twice_at_once(deliver) -> list:
    """What `deliver()` returned in each of two threads run at once, each on its own connection."""
    results = []

    def run():
        try:
            results.append(deliver())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_delivered_twice_at_once_sends_each_reminder_once(table, citizen, official):
    session = schedule_session(table)
    now = at_send_time(Reminder.objects.filter(session=session, occurrence="168h").first())
    ids = dispatch.claim_due(now=now)
    results = _twice_at_once(lambda: [dispatch.send_one(pk, now=now) for pk in ids])
    assert Reminder.objects.filter(pk__in=ids, state=State.SENT).count() == len(ids)
    assert InboxMessage.objects.filter(reminder__in=ids).count() == len(ids)
    assert sorted(len(m.to) for m in mail.outbox) == [1] * len(ids)
    assert sum(r == State.SENT for batch in results for r in batch) == len(ids)


def _members(table, n: int) -> list:
    from tests.mesa.factories import make_member

    return [make_member(table).user for _ in range(n)]


def _send_batch(ids: list[int], now) -> list:
    with dispatch.Batch(ids) as batch:
        states = dispatch.send_batch(ids, now=now, batch=batch)
    return [states[pk] for pk in ids]


def _chunks(queries) -> int:
    """How many chunks (transactions) the captured statements sent: each locks its rows once."""
    return sum("FOR UPDATE OF reminder SKIP LOCKED" in query["sql"] for query in queries)


def test_a_batch_is_sent_with_a_few_statements_a_chunk_none_a_reminder(table, citizen, settings):
    from django.test.utils import CaptureQueriesContext

    settings.MESA_REMINDER_COMMIT_ROWS, settings.MESA_REMINDER_COMMIT_SECONDS = 20, 60
    _members(table, 14)
    first, second = schedule_session(table, title="Primera"), schedule_session(table, title="Segunda")
    due = {s: list(Reminder.objects.filter(session=s, occurrence="168h").values_list("pk", flat=True))
           for s in (first, second)}
    now = at_send_time(Reminder.objects.get(pk=due[first][0]))
    Reminder.objects.filter(pk__in=due[second]).update(send_at=now - timedelta(minutes=1))
    dispatch.claim_due(now=now)
    few, many = due[first][:3], due[second]
    assert len(many) > 15
    with CaptureQueriesContext(connection) as for_few:
        assert set(_send_batch(few, now)) == {State.SENT}
    with CaptureQueriesContext(connection) as for_many:
        assert set(_send_batch(many, now)) == {State.SENT}
    # Once a batch: its rows, their table, session and its table, the session's agenda and its
    # calendar. Once a chunk: its transaction (inside the test's, a savepoint and its release),
    # the lock, a savepoint for what is written, the people's rows locked in order, the inbox
    # messages with their unread counts, the "sent" marks, the savepoint's release.
    assert _chunks(for_few) == _chunks(for_many) == 1
    assert len(for_many) == len(for_few) <= 14
    assert InboxMessage.objects.filter(reminder__in=many).count() == len(many)


def test_a_chunk_holds_at_most_the_rows_and_the_seconds_set(table, citizen, settings):
    from django.test.utils import CaptureQueriesContext

    _members(table, 6)
    session = schedule_session(table)
    ids = list(Reminder.objects.filter(session=session, occurrence="168h").values_list("pk", flat=True))
    now = at_send_time(Reminder.objects.get(pk=ids[0]))
    dispatch.claim_due(now=now)
    settings.MESA_REMINDER_COMMIT_ROWS, settings.MESA_REMINDER_COMMIT_SECONDS = 3, 60
    with CaptureQueriesContext(connection) as by_rows:
        assert set(_send_batch(ids[:7], now)) == {State.SENT}
    assert _chunks(by_rows) == 3  # 3 + 3 + 1
    settings.MESA_REMINDER_COMMIT_ROWS, settings.MESA_REMINDER_COMMIT_SECONDS = 100, 0
    with CaptureQueriesContext(connection) as by_time:
        assert set(_send_batch(ids[7:], now)) == {State.SENT}
    assert _chunks(by_time) == len(ids[7:]) >= 1  # the time is up after each one
    assert Reminder.objects.filter(pk__in=ids, state=State.SENT).count() == len(ids)
    assert len(mail.outbox) == InboxMessage.objects.filter(reminder__in=ids).count() == len(ids)


def test_each_person_is_greeted_by_name_in_a_text_otherwise_shared(table, citizen, official):
    citizen.display_name, official.display_name, official.language = "Ana", "Bea", "en"
    citizen.save(update_fields=["display_name"])
    official.save(update_fields=["display_name", "language"])
    session = schedule_session(table, title="Seguridad & Justicia", place="Sala \"Benito Juárez\"")
    ids = list(Reminder.objects.filter(session=session, occurrence="24h").values_list("pk", flat=True))
    now = at_send_time(Reminder.objects.get(pk=ids[0]))
    dispatch.claim_due(now=now)
    _send_batch(ids, now)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert by_person[citizen.email].body.startswith("Hola, Ana:\n\n")
    assert by_person[official.email].body.startswith("Hello Bea,\n\n")
    assert by_person[citizen.email].subject == "Mañana: Seguridad & Justicia"  # plain text: no &amp;
    assert 'Sala "Benito Juárez"' in by_person[official.email].body
    inbox = InboxMessage.objects.get(user=citizen)
    assert (inbox.subject, inbox.body) == (by_person[citizen.email].subject, by_person[citizen.email].body)


def test_a_session_changed_after_its_batch_was_read_is_sent_as_it_now_is(table, citizen, secretariat):
    session = schedule_session(table, place="Sala de Cabildo")
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    now = at_send_time(reminder)
    dispatch.claim_due(now=now)
    with dispatch.Batch([reminder.pk]) as batch:
        meeting_services.session_update(session=session, actor=secretariat, title=session.title,
                                        place="Biblioteca Central")
        assert dispatch.send_one(reminder.pk, now=now, batch=batch) == State.SENT
    assert "Biblioteca Central" in mail.outbox[0].body


def test_a_session_cancelled_after_its_batch_was_read_is_not_sent(table, citizen, secretariat):
    session = schedule_session(table)
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    now = at_send_time(reminder)
    dispatch.claim_due(now=now)
    with dispatch.Batch([reminder.pk]) as batch:
        meeting_services.session_cancel(session=session, actor=secretariat, reason="Sin sala")
        assert dispatch.send_one(reminder.pk, now=now, batch=batch) == State.SKIPPED
    assert not mail.outbox


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_read_by_two_deliveries_at_once_sends_each_reminder_once(table, citizen):
    _members(table, 5)
    session = schedule_session(table)
    now = at_send_time(Reminder.objects.filter(session=session, occurrence="168h").first())
    ids = dispatch.claim_due(now=now)
    both_have_read = threading.Barrier(2)

    def deliver():
        with dispatch.Batch(ids) as batch:
            both_have_read.wait()
            return list(dispatch.send_batch(ids, now=now, batch=batch).values())

    results = _twice_at_once(deliver)
    assert Reminder.objects.filter(pk__in=ids, state=State.SENT).count() == len(ids)
    assert InboxMessage.objects.filter(reminder__in=ids).count() == len(ids)
    assert len(mail.outbox) == len(ids)
    assert sum(r == State.SENT for batch in results for r in batch) == len(ids)


def test_no_more_than_the_in_flight_limit_waits_claimed(table, citizen, monkeypatch):
    _members(table, 4)
    session = schedule_session(table)
    now = at_send_time(Reminder.objects.filter(session=session, occurrence="168h").first())
    monkeypatch.setattr(dispatch, "IN_FLIGHT_LIMIT", 3)
    first = dispatch.claim_due(now=now)
    assert len(first) == 3
    assert dispatch.claim_due(now=now) == []  # still in flight
    dispatch.send_one(first[0], now=now)
    assert len(dispatch.claim_due(now=now)) == 1  # the room one send made
    # A claim that expired is no longer in flight: it is claimed again.
    later = now + dispatch.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert len(dispatch.claim_due(now=later)) == 3


def test_each_batch_sent_claims_more_so_a_backlog_flows_between_beats_ticks(table, citizen, monkeypatch):
    from reminders import tasks

    _members(table, 6)
    session = schedule_session(table)
    due = Reminder.objects.filter(session=session, occurrence="168h")
    monkeypatch.setattr(dispatch, "IN_FLIGHT_LIMIT", 2)
    monkeypatch.setattr(dispatch, "BATCH_SIZE", 2)
    Reminder.objects.filter(pk__in=due).update(send_at=timezone.now() - timedelta(minutes=1))
    assert tasks.dispatch_due_reminders_task() == 2  # one beat tick claims what the limit allows
    assert due.filter(state=State.SENT).count() == due.count() == 8  # the batches claimed the rest
    assert len(mail.outbox) == 8


def test_a_batch_refills_the_room_it_made_and_a_second_delivery_of_it_none(table, citizen, monkeypatch):
    from reminders import tasks

    _members(table, 6)
    session = schedule_session(table)
    due = Reminder.objects.filter(session=session, occurrence="168h")
    Reminder.objects.filter(pk__in=due).update(send_at=timezone.now() - timedelta(minutes=1))
    monkeypatch.setattr(dispatch, "IN_FLIGHT_LIMIT", 2)
    ids = dispatch.claim_due()
    assert dispatch.claim_due() == []  # at the limit
    assert len(dispatch.claim_due(room_made=2)) == 2  # a batch that took 2 off claims 2, uncounted
    with dispatch.Batch(ids) as batch:
        assert set(dispatch.send_batch(ids, batch=batch).values()) == {State.SENT}
    assert tasks.send_reminders_task(ids) == 0  # delivered again: nothing of it left to send...
    assert due.filter(state=State.SENDING).count() == 2  # ...and no room made, so none claimed
    assert due.filter(state=State.PLANNED).count() == due.count() - 4


def test_a_subject_longer_than_the_inbox_keeps_is_shortened_there(table, citizen):
    from reminders import channels

    session = schedule_session(table)
    reminder = Reminder.objects.get(session=session, recipient=citizen, occurrence="168h")
    message = channels.Message(reminder=reminder, subject="Seguimiento " + "x" * 289, body="Hola",
                               url="/", message_id=dispatch.message_id(reminder), at=timezone.now())
    channels.InboxChannel().deliver(message)
    inbox = InboxMessage.objects.get(reminder=reminder)
    assert len(inbox.subject) == 250
    assert inbox.subject == message.subject[:249] + "…"
