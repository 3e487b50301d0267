"""Commitment pages: the list and its filters, recording one under an agreement, its page (due
dates, delivery, reviews, updates, history), keeping it, posting updates, comments and reviews;
each refused to everyone else, and nothing half-saved on bad input."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.models import (
    ActionUpdate,
    Commitment,
    CommitmentStatus,
    DeliveryReview,
    DueDateChange,
    UpdateComment,
    Verdict,
)
from meetings.models import Session
from mesa.models import GovernmentLevel
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.commitments.factories import institution, post_update, record_agreement, record_commitment
from tests.meetings.factories import held_session, secretariat_of
from tests.mesa.factories import TableFactory

pytestmark = pytest.mark.django_db


# --- Helpers ------------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def english(client):
    client.cookies["django_language"] = "en"
    return client


def as_person(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return english(client)


def list_url(table, **params) -> str:
    url = reverse("commitments:list", kwargs={"table_slug": table.slug})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def url(name: str, commitment: Commitment, **extra) -> str:
    return reverse(f"commitments:{name}", kwargs={"table_slug": commitment.table.slug, "pk": commitment.pk,
                                                  **extra})


def create_url(agreement) -> str:
    return reverse("commitments:create", kwargs={"table_slug": agreement.table.slug,
                                                 "agreement_pk": agreement.pk})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def overdue_commitment(agreement, institution, days: int, **extra) -> Commitment:
    """A commitment of `institution` due `days` days ago in the table's zone. Services refuse a due
    date before the agreement, so the agreement's session is first moved back in time."""
    session = agreement.session
    Session.objects.filter(pk=session.pk).update(starts_at=session.starts_at - timedelta(days=days + 30),
                                                 ends_at=session.ends_at - timedelta(days=days + 30))
    session.refresh_from_db()
    today = timezone.localtime(timezone.now(), agreement.table.zone).date()
    extra.setdefault("unit", "agentes del ministerio público")
    extra.setdefault("requested", 200)
    extra.setdefault("committed", 40)
    return record_commitment(agreement, institution=institution, due_on=today - timedelta(days=days), **extra)


def closed_commitment(table, fge):
    """A commitment under an agreement of a session closed to non-members."""
    agreement = record_agreement(table, institutions=[fge], session=held_session(table, is_public=False),
                                 text="Acuerdo reservado")
    return record_commitment(agreement, institution=fge, description="Compromiso reservado")


def commitment_form_data(fge, due_on, **extra) -> dict:
    data = {"institution": fge.pk, "description": "Enviar 40 agentes del ministerio público.",
            "due_on": due_on.isoformat(), "unit": "agentes", "requested": "200", "committed": "40"}
    data.update(extra)
    return data


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_each_commitment_with_institution_level_due_date_status_and_quantities(
        client, commitment):
    page = html(english(client).get(list_url(commitment.table)))
    assert commitment.code in page and commitment.get_absolute_url() in page
    assert "Fiscalía General del Estado" in page and "State" in page
    assert "0 of 200 agentes del ministerio público delivered" in page
    assert commitment.due_on.isoformat() in page and "Open" in page
    assert "Overdue" not in page


def test_the_list_marks_an_overdue_commitment_with_its_days_and_a_moved_due_date(client, agreement, fge,
                                                                                 secretariat):
    commitment = overdue_commitment(agreement, fge, 20)
    services.commitment_move_due_date(commitment=commitment, actor=secretariat,
                                      due_on=commitment.due_on + timedelta(days=15), reason="Se amplió")
    page = html(english(client).get(list_url(commitment.table)))
    assert "Overdue by 5 days" in page and "Moved (originally" in page


def test_the_list_filters_by_institution_level_status_agreement_and_overdue(client, table, agreement, fge,
                                                                            guard, police, secretariat):
    by_fge = record_commitment(agreement, institution=fge, description="Compromiso de la Fiscalía")
    by_guard = record_commitment(agreement, institution=guard, description="Compromiso de la Guardia")
    other_agreement = record_agreement(table, institutions=[police], text="Otro acuerdo")
    by_police = overdue_commitment(other_agreement, police, 3, description="Compromiso municipal")
    services.commitment_set_status(commitment=by_guard, actor=secretariat, status=CommitmentStatus.FULFILLED)
    english(client)

    def shown(**params):
        page = html(client.get(list_url(table, **params)))
        return {c.description for c in (by_fge, by_guard, by_police) if c.description in page}

    assert shown() == {by_fge.description, by_guard.description, by_police.description}
    assert shown(institution=fge.pk) == {by_fge.description}
    assert shown(level=GovernmentLevel.FEDERAL) == {by_guard.description}
    assert shown(status=CommitmentStatus.FULFILLED) == {by_guard.description}
    assert shown(status="pending") == {by_fge.description, by_police.description}
    assert shown(agreement=other_agreement.pk) == {by_police.description}
    assert shown(overdue=1) == {by_police.description}
    assert shown(level=GovernmentLevel.STATE, status=CommitmentStatus.OPEN) == {by_fge.description}


@pytest.mark.parametrize("params", [
    {"institution": "abc"}, {"institution": "99999999999999999999999"}, {"level": "galactic"},
    {"status": "done"}, {"agreement": "-1"}, {"agreement": "99999999999999999999999"},
])
def test_an_invalid_filter_is_a_clear_error_not_a_crash(client, commitment, params):
    response = english(client).get(list_url(commitment.table, **params))
    assert response.status_code == 200
    page = html(response)
    assert "Please correct the following" in page and commitment.code in page


def test_another_tables_institution_is_not_a_valid_filter(client, commitment, other_table):
    elsewhere = institution(other_table, "Fiscalía de otro estado")
    page = html(english(client).get(list_url(commitment.table, institution=elsewhere.pk)))
    assert "Please correct the following" in page


def test_anonymous_visitors_see_commitments_of_public_sessions_only(client, table, commitment, fge, citizen):
    hidden = closed_commitment(table, fge)
    page = html(client.get(list_url(table)))
    assert commitment.code in page and hidden.code not in page
    client.force_login(citizen)
    assert hidden.code in html(client.get(list_url(table)))


def test_the_list_of_a_table_closed_to_non_members_is_refused_to_outsiders(client, outsider):
    closed = TableFactory(is_public=False)
    assert client.get(list_url(closed)).status_code == 403
    client.force_login(outsider)
    assert client.get(list_url(closed)).status_code == 403


@pytest.mark.parametrize("n", [1, 10])
def test_the_list_query_count_is_constant(client, table, agreement, fge, guard, citizen, n,
                                          django_assert_max_num_queries):
    for i in range(n):
        record_commitment(agreement, institution=fge if i % 2 else guard, description=f"Compromiso {i}")
    client.force_login(citizen)
    # session, user, table, filter choices (institutions, agreements), count, page (with
    # institution, agreement, session, overdue worked out in SQL), table perms (user + groups)
    with django_assert_max_num_queries(12):
        assert client.get(list_url(table, level="state", overdue=1)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(list_url(table)).status_code == 200


# --- Recording -----------------------------------------------------------------------------


def test_the_secretariat_records_a_commitment_with_partners_officials_and_quantities(
        client, agreement, fge, guard, fge_official, secretariat):
    due_on = services.agreement_date(agreement) + timedelta(days=60)
    response = as_person(client, secretariat).post(create_url(agreement), commitment_form_data(
        fge, due_on, co_responsible=[guard.pk], responsible_officials=[fge_official.pk]))
    commitment = Commitment.objects.get()
    assert response.status_code == 302 and response.url == commitment.get_absolute_url()
    assert (commitment.institution, commitment.due_on, commitment.original_due_on) == (fge, due_on, due_on)
    assert (commitment.unit, commitment.requested, commitment.committed) == ("agentes", 200, 40)
    assert list(commitment.co_responsible.all()) == [guard]
    assert list(commitment.responsible_officials.all()) == [fge_official]
    assert commitment.code == f"{agreement.code}-1"
    assert any(commitment.code in m for m in messages_of(response))


def test_the_form_offers_only_the_institutions_the_agreement_names(client, agreement, fge, guard, police,
                                                                   secretariat):
    page = html(as_person(client, secretariat).get(create_url(agreement)))
    assert "Fiscalía General del Estado" in page and "Guardia Nacional" in page
    assert "Policía Municipal" not in page
    assert 'type="date"' in page
    response = client.post(create_url(agreement), commitment_form_data(
        police, services.agreement_date(agreement)))
    assert response.status_code == 200 and "Select a valid choice" in html(response)
    assert not Commitment.objects.exists()


def test_without_named_institutions_any_active_institution_of_the_table_is_offered(client, table, fge,
                                                                                   police, secretariat):
    agreement = record_agreement(table)
    page = html(as_person(client, secretariat).get(create_url(agreement)))
    assert "Fiscalía General del Estado" in page and "Policía Municipal" in page


def test_a_co_responsible_institution_at_the_same_level_is_refused_on_its_field(client, table, secretariat,
                                                                                fge):
    other_state = institution(table, "Secretaría de Seguridad del Estado", GovernmentLevel.STATE)
    agreement = record_agreement(table, institutions=[fge, other_state])
    response = as_person(client, secretariat).post(create_url(agreement), commitment_form_data(
        fge, services.agreement_date(agreement), co_responsible=[other_state.pk]))
    assert response.status_code == 200
    assert "another level of government" in html(response)
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("due_on", "before", "The due date cannot be before the agreement"),
    ("requested", "-5", "greater than or equal to 0"),
    ("committed", "2000000", "less than or equal to 1000000"),
    ("description", "   ", "Say what was committed."),
    ("due_on", "31/02/2026", "Enter a valid date."),
])
def test_bad_input_is_a_clear_error_on_its_field_and_nothing_is_saved(client, agreement, fge, secretariat,
                                                                      field, value, message):
    if value == "before":
        value = (services.agreement_date(agreement) - timedelta(days=1)).isoformat()
    data = commitment_form_data(fge, services.agreement_date(agreement))
    data[field] = value
    response = as_person(client, secretariat).post(create_url(agreement), data)
    assert response.status_code == 200 and message in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert not Commitment.objects.exists()


def test_quantities_without_a_unit_are_refused(client, agreement, fge, secretariat):
    data = commitment_form_data(fge, services.agreement_date(agreement), unit="")
    response = as_person(client, secretariat).post(create_url(agreement), data)
    assert response.status_code == 200 and "Say what is counted" in html(response)
    assert not Commitment.objects.exists()


def test_an_official_of_another_institution_is_refused_as_responsible_official(client, agreement, fge,
                                                                               police_official, secretariat):
    data = commitment_form_data(fge, services.agreement_date(agreement),
                                responsible_officials=[police_official.pk])
    response = as_person(client, secretariat).post(create_url(agreement), data)
    assert response.status_code == 200
    assert "verified officials of the responsible institution" in html(response)
    assert not Commitment.objects.exists()


@pytest.mark.parametrize("viewer", ["citizen", "fge_official", "pending_official", "coordinator"])
def test_only_the_organisers_may_record_a_commitment(client, request, agreement, fge, viewer):
    as_person(client, request.getfixturevalue(viewer))
    assert client.get(create_url(agreement)).status_code == 403
    assert client.post(create_url(agreement), commitment_form_data(
        fge, services.agreement_date(agreement))).status_code == 403
    assert not Commitment.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in_to_record(client, agreement):
    response = client.get(create_url(agreement))
    assert response.status_code == 302 and "login" in response.url


def test_another_tables_secretariat_may_not_record(client, table, agreement, fge, other_secretariat):
    as_person(client, other_secretariat)
    assert client.get(create_url(agreement)).status_code == 403  # a public agreement: seen, not theirs
    closed = record_agreement(table, institutions=[fge], session=held_session(table, is_public=False))
    assert client.get(create_url(closed)).status_code == 404


def test_a_withdrawn_agreement_takes_no_commitment(client, agreement, fge, secretariat):
    from meetings import services as meeting_services

    meeting_services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Duplicado")
    page = html(as_person(client, secretariat).get(create_url(agreement)))
    assert "it takes no commitments" in page and "<form method=\"post\"" not in page.split("</header>")[1]
    data = commitment_form_data(fge, services.agreement_date(agreement))
    response = client.post(create_url(agreement), data)
    assert response.status_code == 200 and "it takes no commitments" in html(response)
    assert not Commitment.objects.exists()


# --- The agreement's page and the table's sections -----------------------------------------


def test_the_agreement_page_lists_its_commitments_and_offers_to_record_one(client, agreement, fge,
                                                                           secretariat, citizen):
    commitment = overdue_commitment(agreement, fge, 4)
    agreement_url = commitment.agreement.get_absolute_url()
    page = html(as_person(client, secretariat).get(agreement_url))
    assert commitment.get_absolute_url() in page and "Overdue by 4 days" in page
    assert create_url(commitment.agreement) in page
    page = html(as_person(client, citizen).get(agreement_url))
    assert commitment.get_absolute_url() in page and create_url(commitment.agreement) not in page


def test_the_table_sections_link_to_commitments_the_dashboard_and_open_data(client, table, citizen):
    as_person(client, None)
    page = html(client.get(table.get_absolute_url()))
    assert list_url(table) in page
    assert reverse("commitments:dashboard", kwargs={"table_slug": table.slug}) in page
    assert reverse("commitments:open-data", kwargs={"table_slug": table.slug}) in page
    table.dashboard_is_public = False
    table.save()
    dashboard = reverse("commitments:dashboard", kwargs={"table_slug": table.slug})
    assert dashboard not in html(client.get(table.get_absolute_url()))
    as_person(client, citizen)
    assert dashboard in html(client.get(table.get_absolute_url()))


# --- One commitment -----------------------------------------------------------------------


def test_the_page_shows_what_who_by_when_and_how_much(client, agreement, fge, guard, fge_official, citizen):
    commitment = record_commitment(agreement, institution=fge, co_responsible=[guard],
                                   responsible_officials=[fge_official], unit="agentes", requested=200,
                                   committed=40, description="Enviar agentes a Ciudad Juárez.")
    post_update(commitment, fge_official, delivered_change=40)
    page = html(as_person(client, citizen).get(commitment.get_absolute_url()))
    assert "Enviar agentes a Ciudad Juárez." in page
    assert commitment.agreement.get_absolute_url() in page
    assert "Fiscalía General del Estado" in page and "State" in page
    assert "Guardia Nacional" in page and "Federal" in page
    assert fge_official.display_name in page  # members see names
    assert "40 of 200 agentes delivered (20%)</label>" in page
    assert '<progress id="delivered-share" value="40" max="200">' in page
    assert '<label for="delivered-share">' in page
    assert "In progress" in page


def test_the_page_hides_peoples_names_from_non_members(client, agreement, fge, fge_official, table):
    commitment = record_commitment(agreement, institution=fge, responsible_officials=[fge_official],
                                   unit="agentes", requested=10)
    post_update(commitment, fge_official, delivered_change=2)
    page = html(as_person(client, None).get(commitment.get_absolute_url()))
    assert fge_official.display_name not in page
    assert secretariat_of(table).display_name not in page
    assert "Posted by Fiscalía General del Estado (FGE), on" in page


def test_a_moved_due_date_shows_the_original_beside_the_current_with_why_who_and_where(
        client, table, commitment, secretariat, citizen):
    original = commitment.due_on
    session = held_session(table, title="Plenaria de seguimiento")
    services.commitment_move_due_date(commitment=commitment, actor=secretariat,
                                      due_on=original + timedelta(days=30), reason="Falta presupuesto",
                                      agreed_at=session, agreed_by="La plenaria")
    page = html(as_person(client, citizen).get(commitment.get_absolute_url()))
    assert "Original due date" in page and "Current due date" in page
    assert f'datetime="{original.isoformat()}"' in page
    assert f'datetime="{(original + timedelta(days=30)).isoformat()}"' in page
    assert "Falta presupuesto" in page and "La plenaria" in page
    assert session.get_absolute_url() in page and "Plenaria de seguimiento" in page
    assert f"by {secretariat.display_name}" in page


def test_an_overdue_commitment_shows_its_days_overdue(client, agreement, fge):
    commitment = overdue_commitment(agreement, fge, 12)
    page = html(as_person(client, None).get(commitment.get_absolute_url()))
    assert "Overdue by 12 days" in page and "12 days overdue." in page


def test_updates_show_evidence_corrections_and_comments(client, commitment, fge_official, secretariat,
                                                        citizen):
    first = post_update(commitment, fge_official, text="Llegaron 50 agentes.", delivered_change=50)
    post_update(commitment, fge_official, text="Eran 40, no 50.", delivered_change=-10, corrects=first)
    services.update_comment(update=first, actor=secretariat, text="¿Dónde están asignados?")
    page = html(as_person(client, citizen).get(commitment.get_absolute_url()))
    assert "Llegaron 50 agentes." in page and "Eran 40, no 50." in page
    assert f'Corrects <a href="#update-{first.pk}">update #1</a>' in page
    assert "Corrected by:" in page
    assert "¿Dónde están asignados?" in page
    assert "50 more agentes del ministerio público delivered" in page
    assert f"Posted by {fge_official.display_name}, Fiscalía General del Estado (FGE), on" in page
    assert "40 of 200" in page


def test_links_and_forms_follow_who_may_do_what(client, commitment, fge_official, secretariat, citizen,
                                                police_official):
    update = post_update(commitment, fge_official)
    post_link = url("update-create", commitment)
    manage_links = [url("edit", commitment), url("move-due-date", commitment), url("set-status", commitment)]
    comment_action = url("update-comment", commitment, update_pk=update.pk)

    page = html(as_person(client, fge_official).get(commitment.get_absolute_url()))
    assert post_link in page and comment_action not in page
    assert not any(link in page for link in manage_links)

    page = html(as_person(client, secretariat).get(commitment.get_absolute_url()))
    assert post_link not in page and comment_action in page
    assert all(link in page for link in manage_links)

    for person in (citizen, police_official, None):
        page = html(as_person(client, person).get(commitment.get_absolute_url()))
        assert post_link not in page and comment_action not in page
        assert not any(link in page for link in manage_links)


def test_reviews_are_counted_beside_the_delivered_figure_with_names_for_members(client, agreement, fge,
                                                                                citizen, representative):
    commitment = overdue_commitment(agreement, fge, 1)
    services.delivery_review(commitment=commitment, user=citizen, verdict=Verdict.CONFIRMED)
    services.delivery_review(commitment=commitment, user=representative, verdict=Verdict.DISPUTED,
                             comment="No llegaron todos.")
    page = html(as_person(client, citizen).get(commitment.get_absolute_url()))
    assert "(1 confirm, 1 dispute)" in page and "No llegaron todos." in page
    assert representative.display_name in page
    assert "Change your review" in page  # the citizen's own review, as the form's start
    page = html(as_person(client, None).get(commitment.get_absolute_url()))
    assert "(1 confirm, 1 dispute)" in page and representative.display_name not in page


def test_before_the_due_date_members_are_told_when_they_can_review(client, commitment, citizen):
    page = html(as_person(client, citizen).get(commitment.get_absolute_url()))
    assert "once the due date has come" in page
    assert url("review", commitment) not in page


def test_the_history_shows_each_change_old_and_new_with_who(client, commitment, secretariat, citizen):
    response = as_person(client, secretariat).post(url("edit", commitment), {
        "description": "Texto corregido.", "unit": commitment.unit, "requested": "200", "committed": "60"})
    assert response.status_code == 302
    page = html(as_person(client, citizen).get(commitment.get_absolute_url()))
    history = page.split('id="history-heading"')[1]
    assert "Recorded" in history and "Changed" in history
    assert "Committed: “40” → “60”" in history
    assert "Texto corregido." in history
    assert secretariat.display_name in history  # the change made through the page names who
    anonymous_history = html(as_person(client, None).get(commitment.get_absolute_url())).split(
        'id="history-heading"')[1]
    assert "Committed: “40” → “60”" in anonymous_history
    assert secretariat.display_name not in anonymous_history


def test_a_commitment_the_person_may_not_see_is_not_found(client, table, fge, outsider, other_table):
    hidden = closed_commitment(table, fge)
    assert as_person(client, None).get(hidden.get_absolute_url()).status_code == 404
    assert as_person(client, outsider).get(hidden.get_absolute_url()).status_code == 404
    elsewhere = reverse("commitments:detail", kwargs={"table_slug": other_table.slug, "pk": hidden.pk})
    assert as_person(client, secretariat_of(table)).get(elsewhere).status_code == 404


@pytest.mark.parametrize("n", [1, 6])
def test_the_page_query_count_is_constant(client, table, agreement, fge, fge_official, secretariat, n,
                                          django_assert_max_num_queries):
    from tests.mesa.factories import make_member

    commitment = overdue_commitment(agreement, fge, 2 * n + 2)
    for i in range(n):
        update = post_update(commitment, fge_official, text=f"Avance {i}", delivered_change=1)
        services.update_comment(update=update, actor=secretariat, text=f"Comentario {i}")
        services.commitment_move_due_date(commitment=commitment, actor=secretariat,
                                          due_on=commitment.due_on + timedelta(days=i + 1),
                                          reason=f"Razón {i}", agreed_at=commitment.agreement.session)
        services.delivery_review(commitment=commitment, user=make_member(table).user,
                                 verdict=Verdict.DISPUTED, comment=f"Falta {i}")
    services.commitment_update(commitment=commitment, actor=secretariat, description="Otro texto",
                               co_responsible=[], responsible_officials=[fge_official], unit="agentes",
                               requested=200, committed=40)
    client.force_login(secretariat)
    # session, user, commitment (visible_to + guardian), table perms (user + groups), coordinated
    # subcommittees, official memberships, updates (+ evidence, comments with authors), due-date
    # changes, reviews, events, names, co-responsible, officials, can_comment's subcommittees
    with django_assert_max_num_queries(19):
        assert client.get(commitment.get_absolute_url()).status_code == 200


# --- Keeping a commitment -----------------------------------------------------------------


def test_the_secretariat_changes_what_was_committed_and_the_history_keeps_the_old(client, commitment,
                                                                                  secretariat, guard):
    page = html(as_person(client, secretariat).get(url("edit", commitment)))
    assert "Enviar agentes del ministerio público" in page and 'value="40"' in page
    response = client.post(url("edit", commitment), {
        "description": "Enviar 60 agentes.", "co_responsible": [guard.pk], "unit": "agentes",
        "requested": "200", "committed": "60"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert (commitment.description, commitment.committed) == ("Enviar 60 agentes.", 60)
    assert list(commitment.co_responsible.all()) == [guard]
    assert commitment.events.count() == 2


def test_an_edit_with_bad_input_saves_nothing(client, commitment, secretariat):
    response = as_person(client, secretariat).post(url("edit", commitment), {
        "description": "Otro texto", "unit": "", "requested": "200", "committed": "40"})
    assert response.status_code == 200 and "Say what is counted" in html(response)
    commitment.refresh_from_db()
    assert commitment.description != "Otro texto" and commitment.unit


def test_moving_the_due_date_needs_a_reason_and_keeps_the_original(client, commitment, secretariat):
    original = commitment.due_on
    new = original + timedelta(days=30)
    as_person(client, secretariat)
    response = client.post(url("move-due-date", commitment), {"due_on": new.isoformat(), "reason": ""})
    assert response.status_code == 200 and "Say why the due date moves." in html(response)
    assert not DueDateChange.objects.exists()
    response = client.post(url("move-due-date", commitment), {
        "due_on": new.isoformat(), "reason": "Falta presupuesto", "agreed_by": "La plenaria"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert (commitment.original_due_on, commitment.due_on) == (original, new)
    change = DueDateChange.objects.get()
    assert (change.previous_due_on, change.new_due_on, change.changed_by) == (original, new, secretariat)


def test_a_due_date_before_the_agreement_or_another_tables_session_is_refused(client, commitment,
                                                                              secretariat, other_table):
    from tests.meetings.factories import schedule_session

    as_person(client, secretariat)
    before = services.agreement_date(commitment.agreement) - timedelta(days=1)
    response = client.post(url("move-due-date", commitment), {"due_on": before.isoformat(), "reason": "x"})
    assert "cannot be before the agreement" in html(response)
    elsewhere = schedule_session(other_table)
    response = client.post(url("move-due-date", commitment), {
        "due_on": (commitment.due_on + timedelta(days=1)).isoformat(), "reason": "x",
        "agreed_at": elsewhere.pk})
    assert "Select a valid choice" in html(response)
    assert not DueDateChange.objects.exists()


def test_withdrawing_needs_a_reason_and_is_final(client, commitment, secretariat):
    as_person(client, secretariat)
    page = html(client.get(url("set-status", commitment)))
    assert "Withdrawing a commitment is final" in page
    response = client.post(url("set-status", commitment), {"status": "withdrawn", "reason": ""})
    assert response.status_code == 200 and "Say why the commitment is withdrawn." in html(response)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN
    response = client.post(url("set-status", commitment), {"status": "withdrawn", "reason": "Duplicado"})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert (commitment.status, commitment.status_reason) == (CommitmentStatus.WITHDRAWN, "Duplicado")
    page = html(client.get(commitment.get_absolute_url()))
    assert "This commitment was withdrawn" in page and "Duplicado" in page
    assert url("edit", commitment) not in page
    for name in ("edit", "move-due-date", "set-status"):
        assert "it takes no more changes" in html(client.get(url(name, commitment)))
    response = client.post(url("set-status", commitment), {"status": "open", "reason": ""})
    assert "it takes no more changes" in html(response)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.WITHDRAWN


def test_an_unknown_status_is_a_clear_error(client, commitment, secretariat):
    response = as_person(client, secretariat).post(url("set-status", commitment), {"status": "done"})
    assert response.status_code == 200 and "Select a valid choice" in html(response)


@pytest.mark.parametrize("viewer", ["citizen", "fge_official", "police_official", "pending_official",
                                    "coordinator", "other_secretariat"])
@pytest.mark.parametrize("name", ["edit", "move-due-date", "set-status"])
def test_only_the_organisers_keep_a_commitment(client, request, commitment, viewer, name):
    as_person(client, request.getfixturevalue(viewer))
    assert client.get(url(name, commitment)).status_code == 403
    assert client.post(url(name, commitment), {"status": "withdrawn", "reason": "x", "description": "x",
                                               "due_on": "2099-01-01"}).status_code == 403
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN and commitment.description != "x"
    assert not DueDateChange.objects.exists()


@pytest.mark.parametrize("name", ["edit", "move-due-date", "set-status", "update-create", "review"])
def test_anonymous_visitors_are_sent_to_log_in_to_change_anything(client, commitment, name):
    response = client.post(url(name, commitment), {})
    assert response.status_code == 302 and "login" in response.url


def test_another_tables_secretariat_cannot_see_a_closed_commitment(client, table, fge, other_secretariat):
    hidden = closed_commitment(table, fge)
    as_person(client, other_secretariat)
    for name in ("edit", "move-due-date", "set-status", "update-create", "review"):
        assert client.get(url(name, hidden)).status_code == 404


# --- Action updates -----------------------------------------------------------------------


def test_a_verified_official_of_the_institution_posts_an_update(client, commitment, fge_official):
    as_person(client, fge_official)
    page = html(client.get(url("update-create", commitment)))
    assert 'enctype="multipart/form-data"' in page and "Change in the delivered quantity" in page
    response = client.post(url("update-create", commitment), {
        "text": "Llegaron 40 agentes.", "action_on": commitment.local_today().isoformat(),
        "delivered_change": "40"})
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    assert (update.author, update.institution) == (fge_official, commitment.institution)
    assert update.delivered_change == 40
    commitment.refresh_from_db()
    assert (commitment.delivered, commitment.status) == (40, CommitmentStatus.IN_PROGRESS)


def test_a_correction_names_an_earlier_update_and_may_take_back(client, commitment, fge_official):
    first = post_update(commitment, fge_official, delivered_change=50)
    as_person(client, fge_official)
    assert "#1 · " in html(client.get(url("update-create", commitment)))
    response = client.post(url("update-create", commitment), {
        "text": "Eran 40.", "action_on": commitment.local_today().isoformat(), "delivered_change": "-10",
        "corrects": first.pk})
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.delivered == 40


@pytest.mark.parametrize(("data", "message"), [
    ({"delivered_change": "-10"}, "Only a correction of an earlier update can take delivered quantities"),
    ({"delivered_change": "5000000"}, "less than or equal to 1000000"),
    ({"text": ""}, "Say what was done."),
    ({"action_on": "tomorrow"}, "The date of the action cannot be in the future."),
])
def test_a_bad_update_is_a_clear_error_and_nothing_is_saved(client, commitment, fge_official, data, message):
    form = {"text": "Avance", "action_on": commitment.local_today().isoformat(), "delivered_change": "1"}
    form.update(data)
    if form["action_on"] == "tomorrow":
        form["action_on"] = (commitment.local_today() + timedelta(days=1)).isoformat()
    response = as_person(client, fge_official).post(url("update-create", commitment), form)
    assert response.status_code == 200 and message in html(response)
    assert not ActionUpdate.objects.exists()
    commitment.refresh_from_db()
    assert commitment.delivered == 0


def test_a_commitment_counting_nothing_asks_for_no_quantity(client, agreement, fge, fge_official):
    commitment = record_commitment(agreement, institution=fge)
    page = html(as_person(client, fge_official).get(url("update-create", commitment)))
    assert "Change in the delivered quantity" not in page and "Corrects update" not in page


@pytest.mark.parametrize("viewer", ["police_official", "unverified_fge_official", "citizen", "secretariat",
                                    "coordinator", "other_secretariat"])
def test_only_verified_officials_of_the_institution_post_updates(client, request, commitment, viewer):
    as_person(client, request.getfixturevalue(viewer))
    assert client.get(url("update-create", commitment)).status_code == 403
    response = client.post(url("update-create", commitment), {
        "text": "Avance", "action_on": commitment.local_today().isoformat()})
    assert response.status_code == 403
    assert not ActionUpdate.objects.exists()


def test_a_withdrawn_commitment_takes_no_update(client, commitment, fge_official, secretariat):
    services.commitment_set_status(commitment=commitment, actor=secretariat, status="withdrawn",
                                   reason="Duplicado")
    as_person(client, fge_official)
    assert "it takes no more changes" in html(client.get(url("update-create", commitment)))
    assert url("update-create", commitment) not in html(client.get(commitment.get_absolute_url()))
    response = client.post(url("update-create", commitment), {
        "text": "Avance", "action_on": commitment.local_today().isoformat()})
    assert response.status_code == 200 and "it takes no more changes" in html(response)
    assert not ActionUpdate.objects.exists()


# --- Comments -----------------------------------------------------------------------------


def test_the_secretariat_and_coordinators_comment_on_an_update(client, table, commitment, fge_official,
                                                               secretariat, coordinator):
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    subcommittee_set_coordinators(subcommittee=justice, users=[coordinator])
    update = post_update(commitment, fge_official)
    for person, text in ((secretariat, "¿Cuándo llegan?"), (coordinator, "Gracias")):
        response = as_person(client, person).post(url("update-comment", commitment, update_pk=update.pk),
                                                  {"text": text})
        assert response.status_code == 302 and response.url.endswith(f"#update-{update.pk}")
    assert [c.text for c in UpdateComment.objects.order_by("pk")] == ["¿Cuándo llegan?", "Gracias"]


def test_an_empty_comment_comes_back_with_its_error_and_nothing_is_saved(client, commitment, fge_official,
                                                                         secretariat):
    update = post_update(commitment, fge_official)
    response = as_person(client, secretariat).post(url("update-comment", commitment, update_pk=update.pk),
                                                   {"text": "  "})
    assert response.status_code == 200 and "Write the comment." in html(response)
    assert not UpdateComment.objects.exists()


@pytest.mark.parametrize("viewer", ["citizen", "fge_official", "police_official", "coordinator",
                                    "other_secretariat"])
def test_only_coordinators_and_the_secretariat_comment(client, request, commitment, fge_official, viewer):
    update = post_update(commitment, fge_official)
    as_person(client, request.getfixturevalue(viewer))
    response = client.post(url("update-comment", commitment, update_pk=update.pk), {"text": "Hola"})
    assert response.status_code == 403
    assert not UpdateComment.objects.exists()


def test_commenting_is_post_only_and_needs_an_update_of_this_commitment(client, agreement, fge, commitment,
                                                                        fge_official, secretariat):
    update = post_update(commitment, fge_official)
    other = record_commitment(agreement, institution=fge)
    as_person(client, secretariat)
    assert client.get(url("update-comment", commitment, update_pk=update.pk)).status_code == 405
    assert client.post(url("update-comment", other, update_pk=update.pk), {"text": "x"}).status_code == 404
    assert as_person(client, None).post(url("update-comment", commitment, update_pk=update.pk),
                                        {"text": "x"}).status_code == 302
    assert not UpdateComment.objects.exists()


# --- Reviews ------------------------------------------------------------------------------


def test_a_member_confirms_or_disputes_after_the_due_date(client, agreement, fge, citizen):
    commitment = overdue_commitment(agreement, fge, 1)
    as_person(client, citizen)
    page = html(client.get(commitment.get_absolute_url()))
    assert url("review", commitment) in page and "Confirm or dispute the delivery" in page
    response = client.post(url("review", commitment), {"verdict": "disputed", "comment": ""})
    assert response.status_code == 200 and "Say what you dispute." in html(response)
    assert not DeliveryReview.objects.exists()
    response = client.post(url("review", commitment), {"verdict": "disputed", "comment": "Faltan 160."})
    assert response.status_code == 302
    response = client.post(url("review", commitment), {"verdict": "confirmed", "comment": ""})
    review = DeliveryReview.objects.get()
    assert (review.user, review.verdict) == (citizen, Verdict.CONFIRMED)
    assert "Your review of" in html(client.get(url("review", commitment)))


def test_a_review_before_the_due_date_is_refused_with_the_reason(client, commitment, citizen):
    as_person(client, citizen)
    assert "once the due date has come" in html(client.get(url("review", commitment)))
    response = client.post(url("review", commitment), {"verdict": "confirmed"})
    assert response.status_code == 200 and "once the due date has come" in html(response)
    assert not DeliveryReview.objects.exists()


@pytest.mark.parametrize("viewer", ["fge_official", "outsider", "other_secretariat"])
def test_the_institution_and_non_members_do_not_review(client, request, agreement, fge, viewer):
    commitment = overdue_commitment(agreement, fge, 1)
    as_person(client, request.getfixturevalue(viewer))
    assert client.get(url("review", commitment)).status_code == 403
    assert client.post(url("review", commitment), {"verdict": "confirmed"}).status_code == 403
    assert not DeliveryReview.objects.exists()


# --- Languages ------------------------------------------------------------------------------


def test_the_pages_render_in_spanish_and_english(client, agreement, fge, fge_official, secretariat):
    commitment = overdue_commitment(agreement, fge, 1)
    update = post_update(commitment, fge_official)
    pages = [list_url(commitment.table), commitment.get_absolute_url(), create_url(commitment.agreement),
             url("edit", commitment), url("move-due-date", commitment), url("set-status", commitment)]
    client.force_login(secretariat)
    for page_url in pages:
        response = client.get(page_url)
        assert response.status_code == 200 and '<html lang="es">' in html(response)
    english(client)
    assert "Commitments of" in html(client.get(pages[0]))
    assert "What was committed" in html(client.get(pages[1]))
    assert "Record the commitment" in html(client.get(pages[2]))
    assert "Save the changes" in html(client.get(pages[3]))
    assert "Why the due date moves" in html(client.get(pages[4]))
    assert "Set the status" in html(client.get(pages[5]))
    response = client.post(url("update-comment", commitment, update_pk=update.pk), {"text": ""})
    assert "Write the comment." in html(response)
    client.cookies["django_language"] = "es"
    as_official = client
    as_official.force_login(fge_official)
    assert as_official.get(url("update-create", commitment)).status_code == 200
    client.force_login(UserFactory())
    assert client.get(commitment.get_absolute_url()).status_code == 200
