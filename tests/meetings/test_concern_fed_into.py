"""The concern page's "Proposals and agreements from this concern": what a concern fed,
as far as the viewer may see it."""

import pytest

from meetings import services
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.meetings.factories import (
    draft_proposal,
    held_session,
    schedule_session,
    secretariat_of,
    start_session,
    submitted_proposal,
)
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

HEADING = "Proposals and agreements from this concern"


@pytest.fixture
def concern(table, justice):
    return raise_concern(table, reporter=secretariat_of(table), subcommittee=justice,
                         title="Los casos de extorsión no avanzan")


def page(client, concern) -> str:
    client.cookies["django_language"] = "en"
    return client.get(concern.get_absolute_url()).content.decode()


def test_the_concern_lists_its_proposals_and_the_agreements_that_name_it_or_adopted_them(client, table,
                                                                                       concern):
    plenary = schedule_session(table)
    proposal = submitted_proposal(table, session=plenary, concerns=[concern], title="200 agentes")
    start_session(plenary)
    secretariat = secretariat_of(table)
    adopting = services.agreement_record(session=plenary, actor=secretariat, text="Se adopta la propuesta.",
                                         proposals=[proposal])
    naming = services.agreement_record(session=plenary, actor=secretariat, text="Se atiende el caso.",
                                       concerns=[concern])
    services.agreement_withdraw(agreement=naming, actor=secretariat, reason="Duplicado")
    services.agreement_record(session=plenary, actor=secretariat, text="Otro asunto.")
    html = page(client, concern)
    section = html[html.index(HEADING):]
    assert "200 agentes" in section and "Agreed" in section
    assert adopting.code in section and naming.code in section
    assert "In force" in section and "Withdrawn" in section
    assert f"{plenary.code}/3" not in section


def test_an_agreement_that_names_the_concern_and_adopts_its_proposal_shows_once(client, table, concern):
    plenary = schedule_session(table)
    proposal = submitted_proposal(table, session=plenary, concerns=[concern])
    start_session(plenary)
    agreement = services.agreement_record(session=plenary, actor=secretariat_of(table), text="Acuerdo",
                                          concerns=[concern], proposals=[proposal])
    html = page(client, concern)
    assert html.count(agreement.get_absolute_url()) == 1


def test_a_draft_shows_only_to_its_coordinators_and_the_secretariat(client, table, justice, concern, citizen):
    draft_proposal(table, subcommittee=justice, concerns=[concern], title="Borrador de propuesta")
    client.force_login(citizen)
    assert "Borrador de propuesta" not in page(client, concern)
    coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=justice, users=[coordinator])
    client.force_login(coordinator)
    assert "Borrador de propuesta" in page(client, concern)


def test_an_agreement_of_a_session_closed_to_the_public_shows_only_to_members(client, table, concern,
                                                                             citizen):
    closed = held_session(table, is_public=False)
    agreement = services.agreement_record(session=closed, actor=secretariat_of(table), text="Acuerdo cerrado",
                                          concerns=[concern])
    assert agreement.code not in page(client, concern)
    client.force_login(citizen)
    assert agreement.code in page(client, concern)


def test_nothing_is_shown_when_the_concern_fed_nothing(client, concern):
    assert HEADING not in page(client, concern)
