"""The state attorney's office of the reminder tests, and one of its verified officials."""

import pytest

from tests.commitments.factories import institution, official_of


@pytest.fixture
def fge(table):
    return institution(table, "Fiscalía General del Estado")


@pytest.fixture
def fiscal(fge):
    return official_of(fge)
