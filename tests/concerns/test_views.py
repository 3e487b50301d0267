"""Concern pages: raising one (with the anonymous receipt), reading it, and the
reporter's, supporters' and followers' steps, each refused to everyone else."""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.urls import reverse
from django.utils import timezone

from concerns import receipts, services
from concerns.models import Concern, ConcernEvent, Follow, Reply, Status, Support, Visibility
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import ColoniaFactory, raise_concern
from tests.mesa.factories import InstitutionFactory, OrganisationFactory, make_member

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){4}")


@pytest.fixture
def subcommittee(table):
    return table.subcommittees.active().order_by("pk").first()


@pytest.fixture
def colonia(table):
    return ColoniaFactory(table=table, name="Colonia Bellavista")


@pytest.fixture
def institution(table):
    return InstitutionFactory(table=table, name="Fiscalía del Estado", acronym="FGE")


def create_url(table):
    return reverse("concerns:concern-create", kwargs={"table_slug": table.slug})


def url(name, concern):
    return reverse(f"concerns:concern-{name}", kwargs={"table_slug": concern.table.slug, "pk": concern.pk})


def form_data(theme, /, **overrides):
    data = {
        "subcommittee": theme.pk,
        "title": "Cobro de piso en el mercado",
        "description": "Nos piden cuota cada semana.",
        "colonia": "",
        "colonia_other": "",
        "happened_on": "",
        "place": "",
        "visibility": Visibility.PUBLIC,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def html(response) -> str:
    return response.content.decode()


def english(client):
    client.cookies["django_language"] = "en"
    return client


def coordinate(user, concern):
    subcommittee_set_coordinators(subcommittee=concern.subcommittee, users=[user])


def resolved(concern, actor, institution):
    """Take a concern through accepted -> answered -> resolved, as a coordinator would."""
    official = make_member(concern.table, Role.OFFICIAL, institution=institution).user
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=actor)
    services.concern_assign(concern=concern, institutions=[institution], actor=actor)
    services.answer_post(concern=concern, institution=institution, author=official, text="Atendido.")
    services.concern_set_status(concern=concern, status=Status.RESOLVED, actor=actor)
    concern.refresh_from_db()
    return concern


# --- Raising: who is offered what ---------------------------------------------------------


def test_a_visitor_may_open_the_form_and_is_offered_only_anonymous(client, table):
    response = english(client).get(create_url(table))
    assert response.status_code == 200
    assert [value for value, _label in response.context["form"].fields["visibility"].choices] == [
        Visibility.ANONYMOUS]
    page = html(response)
    assert "No account needed" in page and "log in" in page
    assert 'name="consent_to_accused"' not in page


def test_a_signed_in_non_member_is_offered_anonymous_and_told_to_join(client, table, outsider):
    client.force_login(outsider)
    response = english(client).get(create_url(table))
    assert [value for value, _label in response.context["form"].fields["visibility"].choices] == [
        Visibility.ANONYMOUS]
    assert reverse("mesa:table-join", kwargs={"slug": table.slug}) in html(response)


def test_a_member_is_offered_every_visibility_explained_in_plain_words(client, table, citizen):
    client.force_login(citizen)
    english(client)
    response = client.get(create_url(table))
    choices = [value for value, _label in response.context["form"].fields["visibility"].choices]
    assert choices == [Visibility.PUBLIC, Visibility.RESTRICTED, Visibility.ANONYMOUS]
    page = html(response)
    assert "with your display name" in page
    assert "Only the coordinators of its subcommittee and the secretariat know it was you" in page
    assert "Nobody, not even the people who run this site, can know it was you" in page
    assert "Let the institutions I accuse know it was me" in page
    consent = re.search(r'<input[^>]*name="consent_to_accused"[^>]*>', page).group(0)
    assert "checked" not in consent


def test_the_form_offers_only_this_tables_subcommittees_colonias_and_institutions(
    client, table, other_table, citizen, colonia, institution
):
    ColoniaFactory(table=other_table, name="Colonia de otra mesa")
    InstitutionFactory(table=other_table, name="Policía de otra mesa")
    ColoniaFactory(table=table, name="Colonia cerrada", is_active=False)
    client.force_login(citizen)
    page = html(english(client).get(create_url(table)))
    assert "Colonia Bellavista" in page and "Fiscalía del Estado" in page
    assert "Colonia de otra mesa" not in page and "Policía de otra mesa" not in page
    assert "Colonia cerrada" not in page


def test_the_form_renders_in_spanish_and_english(client, table):
    response = client.get(create_url(table))
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in html(response)
    client.cookies["django_language"] = "en"
    response = client.get(create_url(table))
    assert response["Content-Language"] == "en"
    assert "Raise a concern" in html(response)


# --- Raising: public and restricted ---------------------------------------------------


def test_a_member_raises_a_public_concern_and_lands_on_it(client, table, citizen, subcommittee, colonia,
                                                          institution):
    client.force_login(citizen)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(create_url(table), form_data(
        subcommittee, colonia=colonia.pk, happened_on=yesterday, place="Mercado Juárez",
        accused_institutions=[institution.pk]))
    concern = Concern.objects.get()
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    assert concern.reporter == citizen and concern.visibility == Visibility.PUBLIC
    assert concern.colonia == colonia and concern.place == "Mercado Juárez"
    assert list(concern.accused_institutions.all()) == [institution]
    assert concern.receipt_hash is None
    assert Follow.objects.filter(concern=concern, user=citizen).exists()


def test_a_restricted_concern_records_consent_only_when_ticked(client, table, citizen, subcommittee,
                                                                institution):
    client.force_login(citizen)
    client.post(create_url(table), form_data(subcommittee, visibility=Visibility.RESTRICTED,
                                             title="Sin consentimiento",
                                             accused_institutions=[institution.pk]))
    client.post(create_url(table), form_data(subcommittee, visibility=Visibility.RESTRICTED,
                                             title="Con consentimiento", consent_to_accused="on",
                                             accused_institutions=[institution.pk]))
    client.post(create_url(table), form_data(subcommittee, visibility=Visibility.PUBLIC,
                                             title="Público", consent_to_accused="on"))
    assert Concern.objects.get(title="Sin consentimiento").consent_to_accused_at is None
    assert Concern.objects.get(title="Con consentimiento").consent_to_accused_at is not None
    assert Concern.objects.get(title="Público").consent_to_accused_at is None


def test_another_colonia_is_written_by_hand(client, table, citizen, subcommittee):
    client.force_login(citizen)
    response = client.post(create_url(table), form_data(subcommittee, colonia="other", colonia_other=""))
    assert response.status_code == 200 and "colonia_other" in response.context["form"].errors
    assert not Concern.objects.exists()
    client.post(create_url(table), form_data(subcommittee, colonia="other", colonia_other="Las Flores"))
    concern = Concern.objects.get()
    assert concern.colonia is None and concern.colonia_other == "Las Flores"


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "other_secretariat"])
@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.RESTRICTED, "secret"])
def test_a_forged_visibility_is_a_form_error_and_saves_nothing(
    request, client, table, subcommittee, viewer, visibility
):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    response = client.post(create_url(table), form_data(subcommittee, visibility=visibility))
    assert response.status_code == 200
    assert "visibility" in response.context["form"].errors
    assert not Concern.objects.exists()


@pytest.mark.parametrize("field", ["subcommittee", "colonia", "accused_institutions"])
def test_another_tables_ids_are_form_errors_and_save_nothing(client, table, other_table, citizen,
                                                             subcommittee, field):
    foreign = {
        "subcommittee": lambda: other_table.subcommittees.first().pk,
        "colonia": lambda: ColoniaFactory(table=other_table).pk,
        "accused_institutions": lambda: [InstitutionFactory(table=other_table).pk],
    }[field]()
    client.force_login(citizen)
    response = client.post(create_url(table), form_data(subcommittee, **{field: foreign}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Concern.objects.exists()


def test_an_archived_subcommittee_cannot_be_chosen(client, table, citizen):
    from subcommittees.services import subcommittee_archive

    archived = table.subcommittees.order_by("pk").last()
    subcommittee_archive(subcommittee=archived)
    client.force_login(citizen)
    response = client.post(create_url(table), form_data(archived))
    assert "subcommittee" in response.context["form"].errors
    assert not Concern.objects.exists()


def test_a_date_in_the_future_is_refused(client, table, citizen, subcommittee):
    client.force_login(citizen)
    tomorrow = (timezone.now().astimezone(table.zone).date() + timedelta(days=1)).isoformat()
    response = english(client).post(create_url(table), form_data(subcommittee, happened_on=tomorrow))
    assert "cannot be in the future" in html(response)
    assert not Concern.objects.exists()


def test_empty_and_oversized_input_are_form_errors(client, table, citizen, subcommittee):
    client.force_login(citizen)
    response = english(client).post(create_url(table), {})
    errors = response.context["form"].errors
    assert {"subcommittee", "title", "description", "visibility"} <= set(errors)
    assert "Please correct the following" in html(response)
    response = client.post(create_url(table), form_data(subcommittee, title="x" * 201,
                                                        description="y" * 10_001))
    assert {"title", "description"} <= set(response.context["form"].errors)
    assert not Concern.objects.exists()


def test_errors_are_linked_to_their_inputs(client, table, citizen, subcommittee):
    client.force_login(citizen)
    page = html(client.post(create_url(table), form_data(subcommittee, title="")))
    title_input = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in title_input and "id_title_error" in title_input


# --- Raising anonymously -----------------------------------------------------------------


def _text_values_containing(needle: str) -> list[str]:
    """Every text column of every table that holds `needle` (the code must be nowhere)."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                if model._default_manager.filter(**{f"{field.name}__icontains": needle}).exists():
                    found.append(f"{model._meta.label}.{field.name}")
    return found


def test_a_visitor_raises_an_anonymous_concern_and_sees_the_receipt_once(client, table, subcommittee,
                                                                          caplog):
    caplog.set_level(logging.DEBUG)
    response = english(client).post(create_url(table), form_data(subcommittee,
                                                                  visibility=Visibility.ANONYMOUS))
    assert response.status_code == 200  # rendered, not redirected: the code is shown only here
    assert response["Cache-Control"] == "no-store"
    code = CODE_PATTERN.search(html(response)).group(0)
    assert "Write it down" in html(response) and reverse("receipt:follow-up") in html(response)
    concern = Concern.objects.get()
    assert concern.visibility == Visibility.ANONYMOUS and concern.reporter_id is None
    assert concern.receipt_hash == receipts.code_hash(code)
    assert not ConcernEvent.objects.filter(actor__isnull=False).exists()
    assert not Follow.objects.exists()
    # Nothing stored holds the code, with or without its dashes.
    assert _text_values_containing(code) == []
    assert _text_values_containing(code.replace("-", "")) == []
    # No session, no login, no message for an anonymous visitor.
    assert not Session.objects.exists()
    assert "sessionid" not in response.cookies and "messages" not in response.cookies
    assert all(code not in str(record.__dict__) for record in caplog.records)
    # The code opens the concern on the receipt page.
    follow_up = client.post(reverse("receipt:follow-up"), {"code": code})
    assert follow_up.status_code == 200 and concern.title in html(follow_up)
    assert not Session.objects.exists()


def test_a_member_choosing_anonymous_leaves_no_link_to_the_account(client, table, citizen, subcommittee):
    client.force_login(citizen)
    session = Session.objects.get()
    before = session.session_data
    response = client.post(create_url(table), form_data(subcommittee, visibility=Visibility.ANONYMOUS))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    concern = Concern.objects.get()
    assert concern.reporter_id is None
    assert not Follow.objects.filter(concern=concern).exists()
    assert not ConcernEvent.objects.filter(concern=concern, actor__isnull=False).exists()
    # The session is as it was: no message or anything else written to it.
    assert Session.objects.count() == 1 and Session.objects.get().session_data == before
    assert "messages" not in response.cookies


def test_anonymous_concerns_are_rate_limited_with_a_clear_429(client, table, subcommittee, settings):
    settings.MESA_ANONYMOUS_CONCERNS_PER_HOUR = 2
    english(client)
    for n in range(2):
        response = client.post(create_url(table), form_data(subcommittee, title=f"Anónimo {n}",
                                                            visibility=Visibility.ANONYMOUS))
        assert response.status_code == 200
    response = client.post(create_url(table), form_data(subcommittee, title="Uno de más",
                                                        visibility=Visibility.ANONYMOUS))
    assert response.status_code == 429
    assert "wait an hour" in html(response) and "was not saved" in html(response)
    assert not CODE_PATTERN.search(html(response))
    assert Concern.objects.count() == 2
    assert not Session.objects.exists()


def test_the_anonymous_limit_does_not_apply_to_members_raising_with_their_name(
    client, table, citizen, subcommittee, settings
):
    settings.MESA_ANONYMOUS_CONCERNS_PER_HOUR = 1
    client.force_login(citizen)
    for n in range(3):
        client.post(create_url(table), form_data(subcommittee, title=f"Público {n}"))
    assert Concern.objects.count() == 3


# --- Reading one concern ----------------------------------------------------------------


def test_a_public_concern_shows_its_facts_to_a_visitor(client, table, citizen, colonia, institution):
    concern = raise_concern(table, reporter=citizen, colonia=colonia, place="Mercado",
                            happened_on=timezone.localdate() - timedelta(days=2),
                            accused_institutions=[institution])
    response = english(client).get(concern.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    for text in (concern.title, concern.description, "Colonia Bellavista", "Mercado", "Fiscalía del Estado",
                 concern.subcommittee.name_en, "Public", "Submitted", citizen.display_name):
        assert text in page
    assert "Log in</a> to support or follow" in page


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "other_secretariat"])
@pytest.mark.parametrize("visibility", [Visibility.RESTRICTED, Visibility.ANONYMOUS])
def test_members_only_concerns_are_not_found_for_outsiders(request, client, table, citizen, viewer,
                                                           visibility):
    concern = raise_concern(table, reporter=None if visibility == Visibility.ANONYMOUS else citizen,
                            visibility=visibility)
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    response = client.get(concern.get_absolute_url())
    assert response.status_code == 404
    assert concern.title not in html(response)


def test_a_concern_is_not_found_under_another_tables_address(client, table, other_table, citizen):
    concern = raise_concern(table, reporter=citizen)
    wrong = reverse("concerns:concern-detail", kwargs={"table_slug": other_table.slug, "pk": concern.pk})
    assert client.get(wrong).status_code == 404


def test_a_restricted_reporter_is_named_only_to_those_who_must_know(client, table, citizen, coordinator,
                                                                    secretariat):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    coordinate(coordinator, concern)
    member = make_member(table).user
    official = make_member(table, Role.OFFICIAL).user
    for viewer, sees in ((member, False), (official, False), (citizen, True), (coordinator, True),
                         (secretariat, True)):
        client.force_login(viewer)
        page = html(english(client).get(concern.get_absolute_url()))
        assert (citizen.display_name in page) is sees, viewer
        assert concern.title in page


def test_the_timeline_says_the_reporter_for_reporter_steps_of_restricted_concerns(client, table, citizen,
                                                                                   secretariat):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    services.reply_post(concern=concern, author=citizen, text="Más detalles.")
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    client.force_login(make_member(table).user)
    page = html(english(client).get(concern.get_absolute_url()))
    assert "Raised, by the reporter." in page and "Reply, by the reporter." in page
    assert citizen.display_name not in page
    assert f"by {secretariat.display_name}" in page  # members see who triaged
    assert "Más detalles." in page


def test_the_timeline_shows_the_public_reporter_and_hides_names_from_visitors(client, table, citizen,
                                                                               secretariat):
    concern = raise_concern(table, reporter=citizen)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    page = html(english(client).get(concern.get_absolute_url()))
    assert f"Raised, by {citizen.display_name}." in page
    assert "Status changed from “Submitted” to “Accepted”." in page
    assert secretariat.display_name not in page


def test_the_timeline_shows_steps_in_the_tables_time_zone(client, table, citizen):
    concern = raise_concern(table, reporter=citizen)
    ConcernEvent.objects.filter(concern=concern).update(created_at=datetime(2024, 3, 1, 3, 30, tzinfo=UTC))
    page = html(english(client).get(concern.get_absolute_url()))
    # 03:30 UTC is 20:30 the day before in Ciudad Juárez (UTC-7).
    assert "Feb. 29, 2024, 8:30 p.m." in page


def test_an_anonymous_concerns_timeline_names_nobody(client, table, secretariat):
    concern = raise_concern(table, visibility=Visibility.ANONYMOUS)
    services.reply_post(concern=concern, author=None, text="Sigo esperando.")
    client.force_login(secretariat)
    page = html(english(client).get(concern.get_absolute_url()))
    assert "Raised, by the reporter." in page and "Reply, by the reporter." in page
    assert "Anonymous" in page


def test_official_answers_name_the_official_only_to_members(client, table, citizen, secretariat,
                                                            institution):
    concern = resolved(raise_concern(table, reporter=citizen), secretariat, institution)
    answer = concern.answers.get()
    page = html(english(client).get(concern.get_absolute_url()))
    assert "Fiscalía del Estado" in page and "Atendido." in page
    assert answer.author.display_name not in page
    client.force_login(make_member(table).user)
    assert answer.author.display_name in html(client.get(concern.get_absolute_url()))


def test_endorsements_are_listed_by_organisation_for_public_concerns_only(client, table, citizen):
    organisation = OrganisationFactory(table=table, name="Red Ciudadana")
    representative = make_member(table, Role.REPRESENTATIVE, organisation=organisation).user
    public = raise_concern(table, reporter=citizen, title="Pública")
    restricted = raise_concern(table, reporter=citizen, title="Restringida",
                               visibility=Visibility.RESTRICTED)
    for concern in (public, restricted):
        services.support_add(concern=concern, user=representative, organisation=organisation)
    client.force_login(make_member(table).user)
    english(client)
    assert "Red Ciudadana" in html(client.get(public.get_absolute_url()))
    page = html(client.get(restricted.get_absolute_url()))
    assert "Red Ciudadana" not in page and representative.display_name not in page
    assert "1 person supports this concern." in page


def test_a_hidden_concern_shows_its_notice_to_the_secretariat_and_is_not_found_by_members(
    client, table, citizen, secretariat
):
    concern = raise_concern(table, reporter=citizen)
    services.concern_hide(concern=concern, actor=secretariat, reason="Insultos.")
    client.force_login(make_member(table).user)
    assert client.get(concern.get_absolute_url()).status_code == 404
    client.force_login(secretariat)
    page = html(english(client).get(concern.get_absolute_url()))
    assert "This concern is hidden" in page and "Insultos." in page


def test_why_a_concern_was_hidden_stays_with_moderators_and_the_reporter_once_shown_again(
    client, table, citizen, secretariat
):
    concern = raise_concern(table, reporter=citizen)
    services.concern_hide(concern=concern, actor=secretariat, reason="Datos personales de un vecino.")
    services.concern_unhide(concern=concern, actor=secretariat)
    english(client)
    page = html(client.get(concern.get_absolute_url()))
    assert "Hidden" in page and "Datos personales de un vecino." not in page
    client.force_login(make_member(table).user)
    assert "Datos personales de un vecino." not in html(client.get(concern.get_absolute_url()))
    for viewer in (citizen, secretariat):
        client.force_login(viewer)
        assert "Datos personales de un vecino." in html(client.get(concern.get_absolute_url()))


def test_the_reporter_reads_why_the_concern_was_rejected(client, table, citizen, secretariat):
    concern = raise_concern(table, reporter=citizen)
    services.concern_set_status(concern=concern, status=Status.REJECTED, actor=secretariat,
                                reason="No corresponde a la mesa.")
    client.force_login(citizen)
    page = html(english(client).get(concern.get_absolute_url()))
    assert "Rejected" in page and "No corresponde a la mesa." in page
    client.force_login(make_member(table).user)
    assert client.get(concern.get_absolute_url()).status_code == 404


def test_a_duplicate_links_to_its_original(client, table, citizen, secretariat):
    original = raise_concern(table, reporter=citizen, title="Original")
    duplicate = raise_concern(table, reporter=citizen, title="Repetida")
    services.concern_mark_duplicate(concern=duplicate, original=original, actor=secretariat)
    client.force_login(citizen)
    page = html(english(client).get(duplicate.get_absolute_url()))
    assert "repeats another one" in page and original.get_absolute_url() in page


def test_the_reporter_gets_their_forms_and_others_do_not(client, table, citizen, secretariat, institution):
    concern = resolved(raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED),
                       secretariat, institution)
    client.force_login(citizen)
    page = html(english(client).get(concern.get_absolute_url()))
    for name in ("reply", "confirm", "reopen", "consent"):
        assert url(name, concern) in page
    assert url("support", concern) not in page
    client.force_login(make_member(table).user)
    page = html(client.get(concern.get_absolute_url()))
    for name in ("reply", "confirm", "reopen", "consent"):
        assert url(name, concern) not in page
    assert url("support", concern) in page and url("follow", concern) in page


def test_a_representative_is_offered_to_endorse_in_the_organisations_name(client, table, citizen):
    organisation = OrganisationFactory(table=table, name="Cámara de Comercio")
    representative = make_member(table, Role.REPRESENTATIVE, organisation=organisation).user
    pending = make_member(table, Role.REPRESENTATIVE, verified=False).user
    concern = raise_concern(table, reporter=citizen)
    client.force_login(representative)
    page = html(english(client).get(concern.get_absolute_url()))
    assert "Endorse in the name of Cámara de Comercio" in page
    client.force_login(pending)
    assert "Endorse in the name of" not in html(client.get(concern.get_absolute_url()))


def test_the_concern_page_renders_in_spanish_and_english(client, table, citizen):
    concern = raise_concern(table, reporter=citizen)
    response = client.get(concern.get_absolute_url())
    assert response["Content-Language"] == "es" and '<html lang="es">' in html(response)
    client.cookies["django_language"] = "en"
    response = client.get(concern.get_absolute_url())
    assert response["Content-Language"] == "en" and "Official answers" in html(response)


@pytest.mark.parametrize("n", [1, 10])
def test_concern_page_query_count_is_constant(client, table, citizen, secretariat, institution, n,
                                              django_assert_max_num_queries):
    concern = raise_concern(table, reporter=citizen)
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    organisation = OrganisationFactory(table=table)
    for i in range(n):
        services.answer_post(concern=concern, institution=institution, author=official, text=f"Respuesta {i}")
        services.reply_post(concern=concern, author=citizen, text=f"Réplica {i}")
        supporter = make_member(table, Role.REPRESENTATIVE, organisation=organisation).user
        services.support_add(concern=concern, user=supporter, organisation=organisation)
    viewer = make_member(table).user
    client.force_login(viewer)
    # session, user, table perms (user + groups), visible_to concern (+ guardian's lookups),
    # reporter visibility (memberships, coordinated), accused, assigned, events, answers, replies,
    # endorsements, own support, following, can_support/can_follow visibility checks,
    # represented organisations; and the other panels' own few (triage, answer, evidence);
    # the proposals and agreements it fed (one query each, plus guardian's content type lookup
    # for the secretariat rule of Proposal.visible_to)
    with django_assert_max_num_queries(32):
        assert client.get(concern.get_absolute_url()).status_code == 200


# --- Support, follow ----------------------------------------------------------------------


def test_a_member_supports_and_withdraws(client, table, citizen):
    concern = raise_concern(table, reporter=citizen)
    member = make_member(table).user
    client.force_login(member)
    response = client.post(url("support", concern), {"action": "support"})
    assert response.status_code == 302 and response.url == concern.get_absolute_url()
    assert Concern.objects.get(pk=concern.pk).support_count == 1
    assert Follow.objects.filter(concern=concern, user=member).exists()
    client.post(url("support", concern), {"action": "withdraw"})
    assert Concern.objects.get(pk=concern.pk).support_count == 0


def test_a_representative_endorses_only_for_their_own_organisation(client, table, citizen):
    organisation = OrganisationFactory(table=table)
    other = OrganisationFactory(table=table)
    representative = make_member(table, Role.REPRESENTATIVE, organisation=organisation).user
    concern = raise_concern(table, reporter=citizen)
    client.force_login(representative)
    client.post(url("support", concern), {"action": "support", "organisation": other.pk})
    assert not Support.objects.exists()
    client.post(url("support", concern), {"action": "support", "organisation": "nonsense"})
    assert not Support.objects.exists()
    client.post(url("support", concern), {"action": "support", "organisation": organisation.pk})
    assert Support.objects.get().organisation == organisation


def test_nonsense_ids_are_refused_without_a_500(client, table, citizen, subcommittee):
    huge = "9" * 30
    concern = raise_concern(table, reporter=citizen)
    client.force_login(make_member(table).user)
    response = client.post(url("support", concern), {"action": "support", "organisation": huge})
    assert response.status_code == 302 and not Support.objects.exists()
    response = client.post(create_url(table), form_data(subcommittee, colonia=huge,
                                                        accused_institutions=[huge, "x"]))
    assert {"colonia", "accused_institutions"} <= set(response.context["form"].errors)
    assert Concern.objects.count() == 1


@pytest.mark.parametrize("name", ["support", "follow", "reply", "confirm", "reopen", "consent"])
def test_the_actions_refuse_get(client, table, citizen, name):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    client.force_login(citizen)
    assert client.get(url(name, concern)).status_code == 405


@pytest.mark.parametrize("name", ["support", "follow", "reply", "confirm", "reopen", "consent"])
def test_a_visitor_is_sent_to_log_in_and_nothing_changes(client, table, citizen, name):
    concern = raise_concern(table, reporter=citizen)
    response = client.post(url(name, concern), {"text": "x", "reason": "x", "consent": "1"})
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert not Support.objects.exists() and Follow.objects.count() == 1 and not Reply.objects.exists()


@pytest.mark.parametrize("viewer,status", [("outsider", 403), ("other_secretariat", 403), ("citizen", 403)])
def test_support_is_refused_to_non_members_and_to_the_reporter(request, client, table, viewer, status):
    reporter = request.getfixturevalue("citizen")
    concern = raise_concern(table, reporter=reporter)
    client.force_login(request.getfixturevalue(viewer))
    assert client.post(url("support", concern), {"action": "support"}).status_code == status
    assert not Support.objects.exists()


@pytest.mark.parametrize("viewer", ["outsider", "other_secretariat"])
def test_restricted_concerns_cannot_be_supported_or_followed_from_outside(request, client, table, citizen,
                                                                          viewer):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    client.force_login(request.getfixturevalue(viewer))
    assert client.post(url("support", concern), {"action": "support"}).status_code == 404
    assert client.post(url("follow", concern), {"action": "follow"}).status_code == 404
    assert not Support.objects.exists() and Follow.objects.count() == 1


def test_following_and_unfollowing(client, table, citizen, outsider):
    concern = raise_concern(table, reporter=citizen)
    client.force_login(outsider)  # a public concern at a public table may be followed by anyone signed in
    client.post(url("follow", concern), {"action": "follow"})
    assert Follow.objects.filter(concern=concern, user=outsider).exists()
    client.post(url("follow", concern), {"action": "unfollow"})
    assert not Follow.objects.filter(concern=concern, user=outsider).exists()


# --- The reporter's steps -----------------------------------------------------------------


def test_the_reporter_replies(client, table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    client.force_login(citizen)
    response = client.post(url("reply", concern), {"text": "Ya pasó otra vez."})
    assert response.status_code == 302
    reply = Reply.objects.get()
    assert reply.author == citizen and reply.text == "Ya pasó otra vez."


def test_an_empty_reply_saves_nothing(client, table, citizen):
    concern = raise_concern(table, reporter=citizen)
    client.force_login(citizen)
    response = english(client).post(url("reply", concern), {"text": "  "}, follow=True)
    assert not Reply.objects.exists()
    assert "This field is required." in html(response)


@pytest.mark.parametrize("viewer", ["secretariat", "coordinator", "official", "representative"])
@pytest.mark.parametrize("name", ["reply", "confirm", "reopen", "consent"])
def test_only_the_reporter_takes_the_reporters_steps(request, client, table, citizen, institution, viewer,
                                                     name):
    secretariat = request.getfixturevalue("secretariat")
    concern = resolved(raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED),
                       secretariat, institution)
    user = request.getfixturevalue(viewer)
    if viewer == "coordinator":
        coordinate(user, concern)
    client.force_login(user)
    before = (concern.status, concern.consent_to_accused_at, ConcernEvent.objects.count())
    response = client.post(url(name, concern), {"text": "x", "reason": "x", "consent": "1"})
    assert response.status_code == 403
    concern.refresh_from_db()
    assert (concern.status, concern.consent_to_accused_at, ConcernEvent.objects.count()) == before
    assert not Reply.objects.exists()


def test_the_reporter_confirms_the_resolution(client, table, citizen, secretariat, institution):
    concern = resolved(raise_concern(table, reporter=citizen), secretariat, institution)
    client.force_login(citizen)
    client.post(url("confirm", concern))
    assert ConcernEvent.objects.filter(concern=concern, kind=ConcernEvent.Kind.CONFIRMED,
                                       actor=citizen).exists()


def test_confirming_an_open_concern_is_refused_with_a_message(client, table, citizen):
    concern = raise_concern(table, reporter=citizen)
    client.force_login(citizen)
    response = english(client).post(url("confirm", concern), follow=True)
    assert "Only a concern marked resolved or closed can be confirmed." in html(response)
    assert Concern.objects.get(pk=concern.pk).status == Status.SUBMITTED


def test_the_reporter_reopens_with_a_reason(client, table, citizen, secretariat, institution):
    concern = resolved(raise_concern(table, reporter=citizen), secretariat, institution)
    client.force_login(citizen)
    client.post(url("reopen", concern), {"reason": ""})
    assert Concern.objects.get(pk=concern.pk).status == Status.RESOLVED
    client.post(url("reopen", concern), {"reason": "Siguen cobrando."})
    concern.refresh_from_db()
    assert concern.status == Status.IN_PROGRESS
    assert concern.events.filter(kind=ConcernEvent.Kind.REOPENED, note="Siguen cobrando.").exists()


def test_the_reporter_gives_and_withdraws_consent(client, table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    client.force_login(citizen)
    client.post(url("consent", concern), {"consent": "1"})
    assert Concern.objects.get(pk=concern.pk).consent_to_accused_at is not None
    client.post(url("consent", concern), {"consent": "0"})
    assert Concern.objects.get(pk=concern.pk).consent_to_accused_at is None


def test_consent_on_a_public_concern_is_refused_with_a_message(client, table, citizen):
    concern = raise_concern(table, reporter=citizen)
    client.force_login(citizen)
    response = english(client).post(url("consent", concern), {"consent": "1"}, follow=True)
    assert "Only the reporter of a restricted concern decides this." in html(response)
    assert Concern.objects.get(pk=concern.pk).consent_to_accused_at is None
