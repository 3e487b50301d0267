"""The state rules of sessions, agendas, attendance, minutes, agreements and proposals,
enforced by meetings.services whatever page or endpoint calls them."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from concerns.models import Concern
from meetings import services
from meetings.models import (
    AgendaItem,
    Agreement,
    Minutes,
    Proposal,
    ProposalStatus,
    Session,
    SessionChange,
    SessionStatus,
)
from mesa.models import GovernmentLevel, Role
from tests.concerns.factories import raise_concern
from tests.meetings.factories import (
    draft_proposal,
    held_session,
    schedule_session,
    start_session,
    submitted_proposal,
)
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db


def _future(days=10, hour=18):
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


# --- Scheduling ----------------------------------------------------------------------


def test_plenary_gets_a_readable_code_from_its_local_month(table, secretariat):
    starts_at = datetime(2031, 7, 1, 10, 0, tzinfo=table.zone)
    session = services.session_schedule(table=table, actor=secretariat, title="Plenaria",
                                        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                                        place="Cabildo")
    assert session.code == "PL-2031-07"
    second = services.session_schedule(table=table, actor=secretariat, title="Extraordinaria",
                                       starts_at=starts_at + timedelta(days=10),
                                       ends_at=starts_at + timedelta(days=10, hours=2), place="Cabildo")
    assert second.code == "PL-2031-07-2"


def test_code_uses_the_month_in_the_table_zone_not_utc(table, secretariat):
    # 31 July 2031 at 20:00 in Ciudad Juárez is already 1 August in UTC.
    starts_at = datetime(2031, 7, 31, 20, 0, tzinfo=table.zone)
    session = services.session_schedule(table=table, actor=secretariat, title="Plenaria",
                                        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                                        place="Cabildo")
    assert session.code == "PL-2031-07"


def test_subcommittee_session_code_uses_the_subcommittee_initials(table, secretariat):
    subcommittee = table.subcommittees.get(standing_theme="access_to_justice")
    session = schedule_session(table, subcommittee=subcommittee, starts_at=_future())
    assert session.code.split("-")[0] == services._code_prefix(subcommittee)
    assert not session.code.startswith("PL-")


def test_plenary_invites_every_active_institution_by_default(table, secretariat):
    active = InstitutionFactory(table=table)
    InstitutionFactory(table=table, is_active=False)
    session = schedule_session(table)
    assert list(session.invited_institutions.all()) == [active]


def test_scheduling_is_recorded_on_the_timeline(table, secretariat):
    session = schedule_session(table)
    change = session.changes.get()
    assert change.kind == SessionChange.Kind.SCHEDULED
    assert change.actor == secretariat
    assert change.new_starts_at == session.starts_at


@pytest.mark.parametrize(("starts_in", "hours", "field"), [
    (timedelta(days=-1), 2, "starts_at"),
    (timedelta(days=3), -1, "ends_at"),
    (timedelta(days=3), 0, "ends_at"),
])
def test_schedule_refuses_bad_times_and_saves_nothing(table, secretariat, starts_in, hours, field):
    starts_at = timezone.now() + starts_in
    with pytest.raises(ValidationError) as error:
        services.session_schedule(table=table, actor=secretariat, title="Plenaria", starts_at=starts_at,
                                  ends_at=starts_at + timedelta(hours=hours), place="Cabildo")
    assert field in error.value.message_dict
    assert not Session.objects.exists()


def test_schedule_needs_a_place_or_a_link(table, secretariat):
    with pytest.raises(ValidationError) as error:
        schedule_session(table, place="")
    assert "place" in error.value.message_dict
    assert schedule_session(table, place="", online_url="https://meet.example.org/mesa").pk


def test_schedule_refuses_another_tables_subcommittee_and_institutions(table, other_table, secretariat):
    with pytest.raises(ValidationError) as error:
        schedule_session(table, subcommittee=other_table.subcommittees.first())
    assert "subcommittee" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        schedule_session(table, invited_institutions=[InstitutionFactory(table=other_table)])
    assert "invited_institutions" in error.value.message_dict
    assert not Session.objects.exists()


def test_schedule_refuses_an_archived_subcommittee(table):
    from subcommittees.services import subcommittee_archive

    subcommittee = subcommittee_archive(subcommittee=table.subcommittees.get(standing_theme="human_rights"))
    with pytest.raises(ValidationError):
        schedule_session(table, subcommittee=subcommittee)


# --- Rescheduling and cancelling ------------------------------------------------------


def test_reschedule_keeps_the_old_time_on_the_timeline_and_raises_the_sequence(table, secretariat):
    session = schedule_session(table, starts_at=_future(10))
    old_start, old_end = session.starts_at, session.ends_at
    new_start = _future(12)
    services.session_reschedule(session=session, actor=secretariat, starts_at=new_start,
                                ends_at=new_start + timedelta(hours=2), reason="Coincide con feriado")
    session.refresh_from_db()
    assert session.status == SessionStatus.RESCHEDULED
    assert session.starts_at == new_start
    assert session.sequence == 1
    change = session.changes.get(kind=SessionChange.Kind.RESCHEDULED)
    assert (change.old_starts_at, change.old_ends_at) == (old_start, old_end)
    assert change.new_starts_at == new_start
    assert change.reason == "Coincide con feriado"


def test_reschedule_needs_a_reason_and_a_future_time(table, secretariat):
    session = schedule_session(table)
    new_start = _future(12)
    with pytest.raises(ValidationError) as error:
        services.session_reschedule(session=session, actor=secretariat, starts_at=new_start,
                                    ends_at=new_start + timedelta(hours=1), reason="  ")
    assert "reason" in error.value.message_dict
    past = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.session_reschedule(session=session, actor=secretariat, starts_at=past,
                                    ends_at=past + timedelta(hours=1), reason="Cambio")
    assert "starts_at" in error.value.message_dict
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert session.sequence == 0


def test_cancel_needs_a_reason_and_is_final(table, secretariat):
    session = schedule_session(table)
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, actor=secretariat, reason="")
    services.session_cancel(session=session, actor=secretariat, reason="Sin quórum previsto")
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancellation_reason == "Sin quórum previsto"
    assert session.sequence == 1
    new_start = _future(20)
    with pytest.raises(ValidationError):
        services.session_reschedule(session=session, actor=secretariat, starts_at=new_start,
                                    ends_at=new_start + timedelta(hours=1), reason="Otra fecha")
    with pytest.raises(ValidationError):
        services.agenda_item_add(session=session, title="Punto")
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, actor=secretariat, reason="Otra vez")


def test_a_held_session_cannot_be_rescheduled_or_cancelled(table, secretariat):
    session = held_session(table)
    services.attendance_record(session=session, actor=secretariat, attendees=[secretariat],
                               institutions=[])
    with pytest.raises(ValidationError):
        services.session_cancel(session=session, actor=secretariat, reason="Tarde")


def test_update_of_details_raises_the_sequence_only_when_calendars_change(table, secretariat):
    session = schedule_session(table)
    services.session_update(session=session, actor=secretariat, title=session.title, place=session.place,
                            quorum=12)
    session.refresh_from_db()
    assert (session.quorum, session.sequence) == (12, 0)
    services.session_update(session=session, actor=secretariat, title=session.title, place="Otra sala")
    session.refresh_from_db()
    assert (session.place, session.sequence) == ("Otra sala", 1)


# --- Agenda --------------------------------------------------------------------------


def test_agenda_items_are_numbered_in_order_and_can_move_and_be_removed(table):
    session = schedule_session(table)
    first = services.agenda_item_add(session=session, title="Bienvenida")
    second = services.agenda_item_add(session=session, title="Propuestas")
    third = services.agenda_item_add(session=session, title="Asuntos generales")
    assert [first.position, second.position, third.position] == [1, 2, 3]
    services.agenda_item_move(item=third, up=True)
    assert list(session.agenda_items.values_list("title", flat=True)) == [
        "Bienvenida", "Asuntos generales", "Propuestas"]
    services.agenda_item_move(item=AgendaItem.objects.get(pk=first.pk), up=True)  # already first
    services.agenda_item_remove(item=AgendaItem.objects.get(pk=first.pk))
    assert list(session.agenda_items.values_list("position", "title")) == [
        (1, "Asuntos generales"), (2, "Propuestas")]


def test_agenda_item_refuses_another_tables_concern_and_saves_nothing(table, other_table):
    session = schedule_session(table)
    foreign = raise_concern(other_table, visibility="anonymous")
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(session=session, title="Extorsión", concerns=[foreign])
    assert "concerns" in error.value.message_dict
    assert not AgendaItem.objects.exists()


def test_agenda_item_refuses_a_draft_proposal(table):
    session = schedule_session(table)
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(session=session, title="Fiscales", proposals=[draft_proposal(table)])
    assert "proposals" in error.value.message_dict


def test_agenda_links_concerns_and_submitted_proposals(table):
    session = schedule_session(table)
    proposal = submitted_proposal(table, session=session)
    concern = proposal.concerns.get()
    item = services.agenda_item_add(session=session, title="Fiscales", concerns=[concern],
                                    proposals=[proposal])
    assert list(item.concerns.all()) == [concern]
    assert list(item.proposals.all()) == [proposal]


def test_agenda_is_published_the_tables_notice_before_or_when_organisers_say(table, secretariat):
    table.agenda_notice_days = 7
    table.save()
    soon = schedule_session(table, starts_at=_future(5))
    later = schedule_session(table, starts_at=_future(20))
    assert soon.is_agenda_published
    assert not later.is_agenda_published
    services.agenda_publish(session=later, actor=secretariat)
    later.refresh_from_db()
    assert later.is_agenda_published
    assert later.changes.filter(kind=SessionChange.Kind.AGENDA_PUBLISHED).count() == 1


# --- Attendance ----------------------------------------------------------------------


def test_attendance_is_refused_before_the_session_starts(table, secretariat):
    session = schedule_session(table)
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, actor=secretariat, attendees=[secretariat],
                                   institutions=[])


def test_attendance_records_people_institutions_at_their_level_and_marks_it_held(table, secretariat):
    session = held_session(table)
    official = make_member(table, Role.OFFICIAL)
    fiscalia = official.institution
    policia = InstitutionFactory(table=table, level=GovernmentLevel.MUNICIPAL)
    services.attendance_record(session=session, actor=secretariat,
                               attendees=[secretariat, official.user], institutions=[fiscalia, policia])
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert dict(session.attendances.values_list("user_id", "institution_id")) == {
        secretariat.pk: None, official.user.pk: fiscalia.pk}
    assert dict(session.institution_presences.values_list("institution_id", "level")) == {
        fiscalia.pk: GovernmentLevel.STATE, policia.pk: GovernmentLevel.MUNICIPAL}
    # Recording again replaces the record; "held" is on the timeline once.
    services.attendance_record(session=session, actor=secretariat, attendees=[secretariat],
                               institutions=[policia])
    assert session.attendances.count() == 1
    assert session.institution_presences.count() == 1
    assert session.changes.filter(kind=SessionChange.Kind.HELD).count() == 1


def test_attendance_refuses_non_members_and_other_tables_institutions(table, secretariat, outsider,
                                                                      other_table):
    session = held_session(table)
    with pytest.raises(ValidationError) as error:
        services.attendance_record(session=session, actor=secretariat, attendees=[outsider],
                                   institutions=[])
    assert "attendees" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.attendance_record(session=session, actor=secretariat, attendees=[],
                                   institutions=[InstitutionFactory(table=other_table)])
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert not session.attendances.exists()


def test_rsvp_is_one_answer_per_member_and_closes_when_the_session_is_over(table, citizen):
    session = schedule_session(table)
    services.rsvp_set(session=session, user=citizen, answer="yes")
    services.rsvp_set(session=session, user=citizen, answer="no")
    assert list(session.rsvps.values_list("answer", flat=True)) == ["no"]
    with pytest.raises(ValidationError):
        services.rsvp_set(session=session, user=citizen, answer="perhaps")
    start_session(session, ended=True)
    with pytest.raises(ValidationError):
        services.rsvp_set(session=session, user=citizen, answer="yes")


# --- Minutes -------------------------------------------------------------------------


def test_minutes_are_drafted_after_the_start_then_approved(table, secretariat):
    session = schedule_session(table)
    with pytest.raises(ValidationError):
        services.minutes_draft(session=session, actor=secretariat, text="Acta")
    start_session(session)
    draft = services.minutes_draft(session=session, actor=secretariat, text="Acta v1")
    draft = services.minutes_draft(session=session, actor=secretariat, text="Acta v1 revisada")
    assert session.minutes.count() == 1
    approved = services.minutes_approve(minutes=draft, actor=secretariat)
    assert approved.is_approved and approved.approved_by == secretariat
    assert session.changes.filter(kind=SessionChange.Kind.MINUTES_APPROVED).exists()


def test_approved_minutes_refuse_a_new_draft_and_take_a_correction_with_a_reason(table, secretariat):
    session = held_session(table)
    v1 = services.minutes_approve(
        minutes=services.minutes_draft(session=session, actor=secretariat, text="Asistieron 12."),
        actor=secretariat)
    with pytest.raises(ValidationError):
        services.minutes_draft(session=session, actor=secretariat, text="Asistieron 14.")
    with pytest.raises(ValidationError) as error:
        services.minutes_correct(session=session, actor=secretariat, text="Asistieron 14.", reason="")
    assert "reason" in error.value.message_dict
    v2 = services.minutes_correct(session=session, actor=secretariat, text="Asistieron 14.",
                                  reason="Faltaban dos firmas en la lista")
    assert (v2.version, v2.corrects, v2.is_approved) == (2, v1, False)
    with pytest.raises(ValidationError):  # one draft at a time
        services.minutes_correct(session=session, actor=secretariat, text="x", reason="y")
    services.minutes_approve(minutes=v2, actor=secretariat)
    v1.refresh_from_db()
    assert v1.text == "Asistieron 12."
    assert list(session.minutes.values_list("version", "text")) == [
        (1, "Asistieron 12."), (2, "Asistieron 14.")]


def test_minutes_cannot_be_approved_twice(table, secretariat):
    session = held_session(table)
    draft = services.minutes_draft(session=session, actor=secretariat, text="Acta")
    services.minutes_approve(minutes=draft, actor=secretariat)
    with pytest.raises(ValidationError):
        services.minutes_approve(minutes=draft, actor=secretariat)


def test_minutes_of_a_cancelled_session_are_refused(table, secretariat):
    session = schedule_session(table)
    services.session_cancel(session=session, actor=secretariat, reason="Lluvias")
    start_session(session)
    with pytest.raises(ValidationError):
        services.minutes_draft(session=session, actor=secretariat, text="Acta")
    assert not Minutes.objects.exists()


# --- Agreements ----------------------------------------------------------------------


def test_agreements_are_numbered_per_session_with_a_readable_code(table, secretariat):
    session = held_session(table)
    first = services.agreement_record(session=session, actor=secretariat, text="Primero")
    second = services.agreement_record(session=session, actor=secretariat, text="Segundo")
    assert (first.number, second.number) == (1, 2)
    assert second.code == f"{session.code}/2"
    other = held_session(table, title="Otra plenaria")
    assert services.agreement_record(session=other, actor=secretariat, text="Uno").number == 1


def test_agreement_adopting_a_proposal_marks_it_agreed(table, secretariat):
    session = held_session(table)
    proposal = submitted_proposal(table, session=session)
    fiscalia = InstitutionFactory(table=table)
    agreement = services.agreement_record(session=session, actor=secretariat, text="Enviar 200 fiscales",
                                          concerns=list(proposal.concerns.all()), proposals=[proposal],
                                          responsible_institutions=[fiscalia])
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AGREED
    assert list(agreement.responsible_institutions.all()) == [fiscalia]
    assert list(proposal.agreements.all()) == [agreement]


@pytest.mark.parametrize("foreign", ["concerns", "proposals", "responsible_institutions"])
def test_agreement_refuses_another_tables_records_and_saves_nothing(table, other_table, secretariat,
                                                                   foreign):
    session = held_session(table)
    records = {
        "concerns": lambda: [raise_concern(other_table, visibility="anonymous")],
        "proposals": lambda: [submitted_proposal(other_table)],
        "responsible_institutions": lambda: [InstitutionFactory(table=other_table)],
    }
    with pytest.raises(ValidationError) as error:
        services.agreement_record(session=session, actor=secretariat, text="Acuerdo",
                                  **{foreign: records[foreign]()})
    assert foreign in error.value.message_dict
    assert not Agreement.objects.filter(table=table).exists()


def test_agreement_needs_a_started_session_and_a_text(table, secretariat):
    session = schedule_session(table)
    with pytest.raises(ValidationError):
        services.agreement_record(session=session, actor=secretariat, text="Acuerdo")
    start_session(session)
    with pytest.raises(ValidationError) as error:
        services.agreement_record(session=session, actor=secretariat, text="   ")
    assert "text" in error.value.message_dict
    assert not Agreement.objects.exists()


def test_withdrawal_keeps_the_text_and_needs_a_reason(table, secretariat):
    agreement = services.agreement_record(session=held_session(table), actor=secretariat, text="Acuerdo")
    with pytest.raises(ValidationError):
        services.agreement_withdraw(agreement=agreement, actor=secretariat, reason=" ")
    withdrawn = services.agreement_withdraw(agreement=agreement, actor=secretariat,
                                            reason="Duplicado del acuerdo 1")
    assert withdrawn.is_withdrawn
    assert withdrawn.text == "Acuerdo"
    with pytest.raises(ValidationError):
        services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Otra vez")


# --- Proposals -----------------------------------------------------------------------


def test_proposal_comes_from_at_least_one_concern_of_its_table(table, other_table, secretariat):
    subcommittee = table.subcommittees.first()
    with pytest.raises(ValidationError) as error:
        services.proposal_create(subcommittee=subcommittee, actor=secretariat, title="Fiscales",
                                 request="200 fiscales", concerns=[])
    assert "concerns" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.proposal_create(subcommittee=subcommittee, actor=secretariat, title="Fiscales",
                                 request="200 fiscales",
                                 concerns=[raise_concern(other_table, visibility="anonymous")])
    assert not Proposal.objects.exists()


def test_proposal_quantity_needs_a_unit(table):
    with pytest.raises(ValidationError) as error:
        draft_proposal(table, quantity=200)
    assert "unit" in error.value.message_dict
    proposal = draft_proposal(table, quantity=200, unit="agentes del ministerio público")
    assert (proposal.quantity, proposal.unit) == (200, "agentes del ministerio público")


def test_proposal_changes_only_while_a_draft(table):
    proposal = draft_proposal(table)
    concerns = list(proposal.concerns.all())
    services.proposal_update(proposal=proposal, title="Más fiscales", request="200", concerns=concerns)
    services.proposal_submit(proposal=proposal, session=schedule_session(table))
    with pytest.raises(ValidationError):
        services.proposal_update(proposal=proposal, title="Otra cosa", request="x", concerns=concerns)
    proposal.refresh_from_db()
    assert proposal.title == "Más fiscales"


def test_proposal_goes_only_to_an_upcoming_plenary_of_its_table(table, other_table, secretariat):
    proposal = draft_proposal(table)
    subcommittee_session = schedule_session(table, subcommittee=proposal.subcommittee)
    past = schedule_session(table)
    start_session(past, ended=True)
    cancelled = services.session_cancel(session=schedule_session(table), actor=secretariat, reason="No")
    for session in (subcommittee_session, past, cancelled, schedule_session(other_table)):
        with pytest.raises(ValidationError):
            services.proposal_submit(proposal=proposal, session=session)
    proposal.refresh_from_db()
    assert proposal.is_draft and proposal.session is None


def test_proposal_is_discussed_or_rejected_with_a_reason(table):
    proposal = submitted_proposal(table)
    with pytest.raises(ValidationError):
        services.proposal_decide(proposal=proposal, status=ProposalStatus.REJECTED, note="")
    services.proposal_decide(proposal=proposal, status=ProposalStatus.DISCUSSED)
    services.proposal_decide(proposal=proposal, status=ProposalStatus.REJECTED, note="Sin presupuesto")
    assert proposal.status == ProposalStatus.REJECTED
    with pytest.raises(ValidationError):
        services.proposal_decide(proposal=draft_proposal(table), status=ProposalStatus.DISCUSSED)


def test_concern_shows_through_proposals_and_agreements(table, secretariat):
    proposal = submitted_proposal(table)
    concern: Concern = proposal.concerns.get()
    services.agreement_record(session=start_session(proposal.session), actor=secretariat,
                              text="Acuerdo", concerns=[concern], proposals=[proposal])
    assert list(concern.proposals.all()) == [proposal]
    assert concern.agreements.count() == 1


# --- Calendar feeds ------------------------------------------------------------------


def test_calendar_feed_token_is_stable_until_reset(citizen):
    feed = services.calendar_feed_for(user=citizen)
    assert services.calendar_feed_for(user=citizen).token == feed.token
    assert len(feed.token) >= 40
    new = services.calendar_feed_reset(user=citizen)
    assert new.token != feed.token
    assert services.calendar_feed_for(user=citizen).token == new.token
