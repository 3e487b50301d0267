"""Every error of the API is JSON, and malformed input never reaches the database."""

import pytest

from mesa.models import Institution, Membership, Table
from subcommittees.models import Subcommittee

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_table_slug_is_a_400_not_a_database_error(as_user, table, secretariat):
    response = as_user(secretariat).post(
        "/api/v1/subcommittees/", {"table": "mesa\x00", "name_es": "X"}, format="json"
    )
    assert response.status_code == 400
    assert "table" in response.json()
    assert not Subcommittee.objects.filter(name_es="X").exists()


def test_a_nul_byte_in_text_is_a_400(as_user, table, secretariat):
    response = as_user(secretariat).post(
        "/api/v1/institutions/", {"table": table.slug, "name": "Fiscalía\x00", "level": "state"},
        format="json",
    )
    assert response.status_code == 400
    assert "name" in response.json()
    assert not Institution.objects.filter(table=table).exists()


def test_a_nul_byte_in_a_filter_is_a_400(as_user, secretariat):
    response = as_user(secretariat).get("/api/v1/memberships/", {"table": "mesa\x00"})
    assert response.status_code == 400
    assert "table" in response.json()


@pytest.mark.parametrize("value", [10**30, -1, 1.5, True, None, "1; DROP TABLE", {"id": 1}])
def test_odd_ids_are_a_400(as_user, table, outsider, value):
    response = as_user(outsider).post(
        "/api/v1/memberships/", {"table": table.slug, "role": "official", "institution": value},
        format="json",
    )
    assert response.status_code == 400
    assert "institution" in response.json()
    assert not Membership.objects.filter(user=outsider).exists()


def test_an_id_too_large_for_the_database_in_the_address_is_a_404(as_user, secretariat):
    response = as_user(secretariat).get("/api/v1/memberships/99999999999999999999999/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_long_description_is_a_400(as_user, table, secretariat):
    response = as_user(secretariat).patch(f"/api/v1/tables/{table.slug}/",
                                          {"description": "x" * 10_001}, format="json")
    assert response.status_code == 400
    assert "description" in response.json()
    table.refresh_from_db()
    assert table.description == ""


def test_a_body_over_the_upload_limit_is_a_json_413(as_user, table, secretariat, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = as_user(secretariat).patch(f"/api/v1/tables/{table.slug}/",
                                          {"description": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert "detail" in response.json()
    assert Table.objects.get(pk=table.pk).description == ""


def test_an_unsupported_media_type_is_a_json_415(as_user, table, secretariat):
    response = as_user(secretariat).patch(f"/api/v1/tables/{table.slug}/", data="<xml/>",
                                          content_type="application/xml")
    assert response.status_code == 415
    assert "detail" in response.json()


def test_an_unknown_address_under_the_api_is_a_json_404(as_user):
    response = as_user(None).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_missing_trailing_slash_still_redirects(as_user):
    response = as_user(None).get("/api/v1/tables")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/tables/"


def test_the_api_root_lists_the_endpoints(as_user):
    body = as_user(None).get("/api/v1/").json()
    assert {"tables", "subcommittees", "institutions", "organisations", "memberships",
            "invitations"} <= set(body)
