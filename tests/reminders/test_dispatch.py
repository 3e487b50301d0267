"""Planned reminders are sent exactly once: claimed by one dispatcher, sent by one delivery,
in the recipient's language, to the inbox and by email, or skipped when no longer meaningful."""

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
    assert sent[0].attachments[0][0].endswith(".ics")
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


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_delivered_twice_at_once_sends_each_reminder_once(table, citizen, official):
    session = schedule_session(table)
    now = at_send_time(Reminder.objects.filter(session=session, occurrence="168h").first())
    ids = dispatch.claim_due(now=now)
    results = []

    def deliver():
        try:
            results.append([dispatch.send_one(pk, now=now) for pk in ids])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Reminder.objects.filter(pk__in=ids, state=State.SENT).count() == len(ids)
    assert InboxMessage.objects.filter(reminder__in=ids).count() == len(ids)
    assert sorted(len(m.to) for m in mail.outbox) == [1] * len(ids)
    assert sum(r == State.SENT for batch in results for r in batch) == len(ids)
