"""The receipt follow-up: the anonymous reporter reads and answers their concern with
the code, which travels only in POST bodies; wrong and malformed codes look alike;
look-ups are rate-limited; nothing is kept in a session."""

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from concerns import services
from concerns.models import ConcernEvent, Rating, Reply, Status, Visibility
from mesa.models import Role
from tests.concerns.factories import raise_concern, raise_concern_with_code
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

RECEIPT = reverse("receipt:follow-up")
NOT_FOUND = "We could not find a concern with this code. Check it and try again."


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def anonymous_concern(table):
    return raise_concern_with_code(table, visibility=Visibility.ANONYMOUS, title="Cobro de piso anónimo")


@pytest.fixture
def answered(table, secretariat, anonymous_concern):
    """The anonymous concern accepted, assigned, answered by an official, and marked resolved."""
    concern, code = anonymous_concern
    institution = InstitutionFactory(table=table, name="Fiscalía del Estado")
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    answer = services.answer_post(concern=concern, institution=institution, author=official,
                                  text="Enviamos una patrulla.")
    services.concern_set_status(concern=concern, status=Status.RESOLVED, actor=secretariat)
    concern.refresh_from_db()
    return concern, code, answer


def html(response) -> str:
    return response.content.decode()


def test_the_receipt_page_asks_for_the_code(client):
    response = client.get(RECEIPT)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert 'name="code"' in html(response) and 'method="post"' in html(response)


def test_the_code_opens_the_concern_as_its_reporter_sees_it(client, answered):
    concern, code, answer = answered
    response = client.post(RECEIPT, {"code": code})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = html(response)
    for text in (concern.title, concern.description, "Resolved", "Fiscalía del Estado",
                 "Enviamos una patrulla.", "Raised, by you.", "Was it resolved?"):
        assert text in page
    assert answer.author.display_name not in page  # the official's name is for members only


def test_the_code_is_forgiven_its_case_spaces_and_dashes(client, anonymous_concern):
    concern, code = anonymous_concern
    response = client.post(RECEIPT, {"code": code.lower().replace("-", " ")})
    assert concern.title in html(response)


def test_wrong_malformed_and_empty_codes_get_the_same_answer(client, anonymous_concern):
    concern, code = anonymous_concern
    wrong = "ABCD-EFGH-JKMN-PQRS-TVWX" if code != "ABCD-EFGH-JKMN-PQRS-TVWX" else "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    responses = [client.post(RECEIPT, {"code": value})
                 for value in (wrong, "nonsense", "", "A" * 500, code + "A")]
    for response in responses:
        assert response.status_code == 200
        assert NOT_FOUND in html(response)
        assert concern.title not in html(response)
        assert response["Cache-Control"] == "no-store"
    assert len({r.status_code for r in responses}) == 1
    assert client.post(RECEIPT, {}).status_code == 200


def test_a_public_concerns_id_is_not_a_code(client, table, citizen):
    raise_concern(table, reporter=citizen, title="Pública")
    assert NOT_FOUND in html(client.post(RECEIPT, {"code": "1"}))


def test_the_code_travels_only_in_post_bodies(client, answered, caplog):
    concern, code, _answer = answered
    caplog.set_level(logging.DEBUG)
    response = client.post(RECEIPT, {"code": code})
    page = html(response)
    # Every occurrence is the value of a hidden field in a POST form back to the receipt page.
    assert page.count(code) == page.count(f'<input type="hidden" name="code" value="{code}">') > 0
    for form in re.findall(r"<form[^>]*>", page):
        assert code not in form
        if f'action="{RECEIPT}"' in form:
            assert 'method="post"' in form or 'method="get"' in form
    assert all(code not in link for link in re.findall(r'href="[^"]*"', page))
    # No message (messages live in the session or a cookie), no session, nothing logged.
    assert list(response.context["messages"]) == []
    assert "messages" not in response.cookies and "sessionid" not in response.cookies
    assert not Session.objects.exists()
    assert all(code not in record.getMessage() and code not in str(record.__dict__)
               for record in caplog.records)


def test_the_receipt_holder_replies_anonymously(client, anonymous_concern):
    concern, code = anonymous_concern
    response = client.post(RECEIPT, {"code": code, "action": "reply", "text": "Volvieron ayer."})
    assert response.status_code == 200 and "Your reply was added." in html(response)
    assert "Volvieron ayer." in html(response)
    reply = Reply.objects.get()
    assert reply.author_id is None and reply.concern == concern
    assert not ConcernEvent.objects.filter(actor__isnull=False, kind=ConcernEvent.Kind.REPLY).exists()
    assert not Session.objects.exists()


def test_an_empty_reply_is_an_error_and_saves_nothing(client, anonymous_concern):
    _concern, code = anonymous_concern
    response = client.post(RECEIPT, {"code": code, "action": "reply", "text": " "})
    assert "This field is required." in html(response)
    assert not Reply.objects.exists()


def test_the_receipt_holder_confirms_the_resolution(client, answered):
    concern, code, _answer = answered
    response = client.post(RECEIPT, {"code": code, "action": "confirm"})
    assert "the concern is recorded as resolved" in html(response)
    event = concern.events.get(kind=ConcernEvent.Kind.CONFIRMED)
    assert event.actor_id is None and event.by_reporter


def test_the_receipt_holder_reopens_with_a_reason(client, answered):
    concern, code, _answer = answered
    response = client.post(RECEIPT, {"code": code, "action": "reopen", "reason": ""})
    assert "This field is required." in html(response)
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED
    response = client.post(RECEIPT, {"code": code, "action": "reopen", "reason": "Siguen cobrando."})
    concern.refresh_from_db()
    assert concern.status == Status.IN_PROGRESS
    assert "In progress" in html(response) and "Siguen cobrando." in html(response)


def test_confirming_an_open_concern_is_an_error(client, anonymous_concern):
    concern, code = anonymous_concern
    response = client.post(RECEIPT, {"code": code, "action": "confirm"})
    assert "Only a concern marked resolved or closed can be confirmed." in html(response)
    concern.refresh_from_db()
    assert concern.status == Status.SUBMITTED


def test_the_receipt_holder_rates_each_answer_once_and_may_change_it(client, answered):
    _concern, code, answer = answered
    client.post(RECEIPT, {"code": code, "action": "rate", "answer": answer.pk, "score": 2,
                          "comment": "Tardaron."})
    response = client.post(RECEIPT, {"code": code, "action": "rate", "answer": answer.pk, "score": 4})
    rating = Rating.objects.get()
    assert rating.user_id is None and rating.score == 4 and rating.answer == answer
    assert "Your rating was saved." in html(response)
    assert re.search(rf'id="score-{answer.pk}-4"[^>]*checked', html(response))


def test_rating_another_concerns_answer_or_out_of_range_saves_nothing(client, table, secretariat, answered):
    _concern, code, answer = answered
    other, _code = raise_concern_with_code(table, visibility=Visibility.ANONYMOUS, title="Otra")
    services.concern_set_status(concern=other, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=other, institutions=[answer.institution], actor=secretariat)
    foreign = services.answer_post(concern=other, institution=answer.institution, author=answer.author,
                                   text="Otra respuesta.")
    response = client.post(RECEIPT, {"code": code, "action": "rate", "answer": foreign.pk, "score": 5})
    assert "Choose one of the answers to this concern." in html(response)
    for score in (0, 6, "x"):
        client.post(RECEIPT, {"code": code, "action": "rate", "answer": answer.pk, "score": score})
    for answer_id in ("9" * 30, "x", ""):
        response = client.post(RECEIPT, {"code": code, "action": "rate", "answer": answer_id, "score": 3})
        assert response.status_code == 200
    assert not Rating.objects.exists()


def test_a_wrong_code_takes_no_step(client, answered):
    concern, _code, _answer = answered
    response = client.post(RECEIPT, {"code": "ABCD-EFGH-JKMN-PQRS-TVWX", "action": "reply", "text": "x"})
    assert NOT_FOUND in html(response)
    assert not Reply.objects.exists()


def test_look_ups_are_rate_limited_with_a_clear_429(client, anonymous_concern, settings):
    concern, code = anonymous_concern
    settings.MESA_RECEIPT_LOOKUPS_PER_HOUR = 2
    client.post(RECEIPT, {"code": "ABCD-EFGH-JKMN-PQRS-TVWX"})
    assert concern.title in html(client.post(RECEIPT, {"code": code}))
    response = client.post(RECEIPT, {"code": code})
    assert response.status_code == 429
    assert "wait an hour" in html(response).lower()
    assert concern.title not in html(response) and code not in html(response)
    assert response["Cache-Control"] == "no-store"
    # The page asking for the code is not counted.
    assert client.get(RECEIPT).status_code == 200


def test_a_signed_in_person_using_a_receipt_stays_unlinked(client, answered, citizen):
    concern, code, answer = answered
    client.force_login(citizen)
    before = Session.objects.get().session_data
    client.post(RECEIPT, {"code": code, "action": "reply", "text": "Desde mi cuenta."})
    client.post(RECEIPT, {"code": code, "action": "rate", "answer": answer.pk, "score": 3})
    assert Reply.objects.get().author_id is None
    assert Rating.objects.get().user_id is None
    assert not concern.events.filter(actor=citizen).exists()
    assert Session.objects.get().session_data == before


def test_the_receipt_pages_render_in_spanish_and_english(client, anonymous_concern):
    _concern, code = anonymous_concern
    client.cookies.pop("django_language")
    response = client.get(RECEIPT)
    assert response["Content-Language"] == "es" and '<html lang="es">' in html(response)
    response = client.post(RECEIPT, {"code": code})
    assert response["Content-Language"] == "es"
    client.cookies["django_language"] = "en"
    assert "Follow an anonymous concern" in html(client.get(RECEIPT))
    assert "Official answers" in html(client.post(RECEIPT, {"code": code}))
