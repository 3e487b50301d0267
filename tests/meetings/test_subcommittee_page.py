"""A subcommittee's page lists its upcoming sessions and offers scheduling to those who may."""

import pytest

from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.meetings.factories import schedule_session
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db


def test_subcommittee_page_lists_its_upcoming_sessions_to_whoever_may_see_them(client, table, justice,
                                                                              citizen):
    open_session = schedule_session(table, subcommittee=justice, title="Revisión de carpetas")
    schedule_session(table, subcommittee=justice, title="Sesión reservada", is_public=False)
    schedule_session(table, title="Plenaria de diciembre")
    page = client.get(justice.get_absolute_url()).content.decode()
    assert open_session.title in page
    assert "Sesión reservada" not in page
    assert "Plenaria de diciembre" not in page
    client.force_login(citizen)
    assert "Sesión reservada" in client.get(justice.get_absolute_url()).content.decode()


def test_only_its_coordinators_and_the_secretariat_are_offered_scheduling(client, table, justice,
                                                                         secretariat, citizen):
    coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=justice, users=[coordinator])
    other_coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=table.subcommittees.get(standing_theme="human_rights"),
                                  users=[other_coordinator])
    offered = {}
    for person in (coordinator, secretariat, citizen, other_coordinator):
        client.force_login(person)
        page = client.get(justice.get_absolute_url()).content.decode()
        offered[person] = "sessions/new/?subcommittee=" in page
    assert offered == {coordinator: True, secretariat: True, citizen: False, other_coordinator: False}
