"""Fixtures for the API tests: a DRF client and a clean cache (throttle counters)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters live in the cache (Redis) and would leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(api):
    """`as_user(person)` signs `person` in (by session, as the browser does); None = anonymous."""

    def sign_in(user):
        api.logout()
        if user is not None:
            api.force_login(user)
        return api

    return sign_in
