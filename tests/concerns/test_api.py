"""The concerns API, reading side: who sees which concern, and who may know who raised it.

The leaks these tests look for: an unfiltered list (DRF checks object
permissions only on detail views), a detail view answering 403 instead of
404, a serializer naming the reporter, and filters, search or ordering that
behave differently for two concerns differing only in who raised them.
"""

import json

import pytest
import yaml

from accounts.models import User
from concerns import services
from concerns.models import Status, Visibility
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.concerns.factories import ColoniaFactory, raise_concern
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/concerns/"
CANARY_NAME = "Canario Zq7xK"
CANARY_EMAIL = "canario-zq7xk@example.org"


def detail(concern) -> str:
    return f"{LIST}{concern.pk}/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def canary(table):
    """A reporter whose name and email must never reach anyone the rule refuses."""
    user = UserFactory(display_name=CANARY_NAME, email=CANARY_EMAIL)
    make_member(table, Role.CITIZEN, user=user)
    return user


@pytest.fixture
def accused(table):
    return InstitutionFactory(table=table, name="Policía Municipal", acronym="PM")


@pytest.fixture
def restricted(table, canary, accused, subcommittee):
    return raise_concern(table, reporter=canary, visibility=Visibility.RESTRICTED,
                         subcommittee=subcommittee, accused_institutions=[accused],
                         title="Extorsión en el mercado", description="Cobran cuota cada semana.")


@pytest.fixture
def people(table, subcommittee, accused, secretariat):
    """One person per side of the reporter rule (the reporter is `canary`)."""
    coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    other_subcommittee = table.subcommittees.exclude(pk=subcommittee.pk).first()
    other_coordinator = make_member(table, Role.COORDINATOR).user
    subcommittee_set_coordinators(subcommittee=other_subcommittee, users=[other_coordinator])
    return {
        "citizen": make_member(table, Role.CITIZEN).user,
        "accused_official": make_member(table, Role.OFFICIAL, institution=accused).user,
        "other_official": make_member(table, Role.OFFICIAL).user,
        "coordinator": coordinator,
        "other_coordinator": other_coordinator,
        "secretariat": secretariat,
        "superuser": User.objects.create_superuser(email="root@example.org", password="x" * 16,
                                                   display_name="Root"),
    }


# --- Which concerns are listed -------------------------------------------------------------


def test_a_visitor_lists_only_public_concerns_of_public_tables(as_user, table, citizen):
    public = raise_concern(table, reporter=citizen, visibility=Visibility.PUBLIC)
    raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    raise_concern(table, visibility=Visibility.ANONYMOUS)
    private_table = TableFactory(is_public=False, secretariat=UserFactory())
    raise_concern(private_table, reporter=make_member(private_table).user)
    assert ids(as_user(None).get(LIST)) == [public.pk]
    assert ids(as_user(None).get(LIST, {"hidden": "true"})) == [public.pk]


def test_a_member_of_one_table_sees_no_concern_of_another(as_user, table, citizen):
    private_table = TableFactory(is_public=False, secretariat=UserFactory())
    elsewhere = make_member(private_table).user
    for visibility in Visibility.values:
        raise_concern(private_table, visibility=visibility,
                      reporter=None if visibility == Visibility.ANONYMOUS else elsewhere)
    public_table = TableFactory(secretariat=UserFactory())
    public_elsewhere = raise_concern(public_table, reporter=make_member(public_table).user)
    raise_concern(public_table, reporter=make_member(public_table).user,
                  visibility=Visibility.RESTRICTED)
    raise_concern(public_table, visibility=Visibility.ANONYMOUS)
    # (For an anonymous concern the service drops the reporter.)
    mine = {raise_concern(table, reporter=citizen, visibility=v).pk for v in Visibility.values}
    seen = set(ids(as_user(citizen).get(LIST)))
    # Their own table's concerns, and only the public one of the other public table.
    assert seen == mine | {public_elsewhere.pk}
    assert ids(as_user(citizen).get(LIST, {"table": private_table.slug})) == []


def test_a_person_at_no_table_sees_public_concerns_of_public_tables_only(as_user, table, citizen,
                                                                          outsider):
    public = raise_concern(table, reporter=citizen)
    raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    assert ids(as_user(outsider).get(LIST)) == [public.pk]


def test_hidden_rejected_and_duplicate_concerns_are_listed_only_for_triagers_who_ask(
    as_user, table, restricted, people, canary
):
    coordinator, secretariat = people["coordinator"], people["secretariat"]
    hidden = raise_concern(table, reporter=canary, subcommittee=restricted.subcommittee,
                           title="Contenido ofensivo")
    services.concern_hide(concern=hidden, actor=coordinator, reason="Insultos.")
    rejected = raise_concern(table, reporter=canary, subcommittee=restricted.subcommittee)
    services.concern_set_status(concern=rejected, status=Status.REJECTED, actor=coordinator,
                                reason="No es competencia de la mesa.")
    copy = raise_concern(table, reporter=canary, subcommittee=restricted.subcommittee)
    services.concern_mark_duplicate(concern=copy, original=restricted, actor=coordinator)
    unlisted = {hidden.pk, rejected.pk, copy.pk}

    for person in (people["citizen"], coordinator, secretariat, people["other_coordinator"]):
        assert set(ids(as_user(person).get(LIST))) == {restricted.pk}
    for person in (people["citizen"], people["other_coordinator"], people["accused_official"]):
        assert set(ids(as_user(person).get(LIST, {"hidden": "true"}))) == {restricted.pk}
    for person in (coordinator, secretariat):
        assert set(ids(as_user(person).get(LIST, {"hidden": "true"}))) == unlisted | {restricted.pk}
    # The reporter reads their own on its page, but lists are the triagers' (as on the pages).
    assert set(ids(as_user(canary).get(LIST, {"hidden": "true"}))) == {restricted.pk}
    assert as_user(canary).get(detail(hidden)).status_code == 200
    assert set(ids(as_user(people["superuser"]).get(LIST, {"hidden": "true"}))) == {restricted.pk}
    searched = as_user(secretariat).get(LIST, {"hidden": "true", "q": "ofensivo", "ordering": "priority"})
    assert ids(searched) == [hidden.pk]
    # Among them, a duplicate names its original.
    copy_row = next(row for row in as_user(secretariat).get(LIST, {"hidden": "true"}).json()["results"]
                    if row["id"] == copy.pk)
    assert copy_row["duplicate_of"] == restricted.pk
    hidden_row = next(row for row in as_user(secretariat).get(LIST, {"hidden": "true"}).json()["results"]
                      if row["id"] == hidden.pk)
    assert hidden_row["hidden"] is True


def test_a_concern_one_may_not_read_is_a_json_404(as_user, table, restricted, people, outsider,
                                                   other_secretariat, canary):
    for person in (None, outsider, other_secretariat):
        response = as_user(person).get(detail(restricted))
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
    hidden = raise_concern(table, reporter=canary)
    services.concern_hide(concern=hidden, actor=people["secretariat"], reason="Spam.")
    assert as_user(people["citizen"]).get(detail(hidden)).status_code == 404
    assert as_user(None).get(detail(hidden)).status_code == 404
    assert as_user(canary).get(detail(hidden)).status_code == 200
    assert as_user(people["coordinator"]).get(detail(hidden)).status_code == 200
    assert as_user(people["other_coordinator"]).get(detail(hidden)).status_code == 404
    assert as_user(None).get(f"{LIST}abc/").status_code == 404


# --- Who may know who raised it -------------------------------------------------------------


def _responses(api, concern) -> list:
    """The list, a filtered list, a search and the concern's page, as one person gets them."""
    return [
        api.get(LIST),
        api.get(LIST, {"table": concern.table.slug, "visibility": concern.visibility}),
        api.get(LIST, {"q": "extorsion"}),
        api.get(detail(concern)),
    ]


def _assert_reporter_hidden(api, concern):
    for response in _responses(api, concern):
        assert response.status_code == 200, response.content
        body = response.content.decode()
        assert CANARY_NAME not in body
        assert CANARY_EMAIL not in body
        rows = response.json().get("results", [response.json()])
        row = next(r for r in rows if r["id"] == concern.pk)
        assert row["reporter"] is None
        if "timeline" in row:
            assert all(event["actor"] is None for event in row["timeline"] if event["by_reporter"])


def _assert_reporter_shown(api, concern):
    for response in _responses(api, concern):
        rows = response.json().get("results", [response.json()])
        row = next(r for r in rows if r["id"] == concern.pk)
        assert row["reporter"] == {"display_name": CANARY_NAME}
        assert CANARY_EMAIL not in response.content.decode()


def test_a_restricted_concerns_reporter_is_hidden_from_everyone_the_rule_refuses(
    as_user, restricted, people
):
    for key in ("citizen", "accused_official", "other_official", "other_coordinator", "superuser"):
        _assert_reporter_hidden(as_user(people[key]), restricted)


def test_a_restricted_concerns_reporter_is_shown_to_coordinators_secretariat_and_themself(
    as_user, restricted, people, canary
):
    for person in (people["coordinator"], people["secretariat"], canary):
        _assert_reporter_shown(as_user(person), restricted)


def test_the_accused_institution_knows_the_reporter_only_while_they_consent(
    as_user, restricted, people, canary
):
    official = people["accused_official"]
    _assert_reporter_hidden(as_user(official), restricted)
    response = as_user(canary).post(f"{detail(restricted)}consent/", {"consent": True}, format="json")
    assert response.status_code == 200, response.content
    _assert_reporter_shown(as_user(official), restricted)
    _assert_reporter_hidden(as_user(people["other_official"]), restricted)
    _assert_reporter_hidden(as_user(people["citizen"]), restricted)
    as_user(canary).post(f"{detail(restricted)}consent/", {"consent": False}, format="json")
    _assert_reporter_hidden(as_user(official), restricted)


def test_the_reporters_replies_and_steps_do_not_name_them(as_user, restricted, people, canary):
    as_user(canary).post(f"{detail(restricted)}reply/", {"text": "Sigue pasando."}, format="json")
    as_user(canary).post(f"{detail(restricted)}consent/", {"consent": True}, format="json")
    as_user(canary).post(f"{detail(restricted)}consent/", {"consent": False}, format="json")
    body = as_user(people["citizen"]).get(detail(restricted)).json()
    assert body["replies"][0] == {"text": "Sigue pasando.", "created_at": body["replies"][0]["created_at"],
                                  "by_reporter": True, "hidden": False}
    # Consent steps are the reporter's business: not shown to those who may not know them.
    kinds = [event["kind"] for event in body["timeline"]]
    assert kinds == ["raised", "reply"]
    assert all(event["actor"] is None for event in body["timeline"])
    assert body["consent_to_accused"] is None
    assert CANARY_NAME not in json.dumps(body)
    api = as_user(canary)
    api.cookies["django_language"] = "en"
    own = api.get(detail(restricted)).json()
    assert [(e["kind"], e["note"]) for e in own["timeline"]][-2:] == [("consent", "given"),
                                                                     ("consent", "withdrawn")]
    assert own["consent_to_accused"] is False
    assert own["timeline"][0]["actor"] == {"display_name": CANARY_NAME}


def test_triage_steps_are_named_alike_whoever_raised_the_concern(as_user, table, people, canary,
                                                                  subcommittee):
    """A coordinator who raised a restricted concern is named on their triage steps like on
    any other concern; only the reporter's own steps are kept from those the rule refuses."""
    coordinator = people["coordinator"]
    theirs = raise_concern(table, reporter=coordinator, visibility=Visibility.RESTRICTED,
                           subcommittee=subcommittee, title="Amenaza")
    others = raise_concern(table, reporter=canary, visibility=Visibility.RESTRICTED,
                           subcommittee=subcommittee, title="Amenaza")
    for concern in (theirs, others):
        as_user(coordinator).post(f"{detail(concern)}status/", {"status": "accepted"}, format="json")
    timelines = [
        [(e["kind"], e["actor"]) for e in as_user(people["citizen"]).get(detail(c)).json()["timeline"]]
        for c in (theirs, others)
    ]
    assert timelines[0] == timelines[1] == [
        ("raised", None), ("status", {"display_name": coordinator.display_name})]


def test_a_duplicate_names_its_original_only_to_those_who_may_read_it(as_user, table, people,
                                                                       canary, subcommittee):
    original = raise_concern(table, reporter=canary, subcommittee=subcommittee)
    services.concern_hide(concern=original, actor=people["secretariat"], reason="Ofensivo.")
    copy = raise_concern(table, reporter=people["citizen"], subcommittee=subcommittee)
    services.concern_mark_duplicate(concern=copy, original=original, actor=people["secretariat"])
    # Its reporter reads the duplicate, but not the hidden original.
    assert as_user(people["citizen"]).get(detail(copy)).json()["duplicate_of"] is None
    assert as_user(people["coordinator"]).get(detail(copy)).json()["duplicate_of"] == original.pk


def test_timeline_notes_are_those_the_pages_show(as_user, table, people, canary, subcommittee):
    concern = raise_concern(table, reporter=canary, subcommittee=subcommittee)
    services.concern_set_status(concern=concern, status=Status.REJECTED, actor=people["coordinator"],
                                reason="Fuera de la mesa.")
    timeline = as_user(canary).get(detail(concern)).json()["timeline"]
    assert [(e["kind"], e["from_status"], e["to_status"], e["note"]) for e in timeline] == [
        ("raised", None, "submitted", ""), ("status", "submitted", "rejected", "Fuera de la mesa.")]


def test_a_public_concerns_reporter_is_shown_to_every_reader(as_user, table, canary, outsider):
    concern = raise_concern(table, reporter=canary, title="Extorsión a comerciantes")
    for person in (None, outsider):
        row = as_user(person).get(LIST).json()["results"][0]
        assert row["reporter"] == {"display_name": CANARY_NAME}
        assert set(row["reporter"]) == {"display_name"}  # never the id or the email
        assert CANARY_EMAIL not in as_user(person).get(detail(concern)).content.decode()


def test_nobody_learns_who_raised_an_anonymous_concern_not_even_its_author(
    as_user, table, people, canary
):
    api = as_user(canary)
    response = api.post(LIST, {
        "table": table.slug, "subcommittee": table.subcommittees.first().pk,
        "title": "Amenazas en la colonia", "description": "Nos amenazan de muerte.",
        "visibility": "anonymous",
    }, format="json")
    assert response.status_code == 201, response.content
    concern_id = response.json()["id"]
    assert response.json()["reporter"] is None
    assert response.json()["viewer"]["is_reporter"] is False
    for person in (canary, people["secretariat"], people["coordinator"], people["superuser"]):
        body = as_user(person).get(f"{LIST}{concern_id}/").content.decode()
        assert CANARY_NAME not in body and CANARY_EMAIL not in body
        assert json.loads(body)["reporter"] is None


def test_official_names_are_shown_to_members_only(as_user, table, citizen, secretariat, outsider):
    institution = InstitutionFactory(table=table)
    official = make_member(table, Role.OFFICIAL, institution=institution,
                           user=UserFactory(display_name="Licenciada Pérez")).user
    concern = raise_concern(table, reporter=citizen)
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)
    services.answer_post(concern=concern, institution=institution, author=official, text="Atendido.")
    member_view = as_user(citizen).get(detail(concern)).json()
    assert member_view["answers"][0]["author"] == {"display_name": "Licenciada Pérez"}
    assert member_view["answers"][0]["institution"]["id"] == institution.pk
    assert {"display_name": secretariat.display_name} in [e["actor"] for e in member_view["timeline"]]
    for person in (None, outsider):
        visitor_view = as_user(person).get(detail(concern)).json()
        assert visitor_view["answers"][0]["author"] is None
        assert visitor_view["answers"][0]["text"] == "Atendido."
        assert "Licenciada Pérez" not in json.dumps(visitor_view)
        # A public concern's reporter is public: only the reporter's own steps are named.
        assert [e["actor"] for e in visitor_view["timeline"] if not e["by_reporter"]] == [None] * 3


def test_supporters_are_never_listed(as_user, table, restricted, people, canary):
    supporter = UserFactory(display_name="Apoyadora Única")
    make_member(table, Role.CITIZEN, user=supporter)
    as_user(supporter).post(f"{detail(restricted)}support/", {}, format="json")
    for person in (people["secretariat"], people["citizen"], canary):
        body = as_user(person).get(detail(restricted)).json()
        assert body["support_count"] == 1
        assert body["endorsements"] == []
        assert "Apoyadora Única" not in json.dumps(body)


# --- No oracle: filters, search and ordering never depend on hidden fields -------------------


def _without_identity(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("id", "created_at")}


@pytest.mark.parametrize("params", [
    {},
    {"q": "extorsion"},
    {"q": CANARY_NAME},
    {"q": CANARY_EMAIL},
    {"q": "canario"},
    {"ordering": "priority"},
    {"ordering": "-created_at"},
    {"status": "submitted"},
    {"visibility": "restricted"},
    {"institution": "ACCUSED"},
    {"colonia": "COLONIA"},
    {"reporter": "REPORTER"},
    {"reporter__email": CANARY_EMAIL},
    {"ordering": "reporter__display_name"},
])
def test_two_concerns_differing_only_in_reporter_answer_every_query_alike(
    as_user, table, canary, accused, subcommittee, people, params
):
    colonia = ColoniaFactory(table=table)
    plain = UserFactory(display_name="Persona Común")
    make_member(table, Role.CITIZEN, user=plain)
    same = {"visibility": Visibility.RESTRICTED, "subcommittee": subcommittee,
            "accused_institutions": [accused], "colonia": colonia,
            "title": "Extorsión en el mercado", "description": "Cobran cuota cada semana."}
    first = raise_concern(table, reporter=canary, **same)
    second = raise_concern(table, reporter=plain, **same)
    replacements = {"ACCUSED": accused.pk, "COLONIA": colonia.pk, "REPORTER": canary.pk}
    params = {k: replacements.get(v, v) for k, v in params.items()}
    response = as_user(people["citizen"]).get(LIST, params)
    if response.status_code == 400:  # an unknown ordering is refused, for both alike
        assert params["ordering"] == "reporter__display_name"
        return
    rows = {row["id"]: row for row in response.json()["results"]}
    assert (first.pk in rows) == (second.pk in rows)
    if first.pk in rows:
        assert _without_identity(rows[first.pk]) == _without_identity(rows[second.pk])
        # Ties are broken by date, never by the reporter.
        assert list(rows).index(second.pk) < list(rows).index(first.pk)
    assert CANARY_NAME not in response.content.decode()


# --- Filters, ordering, search, pagination ----------------------------------------------------


def test_filters_narrow_the_list(as_user, table, citizen, secretariat, subcommittee):
    other_subcommittee = table.subcommittees.exclude(pk=subcommittee.pk).first()
    colonia = ColoniaFactory(table=table)
    accused = InstitutionFactory(table=table)
    assigned = InstitutionFactory(table=table)
    a = raise_concern(table, reporter=citizen, subcommittee=subcommittee, colonia=colonia,
                      accused_institutions=[accused], title="Robo de vehículo")
    b = raise_concern(table, reporter=citizen, subcommittee=other_subcommittee,
                      visibility=Visibility.RESTRICTED, title="Extorsión telefónica")
    services.concern_set_status(concern=b, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=b, institutions=[assigned], actor=secretariat)
    api = as_user(citizen)
    assert ids(api.get(LIST, {"subcommittee": subcommittee.pk})) == [a.pk]
    assert ids(api.get(LIST, {"colonia": colonia.pk})) == [a.pk]
    assert ids(api.get(LIST, {"status": "accepted"})) == [b.pk]
    assert ids(api.get(LIST, {"institution": accused.pk})) == [a.pk]
    assert ids(api.get(LIST, {"institution": assigned.pk})) == [b.pk]
    assert ids(api.get(LIST, {"visibility": "restricted"})) == [b.pk]
    assert ids(api.get(LIST, {"q": "extorsion"})) == [b.pk]
    assert ids(api.get(LIST, {"q": "vehiculos"})) == [a.pk]
    assert ids(api.get(LIST, {"table": table.slug})) == [b.pk, a.pk]
    # A visitor's filter never widens: restricted concerns stay out.
    assert ids(as_user(None).get(LIST, {"visibility": "restricted"})) == []


def test_priority_orders_by_supports_then_newest(as_user, table, citizen):
    older = raise_concern(table, reporter=citizen, title="Primero")
    newer = raise_concern(table, reporter=citizen, title="Segundo")
    services.support_add(concern=older, user=make_member(table).user)
    api = as_user(None)
    assert ids(api.get(LIST)) == [older.pk, newer.pk]  # priority, as on the pages
    assert ids(api.get(LIST, {"ordering": "priority"})) == [older.pk, newer.pk]
    assert ids(api.get(LIST, {"ordering": "-created_at"})) == [newer.pk, older.pk]


@pytest.mark.parametrize("params", [
    {"ordering": "title"},
    {"status": "nonsense"},
    {"visibility": "secret"},
    {"subcommittee": "abc"},
    {"subcommittee": "99999999999999999999"},
    {"colonia": "-1"},
    {"institution": "1.5"},
    {"q": "robo\x00"},
    {"table": "mesa\x00"},
    {"page": "999"},
])
def test_bad_query_parameters_are_a_json_error_not_a_500(as_user, table, citizen, params):
    raise_concern(table, reporter=citizen)
    response = as_user(citizen).get(LIST, params)
    assert response.status_code in (400, 404)
    assert isinstance(response.json(), dict)


def test_the_list_is_paginated(as_user, table, citizen):
    for n in range(3):
        raise_concern(table, reporter=citizen, title=f"Planteamiento {n}")
    body = as_user(None).get(LIST).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 3
    assert as_user(None).get(LIST, {"page": 2}).status_code == 404


def test_subcommittee_names_follow_the_requests_language(as_user, table, citizen, subcommittee):
    raise_concern(table, reporter=citizen, subcommittee=subcommittee)
    api = as_user(None)
    api.cookies["django_language"] = "en"
    assert api.get(LIST).json()["results"][0]["subcommittee"] == {
        "id": subcommittee.pk, "name": subcommittee.name_en}
    api.cookies["django_language"] = "es"
    assert api.get(LIST).json()["results"][0]["subcommittee"]["name"] == subcommittee.name_es


# --- Query budgets ---------------------------------------------------------------------------


def _many_concerns(table, n, reporter, accused):
    colonia = ColoniaFactory(table=table)
    for i in range(n):
        visibility = [Visibility.PUBLIC, Visibility.RESTRICTED, Visibility.ANONYMOUS][i % 3]
        raise_concern(table, reporter=None if visibility == Visibility.ANONYMOUS else reporter,
                      visibility=visibility, accused_institutions=[accused], colonia=colonia,
                      consent_to_accused=True)


@pytest.mark.parametrize("n", [1, 10])
def test_member_list_query_count_is_constant(as_user, table, canary, accused, people, n,
                                             django_assert_max_num_queries):
    _many_concerns(table, n, canary, accused)
    api = as_user(people["accused_official"])
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their two-step device (django-otp), their object permissions (and
    # coordinated subcommittees); reporter rule: memberships; count, page (table, subcommittee,
    # colonia, reporter joined); accused institutions, assigned institutions
    with django_assert_max_num_queries(9):
        response = api.get(LIST, {"q": "cobro", "ordering": "priority"})
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 10])
def test_visitor_list_query_count_is_constant(as_user, table, canary, accused, n,
                                              django_assert_max_num_queries):
    _many_concerns(table, n, canary, accused)
    api = as_user(None)
    api.get(LIST)
    # count, page, accused institutions, assigned institutions
    with django_assert_max_num_queries(4):
        response = api.get(LIST)
    assert response.json()["count"] == (n + 2) // 3


@pytest.mark.parametrize("n", [1, 10])
def test_concern_page_query_count_is_constant(as_user, table, canary, accused, people, n,
                                              django_assert_max_num_queries):
    concern = raise_concern(table, reporter=canary, visibility=Visibility.RESTRICTED,
                            accused_institutions=[accused], consent_to_accused=True)
    secretariat = people["secretariat"]
    services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=concern, institutions=[accused], actor=secretariat)
    for i in range(n):
        services.answer_post(concern=concern, institution=accused, author=people["accused_official"],
                             text=f"Respuesta {i}")
        services.reply_post(concern=concern, author=canary, text=f"Réplica {i}")
        services.support_add(concern=concern, user=make_member(table).user)
    api = as_user(people["accused_official"])
    api.get(detail(concern))  # warm guardian's per-process content-type cache
    # session, user; the concern (visibility rule as subqueries; table, subcommittee, colonia,
    # reporter joined); accused, assigned, answers (institution, author joined), replies, events
    # (actor joined); reporter rule: memberships, coordinated subcommittees; membership check
    # (user and group perms); own ratings; the viewer: own support, follow, can_support
    # (can_view), can_follow (can_view), can_triage (subcommittee perms, user and group; the
    # subcommittee's table), answerable institutions (memberships, assignments)
    with django_assert_max_num_queries(22):
        response = api.get(detail(concern))
    assert len(response.json()["answers"]) == n


# --- Schema ------------------------------------------------------------------------------------


def test_every_concern_endpoint_is_in_the_schema_and_no_code_is_in_an_address(as_user):
    schema = yaml.safe_load(as_user(None).get("/api/v1/schema/").content)
    paths = schema["paths"]
    expected = {
        "/api/v1/concerns/": {"get", "post"},
        "/api/v1/concerns/{id}/": {"get"},
        "/api/v1/concerns/{id}/support/": {"post", "delete"},
        "/api/v1/concerns/{id}/follow/": {"post", "delete"},
        "/api/v1/answers/{id}/rating/": {"put"},
        "/api/v1/receipts/": {"post"},
        **{f"/api/v1/concerns/{{id}}/{action}/": {"post"} for action in (
            "answers", "status", "assign", "reroute", "duplicate", "hide", "unhide", "reply",
            "confirm", "reopen", "consent")},
        **{f"/api/v1/receipts/{action}/": {"post"} for action in ("reply", "confirm", "reopen", "rate")},
    }
    for path, methods in expected.items():
        assert methods == set(paths[path]) - {"parameters"}, path
    for path in paths:
        if "receipt" in path:
            assert "{" not in path
    components = schema["components"]["schemas"]
    assert "code" in components["ReceiptRequest"]["properties"]
    # Nothing in the concern's shapes can carry a reporter's id or email.
    assert set(components["Name"]["properties"]) == {"display_name"}
    for name in ("Concern", "ConcernForViewer", "ConcernCreated"):
        assert "email" not in json.dumps(components[name])
    list_parameters = {p["name"] for p in paths["/api/v1/concerns/"]["get"]["parameters"]}
    assert list_parameters == {"table", "subcommittee", "colonia", "status", "institution",
                               "visibility", "q", "ordering", "hidden", "page"}
