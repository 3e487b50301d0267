"""One migrated database per set of migrations, from which every test database is copied.

Migrating takes tens of seconds (Django re-renders the model states of 60-odd migrations);
copying a migrated database with `CREATE DATABASE ... TEMPLATE` takes about one. The
template's name carries a hash of every migration file and of the locked dependencies, so
a change to either builds a new one and a stale template is never used. The first run on
a server builds it once, under an advisory lock, while any other test process waits.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "mesa_migrated_"
_LOCK_KEY = 7_264_001  # pg_advisory_lock key held while a template is built


def name() -> str:
    digest = hashlib.sha256()
    files = sorted(ROOT.glob("*/migrations/*.py")) + [ROOT / "requirements.lock"]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return PREFIX + digest.hexdigest()[:16]


def ensure(template: str) -> None:
    """Build `template` unless it is already on the server; drop older templates."""
    with _server() as server:
        if _exists(server, template):
            return
        server.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            if not _exists(server, template):
                _build(server, template)
        finally:
            server.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def _build(server: psycopg.Connection, template: str) -> None:
    building = f"{template}_building"
    server.execute(f'DROP DATABASE IF EXISTS "{building}"')
    server.execute(f'CREATE DATABASE "{building}"')
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {**os.environ, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{building}"))}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    # Renamed only once complete, so a failed build never passes for a template.
    server.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
    stale = server.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
        [PREFIX.replace("_", r"\_") + "%", template],
    ).fetchall()
    for (database,) in stale:
        server.execute(f'DROP DATABASE IF EXISTS "{database}"')


def _exists(server: psycopg.Connection, database: str) -> bool:
    return server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def _server() -> psycopg.Connection:
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)
