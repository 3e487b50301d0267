import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts.models import User
from mesa import services as mesa_services
from tests.accounts.factories import UserFactory

SIGNUP_URL = reverse("accounts:signup")
DONE_URL = reverse("accounts:signup-done")
GOOD_PASSWORD = "tamarind kettle under the bridge"

pytestmark = pytest.mark.django_db


def signup_data(**overrides) -> dict:
    data = {
        "email": "Nueva.Persona@Example.org",
        "display_name": "Nueva Persona",
        "language": "en",
        "phone": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "next": "",
    }
    data.update(overrides)
    return data


def link_in(mail) -> str:
    return re.search(r"https?://\S+", mail.body).group()


def test_signup_creates_an_unconfirmed_account_and_mails_one_link_that_confirms_it(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, signup_data(phone="+52 656 123 4567"))

    assertRedirects(response, DONE_URL)
    user = User.objects.get()
    assert user.email == "nueva.persona@example.org"
    assert user.display_name == "Nueva Persona"
    assert user.language == "en"
    assert user.phone == "+52 656 123 4567"
    assert user.is_active and user.email_verified_at is None
    assert user.check_password(GOOD_PASSWORD)
    assert "_auth_user_id" not in client.session  # not logged in: the same answer as a duplicate

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["nueva.persona@example.org"]
    assert mail.subject == "Confirm your email address for Mesa"
    link = link_in(mail)
    assert link.startswith(settings.MESA_BASE_URL + "/accounts/verify/")

    response = client.get(urlsplit(link).path)
    assertRedirects(response, reverse("accounts:login"))
    user.refresh_from_db()
    assert user.is_email_verified


def test_the_verification_mail_speaks_the_chosen_language_not_the_page_language(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "es"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, signup_data(language="en"))
    assert mailoutbox[0].subject == "Confirm your email address for Mesa"
    assert "The link works for 72 hours." in mailoutbox[0].body


def test_signup_done_page_says_to_check_the_email(client):
    client.cookies["django_language"] = "en"
    response = client.get(DONE_URL)
    assertContains(response, "Check your email")
    assertContains(response, "72 hours")


def test_signup_with_a_registered_address_answers_the_same_and_creates_nothing(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="taken@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = client.post(SIGNUP_URL, signup_data(email="TAKEN@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        fresh = client.post(SIGNUP_URL, signup_data(email="fresh@example.org"))

    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate["Location"] == fresh["Location"] == DONE_URL
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.display_name != "Nueva Persona"
    assert owner.check_password("correct horse battery staple")  # untouched
    # The owner is told, without a link that would do anything.
    notice = next(m for m in mailoutbox if m.to == ["taken@example.org"])
    assert notice.subject == "You already have an account on Mesa"
    assert "/accounts/verify/" not in notice.body


def test_signup_again_with_an_unconfirmed_address_mails_a_fresh_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="waiting@example.org", email_verified_at=None, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, signup_data(email="waiting@example.org"))
    assertRedirects(response, DONE_URL)
    assert User.objects.filter(email="waiting@example.org").count() == 1
    assert len(mailoutbox) == 1
    assert "/accounts/verify/" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password1": "short", "password2": "short"}, "password2"),
        ({"password1": "1234567890123", "password2": "1234567890123"}, "password2"),
        ({"password1": "password1234", "password2": "password1234"}, "password2"),
        ({"password2": "something else entirely"}, "password2"),
        ({"password1": "nueva.persona@example.org", "password2": "nueva.persona@example.org"},
         "password2"),
        ({"email": "not-an-address"}, "email"),
        ({"display_name": "   "}, "display_name"),
        ({"language": "fr"}, "language"),
        ({"phone": "call me maybe"}, "phone"),
    ],
)
def test_bad_input_gives_form_errors_and_creates_nothing(
    client, mailoutbox, django_capture_on_commit_callbacks, overrides, field
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP_URL, signup_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assertContains(response, 'class="form-errors"')
    assertContains(response, f'id="id_{field}_error"')
    assert not User.objects.exists()
    assert mailoutbox == []


def test_signup_page_defaults_the_language_to_the_page_language(client):
    client.cookies["django_language"] = "en"
    response = client.get(SIGNUP_URL)
    assert response.context["form"]["language"].value() == "en"
    assertContains(response, '<html lang="en">')
    assertContains(response, "Sign up")

    client.cookies["django_language"] = "es"
    response = client.get(SIGNUP_URL)
    assert response.context["form"]["language"].value() == "es"
    assert response["Content-Language"] == "es"
    assertContains(response, '<html lang="es">')


def test_logged_in_people_are_sent_away_from_signup(client, outsider):
    client.force_login(outsider)
    assertRedirects(client.get(SIGNUP_URL), reverse("accounts:profile"))
    response = client.post(SIGNUP_URL, signup_data())
    assertRedirects(response, reverse("accounts:profile"))
    assert User.objects.count() == 1


def test_next_travels_through_the_mail_to_the_login_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    response = client.get(SIGNUP_URL + "?next=/t/mesa-juarez/join/")
    assertContains(response, 'value="/t/mesa-juarez/join/"')
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, signup_data(next="/t/mesa-juarez/join/"))
    link = urlsplit(link_in(mailoutbox[0]))
    assert parse_qs(link.query) == {"next": ["/t/mesa-juarez/join/"]}
    response = client.get(f"{link.path}?{link.query}")
    assertRedirects(
        response, reverse("accounts:login") + "?next=%2Ft%2Fmesa-juarez%2Fjoin%2F",
        fetch_redirect_response=False,
    )


def test_next_to_another_site_is_dropped(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, signup_data(next="https://evil.example.com/"))
    assert "next=" not in link_in(mailoutbox[0])


def test_a_new_unconfirmed_account_cannot_join_a_table(
    client, table, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP_URL, signup_data())
    user = User.objects.get(email="nueva.persona@example.org")
    with pytest.raises(ValidationError):
        mesa_services.membership_join(table=table, user=user, role="citizen")
