import json

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/tables/",
    "/api/v1/tables/{slug}/",
    "/api/v1/subcommittees/",
    "/api/v1/subcommittees/{id}/",
    "/api/v1/subcommittees/{id}/archive/",
    "/api/v1/subcommittees/{id}/unarchive/",
    "/api/v1/subcommittees/{id}/coordinators/",
    "/api/v1/institutions/",
    "/api/v1/institutions/{id}/",
    "/api/v1/organisations/",
    "/api/v1/organisations/{id}/",
    "/api/v1/memberships/",
    "/api/v1/memberships/{id}/",
    "/api/v1/memberships/{id}/verify/",
    "/api/v1/memberships/{id}/refuse/",
    "/api/v1/memberships/{id}/end/",
    "/api/v1/invitations/",
    "/api/v1/invitations/{id}/",
]


def test_the_schema_is_served_and_lists_every_endpoint(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(EXPECTED_PATHS) <= set(schema["paths"])
    assert "delete" not in schema["paths"]["/api/v1/memberships/{id}/"]
    assert "post" not in schema["paths"]["/api/v1/tables/"]
    assert "put" in schema["paths"]["/api/v1/subcommittees/{id}/coordinators/"]


def test_the_schema_is_also_served_as_json(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/memberships/" in json.loads(response.content)["paths"]


def test_the_invitation_schema_has_no_token(api):
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    assert "token" not in schema["components"]["schemas"]["Invitation"]["properties"]


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/memberships/{id}/verify/" in yaml.safe_load(target.read_text())["paths"]


def test_the_docs_page_uses_only_local_assets(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode().lower()
    for cdn in ("cdn", "unpkg", "jsdelivr", "https://", "http://"):
        assert cdn not in html, cdn
    assert "/static/drf_spectacular_sidecar/" in html
