"""The inbox (one's own messages, read and unread, their count) and a table's reminder log
(the secretariat's only: counts, filters, retrying what failed)."""

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reminders.models import InboxMessage, Kind, Reminder, State
from tests.concerns.factories import raise_concern
from tests.meetings.factories import schedule_session

pytestmark = pytest.mark.django_db

INBOX = reverse("reminders:inbox-list")
READ_ALL = reverse("reminders:inbox-read-all")


def html(response) -> str:
    return response.content.decode()


def message_for(user, subject="Mañana: Plenaria", **extra) -> InboxMessage:
    extra.setdefault("body", "La sesión plenaria empieza mañana a las 18:00 en la Sala de Cabildo.")
    extra.setdefault("url", "/t/juarez/sessions/1/")
    message = InboxMessage.objects.create(user=user, subject=subject, **extra)
    if message.read_at is None:  # as reminders.channels.InboxChannel keeps the counter
        User.objects.filter(pk=user.pk).update(inbox_unread=F("inbox_unread") + 1)
    return message


def detail_url(message: InboxMessage) -> str:
    return reverse("reminders:inbox-detail", kwargs={"pk": message.pk})


def log_url(table, **query) -> str:
    url = reverse("reminders:reminder-list", kwargs={"table_slug": table.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def retry_url(table) -> str:
    return reverse("reminders:reminder-retry", kwargs={"table_slug": table.slug})


# --- The inbox ------------------------------------------------------------------------------


def test_the_inbox_needs_a_signed_in_person(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_inbox_lists_ones_own_messages_newest_first_with_unread_marked_in_words(client, citizen,
                                                                                    official):
    older = message_for(citizen, "Primero", read_at=timezone.now())
    newer = message_for(citizen, "Segundo")
    message_for(official, "Ajeno")
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    client.force_login(citizen)
    page = html(client.get(INBOX))
    assert page.index("Segundo") < page.index("Primero")
    assert "Ajeno" not in page
    assert page.count(">Unread<") == 1
    assert detail_url(newer) in page and detail_url(older) in page
    assert 'href="/t/juarez/sessions/1/"' in page
    assert "La sesión plenaria empieza mañana" in page


def test_opening_a_message_shows_it_and_marks_it_read_once(client, citizen):
    message = message_for(citizen)
    client.force_login(citizen)
    response = client.get(detail_url(message))
    assert response.status_code == 200 and "Sala de Cabildo" in html(response)
    message.refresh_from_db()
    first_read = message.read_at
    assert first_read is not None
    client.get(detail_url(message))
    message.refresh_from_db()
    assert message.read_at == first_read


def test_someone_elses_message_is_not_found_and_stays_unread(client, citizen, official):
    message = message_for(official)
    client.force_login(citizen)
    assert client.get(detail_url(message)).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read_marks_only_ones_own_and_takes_a_post(client, citizen, official):
    mine = [message_for(citizen, f"Mío {i}") for i in range(3)]
    theirs = message_for(official)
    client.force_login(citizen)
    assert client.get(READ_ALL).status_code == 405
    response = client.post(READ_ALL, follow=True)
    assert response.redirect_chain[-1][0] == INBOX
    assert not InboxMessage.objects.filter(pk__in=[m.pk for m in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_shows_the_unread_count_and_it_changes_when_read(client, citizen):
    citizen.language = "en"
    citizen.save(update_fields=["language"])
    first, _second = message_for(citizen), message_for(citizen)
    client.force_login(citizen)
    assert f'href="{INBOX}"' in html(client.get("/"))  # every page links to it
    assert "2 unread messages" in html(client.get(INBOX))
    client.get(detail_url(first))
    assert "1 unread message" in html(client.get(INBOX))
    client.post(READ_ALL)
    assert "0 unread messages" in html(client.get(INBOX))


def test_a_visitor_sees_no_inbox_link(client):
    assert INBOX not in html(client.get("/"))


@pytest.mark.parametrize("n", [1, 30])
def test_the_inbox_query_count_is_constant(client, table, citizen, n, django_assert_max_num_queries):
    session = schedule_session(table)
    for reminder in Reminder.objects.filter(session=session, recipient=citizen):
        message_for(citizen, reminder=reminder)
    for i in range(n):
        message_for(citizen, f"Aviso {i}")
    client.force_login(citizen)
    # session, user (with its unread count), their table permissions (who needs two-step
    # verification), paginator count, page (with reminder and table)
    with django_assert_max_num_queries(5):
        assert client.get(INBOX).status_code == 200
    message = InboxMessage.objects.filter(user=citizen).first()
    # session, user, their table permissions (two-step rule), message (with reminder and table),
    # and in a savepoint: mark read, the counter
    with django_assert_max_num_queries(8):
        assert client.get(detail_url(message)).status_code == 200


# --- The reminder log -------------------------------------------------------------------------


@pytest.fixture
def planned(table, citizen, official):
    """A session's reminders for every member: planned, two of them then sent and failed."""
    session = schedule_session(table, title="Plenaria de diciembre")
    reminders = list(Reminder.objects.filter(session=session).order_by("pk"))
    Reminder.objects.filter(pk=reminders[0].pk).update(state=State.SENT, sent_at=timezone.now(),
                                                         attempts=1)
    Reminder.objects.filter(pk=reminders[1].pk).update(state=State.FAILED, attempts=5,
                                                         last_error="SMTPServerDisconnected: SMTP down")
    return session


def test_the_secretariat_reads_the_log_with_counts_state_attempts_and_last_error(client, table, secretariat,
                                                                                 planned):
    secretariat.language = "en"
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)
    response = client.get(log_url(table))
    assert response.status_code == 200
    page = html(response)
    total = Reminder.objects.filter(table=table).count()
    counts = response.context["counts"]
    assert {state: n for _label, state, n in counts} == {
        "planned": total - 2, "sending": 0, "sent": 1, "failed": 1, "skipped": 0, "cancelled": 0}
    assert "SMTPServerDisconnected: SMTP down" in page
    assert planned.code in page and "Plenaria de diciembre" in page
    assert "Before a session" in page and "Retry failed reminders" in page
    assert 'aria-current="page">Reminders<' in page
    assert table.time_zone in page


def test_send_times_are_shown_on_the_tables_clock(client, table, secretariat, planned):
    client.force_login(secretariat)
    reminder = Reminder.objects.filter(table=table).first()
    local = timezone.localtime(reminder.send_at, table.zone)
    page = html(client.get(log_url(table)))
    assert f'datetime="{local.isoformat()}"' in page


def test_the_log_names_the_recipient_and_what_it_is_about(client, table, secretariat, citizen):
    concern = raise_concern(table, reporter=citizen, title="Extorsión en la colonia Centro")
    Reminder.objects.create(key=f"concern_unanswered:{concern.pk}:{secretariat.pk}:10",
                            kind=Kind.CONCERN_UNANSWERED, occurrence="10", table=table,
                            recipient=secretariat, concern=concern, send_at=timezone.now())
    client.force_login(secretariat)
    page = html(client.get(log_url(table)))
    assert "Extorsión en la colonia Centro" in page
    assert reverse("concerns:concern-detail", kwargs={"table_slug": table.slug, "pk": concern.pk}) in page
    assert secretariat.display_name in page


@pytest.mark.parametrize("who", ["citizen", "coordinator", "official", "other_secretariat"])
def test_the_log_is_refused_to_anyone_but_the_tables_secretariat(client, table, planned, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(log_url(table)).status_code == 403
    assert client.post(retry_url(table)).status_code == 403
    assert Reminder.objects.filter(state=State.FAILED).count() == 1


def test_the_log_asks_a_visitor_to_sign_in_and_an_unknown_table_is_not_found(client, secretariat):
    assert client.get(reverse("reminders:reminder-list", kwargs={"table_slug": "nowhere"})).status_code == 302
    client.force_login(secretariat)
    assert client.get(reverse("reminders:reminder-list", kwargs={"table_slug": "nowhere"})).status_code == 404


def test_the_reminders_link_is_in_the_table_nav_for_the_secretariat_only(client, table, secretariat, citizen):
    client.force_login(citizen)
    assert log_url(table) not in html(client.get(table.get_absolute_url()))
    client.force_login(secretariat)
    assert log_url(table) in html(client.get(table.get_absolute_url()))


def test_the_log_filters_by_state_and_kind(client, table, secretariat, planned):
    client.force_login(secretariat)
    failed = client.get(log_url(table, state="failed")).context["page"]
    assert [r.state for r in failed.object_list] == [State.FAILED]
    sessions = client.get(log_url(table, kind="session", state="planned")).context["page"]
    assert sessions.paginator.count == Reminder.objects.filter(table=table, state=State.PLANNED).count()
    assert client.get(log_url(table, kind="commitment_due")).context["page"].paginator.count == 0


def test_an_invalid_filter_is_a_form_error_and_is_ignored(client, table, secretariat, planned):
    secretariat.language = "en"
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)
    response = client.get(log_url(table, state="exploded"))
    assert response.status_code == 200
    assert response.context["form"].errors["state"]
    assert "Please correct the following" in html(response)
    assert response.context["page"].paginator.count == Reminder.objects.filter(table=table).count()


def test_retrying_plans_the_failed_reminders_again_with_a_message(client, table, secretariat, planned,
                                                                  other_table):
    other_session = schedule_session(other_table)
    Reminder.objects.filter(session=other_session).update(state=State.FAILED, attempts=5)
    secretariat.language = "en"
    secretariat.save(update_fields=["language"])
    client.force_login(secretariat)
    assert client.get(retry_url(table)).status_code == 405
    response = client.post(retry_url(table), follow=True)
    assert response.redirect_chain[-1][0] == log_url(table)
    assert "1 failed reminder will be sent again" in html(response)
    retried = Reminder.objects.get(session=planned, last_error__startswith="SMTP")
    assert (retried.state, retried.attempts) == (State.PLANNED, 0)
    assert Reminder.objects.filter(session=other_session, state=State.FAILED).exists()  # not this table's
    response = client.post(retry_url(table), follow=True)
    assert "nothing to retry" in html(response)


@pytest.mark.parametrize("n", [1, 10])
def test_the_log_query_count_is_constant(client, table, secretariat, n, django_assert_max_num_queries):
    from mesa.models import Role
    from tests.mesa.factories import make_member

    for _i in range(n):
        make_member(table, Role.CITIZEN)
    schedule_session(table)
    Reminder.objects.filter(table=table).order_by("pk").filter(
        pk__in=Reminder.objects.filter(table=table).values("pk")[:1]).update(state=State.FAILED)
    client.force_login(secretariat)
    # session, user, table, state counts, paginator count, page (with recipient and what it
    # is about), table perms (user + groups), coordinated tables
    with django_assert_max_num_queries(9):
        assert client.get(log_url(table)).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(log_url(table, state="planned", kind="session")).status_code == 200


# --- Languages --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_pages_render_in_spanish_and_english(client, table, secretariat, planned, language):
    message = message_for(secretariat)
    client.force_login(secretariat)
    client.cookies["django_language"] = language
    for address in (INBOX, detail_url(message), log_url(table), log_url(table, state="bad")):
        response = client.get(address)
        assert response.status_code == 200, address
        assert response["Content-Language"] == language
        assert f'<html lang="{language}">' in html(response)
    page = html(client.get(log_url(table)))
    if language == "en":
        assert "Reminders of" in page and "Before a session" in page
