import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts.models import User
from accounts.tokens import email_verification_token, encode_uid
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

RESEND_URL = reverse("accounts:verify-resend")
DONE_URL = reverse("accounts:signup-done")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def unconfirmed(db) -> User:
    return UserFactory(email="waiting@example.org", email_verified_at=None, language="en")


def verify_url(user: User, token: str | None = None) -> str:
    token = token or email_verification_token.make_token(user)
    return reverse("accounts:verify", kwargs={"uidb64": encode_uid(user), "token": token})


def test_a_valid_link_confirms_the_address_and_sends_to_login(client, unconfirmed):
    response = client.get(verify_url(unconfirmed))
    assertRedirects(response, reverse("accounts:login"), fetch_redirect_response=False)
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at is not None
    assert "_auth_user_id" not in client.session  # the link alone never logs anyone in
    response = client.get(response["Location"])
    assertContains(response, "your email address is confirmed")


def test_a_valid_link_opened_while_logged_in_goes_to_the_profile(client, unconfirmed):
    client.force_login(unconfirmed)
    assertRedirects(client.get(verify_url(unconfirmed)), reverse("accounts:profile"))
    unconfirmed.refresh_from_db()
    assert unconfirmed.is_email_verified


@pytest.mark.parametrize("token", ["wrong-token", "zzzzzzzzzzzzzzzzzz-abc", "nodash", "1-"])
def test_a_wrong_token_shows_a_clear_page_with_a_resend_form(client, unconfirmed, token):
    response = client.get(verify_url(unconfirmed, token))
    assert response.status_code == 200
    assertContains(response, "This link does not work")
    assertContains(response, f'action="{RESEND_URL}"')
    assertContains(response, 'name="email"')
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at is None


@pytest.mark.parametrize("uidb64", ["", "!!", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", "YWJj"])
def test_a_malformed_or_unknown_user_id_shows_the_same_page(client, unconfirmed, uidb64):
    token = email_verification_token.make_token(unconfirmed)
    response = client.get(f"/accounts/verify/{uidb64}/{token}/")
    if uidb64 == "":  # no such URL at all
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assertContains(response, "This link does not work")


def test_an_expired_link_does_not_confirm(client, unconfirmed, settings):
    url = verify_url(unconfirmed)
    settings.ACCOUNT_VERIFICATION_MAX_AGE = -1  # every token is now older than allowed
    response = client.get(url)
    assertContains(response, "This link does not work", status_code=200)
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at is None


def test_a_link_works_once(client, unconfirmed):
    url = verify_url(unconfirmed)
    client.get(url)
    unconfirmed.refresh_from_db()
    first = unconfirmed.email_verified_at
    response = client.get(url)
    assertContains(response, "This link does not work")
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at == first


def test_a_link_for_another_address_does_not_confirm(client, unconfirmed):
    url = verify_url(unconfirmed)
    User.objects.filter(pk=unconfirmed.pk).update(email="changed@example.org")
    assertContains(client.get(url), "This link does not work")


def test_a_deactivated_account_cannot_be_confirmed(client, unconfirmed):
    url = verify_url(unconfirmed)
    User.objects.filter(pk=unconfirmed.pk).update(is_active=False)
    assertContains(client.get(url), "This link does not work")
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at is None


def test_the_resend_page_renders(client):
    response = client.get(RESEND_URL)
    assertContains(response, "Get a new confirmation link")
    assertContains(response, '<label for="id_email">')


def test_resend_answers_the_same_for_known_unknown_and_confirmed_addresses(
    client, unconfirmed, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    answers = []
    for email in ["WAITING@example.org", "nobody@example.org", outsider.email]:
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(client.post(RESEND_URL, {"email": email}))
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, DONE_URL)}
    # Only the unconfirmed account gets mail, and its new link works.
    assert [m.to for m in mailoutbox] == [["waiting@example.org"]]
    link = re.search(r"https?://\S+", mailoutbox[0].body).group()
    client.get(urlsplit(link).path)
    unconfirmed.refresh_from_db()
    assert unconfirmed.is_email_verified


def test_resend_with_a_bad_address_shows_a_form_error(client, mailoutbox):
    response = client.post(RESEND_URL, {"email": "not an address"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert mailoutbox == []


def test_a_logged_in_unconfirmed_person_resends_to_their_own_address(
    client, unconfirmed, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(unconfirmed)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND_URL, {"email": "someone.else@example.org"})
    assertRedirects(response, reverse("accounts:profile"))
    assert [m.to for m in mailoutbox] == [["waiting@example.org"]]


def test_a_logged_in_confirmed_person_gets_no_mail(
    client, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND_URL)
    assertRedirects(response, reverse("accounts:profile"))
    assert mailoutbox == []


def test_an_unconfirmed_person_can_log_in_and_sees_the_notice_on_their_profile(
    client, unconfirmed
):
    response = client.post(
        reverse("accounts:login"),
        {"username": "waiting@example.org", "password": "correct horse battery staple"},
    )
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    response = client.get(reverse("accounts:profile"))
    assertContains(response, "Confirm your email address")
    assertContains(response, "not confirmed")
    assertContains(response, f'action="{RESEND_URL}"')


def test_a_confirmed_person_sees_no_notice(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("accounts:profile"))
    assertContains(response, "confirmed")
    assert "Confirm your email address" not in response.content.decode()
