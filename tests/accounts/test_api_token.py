import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")
CREATE_URL = reverse("accounts:api-token-create")
REGENERATE_URL = reverse("accounts:api-token-regenerate")
REVOKE_URL = reverse("accounts:api-token-revoke")
BACK = PROFILE_URL + "#api-token"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def test_creating_a_token_shows_it_once(client, outsider):
    client.force_login(outsider)
    assertContains(client.get(PROFILE_URL), "Create a token")
    assertRedirects(client.post(CREATE_URL), BACK, fetch_redirect_response=False)
    token = Token.objects.get(user=outsider)

    first = client.get(PROFILE_URL)
    assertContains(first, token.key)
    assertContains(first, "it will not be shown again")
    second = client.get(PROFILE_URL)
    assert token.key not in second.content.decode()
    assertContains(second, "You have a token")


def test_the_token_authenticates_api_requests(client, outsider):
    client.force_login(outsider)
    client.post(CREATE_URL)
    key = Token.objects.get(user=outsider).key
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.test import APIRequestFactory

    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")
    user, _token = TokenAuthentication().authenticate(request)
    assert user == outsider


def test_creating_a_second_token_is_refused_and_keeps_the_first(client, outsider):
    existing = Token.objects.create(user=outsider)
    client.force_login(outsider)
    client.post(CREATE_URL)
    assert list(Token.objects.filter(user=outsider)) == [existing]
    response = client.get(PROFILE_URL)
    assertContains(response, "You already have an API token.")
    assert existing.key not in response.content.decode()


def test_regenerating_asks_first_then_replaces_the_token(client, outsider):
    old = Token.objects.create(user=outsider)
    client.force_login(outsider)
    response = client.get(REGENERATE_URL)
    assertContains(response, "Regenerate your API token?")
    assertContains(response, f'action="{REGENERATE_URL}"')
    assert Token.objects.get(user=outsider).key == old.key  # a GET changes nothing

    assertRedirects(client.post(REGENERATE_URL), BACK, fetch_redirect_response=False)
    new = Token.objects.get(user=outsider)
    assert new.key != old.key
    assertContains(client.get(PROFILE_URL), new.key)


def test_revoking_asks_first_then_deletes_the_token(client, outsider):
    Token.objects.create(user=outsider)
    client.force_login(outsider)
    assertContains(client.get(REVOKE_URL), "Revoke your API token?")
    assert Token.objects.filter(user=outsider).exists()
    assertRedirects(client.post(REVOKE_URL), BACK, fetch_redirect_response=False)
    assert not Token.objects.filter(user=outsider).exists()
    assertContains(client.get(PROFILE_URL), "Your API token is revoked.")


def test_confirmation_pages_without_a_token_go_back_to_the_profile(client, outsider):
    client.force_login(outsider)
    assertRedirects(client.get(REVOKE_URL), BACK, fetch_redirect_response=False)
    assertRedirects(client.get(REGENERATE_URL), BACK, fetch_redirect_response=False)


def test_token_pages_refuse_anonymous_visitors(client, outsider):
    for url in (CREATE_URL, REGENERATE_URL, REVOKE_URL):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not Token.objects.exists()


def test_create_refuses_get(client, outsider):
    client.force_login(outsider)
    assert client.get(CREATE_URL).status_code == 405
    assert not Token.objects.exists()


def test_one_person_cannot_touch_another_persons_token(client, outsider, citizen):
    theirs = Token.objects.create(user=citizen)
    client.force_login(outsider)
    client.post(REVOKE_URL)
    client.post(REGENERATE_URL)
    assert Token.objects.get(user=citizen).key == theirs.key
