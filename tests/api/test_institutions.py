"""Institutions and organisations follow the same rules; each test runs for both."""

import pytest

from mesa.models import GovernmentLevel, Institution, Organisation, OrganisationKind
from tests.mesa.factories import InstitutionFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

KINDS = {
    "institutions": {
        "model": Institution,
        "factory": InstitutionFactory,
        "new": {"name": "Policía Municipal", "acronym": "SSPM", "level": GovernmentLevel.MUNICIPAL},
        "filter": ("level", GovernmentLevel.FEDERAL, {"level": GovernmentLevel.FEDERAL}),
        "bad_choice": {"level": "galactic"},
    },
    "organisations": {
        "model": Organisation,
        "factory": OrganisationFactory,
        "new": {"name": "Plan Estratégico de Juárez", "kind": OrganisationKind.CIVIL_SOCIETY},
        "filter": ("kind", OrganisationKind.BUSINESS, {"kind": OrganisationKind.BUSINESS}),
        "bad_choice": {"kind": "cartel"},
    },
}
REFUSED = ["citizen", "official", "pending_official", "coordinator", "outsider", "other_secretariat"]


@pytest.fixture(params=list(KINDS))
def kind(request):
    return request.param, KINDS[request.param]


def list_url(name):
    return f"/api/v1/{name}/"


def detail_url(name, record):
    return f"/api/v1/{name}/{record.pk}/"


def test_anyone_reads_them_and_filters_by_table_choice_and_activity(as_user, kind, table, other_table):
    name, spec = kind
    field, value, extra = spec["filter"]
    match = spec["factory"](table=table, **extra)
    spec["factory"](table=table)
    spec["factory"](table=other_table, **extra)
    inactive = spec["factory"](table=table, is_active=False)
    api = as_user(None)
    of_table = api.get(list_url(name), {"table": table.slug}).json()["results"]
    assert {row["table"] for row in of_table} == {table.slug}
    filtered = api.get(list_url(name), {"table": table.slug, field: value}).json()["results"]
    assert [row["id"] for row in filtered] == [match.pk]
    retired = api.get(list_url(name), {"table": table.slug, "active": "false"}).json()["results"]
    assert [row["id"] for row in retired] == [inactive.pk]
    assert api.get(detail_url(name, match)).json()["name"] == match.name


def test_an_unknown_choice_in_a_filter_is_a_400(as_user, kind):
    name, spec = kind
    field, _value, _extra = spec["filter"]
    response = as_user(None).get(list_url(name), {field: "nonsense"})
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant(as_user, kind, table, n, django_assert_max_num_queries):
    name, spec = kind
    spec["factory"].create_batch(n, table=table)
    api = as_user(None)
    # count, page with tables
    with django_assert_max_num_queries(2):
        response = api.get(list_url(name), {"table": table.slug})
    assert response.json()["count"] >= n


def test_secretariat_adds_one(as_user, kind, table, secretariat):
    name, spec = kind
    response = as_user(secretariat).post(list_url(name), {"table": table.slug, **spec["new"]},
                                         format="json")
    assert response.status_code == 201, response.json()
    record = spec["model"].objects.get(pk=response.json()["id"])
    assert record.table == table
    assert record.name == spec["new"]["name"]


@pytest.mark.parametrize("person", [None, *REFUSED])
def test_only_the_tables_secretariat_adds_one(request, as_user, kind, table, person):
    name, spec = kind
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).post(list_url(name), {"table": table.slug, **spec["new"]}, format="json")
    assert response.status_code == (401 if user is None else 403)
    assert "detail" in response.json()
    assert not spec["model"].objects.filter(name=spec["new"]["name"]).exists()


def test_a_duplicate_name_at_the_same_table_is_a_400(as_user, kind, table, secretariat):
    name, spec = kind
    spec["factory"](table=table, name=spec["new"]["name"])
    response = as_user(secretariat).post(list_url(name), {"table": table.slug, **spec["new"]},
                                         format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert spec["model"].objects.filter(name=spec["new"]["name"]).count() == 1


def test_the_same_name_at_another_table_is_fine(as_user, kind, table, other_table, secretariat):
    name, spec = kind
    spec["factory"](table=other_table, name=spec["new"]["name"])
    response = as_user(secretariat).post(list_url(name), {"table": table.slug, **spec["new"]},
                                         format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"table": "no-such-table"}, "table"),
        ({"table": None}, "table"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": {"nested": True}}, "name"),
        ({"is_active": "perhaps"}, "is_active"),
        ("bad_choice", None),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_saved(as_user, kind, table, secretariat, change, field):
    name, spec = kind
    if change == "bad_choice":
        change = spec["bad_choice"]
        field = next(iter(change))
    before = spec["model"].objects.count()
    response = as_user(secretariat).post(
        list_url(name), {"table": table.slug, **spec["new"], **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert spec["model"].objects.count() == before


def test_secretariat_renames_and_deactivates_one(as_user, kind, table, secretariat):
    name, spec = kind
    record = spec["factory"](table=table)
    api = as_user(secretariat)
    response = api.patch(detail_url(name, record), {"name": "Nuevo nombre"}, format="json")
    assert response.status_code == 200, response.json()
    response = api.patch(detail_url(name, record), {"is_active": False}, format="json")
    assert response.status_code == 200
    record.refresh_from_db()
    assert (record.name, record.is_active) == ("Nuevo nombre", False)


def test_it_never_moves_to_another_table(as_user, kind, table, other_table, secretariat):
    name, spec = kind
    record = spec["factory"](table=table)
    response = as_user(secretariat).patch(detail_url(name, record), {"table": other_table.slug},
                                          format="json")
    assert response.status_code == 200
    assert response.json()["table"] == table.slug
    record.refresh_from_db()
    assert record.table == table


def test_renaming_to_a_taken_name_is_a_400_and_nothing_changes(as_user, kind, table, secretariat):
    name, spec = kind
    taken = spec["factory"](table=table)
    record = spec["factory"](table=table)
    response = as_user(secretariat).patch(detail_url(name, record), {"name": taken.name},
                                          format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    old_name = record.name
    record.refresh_from_db()
    assert record.name == old_name


@pytest.mark.parametrize("person", [None, *REFUSED])
def test_only_the_tables_secretariat_changes_one(request, as_user, kind, table, person):
    name, spec = kind
    record = spec["factory"](table=table)
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).patch(detail_url(name, record), {"is_active": False}, format="json")
    assert response.status_code == (401 if user is None else 403)
    record.refresh_from_db()
    assert record.is_active is True


def test_they_are_never_deleted(as_user, kind, table, secretariat):
    name, spec = kind
    record = spec["factory"](table=table)
    response = as_user(secretariat).delete(detail_url(name, record))
    assert response.status_code == 405
    assert spec["model"].objects.filter(pk=record.pk).exists()
