"""Proposal pages: the list, drafting, the page, editing a draft, submitting it to a plenary
and recording the plenary's decision; each refused to everyone else, bad input saving nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Proposal, ProposalStatus, Session
from mesa.models import GovernmentLevel
from tests.concerns.factories import raise_concern
from tests.meetings.factories import (
    draft_proposal,
    held_session,
    schedule_session,
    secretariat_of,
    start_session,
    submitted_proposal,
)
from tests.mesa.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fiscalia(table):
    return InstitutionFactory(table=table, name="Fiscalía del Estado", acronym="FGE",
                              level=GovernmentLevel.STATE)


@pytest.fixture
def concern(table, justice):
    return raise_concern(table, reporter=secretariat_of(table), subcommittee=justice,
                         title="Los casos de extorsión no avanzan")


@pytest.fixture
def draft(table, justice, concern, fiscalia):
    return draft_proposal(table, subcommittee=justice, concerns=[concern], institution=fiscalia,
                          quantity=200, unit="public prosecutors")


@pytest.fixture
def plenary(table):
    return schedule_session(table, title="Plenaria de julio")


def html(response) -> str:
    return response.content.decode()


def english(client):
    client.cookies["django_language"] = "en"
    return client


def url(name: str, proposal: Proposal) -> str:
    return reverse(f"meetings:proposal-{name}", kwargs={"table_slug": proposal.table.slug, "pk": proposal.pk})


def list_url(table) -> str:
    return reverse("meetings:proposal-list", kwargs={"table_slug": table.slug})


def create_url(table) -> str:
    return reverse("meetings:proposal-create", kwargs={"table_slug": table.slug})


def form_data(subcommittee, concerns, **overrides) -> dict:
    data = {
        "subcommittee": subcommittee.pk,
        "title": "200 agentes del ministerio público",
        "request": "No queremos 5,000 policías más sino 200 agentes del ministerio público.",
        "institution": "",
        "quantity": "",
        "unit": "",
        "concerns": [c.pk for c in concerns],
        "other_concerns": "",
    }
    data.update(overrides)
    return data


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_what_is_requested_and_the_plenary(client, table, draft, plenary, citizen):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(citizen)
    page = html(english(client).get(list_url(table)))
    assert draft.title in page
    assert "200 public prosecutors requested from Fiscalía del Estado (FGE)" in page
    assert "Submitted to a plenary" in page and plenary.code in page
    assert draft.subcommittee.name in page


def test_drafts_are_listed_only_for_their_coordinators_and_the_secretariat(client, table, draft,
                                                                          justice_coordinator,
                                                                          rights_coordinator, citizen):
    for viewer, sees in ((justice_coordinator, True), (secretariat_of(table), True),
                         (rights_coordinator, False), (citizen, False)):
        client.force_login(viewer)
        assert (draft.title in html(client.get(list_url(table)))) is sees
        assert client.get(draft.get_absolute_url()).status_code == (200 if sees else 404)
    client.logout()
    assert draft.title not in html(client.get(list_url(table)))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_list_filters_by_status_and_subcommittee(client, table, justice, rights, plenary, secretariat):
    submitted_proposal(table, subcommittee=justice, session=plenary, title="Propuesta de justicia")
    submitted_proposal(table, subcommittee=rights, session=plenary, title="Propuesta de derechos")
    draft_proposal(table, subcommittee=justice, title="Borrador de justicia")
    client.force_login(secretariat)
    page = html(client.get(list_url(table), {"subcommittee": rights.pk}))
    assert "Propuesta de derechos" in page and "Propuesta de justicia" not in page
    page = html(client.get(list_url(table), {"status": "draft"}))
    assert "Borrador de justicia" in page and "Propuesta de derechos" not in page


def test_the_draft_link_is_offered_to_coordinators_and_the_secretariat_only(client, table,
                                                                           justice_coordinator, citizen,
                                                                           coordinator):
    for viewer, offered in ((justice_coordinator, True), (secretariat_of(table), True), (citizen, False),
                            (coordinator, False), (None, False)):
        client.logout()
        if viewer:
            client.force_login(viewer)
        assert (create_url(table) in html(client.get(list_url(table)))) is offered


@pytest.mark.parametrize("n", [1, 10])
def test_the_list_query_count_is_constant(client, table, justice, fiscalia, plenary, citizen, n,
                                          django_assert_max_num_queries):
    for i in range(n):
        submitted_proposal(table, subcommittee=justice, session=plenary, title=f"Propuesta {i}",
                           institution=fiscalia, quantity=i + 1, unit="agentes")
    client.force_login(citizen)
    # session, user, table perms (user + groups), subcommittee choices, count, page (with
    # subcommittee, institution, session; visible_to's guardian subqueries), who may draft
    with django_assert_max_num_queries(14):
        assert client.get(list_url(table)).status_code == 200


# --- Drafting -----------------------------------------------------------------------------


def test_a_coordinator_drafts_a_proposal_for_their_subcommittee(client, table, justice, concern, fiscalia,
                                                               justice_coordinator):
    other = raise_concern(table, reporter=secretariat_of(table), title="Otro planteamiento")
    client.force_login(justice_coordinator)
    response = client.post(create_url(table), form_data(
        justice, [concern], institution=fiscalia.pk, quantity="200", unit="agentes del ministerio público",
        other_concerns=f"{other.pk}"))
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    assert proposal.status == ProposalStatus.DRAFT and proposal.drafted_by == justice_coordinator
    assert (proposal.quantity, proposal.unit, proposal.institution) == (200, "agentes del ministerio público",
                                                                       fiscalia)
    assert set(proposal.concerns.all()) == {concern, other}


def test_the_subcommittee_in_the_address_is_preselected_and_only_coordinated_ones_are_offered(
        client, table, justice, rights, justice_coordinator):
    client.force_login(justice_coordinator)
    response = client.get(create_url(table), {"subcommittee": justice.slug})
    form = response.context["form"]
    assert form["subcommittee"].value() == justice.pk
    assert list(form.fields["subcommittee"].queryset) == [justice]
    response = client.post(create_url(table), form_data(rights, [raise_concern(
        table, reporter=secretariat_of(table), subcommittee=rights)]))
    assert "subcommittee" in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_concerns_are_offered_most_recent_first_and_without_hidden_ones(client, table, secretariat):
    older = raise_concern(table, reporter=secretariat, title="Planteamiento anterior")
    newer = raise_concern(table, reporter=secretariat, title="Planteamiento reciente")
    hidden = raise_concern(table, reporter=secretariat, title="Planteamiento oculto")
    from concerns import services as concern_services

    concern_services.concern_hide(concern=hidden, actor=secretariat, reason="Datos personales")
    client.force_login(secretariat)
    offered = list(client.get(create_url(table)).context["form"].fields["concerns"].queryset)
    assert offered.index(newer) < offered.index(older) and hidden not in offered


@pytest.mark.parametrize("viewer", ["citizen", "official", "coordinator", "outsider", "other_secretariat"])
def test_who_coordinates_nothing_here_may_not_draft(client, request, table, justice, concern, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(create_url(table)).status_code == 403
    assert client.post(create_url(table), form_data(justice, [concern])).status_code == 403
    assert not Proposal.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, table, justice, concern):
    response = client.post(create_url(table), form_data(justice, [concern]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not Proposal.objects.exists()


def test_a_quantity_without_a_unit_is_refused_with_the_services_words(client, table, justice, concern,
                                                                     justice_coordinator):
    client.force_login(justice_coordinator)
    response = english(client).post(create_url(table), form_data(justice, [concern], quantity="200"))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == [
        "Say what the quantity counts, e.g. public prosecutors."]
    assert not Proposal.objects.exists()


def test_a_proposal_without_concerns_is_refused(client, table, justice, justice_coordinator):
    client.force_login(justice_coordinator)
    response = english(client).post(create_url(table), form_data(justice, []))
    assert response.context["form"].errors["concerns"] == ["A proposal comes from at least one concern."]
    assert not Proposal.objects.exists()


def test_another_tables_concern_is_refused(client, table, justice, justice_coordinator, other_table):
    theirs = raise_concern(other_table, reporter=secretariat_of(other_table), title="Planteamiento ajeno")
    client.force_login(justice_coordinator)
    response = english(client).post(create_url(table), form_data(justice, [], other_concerns=str(theirs.pk)))
    assert response.context["form"].errors["other_concerns"] == [
        f"There is no concern number {theirs.pk} at this table."]
    response = client.post(create_url(table), form_data(justice, [theirs]))
    assert "concerns" in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_an_empty_title_is_a_clear_error(client, table, justice, concern, justice_coordinator):
    client.force_login(justice_coordinator)
    response = client.post(create_url(table), form_data(justice, [concern], title=""))
    assert "title" in response.context["form"].errors
    assert not Proposal.objects.exists()


# --- The page -----------------------------------------------------------------------------


def test_the_page_shows_the_request_status_plenary_and_agreements(client, table, draft, plenary, citizen):
    services.proposal_submit(proposal=draft, session=plenary)
    start_session(plenary)
    agreement = services.agreement_record(session=plenary, actor=secretariat_of(table),
                                          text="Se enviarán 40 agentes.", proposals=[draft])
    client.force_login(citizen)
    page = html(english(client).get(draft.get_absolute_url()))
    assert "200 public prosecutors requested from Fiscalía del Estado (FGE)" in page
    assert "Agreed" in page
    assert plenary.get_absolute_url() in page and plenary.code in page
    assert agreement.get_absolute_url() in page and agreement.code in page
    assert "Los casos de extorsión no avanzan" in page
    assert url("edit", draft) not in page and url("decide", draft) not in page


def test_a_restricted_concerns_title_is_never_shown_to_who_may_not_read_it(client, table, justice, plenary,
                                                                          citizen):
    restricted = raise_concern(table, reporter=citizen, visibility="restricted", subcommittee=justice,
                               title="Amenazas del comandante de zona")
    proposal = submitted_proposal(table, subcommittee=justice, session=plenary, concerns=[restricted])
    page = html(client.get(proposal.get_absolute_url()))
    assert proposal.title in page and "Amenazas del comandante de zona" not in page


def test_the_coordinator_sees_edit_and_submit_on_a_draft(client, draft, justice_coordinator, plenary):
    client.force_login(justice_coordinator)
    page = html(english(client).get(draft.get_absolute_url()))
    assert url("edit", draft) in page and url("submit", draft) in page and plenary.code in page
    assert url("decide", draft) not in page


def test_the_secretariat_sees_the_decision_form_on_a_submitted_proposal(client, draft, plenary, secretariat):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(secretariat)
    page = html(client.get(draft.get_absolute_url()))
    assert url("decide", draft) in page and url("edit", draft) not in page


@pytest.mark.parametrize("n", [1, 10])
def test_the_page_query_count_is_constant(client, table, justice, plenary, citizen, n,
                                          django_assert_max_num_queries):
    concerns = [raise_concern(table, reporter=citizen, subcommittee=justice, title=f"Planteamiento {i}")
                for i in range(n)]
    proposal = submitted_proposal(table, subcommittee=justice, session=plenary, concerns=concerns)
    client.force_login(citizen)
    # session, user, proposal (visible_to + guardian), table perms (user + groups), drafter's
    # name, concerns (visible_to + guardian), agreements (visible_to + guardian), can_edit/decide
    with django_assert_max_num_queries(12):
        assert client.get(proposal.get_absolute_url()).status_code == 200


# --- Editing a draft ----------------------------------------------------------------------


def test_a_coordinator_edits_their_subcommittees_draft(client, draft, concern, justice_coordinator):
    client.force_login(justice_coordinator)
    assert client.get(url("edit", draft)).context["form"]["title"].value() == draft.title
    response = client.post(url("edit", draft), form_data(
        draft.subcommittee, [concern], title="180 agentes", quantity="180", unit="agentes"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.quantity, draft.unit) == ("180 agentes", 180, "agentes")
    assert draft.institution is None


@pytest.mark.parametrize("viewer", ["rights_coordinator", "citizen", "coordinator", "other_secretariat"])
def test_others_may_not_edit_or_submit_a_draft(client, request, draft, concern, plenary, viewer):
    client.force_login(request.getfixturevalue(viewer))
    response = client.post(url("edit", draft), form_data(draft.subcommittee, [concern], title="Cambiado"))
    assert response.status_code in (403, 404)
    assert client.post(url("submit", draft), {"session": plenary.pk}).status_code in (403, 404)
    draft.refresh_from_db()
    assert draft.title != "Cambiado" and draft.status == ProposalStatus.DRAFT


def test_a_coordinator_of_another_subcommittee_is_refused_a_submitted_proposal_with_403(
        client, draft, concern, plenary, rights_coordinator):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(rights_coordinator)
    response = client.post(url("edit", draft), form_data(draft.subcommittee, [concern], title="Cambiado"))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.title != "Cambiado"


def test_a_submitted_proposal_cannot_be_edited(client, draft, concern, plenary, justice_coordinator):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(justice_coordinator)
    assert "A submitted proposal cannot change." in html(english(client).get(url("edit", draft)))
    response = english(client).post(url("edit", draft), form_data(draft.subcommittee, [concern],
                                                                  title="Cambiado"))
    assert response.status_code == 200 and "A submitted proposal cannot change." in html(response)
    draft.refresh_from_db()
    assert draft.title != "Cambiado"


def test_editing_keeps_linked_concerns_the_editor_may_not_read(client, table, justice, rights,
                                                              justice_coordinator, secretariat):
    theirs = raise_concern(table, reporter=secretariat, subcommittee=rights, title="De otra subcomisión")
    from concerns import services as concern_services

    concern_services.concern_hide(concern=theirs, actor=secretariat, reason="Datos personales")
    mine = raise_concern(table, reporter=secretariat, subcommittee=justice)
    proposal = draft_proposal(table, subcommittee=justice, concerns=[mine, theirs])
    client.force_login(justice_coordinator)
    assert "De otra subcomisión" not in html(client.get(url("edit", proposal)))
    client.post(url("edit", proposal), form_data(justice, [mine], title="Cambiado"))
    assert set(proposal.concerns.all()) == {mine, theirs}


# --- Submitting ---------------------------------------------------------------------------


def test_a_coordinator_submits_a_draft_to_an_upcoming_plenary(client, draft, plenary, justice_coordinator):
    client.force_login(justice_coordinator)
    assert plenary.code in html(client.get(url("submit", draft)))
    response = client.post(url("submit", draft), {"session": plenary.pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SUBMITTED and draft.session == plenary


def _bad_plenaries(table, other_table, justice):
    cancelled = schedule_session(table, title="Plenaria cancelada")
    services.session_cancel(session=cancelled, actor=secretariat_of(table), reason="Sin quórum")
    past = start_session(schedule_session(table, title="Plenaria pasada"), ended=True)
    return {
        "cancelled": cancelled,
        "past": past,
        "other table": schedule_session(other_table),
        "subcommittee session": schedule_session(table, subcommittee=justice),
    }


def test_submitting_to_a_cancelled_past_foreign_or_subcommittee_session_is_refused(
        client, table, other_table, justice, draft, justice_coordinator):
    client.force_login(justice_coordinator)
    for label, session in _bad_plenaries(table, other_table, justice).items():
        response = english(client).post(url("submit", draft), {"session": session.pk})
        assert response.status_code == 200, label
        errors = response.context["form"].errors["session"]
        assert errors == ["Choose an upcoming plenary of this table."], label
        assert session.code not in html(response).split('id="submit_session"')[1].split("</select>")[0]
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT and draft.session is None


def test_a_submitted_proposal_is_not_submitted_again(client, draft, plenary, justice_coordinator):
    services.proposal_submit(proposal=draft, session=plenary)
    later = schedule_session(draft.table, starts_at=plenary.starts_at + timedelta(days=30))
    client.force_login(justice_coordinator)
    assert "This proposal was already submitted." in html(english(client).get(url("submit", draft)))
    response = english(client).post(url("submit", draft), {"session": later.pk})
    assert "This proposal was already submitted." in html(response)
    draft.refresh_from_db()
    assert draft.session == plenary


# --- Deciding -----------------------------------------------------------------------------


def test_the_secretariat_marks_a_proposal_discussed_then_rejects_it_with_a_note(client, draft, plenary,
                                                                               secretariat):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(secretariat)
    assert client.post(url("decide", draft), {"status": "discussed", "note": ""}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DISCUSSED
    client.post(url("decide", draft), {"status": "rejected", "note": "No hay presupuesto."})
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.REJECTED and draft.decision_note == "No hay presupuesto."
    page = html(english(client).get(draft.get_absolute_url()))
    assert "No hay presupuesto." in page and "Rejected" in page


def test_rejecting_without_a_note_is_a_clear_error(client, draft, plenary, secretariat):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(secretariat)
    response = english(client).post(url("decide", draft), {"status": "rejected", "note": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == ["Say why the proposal was rejected."]
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SUBMITTED


def test_a_draft_cannot_be_decided(client, draft, secretariat):
    client.force_login(secretariat)
    response = english(client).post(url("decide", draft), {"status": "discussed"})
    assert "Only a submitted proposal can be marked discussed or rejected." in html(response)
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


@pytest.mark.parametrize("viewer", ["citizen", "justice_coordinator", "other_secretariat"])
def test_only_the_tables_secretariat_decides(client, request, draft, plenary, viewer):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(url("decide", draft)).status_code in (403, 404)
    response = client.post(url("decide", draft), {"status": "rejected", "note": "No"})
    assert response.status_code in (403, 404)
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SUBMITTED


def test_another_tables_secretariat_is_refused_with_403_on_a_public_tables_proposal(
        client, draft, plenary, other_secretariat):
    services.proposal_submit(proposal=draft, session=plenary)
    client.force_login(other_secretariat)
    assert client.post(url("decide", draft), {"status": "discussed"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.SUBMITTED


# --- Languages ---------------------------------------------------------------------------


def test_the_pages_render_in_spanish_and_english(client, table, draft, justice_coordinator):
    held_session(table)  # a plenary under way is not offered for submission, and does not break the page
    client.force_login(justice_coordinator)
    urls = (list_url(table), create_url(table), draft.get_absolute_url(), url("edit", draft),
            url("submit", draft))
    for address in urls:
        response = client.get(address)
        assert response.status_code == 200, address
        assert response["Content-Language"] == "es" and '<html lang="es">' in html(response)
        assert "Todas las mesas" in html(response)
    english(client)
    assert "Proposals of" in html(client.get(list_url(table)))
    assert "What is requested" in html(client.get(create_url(table)))
    assert "This is a draft" in html(client.get(draft.get_absolute_url()))
    assert "Save the draft" in html(client.get(url("edit", draft)))
    assert "Submit the proposal" in html(client.get(url("submit", draft)))


def test_the_plenary_choices_show_local_time(client, table, draft, justice_coordinator):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    six_pm = datetime.now(ZoneInfo("America/Ciudad_Juarez")).replace(hour=18, minute=0, second=0,
                                                                       microsecond=0) + timedelta(days=40)
    session = schedule_session(table, starts_at=six_pm)
    assert Session.objects.get(pk=session.pk).starts_at == six_pm
    client.force_login(justice_coordinator)
    assert "18:00 (America/Ciudad_Juarez)" in html(client.get(url("submit", draft)))
