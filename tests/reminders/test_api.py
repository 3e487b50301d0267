"""The inbox and notification preferences API: /api/v1/inbox/ and /api/v1/notification-preferences/,
with the rules of the pages (one's own messages only, another's is a 404; marking read once keeps
the header's counter in step; channels per kind, daily digest or not)."""

from datetime import UTC, timedelta

import pytest
import yaml
from django.utils import timezone

from reminders.models import InboxMessage, Kind, NotificationPreferences, Reminder, preferences_of
from tests.meetings.factories import schedule_session
from tests.reminders.test_views import message_for

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/inbox/"
UNREAD_COUNT = f"{INBOX}unread-count/"
READ_ALL = f"{INBOX}read-all/"
PREFERENCES = "/api/v1/notification-preferences/"
KINDS = [kind.value for kind in Kind.chosen_by_people()]
ALL_ON = {kind: ["inbox", "email"] for kind in KINDS}


def detail(message: InboxMessage) -> str:
    return f"{INBOX}{message.pk}/"


def read_url(message: InboxMessage) -> str:
    return f"{detail(message)}read/"


def session_reminder(table, person) -> Reminder:
    """A real reminder of a session for `person`, as the planner makes it."""
    session = schedule_session(table)
    return Reminder.objects.filter(session=session, recipient=person).first()


def saved_preferences(user) -> tuple | None:
    row = NotificationPreferences.objects.filter(user=user).first()
    return None if row is None else (row.follow_digest, sorted(row.muted))


# --- Who may ask -------------------------------------------------------------------------------


def test_the_inbox_and_preferences_are_refused_to_anyone_not_signed_in(as_user, citizen):
    message = message_for(citizen)
    api = as_user(None)
    for address in (INBOX, detail(message), UNREAD_COUNT, PREFERENCES):
        assert api.get(address).status_code == 401, address
    for address in (read_url(message), READ_ALL):
        assert api.post(address).status_code == 401, address
    assert api.put(PREFERENCES, {"follow_digest": True, "channels": ALL_ON}, format="json").status_code == 401
    assert api.patch(PREFERENCES, {"follow_digest": True}, format="json").status_code == 401
    message.refresh_from_db()
    assert message.read_at is None
    assert saved_preferences(citizen) is None


def test_someone_elses_message_is_not_found_on_detail_and_on_read_and_stays_unread(as_user, citizen,
                                                                                   official):
    theirs = message_for(official)
    api = as_user(citizen)
    for response in (api.get(detail(theirs)), api.post(read_url(theirs))):
        assert response.status_code == 404
        assert response.json() == {"detail": response.json()["detail"]}
    theirs.refresh_from_db()
    official.refresh_from_db()
    assert theirs.read_at is None and official.inbox_unread == 1


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999", "0"])
def test_an_address_that_is_no_message_number_is_not_found(as_user, citizen, pk):
    api = as_user(citizen)
    assert api.get(f"{INBOX}{pk}/").status_code == 404
    assert api.post(f"{INBOX}{pk}/read/").status_code == 404


# --- Reading the inbox -------------------------------------------------------------------------


def test_the_inbox_lists_ones_own_messages_newest_first(as_user, table, citizen, official):
    reminder = session_reminder(table, citizen)
    older = message_for(citizen, "Primero", reminder=reminder, read_at=timezone.now())
    newer = message_for(citizen, "Segundo", url="")
    message_for(official, "Ajeno")
    data = as_user(citizen).get(INBOX).json()
    assert data["count"] == 2
    first, second = data["results"]
    assert (first["id"], second["id"]) == (newer.pk, older.pk)
    assert first == {
        "id": newer.pk, "subject": "Segundo", "body": newer.body, "url": None, "kind": None,
        "table": None, "created_at": newer.created_at.astimezone(UTC).isoformat(),
        "read_at": None,
    }
    assert second["url"] == "/t/juarez/sessions/1/"
    assert second["kind"] == "session"
    assert second["table"] == {"slug": table.slug, "name": table.name}
    # On the clock of the table that sent it, as the inbox page shows it.
    assert second["created_at"] == timezone.localtime(older.created_at, table.zone).isoformat()
    assert second["read_at"] == timezone.localtime(older.read_at, table.zone).isoformat()


def test_the_unread_filter_narrows_the_list_to_unread_or_read_messages(as_user, citizen):
    read = message_for(citizen, "Leído", read_at=timezone.now())
    unread = message_for(citizen, "Sin leer")
    api = as_user(citizen)
    assert [row["id"] for row in api.get(INBOX, {"unread": "true"}).json()["results"]] == [unread.pk]
    assert [row["id"] for row in api.get(INBOX, {"unread": "false"}).json()["results"]] == [read.pk]
    assert api.get(INBOX).json()["count"] == 2


def test_reading_a_message_through_the_api_does_not_mark_it_read(as_user, citizen):
    message = message_for(citizen)
    response = as_user(citizen).get(detail(message))
    assert response.status_code == 200
    assert response.json()["subject"] == message.subject and response.json()["read_at"] is None
    message.refresh_from_db()
    citizen.refresh_from_db()
    assert message.read_at is None and citizen.inbox_unread == 1


def test_the_unread_count_is_the_headers_counter(as_user, citizen, official):
    message_for(citizen)
    message_for(citizen)
    message_for(citizen, read_at=timezone.now())
    message_for(official)
    assert as_user(citizen).get(UNREAD_COUNT).json() == {"unread": 2}


# --- Marking read ------------------------------------------------------------------------------


def test_marking_a_message_read_marks_it_once_and_decrements_the_counter(as_user, citizen):
    message, _other = message_for(citizen), message_for(citizen)
    api = as_user(citizen)
    response = api.post(read_url(message))
    assert response.status_code == 200
    data = response.json()
    assert (data["marked"], data["unread"]) == (1, 1)
    message.refresh_from_db()
    citizen.refresh_from_db()
    first_read = message.read_at
    assert first_read is not None and citizen.inbox_unread == 1
    assert data["message"]["id"] == message.pk
    assert data["message"]["read_at"] == first_read.astimezone(UTC).isoformat()

    again = api.post(read_url(message)).json()
    assert (again["marked"], again["unread"]) == (0, 1)
    assert again["message"]["read_at"] == data["message"]["read_at"]
    message.refresh_from_db()
    citizen.refresh_from_db()
    assert message.read_at == first_read and citizen.inbox_unread == 1


def test_marking_read_takes_a_post(as_user, citizen):
    message = message_for(citizen)
    api = as_user(citizen)
    assert api.get(read_url(message)).status_code == 405
    assert api.get(READ_ALL).status_code == 405
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read_marks_only_ones_own_and_says_how_many(as_user, citizen, official):
    already = message_for(citizen, read_at=timezone.now() - timedelta(days=1))
    mine = [message_for(citizen, f"Mío {i}") for i in range(3)]
    theirs = message_for(official)
    api = as_user(citizen)
    assert api.post(READ_ALL).json() == {"marked": 3, "unread": 0}
    assert not InboxMessage.objects.filter(pk__in=[m.pk for m in mine], read_at__isnull=True).exists()
    kept = already.read_at
    already.refresh_from_db()
    assert already.read_at == kept
    citizen.refresh_from_db()
    official.refresh_from_db()
    theirs.refresh_from_db()
    assert citizen.inbox_unread == 0
    assert theirs.read_at is None and official.inbox_unread == 1
    assert api.post(READ_ALL).json() == {"marked": 0, "unread": 0}
    assert api.get(UNREAD_COUNT).json() == {"unread": 0}


@pytest.mark.parametrize("n", [1, 30])
def test_the_inbox_query_count_is_constant(as_user, table, citizen, n, django_assert_max_num_queries):
    message_for(citizen, reminder=session_reminder(table, citizen))
    for i in range(n):
        message_for(citizen, f"Aviso {i}")
    api = as_user(citizen)
    # session, user (with its unread count), their table permissions (who needs two-step
    # verification), paginator count, page (with reminder and table)
    with django_assert_max_num_queries(5):
        assert api.get(INBOX).json()["count"] == n + 1
    message = InboxMessage.objects.filter(user=citizen).first()
    # session, user, their table permissions (two-step rule), message (with reminder and table)
    with django_assert_max_num_queries(4):
        assert api.get(detail(message)).status_code == 200


# --- Preferences -------------------------------------------------------------------------------


def test_without_choices_everything_goes_by_every_channel_one_by_one(as_user, citizen):
    response = as_user(citizen).get(PREFERENCES)
    assert response.status_code == 200
    assert response.json() == {"follow_digest": False, "channels": ALL_ON}
    assert saved_preferences(citizen) is None  # reading saves nothing


def test_a_put_replaces_the_preferences_and_changes_what_is_delivered(as_user, citizen):
    channels = {**ALL_ON, "session": ["inbox"], "follow_update": ["email"], "commitment_due": []}
    response = as_user(citizen).put(PREFERENCES, {"follow_digest": True, "channels": channels},
                                    format="json")
    assert response.status_code == 200
    assert response.json() == {"follow_digest": True, "channels": channels}
    assert as_user(citizen).get(PREFERENCES).json() == response.json()
    citizen.refresh_from_db()
    preferences = preferences_of(citizen)
    assert preferences.follow_digest
    assert preferences.wants(Kind.SESSION, "inbox") and not preferences.wants(Kind.SESSION, "email")
    assert not preferences.wants(Kind.COMMITMENT_DUE, "inbox")
    assert not preferences.wants(Kind.COMMITMENT_DUE, "email")
    # The daily digest goes by the channels of news, as dispatch reads them.
    assert preferences.wants(Kind.FOLLOW_DIGEST, "email")
    assert not preferences.wants(Kind.FOLLOW_DIGEST, "inbox")
    assert preferences.wants(Kind.CONCERN_UNANSWERED, "email")


def test_a_patch_changes_only_the_kinds_it_sends(as_user, citizen):
    api = as_user(citizen)
    api.put(PREFERENCES, {"follow_digest": True, "channels": {**ALL_ON, "session": ["inbox"]}},
            format="json")
    response = api.patch(PREFERENCES, {"channels": {"commitment_overdue": ["email", "email"]}},
                         format="json")
    assert response.status_code == 200
    assert response.json() == {"follow_digest": True, "channels": {
        **ALL_ON, "session": ["inbox"], "commitment_overdue": ["email"]}}
    assert saved_preferences(citizen) == (True, ["commitment_overdue:inbox", "session:email"])

    response = api.patch(PREFERENCES, {"follow_digest": False}, format="json")
    assert response.json()["follow_digest"] is False
    assert saved_preferences(citizen) == (False, ["commitment_overdue:inbox", "session:email"])


def test_channels_are_given_in_the_configured_order(as_user, citizen):
    response = as_user(citizen).patch(PREFERENCES, {"channels": {"session": ["email", "inbox"]}},
                                      format="json")
    assert response.json()["channels"]["session"] == ["inbox", "email"]


def body_with(digest=False, **channels) -> dict:
    """A whole body (every kind on), with these channels instead."""
    return {"follow_digest": digest, "channels": {**ALL_ON, **channels}}


@pytest.mark.parametrize(("body", "errors"), [
    # A kind that does not exist, or one nobody chooses channels for (the digest goes by news).
    (body_with(sms_news=["inbox"]), {"channels": ["sms_news"]}),
    (body_with(follow_digest=["inbox"]), {"channels": ["follow_digest"]}),
    # A channel that does not exist, or that is not a name at all.
    (body_with(session=["inbox", "sms"]), {"channels": ["session"]}),
    (body_with(session=[["inbox"]]), {"channels": ["session"]}),
    (body_with(session="inbox"), {"channels": ["session"]}),
    ({"follow_digest": False, "channels": ["inbox"]}, {"channels": ["non_field_errors"]}),
    (body_with(digest="often"), {"follow_digest": None}),
])
def test_an_unknown_kind_or_channel_is_a_400_naming_it_and_saves_nothing(as_user, citizen, body, errors):
    api = as_user(citizen)
    api.patch(PREFERENCES, {"channels": {"session": ["inbox"]}}, format="json")
    before = saved_preferences(citizen)
    for method in (api.patch, api.put):
        response = method(PREFERENCES, body, format="json")
        assert response.status_code == 400, response.json()
        detail = response.json()
        assert set(detail) == set(errors)
        for field, names in errors.items():
            if names is not None:
                assert set(detail[field]) == set(names)
        assert saved_preferences(citizen) == before


def test_the_400_says_which_names_exist(as_user, citizen):
    citizen.language = "en"  # the API speaks the person's language
    citizen.save(update_fields=["language"])
    response = as_user(citizen).patch(PREFERENCES, {"channels": {"sms_news": [], "session": ["sms"]}},
                                      format="json")
    assert response.status_code == 400
    errors = response.json()["channels"]
    assert "session, commitment_due" in errors["sms_news"][0]
    assert "“sms”" in errors["session"][0] and "inbox, email" in errors["session"][0]


def test_a_put_must_name_every_kind_and_the_digest(as_user, citizen):
    partial = {kind: ALL_ON[kind] for kind in KINDS[1:]}
    api = as_user(citizen)
    response = api.put(PREFERENCES, {"follow_digest": False, "channels": partial}, format="json")
    assert response.status_code == 400
    assert list(response.json()["channels"]) == [KINDS[0]]
    response = api.put(PREFERENCES, {"channels": ALL_ON}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["follow_digest"]
    assert saved_preferences(citizen) is None


# --- The schema --------------------------------------------------------------------------------


def test_the_schema_documents_the_inbox_and_preferences(api):
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    paths = schema["paths"]
    assert set(paths[INBOX]) == {"get"} and set(paths["/api/v1/inbox/{id}/"]) == {"get"}
    assert set(paths["/api/v1/inbox/{id}/read/"]) == {"post"}
    assert set(paths["/api/v1/inbox/read-all/"]) == {"post"}
    assert set(paths["/api/v1/inbox/unread-count/"]) == {"get"}
    assert set(paths[PREFERENCES]) == {"get", "put", "patch"}
    assert "404" in paths["/api/v1/inbox/{id}/read/"]["post"]["responses"]
    assert "400" in paths[PREFERENCES]["put"]["responses"]
    components = schema["components"]["schemas"]
    assert set(components["NotificationChannelsRequest"]["required"]) == set(KINDS)
    assert "required" not in components["PatchedNotificationChannelsRequest"]
