"""Hiding abusive evidence and replies: coordinators of the subcommittee and the secretariat
hide (with a reason) and show again; hidden, never deleted; the reporter and moderators
still read it, everyone else sees that it was hidden."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from concerns import services
from concerns.evidence import evidence_attach, evidence_hide
from concerns.models import ConcernEvent, Evidence, Reply
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import raise_concern
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

ABUSE = "Texto ofensivo con el domicilio de una persona"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the language picked by the cookie)."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def coordinator(table, subcommittee):
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[user])
    return user


@pytest.fixture
def other_coordinator(table):
    """Coordinates another subcommittee of the same table."""
    user = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=table.subcommittees.order_by("pk")[1], users=[user])
    return user


@pytest.fixture
def reporter(table):
    return make_member(table, Role.CITIZEN).user


@pytest.fixture
def concern(table, subcommittee, reporter):
    return raise_concern(table, reporter=reporter, subcommittee=subcommittee)


@pytest.fixture
def reply(concern, reporter):
    return services.reply_post(concern=concern, author=reporter, text=ABUSE)


def _photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 10, 10)).save(out, "JPEG")
    return SimpleUploadedFile("foto.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def evidence(concern, reporter):
    [item] = evidence_attach(concern=concern, files=[_photo()], uploader=reporter)
    return item


def _url(name, concern, **kwargs) -> str:
    return reverse(f"concerns:{name}", kwargs={"table_slug": concern.table.slug, "pk": concern.pk,
                                               **kwargs})


def _state(obj) -> tuple:
    obj = type(obj).objects.get(pk=obj.pk)
    return obj.hidden_at, obj.hidden_reason, ConcernEvent.objects.filter(concern=obj.concern).count()


REFUSED = ["anonymous", "citizen", "official", "other_coordinator", "other_secretariat"]


@pytest.fixture
def person(request, table):
    if request.param == "anonymous":
        return None
    if request.param == "official":
        return make_member(table, Role.OFFICIAL).user
    return request.getfixturevalue(request.param)


# --- Services ------------------------------------------------------------------------------


def test_reply_hide_records_who_and_why_and_refuses_twice(reply, coordinator):
    services.reply_hide(reply=reply, actor=coordinator, reason="  Datos personales  ")
    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_reason == "Datos personales"
    assert reply.text == ABUSE  # hidden, never deleted
    event = ConcernEvent.objects.filter(concern=reply.concern).last()
    assert (event.kind, event.actor) == (ConcernEvent.Kind.HIDDEN, coordinator)
    assert f"reply {reply.pk}" in event.note and "Datos personales" in event.note
    with pytest.raises(ValidationError):
        services.reply_hide(reply=reply, actor=coordinator, reason="Otra vez")

    services.reply_unhide(reply=reply, actor=coordinator)
    reply.refresh_from_db()
    assert not reply.is_hidden
    event = ConcernEvent.objects.filter(concern=reply.concern).last()
    assert event.kind == ConcernEvent.Kind.UNHIDDEN and f"reply {reply.pk}" in event.note
    with pytest.raises(ValidationError):
        services.reply_unhide(reply=reply, actor=coordinator)


def test_reply_hide_needs_a_reason(reply, coordinator):
    before = _state(reply)
    with pytest.raises(ValidationError):
        services.reply_hide(reply=reply, actor=coordinator, reason="   ")
    assert _state(reply) == before


# --- Refused side --------------------------------------------------------------------------


@pytest.mark.parametrize("person", REFUSED, indirect=True)
@pytest.mark.parametrize("name", ["reply-hide", "reply-unhide"])
def test_people_who_may_not_triage_cannot_hide_or_show_a_reply(client, concern, reply, person, name,
                                                                secretariat):
    if name == "reply-unhide":
        services.reply_hide(reply=reply, actor=secretariat, reason="Abuso")
    before = _state(reply)
    if person is not None:
        client.force_login(person)
    response = client.post(_url(name, concern, reply_pk=reply.pk), {"reason": "Abuso"})
    assert response.status_code in (302, 403, 404)
    if person is None:
        assert "/login" in response["Location"] or "login" in response["Location"]
    else:
        assert response.status_code in (403, 404)
    assert _state(reply) == before


@pytest.mark.parametrize("person", REFUSED, indirect=True)
@pytest.mark.parametrize("name", ["evidence-hide", "evidence-unhide"])
def test_people_who_may_not_triage_cannot_hide_or_show_evidence(client, concern, evidence, person,
                                                                 name):
    if name == "evidence-unhide":
        evidence_hide(evidence=evidence, reason="Abuso")
    before = _state(evidence)
    if person is not None:
        client.force_login(person)
    response = client.post(_url(name, concern, evidence_pk=evidence.pk), {"reason": "Abuso"})
    assert response.status_code in ((302,) if person is None else (403, 404))
    assert _state(evidence) == before


@pytest.mark.parametrize("name", ["reply-hide", "reply-unhide", "evidence-hide", "evidence-unhide"])
def test_hiding_actions_refuse_get(client, concern, reply, evidence, secretariat, name):
    client.force_login(secretariat)
    pk = {"reply_pk": reply.pk} if name.startswith("reply") else {"evidence_pk": evidence.pk}
    assert client.get(_url(name, concern, **pk)).status_code == 405


def test_an_item_of_another_concern_is_a_404(client, table, concern, reply, evidence, secretariat,
                                             subcommittee):
    other = raise_concern(table, reporter=make_member(table).user, subcommittee=subcommittee)
    client.force_login(secretariat)
    before = (_state(reply), _state(evidence))
    assert client.post(_url("reply-hide", other, reply_pk=reply.pk),
                       {"reason": "Abuso"}).status_code == 404
    assert client.post(_url("evidence-hide", other, evidence_pk=evidence.pk),
                       {"reason": "Abuso"}).status_code == 404
    assert (_state(reply), _state(evidence)) == before


# --- Allowed side --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "secretariat"])
def test_coordinator_and_secretariat_hide_and_show_a_reply(client, request, concern, reply, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(_url("reply-hide", concern, reply_pk=reply.pk), {"reason": "Insultos"},
                           follow=True)
    assert response.redirect_chain[0] == (concern.get_absolute_url(), 302)
    reply.refresh_from_db()
    assert reply.is_hidden and reply.hidden_reason == "Insultos"
    assert "The reply is hidden." in response.content.decode()

    response = client.post(_url("reply-unhide", concern, reply_pk=reply.pk))
    assert response["Location"] == concern.get_absolute_url()
    reply.refresh_from_db()
    assert not reply.is_hidden


@pytest.mark.parametrize("who", ["coordinator", "secretariat"])
def test_coordinator_and_secretariat_hide_and_show_evidence(client, request, concern, evidence, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(_url("evidence-hide", concern, evidence_pk=evidence.pk),
                           {"reason": "Imagen violenta"})
    assert response["Location"] == concern.get_absolute_url()
    evidence.refresh_from_db()
    assert evidence.is_hidden and evidence.hidden_reason == "Imagen violenta"

    client.post(_url("evidence-unhide", concern, evidence_pk=evidence.pk))
    evidence.refresh_from_db()
    assert not evidence.is_hidden


def test_hiding_without_a_reason_changes_nothing_and_says_why(client, concern, reply, evidence,
                                                              coordinator):
    client.force_login(coordinator)
    before = (_state(reply), _state(evidence))
    response = client.post(_url("reply-hide", concern, reply_pk=reply.pk), {"reason": "  "},
                           follow=True)
    assert "Say why it is hidden." in response.content.decode()
    response = client.post(_url("evidence-hide", concern, evidence_pk=evidence.pk), {},
                           follow=True)
    assert "Say why it is hidden." in response.content.decode()
    assert (_state(reply), _state(evidence)) == before


def test_hiding_twice_is_refused_with_a_message(client, concern, reply, evidence, coordinator):
    client.force_login(coordinator)
    client.post(_url("reply-hide", concern, reply_pk=reply.pk), {"reason": "Abuso"})
    client.post(_url("evidence-hide", concern, evidence_pk=evidence.pk), {"reason": "Abuso"})
    before = (_state(reply), _state(evidence))
    html = client.post(_url("reply-hide", concern, reply_pk=reply.pk), {"reason": "Otra"},
                       follow=True).content.decode()
    assert "The reply is already hidden." in html
    html = client.post(_url("evidence-hide", concern, evidence_pk=evidence.pk), {"reason": "Otra"},
                       follow=True).content.decode()
    assert "The file is already hidden." in html
    assert (_state(reply), _state(evidence)) == before


# --- Who reads a hidden reply --------------------------------------------------------------


@pytest.fixture
def hidden_reply(reply, secretariat):
    return services.reply_hide(reply=reply, actor=secretariat, reason="Datos personales de un vecino")


def test_a_hidden_reply_is_a_placeholder_for_a_citizen_and_an_anonymous_visitor(
    client, concern, hidden_reply, citizen
):
    for person in (citizen, None):
        if person:
            client.force_login(person)
        else:
            client.logout()
        client.cookies["django_language"] = "en"
        html = client.get(concern.get_absolute_url()).content.decode()
        assert ABUSE not in html
        assert "Datos personales de un vecino" not in html
        assert "This reply was hidden by the table" in html
        assert "Hide the reply" not in html


@pytest.mark.parametrize("who", ["secretariat", "coordinator", "reporter"])
def test_moderators_and_the_reporter_still_read_a_hidden_reply(client, request, concern,
                                                               hidden_reply, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get(concern.get_absolute_url()).content.decode()
    assert ABUSE in html
    assert "Hidden because: Datos personales de un vecino" in html
    assert ("Show the reply again" in html) == (who != "reporter")


def test_moderators_see_a_hide_form_next_to_each_reply_and_file(client, concern, reply, evidence,
                                                                coordinator):
    client.force_login(coordinator)
    html = client.get(concern.get_absolute_url()).content.decode()
    assert _url("reply-hide", concern, reply_pk=reply.pk) in html
    assert _url("evidence-hide", concern, evidence_pk=evidence.pk) in html
    assert f'<label for="hide-reply-{reply.pk}">' in html


def test_the_api_gives_null_text_for_a_hidden_reply_except_to_moderators(client, concern,
                                                                         hidden_reply, citizen,
                                                                         secretariat):
    url = f"/api/v1/concerns/{concern.pk}/"
    client.force_login(citizen)
    [shown] = client.get(url).json()["replies"]
    assert shown["hidden"] is True and shown["text"] is None
    assert ABUSE not in client.get(url).content.decode()
    client.force_login(secretariat)
    [shown] = client.get(url).json()["replies"]
    assert shown["hidden"] is True and shown["text"] == ABUSE


def test_the_api_marks_visible_replies_not_hidden(client, concern, reply, citizen):
    client.force_login(citizen)
    [shown] = client.get(f"/api/v1/concerns/{concern.pk}/").json()["replies"]
    assert shown == {**shown, "hidden": False, "text": ABUSE}


def test_hidden_evidence_cannot_be_opened_by_a_citizen(client, concern, evidence, citizen,
                                                       secretariat):
    client.force_login(secretariat)
    client.post(_url("evidence-hide", concern, evidence_pk=evidence.pk), {"reason": "Abuso"})
    file_url = _url("evidence-file", concern, evidence_pk=evidence.pk)
    assert client.get(file_url).status_code == 200
    client.force_login(citizen)
    assert client.get(file_url).status_code == 404
    assert file_url not in client.get(concern.get_absolute_url()).content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()  # hidden, not deleted


def test_the_receipt_page_marks_a_hidden_reply_for_its_holder(client, table, subcommittee,
                                                              secretariat):
    concern, code = services.concern_raise(
        table=table, subcommittee=subcommittee, title="Cobro de piso", description="Cuota semanal",
        visibility="anonymous", reporter=None)
    anonymous_reply = services.reply_post(concern=concern, author=None, text=ABUSE)
    services.reply_hide(reply=anonymous_reply, actor=secretariat, reason="Insultos")
    html = client.post(reverse("receipt:follow-up"), {"code": code}).content.decode()
    assert ABUSE in html
    assert "moderators hid this reply: others no longer read it. Why: Insultos" in html
    assert Reply.objects.get(pk=anonymous_reply.pk).text == ABUSE
