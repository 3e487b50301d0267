"""The project as a whole: deployment files, production settings, migrations, demo data."""

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from accounts.models import User
from concerns.models import Colonia, Concern, ConcernEvent
from mesa.logging import JsonFormatter, ScrubRequestFilter
from mesa.models import Membership, MembershipChange, Table
from subcommittees.models import Subcommittee

ROOT = Path(__file__).resolve().parent.parent


# Set by the browser tests while Playwright runs (tests/browser/conftest.py): never a deployment's.
TEST_ONLY_VARIABLES = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in TEST_ONLY_VARIABLES}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _production_env() -> dict:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "mesa.example.org",
    }


def test_check_deploy_is_clean_under_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_production_env())
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = _production_env()
    env["DJANGO_SECRET_KEY"] = ""
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_refuse_anything_but_postgresql():
    result = _manage("check", DJANGO_DEBUG="1", DATABASE_URL="sqlite:///var/mesa.sqlite3")
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_migrations_are_in_step_with_the_models():
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


class TestDockerCompose:
    @pytest.fixture(scope="class")
    @classmethod
    def compose(cls):
        return yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    def test_has_web_worker_beat_database_and_redis(self, compose):
        assert {"web", "worker", "beat", "db", "redis"} <= set(compose["services"])

    def test_database_is_postgresql_16_and_redis_is_7_with_data_volumes(self, compose):
        services = compose["services"]
        assert services["db"]["image"].startswith("postgres:16")
        assert services["redis"]["image"].startswith("redis:7")
        assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
        assert "pgdata" in compose["volumes"]

    def test_every_long_running_service_has_a_healthcheck(self, compose):
        for name in ("web", "worker", "beat", "db", "redis"):
            assert compose["services"][name].get("healthcheck", {}).get("test"), name

    def test_web_serves_with_gunicorn_and_the_worker_runs_celery(self, compose):
        services = compose["services"]
        assert services["web"]["command"][0] == "gunicorn"
        assert services["worker"]["command"][:3] == ["celery", "-A", "mesa"]
        assert "worker" in services["worker"]["command"]
        assert "beat" in services["beat"]["command"]

    def test_worker_can_be_scaled(self, compose):
        worker = compose["services"]["worker"]
        # A fixed container name or a published port would make --scale fail.
        assert "container_name" not in worker
        assert "ports" not in worker

    def test_app_services_wait_for_healthy_database_and_broker(self, compose):
        for name in ("web", "worker", "beat"):
            depends = compose["services"][name]["depends_on"]
            assert depends["db"]["condition"] == "service_healthy"
            assert depends["redis"]["condition"] == "service_healthy"
            assert depends["migrate"]["condition"] == "service_completed_successfully"

    def test_app_services_run_with_production_settings(self, compose):
        env = compose["services"]["web"]["environment"]
        assert env["DJANGO_DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    def counts():
        return [model.objects.count() for model in (
            User, Table, Membership, MembershipChange, Subcommittee, Concern, ConcernEvent, Colonia)]

    before = counts()
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert counts() == before
    table = Table.objects.get(slug="juarez")
    assert table.time_zone == "America/Ciudad_Juarez"
    assert set(table.memberships.values_list("role", flat=True)) == {
        "secretariat", "coordinator", "official", "representative", "citizen"}


@pytest.mark.django_db
def test_seed_demo_refuses_to_create_known_passwords_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_json_logs_never_carry_request_bodies(rf):
    request = rf.post("/t/juarez/join/?code=secret-receipt", data={"description": "extorsión en mi colonia"})
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Bad request: %s",
                               ("/t/juarez/join/",), None)
    record.request = request
    record.status_code = 400
    ScrubRequestFilter().filter(record)
    line = JsonFormatter().format(record)
    payload = json.loads(line)
    assert payload["request"] == "POST /t/juarez/join/"
    assert "extorsión" not in line and "secret-receipt" not in line
    assert payload["status_code"] == 400


@pytest.mark.django_db
def test_create_table_command_appoints_the_first_secretariat():
    from tests.accounts.factories import UserFactory

    user = UserFactory(email="secretaria@tijuana.example")
    call_command("create_table", "--name", "Mesa de Tijuana", "--slug", "tijuana", "--city", "Tijuana",
                 "--time-zone", "America/Tijuana", "--secretariat", "SECRETARIA@tijuana.example",
                 stdout=open(os.devnull, "w"))
    table = Table.objects.get(slug="tijuana")
    assert table.memberships.get(user=user).role == "secretariat"
    assert table.subcommittees.count() == 5


@pytest.mark.django_db
def test_create_table_command_rejects_an_unknown_time_zone_and_saves_nothing():
    from django.core.management.base import CommandError

    from tests.accounts.factories import UserFactory

    UserFactory(email="s@example.org")
    with pytest.raises(CommandError, match="time zone"):
        call_command("create_table", "--name", "X", "--slug", "x", "--city", "X",
                     "--time-zone", "Mars/Olympus", "--secretariat", "s@example.org")
    assert not Table.objects.filter(slug="x").exists()
