"""The demo's sessions: a plenary already held, next month's plenary waiting for its agenda,
two proposals ready for it, and an upcoming access-to-justice subcommittee session."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from concerns.models import Concern
from meetings import permissions, services
from meetings.models import (
    AgendaItem,
    Agreement,
    Attendance,
    InstitutionPresence,
    Minutes,
    Proposal,
    ProposalStatus,
    Session,
    SessionChange,
    SessionStatus,
)
from mesa.management.commands import seed_demo
from mesa.models import Table
from subcommittees.models import Subcommittee

pytestmark = pytest.mark.django_db


def run_seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    run_seed()
    return Table.objects.get(slug="juarez")


def person(email: str):
    return apps.get_model("accounts", "User").objects.get(email=email)


def test_demo_has_a_plenary_already_held_with_attendance_minutes_and_agreements(demo):
    session = Session.objects.get(table=demo, title=seed_demo.PAST_PLENARY)
    assert session.is_plenary
    assert session.status == SessionStatus.HELD
    assert session.has_ended
    local = session.local_starts_at()
    assert session.code == f"PL-{local:%Y-%m}"  # the month it was held, not the one first scheduled
    assert (local.hour, local.minute) == (17, 0)

    assert session.attendances.count() >= 3
    assert set(session.institution_presences.values_list("level", flat=True)) == {
        "federal", "state", "municipal"}
    assert session.institution_presences.count() >= 3
    [minutes] = session.minutes.all()
    assert minutes.is_approved
    assert session.code in minutes.text


def test_demo_agreement_adopts_the_200_prosecutors_proposal(demo):
    session = Session.objects.get(table=demo, title=seed_demo.PAST_PLENARY)
    agreements = list(session.agreements.order_by("number"))
    assert [a.code for a in agreements] == [f"{session.code}/1", f"{session.code}/2"]
    assert all(a.responsible_institutions.exists() for a in agreements)

    proposal = Proposal.objects.get(table=demo, title="200 agentes del ministerio público")
    assert proposal.status == ProposalStatus.AGREED
    assert (proposal.quantity, proposal.unit) == (200, "agentes del ministerio público")
    assert proposal.subcommittee.standing_theme == Subcommittee.Theme.ACCESS_TO_JUSTICE
    extortion = Concern.objects.get(table=demo, title=seed_demo.EXTORTION_CONCERN)
    assert list(proposal.concerns.all()) == [extortion]
    adopting = agreements[0]
    assert list(adopting.proposals.all()) == [proposal]
    assert {i.acronym for i in adopting.responsible_institutions.all()} == {"FGE", "FGR"}
    assert proposal in session.agenda_items.get(position=2).proposals.all()


def test_demo_has_next_months_plenary_without_an_agenda_yet(demo):
    session = Session.objects.get(table=demo, title=seed_demo.NEXT_PLENARY)
    assert session.is_plenary
    assert session.status == SessionStatus.SCHEDULED
    today = timezone.localdate(timezone=demo.zone)
    next_month = today.replace(day=1) + timedelta(days=32)
    local = session.local_starts_at()
    assert (local.year, local.month, local.hour) == (next_month.year, next_month.month, 17)
    assert not session.agenda_items.exists()


def test_demo_secretariat_can_build_next_plenarys_agenda_from_two_submitted_proposals(demo):
    session = Session.objects.get(table=demo, title=seed_demo.NEXT_PLENARY)
    proposals = list(Proposal.objects.filter(session=session, status=ProposalStatus.SUBMITTED))
    assert len(proposals) == 2
    assert {p.subcommittee.standing_theme for p in proposals} == {Subcommittee.Theme.ACCESS_TO_JUSTICE}

    secretariat = person("secretaria@demo.mesa.mx")
    assert permissions.can_organise(secretariat, session)
    for proposal in proposals:
        services.agenda_item_add(session=session, title=proposal.title, proposals=[proposal],
                                 concerns=proposal.concerns.all())
    assert session.agenda_items.count() == 2


def test_demo_has_an_upcoming_access_to_justice_session_its_coordinator_runs(demo):
    session = Session.objects.get(table=demo, title=seed_demo.JUSTICE_SESSION)
    assert session.subcommittee.standing_theme == Subcommittee.Theme.ACCESS_TO_JUSTICE
    assert session.status == SessionStatus.SCHEDULED
    assert not session.has_started
    assert permissions.can_organise(person("coordinador@demo.mesa.mx"), session)


def test_demo_sessions_are_in_the_tables_calendar_feed_at_local_time(demo, client):
    response = client.get(reverse("meetings:table-calendar", kwargs={"table_slug": demo.slug}))
    calendar = Calendar.from_ical(response.content)
    starts = {str(event["SUMMARY"]): event.decoded("DTSTART") for event in calendar.events}
    assert len(starts) == 3
    assert {(start.hour, start.tzinfo.key) for start in starts.values()} == {
        (17, "America/Ciudad_Juarez"), (10, "America/Ciudad_Juarez")}


def counts() -> dict:
    models = [Session, SessionChange, AgendaItem, Attendance, InstitutionPresence, Minutes, Agreement,
              Proposal, Concern]
    models += [apps.get_model("meetings", name)
               for name in ("SessionEvent", "MinutesEvent", "AgreementEvent", "ProposalEvent")]
    return {model.__name__: model.objects.count() for model in models}


def test_running_seed_demo_twice_creates_no_sessions_proposals_or_agreements(demo):
    before = counts()
    output = run_seed()
    assert counts() == before
    assert "Demo table already loaded." in output


def test_demo_logins_are_still_printed(demo):
    output = run_seed()
    for email, *_rest in seed_demo.PEOPLE:
        assert email in output
