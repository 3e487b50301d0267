import pytest

from mesa.models import Role
from subcommittees import services
from subcommittees.models import Subcommittee
from tests.accounts.factories import UserFactory
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db

LIST = "/api/v1/subcommittees/"


def url(subcommittee, action=""):
    return f"{LIST}{subcommittee.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def subcommittee(table):
    return services.subcommittee_create(table=table, name_es="Extorsión", name_en="Extortion")


def snapshot(subcommittee):
    subcommittee.refresh_from_db()
    return (subcommittee.name_es, subcommittee.name_en, subcommittee.description,
            subcommittee.archived_at, set(subcommittee.coordinators.values_list("pk", flat=True)))


REFUSED = ["citizen", "official", "pending_official", "coordinator", "outsider", "other_secretariat"]


# --- Reading ---------------------------------------------------------------------------


def test_anyone_reads_subcommittees_with_coordinators_as_names_only(
    as_user, table, subcommittee, coordinator
):
    services.subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    response = as_user(None).get(url(subcommittee))
    assert response.status_code == 200
    body = response.json()
    assert body["table"] == table.slug
    assert body["coordinators"] == [{"id": coordinator.pk, "display_name": coordinator.display_name}]
    assert coordinator.email not in response.content.decode()


def test_subcommittees_filter_by_table_and_archived(as_user, table, other_table, subcommittee):
    services.subcommittee_archive(subcommittee=subcommittee)
    api = as_user(None)
    of_table = api.get(LIST, {"table": table.slug}).json()["results"]
    assert {row["table"] for row in of_table} == {table.slug}
    assert len(of_table) == 6  # five standing ones and ours
    archived = api.get(LIST, {"table": table.slug, "archived": "true"}).json()["results"]
    assert [row["id"] for row in archived] == [subcommittee.pk]
    working = api.get(LIST, {"table": table.slug, "archived": "false"}).json()["results"]
    assert subcommittee.pk not in {row["id"] for row in working}
    assert len(working) == 5


def test_the_name_follows_the_language_of_the_request(as_user, subcommittee):
    api = as_user(None)
    api.cookies["django_language"] = "en"
    assert api.get(url(subcommittee)).json()["name"] == "Extortion"
    api.cookies["django_language"] = "es"
    assert api.get(url(subcommittee)).json()["name"] == "Extorsión"


@pytest.mark.parametrize("n", [1, 10])
def test_subcommittee_list_query_count_is_constant(as_user, n, django_assert_max_num_queries):
    table = TableFactory(secretariat=UserFactory())
    coordinator = make_member(table, Role.COORDINATOR).user
    for i in range(n):
        created = services.subcommittee_create(table=table, name_es=f"Grupo {i}")
        services.subcommittee_set_coordinators(subcommittee=created, users=[coordinator])
    api = as_user(None)
    # count, page (with tables), coordinators
    with django_assert_max_num_queries(3):
        response = api.get(LIST, {"table": table.slug})
    assert response.json()["count"] == n + 5


# --- Creating ----------------------------------------------------------------------------


def test_secretariat_adds_a_subcommittee(as_user, table, secretariat):
    response = as_user(secretariat).post(
        LIST, {"table": table.slug, "name_es": "Feminicidios", "description": "Casos"}, format="json"
    )
    assert response.status_code == 201, response.json()
    created = Subcommittee.objects.get(pk=response.json()["id"])
    assert (created.table, created.name_es, created.slug) == (table, "Feminicidios", "feminicidios")


def test_anonymous_visitor_cannot_add_a_subcommittee(as_user, table):
    response = as_user(None).post(LIST, {"table": table.slug, "name_es": "X"}, format="json")
    assert response.status_code == 401
    assert not Subcommittee.objects.filter(name_es="X").exists()


@pytest.mark.parametrize("person", REFUSED)
def test_only_the_tables_secretariat_adds_subcommittees(request, as_user, table, person):
    user = request.getfixturevalue(person)
    response = as_user(user).post(LIST, {"table": table.slug, "name_es": "X"}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Subcommittee.objects.filter(name_es="X").exists()


def test_outsider_learns_nothing_from_errors_before_being_refused(as_user, table, outsider):
    response = as_user(outsider).post(LIST, {"table": table.slug, "name_es": "x" * 1000}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body, field",
    [
        ({"table": "no-such-table", "name_es": "X"}, "table"),
        ({"name_es": "X"}, "table"),
        ({"table": 12, "name_es": "X"}, "table"),
        ({"table": "{table}", "name_es": "", "name_en": "  "}, "name_es"),
        ({"table": "{table}", "name_es": "x" * 151}, "name_es"),
        ({"table": "{table}", "name_es": ["a", "list"]}, "name_es"),
    ],
)
def test_bad_subcommittees_are_refused_and_nothing_is_saved(as_user, table, secretariat, body, field):
    body = {k: (v.format(table=table.slug) if isinstance(v, str) else v) for k, v in body.items()}
    before = Subcommittee.objects.count()
    response = as_user(secretariat).post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Subcommittee.objects.count() == before


def test_a_list_instead_of_an_object_is_a_400(as_user, table, secretariat):
    response = as_user(secretariat).post(LIST, [table.slug], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


# --- Renaming ----------------------------------------------------------------------------------


def test_secretariat_renames_a_subcommittee_and_the_slug_stays(as_user, subcommittee, secretariat):
    response = as_user(secretariat).patch(url(subcommittee), {"name_en": "Extortion cases"},
                                          format="json")
    assert response.status_code == 200, response.json()
    subcommittee.refresh_from_db()
    assert (subcommittee.name_es, subcommittee.name_en) == ("Extorsión", "Extortion cases")
    assert subcommittee.slug == "extorsion"


def test_put_replaces_names_and_description(as_user, subcommittee, secretariat):
    response = as_user(secretariat).put(
        url(subcommittee), {"name_es": "Cobro de piso", "name_en": "", "description": "d"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    subcommittee.refresh_from_db()
    assert (subcommittee.name_es, subcommittee.name_en, subcommittee.description) == (
        "Cobro de piso", "", "d")


def test_a_subcommittee_needs_a_name(as_user, subcommittee, secretariat):
    before = snapshot(subcommittee)
    response = as_user(secretariat).patch(url(subcommittee), {"name_es": "", "name_en": ""},
                                          format="json")
    assert response.status_code == 400
    assert "name_es" in response.json()
    assert snapshot(subcommittee) == before


@pytest.mark.parametrize("person", [None, *REFUSED])
def test_only_the_tables_secretariat_renames(request, as_user, subcommittee, person):
    user = request.getfixturevalue(person) if person else None
    before = snapshot(subcommittee)
    response = as_user(user).patch(url(subcommittee), {"name_es": "Hijacked"}, format="json")
    assert response.status_code == (401 if user is None else 403)
    assert snapshot(subcommittee) == before


def test_renaming_an_unknown_subcommittee_is_a_404(as_user, secretariat):
    response = as_user(secretariat).patch(f"{LIST}999999/", {"name_es": "X"}, format="json")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- Archiving -----------------------------------------------------------------------------------


def test_secretariat_archives_and_unarchives(as_user, subcommittee, secretariat):
    api = as_user(secretariat)
    response = api.post(url(subcommittee, "archive"))
    assert response.status_code == 200
    assert response.json()["is_archived"] is True
    again = api.post(url(subcommittee, "archive"))
    assert again.status_code == 400
    assert "non_field_errors" in again.json()
    assert api.post(url(subcommittee, "unarchive")).json()["is_archived"] is False
    subcommittee.refresh_from_db()
    assert subcommittee.archived_at is None


@pytest.mark.parametrize("action", ["archive", "unarchive"])
@pytest.mark.parametrize("person", [None, *REFUSED])
def test_only_the_tables_secretariat_archives(request, as_user, subcommittee, person, action):
    if action == "unarchive":
        services.subcommittee_archive(subcommittee=subcommittee)
    user = request.getfixturevalue(person) if person else None
    before = snapshot(subcommittee)
    response = as_user(user).post(url(subcommittee, action))
    assert response.status_code == (401 if user is None else 403)
    assert snapshot(subcommittee) == before


@pytest.mark.parametrize("person", ["secretariat", "citizen", None])
def test_subcommittees_are_never_deleted(request, as_user, subcommittee, person):
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).delete(url(subcommittee))
    # The anonymous visitor is asked to sign in before being told DELETE does not exist.
    assert response.status_code == (401 if user is None else 405)
    assert Subcommittee.objects.filter(pk=subcommittee.pk).exists()


# --- Coordinators ---------------------------------------------------------------------------------


def test_secretariat_appoints_coordinators(as_user, subcommittee, secretariat, coordinator):
    response = as_user(secretariat).put(
        url(subcommittee, "coordinators"), {"coordinators": [coordinator.pk, secretariat.pk]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert {c["id"] for c in response.json()["coordinators"]} == {coordinator.pk, secretariat.pk}
    assert set(subcommittee.coordinators.all()) == {coordinator, secretariat}


def test_secretariat_clears_the_coordinators(as_user, subcommittee, secretariat, coordinator):
    services.subcommittee_set_coordinators(subcommittee=subcommittee, users=[coordinator])
    response = as_user(secretariat).put(url(subcommittee, "coordinators"), {"coordinators": []},
                                        format="json")
    assert response.status_code == 200
    assert not subcommittee.coordinators.exists()


@pytest.mark.parametrize("person", [None, *REFUSED])
def test_only_the_tables_secretariat_appoints_coordinators(
    request, as_user, subcommittee, coordinator, person
):
    user = request.getfixturevalue(person) if person else None
    response = as_user(user).put(url(subcommittee, "coordinators"),
                                 {"coordinators": [coordinator.pk]}, format="json")
    assert response.status_code == (401 if user is None else 403)
    assert not subcommittee.coordinators.exists()


@pytest.mark.parametrize(
    "who",
    ["citizen", "pending_official", "other_secretariat", "unknown", "not_a_number", "not_a_list"],
)
def test_only_coordinators_and_secretariat_of_the_table_can_coordinate(
    request, as_user, subcommittee, secretariat, coordinator, who
):
    if who == "unknown":
        value = [coordinator.pk, 999999]
    elif who == "not_a_number":
        value = ["abc"]
    elif who == "not_a_list":
        value = coordinator.pk
    else:
        value = [coordinator.pk, request.getfixturevalue(who).pk]
    response = as_user(secretariat).put(url(subcommittee, "coordinators"), {"coordinators": value},
                                        format="json")
    assert response.status_code == 400
    assert "coordinators" in response.json()
    assert not subcommittee.coordinators.exists()


def test_a_subcommittee_of_another_table_is_not_managed_by_this_secretariat(
    as_user, other_table, secretariat
):
    theirs = other_table.subcommittees.first()
    response = as_user(secretariat).post(url(theirs, "archive"))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.archived_at is None
