"""A reminder goes by the channels its recipient wants for its kind; a channel that failed is
retried without the others delivering twice; the unread count in the header costs no query."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reminders import channels, dispatch
from reminders.models import InboxMessage, Kind, NotificationPreferences, Reminder, State
from tests.meetings.factories import schedule_session

pytestmark = pytest.mark.django_db

SENT_BY_SMS: list[str] = []


class FlakySmsChannel(channels.Channel):
    """What an SMS or WhatsApp channel looks like: it needs a phone number, and it may fail."""

    name = "sms"
    label = "SMS"
    down = True

    def reaches(self, user) -> bool:
        return bool(user.phone)

    def deliver(self, message: channels.Message) -> None:
        if FlakySmsChannel.down:
            raise OSError("SMS gateway down")
        SENT_BY_SMS.append(message.message_id)


class BrokenLedgerChannel(channels.Channel):
    """A transactional channel whose write fails in the database (as a full disk would)."""

    name = "ledger"
    label = "Ledger"
    transactional = True
    broken = True

    def deliver(self, message: channels.Message) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / %s", [0 if BrokenLedgerChannel.broken else 1])


@pytest.fixture
def with_broken_ledger(settings):
    settings.MESA_REMINDER_CHANNELS = [*channels.DEFAULT_CHANNELS, f"{__name__}.BrokenLedgerChannel"]
    BrokenLedgerChannel.broken = True
    yield
    BrokenLedgerChannel.broken = True


@pytest.fixture
def with_sms(settings):
    settings.MESA_REMINDER_CHANNELS = [*channels.DEFAULT_CHANNELS, f"{__name__}.FlakySmsChannel"]
    SENT_BY_SMS.clear()
    FlakySmsChannel.down = True
    yield
    FlakySmsChannel.down = True


def due_reminder(table, user, occurrence="24h") -> tuple[Reminder, object]:
    session = schedule_session(table)
    reminder = Reminder.objects.get(session=session, recipient=user, occurrence=occurrence)
    now = reminder.send_at + timedelta(seconds=1)
    assert reminder.pk in dispatch.claim_due(now=now)
    return reminder, now


def test_a_person_who_turned_off_email_for_sessions_gets_them_in_the_inbox_only(table, citizen):
    NotificationPreferences.objects.create(user=citizen, muted=["session:email"])
    reminder, now = due_reminder(table, citizen)
    assert dispatch.send_one(reminder.pk, now=now) == State.SENT
    assert citizen.email not in [m.to[0] for m in mail.outbox]
    assert InboxMessage.objects.filter(user=citizen, reminder=reminder).exists()
    reminder.refresh_from_db()
    assert reminder.channels == ["inbox"]


def test_a_person_who_turned_off_every_channel_of_a_kind_is_skipped(table, citizen):
    NotificationPreferences.objects.create(user=citizen, muted=["session:email", "session:inbox"])
    reminder, now = due_reminder(table, citizen)
    assert dispatch.send_one(reminder.pk, now=now) == State.SKIPPED
    assert not InboxMessage.objects.filter(user=citizen).exists()
    assert citizen.email not in [m.to[0] for m in mail.outbox]


def _retry_sends_once_more_by(reminder: Reminder, channel_names: list[str]) -> None:
    """The retry of `reminder`, once due, sends it; by then it went by `channel_names`, and its
    person has one email and one inbox message of it, not two."""
    later = reminder.send_at + timedelta(seconds=1)
    assert reminder.pk in dispatch.claim_due(now=later)
    assert dispatch.send_one(reminder.pk, now=later) == State.SENT
    reminder.refresh_from_db()
    assert sorted(reminder.channels) == channel_names
    assert [m.to for m in mail.outbox].count([reminder.recipient.email]) == 1
    assert InboxMessage.objects.filter(reminder=reminder).count() == 1


def test_a_failed_channel_is_retried_without_the_others_delivering_twice(table, citizen, with_sms):
    citizen.phone = "+52 656 123 4567"
    citizen.save(update_fields=["phone"])
    reminder, now = due_reminder(table, citizen)
    assert dispatch.send_one(reminder.pk, now=now) == State.PLANNED  # back to planned, a retry later
    reminder.refresh_from_db()
    assert reminder.channels == ["email"]  # it left; the inbox message rolled back with the failure
    assert "SMS gateway down" in reminder.last_error
    assert not InboxMessage.objects.filter(reminder=reminder).exists()
    FlakySmsChannel.down = False
    _retry_sends_once_more_by(reminder, ["email", "inbox", "sms"])
    assert SENT_BY_SMS == [dispatch.message_id(reminder)]


def test_a_database_write_that_fails_after_the_email_left_is_retried_without_the_email(
        table, citizen, official, with_broken_ledger):
    reminder, now = due_reminder(table, citizen)
    other = Reminder.objects.get(session=reminder.session, recipient=official, occurrence="24h")
    assert other.state == State.SENDING  # claimed with it
    with dispatch.Batch([reminder.pk, other.pk]) as batch:
        states = dispatch.send_batch([reminder.pk, other.pk], now=now, batch=batch)
    assert states == {reminder.pk: State.PLANNED, other.pk: State.PLANNED}  # retried later
    reminder.refresh_from_db()
    assert reminder.channels == ["email"]  # it left; the chunk's inbox messages rolled back
    assert "division by zero" in reminder.last_error
    assert not InboxMessage.objects.filter(reminder__in=[reminder, other]).exists()
    BrokenLedgerChannel.broken = False
    _retry_sends_once_more_by(reminder, ["email", "inbox", "ledger"])


def test_a_channel_that_cannot_reach_the_person_is_passed_by(table, citizen, with_sms):
    assert not citizen.phone
    reminder, now = due_reminder(table, citizen)
    assert dispatch.send_one(reminder.pk, now=now) == State.SENT
    reminder.refresh_from_db()
    assert reminder.channels == ["inbox", "email"]


def test_the_preferences_page_saves_channels_per_kind_and_the_digest(client, citizen):
    client.force_login(citizen)
    url = reverse("reminders:preferences")
    page = client.get(url).content.decode()
    assert 'name="session__email"' in page and 'name="commitment_due__inbox"' in page
    assert 'name="follow_digest__email"' not in page  # a digest goes by the channels of news
    checked = {f"{kind}__{channel}": "on" for kind in Kind.chosen_by_people()
               for channel in ("inbox", "email")}
    del checked["session__email"]
    response = client.post(url, {**checked, "follow_mode": "daily"})
    assert response.status_code == 302
    preferences = NotificationPreferences.objects.get(user=citizen)
    assert preferences.muted == ["session:email"] and preferences.follow_digest
    assert not preferences.wants(Kind.SESSION, "email") and preferences.wants(Kind.SESSION, "inbox")


def test_the_preferences_page_refuses_a_follow_mode_that_is_not_a_choice_and_saves_nothing(client, citizen):
    client.force_login(citizen)
    response = client.post(reverse("reminders:preferences"), {"follow_mode": "hourly"})
    assert response.status_code == 200
    assert "follow_mode" in response.context["form"].errors
    assert not NotificationPreferences.objects.filter(user=citizen).exists()


def test_the_preferences_page_is_for_signed_in_people(client):
    response = client.get(reverse("reminders:preferences"))
    assert response.status_code == 302 and "/login" in response.url


def test_the_header_shows_the_unread_count_without_a_query_of_its_own(client, table, citizen):
    client.force_login(citizen)
    home = reverse("home")
    with CaptureQueriesContext(connection) as before:
        client.get(home)
    reminder, now = due_reminder(table, citizen)
    dispatch.send_one(reminder.pk, now=now)
    with CaptureQueriesContext(connection) as after:
        page = client.get(home).content.decode()
    assert len(after) == len(before)
    assert 'badge badge-warn">1<span class="visually-hidden"> unread message</span>' in page \
        or 'badge badge-warn">1<span class="visually-hidden"> mensaje sin leer</span>' in page
    message = InboxMessage.objects.get(reminder=reminder)
    client.get(reverse("reminders:inbox-detail", kwargs={"pk": message.pk}))
    citizen.refresh_from_db()
    assert citizen.inbox_unread == 0
    assert "visually-hidden\"> unread" not in client.get(home).content.decode()
