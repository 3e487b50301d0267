"""The API tests of sessions read error messages in English: the people the factories
make prefer Spanish, so the API client states its language choice explicitly."""

import pytest
from rest_framework.test import APIClient


def _in_english(client: APIClient) -> APIClient:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def api():
    return _in_english(APIClient())


@pytest.fixture
def as_user(api):
    """`as_user(person)` signs `person` in (by session, as the browser does); None = anonymous.
    Signing out forgets cookies, so the language choice is set again."""

    def sign_in(user):
        api.logout()
        if user is not None:
            api.force_login(user)
        return _in_english(api)

    return sign_in
