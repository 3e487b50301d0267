"""Shared fixtures: a table and one person per side of every permission rule."""

import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from bench import databases
from mesa.celery import app as celery_app
from mesa.models import Role
from tests.accounts.factories import UserFactory, authenticator
from tests.mesa.factories import TableFactory, make_member


def pytest_configure(config):
    """Transactional tests end with Django's flush, which TRUNCATEs every table; the table's
    memory (mesa.history) refuses TRUNCATE by trigger. The flush of a test database runs
    with triggers switched off for its own statements (superuser's session_replication_role),
    and only it: every test still meets the triggers."""
    from django.db import connections
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        for alias in self._databases_names(include_mirrors=False):
            with connections[alias].cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        try:
            flush(self)
        finally:
            for alias in self._databases_names(include_mirrors=False):
                with connections[alias].cursor() as cursor:
                    cursor.execute("SET session_replication_role = origin")

    TransactionTestCase._fixture_teardown = _fixture_teardown


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Test databases are copies of one migrated template (bench/databases.py)."""
    template = databases.ensure_migrated_template(os.environ["DATABASE_URL"])
    settings.DATABASES["default"].setdefault("TEST", {})["TEMPLATE"] = template


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process unless a test starts a real worker (see tests/test_celery.py)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Messages raised outside a request (services, commands) in English, so
    tests can match them; a request still picks its own language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_media_in_tmp(settings, tmp_path):
    """Uploaded evidence (concerns, action updates, the demo's photo) never lands in var/."""
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing is slow on purpose; tests that check hashing itself set their own hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _redis_database(url: str, offset: int) -> str:
    """The same Redis server, `offset` databases further (redis://host/N or unix://path?db=N)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = parse_qs(parts.query)
        query["db"] = [str(int(query.get("db", ["0"])[0]) + offset)]
        return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{database + offset}"))


@pytest.fixture(autouse=True, scope="session")
def _cache_database_per_worker(request):
    """Under pytest-xdist each worker has its own test database (pytest-django) and, here, its
    own Redis database for the cache, so one worker's cache.clear() never empties another's."""
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "master")
    if worker_id == "master":
        yield
        return
    offset = int(worker_id.removeprefix("gw")) + 1
    default = settings.CACHES["default"]
    with override_settings(CACHES={**settings.CACHES, "default": {
            **default, "LOCATION": _redis_database(default["LOCATION"], offset)}}):
        yield


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit and throttle counters live in the cache (Redis): no test sees another's."""
    cache.clear()
    yield
    cache.clear()


def _complete_second_factor(client, user) -> None:
    """What a person who must (or chose to) use two-step verification does after the password:
    give a code from their device (made for them here if they have none), recorded in the
    session exactly as django_otp.login records it."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = authenticator(user)
    if device is None:
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """`client.force_login(person)` (Django's and DRF's test clients) signs in completely: the
    password step and, for those who need it, the second factor. Two-step verification stays
    on for the suite; a password login (`client.post(login_url, ...)`) meets the real flow, and
    `sign_in_password_only` stops after the password."""
    from django.test.client import Client

    password_only = Client.force_login

    def force_login(self, user, backend=None):
        password_only(self, user, backend)
        _complete_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    return password_only


@pytest.fixture
def sign_in_password_only(_force_login_gives_the_second_factor):
    """`sign_in_password_only(client, person)`: signed in with the password, second factor not
    given yet, as right after the login form."""

    def sign_in(client, user):
        _force_login_gives_the_second_factor(client, user)
        return client

    return sign_in


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(api):
    """`as_user(person)` signs `person` in (by session, as the browser does); None = anonymous."""

    def sign_in(user):
        api.logout()
        if user is not None:
            api.force_login(user)
        return api

    return sign_in


@pytest.fixture
def table(db):
    return TableFactory(secretariat=UserFactory(display_name="Secretaría"))


@pytest.fixture
def secretariat(table):
    return table.memberships.get(role=Role.SECRETARIAT).user


@pytest.fixture
def citizen(table):
    return make_member(table, Role.CITIZEN).user


@pytest.fixture
def official(table):
    return make_member(table, Role.OFFICIAL).user


@pytest.fixture
def pending_official(table):
    return make_member(table, Role.OFFICIAL, verified=False).user


@pytest.fixture
def representative(table):
    return make_member(table, Role.REPRESENTATIVE).user


@pytest.fixture
def coordinator(table):
    return make_member(table, Role.COORDINATOR).user


@pytest.fixture
def outsider(db):
    """Signed up and verified, but a member of no table."""
    return UserFactory()


@pytest.fixture
def other_table(db):
    return TableFactory(secretariat=UserFactory(display_name="Otra secretaría"))


@pytest.fixture
def other_secretariat(other_table):
    return other_table.memberships.get(role=Role.SECRETARIAT).user
