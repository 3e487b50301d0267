"""Fixtures of the commitments tests: the plenary's agreement naming the state attorney's
office (FGE) and the National Guard, a commitment of the FGE for 200 prosecutors, and
officials of the FGE and of another institution."""

import pytest

from mesa.models import GovernmentLevel
from tests.commitments.factories import institution, official_of, record_agreement, record_commitment
from tests.meetings.conftest import api, as_user  # noqa: F401  (messages in English)


@pytest.fixture
def fge(table):
    return institution(table, "Fiscalía General del Estado", GovernmentLevel.STATE, "FGE")


@pytest.fixture
def guard(table):
    return institution(table, "Guardia Nacional", GovernmentLevel.FEDERAL, "GN")


@pytest.fixture
def police(table):
    return institution(table, "Policía Municipal", GovernmentLevel.MUNICIPAL, "SSPM")


@pytest.fixture
def fge_official(fge):
    return official_of(fge)


@pytest.fixture
def police_official(police):
    return official_of(police)


@pytest.fixture
def unverified_fge_official(fge):
    return official_of(fge, verified=False)


@pytest.fixture
def agreement(table, fge, guard):
    return record_agreement(table, institutions=[fge, guard])


@pytest.fixture
def commitment(agreement, fge):
    return record_commitment(agreement, institution=fge, unit="agentes del ministerio público",
                             requested=200, committed=40)
