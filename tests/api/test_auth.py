import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mesa.api.authentication import TwoFactorNotSetUp
from mesa.models import Membership, Role
from mesa.services import membership_change_role
from tests.accounts.factories import PASSWORD, UserFactory, api_token, current_code
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def person(db):
    return UserFactory(email="ana@example.org")


def obtain(api, email, password, **extra):
    return api.post(TOKEN_URL, {"email": email, "password": password, **extra}, format="json")


def test_a_person_obtains_a_token_and_uses_it(api, table, secretariat):
    device = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    response = obtain(api, secretariat.email, PASSWORD, otp_token=current_code(device))
    assert response.status_code == 200, response.json()
    key = response.json()["token"]
    assert Token.objects.get(user=secretariat).key == key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    changed = api.patch(f"/api/v1/tables/{table.slug}/", {"city": "Juárez"}, format="json")
    assert changed.status_code == 200
    assert api.get("/api/v1/memberships/").status_code == 200


def test_signing_in_for_a_token_records_the_login(api, person):
    assert person.last_login is None
    assert obtain(api, "ANA@example.org", PASSWORD).status_code == 200
    person.refresh_from_db()
    assert person.last_login is not None


def test_the_same_token_comes_back_until_revoked(api, person):
    first = obtain(api, person.email, PASSWORD).json()["token"]
    assert obtain(api, person.email, PASSWORD).json()["token"] == first


def test_a_wrong_password_is_a_400_without_a_token(api, person):
    response = obtain(api, person.email, "wrong password")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert not Token.objects.filter(user=person).exists()


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(api, person):
    unknown = obtain(api, "nadie@example.org", PASSWORD)
    wrong = obtain(api, person.email, "wrong password")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.json() == wrong.json()


def test_an_inactive_account_gets_no_token(api):
    inactive = UserFactory(is_active=False)
    assert obtain(api, inactive.email, PASSWORD).status_code == 400
    assert not Token.objects.filter(user=inactive).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "ana@example.org"}, "password"),
        ({"email": "not an email", "password": PASSWORD}, "email"),
        ({"email": ["ana@example.org"], "password": PASSWORD}, "email"),
        ({"email": "ana@example.org", "password": "x" * 5000}, "password"),
    ],
)
def test_malformed_requests_are_a_400(api, person, body, field):
    response = api.post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(TOKEN_URL, data="{email:", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_after_five_wrong_passwords_the_right_one_is_refused(api, person):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for _attempt in range(limit - 1):
        assert obtain(api, person.email, "wrong password").status_code == 400
    locked = obtain(api, person.email, "wrong password")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert "detail" in locked.json()
    refused = obtain(api, person.email, PASSWORD)
    assert refused.status_code == 429
    assert "detail" in refused.json()
    assert not Token.objects.filter(user=person).exists()
    assert AccessAttempt.objects.filter(username=person.email).exists()


def test_a_lockout_earned_through_the_api_holds_for_every_sign_in(api, person):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        obtain(api, person.email, "wrong password")
    # What the login page does: authenticate with the request, from the same address.
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    assert authenticate(request=request, username=person.email, password=PASSWORD) is None


def test_a_successful_sign_in_clears_earlier_failures(api, person):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        obtain(api, person.email, "wrong password")
    assert obtain(api, person.email, PASSWORD).status_code == 200
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(api, person.email, "wrong password").status_code == 400
    assert obtain(api, person.email, PASSWORD).status_code == 200


def test_too_many_attempts_in_a_minute_are_throttled(api):
    # Different addresses, so axes (per email + address) locks nobody out.
    for i in range(10):
        assert obtain(api, f"p{i}@example.org", "wrong password").status_code == 400
    response = obtain(api, "p10@example.org", "wrong password")
    assert response.status_code == 429
    assert "detail" in response.json()


# --- Two-factor authentication ---------------------------------------------------------------


@pytest.fixture
def device(person):
    return TOTPDevice.objects.create(user=person, name="phone", confirmed=True)


def test_with_two_factor_on_a_password_alone_gets_no_token(api, person, device):
    response = obtain(api, person.email, PASSWORD)
    assert response.status_code == 400
    assert "otp_token" in response.json()
    assert not Token.objects.filter(user=person).exists()


def test_with_two_factor_on_the_current_code_gets_a_token(api, person, device):
    response = obtain(api, person.email, PASSWORD, otp_token=current_code(device))
    assert response.status_code == 200, response.json()


def test_wrong_codes_count_towards_the_lockout(api, person, device):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(api, person.email, PASSWORD, otp_token="000000").status_code == 400
    assert obtain(api, person.email, PASSWORD, otp_token="000000").status_code == 429
    device.refresh_from_db()
    assert obtain(api, person.email, PASSWORD, otp_token=current_code(device)).status_code == 429


# --- Revoking ---------------------------------------------------------------------------------


def test_a_person_revokes_their_token(api, person):
    key = obtain(api, person.email, PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(user=person).exists()
    response = api.get("/api/v1/memberships/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_revoking_touches_only_your_own_token(api, person):
    other = UserFactory()
    theirs = Token.objects.create(user=other)
    key = obtain(api, person.email, PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.delete(TOKEN_URL)
    assert Token.objects.filter(pk=theirs.pk).exists()


def test_anonymous_visitor_cannot_revoke(api, person):
    Token.objects.create(user=person)
    response = api.delete(TOKEN_URL)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert Token.objects.filter(user=person).exists()


def test_a_token_made_as_a_citizen_carries_no_official_powers_until_two_factor_is_set_up(api, table):
    person = make_member(table, Role.CITIZEN).user
    key = Token.objects.create(user=person).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/memberships/").status_code == 200
    membership = Membership.objects.get(user=person, table=table)
    membership_change_role(membership=membership, role=Role.SECRETARIAT,
                           actor=table.memberships.get(role=Role.SECRETARIAT).user)

    refused = api.patch(f"/api/v1/tables/{table.slug}/", {"city": "Chihuahua"}, format="json")
    assert refused.status_code == 403
    with translation.override(person.language):  # the API speaks the person's language
        assert refused.json()["detail"] == str(TwoFactorNotSetUp.default_detail)
    table.refresh_from_db()
    assert table.city != "Chihuahua"

    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    allowed = api.patch(f"/api/v1/tables/{table.slug}/", {"city": "Chihuahua"}, format="json")
    assert allowed.status_code == 200, allowed.json()


def test_a_citizens_token_needs_no_second_factor(api, citizen):
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=citizen).key}")
    assert api.get("/api/v1/memberships/").status_code == 200


def test_a_made_up_token_is_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/tables/")
    assert response.status_code == 401
    assert "detail" in response.json()


# --- Session and CSRF ------------------------------------------------------------------------


def test_a_browser_session_must_send_the_csrf_token_to_write(table, secretariat):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(secretariat)
    response = browser.patch(f"/api/v1/tables/{table.slug}/", {"city": "Chihuahua"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    table.refresh_from_db()
    assert table.city != "Chihuahua"


def test_a_token_needs_no_csrf_token(table, secretariat):
    script = APIClient(enforce_csrf_checks=True)
    script.credentials(HTTP_AUTHORIZATION=f"Token {api_token(secretariat)}")
    response = script.patch(f"/api/v1/tables/{table.slug}/", {"city": "Chihuahua"}, format="json")
    assert response.status_code == 200
    table.refresh_from_db()
    assert table.city == "Chihuahua"
