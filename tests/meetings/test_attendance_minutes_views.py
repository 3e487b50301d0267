"""Answers ("will you come?"), attendance with quorum and institutions, minutes with their
approved versions and corrections, and the agreements and proposals of a session, as
each person may see them; refused to everyone who may not act."""

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import RSVP, Attendance, InstitutionPresence, Minutes, SessionStatus
from mesa.models import GovernmentLevel, Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.meetings.factories import held_session, schedule_session, submitted_proposal
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def subcommittee(table):
    return table.subcommittees.get(standing_theme="access_to_justice")


@pytest.fixture
def foreign_coordinator(table):
    """A coordinator of another subcommittee of the same table."""
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=table.subcommittees.get(standing_theme="violent_theft"),
                                  users=[user])
    return user


@pytest.fixture
def sub_coordinator(table, subcommittee):
    user = make_member(table, Role.COORDINATOR, user=UserFactory(display_name="Coordinadora Ruiz")).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
    return user


@pytest.fixture
def fiscalia(table):
    return InstitutionFactory(table=table, name="Fiscalía del Estado", acronym="FGE",
                              level=GovernmentLevel.STATE)


@pytest.fixture
def guardia(table):
    return InstitutionFactory(table=table, name="Guardia Nacional", acronym="GN",
                              level=GovernmentLevel.FEDERAL)


@pytest.fixture
def fiscal(table, fiscalia):
    return make_member(table, Role.OFFICIAL, institution=fiscalia,
                       user=UserFactory(display_name="Fiscal Hernández")).user


@pytest.fixture
def vecina(table):
    return make_member(table, Role.CITIZEN, user=UserFactory(display_name="Vecina Morales")).user


def url(name, session, **extra):
    return reverse(f"meetings:{name}", kwargs={"table_slug": session.table.slug, "pk": session.pk, **extra})


def english(client):
    client.cookies["django_language"] = "en"
    return client


def page(client, session) -> str:
    return english(client).get(url("session-detail", session)).content.decode()


def approved_minutes(session, text="Se acordó revisar los casos.", *, by=None):
    by = by or session.created_by
    return services.minutes_approve(minutes=services.minutes_draft(session=session, actor=by, text=text),
                                    actor=by)


# --- Will you come? -------------------------------------------------------------------------------


def test_a_member_answers_and_changes_their_answer(client, table, citizen):
    session = schedule_session(table)
    client.force_login(citizen)
    response = client.post(url("session-rsvp", session), {"answer": "yes"})
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert RSVP.objects.get(session=session, user=citizen).answer == "yes"
    html = page(client, session)
    assert "Your answer: I will attend." in html and "Change my answer" in html
    client.post(url("session-rsvp", session), {"answer": "no"})
    assert RSVP.objects.get(session=session, user=citizen).answer == "no"


def test_an_answer_not_offered_saves_nothing(client, table, citizen):
    session = schedule_session(table)
    client.force_login(citizen)
    response = english(client).post(url("session-rsvp", session), {"answer": "perhaps"}, follow=True)
    assert "Choose one of the answers offered." in response.content.decode()
    assert not RSVP.objects.exists()


def test_no_answer_to_a_cancelled_session(client, table, secretariat, citizen):
    session = schedule_session(table)
    services.session_cancel(session=session, actor=secretariat, reason="Sin sala")
    client.force_login(citizen)
    response = english(client).post(url("session-rsvp", session), {"answer": "yes"}, follow=True)
    assert "This session was cancelled." in response.content.decode()
    assert not RSVP.objects.exists()


def test_only_members_answer(client, table, outsider, other_secretariat):
    session = schedule_session(table)
    for person in (outsider, other_secretariat):
        client.force_login(person)
        assert client.post(url("session-rsvp", session), {"answer": "yes"}).status_code == 403
        assert url("session-rsvp", session) not in page(client, session)
    client.logout()
    response = client.post(url("session-rsvp", session), {"answer": "yes"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not RSVP.objects.exists()


def test_answering_is_a_post(client, table, citizen):
    session = schedule_session(table)
    client.force_login(citizen)
    assert client.get(url("session-rsvp", session)).status_code == 405


def test_organisers_see_how_many_are_coming_members_do_not(client, table, secretariat, citizen, vecina):
    session = schedule_session(table)
    services.rsvp_set(session=session, user=citizen, answer="yes")
    services.rsvp_set(session=session, user=vecina, answer="maybe")
    client.force_login(secretariat)
    rsvp_counts = english(client).get(url("session-detail", session)).context["rsvp_counts"]
    assert rsvp_counts == {"yes": 1, "maybe": 1, "no": 0}
    assert "will attend" in page(client, session)
    client.force_login(citizen)
    assert client.get(url("session-detail", session)).context["rsvp_counts"] is None


# --- Attendance -----------------------------------------------------------------------------------


def test_attendance_is_refused_before_the_session_starts(client, table, secretariat, citizen):
    session = schedule_session(table)
    client.force_login(secretariat)
    assert url("session-attendance", session) not in page(client, session)
    response = english(client).post(url("session-attendance", session),
                                    {"attendees": [table.memberships.get(user=citizen).pk]})
    assert response.status_code == 200
    assert "Attendance can be recorded once the session has started." in response.content.decode()
    assert response.context["form"].non_field_errors() == [
        "Attendance can be recorded once the session has started."]
    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_organiser_records_attendance_and_institutions(client, table, secretariat, fiscal, vecina, fiscalia,
                                                       guardia):
    session = held_session(table)  # a plenary invites every institution
    client.force_login(secretariat)
    assert url("session-attendance", session) in page(client, session)
    form = client.get(url("session-attendance", session)).context["form"]
    labels = dict(form.fields["attendees"].choices)
    fiscal_membership = table.memberships.get(user=fiscal)
    assert str(labels[fiscal_membership.pk]) == "Fiscal Hernández · Official · Fiscalía del Estado (FGE)"
    response = client.post(url("session-attendance", session), {
        "attendees": [fiscal_membership.pk, table.memberships.get(user=vecina).pk],
        "institutions": [fiscalia.pk],
    })
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert set(Attendance.objects.values_list("user", "institution")) == {(fiscal.pk, fiscalia.pk),
                                                                          (vecina.pk, None)}
    assert list(InstitutionPresence.objects.values_list("institution", "level")) == [
        (fiscalia.pk, GovernmentLevel.STATE)]
    html = page(client, session)
    assert "2 people were present." in html
    assert "Institutions present" in html and "Fiscalía del Estado (FGE)" in html
    assert "Invited but absent" in html and "Guardia Nacional (GN)" in html
    # The form comes back with the current record ticked.
    form = client.get(url("session-attendance", session)).context["form"]
    assert set(form["attendees"].value()) == {fiscal_membership.pk, table.memberships.get(user=vecina).pk}
    assert form["institutions"].value() == [fiscalia.pk]


def test_quorum_of_a_plenary_is_more_than_half_of_the_members(client, table, secretariat, citizen, vecina,
                                                              fiscal):
    # Four active members: the secretariat, two citizens and an official; three make quorum.
    session = held_session(table)
    services.attendance_record(session=session, actor=secretariat, attendees=[secretariat, citizen],
                               institutions=[])
    client.force_login(citizen)
    html = page(client, session)
    assert "Quorum: 3 members needed." in html and "Quorum not reached" in html
    services.attendance_record(session=session, actor=secretariat, attendees=[secretariat, citizen, vecina],
                               institutions=[])
    assert "Quorum reached" in page(client, session)


def test_quorum_of_a_session_with_its_own_number(client, table, sub_coordinator, subcommittee, citizen):
    session = held_session(table, subcommittee=subcommittee, quorum=1)
    services.attendance_record(session=session, actor=sub_coordinator, attendees=[citizen], institutions=[])
    html = page(client, session)
    assert "Quorum: 1 member needed." in html and "Quorum reached" in html


def test_organisers_see_everyone_present_by_name(client, table, secretariat, fiscal, vecina):
    session = held_session(table)
    services.attendance_record(session=session, actor=secretariat, attendees=[fiscal, vecina],
                               institutions=[])
    client.force_login(secretariat)
    html = page(client, session)
    assert "Fiscal Hernández" in html and "Vecina Morales" in html


def test_members_see_officials_by_name_and_citizens_as_a_number(client, table, secretariat, fiscal, vecina,
                                                                citizen):
    session = held_session(table)
    services.attendance_record(session=session, actor=secretariat, attendees=[fiscal, vecina],
                               institutions=[])
    client.force_login(citizen)
    html = page(client, session)
    assert "Fiscal Hernández" in html and "Vecina Morales" not in html
    assert "And 1 citizen, not named here." in html


def test_the_public_sees_numbers_and_institutions_only(client, table, secretariat, fiscal, vecina, fiscalia):
    session = held_session(table)
    services.attendance_record(session=session, actor=secretariat, attendees=[fiscal, vecina],
                               institutions=[fiscalia])
    html = page(client, session)
    assert "2 people were present." in html and "Fiscalía del Estado (FGE)" in html
    assert "Fiscal Hernández" not in html and "Vecina Morales" not in html
    assert url("session-attendance", session) not in html


@pytest.mark.parametrize("who", ["foreign_coordinator", "citizen", "other_secretariat"])
def test_people_who_do_not_organise_the_session_cannot_record_attendance(client, table, subcommittee,
                                                                         vecina, who, request):
    session = held_session(table, subcommittee=subcommittee)
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("session-attendance", session)).status_code == 403
    response = client.post(url("session-attendance", session),
                           {"attendees": [table.memberships.get(user=vecina).pk]})
    assert response.status_code == 403
    assert not Attendance.objects.exists()
    assert session.status != SessionStatus.HELD


def test_another_tables_member_or_institution_cannot_be_recorded(client, table, other_table, secretariat):
    session = held_session(table)
    stranger = make_member(other_table, Role.CITIZEN)
    foreign_institution = InstitutionFactory(table=other_table)
    client.force_login(secretariat)
    response = client.post(url("session-attendance", session), {
        "attendees": [stranger.pk], "institutions": [foreign_institution.pk]})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"attendees", "institutions"}
    assert not Attendance.objects.exists() and not InstitutionPresence.objects.exists()


# --- Minutes -----------------------------------------------------------------------------------------


def test_organiser_drafts_and_the_secretariat_approves(client, table, secretariat, sub_coordinator,
                                                       subcommittee, citizen):
    session = held_session(table, subcommittee=subcommittee)
    client.force_login(sub_coordinator)
    response = client.post(url("minutes-edit", session), {"text": "Borrador de la minuta."})
    assert response.status_code == 302
    draft = Minutes.objects.get(session=session)
    assert not draft.is_approved
    html = page(client, session)
    assert "Borrador de la minuta." in html and "Edit draft" in html
    assert url("minutes-approve", session, minutes_pk=draft.pk) not in html  # coordinators do not approve
    assert client.post(url("minutes-approve", session, minutes_pk=draft.pk)).status_code == 403
    draft.refresh_from_db()
    assert not draft.is_approved

    client.force_login(citizen)
    assert "Borrador de la minuta." not in page(client, session)  # the draft is the organisers'

    client.force_login(secretariat)
    assert client.post(url("minutes-approve", session, minutes_pk=draft.pk)).status_code == 302
    draft.refresh_from_db()
    assert draft.is_approved and draft.approved_by == secretariat
    client.force_login(citizen)
    html = page(client, session)
    assert "Version 1" in html and "Borrador de la minuta." in html and "Approved by Secretaría" in html
    assert "Minutes approved" in html  # on the timeline


def test_approved_minutes_cannot_be_edited_through_the_pages(client, table, secretariat):
    session = held_session(table)
    approved = approved_minutes(session, "Texto aprobado.")
    client.force_login(secretariat)
    page_html = english(client).get(url("minutes-edit", session)).content.decode()
    assert "These minutes were approved and cannot change." in page_html
    response = client.post(url("minutes-edit", session), {"text": "Texto cambiado."})
    assert response.status_code == 200
    assert "These minutes were approved and cannot change." in " ".join(
        response.context["form"].non_field_errors())
    approved.refresh_from_db()
    assert approved.text == "Texto aprobado."
    assert Minutes.objects.filter(session=session).count() == 1


def test_a_correction_is_version_2_and_both_versions_show(client, table, secretariat, citizen):
    session = held_session(table)
    first = approved_minutes(session, "Asistieron 40 personas.")
    client.force_login(secretariat)
    html = page(client, session)
    assert url("minutes-correct", session) in html and "Write a correction" in html
    form = client.get(url("minutes-correct", session)).context["form"]
    assert form["text"].value() == "Asistieron 40 personas."
    response = client.post(url("minutes-correct", session), {
        "text": "Asistieron 45 personas.", "reason": "Faltaba contar a los de la Guardia Nacional."})
    assert response.status_code == 302
    correction = Minutes.objects.get(session=session, version=2)
    assert correction.corrects == first and not correction.is_approved
    client.post(url("minutes-approve", session, minutes_pk=correction.pk))
    first.refresh_from_db()
    assert first.text == "Asistieron 40 personas."
    client.force_login(citizen)
    html = page(client, session)
    assert "Version 1" in html and "Asistieron 40 personas." in html
    assert "Version 2" in html and "Asistieron 45 personas." in html
    assert "Corrects version 1. Why: Faltaba contar a los de la Guardia Nacional." in html


def test_a_correction_needs_a_reason(client, table, secretariat):
    session = held_session(table)
    approved_minutes(session)
    client.force_login(secretariat)
    response = client.post(url("minutes-correct", session), {"text": "Otro texto.", "reason": ""})
    assert "reason" in response.context["form"].errors
    assert Minutes.objects.filter(session=session).count() == 1


def test_minutes_are_refused_before_the_session_starts(client, table, secretariat):
    session = schedule_session(table)
    client.force_login(secretariat)
    response = english(client).post(url("minutes-edit", session), {"text": "Demasiado pronto."})
    assert "Minutes can be written once the session has started." in response.content.decode()
    assert not Minutes.objects.exists()


@pytest.mark.parametrize("who", ["foreign_coordinator", "citizen", "other_secretariat"])
def test_people_who_do_not_organise_the_session_cannot_write_minutes(client, table, subcommittee, who,
                                                                     request):
    session = held_session(table, subcommittee=subcommittee)
    approved = approved_minutes(session, "Original.")
    client.force_login(request.getfixturevalue(who))
    for name in ("minutes-edit", "minutes-correct"):
        assert client.get(url(name, session)).status_code == 403
        assert client.post(url(name, session), {"text": "Cambiada.", "reason": "x"}).status_code == 403
    assert list(Minutes.objects.values_list("text", flat=True)) == ["Original."]
    assert approved.is_approved


def test_approving_is_a_post(client, table, secretariat):
    session = held_session(table)
    draft = services.minutes_draft(session=session, actor=secretariat, text="Borrador.")
    client.force_login(secretariat)
    assert client.get(url("minutes-approve", session, minutes_pk=draft.pk)).status_code == 405
    draft.refresh_from_db()
    assert not draft.is_approved


# --- Agreements and proposals of the session ----------------------------------------------------------


def test_the_session_lists_its_agreements_with_withdrawn_ones_in_words(client, table, secretariat):
    session = held_session(table)
    kept = services.agreement_record(session=session, actor=secretariat, text="Enviar 40 agentes.")
    withdrawn = services.agreement_record(session=session, actor=secretariat, text="Abrir una oficina.")
    services.agreement_withdraw(agreement=withdrawn, actor=secretariat, reason="Se duplicaba.")
    html = page(client, session)
    assert kept.code in html and "Enviar 40 agentes." in html
    assert withdrawn.code in html and "Withdrawn" in html
    assert reverse("meetings:agreement-detail", kwargs={"table_slug": table.slug, "pk": kept.pk}) in html


def test_record_an_agreement_is_offered_to_organisers_once_started(client, table, secretariat, citizen):
    upcoming = schedule_session(table)
    started = held_session(table)
    client.force_login(secretariat)
    assert url("agreement-create", upcoming) not in page(client, upcoming)
    assert url("agreement-create", started) in page(client, started)
    client.force_login(citizen)
    assert url("agreement-create", started) not in page(client, started)


def test_the_session_lists_the_proposals_submitted_to_it(client, table):
    session = schedule_session(table)
    proposal = submitted_proposal(table, session=session, title="200 agentes del ministerio público")
    html = page(client, session)
    assert "200 agentes del ministerio público" in html
    assert reverse("meetings:proposal-detail", kwargs={"table_slug": table.slug, "pk": proposal.pk}) in html


@pytest.mark.parametrize("n", [1, 10])
def test_session_page_query_count_is_constant_for_attendance_minutes_and_agreements(
    client, table, secretariat, citizen, n, django_assert_max_num_queries
):
    session = held_session(table)
    people = [make_member(table, Role.OFFICIAL if i % 2 else Role.CITIZEN).user for i in range(n)]
    institutions = [InstitutionFactory(table=table) for _ in range(n)]
    services.attendance_record(session=session, actor=secretariat, attendees=people,
                               institutions=institutions[: n // 2 + 1])
    approved_minutes(session, "Versión 1.")
    for version in range(2, n + 1):
        correction = services.minutes_correct(session=session, actor=secretariat, text=f"Versión {version}.",
                                              reason="Corrección.")
        services.minutes_approve(minutes=correction, actor=secretariat)
    for i in range(n):
        services.agreement_record(session=session, actor=secretariat, text=f"Acuerdo {i}.",
                                  responsible_institutions=[institutions[i]])
    for viewer in (secretariat, citizen):
        client.force_login(viewer)
        client.get(url("session-detail", session))  # fills the content-type cache guardian reads
        # session, user, session with table and subcommittee, perms (user + groups), agenda items
        # (their concerns and proposals when there are items), own answer, minutes, changes,
        # answer counts (organisers), attendances, attendees' memberships, institutions present,
        # institutions invited, quorum's member count, agreements, proposals
        with django_assert_max_num_queries(17):
            assert client.get(url("session-detail", session)).status_code == 200
