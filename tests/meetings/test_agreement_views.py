"""Agreement pages: recording one at a session, the list, the page with its history,
withdrawing one; each refused to everyone else, and never rewritten."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.db.utils import InternalError, ProgrammingError
from django.urls import NoReverseMatch, reverse

from meetings import services
from meetings.models import Agreement, ProposalStatus, Session
from mesa.models import GovernmentLevel
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern
from tests.meetings.factories import (
    held_session,
    schedule_session,
    secretariat_of,
    start_session,
    submitted_proposal,
)
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db

JUAREZ = ZoneInfo("America/Ciudad_Juarez")


@pytest.fixture
def fiscalia(table):
    return InstitutionFactory(table=table, name="Fiscalía del Estado", acronym="FGE",
                              level=GovernmentLevel.STATE)


@pytest.fixture
def guardia(table):
    return InstitutionFactory(table=table, name="Guardia Nacional", acronym="GN",
                              level=GovernmentLevel.FEDERAL)


@pytest.fixture
def plenary(table):
    """A plenary under way (it started an hour ago)."""
    return held_session(table)


def public_concern(table, title: str):
    return raise_concern(table, reporter=secretariat_of(table), title=title)


def html(response) -> str:
    return response.content.decode()


def english(client):
    client.cookies["django_language"] = "en"
    return client


def create_url(session: Session) -> str:
    return reverse("meetings:agreement-create", kwargs={"table_slug": session.table.slug, "pk": session.pk})


def list_url(table) -> str:
    return reverse("meetings:agreement-list", kwargs={"table_slug": table.slug})


def withdraw_url(agreement: Agreement) -> str:
    return reverse("meetings:agreement-withdraw",
                   kwargs={"table_slug": agreement.table.slug, "pk": agreement.pk})


def record(session: Session, text: str = "La Fiscalía enviará 40 agentes del ministerio público.",
           **links) -> Agreement:
    return services.agreement_record(session=session, actor=secretariat_of(session.table), text=text,
                                     **links)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Recording ----------------------------------------------------------------------------


def test_the_secretariat_records_an_agreement_with_its_concerns_proposals_and_institutions(
        client, table, secretariat, fiscalia, guardia):
    session = schedule_session(table)
    on_agenda = public_concern(table, title="Extorsión en el mercado")
    typed = public_concern(table, title="Robo en transporte público")
    proposal = submitted_proposal(table, session=session)
    services.agenda_item_add(session=session, title="Extorsión", concerns=[on_agenda], proposals=[proposal])
    start_session(session)
    client.force_login(secretariat)
    response = client.post(create_url(session), {
        "text": "  La Fiscalía enviará 40 agentes.  ",
        "concerns": [on_agenda.pk],
        "other_concerns": f"#{typed.pk}, {on_agenda.pk}",
        "proposals": [proposal.pk],
        "responsible_institutions": [fiscalia.pk, guardia.pk],
    })
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response.url == agreement.get_absolute_url()
    assert agreement.code == f"{session.code}/1" and agreement.text == "La Fiscalía enviará 40 agentes."
    assert set(agreement.concerns.all()) == {on_agenda, typed}
    assert list(agreement.proposals.all()) == [proposal]
    assert set(agreement.responsible_institutions.all()) == {fiscalia, guardia}
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AGREED
    assert any(agreement.code in message for message in messages_of(response))


def test_the_form_offers_the_agenda_concerns_the_proposals_of_this_session_first_and_institutions_by_level(
        client, table, secretariat, fiscalia):
    session = schedule_session(table)
    other_plenary = schedule_session(table, title="Otra plenaria")
    elsewhere = submitted_proposal(table, session=other_plenary, title="Propuesta de otra plenaria")
    here = submitted_proposal(table, session=session, title="Propuesta de esta plenaria")
    on_agenda = public_concern(table, title="Extorsión en el mercado")
    public_concern(table, title="Un planteamiento que no está en el orden del día")
    services.agenda_item_add(session=session, title="Extorsión", concerns=[on_agenda])
    start_session(session)
    client.force_login(secretariat)
    response = english(client).get(create_url(session))
    assert response.status_code == 200
    page = html(response)
    assert "Extorsión en el mercado" in page
    assert "Un planteamiento que no está en el orden del día" not in page
    assert page.index(here.title) < page.index(elsewhere.title)
    assert "Fiscalía del Estado (FGE) · State" in page
    assert "Other concern numbers" in page


def test_the_form_offers_the_concerns_behind_the_proposals_brought_to_this_session(client, table,
                                                                                  secretariat):
    session = schedule_session(table)
    behind = public_concern(table, title="Horas de espera para denunciar")
    submitted_proposal(table, session=session, concerns=[behind])
    elsewhere = public_concern(table, title="Robo de autopartes")
    submitted_proposal(table, session=schedule_session(table, title="Otra plenaria"), concerns=[elsewhere])
    start_session(session)
    client.force_login(secretariat)
    page = html(client.get(create_url(session)))
    assert "Horas de espera para denunciar" in page
    assert "Robo de autopartes" not in page


def test_a_subcommittees_coordinator_records_an_agreement_at_its_session(client, table, justice,
                                                                           justice_coordinator):
    session = held_session(table, subcommittee=justice, actor=justice_coordinator)
    client.force_login(justice_coordinator)
    response = client.post(create_url(session), {"text": "Acordamos revisar los casos."})
    assert response.status_code == 302
    assert Agreement.objects.get().session == session


@pytest.mark.parametrize("viewer", ["citizen", "official", "coordinator", "other_secretariat"])
def test_only_the_organisers_may_record_an_agreement(client, request, plenary, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(create_url(plenary)).status_code == 403
    assert client.post(create_url(plenary), {"text": "Acuerdo"}).status_code == 403
    assert not Agreement.objects.exists()


def test_a_coordinator_of_another_subcommittee_may_not_record_at_this_subcommittees_session(
        client, table, justice, rights_coordinator):
    session = held_session(table, subcommittee=justice)
    client.force_login(rights_coordinator)
    assert client.post(create_url(session), {"text": "Acuerdo"}).status_code == 403
    assert not Agreement.objects.exists()


def test_recording_at_a_session_the_person_may_not_see_is_not_found(client, outsider):
    private_table = TableFactory(is_public=False, secretariat=UserFactory())
    session = held_session(private_table)
    client.force_login(outsider)
    assert client.post(create_url(session), {"text": "Acuerdo"}).status_code == 404
    assert not Agreement.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, plenary):
    response = client.post(create_url(plenary), {"text": "Acuerdo"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not Agreement.objects.exists()


def test_an_empty_text_is_a_clear_error_and_nothing_is_saved(client, plenary, secretariat):
    client.force_login(secretariat)
    response = english(client).post(create_url(plenary), {"text": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["Write the text of the agreement."]
    assert not Agreement.objects.exists()


def test_another_tables_concern_number_is_a_clear_error_and_nothing_is_saved(
        client, plenary, secretariat, other_table):
    theirs = public_concern(other_table, title="Planteamiento de otra mesa")
    client.force_login(secretariat)
    response = english(client).post(create_url(plenary),
                                    {"text": "Acuerdo", "other_concerns": str(theirs.pk)})
    assert response.status_code == 200
    assert response.context["form"].errors["other_concerns"] == [
        f"There is no concern number {theirs.pk} at this table."]
    assert "Planteamiento de otra mesa" not in html(response)
    assert not Agreement.objects.exists()


def test_a_concern_number_that_is_not_a_number_is_a_clear_error(client, plenary, secretariat):
    client.force_login(secretariat)
    response = english(client).post(create_url(plenary), {"text": "Acuerdo", "other_concerns": "12, doce"})
    assert response.context["form"].errors["other_concerns"] == ["“doce” is not a concern number."]
    assert not Agreement.objects.exists()


def test_another_tables_institution_or_proposal_is_refused(client, plenary, secretariat, other_table):
    theirs = InstitutionFactory(table=other_table)
    their_proposal = submitted_proposal(other_table)
    client.force_login(secretariat)
    response = client.post(create_url(plenary), {"text": "Acuerdo", "responsible_institutions": [theirs.pk],
                                                  "proposals": [their_proposal.pk]})
    assert response.status_code == 200
    assert {"responsible_institutions", "proposals"} <= set(response.context["form"].errors)
    assert not Agreement.objects.exists()


def test_no_agreement_before_the_session_starts(client, table, secretariat):
    session = schedule_session(table)
    client.force_login(secretariat)
    page = html(english(client).get(create_url(session)))
    assert "Agreements are recorded once the session has started." in page
    response = english(client).post(create_url(session), {"text": "Acuerdo"})
    assert "Agreements are recorded once the session has started." in html(response)
    assert not Agreement.objects.exists()


def test_no_agreement_at_a_cancelled_session(client, table, secretariat):
    session = schedule_session(table)
    services.session_cancel(session=session, actor=secretariat, reason="Sin quórum")
    start_session(session)
    client.force_login(secretariat)
    assert "This session was cancelled." in html(english(client).get(create_url(session)))
    response = english(client).post(create_url(session), {"text": "Acuerdo"})
    assert response.status_code == 200 and "This session was cancelled." in html(response)
    assert not Agreement.objects.exists()


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_each_agreement_with_its_session_institutions_and_withdrawal(
        client, table, plenary, fiscalia, secretariat):
    kept = record(plenary, text="La Fiscalía enviará 40 agentes.", responsible_institutions=[fiscalia])
    gone = record(plenary, text="Se instalará una cámara en la esquina.")
    services.agreement_withdraw(agreement=gone, actor=secretariat, reason="Ya no hace falta")
    page = html(english(client).get(list_url(table)))
    assert kept.code in page and gone.code in page
    assert "La Fiscalía enviará 40 agentes." in page
    assert "Fiscalía del Estado (FGE) (State)" in page
    assert plenary.code in page
    assert "Withdrawn" in page


def test_the_list_shows_the_session_date_in_the_tables_time_zone(client, table, plenary):
    record(plenary)
    # 23:30 in Ciudad Juárez is already the next day in UTC.
    late = datetime(2026, 3, 20, 23, 30, tzinfo=JUAREZ)
    Session.objects.filter(pk=plenary.pk).update(starts_at=late, ends_at=late.replace(minute=45))
    page = html(english(client).get(list_url(table)))
    assert "March 20, 2026" in page and "March 21, 2026" not in page


def test_the_list_filters_by_responsible_institution_and_status(client, table, plenary, fiscalia,
                                                                 guardia, secretariat):
    fge = record(plenary, text="Acuerdo de la Fiscalía", responsible_institutions=[fiscalia])
    gn = record(plenary, text="Acuerdo de la Guardia", responsible_institutions=[guardia])
    services.agreement_withdraw(agreement=gn, actor=secretariat, reason="Duplicado")
    page = html(client.get(list_url(table), {"institution": fiscalia.pk}))
    assert "Acuerdo de la Fiscalía" in page and "Acuerdo de la Guardia" not in page
    page = html(client.get(list_url(table), {"status": "withdrawn"}))
    assert "Acuerdo de la Guardia" in page and "Acuerdo de la Fiscalía" not in page
    page = html(client.get(list_url(table), {"status": "in_force"}))
    assert fge.code in page and gn.code not in page


def test_anonymous_visitors_see_agreements_of_public_sessions_only(client, table):
    public = held_session(table)
    closed = held_session(table, is_public=False)
    shown = record(public, text="Acuerdo de una sesión abierta")
    hidden = record(closed, text="Acuerdo de una sesión cerrada")
    page = html(client.get(list_url(table)))
    assert "Acuerdo de una sesión abierta" in page and "Acuerdo de una sesión cerrada" not in page
    assert client.get(shown.get_absolute_url()).status_code == 200
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_members_see_agreements_of_sessions_closed_to_the_public(client, table, citizen):
    agreement = record(held_session(table, is_public=False), text="Acuerdo de una sesión cerrada")
    client.force_login(citizen)
    assert "Acuerdo de una sesión cerrada" in html(client.get(list_url(table)))
    assert client.get(agreement.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_the_list_query_count_is_constant(client, table, citizen, plenary, fiscalia, guardia, n,
                                          django_assert_max_num_queries):
    for i in range(n):
        record(plenary, text=f"Acuerdo {i}", responsible_institutions=[fiscalia, guardia])
    client.force_login(citizen)
    # session, user, table perms (user + groups), the institution filter's choices, count,
    # page of agreements (with session, visible_to's guardian subqueries), their institutions
    with django_assert_max_num_queries(12):
        assert client.get(list_url(table)).status_code == 200


# --- One agreement ------------------------------------------------------------------------


def test_the_page_shows_the_text_session_links_and_institutions_by_level(client, table, plenary, fiscalia,
                                                                         guardia, citizen):
    concern = public_concern(table, title="Extorsión en el mercado")
    proposal = submitted_proposal(table, session=plenary, title="200 agentes del ministerio público")
    agreement = record(plenary, text="La Fiscalía enviará 40 agentes.", concerns=[concern],
                       proposals=[proposal], responsible_institutions=[fiscalia, guardia])
    client.force_login(citizen)
    page = html(english(client).get(agreement.get_absolute_url()))
    assert agreement.code in page and "La Fiscalía enviará 40 agentes." in page
    assert plenary.get_absolute_url() in page
    assert "Extorsión en el mercado" in page and "200 agentes del ministerio público" in page
    # Federal before state.
    assert page.index("Federal") < page.index("Guardia Nacional") < page.index("State") < page.index(
        "Fiscalía del Estado")
    assert "America/Ciudad_Juarez" in page
    assert "Secretaría" in page  # members see who recorded it
    assert withdraw_url(agreement) not in page


def test_a_restricted_concerns_title_is_never_shown_to_who_may_not_read_it(client, table, plenary, citizen,
                                                                          secretariat):
    restricted = raise_concern(table, reporter=citizen, visibility="restricted",
                               title="Amenazas del comandante de zona")
    hidden = public_concern(table, title="Planteamiento oculto")
    from concerns import services as concern_services

    concern_services.concern_hide(concern=hidden, actor=secretariat, reason="Datos personales")
    agreement = record(plenary, concerns=[restricted, hidden])
    page = html(client.get(agreement.get_absolute_url()))
    assert "Amenazas del comandante de zona" not in page and "Planteamiento oculto" not in page
    member = make_member(table).user
    client.force_login(member)
    page = html(client.get(agreement.get_absolute_url()))
    assert "Amenazas del comandante de zona" in page and "Planteamiento oculto" not in page
    assert "Secretaría" in page


def test_the_page_hides_who_recorded_it_from_non_members(client, plenary):
    agreement = record(plenary)
    assert "Secretaría" not in html(client.get(agreement.get_absolute_url()))


def test_the_page_shows_times_in_the_tables_time_zone(client, table, plenary):
    agreement = record(plenary)
    six_pm = datetime(2026, 3, 20, 18, 0, tzinfo=JUAREZ)
    Session.objects.filter(pk=plenary.pk).update(starts_at=six_pm, ends_at=six_pm.replace(hour=20))
    page = html(client.get(agreement.get_absolute_url()))  # Spanish: 24-hour clock
    assert "18:00" in page


def test_the_secretariat_sees_a_withdraw_link(client, plenary, secretariat):
    agreement = record(plenary)
    client.force_login(secretariat)
    assert withdraw_url(agreement) in html(client.get(agreement.get_absolute_url()))


@pytest.mark.parametrize("n", [1, 10])
def test_the_page_query_count_is_constant(client, table, plenary, citizen, n, django_assert_max_num_queries):
    concerns = [public_concern(table, title=f"Planteamiento {i}") for i in range(n)]
    institutions = [InstitutionFactory(table=table) for _ in range(n)]
    agreement = record(plenary, concerns=concerns, responsible_institutions=institutions)
    services.agreement_withdraw(agreement=agreement, actor=secretariat_of(table), reason="Duplicado")
    client.force_login(citizen)
    # session, user, agreement (visible_to + guardian), table perms (user + groups), concerns
    # (visible_to + guardian), proposals (visible_to + guardian), history, names, institutions
    with django_assert_max_num_queries(16):
        assert client.get(agreement.get_absolute_url()).status_code == 200


def test_agreements_have_no_edit_or_delete_page():
    for name in ("meetings:agreement-edit", "meetings:agreement-delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs={"table_slug": "mesa", "pk": 1})


# --- Withdrawing ------------------------------------------------------------------------


def test_the_secretariat_withdraws_an_agreement_with_a_reason_and_the_text_stays(client, plenary,
                                                                                 secretariat):
    agreement = record(plenary, text="Se instalará una cámara en la esquina.")
    client.force_login(secretariat)
    assert "Why the agreement is withdrawn" in html(english(client).get(withdraw_url(agreement)))
    response = client.post(withdraw_url(agreement), {"reason": "La esquina ya tiene cámara."})
    assert response.status_code == 302 and response.url == agreement.get_absolute_url()
    agreement.refresh_from_db()
    assert agreement.is_withdrawn and agreement.withdrawn_by == secretariat
    page = html(english(client).get(agreement.get_absolute_url()))
    assert "This agreement was withdrawn." in page and "La esquina ya tiene cámara." in page
    assert "Se instalará una cámara en la esquina." in page
    assert "Recorded" in page and "Changed" in page  # both versions in the history
    assert withdraw_url(agreement) not in page


def test_withdrawing_without_a_reason_is_a_clear_error(client, plenary, secretariat):
    agreement = record(plenary)
    client.force_login(secretariat)
    response = english(client).post(withdraw_url(agreement), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why the agreement is withdrawn."]
    agreement.refresh_from_db()
    assert not agreement.is_withdrawn


def test_an_agreement_is_withdrawn_once(client, plenary, secretariat):
    agreement = record(plenary)
    services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Primera razón")
    client.force_login(secretariat)
    assert "This agreement was already withdrawn." in html(english(client).get(withdraw_url(agreement)))
    response = english(client).post(withdraw_url(agreement), {"reason": "Otra razón"})
    assert "This agreement was already withdrawn." in html(response)
    agreement.refresh_from_db()
    assert agreement.withdrawal_reason == "Primera razón"


@pytest.mark.parametrize("viewer", ["citizen", "official", "coordinator", "justice_coordinator",
                                    "other_secretariat"])
def test_only_the_secretariat_may_withdraw(client, request, plenary, viewer):
    agreement = record(plenary)
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(withdraw_url(agreement)).status_code in (403, 404)
    assert client.post(withdraw_url(agreement), {"reason": "Porque sí"}).status_code in (403, 404)
    agreement.refresh_from_db()
    assert not agreement.is_withdrawn


def test_another_tables_secretariat_cannot_see_a_closed_sessions_agreement(client, table, other_secretariat):
    agreement = record(held_session(table, is_public=False))
    client.force_login(other_secretariat)
    assert client.post(withdraw_url(agreement), {"reason": "Porque sí"}).status_code == 404
    agreement.refresh_from_db()
    assert not agreement.is_withdrawn


# --- Never rewritten ----------------------------------------------------------------------


def test_the_database_refuses_to_rewrite_an_agreement_and_the_page_keeps_the_original(client, plenary):
    agreement = record(plenary, text="La Fiscalía enviará 40 agentes.")
    with pytest.raises((ProgrammingError, InternalError)), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).update(text="La Fiscalía enviará 4 agentes.")
    with pytest.raises((ProgrammingError, InternalError)), transaction.atomic():
        Agreement.objects.filter(pk=agreement.pk).delete()
    page = html(client.get(agreement.get_absolute_url()))
    assert "La Fiscalía enviará 40 agentes." in page and "4 agentes." not in page.replace("40 agentes.", "")


def test_the_history_shows_the_original_text_after_a_withdrawal(client, plenary, secretariat):
    agreement = record(plenary, text="Texto original del acuerdo.")
    services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Se corrigió en otro acuerdo")
    page = html(english(client).get(agreement.get_absolute_url()))
    history = page[page.index('id="history-heading"'):]
    assert history.count("Texto original del acuerdo.") == 2
    assert "Se corrigió en otro acuerdo" in history


# --- Languages ---------------------------------------------------------------------------


def test_the_pages_render_in_spanish_and_english(client, table, plenary, secretariat):
    agreement = record(plenary)
    client.force_login(secretariat)
    for url in (list_url(table), agreement.get_absolute_url(), create_url(plenary), withdraw_url(agreement)):
        response = client.get(url)
        assert response["Content-Language"] == "es" and '<html lang="es">' in html(response)
        assert "Todas las mesas" in html(response)
    english(client)
    assert "Agreements of" in html(client.get(list_url(table)))
    assert "Text of the agreement" in html(client.get(agreement.get_absolute_url()))
    assert "Record the agreement" in html(client.get(create_url(plenary)))
    assert "Withdraw the agreement" in html(client.get(withdraw_url(agreement)))
