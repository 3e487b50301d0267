"""Who may see and run sessions, minutes, agreements and proposals: the rules of
meetings.permissions and meetings.querysets, from the side of the person refused."""

import pytest
from django.contrib.auth.models import AnonymousUser

from meetings import permissions
from meetings.models import Agreement, Proposal, Session
from meetings.services import agreement_record
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.meetings.factories import draft_proposal, held_session, schedule_session, submitted_proposal
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db


def test_only_the_secretariat_schedules_plenaries(table, secretariat, citizen, official,
                                                   justice_coordinator, other_secretariat, outsider):
    assert permissions.can_schedule(secretariat, table)
    for refused in (citizen, official, justice_coordinator, other_secretariat, outsider, AnonymousUser()):
        assert not permissions.can_schedule(refused, table)


def test_coordinators_schedule_only_their_subcommittees_sessions(table, justice, rights, secretariat,
                                                                 justice_coordinator, citizen):
    assert permissions.can_schedule(justice_coordinator, table, justice)
    assert not permissions.can_schedule(justice_coordinator, table, rights)
    assert permissions.can_schedule(secretariat, table, rights)
    assert not permissions.can_schedule(citizen, table, justice)
    assert permissions.schedulable_subcommittees(justice_coordinator, table) == [justice]
    assert permissions.can_schedule_anything(justice_coordinator, table)
    assert not permissions.can_schedule_anything(citizen, table)


def test_a_coordinator_of_another_subcommittee_cannot_organise(table, justice, rights,
                                                               justice_coordinator):
    other = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=rights, users=[other])
    session = schedule_session(table, subcommittee=justice)
    assert permissions.can_organise(justice_coordinator, session)
    assert not permissions.can_organise(other, session)
    assert not permissions.can_organise(justice_coordinator, schedule_session(table))  # a plenary


def test_another_tables_secretariat_cannot_touch_this_table(table, other_secretariat, secretariat):
    session = held_session(table)
    agreement = agreement_record(session=session, actor=secretariat, text="Acuerdo")
    proposal = submitted_proposal(table)
    assert not permissions.can_organise(other_secretariat, session)
    assert not permissions.can_approve_minutes(other_secretariat, session)
    assert not permissions.can_withdraw_agreement(other_secretariat, agreement)
    assert not permissions.can_edit_proposal(other_secretariat, proposal)
    assert not permissions.can_decide_proposal(other_secretariat, proposal)
    assert not permissions.can_rsvp(other_secretariat, session)


def test_only_the_secretariat_approves_minutes_and_withdraws_agreements(table, justice, secretariat,
                                                                       justice_coordinator):
    session = held_session(table, subcommittee=justice)
    agreement = agreement_record(session=session, actor=justice_coordinator, text="Acuerdo")
    assert permissions.can_organise(justice_coordinator, session)
    assert not permissions.can_approve_minutes(justice_coordinator, session)
    assert not permissions.can_withdraw_agreement(justice_coordinator, agreement)
    assert permissions.can_approve_minutes(secretariat, session)
    assert permissions.can_withdraw_agreement(secretariat, agreement)


def _visible(model, user):
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


def test_public_sessions_of_public_tables_are_open_to_everyone(table, citizen, outsider):
    open_session = schedule_session(table)
    closed_session = schedule_session(table, is_public=False)
    private_table = TableFactory(is_public=False, secretariat=UserFactory())
    private_session = schedule_session(private_table)
    for viewer in (AnonymousUser(), outsider):
        assert _visible(Session, viewer) == {open_session.pk}
        assert permissions.can_view_session(viewer, open_session)
        assert not permissions.can_view_session(viewer, closed_session)
        assert not permissions.can_view_session(viewer, private_session)
    assert _visible(Session, citizen) == {open_session.pk, closed_session.pk}
    assert permissions.can_view_session(citizen, closed_session)


def test_agreements_follow_their_sessions_visibility(table, secretariat, outsider, citizen):
    public = agreement_record(session=held_session(table), actor=secretariat, text="Público")
    closed = agreement_record(session=held_session(table, is_public=False), actor=secretariat,
                              text="Reservado")
    assert _visible(Agreement, AnonymousUser()) == {public.pk}
    assert _visible(Agreement, outsider) == {public.pk}
    assert _visible(Agreement, citizen) == {public.pk, closed.pk}


def test_draft_proposals_are_seen_only_by_their_coordinators_and_the_secretariat(
        table, justice, rights, secretariat, justice_coordinator, citizen, other_secretariat):
    draft = draft_proposal(table, subcommittee=justice, actor=justice_coordinator)
    submitted = submitted_proposal(table, subcommittee=justice)
    other = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=rights, users=[other])
    assert _visible(Proposal, justice_coordinator) == {draft.pk, submitted.pk}
    assert _visible(Proposal, secretariat) == {draft.pk, submitted.pk}
    for refused in (citizen, other, other_secretariat, AnonymousUser()):
        assert _visible(Proposal, refused) == {submitted.pk}


def test_a_global_permission_opens_no_session(table, outsider):
    from django.contrib.auth.models import Permission

    closed = schedule_session(table, is_public=False)
    outsider.user_permissions.add(*Permission.objects.filter(codename__in=(
        "view_table_content", "change_table", "coordinate_subcommittee")))
    outsider = type(outsider).objects.get(pk=outsider.pk)
    assert closed.pk not in _visible(Session, outsider)
    assert not permissions.can_organise(outsider, closed)
