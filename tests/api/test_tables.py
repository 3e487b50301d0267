import pytest

from mesa.models import Role, Table
from mesa.services import membership_end
from tests.accounts.factories import UserFactory
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db

PUBLIC_FIELDS = {
    "slug", "name", "city", "state", "country", "description", "time_zone",
    "default_language", "is_public", "dashboard_is_public", "agenda_notice_days", "member_counts",
    "my_membership", "my_permissions",
}


def url(table=None):
    return f"/api/v1/tables/{table.slug}/" if table else "/api/v1/tables/"


def test_anonymous_visitor_reads_the_public_information_of_every_table(as_user, table, other_table):
    response = as_user(None).get(url())
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert set(rows) == {table.slug, other_table.slug}
    assert set(rows[table.slug]) == PUBLIC_FIELDS
    assert rows[table.slug]["my_membership"] is None
    assert rows[table.slug]["my_permissions"]["change_table"] is False
    assert rows[table.slug]["my_permissions"]["view_content"] is True


def test_a_private_table_is_listed_but_its_content_is_not_open(as_user, outsider):
    private = TableFactory(is_public=False, secretariat=UserFactory())
    row = as_user(outsider).get(url(private)).json()
    assert row["is_public"] is False
    assert row["my_permissions"]["view_content"] is False
    assert row["my_permissions"]["join"] is True


def test_member_counts_are_the_pages_counts_with_pending_claims_as_citizens(
    as_user, table, citizen, official, pending_official, secretariat
):
    make_member(table, Role.CITIZEN)  # a second citizen, who stays
    leaver = make_member(table, Role.CITIZEN)
    membership_end(membership=leaver, actor=leaver.user)
    counts = as_user(None).get(url(table)).json()["member_counts"]
    # Two citizens and the unverified official, who takes part as a citizen.
    assert counts == {"citizen": 3, "representative": 0, "official": 1, "coordinator": 0,
                      "secretariat": 1}


def test_the_requester_sees_their_own_role_and_powers(as_user, table, secretariat, citizen):
    mine = as_user(secretariat).get(url(table)).json()
    assert mine["my_membership"]["role"] == Role.SECRETARIAT
    assert mine["my_permissions"]["change_table"] is True
    assert mine["my_permissions"]["manage_members"] is True
    theirs = as_user(citizen).get(url(table)).json()
    assert theirs["my_membership"]["role"] == Role.CITIZEN
    assert theirs["my_permissions"]["is_member"] is True
    assert theirs["my_permissions"]["change_table"] is False


def test_an_unverified_official_has_no_official_powers(as_user, table, pending_official, official):
    pending = as_user(pending_official).get(url(table)).json()
    assert pending["my_membership"]["pending_verification"] is True
    assert pending["my_permissions"]["act_as_official"] is False
    assert as_user(official).get(url(table)).json()["my_permissions"]["act_as_official"] is True


def test_another_tables_secretariat_has_no_powers_here(as_user, table, other_secretariat):
    row = as_user(other_secretariat).get(url(table)).json()
    assert row["my_membership"] is None
    assert not any(v for k, v in row["my_permissions"].items() if k not in ("view_content", "join"))


def test_unknown_table_is_a_json_404(as_user):
    response = as_user(None).get("/api/v1/tables/no-such-table/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("n", [1, 10])
def test_table_list_query_count_is_constant(as_user, n, django_assert_max_num_queries):
    person = UserFactory()
    for _ in range(n):
        make_member(TableFactory(secretariat=UserFactory()), Role.CITIZEN, user=person)
    api = as_user(person)
    api.get(url())  # warm guardian's per-process content-type cache
    # session, user, count, page (with member counts as subqueries),
    # prefetched object permissions (user + group), the requester's memberships,
    # the tables where the requester coordinates a subcommittee
    with django_assert_max_num_queries(8):
        response = api.get(url())
    assert response.status_code == 200
    assert len(response.json()["results"]) == n


# --- Changing a table ---------------------------------------------------------------


def test_secretariat_changes_its_table(as_user, table, secretariat):
    response = as_user(secretariat).patch(
        url(table), {"description": "Seguridad en Juárez", "is_public": False}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "Seguridad en Juárez"
    table.refresh_from_db()
    assert table.description == "Seguridad en Juárez"
    assert table.is_public is False


def test_slug_and_country_cannot_be_changed_through_the_api(as_user, table, secretariat):
    response = as_user(secretariat).patch(url(table), {"slug": "otra", "country": "ES"}, format="json")
    assert response.status_code == 200
    table.refresh_from_db()
    assert (table.slug, table.country) != ("otra", "ES")


def test_anonymous_visitor_cannot_change_a_table(as_user, table):
    response = as_user(None).patch(url(table), {"name": "Hijacked"}, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()
    table.refresh_from_db()
    assert table.name != "Hijacked"


@pytest.mark.parametrize(
    "person", ["citizen", "official", "pending_official", "coordinator", "outsider", "other_secretariat"]
)
def test_only_the_tables_secretariat_changes_it(request, as_user, table, person):
    user = request.getfixturevalue(person)
    response = as_user(user).patch(url(table), {"name": "Hijacked"}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    table.refresh_from_db()
    assert table.name != "Hijacked"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"default_language": "fr"}, "default_language"),
        ({"name": "x" * 151}, "name"),
        ({"is_public": "sometimes"}, "is_public"),
        ({"name": ""}, "name"),
        ({"city": None}, "city"),
    ],
)
def test_bad_changes_are_refused_field_by_field_and_nothing_is_saved(
    as_user, table, secretariat, body, field
):
    before = Table.objects.filter(pk=table.pk).values().get()
    response = as_user(secretariat).patch(url(table), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Table.objects.filter(pk=table.pk).values().get() == before


def test_a_body_that_is_not_json_is_a_400(as_user, table, secretariat):
    response = as_user(secretariat).patch(
        url(table), data="{name: oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_tables_are_neither_created_replaced_nor_deleted_through_the_api(
    as_user, table, secretariat, method
):
    target = url() if method == "post" else url(table)
    response = getattr(as_user(secretariat), method)(target, {"name": "X"}, format="json")
    assert response.status_code == 405
    assert "detail" in response.json()
    assert Table.objects.filter(pk=table.pk, name=table.name).exists()


def test_errors_speak_the_requested_language(as_user, table):
    api = as_user(None)
    api.cookies["django_language"] = "en"
    response = api.patch(url(table), {}, format="json")
    assert response["Content-Language"] == "en"
    assert response.json()["detail"] == "Authentication credentials were not provided."
    api.cookies["django_language"] = "es"
    assert api.patch(url(table), {}, format="json")["Content-Language"] == "es"
