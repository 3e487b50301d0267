"""The concerns API: raising a concern, and the anonymous reporter's receipt-code follow-up."""

import pytest

from concerns import services
from concerns.models import Answer, Concern, ConcernEvent, Follow, Rating, Reply, Status, Visibility
from mesa.models import Role
from subcommittees.services import subcommittee_archive
from tests.concerns.factories import ColoniaFactory, raise_concern, raise_concern_with_code
from tests.mesa.factories import InstitutionFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/concerns/"
RECEIPTS = "/api/v1/receipts/"


@pytest.fixture
def body(table):
    """A valid concern, to be spoilt one field at a time."""
    return {
        "table": table.slug,
        "subcommittee": table.subcommittees.order_by("pk").first().pk,
        "title": "Cobro de piso en el mercado",
        "description": "Nos piden cuota cada semana.",
        "visibility": "public",
    }


def saved_state():
    """Everything a refused request must leave untouched."""
    return (Concern.objects.count(), ConcernEvent.objects.count(), Follow.objects.count(),
            Reply.objects.count(), Rating.objects.count(), Answer.objects.count())


# --- Raising ------------------------------------------------------------------------------


def test_a_member_raises_a_public_concern(as_user, table, citizen, body):
    colonia = ColoniaFactory(table=table, name="Centro")
    accused = InstitutionFactory(table=table)
    response = as_user(citizen).post(LIST, {
        **body, "colonia": colonia.pk, "happened_on": "2024-05-01", "place": "Mercado Juárez",
        "accused_institutions": [accused.pk],
    }, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reporter"] == {"display_name": citizen.display_name}
    assert data["receipt_code"] is None
    assert data["colonia"] == "Centro"
    assert data["accused_institutions"] == [{"id": accused.pk, "name": accused.name,
                                             "acronym": accused.acronym}]
    assert data["viewer"]["is_reporter"] is True and data["viewer"]["following"] is True
    concern = Concern.objects.get(pk=data["id"])
    assert concern.reporter == citizen and concern.status == Status.SUBMITTED


def test_a_restricted_concern_records_consent_to_the_accused(as_user, table, citizen, body):
    accused = InstitutionFactory(table=table)
    response = as_user(citizen).post(LIST, {**body, "visibility": "restricted",
                                            "accused_institutions": [accused.pk],
                                            "consent_to_accused": True}, format="json")
    assert response.status_code == 201, response.json()
    assert Concern.objects.get(pk=response.json()["id"]).consent_to_accused_at is not None


def test_a_visitor_raises_an_anonymous_concern_and_sees_its_code_once(as_user, table, secretariat,
                                                                      body):
    response = as_user(None).post(LIST, {**body, "visibility": "anonymous",
                                         "colonia_other": "Colonia nueva"}, format="json")
    assert response.status_code == 201, response.json()
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    code = data["receipt_code"]
    assert code and len(code.replace("-", "")) == 20
    assert data["reporter"] is None and data["colonia"] == "Colonia nueva"
    concern = Concern.objects.get(pk=data["id"])
    assert concern.reporter_id is None and code not in concern.receipt_hash
    assert not ConcernEvent.objects.filter(concern=concern, actor__isnull=False).exists()
    # Never again: not on the concern's page, not in the list, not for the secretariat.
    api = as_user(secretariat)
    for response in (api.get(f"{LIST}{concern.pk}/"), api.get(LIST, {"hidden": "true"})):
        assert response.status_code == 200
        assert code not in response.content.decode()
        assert "receipt_code" not in response.content.decode()
    # ... but it opens the concern.
    assert as_user(None).post(RECEIPTS, {"code": code}, format="json").json()["id"] == concern.pk


def test_a_signed_in_person_raising_anonymously_is_not_linked_to_it(as_user, table, citizen, body):
    response = as_user(citizen).post(LIST, {**body, "visibility": "anonymous"}, format="json")
    assert response.status_code == 201, response.json()
    concern = Concern.objects.get(pk=response.json()["id"])
    assert concern.reporter_id is None
    assert not Follow.objects.filter(concern=concern).exists()
    assert not ConcernEvent.objects.filter(concern=concern, actor__isnull=False).exists()
    assert response.json()["viewer"]["is_reporter"] is False


@pytest.mark.parametrize("visibility", ["public", "restricted"])
def test_only_members_raise_public_or_restricted_concerns(as_user, table, outsider,
                                                           other_secretariat, body, visibility):
    before = saved_state()
    for person in (None, outsider, other_secretariat):
        response = as_user(person).post(LIST, {**body, "visibility": visibility}, format="json")
        assert response.status_code == 403
        assert set(response.json()) == {"detail"}
    # Refused before the rest is read: a broken body is still a 403, not a list of errors.
    response = as_user(outsider).post(LIST, {**body, "visibility": visibility, "subcommittee": "x"},
                                      format="json")
    assert response.status_code == 403
    assert saved_state() == before


def _other_table_ids(other_table):
    return {
        "subcommittee": other_table.subcommittees.first().pk,
        "colonia": ColoniaFactory(table=other_table).pk,
        "institution": InstitutionFactory(table=other_table).pk,
    }


@pytest.mark.parametrize("change, field", [
    ({"table": "no-such-table"}, "table"),
    ({"table": "mesa\x00"}, "table"),
    ({"table": None}, "table"),
    ({"visibility": "secret"}, "visibility"),
    ({"visibility": ["public"]}, "visibility"),
    ({"subcommittee": "OTHER_SUBCOMMITTEE"}, "subcommittee"),
    ({"subcommittee": "ARCHIVED"}, "subcommittee"),
    ({"subcommittee": 99999999999}, "subcommittee"),
    ({"subcommittee": "abc"}, "subcommittee"),
    ({"colonia": "OTHER_COLONIA"}, "colonia"),
    ({"colonia": "INACTIVE_COLONIA"}, "colonia"),
    ({"colonia": "COLONIA", "colonia_other": "Otra"}, "colonia_other"),
    ({"accused_institutions": ["OTHER_INSTITUTION"]}, "accused_institutions"),
    ({"accused_institutions": "abc"}, "accused_institutions"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": ["a", "b"]}, "title"),
    ({"title": "Robo\x00"}, "title"),
    ({"description": ""}, "description"),
    ({"description": "x" * 10_001}, "description"),
    ({"happened_on": "2999-01-01"}, "happened_on"),
    ({"happened_on": "ayer"}, "happened_on"),
    ({"place": "x" * 201}, "place"),
    ({"consent_to_accused": "maybe"}, "consent_to_accused"),
])
@pytest.mark.parametrize("visibility", ["public", "anonymous"])
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    as_user, table, other_table, citizen, body, change, field, visibility
):
    other = _other_table_ids(other_table)
    archived = table.subcommittees.order_by("pk").last()
    subcommittee_archive(subcommittee=archived)
    inactive = ColoniaFactory(table=table, is_active=False)
    replacements = {"OTHER_SUBCOMMITTEE": other["subcommittee"], "ARCHIVED": archived.pk,
                    "OTHER_COLONIA": other["colonia"], "INACTIVE_COLONIA": inactive.pk,
                    "COLONIA": ColoniaFactory(table=table).pk,
                    "OTHER_INSTITUTION": other["institution"]}

    def replace(value):
        if isinstance(value, list):
            return [replace(v) for v in value]
        return replacements.get(value, value) if isinstance(value, str) else value

    data = {**body, "visibility": visibility, **{k: replace(v) for k, v in change.items()}}
    before = saved_state()
    response = as_user(citizen).post(LIST, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_a_body_that_is_not_an_object_is_a_400(as_user, citizen):
    response = as_user(citizen).post(LIST, ["not", "an", "object"], format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_anonymous_concerns_are_rate_limited_without_saving(as_user, table, body, settings):
    settings.MESA_ANONYMOUS_CONCERNS_PER_HOUR = 2
    api = as_user(None)
    for _ in range(2):
        assert api.post(LIST, {**body, "visibility": "anonymous"}, format="json").status_code == 201
    before = saved_state()
    response = api.post(LIST, {**body, "visibility": "anonymous"}, format="json")
    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert saved_state() == before


# --- Receipt-code follow-up ------------------------------------------------------------------


@pytest.fixture
def answered(table, secretariat):
    """An anonymous concern with an official answer, and its receipt code."""
    institution = InstitutionFactory(table=table, name="Fiscalía del Estado")
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    concern, code = raise_concern_with_code(table, visibility=Visibility.ANONYMOUS)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    answer = services.answer_post(concern=concern, institution=institution, author=official,
                                  text="Enviamos una patrulla.")
    return concern, code, answer


def test_the_receipt_code_opens_the_concern_as_its_reporter_sees_it(as_user, answered, citizen):
    concern, code, answer = answered
    for person in (None, citizen):
        response = as_user(person).post(RECEIPTS, {"code": code.lower().replace("-", " ")},
                                        format="json")
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        data = response.json()
        assert data["id"] == concern.pk and data["reporter"] is None
        assert data["answers"][0]["text"] == "Enviamos una patrulla."
        assert data["answers"][0]["author"] is None  # no member: no official's name
        assert data["answers"][0]["my_rating"] is None
        assert "viewer" not in data and "receipt_code" not in data
        assert code not in response.content.decode()


def test_the_reporter_reads_why_a_concern_was_rejected(as_user, table, secretariat):
    concern, code = raise_concern_with_code(table, visibility=Visibility.ANONYMOUS)
    services.concern_set_status(concern=concern, status=Status.REJECTED, actor=secretariat,
                                reason="No ocurrió en el municipio.")
    data = as_user(None).post(RECEIPTS, {"code": code}, format="json").json()
    assert data["status"] == "rejected"
    assert data["status_reason"] == "No ocurrió en el municipio."


@pytest.mark.parametrize("code", [
    "AAAA-BBBB-CCCC-DDDD-EEEE",  # well formed, wrong
    "nonsense",
    "",
    "x" * 5000,
    "AAAA\x00BBBB",
    123,
    None,
    ["AAAA-BBBB-CCCC-DDDD-EEEE"],
    "MISSING",
])
def test_a_wrong_or_malformed_code_gets_one_neutral_404(as_user, answered, code):
    payload = {} if code == "MISSING" else {"code": code}
    reference = as_user(None).post(RECEIPTS, {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"}, format="json")
    response = as_user(None).post(RECEIPTS, payload, format="json")
    assert response.status_code == 404
    assert response.json() == reference.json()
    assert set(response.json()) == {"detail"}


def test_a_receipt_body_that_is_not_an_object_gets_the_same_404(as_user, answered):
    reference = as_user(None).post(RECEIPTS, {"code": "nonsense"}, format="json")
    response = as_user(None).post(RECEIPTS, ["x"], format="json")
    assert response.status_code == 404 and response.json() == reference.json()


def test_receipt_look_ups_are_rate_limited_even_with_the_right_code(as_user, answered, settings):
    _concern, code, _answer = answered
    settings.MESA_RECEIPT_LOOKUPS_PER_HOUR = 3
    api = as_user(None)
    for attempt in ("AAAA-BBBB-CCCC-DDDD-EEEE", "nonsense", code):
        assert api.post(RECEIPTS, {"code": attempt}, format="json").status_code in (200, 404)
    for target in (RECEIPTS, f"{RECEIPTS}reply/"):
        response = api.post(target, {"code": code, "text": "Hola"}, format="json")
        assert response.status_code == 429
        assert set(response.json()) == {"detail"}
    assert not Reply.objects.exists()


def test_the_code_never_travels_in_an_address(as_user, answered):
    _concern, code, _answer = answered
    api = as_user(None)
    assert api.get(RECEIPTS, {"code": code}).status_code == 405
    response = api.get(f"{RECEIPTS}{code}/")
    assert response.status_code == 404 and code not in response.content.decode()
    assert api.post(f"{RECEIPTS}{code}/", {}, format="json").status_code == 404


def test_the_receipt_holder_replies_as_anonymously_as_the_concern(as_user, answered, secretariat):
    concern, code, _answer = answered
    before = saved_state()
    response = as_user(None).post(f"{RECEIPTS}reply/", {"code": "AAAA-BBBB-CCCC-DDDD-EEEE",
                                                        "text": "Hola"}, format="json")
    assert response.status_code == 404 and saved_state() == before
    response = as_user(None).post(f"{RECEIPTS}reply/", {"code": code, "text": ""}, format="json")
    assert response.status_code == 400 and "text" in response.json() and saved_state() == before
    response = as_user(None).post(f"{RECEIPTS}reply/", {"code": code, "text": "Siguen cobrando."},
                                  format="json")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    reply = Reply.objects.get(concern=concern)
    assert reply.author_id is None
    assert ConcernEvent.objects.get(concern=concern, kind="reply").actor_id is None
    seen = as_user(secretariat).get(f"{LIST}{concern.pk}/").json()
    assert seen["replies"][0]["by_reporter"] is True
    assert [e["actor"] for e in seen["timeline"] if e["kind"] == "reply"] == [None]


def test_a_signed_in_receipt_holder_is_not_linked_to_their_steps(as_user, answered, citizen):
    concern, code, answer = answered
    api = as_user(citizen)
    assert api.post(f"{RECEIPTS}reply/", {"code": code, "text": "Soy yo."},
                    format="json").status_code == 200
    assert api.post(f"{RECEIPTS}rate/", {"code": code, "answer": answer.pk, "score": 3},
                    format="json").status_code == 200
    assert Reply.objects.get(concern=concern).author_id is None
    assert Rating.objects.get(answer=answer).user_id is None
    assert not ConcernEvent.objects.filter(concern=concern, actor=citizen).exists()
    assert not Follow.objects.filter(concern=concern).exists()


def test_the_receipt_holder_confirms_or_reopens_a_resolved_concern(as_user, answered, secretariat):
    concern, code, _answer = answered
    api = as_user(None)
    response = api.post(f"{RECEIPTS}confirm/", {"code": code}, format="json")
    assert response.status_code == 400  # not marked resolved yet
    services.concern_set_status(concern=concern, status=Status.RESOLVED, actor=secretariat)
    before = saved_state()
    assert api.post(f"{RECEIPTS}reopen/", {"code": code, "reason": ""}, format="json").status_code == 400
    assert api.post(f"{RECEIPTS}reopen/", {"code": "nonsense", "reason": "No."},
                    format="json").status_code == 404
    assert saved_state() == before
    response = api.post(f"{RECEIPTS}reopen/", {"code": code, "reason": "Siguen cobrando."},
                        format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    services.concern_set_status(concern=concern, status=Status.RESOLVED, actor=secretariat)
    response = api.post(f"{RECEIPTS}confirm/", {"code": code}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    steps = ConcernEvent.objects.filter(concern=concern, kind__in=["reopened", "confirmed"])
    assert steps.count() == 2 and not steps.filter(actor__isnull=False).exists()


def test_the_receipt_holder_rates_an_answer_once_and_may_change_it(as_user, answered, table):
    concern, code, answer = answered
    other_answer = _another_answer(table)
    api = as_user(None)
    before = saved_state()
    for payload in ({"answer": other_answer.pk, "score": 4}, {"answer": answer.pk, "score": 6},
                    {"answer": "x", "score": 4}, {"answer": answer.pk}):
        response = api.post(f"{RECEIPTS}rate/", {"code": code, **payload}, format="json")
        assert response.status_code == 400, payload
    assert api.post(f"{RECEIPTS}rate/", {"code": "nonsense", "answer": answer.pk, "score": 4},
                    format="json").status_code == 404
    assert saved_state() == before
    response = api.post(f"{RECEIPTS}rate/", {"code": code, "answer": answer.pk, "score": 2,
                                             "comment": "Tardaron."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["answers"][0]["my_rating"]["score"] == 2
    api.post(f"{RECEIPTS}rate/", {"code": code, "answer": answer.pk, "score": 5}, format="json")
    rating = Rating.objects.get(answer=answer)
    assert rating.user_id is None and rating.score == 5 and rating.comment == ""


def _another_answer(table):
    secretariat = table.memberships.get(role=Role.SECRETARIAT).user
    institution = InstitutionFactory(table=table)
    official = make_member(table, Role.OFFICIAL, institution=institution).user
    concern = raise_concern(table, reporter=make_member(table).user)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    return services.answer_post(concern=concern, institution=institution, author=official, text="Otra.")
