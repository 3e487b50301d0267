"""Fixtures of the indicators tests: the performance-indicators subcommittee and its
coordinator, the coordinator of another subcommittee, and an API client in English."""

import pytest

from mesa.models import Role
from subcommittees.models import Subcommittee
from subcommittees.services import subcommittee_set_coordinators
from tests.indicators.factories import indicator
from tests.meetings.conftest import api, as_user  # noqa: F401  (messages in English)
from tests.mesa.factories import make_member


@pytest.fixture
def indicators_subcommittee(table):
    return table.subcommittees.get(standing_theme=Subcommittee.Theme.INDICATORS)


@pytest.fixture
def indicators_coordinator(table, indicators_subcommittee):
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=indicators_subcommittee, users=[user])
    return user


@pytest.fixture
def justice_coordinator(table):
    """Coordinates access to justice, not the indicators."""
    user = make_member(table, Role.COORDINATOR).user
    justice = table.subcommittees.get(standing_theme=Subcommittee.Theme.ACCESS_TO_JUSTICE)
    subcommittee_set_coordinators(subcommittee=justice, users=[user])
    return user


@pytest.fixture
def extortion(table):
    return indicator(table, "extortion")
