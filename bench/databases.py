"""Databases copied from templates: one migrated database per set of migrations, from which the
suite's test databases and the benchmark's seeded databases are copied.

Migrating takes tens of seconds (Django re-renders the model states of 60-odd migrations);
copying a database with `CREATE DATABASE ... TEMPLATE` takes about one. A template's name
carries a hash of what made it (every migration file and the locked dependencies, plus, for a
seeded one, the seeding code), so a change to any of them builds a new one and a stale template
is never used. A template is built once per server, under an advisory lock, while any other
process that wants it waits; it is renamed into place only when complete.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
MIGRATED_PREFIX = "mesa_migrated_"
_LOCK_KEY = 7_264_001  # pg_advisory_lock key held while a template is built


def with_database(url: str, name: str) -> str:
    """DATABASE_URL's server, database `name` (postgres://user@host:port/name?options)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.strip("/")


def connect(database_url: str, *, database: str | None = None) -> psycopg.Connection:
    """An autocommit connection to `database_url` (or to `database` on its server)."""
    import environ

    config = environ.Env.db_url_config(database_url)
    params = {"dbname": database or config["NAME"], "user": config["USER"], "password": config["PASSWORD"],
              "host": config["HOST"], "port": config["PORT"], **config.get("OPTIONS", {})}
    return psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True)


def server(database_url: str) -> psycopg.Connection:
    """An autocommit connection to the `postgres` database of `database_url`'s server."""
    return connect(database_url, database="postgres")


def fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def migration_files() -> list[Path]:
    return [*ROOT.glob("*/migrations/*.py"), ROOT / "requirements.lock"]


def migrated_template_name() -> str:
    return MIGRATED_PREFIX + fingerprint(migration_files())


def exists(connection: psycopg.Connection, database: str) -> bool:
    found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return found is not None


def create(connection: psycopg.Connection, database: str, *, template: str | None = None) -> None:
    statement = "CREATE DATABASE {} TEMPLATE {}" if template else "CREATE DATABASE {}"
    connection.execute(sql.SQL(statement).format(sql.Identifier(database), sql.Identifier(template or "")))


def drop(connection: psycopg.Connection, database: str) -> None:
    connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def ensure_template(database_url: str, name: str, build: Callable[[str], None], *,
                    stale_prefix: str | None = None, start_from: str | None = None) -> bool:
    """Make sure template `name` is on the server, calling `build(url)` on a new database (empty,
    or a copy of template `start_from`) to make it if not, then dropping the templates of
    `stale_prefix` it replaces. True if it was built."""
    with server(database_url) as connection:
        if exists(connection, name):
            return False
        connection.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            if exists(connection, name):
                return False
            building = f"{name}_building"
            drop(connection, building)
            create(connection, building, template=start_from)
            build(with_database(database_url, building))
            connection.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(building), sql.Identifier(name)))
            if stale_prefix:
                stale = connection.execute(
                    "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datname <> %s"
                    " AND NOT datname LIKE '%%\\_building'", [stale_prefix, name]).fetchall()
                for (database,) in stale:
                    drop(connection, database)
            return True
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def comment(connection: psycopg.Connection, database: str) -> str | None:
    found = connection.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                               " WHERE datname = %s", [database]).fetchone()
    return found[0] if found else None


def set_comment(connection: psycopg.Connection, database: str, text: str) -> None:
    connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(database),
                                                                      sql.Literal(text)))


def manage(database_url: str, *args: str, env: dict | None = None) -> None:
    """`manage.py <args>` against `database_url`, in a process of its own."""
    environment = {**os.environ, **(env or {}), "DATABASE_URL": database_url}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, check=True)


def ensure_migrated_template(database_url: str) -> str:
    """The name of the migrated template of this checkout's migrations, built if missing."""
    name = migrated_template_name()
    ensure_template(database_url, name, lambda url: manage(url, "migrate", "--noinput", "-v0"),
                    stale_prefix=MIGRATED_PREFIX)
    return name
