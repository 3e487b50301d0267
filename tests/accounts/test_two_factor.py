"""Two-step verification (TOTP): who must give a code, setting it up, giving it, removing it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertRedirects
from rest_framework.authtoken.models import Token

from accounts.models import LoginEvent
from accounts.two_factor import SETUP_KEY_SESSION_KEY
from mesa import services
from mesa.models import Role
from tests.accounts.factories import PASSWORD, UserFactory, code_at, current_code
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
SETUP_URL = reverse("accounts:two-factor-setup")
VERIFY_URL = reverse("accounts:two-factor-verify")
REMOVE_URL = reverse("accounts:two-factor-remove")
PROFILE_URL = reverse("accounts:profile")
HOME_URL = reverse("home")
TOKEN_URL = "/api/v1/auth/token/"
NOW = datetime(2026, 3, 2, 15, 0, 7, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english_and_frozen(client, api):
    client.cookies["django_language"] = "en"
    api.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def wrong_code(device: TOTPDevice) -> str:
    """A code that is none of those the device accepts now (previous, current, next)."""
    accepted = {code_at(device, steps) for steps in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def password_login(client, user, next_url: str = ""):
    url = LOGIN_URL + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": PASSWORD})


# --- Who must give a second factor ------------------------------------------------------------


def test_an_official_without_a_device_is_sent_to_set_it_up(client, table, official,
                                                            sign_in_password_only):
    sign_in_password_only(client, official)
    for url in (HOME_URL, PROFILE_URL, table.get_absolute_url()):
        response = client.get(url)
        assertRedirects(response, f"{SETUP_URL}?next={url.replace('/', '%2F')}",
                        fetch_redirect_response=False)
    assert client.get(SETUP_URL).status_code == 200


def test_the_secretariat_of_a_table_needs_a_second_factor(client, table, secretariat,
                                                          sign_in_password_only):
    sign_in_password_only(client, secretariat)
    response = client.post(reverse("accounts:api-token-create"))
    assertRedirects(response, SETUP_URL, fetch_redirect_response=False)
    assert not Token.objects.filter(user=secretariat).exists()


def test_staff_need_a_second_factor(client, sign_in_password_only):
    operator = UserFactory(is_staff=True)
    sign_in_password_only(client, operator)
    assert client.get("/admin/").url.startswith(SETUP_URL)


def test_a_citizen_is_never_asked_for_a_code(client, table, citizen):
    response = password_login(client, citizen)
    assertRedirects(response, HOME_URL, fetch_redirect_response=False)
    assert client.get(HOME_URL).status_code == 200
    assert client.get(PROFILE_URL).status_code == 200
    assert client.get("/api/v1/memberships/").status_code == 200


def test_an_official_awaiting_verification_is_asked_once_verified(client, table, secretariat,
                                                                  sign_in_password_only):
    membership = make_member(table, Role.OFFICIAL, verified=False)
    sign_in_password_only(client, membership.user)
    assert client.get(HOME_URL).status_code == 200  # no official power yet
    services.membership_verify(membership=membership, actor=secretariat)
    assertRedirects(client.get(HOME_URL), f"{SETUP_URL}?next=%2F", fetch_redirect_response=False)


def test_setting_up_logging_out_and_changing_language_stay_open(client, official,
                                                                sign_in_password_only):
    sign_in_password_only(client, official)
    assert client.post(reverse("accounts:set-language"), {"language": "es"}).status_code == 302
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session


def test_the_suite_force_login_gives_the_second_factor(client, official):
    client.force_login(official)
    assert client.get(HOME_URL).status_code == 200
    assert TOTPDevice.objects.filter(user=official, confirmed=True).exists()


# --- The API -------------------------------------------------------------------------------------


def test_an_official_without_the_second_factor_gets_a_403_from_the_api(api, table, official,
                                                                        sign_in_password_only):
    sign_in_password_only(api, official)
    for url in ("/api/v1/memberships/", f"/api/v1/tables/{table.slug}/"):
        response = api.get(url)
        assert response.status_code == 403
        assert "two-step verification" in response.json()["detail"]
    response = api.patch(f"/api/v1/tables/{table.slug}/", {"city": "Chihuahua"}, format="json")
    assert response.status_code == 403
    table.refresh_from_db()
    assert table.city != "Chihuahua"


def test_with_the_second_factor_the_api_answers_the_session(api, table, official):
    api.force_login(official)
    assert api.get("/api/v1/memberships/").status_code == 200


def test_an_official_without_a_device_gets_no_token(api, official):
    response = api.post(TOKEN_URL, {"email": official.email, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "Set it up on the website" in response.json()["non_field_errors"][0]
    assert not Token.objects.filter(user=official).exists()


def test_an_official_with_a_device_gets_a_token_with_the_code(api, official):
    device = device_for(official)
    response = api.post(TOKEN_URL, {"email": official.email, "password": PASSWORD,
                                    "otp_token": current_code(device)}, format="json")
    assert response.status_code == 200


# --- Setting it up ------------------------------------------------------------------------------


def test_the_setup_page_shows_the_key_and_the_app_link(client, official, sign_in_password_only):
    sign_in_password_only(client, official)
    response = client.get(SETUP_URL)
    key = client.session[SETUP_KEY_SESSION_KEY]
    secret = response.context["secret"].replace(" ", "")
    assertContains(response, 'href="otpauth://totp/')
    assertContains(response, '<svg role="img"')  # the QR code, inline
    assert "style=" not in response.content.decode()
    assertContains(response, f"secret={secret}")
    assertContains(response, 'autocomplete="one-time-code"')
    assertContains(response, 'inputmode="numeric"')
    assertContains(response, '<label for="id_code">')
    assert client.get(SETUP_URL).context["secret"] == response.context["secret"]  # stable
    assert not TOTPDevice.objects.filter(user=official).exists()  # nothing saved yet
    assert len(key) == 40


def test_setup_confirms_the_device_with_the_right_code(client, table, official, sign_in_password_only):
    sign_in_password_only(client, official)
    client.get(SETUP_URL + "?next=" + table.get_absolute_url())
    device = TOTPDevice(key=client.session[SETUP_KEY_SESSION_KEY])
    response = client.post(SETUP_URL, {"code": current_code(device), "next": table.get_absolute_url()})
    assertRedirects(response, table.get_absolute_url(), fetch_redirect_response=False)
    saved = TOTPDevice.objects.get(user=official)
    assert saved.confirmed and saved.key == device.key
    assert client.get(table.get_absolute_url()).status_code == 200
    assert LoginEvent.objects.filter(user=official, kind=LoginEvent.Kind.DEVICE_ADDED).count() == 1
    # The code just used cannot sign anyone in again.
    client.logout()
    client.cookies["django_language"] = "en"  # logging out dropped the cookies
    password_login(client, official)
    response = client.post(VERIFY_URL, {"code": current_code(device)})
    assertContains(response, "This code is wrong or too old")


def test_setup_refuses_a_wrong_code_and_saves_nothing(client, official, sign_in_password_only):
    sign_in_password_only(client, official)
    client.get(SETUP_URL)
    device = TOTPDevice(key=client.session[SETUP_KEY_SESSION_KEY])
    for code in (wrong_code(device), "12345", "abcdef"):
        response = client.post(SETUP_URL, {"code": code})
        assert response.status_code == 200
        assertContains(response, 'class="form-errors"')
        assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=official).exists()
    assertRedirects(client.get(HOME_URL), f"{SETUP_URL}?next=%2F", fetch_redirect_response=False)


def test_a_code_from_a_minute_ago_is_too_old_for_setup(client, official, sign_in_password_only):
    sign_in_password_only(client, official)
    client.get(SETUP_URL)
    device = TOTPDevice(key=client.session[SETUP_KEY_SESSION_KEY])
    response = client.post(SETUP_URL, {"code": code_at(device, -2)})
    assertContains(response, "This code is wrong or too old")
    assert not TOTPDevice.objects.exists()


def test_a_password_alone_cannot_add_a_second_device(client, official, sign_in_password_only):
    """Someone who has stolen the password must not set up their own phone."""
    device_for(official)
    sign_in_password_only(client, official)
    response = client.get(SETUP_URL)
    assertRedirects(response, VERIFY_URL, fetch_redirect_response=False)
    client.post(SETUP_URL, {"code": "123456"})
    assert TOTPDevice.objects.filter(user=official).count() == 1


def test_setup_attempts_are_limited(client, citizen):
    client.force_login(citizen)
    client.get(SETUP_URL)
    device = TOTPDevice(key=client.session[SETUP_KEY_SESSION_KEY])
    for _attempt in range(10):
        client.post(SETUP_URL, {"code": wrong_code(device)})
    response = client.post(SETUP_URL, {"code": current_code(device)})
    assertContains(response, "Too many attempts")
    assert not TOTPDevice.objects.exists()


# --- Giving the code at sign-in -------------------------------------------------------------------


def test_a_login_with_a_device_asks_for_the_code(client, official):
    device_for(official)
    response = password_login(client, official, next_url="/accounts/profile/")
    assertRedirects(response, f"{VERIFY_URL}?next=%2Faccounts%2Fprofile%2F",
                    fetch_redirect_response=False)
    assertRedirects(client.get(PROFILE_URL), f"{VERIFY_URL}?next=%2Faccounts%2Fprofile%2F",
                    fetch_redirect_response=False)
    response = client.get(VERIFY_URL)
    assertContains(response, 'autocomplete="one-time-code"')


def test_a_citizen_who_turned_it_on_is_asked_too(client, citizen):
    device_for(citizen)
    assertRedirects(password_login(client, citizen), f"{VERIFY_URL}?next=%2F",
                    fetch_redirect_response=False)
    assertRedirects(client.get(PROFILE_URL), f"{VERIFY_URL}?next=%2Faccounts%2Fprofile%2F",
                    fetch_redirect_response=False)


def test_a_wrong_code_is_refused_with_a_form_error(client, official):
    device = device_for(official)
    password_login(client, official)
    response = client.post(VERIFY_URL, {"code": wrong_code(device)})
    assert response.status_code == 200
    assertContains(response, "This code is wrong or too old")
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(HOME_URL).url.startswith(VERIFY_URL)
    event = LoginEvent.objects.filter(user=official).first()
    assert event.kind == LoginEvent.Kind.SECOND_FACTOR_FAILED


def test_the_right_code_lets_the_person_in(client, table, official):
    device = device_for(official)
    password_login(client, official)
    response = client.post(VERIFY_URL, {"code": current_code(device), "next": table.get_absolute_url()})
    assertRedirects(response, table.get_absolute_url(), fetch_redirect_response=False)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(table.get_absolute_url()).status_code == 200
    assert client.get("/api/v1/memberships/").status_code == 200


def test_an_unsafe_next_is_ignored_after_the_code(client, official):
    device = device_for(official)
    password_login(client, official)
    response = client.post(VERIFY_URL, {"code": current_code(device), "next": "https://evil.example/"})
    assertRedirects(response, HOME_URL, fetch_redirect_response=False)


def test_a_code_right_after_a_wrong_one_must_wait(client, official, _english_and_frozen):
    device = device_for(official)
    password_login(client, official)
    client.post(VERIFY_URL, {"code": wrong_code(device)})
    response = client.post(VERIFY_URL, {"code": current_code(device)})
    assertContains(response, "Too many attempts")
    _english_and_frozen.shift(timedelta(seconds=2))
    response = client.post(VERIFY_URL, {"code": current_code(device)})
    assert response.status_code == 302


def test_five_wrong_codes_lock_the_sign_in(client, official, _english_and_frozen):
    device = device_for(official)
    password_login(client, official)
    for _attempt in range(5):
        _english_and_frozen.shift(timedelta(seconds=20))  # past django-otp's growing wait
        response = client.post(VERIFY_URL, {"code": wrong_code(device)})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    # Locked out: even the right password is refused for a while.
    response = password_login(client, official)
    assert response.status_code in (403, 429)
    assert LoginEvent.objects.filter(user=official, kind=LoginEvent.Kind.LOCKED_OUT).exists()


# --- Removing ------------------------------------------------------------------------------------


def test_removing_the_device_needs_the_current_code(client, citizen, _english_and_frozen):
    device = device_for(citizen)
    client.force_login(citizen)
    response = client.post(REMOVE_URL, {"code": wrong_code(device)})
    assertContains(response, "This code is wrong or too old")
    assert TOTPDevice.objects.filter(user=citizen).exists()

    _english_and_frozen.shift(timedelta(seconds=40))  # past django-otp's wait after a wrong code
    response = client.post(REMOVE_URL, {"code": current_code(device)})
    assertRedirects(response, PROFILE_URL + "#two-factor", fetch_redirect_response=False)
    assert not TOTPDevice.objects.filter(user=citizen).exists()
    assert LoginEvent.objects.filter(user=citizen, kind=LoginEvent.Kind.DEVICE_REMOVED).exists()
    # A citizen goes on with the password alone.
    client.logout()
    assertRedirects(password_login(client, citizen), HOME_URL, fetch_redirect_response=False)


def test_an_official_who_removes_the_device_must_set_up_a_new_one(client, official):
    client.force_login(official)
    device = TOTPDevice.objects.get(user=official)
    response = client.post(REMOVE_URL, {"code": current_code(device)})
    assertRedirects(response, SETUP_URL, fetch_redirect_response=False)
    assert not TOTPDevice.objects.filter(user=official).exists()
    assertRedirects(client.get(HOME_URL), f"{SETUP_URL}?next=%2F", fetch_redirect_response=False)


def test_the_profile_says_whether_two_step_verification_is_on(client, citizen):
    client.force_login(citizen)
    assertContains(client.get(PROFILE_URL), SETUP_URL)
    device_for(citizen)
    assertContains(client.get(PROFILE_URL), REMOVE_URL)


def test_operators_reset_a_lost_device_from_the_command_line(client, secretariat):
    from django.core.management import call_command

    client.force_login(secretariat)
    assert TOTPDevice.objects.filter(user=secretariat).exists()
    call_command("reset_two_factor", secretariat.email.upper())
    assert not TOTPDevice.objects.filter(user=secretariat).exists()
    assert LoginEvent.objects.filter(user=secretariat, kind=LoginEvent.Kind.DEVICE_REMOVED).exists()
    # The old session no longer counts as verified: set up a new device.
    assertRedirects(client.get(HOME_URL), f"{SETUP_URL}?next=%2F", fetch_redirect_response=False)


def test_the_reset_command_names_an_unknown_address(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No account"):
        call_command("reset_two_factor", "nadie@example.org")
