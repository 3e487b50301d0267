"""The secretariat's list of colonias: add, rename, deactivate, never delete."""

import pytest
from django.urls import reverse

from concerns.models import Colonia
from mesa.models import Role
from tests.concerns.factories import ColoniaFactory, raise_concern
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db


def url(table, query: str = "") -> str:
    return reverse("concerns:colonia-list", kwargs={"table_slug": table.slug}) + query


def colonias(table) -> list:
    return list(Colonia.objects.filter(table=table).order_by("pk").values_list("name", "is_active"))


@pytest.fixture
def colonia(table):
    return ColoniaFactory(table=table, name="Colonia Centro")


@pytest.fixture
def person(request, table):
    kind = request.param
    if kind == "coordinator":
        return make_member(table, Role.COORDINATOR).user
    return request.getfixturevalue(kind)


# --- The secretariat's work -------------------------------------------------------------------------


def test_secretariat_lists_active_and_deactivated_colonias(client, table, secretariat, other_table):
    ColoniaFactory(table=table, name="Anapra")
    ColoniaFactory(table=table, name="Bellavista", is_active=False)
    ColoniaFactory(table=other_table, name="De la otra mesa")
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.get(url(table))
    assert response.status_code == 200
    html = response.content.decode()
    assert [c.name for c in response.context["page_obj"]] == ["Anapra", "Bellavista"]
    assert "No longer offered" in html and "De la otra mesa" not in html
    assert "<h1>Colonias of" in html


def test_secretariat_finds_a_colonia_by_name(client, table, secretariat):
    ColoniaFactory(table=table, name="Anapra")
    ColoniaFactory(table=table, name="Bellavista")
    client.force_login(secretariat)
    response = client.get(url(table, "?q=bella"))
    assert [c.name for c in response.context["page_obj"]] == ["Bellavista"]


def test_secretariat_adds_a_colonia(client, table, secretariat):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.post(url(table), {"action": "add", "add-name": "  Felipe Ángeles  "}, follow=True)
    assert colonias(table) == [("Felipe Ángeles", True)]
    assert response.redirect_chain == [(url(table), 302)]
    assert "The colonia Felipe Ángeles was added." in response.content.decode()


def test_secretariat_renames_a_colonia(client, table, secretariat, colonia):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    form_page = client.get(url(table, f"?edit={colonia.pk}")).content.decode()
    assert 'value="Colonia Centro"' in form_page
    assert '<input type="hidden" name="action" value="rename">' in form_page
    response = client.post(url(table), {"action": "rename", "colonia": colonia.pk,
                                        "rename-name": "Centro Histórico"})
    assert response.status_code == 302
    colonia.refresh_from_db()
    assert colonia.name == "Centro Histórico"


def test_renaming_a_colonia_to_its_own_name_in_another_case_is_allowed(client, table, secretariat,
                                                                          colonia):
    client.force_login(secretariat)
    response = client.post(url(table), {"action": "rename", "colonia": colonia.pk,
                                        "rename-name": "colonia centro"})
    assert response.status_code == 302
    assert colonias(table) == [("colonia centro", True)]


def test_secretariat_deactivates_and_reactivates_a_colonia_never_deleting_it(
    client, table, secretariat, colonia, citizen
):
    concern = raise_concern(table, reporter=citizen, colonia=colonia)
    client.force_login(secretariat)
    assert client.post(url(table), {"action": "deactivate", "colonia": colonia.pk}).status_code == 302
    assert colonias(table) == [("Colonia Centro", False)]
    concern.refresh_from_db()
    assert concern.colonia == colonia  # concerns keep it
    assert client.post(url(table), {"action": "activate", "colonia": colonia.pk}).status_code == 302
    assert colonias(table) == [("Colonia Centro", True)]


@pytest.mark.parametrize("name", ["Colonia Centro", "COLONIA CENTRO", "  colonia centro "])
def test_adding_a_colonia_the_table_already_has_is_a_form_error(client, table, secretariat, colonia,
                                                                name):
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.post(url(table), {"action": "add", "add-name": name})
    assert response.status_code == 200
    assert response.context["add_form"].errors["name"] == [
        "This table already has a colonia with this name."]
    assert 'aria-describedby="id_add-name_error"' in response.content.decode()
    assert colonias(table) == [("Colonia Centro", True)]


def test_renaming_to_another_colonias_name_is_a_form_error(client, table, secretariat, colonia):
    other = ColoniaFactory(table=table, name="Anapra")
    client.force_login(secretariat)
    client.cookies["django_language"] = "en"
    response = client.post(url(table), {"action": "rename", "colonia": other.pk,
                                        "rename-name": "colonia centro"})
    assert response.status_code == 200
    assert response.context["rename_form"].errors["name"] == [
        "This table already has a colonia with this name."]
    # The refused name is not shown as the colonia's own.
    assert "Rename Anapra" in response.content.decode()
    assert colonias(table) == [("Colonia Centro", True), ("Anapra", True)]


def test_the_same_name_at_another_table_is_fine(client, table, secretariat, other_table):
    ColoniaFactory(table=other_table, name="Colonia Centro")
    client.force_login(secretariat)
    client.post(url(table), {"action": "add", "add-name": "Colonia Centro"})
    assert colonias(table) == [("Colonia Centro", True)]


@pytest.mark.parametrize("name", ["", "   ", "x" * 151])
def test_an_empty_or_too_long_name_is_a_form_error(client, table, secretariat, name):
    client.force_login(secretariat)
    response = client.post(url(table), {"action": "add", "add-name": name})
    assert response.status_code == 200
    assert "name" in response.context["add_form"].errors
    assert colonias(table) == []


@pytest.mark.parametrize("action", ["rename", "deactivate", "activate"])
@pytest.mark.parametrize("target", ["other_table", "garbage", "missing"])
def test_a_colonia_of_another_table_or_no_colonia_is_a_404(
    client, table, other_table, secretariat, action, target
):
    theirs = ColoniaFactory(table=other_table, name="Suya")
    value = {"other_table": theirs.pk, "garbage": "abc", "missing": 999_999}[target]
    client.force_login(secretariat)
    response = client.post(url(table), {"action": action, "colonia": value, "rename-name": "Mía"})
    assert response.status_code == 404
    assert colonias(other_table) == [("Suya", True)]
    assert colonias(table) == []


def test_editing_another_tables_colonia_is_a_404(client, table, other_table, secretariat):
    theirs = ColoniaFactory(table=other_table)
    client.force_login(secretariat)
    assert client.get(url(table, f"?edit={theirs.pk}")).status_code == 404
    assert client.get(url(table, "?edit=abc")).status_code == 404


def test_an_unknown_action_is_a_404_and_there_is_no_delete(client, table, secretariat, colonia):
    client.force_login(secretariat)
    for action in ("delete", ""):
        response = client.post(url(table), {"action": action, "colonia": colonia.pk})
        assert response.status_code == 404
    assert colonias(table) == [("Colonia Centro", True)]


# --- The refused side ----------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client, table, colonia):
    for response in (client.get(url(table)),
                     client.post(url(table), {"action": "add", "add-name": "Nueva"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert colonias(table) == [("Colonia Centro", True)]


@pytest.mark.parametrize("person", ["outsider", "citizen", "official", "coordinator",
                                    "other_secretariat"], indirect=True)
@pytest.mark.parametrize("payload", [
    {"action": "add", "add-name": "Nueva"},
    {"action": "rename", "rename-name": "Otro nombre"},
    {"action": "deactivate"},
])
def test_only_the_secretariat_keeps_the_colonias(client, table, colonia, person, payload):
    client.force_login(person)
    assert client.get(url(table)).status_code == 403
    assert client.post(url(table), {**payload, "colonia": colonia.pk}).status_code == 403
    assert colonias(table) == [("Colonia Centro", True)]


def test_the_colonias_of_an_unknown_table_are_a_404(client, secretariat):
    client.force_login(secretariat)
    assert client.get(reverse("concerns:colonia-list", kwargs={"table_slug": "nope"})).status_code == 404


@pytest.mark.parametrize("n", [1, 10])
def test_colonia_list_query_count_is_constant(client, table, secretariat, n,
                                              django_assert_max_num_queries):
    ColoniaFactory.create_batch(n, table=table)
    client.force_login(secretariat)
    # session, user, table, perms (user + groups), count, page
    with django_assert_max_num_queries(7):
        assert client.get(url(table)).status_code == 200


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_colonia_list_renders_in_spanish_and_english(client, table, secretariat, language):
    client.force_login(secretariat)
    client.cookies["django_language"] = language
    response = client.get(url(table))
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    if language == "en":
        assert "Add a colonia" in html
