import pytest
from django.urls import reverse
from pytest_django.asserts import assertRedirects

pytestmark = pytest.mark.django_db

URL = reverse("accounts:set-language")


def test_a_signed_in_persons_choice_is_saved_on_their_profile(client, outsider):
    assert outsider.language == "es"
    client.force_login(outsider)
    response = client.post(URL, {"language": "en", "next": "/accounts/profile/"})
    assertRedirects(response, "/accounts/profile/", fetch_redirect_response=False)
    assert response.cookies["django_language"].value == "en"
    outsider.refresh_from_db()
    assert outsider.language == "en"


def test_the_saved_choice_follows_the_person_to_a_new_browser(client, outsider):
    client.force_login(outsider)
    client.post(URL, {"language": "en", "next": "/"})
    client.cookies.clear()
    client.force_login(outsider)
    assert client.get(reverse("accounts:profile"))["Content-Language"] == "en"


def test_an_anonymous_visitor_gets_the_cookie_only(client, outsider):
    response = client.post(URL, {"language": "en", "next": "/"})
    assertRedirects(response, "/", fetch_redirect_response=False)
    assert response.cookies["django_language"].value == "en"
    outsider.refresh_from_db()
    assert outsider.language == "es"


@pytest.mark.parametrize("language", ["fr", "", "en-zz-bogus"])
def test_an_unknown_language_changes_nothing(client, outsider, language):
    client.force_login(outsider)
    response = client.post(URL, {"language": language, "next": "/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    outsider.refresh_from_db()
    assert outsider.language == "es"


def test_a_get_only_redirects(client, outsider):
    client.force_login(outsider)
    response = client.get(URL, {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    outsider.refresh_from_db()
    assert outsider.language == "es"


def test_next_to_another_site_is_ignored(client):
    response = client.post(URL, {"language": "en", "next": "https://evil.example.com/"})
    assertRedirects(response, "/", fetch_redirect_response=False)
