"""Triage: the coordinators' and the secretariat's page and their actions on a concern."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from concerns import services
from concerns.models import (
    Answer,
    Concern,
    ConcernAssignment,
    ConcernEvent,
    Follow,
    Status,
    Support,
    Visibility,
)
from concerns.triage_forms import triage_context
from mesa.models import Role
from subcommittees.services import subcommittee_archive, subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db


# --- People and concerns ---------------------------------------------------------------------


@pytest.fixture
def second_subcommittee(table):
    return table.subcommittees.order_by("pk")[1]


@pytest.fixture
def coordinator(table, subcommittee):
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
    return user


@pytest.fixture
def other_coordinator(table, second_subcommittee):
    """Coordinates another subcommittee of the same table."""
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=second_subcommittee, users=[user])
    return user


@pytest.fixture
def institution(table):
    return InstitutionFactory(table=table, name="Fiscalía General del Estado", acronym="FGE")


@pytest.fixture
def reporter(table):
    return make_member(table, Role.CITIZEN).user


@pytest.fixture
def concern(table, subcommittee, reporter):
    return raise_concern(table, reporter=reporter, subcommittee=subcommittee)


@pytest.fixture
def accepted(concern, secretariat):
    return services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)


REFUSED = ["anonymous", "outsider", "citizen", "official", "pending_official", "other_coordinator",
           "other_secretariat"]


@pytest.fixture
def person(request, table, institution):
    """One person on the refused side of triage, by name."""
    kind = request.param
    if kind == "anonymous":
        return None
    if kind == "official":  # even of an institution asked to answer
        return make_member(table, Role.OFFICIAL, institution=institution).user
    if kind == "pending_official":
        return make_member(table, Role.OFFICIAL, institution=institution, verified=False).user
    return request.getfixturevalue(kind)


def snapshot(concern: Concern) -> tuple:
    """Everything a triage action could change."""
    concern = Concern.objects.get(pk=concern.pk)
    return (
        concern.status, concern.status_reason, concern.accepted_at, concern.subcommittee_id,
        concern.hidden_at, concern.hidden_reason, concern.duplicate_of_id, concern.support_count,
        ConcernEvent.objects.filter(concern=concern).count(),
        ConcernAssignment.objects.filter(concern=concern).count(),
        Support.objects.filter(concern=concern).count(),
        Follow.objects.filter(concern=concern).count(),
        Answer.objects.count(),
    )


def action_url(concern: Concern, name: str) -> str:
    return reverse(f"concerns:concern-{name}", kwargs={"table_slug": concern.table.slug,
                                                       "pk": concern.pk})


def triage_url(table, **query) -> str:
    url = reverse("concerns:triage", kwargs={"table_slug": table.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def valid_payloads(table, concern, second_subcommittee):
    original = raise_concern(table, reporter=make_member(table).user, title="El original")
    other_institution = InstitutionFactory(table=table)
    return {
        "status": {"status-status": Status.IN_PROGRESS, "status-reason": ""},
        "reroute": {"reroute-subcommittee": second_subcommittee.pk, "reroute-reason": "Es de justicia"},
        "assign": {"assign-institutions": [other_institution.pk]},
        "duplicate": {"duplicate-original": original.pk},
        "hide": {"hide-reason": "Insultos"},
        "unhide": {},
    }


ACTIONS = ["status", "reroute", "assign", "duplicate", "hide", "unhide"]


# --- Refused side of every action ---------------------------------------------------------------


@pytest.mark.parametrize("person", REFUSED, indirect=True)
@pytest.mark.parametrize("name", ACTIONS)
def test_only_coordinators_of_the_subcommittee_and_the_secretariat_triage(
    client, table, accepted, second_subcommittee, person, name
):
    payload = valid_payloads(table, accepted, second_subcommittee)[name]
    before = snapshot(accepted)
    if person is not None:
        client.force_login(person)
    response = client.post(action_url(accepted, name), payload)
    if person is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403
    assert snapshot(accepted) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_triage_of_a_concern_the_person_may_not_read_is_a_404(
    client, table, reporter, subcommittee, second_subcommittee, outsider, name
):
    restricted = raise_concern(table, reporter=reporter, subcommittee=subcommittee,
                               visibility=Visibility.RESTRICTED)
    payload = valid_payloads(table, restricted, second_subcommittee)[name]
    before = snapshot(restricted)
    client.force_login(outsider)
    assert client.post(action_url(restricted, name), payload).status_code == 404
    assert snapshot(restricted) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_triage_under_another_tables_address_is_a_404(
    client, table, other_table, accepted, coordinator, second_subcommittee, name
):
    payload = valid_payloads(table, accepted, second_subcommittee)[name]
    before = snapshot(accepted)
    client.force_login(coordinator)
    url = reverse(f"concerns:concern-{name}", kwargs={"table_slug": other_table.slug,
                                                      "pk": accepted.pk})
    assert client.post(url, payload).status_code == 404
    assert snapshot(accepted) == before


@pytest.mark.parametrize("name", ACTIONS)
def test_triage_actions_refuse_get(client, accepted, coordinator, name):
    client.force_login(coordinator)
    assert client.get(action_url(accepted, name)).status_code == 405


# --- Status ---------------------------------------------------------------------------------------


def test_coordinator_accepts_a_new_concern(client, concern, coordinator):
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "status"), {"status-status": Status.ACCEPTED},
                           follow=False)
    assert response.status_code == 302
    assert response["Location"] == concern.get_absolute_url()
    concern.refresh_from_db()
    assert concern.status == Status.ACCEPTED and concern.accepted_at is not None
    event = concern.events.get(kind=ConcernEvent.Kind.STATUS)
    assert (event.actor, event.from_status, event.to_status) == (coordinator, Status.SUBMITTED,
                                                                 Status.ACCEPTED)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["The concern is now “Accepted”."]


def test_secretariat_rejects_with_a_reason_the_reporter_sees(client, concern, secretariat):
    client.force_login(secretariat)
    response = client.post(action_url(concern, "status"), {
        "status-status": Status.REJECTED, "status-reason": "  No es un tema de seguridad.  "})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.status, concern.status_reason) == (Status.REJECTED, "No es un tema de seguridad.")
    assert concern.events.get(kind=ConcernEvent.Kind.STATUS).note == "No es un tema de seguridad."


def test_rejecting_without_a_reason_is_a_form_error_and_changes_nothing(client, concern, coordinator):
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "status"), {
        "status-status": Status.REJECTED, "status-reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why, so the reporter understands."]
    html = response.content.decode()
    assert "Say why, so the reporter understands." in html
    assert 'aria-describedby="id_status-reason_helptext id_status-reason_error"' in html
    assert '<label for="id_status-reason">Reason</label>' in html  # needed to reject: not "optional"
    assert snapshot(concern) == before


def test_a_status_the_concern_cannot_go_to_is_refused(client, concern, coordinator):
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "status"), {"status-status": Status.RESOLVED})
    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert snapshot(concern) == before


@pytest.mark.parametrize("final", [Status.RESOLVED, Status.PARTLY_RESOLVED, Status.CLOSED])
def test_coordinator_marks_an_answered_concern_resolved_partly_resolved_or_closed(
    client, accepted, coordinator, institution, final
):
    official = make_member(accepted.table, Role.OFFICIAL, institution=institution).user
    services.concern_assign(concern=accepted, institutions=[institution], actor=coordinator)
    services.answer_post(concern=accepted, institution=institution, author=official, text="Atendido.")
    client.force_login(coordinator)
    assert client.post(action_url(accepted, "status"), {"status-status": final}).status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == final
    if final != Status.CLOSED:
        assert accepted.resolved_at is not None


def test_a_status_posted_after_someone_else_moved_the_concern_is_refused_by_the_service(
    client, concern, coordinator, secretariat
):
    # The form offered "accepted"; meanwhile the secretariat accepted it and closed it.
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_set_status(concern=concern, status=Status.CLOSED, actor=secretariat)
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "status"), {"status-status": Status.RESOLVED})
    assert response.status_code == 200
    assert snapshot(concern) == before


# --- Re-routing ----------------------------------------------------------------------------------


def test_coordinator_sends_a_concern_to_another_subcommittee_with_a_reason(
    client, concern, coordinator, second_subcommittee
):
    client.force_login(coordinator)
    response = client.post(action_url(concern, "reroute"), {
        "reroute-subcommittee": second_subcommittee.pk, "reroute-reason": "Es de derechos humanos"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.subcommittee == second_subcommittee
    event = concern.events.get(kind=ConcernEvent.Kind.ROUTED)
    assert event.actor == coordinator and "Es de derechos humanos" in event.note
    # A public concern stays readable to its former coordinator: back to it.
    assert response["Location"] == concern.get_absolute_url()


def test_after_sending_away_a_concern_they_can_no_longer_read_the_coordinator_lands_on_triage(
    client, concern, coordinator, second_subcommittee
):
    services.concern_hide(concern=concern, actor=coordinator, reason="Spam")
    client.force_login(coordinator)
    response = client.post(action_url(concern, "reroute"), {
        "reroute-subcommittee": second_subcommittee.pk, "reroute-reason": "No es nuestro"})
    assert response["Location"] == triage_url(concern.table)


@pytest.mark.parametrize("target", ["other_table", "archived", "same", "none"])
def test_rerouting_outside_the_tables_active_subcommittees_is_a_form_error(
    client, concern, coordinator, other_table, table, target
):
    if target == "other_table":
        subcommittee_id = other_table.subcommittees.first().pk
    elif target == "archived":
        subcommittee_id = subcommittee_archive(subcommittee=table.subcommittees.order_by("pk")[2]).pk
    elif target == "same":
        subcommittee_id = concern.subcommittee_id
    else:
        subcommittee_id = ""
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "reroute"), {
        "reroute-subcommittee": subcommittee_id, "reroute-reason": "Motivo"})
    assert response.status_code == 200
    assert "subcommittee" in response.context["form"].errors
    assert snapshot(concern) == before


def test_rerouting_without_a_reason_is_a_form_error(client, concern, coordinator, second_subcommittee):
    before = snapshot(concern)
    client.force_login(coordinator)
    response = client.post(action_url(concern, "reroute"), {
        "reroute-subcommittee": second_subcommittee.pk, "reroute-reason": " "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert snapshot(concern) == before


# --- Assigning ------------------------------------------------------------------------------------


def test_coordinator_asks_several_institutions_to_answer(client, accepted, coordinator, institution):
    second = InstitutionFactory(table=accepted.table, name="Policía Municipal")
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(accepted, "assign"),
                           {"assign-institutions": [institution.pk, second.pk]}, follow=True)
    assert set(accepted.assigned_institutions.all()) == {institution, second}
    assert accepted.events.filter(kind=ConcernEvent.Kind.ASSIGNED, actor=coordinator).count() == 2
    assert ConcernAssignment.objects.get(concern=accepted, institution=second).assigned_by == coordinator
    assert response.redirect_chain[0][0] == accepted.get_absolute_url()


@pytest.mark.parametrize("which", ["other_table", "inactive", "already", "none", "garbage"])
def test_assigning_an_institution_outside_the_offered_ones_is_a_form_error(
    client, accepted, coordinator, institution, other_table, which
):
    if which == "other_table":
        value = [InstitutionFactory(table=other_table).pk]
    elif which == "inactive":
        value = [InstitutionFactory(table=accepted.table, is_active=False).pk]
    elif which == "already":
        services.concern_assign(concern=accepted, institutions=[institution], actor=coordinator)
        value = [institution.pk]
    elif which == "none":
        value = []
    else:
        value = ["x"]
    before = snapshot(accepted)
    client.force_login(coordinator)
    response = client.post(action_url(accepted, "assign"), {"assign-institutions": value})
    assert response.status_code == 200
    assert "institutions" in response.context["form"].errors
    assert snapshot(accepted) == before


def test_assigning_before_acceptance_is_refused_with_the_services_reason(
    client, concern, coordinator, institution
):
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "assign"), {"assign-institutions": [institution.pk]})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Accept the concern before asking an institution to answer."]
    assert "Accept the concern before asking an institution to answer." in response.content.decode()
    assert snapshot(concern) == before


# --- Duplicates ----------------------------------------------------------------------------------


def test_marking_a_duplicate_moves_supporters_and_followers_to_the_original(
    client, table, concern, coordinator, subcommittee
):
    original = raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee,
                             title="Cobro de piso, el primero")
    supporter = make_member(table).user
    services.support_add(concern=concern, user=supporter)
    follower = make_member(table).user
    services.follow_set(concern=concern, user=follower, following=True)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "duplicate"), {"duplicate-original": original.pk},
                           follow=True)
    concern.refresh_from_db()
    original.refresh_from_db()
    assert concern.duplicate_of == original
    assert original.supports.filter(user=supporter).exists() and original.support_count == 1
    assert concern.support_count == 0
    assert set(original.follows.values_list("user", flat=True)) >= {supporter.pk, follower.pk}
    assert response.redirect_chain[0][0] == concern.get_absolute_url()
    assert concern.events.filter(kind=ConcernEvent.Kind.DUPLICATE, actor=coordinator).exists()


@pytest.mark.parametrize("which", ["itself", "other_table", "unreadable", "missing", "text"])
def test_a_duplicate_of_a_wrong_concern_is_a_clear_error_and_moves_nothing(
    client, table, other_table, concern, coordinator, which
):
    supporter = make_member(table).user
    services.support_add(concern=concern, user=supporter)
    if which == "itself":
        value, message = concern.pk, "Choose another concern of this table."
    elif which == "other_table":  # public at a public table: readable, but another table's
        value = raise_concern(other_table, reporter=make_member(other_table).user).pk
        message = "Choose another concern of this table."
    elif which == "unreadable":  # the coordinator may not read it: as if it did not exist
        value = raise_concern(other_table, reporter=make_member(other_table).user,
                              visibility=Visibility.RESTRICTED).pk
        message = "There is no concern with this number."
    elif which == "missing":
        value, message = 999_999, "There is no concern with this number."
    else:
        value, message = "el primero", "Enter a whole number."
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "duplicate"), {"duplicate-original": value})
    assert response.status_code == 200
    assert response.context["form"].errors["original"] == [message]
    assert snapshot(concern) == before


# --- Hiding ---------------------------------------------------------------------------------------


def test_coordinator_hides_abusive_content_with_a_reason_and_shows_it_again(
    client, concern, coordinator, secretariat
):
    client.force_login(coordinator)
    response = client.post(action_url(concern, "hide"), {"hide-reason": "Datos personales de un tercero"})
    assert response["Location"] == concern.get_absolute_url()
    concern.refresh_from_db()
    assert concern.is_hidden and concern.hidden_reason == "Datos personales de un tercero"
    assert Concern.objects.filter(pk=concern.pk).exists()  # hidden, not deleted
    assert Concern.objects.visible_to(secretariat).filter(pk=concern.pk).exists()
    assert not Concern.objects.visible_to(make_member(concern.table).user).filter(pk=concern.pk).exists()
    response = client.post(action_url(concern, "unhide"))
    assert response["Location"] == concern.get_absolute_url()
    concern.refresh_from_db()
    assert not concern.is_hidden
    assert concern.events.filter(kind=ConcernEvent.Kind.UNHIDDEN, actor=coordinator).exists()


def test_hiding_without_a_reason_is_a_form_error(client, concern, coordinator):
    before = snapshot(concern)
    client.force_login(coordinator)
    response = client.post(action_url(concern, "hide"), {"hide-reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert snapshot(concern) == before


# --- The triage panel of the concern page ----------------------------------------------------------


def render_panel(user, concern) -> str:
    request = RequestFactory().get(concern.get_absolute_url())
    request.user = user
    return render_to_string("concerns/includes/triage_panel.html",
                            {"concern": concern, **triage_context(user, concern)}, request=request)


@pytest.mark.parametrize("person", REFUSED, indirect=True)
def test_the_triage_panel_is_empty_for_people_who_may_not_triage(table, concern, person):
    user = person or AnonymousUser()
    assert triage_context(user, concern) == {}
    assert render_panel(user, concern).strip() == ""


def test_the_triage_panel_offers_only_the_next_statuses_and_the_other_active_subcommittees(
    table, concern, coordinator, other_table
):
    archived = subcommittee_archive(subcommittee=table.subcommittees.order_by("pk")[2])
    context = triage_context(coordinator, concern)
    assert context["can_triage"] is True
    assert [value for value, _label in context["triage_status_form"].fields["status"].choices] == [
        Status.ACCEPTED, Status.REJECTED]
    offered = set(context["triage_reroute_form"].fields["subcommittee"].queryset)
    assert concern.subcommittee not in offered and archived not in offered
    assert offered and all(s.table_id == table.pk for s in offered)
    assert context["triage_assign_form"] is None  # accept it first
    html = render_panel(coordinator, concern)
    for name in ("status", "reroute", "duplicate", "hide"):
        assert f'action="{action_url(concern, name)}"' in html
    assert action_url(concern, "unhide") not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_status-reason">' in html and "<legend>" in html


def test_the_triage_panel_offers_the_tables_active_institutions_not_yet_asked(
    table, accepted, coordinator, institution, other_table
):
    services.concern_assign(concern=accepted, institutions=[institution], actor=coordinator)
    waiting = InstitutionFactory(table=table, name="Policía Municipal")
    InstitutionFactory(table=table, is_active=False)
    InstitutionFactory(table=other_table)
    context = triage_context(coordinator, accepted)
    assert list(context["triage_assign_form"].fields["institutions"].queryset) == [waiting]
    html = render_panel(coordinator, accepted)
    assert f'action="{action_url(accepted, "assign")}"' in html
    assert "Policía Municipal" in html


def test_the_triage_panel_of_a_hidden_concern_offers_to_show_it_again(concern, secretariat):
    services.concern_hide(concern=concern, actor=secretariat, reason="Spam")
    concern.refresh_from_db()
    context = triage_context(secretariat, concern)
    assert context["triage_hide_form"] is None and context["triage_can_unhide"] is True
    assert f'action="{action_url(concern, "unhide")}"' in render_panel(secretariat, concern)


# --- The triage page ---------------------------------------------------------------------------------


def backdate_acceptance(concern: Concern, days: int) -> None:
    Concern.objects.filter(pk=concern.pk).update(accepted_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def queues(table, subcommittee, secretariat, institution):
    """One concern in each section of the triage page, and some in none."""
    def raise_(title, **extra):
        return raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee,
                             title=title, **extra)

    def accept(concern, days=0):
        services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
        if days:
            backdate_acceptance(concern, days)
        return concern

    official = make_member(table, Role.OFFICIAL, institution=institution).user
    answered_late = accept(raise_("Respondida tarde"), days=30)
    services.concern_assign(concern=answered_late, institutions=[institution], actor=secretariat)
    services.answer_post(concern=answered_late, institution=institution, author=official, text="Ya.")
    rejected = raise_("Rechazada")
    services.concern_set_status(concern=rejected, status=Status.REJECTED, actor=secretariat,
                                reason="No procede")
    hidden = raise_("Oculta")
    services.concern_hide(concern=hidden, actor=secretariat, reason="Spam")
    recent_unassigned = accept(raise_("Aceptada ayer sin institución"), days=1)
    late_assigned = accept(raise_("Asignada y sin respuesta"), days=table.unanswered_after_days + 1)
    services.concern_assign(concern=late_assigned, institutions=[institution], actor=secretariat)
    return {
        "new": raise_("Nueva"),
        "recent_unassigned": recent_unassigned,
        "late_assigned": late_assigned,
        "late_unassigned": accept(raise_("Olvidada"), days=table.unanswered_after_days + 3),
        "answered_late": answered_late,
        "rejected": rejected,
        "hidden": hidden,
    }


def section(response, key):
    found = next(s for s in response.context["sections"] if s["key"] == key)
    return [row["concern"].title for row in found["rows"]], found["count"]


def test_triage_page_shows_new_unassigned_and_unanswered_concerns(client, table, coordinator, queues):
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.get(triage_url(table))
    assert response.status_code == 200
    assert section(response, "new") == (["Nueva"], 1)
    assert section(response, "unassigned") == (["Olvidada", "Aceptada ayer sin institución"], 2)
    assert section(response, "unanswered") == (["Olvidada", "Asignada y sin respuesta"], 2)
    html = response.content.decode()
    for concern in (queues["new"], queues["late_assigned"], queues["late_unassigned"]):
        assert reverse("concerns:concern-detail", kwargs={"table_slug": table.slug,
                                                          "pk": concern.pk}) in html
    for title in ("Respondida tarde", "Rechazada", "Oculta"):
        assert title not in html
    assert "Without an official answer for more than 10 days" in html
    assert "Fiscalía General del Estado" in html  # who was asked and has not answered


def test_the_unanswered_threshold_is_the_tables_setting(client, table, coordinator, queues):
    table.unanswered_after_days = 2
    table.save(update_fields=["unanswered_after_days"])
    client.force_login(coordinator)
    response = client.get(triage_url(table))
    assert section(response, "unanswered")[1] == 2
    table.unanswered_after_days = 0
    table.save(update_fields=["unanswered_after_days"])
    assert section(client.get(triage_url(table)), "unanswered")[1] == 3


def test_coordinators_see_only_their_subcommittees_concerns(
    client, table, coordinator, other_coordinator, subcommittee, second_subcommittee
):
    raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee, title="Mía")
    raise_concern(table, reporter=make_member(table).user, subcommittee=second_subcommittee,
                  title="De la otra subcomisión")
    client.force_login(coordinator)
    assert section(client.get(triage_url(table)), "new")[0] == ["Mía"]
    # Another's subcommittee is not a filter a coordinator can pick.
    assert client.get(triage_url(table, subcommittee=second_subcommittee.slug)).status_code == 404
    client.force_login(other_coordinator)
    assert section(client.get(triage_url(table)), "new")[0] == ["De la otra subcomisión"]


def test_the_secretariat_sees_every_subcommittee_and_filters_by_one(
    client, table, secretariat, subcommittee, second_subcommittee
):
    raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee, title="Uno")
    raise_concern(table, reporter=make_member(table).user, subcommittee=second_subcommittee,
                  title="Dos")
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.get(triage_url(table))
    assert section(response, "new") == (["Uno", "Dos"], 2)
    html = response.content.decode()
    assert '<select id="triage-subcommittee" name="subcommittee">' in html
    assert reverse("concerns:colonia-list", kwargs={"table_slug": table.slug}) in html
    response = client.get(triage_url(table, subcommittee=second_subcommittee.slug))
    assert section(response, "new") == (["Dos"], 1)
    assert client.get(triage_url(table, subcommittee="no-such")).status_code == 404


def test_reporters_appear_on_the_triage_page_only_as_reporter_visibility_allows(
    client, table, coordinator, subcommittee
):
    public_reporter = make_member(table).user
    restricted_reporter = make_member(table).user
    signed_in_but_anonymous = make_member(table).user
    raise_concern(table, reporter=public_reporter, subcommittee=subcommittee, title="Pública")
    raise_concern(table, reporter=restricted_reporter, subcommittee=subcommittee, title="Restringida",
                  visibility=Visibility.RESTRICTED)
    raise_concern(table, reporter=signed_in_but_anonymous, subcommittee=subcommittee, title="Anónima",
                  visibility=Visibility.ANONYMOUS)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    html = client.get(triage_url(table)).content.decode()
    assert f"Raised by {public_reporter.display_name}" in html
    # The coordinators of its subcommittee may know a restricted concern's reporter.
    assert f"Raised by {restricted_reporter.display_name}" in html
    assert signed_in_but_anonymous.display_name not in html
    assert signed_in_but_anonymous.email not in html
    assert "Raised anonymously" in html


@pytest.mark.parametrize("person", ["outsider", "citizen", "official", "pending_official",
                                    "other_secretariat"], indirect=True)
def test_the_triage_page_is_for_coordinators_and_the_secretariat_only(client, table, person):
    client.force_login(person)
    assert client.get(triage_url(table)).status_code == 403


def test_the_triage_page_sends_visitors_to_log_in(client, table):
    response = client.get(triage_url(table))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_triage_page_of_an_unknown_table_is_a_404(client, secretariat):
    client.force_login(secretariat)
    assert client.get(reverse("concerns:triage", kwargs={"table_slug": "nope"})).status_code == 404


@pytest.mark.parametrize("n", [1, 10])
def test_triage_page_query_count_is_constant(
    client, table, secretariat, subcommittee, institution, n, django_assert_max_num_queries
):
    for i in range(n):
        reporter = make_member(table).user
        raise_concern(table, reporter=reporter, subcommittee=subcommittee, title=f"Nueva {i}",
                      visibility=Visibility.RESTRICTED)
        late = raise_concern(table, reporter=reporter, subcommittee=subcommittee, title=f"Tarde {i}")
        services.concern_set_status(concern=late, status=Status.ACCEPTED, actor=secretariat)
        services.concern_assign(concern=late, institutions=[institution], actor=secretariat)
        backdate_acceptance(late, 20)
        forgotten = raise_concern(table, reporter=None, subcommittee=subcommittee,
                                  title=f"Olvidada {i}", visibility=Visibility.ANONYMOUS)
        services.concern_set_status(concern=forgotten, status=Status.ACCEPTED, actor=secretariat)
    client.force_login(secretariat)
    # session, user, table, perms (user + groups), subcommittees, reporter visibility
    # (memberships + coordinated subcommittees), the 3 sections (visible_to runs inside
    # them as subqueries), assigned institutions of the unanswered = 12; up to 4
    # content-type look-ups on a cold cache.
    with django_assert_max_num_queries(16):
        response = client.get(triage_url(table))
    assert response.status_code == 200
    assert section(response, "new")[1] == n


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_triage_page_renders_in_spanish_and_english(client, table, coordinator, language):
    client.force_login(coordinator)
    client.cookies["django_language"] = language
    response = client.get(triage_url(table))
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    if language == "en":
        assert "<h1>Triage</h1>" in html and "New concerns" in html


def test_the_concern_page_shows_the_triage_panel_to_its_coordinator_only(
    client, accepted, coordinator, other_coordinator, institution
):
    client.cookies["django_language"] = "en"
    client.force_login(coordinator)
    html = client.get(accepted.get_absolute_url()).content.decode()
    assert 'id="triage-panel-heading"' in html
    for name in ("status", "assign", "reroute", "duplicate", "hide"):
        assert f'action="{action_url(accepted, name)}"' in html
    client.force_login(other_coordinator)
    html = client.get(accepted.get_absolute_url()).content.decode()
    assert 'id="triage-panel-heading"' not in html and action_url(accepted, "status") not in html


def test_showing_again_a_concern_that_is_not_hidden_changes_nothing(client, concern, coordinator):
    before = snapshot(concern)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.post(action_url(concern, "unhide"))
    assert response["Location"] == concern.get_absolute_url()
    assert [str(m) for m in response.wsgi_request._messages] == ["The concern is not hidden."]
    assert snapshot(concern) == before


def test_a_long_section_lists_the_oldest_and_counts_them_all(
    client, table, coordinator, subcommittee, monkeypatch
):
    from concerns import triage_views

    monkeypatch.setattr(triage_views, "TRIAGE_SECTION_LIMIT", 2)
    for title in ("Primera", "Segunda", "Tercera"):
        raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee, title=title)
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.get(triage_url(table))
    assert section(response, "new") == (["Primera", "Segunda"], 3)
    assert "Showing the oldest 2 of 3." in response.content.decode()
