"""Fuzzing (issue 10): schemathesis against the OpenAPI schema at /api/v1/schema/.

Requests go to the WSGI app in-process (no server), with DRF token auth. One small table is
seeded for the module (concerns, sessions, a proposal, an agreement, a commitment with an
update) and path parameters are pointed at its rows. Every GET operation runs 6 generated
examples as anonymous, a citizen member and the table's secretariat; every unsafe operation
(POST/PUT/PATCH/DELETE) runs 2 as the citizen and as the secretariat, each test in a savepoint
rolled back after it. Checks: no 500s, and response bodies conform to the schema. Status-code
conformance is left out: DRF's 400 (bad filter), 404 (bad page) etc. are not documented per
operation by drf-spectacular. Kept under 90 s with -n 0.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from mesa.models import Role
from tests.accounts.factories import UserFactory, api_token
from tests.commitments.factories import (
    institution,
    official_of,
    post_update,
    record_agreement,
    record_commitment,
)
from tests.concerns.factories import raise_concern
from tests.meetings.factories import held_session, schedule_session, submitted_proposal
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db

# Only the random fuzzing phase: the coverage phase ignores max_examples, and drf-spectacular's
# schema has no explicit examples.
_CONFIG = SchemathesisConfig.from_dict({"phases": {"examples": {"enabled": False},
                                                   "coverage": {"enabled": False},
                                                   "stateful": {"enabled": False}}})

# The werkzeug client behind from_wsgi asks for http://localhost/; loading the schema happens at
# collection, before pytest-django adds its own test host.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), config=_CONFIG)

CHECKS = [not_a_server_error, response_schema_conformance]
SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": list(HealthCheck)}

get_schema = schema.include(method="GET")
unsafe_schema = schema.exclude(method="GET")

PEOPLE = ["anonymous", "citizen", "secretariat"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One small table for the whole module, inside a transaction rolled back at its end; each
    test runs in a savepoint within it (pytest-django's `db`), so seeding happens once.

    The WSGI handler closes the database connection after each request, which would end the
    transaction; Django's test client unhooks the same signal handler."""
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost"]), django_db_blocker.unblock():
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield _seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def _seed():
    table = TableFactory(secretariat=UserFactory(display_name="Secretaría"))
    secretariat = table.memberships.get(role=Role.SECRETARIAT).user
    citizen = make_member(table, Role.CITIZEN).user
    ministry = institution(table, "Fiscalía General del Estado", acronym="FGE")
    official = official_of(ministry)
    concern = raise_concern(table, reporter=citizen)
    raise_concern(table, reporter=citizen, visibility="anonymous", title="Robo en el transporte")
    session = schedule_session(table)
    proposal = submitted_proposal(table, session=session)
    agreement = record_agreement(table, institutions=[ministry], session=held_session(table))
    commitment = record_commitment(agreement, institution=ministry)
    update = post_update(commitment, official)
    membership = table.memberships.get(user=citizen, role=Role.CITIZEN)
    ids = {
        "tables": {"slug": table.slug},
        "subcommittees": {"id": table.subcommittees.first().pk},
        "institutions": {"id": ministry.pk},
        "memberships": {"id": membership.pk},
        "concerns": {"id": concern.pk},
        "sessions": {"id": session.pk},
        "proposals": {"id": proposal.pk},
        "agreements": {"id": agreement.pk},
        "commitments": {"id": commitment.pk, "update_pk": update.pk},
    }
    tokens = {"anonymous": None,
              "citizen": api_token(citizen),
              "secretariat": api_token(secretariat)}
    return ids, tokens


def _call(case, seeded, who):
    ids, tokens = seeded
    resource = case.path.split("/")[3]
    for name, value in ids.get(resource, {}).items():
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = value
    headers = {"Authorization": f"Token {tokens[who]}"} if tokens[who] else {}
    case.call_and_validate(headers=headers, checks=CHECKS)


@pytest.mark.parametrize("who", PEOPLE)
@get_schema.parametrize()
@settings(max_examples=6, **SETTINGS)
def test_get_operations(case, seeded, who, db):
    _call(case, seeded, who)


@pytest.mark.parametrize("who", ["citizen", "secretariat"])
@unsafe_schema.parametrize()
@settings(max_examples=2, **SETTINGS)
def test_unsafe_operations(case, seeded, who, db):
    _call(case, seeded, who)
