"""The concern list: what each viewer finds, filters and search that never act as an
oracle for hidden fields, ordering, pagination and its query budget."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from concerns import services
from concerns.models import Concern, Status, Visibility
from mesa.models import Role
from subcommittees.services import subcommittee_set_coordinators
from tests.concerns.factories import ColoniaFactory, raise_concern
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(table):
    return make_member(table).user


def list_url(table, **params):
    url = reverse("concerns:concern-list", kwargs={"table_slug": table.slug})
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def titles(response) -> list[str]:
    return [concern.title for concern, _name in response.context["rows"]]


def html(response) -> str:
    return response.content.decode()


def comparable(page: str) -> str:
    """CSRF tokens are masked afresh on every render, and the language switcher
    returns to the address asked for; nothing else may differ."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'name="next" type="hidden" value="[^"]+"', "", page)


# --- Who finds what ------------------------------------------------------------------


def test_a_visitor_finds_only_public_listed_concerns(client, table, citizen, secretariat):
    raise_concern(table, reporter=citizen, title="Pública")
    raise_concern(table, reporter=citizen, title="Restringida", visibility=Visibility.RESTRICTED)
    raise_concern(table, title="Anónima", visibility=Visibility.ANONYMOUS)
    hidden = raise_concern(table, reporter=citizen, title="Oculta")
    services.concern_hide(concern=hidden, actor=secretariat, reason="Insultos.")
    rejected = raise_concern(table, reporter=citizen, title="Rechazada")
    services.concern_set_status(concern=rejected, status=Status.REJECTED, actor=secretariat, reason="No.")
    response = client.get(list_url(table))
    assert response.status_code == 200
    assert titles(response) == ["Pública"]
    for title in ("Restringida", "Anónima", "Oculta", "Rechazada"):
        assert title not in html(response)


def test_a_member_finds_restricted_and_anonymous_concerns_too(client, table, citizen, member):
    raise_concern(table, reporter=citizen, title="Pública")
    raise_concern(table, reporter=citizen, title="Restringida", visibility=Visibility.RESTRICTED)
    raise_concern(table, title="Anónima", visibility=Visibility.ANONYMOUS)
    client.force_login(member)
    assert set(titles(client.get(list_url(table)))) == {"Pública", "Restringida", "Anónima"}


@pytest.mark.parametrize("viewer", ["outsider", "other_secretariat"])
def test_outsiders_find_only_public_concerns(request, client, table, citizen, viewer):
    raise_concern(table, reporter=citizen, title="Pública")
    raise_concern(table, reporter=citizen, title="Restringida", visibility=Visibility.RESTRICTED)
    client.force_login(request.getfixturevalue(viewer))
    assert titles(client.get(list_url(table))) == ["Pública"]


def test_another_tables_concerns_are_never_listed(client, table, other_table, citizen):
    raise_concern(other_table, reporter=make_member(other_table).user, title="De otra mesa")
    raise_concern(table, reporter=citizen, title="De esta mesa")
    assert titles(client.get(list_url(table))) == ["De esta mesa"]


@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_a_private_tables_list_is_refused_to_non_members(request, client, db, viewer):
    private = TableFactory(is_public=False)
    reporter = make_member(private).user
    raise_concern(private, reporter=reporter, title="Privada")
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    response = client.get(list_url(private))
    assert response.status_code == 403
    assert "Privada" not in html(response)
    client.force_login(reporter)
    assert titles(client.get(list_url(private))) == ["Privada"]


def test_hidden_concerns_are_shown_on_request_to_the_secretariat_and_coordinators(
    client, table, citizen, secretariat, coordinator, member
):
    hidden = raise_concern(table, reporter=citizen, title="Oculta")
    raise_concern(table, reporter=citizen, title="Visible")
    services.concern_hide(concern=hidden, actor=secretariat, reason="Insultos.")
    subcommittee_set_coordinators(subcommittee=hidden.subcommittee, users=[coordinator])
    for viewer in (secretariat, coordinator):
        client.force_login(viewer)
        assert titles(client.get(list_url(table, show="hidden"))) == ["Oculta"]
        assert titles(client.get(list_url(table))) == ["Visible"]
    client.force_login(member)
    response = client.get(list_url(table, show="hidden"))
    assert titles(response) == ["Visible"]
    assert 'name="show"' not in html(response)


# --- Reporter identity -------------------------------------------------------------------


def test_reporter_names_follow_reporter_visibility(client, table, citizen, secretariat, member):
    raise_concern(table, reporter=citizen, title="Pública")
    other = make_member(table).user
    raise_concern(table, reporter=other, title="Restringida", visibility=Visibility.RESTRICTED)
    client.force_login(member)
    page = html(client.get(list_url(table)))
    assert citizen.display_name in page and other.display_name not in page
    client.force_login(secretariat)
    page = html(client.get(list_url(table)))
    assert citizen.display_name in page and other.display_name in page


def test_two_restricted_concerns_differing_only_in_reporter_look_the_same(client, table, member):
    """The oracle test: nothing on the list (names, filters, order) tells the reporter apart."""
    first = make_member(table).user
    second = make_member(table).user
    concern = raise_concern(table, reporter=first, visibility=Visibility.RESTRICTED)
    client.force_login(member)
    client.cookies["django_language"] = "en"
    as_first = comparable(html(client.get(list_url(table))))
    Concern.objects.filter(pk=concern.pk).update(reporter=second)
    services.follow_set(concern=concern, user=second, following=True)
    as_second = comparable(html(client.get(list_url(table))))
    assert as_first == as_second
    # Searching or filtering by the reporter finds nothing, and a reporter parameter is ignored.
    for params in ({"q": second.display_name.replace(" ", "+")}, {"q": second.email}):
        assert titles(client.get(list_url(table, **params))) == []
    assert comparable(html(client.get(list_url(table, reporter=second.pk)))) == as_second
    assert comparable(html(client.get(list_url(table, reporter=first.pk)))) == as_second


# --- Filters, search, order, pages ---------------------------------------------------------


def test_filters_by_theme_colonia_status_and_institution(client, table, citizen, secretariat):
    themes = list(table.subcommittees.order_by("pk")[:2])
    colonia = ColoniaFactory(table=table)
    accused = InstitutionFactory(table=table)
    assigned = InstitutionFactory(table=table)
    raise_concern(table, reporter=citizen, title="A", subcommittee=themes[0], colonia=colonia,
                      accused_institutions=[accused])
    b = raise_concern(table, reporter=citizen, title="B", subcommittee=themes[1])
    raise_concern(table, reporter=citizen, title="C", subcommittee=themes[1])
    services.concern_set_status(concern=b, status=Status.ACCEPTED, actor=secretariat)
    services.concern_assign(concern=b, institutions=[assigned, accused], actor=secretariat)
    assert titles(client.get(list_url(table, subcommittee=themes[0].pk))) == ["A"]
    assert titles(client.get(list_url(table, colonia=colonia.pk))) == ["A"]
    assert titles(client.get(list_url(table, status=Status.ACCEPTED))) == ["B"]
    assert titles(client.get(list_url(table, institution=assigned.pk))) == ["B"]
    # Accused in one, assigned in the other: each listed once.
    assert sorted(titles(client.get(list_url(table, institution=accused.pk)))) == ["A", "B"]
    assert titles(client.get(list_url(table, subcommittee=themes[1].pk, status=Status.SUBMITTED))) == ["C"]


def test_filter_values_of_another_table_or_nonsense_are_errors_not_500s(client, table, other_table,
                                                                        citizen):
    raise_concern(table, reporter=citizen, title="A")
    foreign = other_table.subcommittees.first()
    client.cookies["django_language"] = "en"
    for params in ({"subcommittee": foreign.pk}, {"colonia": "x"}, {"status": "nope"},
                   {"institution": 99999}, {"order": "reporter"}, {"page": "zzz"}):
        response = client.get(list_url(table, **params))
        assert response.status_code == 200
        assert titles(response) == ["A"]
    assert "Select a valid choice" in html(client.get(list_url(table, subcommittee=foreign.pk)))


def test_members_filter_by_visibility_and_visitors_cannot(client, table, citizen, member):
    raise_concern(table, reporter=citizen, title="Pública")
    raise_concern(table, reporter=citizen, title="Restringida", visibility=Visibility.RESTRICTED)
    client.force_login(member)
    assert titles(client.get(list_url(table, visibility=Visibility.RESTRICTED))) == ["Restringida"]
    client.logout()
    response = client.get(list_url(table, visibility=Visibility.RESTRICTED))
    assert titles(response) == ["Pública"]
    assert 'name="visibility"' not in html(response)


def test_search_folds_accents_and_keeps_the_other_filters(client, table, citizen):
    theme = table.subcommittees.order_by("pk").first()
    raise_concern(table, reporter=citizen, title="Extorsión en el mercado", subcommittee=theme)
    raise_concern(table, reporter=citizen, title="Extorsión en la escuela",
                  subcommittee=table.subcommittees.order_by("pk").last())
    raise_concern(table, reporter=citizen, title="Robo de autos")
    assert sorted(titles(client.get(list_url(table, q="extorsion")))) == [
        "Extorsión en el mercado", "Extorsión en la escuela"]
    assert titles(client.get(list_url(table, q="extorsion", subcommittee=theme.pk))) == [
        "Extorsión en el mercado"]
    assert titles(client.get(list_url(table, q="nada+parecido"))) == []


def test_priority_is_the_default_order_and_newest_is_offered(client, table, citizen):
    old = raise_concern(table, reporter=citizen, title="Antigua y apoyada")
    Concern.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    raise_concern(table, reporter=citizen, title="Reciente")
    services.support_add(concern=old, user=make_member(table).user)
    assert titles(client.get(list_url(table))) == ["Antigua y apoyada", "Reciente"]
    assert titles(client.get(list_url(table, order="newest"))) == ["Reciente", "Antigua y apoyada"]


def test_pages_of_twenty_keep_the_filters(client, table, citizen):
    theme = table.subcommittees.order_by("pk").first()
    for n in range(21):
        raise_concern(table, reporter=citizen, title=f"Inquietud {n}", subcommittee=theme)
    raise_concern(table, reporter=citizen, title="De otro tema", subcommittee=table.subcommittees.last())
    response = client.get(list_url(table, subcommittee=theme.pk))
    assert len(titles(response)) == 20
    assert f"?subcommittee={theme.pk}&amp;page=2" in html(response)
    second = client.get(list_url(table, subcommittee=theme.pk, page=2))
    assert len(titles(second)) == 1 and "De otro tema" not in html(second)


def test_the_list_renders_in_spanish_and_english(client, table, citizen):
    raise_concern(table, reporter=citizen)
    response = client.get(list_url(table))
    assert response["Content-Language"] == "es" and '<html lang="es">' in html(response)
    client.cookies["django_language"] = "en"
    response = client.get(list_url(table))
    assert response["Content-Language"] == "en"
    assert "Search and filter" in html(response) and "1 concern" in html(response)


def test_the_table_pages_link_to_the_concerns(client, table):
    client.cookies["django_language"] = "en"
    page = html(client.get(table.get_absolute_url()))
    assert list_url(table) in page
    assert reverse("concerns:concern-create", kwargs={"table_slug": table.slug}) in page


def test_the_form_works_without_javascript(client, table, citizen):
    raise_concern(table, reporter=citizen)
    page = html(client.get(list_url(table)))
    assert re.search(r'<form method="get"', page) and '<button type="submit"' in page
    assert "<script" not in page


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant_for_a_member(client, table, citizen, member, n,
                                                   django_assert_max_num_queries):
    institution = InstitutionFactory(table=table)
    for i in range(n):
        raise_concern(table, reporter=citizen, title=f"Pública {i}", accused_institutions=[institution],
                      colonia=ColoniaFactory(table=table))
        raise_concern(table, reporter=make_member(table).user, title=f"Restringida {i}",
                      visibility=Visibility.RESTRICTED, accused_institutions=[institution])
    client.force_login(member)
    # session, user, table, perms (user + groups), subcommittee perms, guardian's content types
    # (cold cache), filter choices (subcommittees, colonias, institutions), count, page,
    # accused, assigned, reporter visibility (memberships, coordinated subcommittees)
    with django_assert_max_num_queries(22):
        assert client.get(list_url(table)).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant_for_a_visitor(client, table, citizen, n,
                                                    django_assert_max_num_queries):
    institution = InstitutionFactory(table=table)
    for i in range(n):
        raise_concern(table, reporter=citizen, title=f"Pública {i}", accused_institutions=[institution])
    # language middleware's table language, table, filter choices (subcommittees, colonias,
    # institutions), count, page, accused, assigned
    with django_assert_max_num_queries(9):
        assert client.get(list_url(table)).status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant_for_the_secretariat(client, table, citizen, secretariat, n,
                                                          django_assert_max_num_queries):
    for i in range(n):
        raise_concern(table, reporter=make_member(table, Role.CITIZEN).user, title=f"R {i}",
                      visibility=Visibility.RESTRICTED)
    client.force_login(secretariat)
    # as for a member, less the subcommittee perms (the secretariat triages them all);
    # it sees every reporter without one query more
    with django_assert_max_num_queries(16):
        assert client.get(list_url(table)).status_code == 200
