"""A signed-in session idle longer than MESA_IDLE_TIMEOUT_SECONDS is ended."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertRedirects

from accounts.middleware import LAST_ACTIVITY_SESSION_KEY
from accounts.models import LoginEvent
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")
LOGIN_URL = reverse("accounts:login")
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock(client):
    client.cookies["django_language"] = "en"
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, citizen, clock):
    response = client.post(LOGIN_URL, {"username": citizen.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_default_timeout_is_thirty_minutes(settings):
    assert settings.MESA_IDLE_TIMEOUT_SECONDS == 30 * 60


def test_a_request_within_the_timeout_keeps_the_session(signed_in, clock):
    for _ in range(3):
        clock.shift(timedelta(minutes=29))
        assert signed_in.get(PROFILE_URL).status_code == 200


def test_an_idle_session_is_signed_out_with_a_message_and_next(signed_in, citizen, clock):
    clock.shift(timedelta(minutes=31))
    response = signed_in.get(PROFILE_URL + "?tab=1")
    assertRedirects(response, f"{LOGIN_URL}?next=%2Faccounts%2Fprofile%2F%3Ftab%3D1",
                    fetch_redirect_response=False)
    assert "_auth_user_id" not in signed_in.session
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["You were signed out after 30 minutes without activity."]
    assert LoginEvent.objects.filter(user=citizen).first().kind == LoginEvent.Kind.IDLE_TIMEOUT
    assert not LoginEvent.objects.filter(user=citizen, kind=LoginEvent.Kind.SIGNED_OUT).exists()
    # The login page shows the message.
    page = signed_in.get(response.url)
    assert "You were signed out after 30 minutes without activity." in page.content.decode()


def test_the_timeout_follows_the_setting(signed_in, clock, settings):
    settings.MESA_IDLE_TIMEOUT_SECONDS = 60
    clock.shift(timedelta(seconds=61))
    response = signed_in.get(PROFILE_URL)
    assert response.url.startswith(LOGIN_URL)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["You were signed out after 1 minute without activity."]


def test_a_form_sent_after_the_timeout_is_not_acted_on(signed_in, citizen, clock):
    clock.shift(timedelta(hours=1))
    response = signed_in.post(PROFILE_URL, {"display_name": "Otro", "language": "en"})
    assertRedirects(response, LOGIN_URL, fetch_redirect_response=False)
    citizen.refresh_from_db()
    assert citizen.display_name != "Otro"


def test_an_idle_api_session_is_answered_as_anonymous(api, citizen, clock):
    api.force_login(citizen)
    assert api.get("/api/v1/memberships/").status_code == 200
    clock.shift(timedelta(minutes=31))
    response = api.get("/api/v1/memberships/")
    assert response.status_code == 401
    assert "_auth_user_id" not in api.session


def test_the_activity_stamp_is_written_at_most_once_a_minute(signed_in, clock):
    stamp = signed_in.session[LAST_ACTIVITY_SESSION_KEY]
    clock.shift(timedelta(seconds=30))
    response = signed_in.get(PROFILE_URL)
    assert not response.wsgi_request.session.modified  # no session write
    assert signed_in.session[LAST_ACTIVITY_SESSION_KEY] == stamp
    clock.shift(timedelta(seconds=31))
    signed_in.get(PROFILE_URL)
    assert signed_in.session[LAST_ACTIVITY_SESSION_KEY] == stamp + 61


def test_activity_does_not_extend_the_absolute_session_age(signed_in, clock, settings):
    # Active every 20 minutes, but the session still ends SESSION_COOKIE_AGE after sign-in.
    elapsed = timedelta()
    while elapsed < timedelta(seconds=settings.SESSION_COOKIE_AGE) - timedelta(minutes=20):
        clock.shift(timedelta(minutes=20))
        elapsed += timedelta(minutes=20)
        assert signed_in.get(PROFILE_URL).status_code == 200
    clock.shift(timedelta(minutes=20))
    assert signed_in.get(PROFILE_URL).url.startswith(LOGIN_URL)
