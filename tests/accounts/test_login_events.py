"""Sign-ins, failures and sign-outs are recorded; each person sees only their own."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import LoginEvent
from accounts.tasks import purge_login_events_task
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
PROFILE_URL = reverse("accounts:profile")
BROWSER = "Mozilla/5.0 (Android 14; Mobile) Firefox/126.0"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def kinds(user) -> list[str]:
    return list(LoginEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def test_signing_in_and_out_is_recorded_with_address_and_browser(client, citizen):
    client.post(LOGIN_URL, {"username": citizen.email, "password": PASSWORD},
                HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7")
    client.post(reverse("accounts:logout"))
    assert kinds(citizen) == [LoginEvent.Kind.SIGNED_IN, LoginEvent.Kind.SIGNED_OUT]
    event = LoginEvent.objects.get(user=citizen, kind=LoginEvent.Kind.SIGNED_IN)
    assert event.ip_address == "203.0.113.7"
    assert event.user_agent == BROWSER
    assert event.username == citizen.email


def test_a_failed_sign_in_is_recorded_against_the_account_it_named(client, citizen):
    client.post(LOGIN_URL, {"username": citizen.email.upper(), "password": "wrong"})
    assert kinds(citizen) == [LoginEvent.Kind.SIGN_IN_FAILED]


def test_a_failed_sign_in_for_an_unknown_address_has_no_person(client):
    client.post(LOGIN_URL, {"username": "nadie@example.org", "password": "wrong"})
    event = LoginEvent.objects.get()
    assert event.user is None
    assert event.username == "nadie@example.org"
    assert event.kind == LoginEvent.Kind.SIGN_IN_FAILED


def test_a_lockout_is_recorded(client, citizen):
    for attempt in range(5):
        client.post(LOGIN_URL, {"username": citizen.email, "password": f"wrong {attempt}"})
    assert LoginEvent.Kind.LOCKED_OUT in kinds(citizen)


def test_a_long_user_agent_is_cut(client, citizen):
    client.post(LOGIN_URL, {"username": citizen.email, "password": PASSWORD},
                HTTP_USER_AGENT="x" * 5000)
    assert len(LoginEvent.objects.get(user=citizen).user_agent) == 200


def test_the_profile_shows_the_last_ten_events_of_the_person_only(client, citizen):
    other = UserFactory()
    LoginEvent.objects.create(user=other, username=other.email, kind=LoginEvent.Kind.SIGNED_IN,
                              ip_address="198.51.100.99")
    for n in range(12):
        LoginEvent.objects.create(user=citizen, username=citizen.email,
                                  kind=LoginEvent.Kind.SIGN_IN_FAILED, ip_address=f"192.0.2.{n + 1}")
    client.force_login(citizen)  # one more: signed in
    response = client.get(PROFILE_URL)
    events = list(response.context["login_events"])
    assert len(events) == 10
    assert all(event.user_id == citizen.pk for event in events)
    assertContains(response, "Recent sign-ins")
    assertContains(response, "192.0.2.12")
    assertNotContains(response, "192.0.2.2<")  # older than the last ten
    assertNotContains(response, "198.51.100.99")


def test_the_profile_shows_events_in_the_clock_of_the_persons_table(client, citizen):
    LoginEvent.objects.create(user=citizen, username=citizen.email, kind=LoginEvent.Kind.SIGNED_IN,
                              at=datetime(2026, 6, 1, 18, 30, tzinfo=UTC))
    client.force_login(citizen)
    response = client.get(PROFILE_URL)
    assertContains(response, "When (America/Ciudad_Juarez)")
    assertContains(response, "12:30")  # 18:30 UTC is 12:30 in Ciudad Juárez (UTC−6 in June)


def test_events_are_purged_after_ninety_days(citizen):
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    old = LoginEvent.objects.create(user=citizen, kind=LoginEvent.Kind.SIGNED_IN,
                                    at=now - timedelta(days=90, seconds=1))
    recent = LoginEvent.objects.create(user=citizen, kind=LoginEvent.Kind.SIGNED_IN,
                                       at=now - timedelta(days=89))
    with time_machine.travel(now, tick=False):
        assert purge_login_events_task.delay().get() == 1
    assert list(LoginEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LoginEvent.objects.filter(pk=old.pk).exists()


def test_the_purge_runs_from_celery_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["accounts-purge-login-events"]
    assert schedule["task"] == "accounts.tasks.purge_login_events_task"


def test_only_superusers_see_events_in_the_admin(client, citizen):
    LoginEvent.objects.create(user=citizen, username=citizen.email, kind=LoginEvent.Kind.SIGNED_IN)
    url = reverse("admin:accounts_loginevent_changelist")
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.get(url)
    assertContains(response, citizen.email)
    event = LoginEvent.objects.get(user=citizen)
    change = client.get(reverse("admin:accounts_loginevent_change", args=[event.pk]))
    assert change.status_code == 200
    assertNotContains(change, 'name="_save"')  # read-only
    assert client.post(reverse("admin:accounts_loginevent_delete", args=[event.pk]),
                       {"post": "yes"}).status_code == 403
    assert LoginEvent.objects.filter(pk=event.pk).exists()
