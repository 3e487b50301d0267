import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
LOGOUT_URL = reverse("accounts:logout")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def person(db):
    return UserFactory(email="ana.lopez@example.org", language="en")


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_asks_for_an_email_address(client):
    response = client.get(LOGIN_URL)
    assertContains(response, '<label for="id_username">Email address</label>', html=True)
    assertContains(response, 'type="email"')
    assertContains(response, reverse("accounts:password-reset"))


def test_login_page_speaks_spanish_when_asked(client):
    client.cookies["django_language"] = "es"
    response = client.get(LOGIN_URL)
    assert response["Content-Language"] == "es"
    assertContains(response, '<html lang="es">')


@pytest.mark.parametrize(
    "typed", ["ana.lopez@example.org", "ANA.Lopez@Example.ORG", " ana.lopez@example.org "]
)
def test_login_by_email_ignores_case(client, person, typed):
    response = client.post(LOGIN_URL, {"username": typed, "password": PASSWORD})
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assert logged_in_user_id(client) == str(person.pk)


def test_login_follows_a_safe_next_only(client, person):
    response = client.post(LOGIN_URL + "?next=/accounts/profile/",
                           {"username": person.email, "password": PASSWORD})
    assertRedirects(response, "/accounts/profile/", fetch_redirect_response=False)
    client.logout()
    response = client.post(LOGIN_URL + "?next=https://evil.example.com/",
                           {"username": person.email, "password": PASSWORD})
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)


def test_wrong_password_shows_an_error_and_does_not_log_in(client, person):
    response = client.post(LOGIN_URL, {"username": person.email, "password": "wrong password"})
    assert response.status_code == 200
    assertContains(response, 'class="form-errors"')
    assertContains(response, "Please enter a correct email address and password")
    assert logged_in_user_id(client) is None


def test_logged_in_people_are_sent_on_from_the_login_page(client, person):
    client.force_login(person)
    assertRedirects(client.get(LOGIN_URL), reverse("home"), fetch_redirect_response=False)


def test_five_failures_lock_the_address_even_against_the_right_password(client, person):
    for attempt in range(5):
        # Changing the case does not buy more attempts.
        typed = person.email.upper() if attempt % 2 else person.email
        response = client.post(LOGIN_URL, {"username": typed, "password": f"wrong {attempt}"})
    assert AccessAttempt.objects.get(username=person.email).failures_since_start == 5

    response = client.post(LOGIN_URL, {"username": person.email, "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert logged_in_user_id(client) is None
    assertContains(response, "Logging in is blocked for a while", status_code=response.status_code)
    assertContains(response, "after 5 failed attempts", status_code=response.status_code)
    assertContains(response, "try again in 30 minutes", status_code=response.status_code)
    assertContains(response, reverse("accounts:password-reset"), status_code=response.status_code)


def test_the_lockout_page_gives_long_waits_in_hours(client, person, settings):
    settings.AXES_COOLOFF_TIME = 3
    for attempt in range(5):
        response = client.post(LOGIN_URL, {"username": person.email, "password": f"x{attempt}"})
    assertContains(response, "try again in 3 hours", status_code=response.status_code)


def test_four_failures_do_not_lock(client, person):
    for attempt in range(4):
        client.post(LOGIN_URL, {"username": person.email, "password": f"wrong {attempt}"})
    response = client.post(LOGIN_URL, {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(person.pk)
    assert not AccessAttempt.objects.filter(username=person.email).exists()  # reset on success


def test_a_lockout_blocks_only_that_address(client, person):
    for attempt in range(5):
        client.post(LOGIN_URL, {"username": person.email, "password": f"wrong {attempt}"})
    other = UserFactory(email="otra@example.org")
    response = client.post(LOGIN_URL, {"username": other.email, "password": PASSWORD})
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assert logged_in_user_id(client) == str(other.pk)
    # The rest of the site still works for the locked-out visitor.
    client.logout()
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:signup")).status_code == 200


def test_the_lockout_page_speaks_spanish_when_asked(client, person):
    client.cookies["django_language"] = "es"
    for attempt in range(5):
        response = client.post(LOGIN_URL, {"username": person.email, "password": f"x{attempt}"})
    assert response.status_code in (403, 429)
    assert response["Content-Language"] == "es"
    assertContains(response, '<html lang="es">', status_code=response.status_code)


def test_logout_refuses_get(client, person):
    client.force_login(person)
    assert client.get(LOGOUT_URL).status_code == 405
    assert logged_in_user_id(client) == str(person.pk)


def test_logout_by_post_logs_out_and_says_so(client, person):
    client.force_login(person)
    response = client.post(LOGOUT_URL)
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assert logged_in_user_id(client) is None
    assertContains(client.get(response["Location"]), "You are logged out.")
