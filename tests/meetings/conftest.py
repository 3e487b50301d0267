"""Fixtures of the sessions tests: two standing subcommittees with their coordinators, and an
API client that reads messages in English (the people the factories make prefer Spanish)."""

import pytest
from rest_framework.test import APIClient

from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.mesa.factories import make_member


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


# --- Two standing subcommittees and their coordinators -------------------------------


@pytest.fixture
def justice(table):
    return table.subcommittees.get(standing_theme="access_to_justice")


@pytest.fixture
def rights(table):
    return table.subcommittees.get(standing_theme="human_rights")


def _coordinator_of(table, subcommittee):
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
    return user


@pytest.fixture
def justice_coordinator(table, justice):
    return _coordinator_of(table, justice)


@pytest.fixture
def rights_coordinator(table, rights):
    return _coordinator_of(table, rights)


# --- The API tests' subcommittee, its coordinator and a coordinator of another one ---------


@pytest.fixture
def subcommittee(justice):
    return justice


@pytest.fixture
def sub_coordinator(coordinator, subcommittee):
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    return coordinator


@pytest.fixture
def other_coordinator(table, subcommittee):
    """Coordinates another subcommittee of the same table."""
    other = table.subcommittees.exclude(pk=subcommittee.pk).order_by("pk").first()
    return _coordinator_of(table, other)
