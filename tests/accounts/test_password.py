import re
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET_URL = reverse("accounts:password-reset")
RESET_DONE_URL = reverse("accounts:password-reset-done")
NEW_PASSWORD = "a brand new passphrase for mesa"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def request_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(RESET_URL, {"email": email})


def reset_path(mail) -> str:
    return urlsplit(re.search(r"https?://\S+", mail.body).group()).path


def test_the_reset_page_renders(client):
    response = client.get(RESET_URL)
    assertContains(response, "Reset your password")
    assertContains(response, '<label for="id_email">')


def test_reset_mail_is_in_english_for_an_english_speaker(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "es"  # the page language does not matter
    person = UserFactory(email="ana@example.org", language="en")
    response = request_reset(client, "ANA@example.org", django_capture_on_commit_callbacks)
    assertRedirects(response, RESET_DONE_URL, fetch_redirect_response=False)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [person.email]
    assert mail.subject == "Choose a new password for Mesa"
    assert "Please go to the following page and choose a new password:" in mail.body
    assert "http://testserver" not in mail.body  # links start with MESA_BASE_URL


def test_reset_mail_is_in_spanish_for_a_spanish_speaker(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="luis@example.org", language="es")
    request_reset(client, "luis@example.org", django_capture_on_commit_callbacks)
    assert "elige una contraseña nueva" in mailoutbox[0].body
    assert "choose a new password" not in mailoutbox[0].body


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    response = request_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assertRedirects(response, RESET_DONE_URL, fetch_redirect_response=False)
    assert mailoutbox == []


def test_no_reset_mail_for_a_deactivated_account(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="gone@example.org", is_active=False)
    request_reset(client, "gone@example.org", django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_the_reset_link_sets_a_new_password_once(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="ana@example.org", language="en")
    request_reset(client, person.email, django_capture_on_commit_callbacks)
    path = reset_path(mailoutbox[0])

    response = client.get(path)  # Django moves the token into the session, out of the URL
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.get(form_url)
    assertContains(response, "Choose a new password")
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assertRedirects(response, reverse("accounts:password-reset-complete"))
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)

    assertContains(client.get(path, follow=True), "This link does not work")


def test_a_weak_new_password_is_refused(client, mailoutbox, django_capture_on_commit_callbacks):
    person = UserFactory(email="ana@example.org")
    request_reset(client, person.email, django_capture_on_commit_callbacks)
    form_url = client.get(reset_path(mailoutbox[0]))["Location"]
    response = client.post(form_url, {"new_password1": "12345", "new_password2": "12345"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_a_reset_confirms_the_address_and_lifts_the_lockout(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="ana@example.org", email_verified_at=None)
    login_url = reverse("accounts:login")
    for attempt in range(5):
        client.post(login_url, {"username": person.email, "password": f"wrong {attempt}"})
    assert AccessAttempt.objects.filter(username=person.email).exists()

    request_reset(client, person.email, django_capture_on_commit_callbacks)
    form_url = client.get(reset_path(mailoutbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    person.refresh_from_db()
    assert person.is_email_verified  # the link proved the mailbox is theirs
    response = client.post(login_url, {"username": person.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_password_change_requires_login(client):
    url = reverse("accounts:password-change")
    response = client.get(url)
    assertRedirects(response, f"{reverse('accounts:login')}?next={url}", fetch_redirect_response=False)


def test_password_change_checks_the_old_password(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("accounts:password-change"), {
        "old_password": "not my password",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)


def test_password_change_saves_and_keeps_the_session(client, outsider):
    client.force_login(outsider)
    assertContains(client.get(reverse("accounts:password-change")), "Change your password")
    response = client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    })
    assertRedirects(response, reverse("accounts:password-change-done"))
    assert User.objects.get(pk=outsider.pk).check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(outsider.pk)
