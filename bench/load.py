"""The load benchmark: Mesa's main pages under gunicorn, as production serves them, against a baseline.

    python -m bench.load --database-url postgres://.../mesa_bench_load --requests 300 --concurrency 16

Against a database already migrated and seeded (`manage.py seed_bench`: table bench-001, member
miembro@bench.mesa.mx; or the demo's with --table juarez --member-email ciudadana@demo.mesa.mx
--member-password mesa-demo-2026). What is measured, and how:

- Server. gunicorn with the product's settings and DEBUG off (bench.settings: mesa.settings plus
  the baseline's two addresses), on a free port of 127.0.0.1, no access log, static files
  collected (once, kept in var/bench/) and served by WhiteNoise as in production, persistent
  database connections (CONN_MAX_AGE from DATABASE_CONN_MAX_AGE, 60 s as in production;
  psycopg_pool is not a dependency). MESA_BEHIND_PROXY=1 as docker-compose.yml sets it: the
  client sends X-Forwarded-Proto: https as the TLS proxy would, so no request is redirected to
  https and the Secure cookies are valid. Beside it, an idle Celery worker (`celery -A mesa
  worker`, prefork, concurrency 2, on a queue of its own), as production runs them.
- Workers. gthread, 3 workers of 4 threads on 2 cores (`--workers`, `--threads`), which is what
  the Dockerfile and docker-compose.yml deploy: the benchmark measures the shipped
  configuration, and it fits 2 cores. A request is Python work under the GIL (most of it) plus
  waits on PostgreSQL: it takes a process per core to use both cores, a third keeps them busy
  while the others wait on the database or are descheduled, and 4 threads per worker overlap
  those waits, so that 12 requests are in progress at 16 clients and the rest wait briefly in
  the workers' queues. Each further worker costs about 115 MB (each imports all of Django; no
  --preload in production). gthread, not sync: sync workers close every connection, and the
  client keeps them alive, as a proxy in front would.
- Pages. Picked from the data by bench/pages.py: the table's page, its concern list (first
  page, filtered by status, and a full-text search for a word many titles contain), a public
  concern with supports and an answer, a past session with agreements, the accountability
  dashboard, an indicator with observations, and the API's concern list. Each as the member
  (signed in through /accounts/login/ with its CSRF token) and as an anonymous visitor, except
  where the page is not meant for anonymous visitors (the report says why).
- Load. An asyncio + httpx client in this process: a fixed number of requests per run at a
  fixed concurrency (a connection pool of that size, kept alive), after a short warm-up that is
  not counted; idle connections are dropped after 1 s, before gunicorn's keep-alive (2 s, its
  default) closes them under a request. It keeps the cookies itself (httpx's jar would not send
  Secure cookies over plain http): the member's session, and the CSRF cookie the anonymous
  visitor gets on the home page, as a browser would. Each page is run against its baseline in
  alternation, B P B P B P (`--pairs`): the baseline is a page doing one primary-key query
  through the same middleware and template engine (bench/baseline.py; the DRF twin for the
  API), and a page's ratio is the median over the pairs of its requests/s over the requests/s
  of the baseline run just before it, so that a machine busy with something else for a minute
  gives both runs of a pair the same handicap.
  Latencies are timed from sending a request to having its whole body, and the percentiles are
  exact: nearest rank over the sorted latencies of every request of the page's runs. Errors are
  answers other than 200 and requests that failed. Bytes: one 200 body, as sent (no
  compression is asked for) and gzipped at level 6. The client runs on the same machine and
  takes part of its CPU: the figures are comparable between runs on the same machine, and the
  ratio to the baseline is the figure to compare between machines.
- SQL queries per request, measured apart (bench/pages.py): in a process of its own with the
  same settings, django.test.Client and CaptureQueriesContext on the second request of a page.
- Memory. At the end, VmHWM (the kernel's peak resident set size) of every process of the
  gunicorn tree and of the Celery tree, summed, and the largest gunicorn worker's. A forked
  process counts the pages it shares with its parent, so the sums overstate what the trees cost.

The targets are reported, never enforced: every page at least 0.5x its baseline's throughput;
p95 under 150 ms at 16 concurrent clients; at most 15 SQL queries a page (the same at every
data size: compare runs on seeds of different scales); the full-text search's p95 under 100 ms
(on 500,000 concerns: the report gives the table's count); each web worker under 250 MB.
The report is printed as Markdown and written as JSON (var/bench/load.json).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import json
import logging
import math
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.cookies import SimpleCookie
from pathlib import Path

import psutil

from bench import stop_on_sigterm
from bench.reminders import BenchQueue, Worker, say, with_redis_db

ROOT = Path(__file__).resolve().parent.parent
REPORT_PATH = ROOT / "var" / "bench" / "load.json"
STATIC_CACHE_DIR = ROOT / "var" / "bench"
LOAD_REDIS_DB = 13
DEFAULT_TABLE = "bench-001"
DEFAULT_MEMBER_EMAIL = "miembro@bench.mesa.mx"
DEFAULT_MEMBER_PASSWORD = "mesa-bench-2026"  # noqa: S105 - the seed's published bench login
WORKERS, THREADS = 3, 4
GUNICORN_KEEPALIVE = 2  # seconds: gunicorn's default, which the Dockerfile keeps
CELERY_CONCURRENCY = 2
CONN_MAX_AGE = 60
MEMBER, ANONYMOUS = "member", "anonymous"
MB = 1000 * 1000

# The targets (reported, never enforced).
TARGET_RATIO = 0.5
TARGET_P95_MS = 150
TARGET_P95_CONCURRENCY = 16
TARGET_QUERIES = 15
TARGET_SEARCH_P95_MS = 100
TARGET_SEARCH_CONCERNS = 500_000
TARGET_WORKER_MB = 250

# Variables that change how the site behaves: the benchmark's own values, never the caller's.
_OWN_PREFIXES = ("DJANGO_", "MESA_", "DATABASE_", "REDIS_", "CELERY_", "CACHE_", "EMAIL_", "AXES_",
                 "GUNICORN_")
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- The server and the worker, as production runs them ------------------------------------------


def production_env(*, database_url: str, redis_url: str, static_root: Path,
                   conn_max_age: int = CONN_MAX_AGE) -> dict:
    """The environment of every process the benchmark starts: DEBUG off, a fresh secret key, the
    hosts the client uses, a TLS proxy's header trusted, persistent database connections."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_OWN_PREFIXES)}
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", DJANGO_DEBUG="0",
               DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
               MESA_BEHIND_PROXY="1", DJANGO_STATIC_ROOT=str(static_root), DATABASE_URL=database_url,
               DATABASE_CONN_MAX_AGE=str(conn_max_age), REDIS_URL=redis_url)
    return env


def _tail(path: Path, characters: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return path.read_text(errors="replace")[-characters:]
    return ""


def _stop_group(process: subprocess.Popen | None, grace: float = 30) -> None:
    """SIGTERM to the process (a graceful stop), then SIGKILL to its whole group if it lingers."""
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class Gunicorn:
    """`gunicorn mesa.wsgi` (gthread) on a port the system picks, in a process group of its own."""

    def __init__(self, *, env: dict, log_path: Path, workers: int, threads: int):
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        # No --access-logfile: no access log (gunicorn's default).
        self.command = [sys.executable, "-m", "gunicorn", "mesa.wsgi:application", "--bind", "127.0.0.1:0",
                        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
                        "--keep-alive", str(GUNICORN_KEEPALIVE),
                        "--config", "python:bench.gunicorn_config", "--log-level", "info"]
        self.process: subprocess.Popen | None = None
        self.port: int | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_ready(self, timeout: float = 90) -> None:
        """Listening, and every worker has loaded the application."""
        deadline = time.monotonic() + timeout
        while True:
            log = _tail(self.log_path, 1_000_000)
            if self.port is None and (found := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log)):
                self.port = int(found.group(1))
            if self.port is not None and log.count("bench: worker ") >= self.workers:
                return
            if self.process.poll() is not None:
                status = self.process.returncode
                raise RuntimeError(f"gunicorn stopped (status {status}):\n{_tail(self.log_path)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn was not ready after {timeout:.0f} s:\n{_tail(self.log_path)}")
            time.sleep(0.1)


def _vm_hwm(process: psutil.Process) -> int:
    """Peak resident set size in bytes (VmHWM); the current RSS where /proc has no VmHWM."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return process.memory_info().rss


def tree_peak_memory(pid: int) -> dict:
    """VmHWM of a process and of its descendants: their sum, and the largest descendant's."""
    main = psutil.Process(pid)
    peaks = {"main": _vm_hwm(main)}
    for child in main.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            peaks[f"child {child.pid}"] = _vm_hwm(child)
    children = [value for name, value in peaks.items() if name != "main"]
    return {"processes": len(peaks), "total_mb": round(sum(peaks.values()) / MB, 1),
            "main_mb": round(peaks["main"] / MB, 1),
            "largest_child_mb": round(max(children, default=0) / MB, 1)}


def _stop_together(processes: list[subprocess.Popen], grace: float = 30) -> None:
    """SIGTERM to each (a graceful stop: gunicorn's master and Celery's main process stop their
    children), one shared grace period, then SIGKILL to whatever is left of their groups."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def static_cache() -> Path:
    """Where the static files are kept between runs: var/bench/static-<key>, the key a hash of what
    the collection is made of (the project's static/ and the locked packages, whose static files
    their versions fix), so that a change to either collects them anew."""
    digest = hashlib.sha256((ROOT / "requirements.lock").read_bytes())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return STATIC_CACHE_DIR / f"static-{digest.hexdigest()[:16]}"


def _collect_static(static_root: Path, env: dict, log_path: Path) -> tuple[subprocess.Popen, Path] | None:
    """Start `collectstatic` into a directory of its own, renamed to `static_root` once complete
    (_static_collected); None if `static_root` already holds a collection."""
    if (static_root / "staticfiles.json").is_file():
        return None
    building = static_root.with_name(f"{static_root.name}.building-{uuid.uuid4().hex[:8]}")
    building.parent.mkdir(parents=True, exist_ok=True)
    process = _run_python(["manage.py", "collectstatic", "--noinput", "-v0"],
                          {**env, "DJANGO_STATIC_ROOT": str(building)}, log_path)
    return process, building


def _static_collected(process: subprocess.Popen, building: Path, static_root: Path, log_path: Path) -> None:
    try:
        _finish(process, "collectstatic", log_path)
        if (static_root / "staticfiles.json").is_file():  # another run collected them meanwhile
            return
        shutil.rmtree(static_root, ignore_errors=True)  # an incomplete one
        building.rename(static_root)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    if static_root.parent == STATIC_CACHE_DIR:  # collections of older keys
        for stale in STATIC_CACHE_DIR.glob("static-*"):
            if re.fullmatch(r"static-[0-9a-f]{16}", stale.name) and stale != static_root:
                shutil.rmtree(stale, ignore_errors=True)


def _run_python(args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _finish(process: subprocess.Popen, what: str, log_path: Path, timeout: float = 600) -> None:
    try:
        status = process.wait(timeout)
    except subprocess.TimeoutExpired:
        _stop_group(process, grace=5)
        raise RuntimeError(f"{what} did not finish in {timeout:.0f} s:\n{_tail(log_path)}") from None
    if status:
        raise RuntimeError(f"{what} failed (status {status}):\n{_tail(log_path)}")


# --- The client -----------------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Exact, by nearest rank: the smallest value with at least p % of the values at or below it."""
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def _cookies_from(response, jar: dict) -> dict:
    """`jar` updated with the response's Set-Cookie headers (an expired cookie is removed)."""
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            if morsel.value == "" or morsel["max-age"] in ("0", 0):
                jar.pop(name, None)
            else:
                jar[name] = morsel.value
    return jar


def _cookie_header(jar: dict) -> dict:
    return {"cookie": "; ".join(f"{name}={value}" for name, value in jar.items())} if jar else {}


class Client:
    """One visitor: an httpx.AsyncClient with `concurrency` kept-alive connections, the headers a
    TLS proxy adds, and the visitor's cookies, which it keeps itself."""

    def __init__(self, base_url: str, concurrency: int):
        import httpx

        self.base_url = base_url
        self.host = base_url.split("://", 1)[1]
        self.cookies: dict[str, str] = {}
        # Idle connections are dropped after 1 s, before gunicorn closes them (its keep-alive is
        # 2 s): a request sent on a connection the server is closing fails (a ReadError), which a
        # browser or a proxy would retry and httpx does not.
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency,
                              keepalive_expiry=GUNICORN_KEEPALIVE / 2)
        # A jar that refuses every cookie: httpx's own handling would drop the Secure ones.
        self.http = httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60,
                                      cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))

    def headers(self, *, api: bool) -> dict:
        return {"x-forwarded-proto": "https", "accept-encoding": "identity",
                "accept": "application/json" if api else "text/html,application/xhtml+xml",
                "accept-language": "es-MX,es;q=0.9,en;q=0.8", **_cookie_header(self.cookies)}

    async def arrive(self) -> None:
        """The home page once, keeping its cookies (an anonymous visitor's CSRF cookie), as a
        browser does before the pages measured."""
        home = await self.http.get("/", headers=self.headers(api=False))
        if home.status_code != 200:
            raise RuntimeError(f"the home page answered {home.status_code}")
        _cookies_from(home, self.cookies)

    async def sign_in(self, email: str, password: str) -> None:
        """Through /accounts/login/ as a browser does: the form's CSRF token, the CSRF cookie, and
        the Origin and Referer an https page sends (Django checks them on https)."""
        path = "/accounts/login/"
        form = await self.http.get(path, headers=self.headers(api=False))
        _cookies_from(form, self.cookies)
        token = _CSRF_INPUT.search(form.text)
        if form.status_code != 200 or token is None:
            raise RuntimeError(f"the login page answered {form.status_code} without a CSRF token")
        answer = await self.http.post(path, data={"username": email, "password": password,
                                                  "csrfmiddlewaretoken": token.group(1)},
                                      headers={**self.headers(api=False), "origin": f"https://{self.host}",
                                               "referer": f"https://{self.host}{path}"})
        _cookies_from(answer, self.cookies)
        if answer.status_code != 302 or "/accounts/login/" in answer.headers.get("location", ""):
            raise RuntimeError(f"could not sign in as {email} (status {answer.status_code}; "
                               f"is the database seeded, and the password right?)")
        profile = await self.http.get("/accounts/profile/", headers=self.headers(api=False))
        if profile.status_code != 200:
            raise RuntimeError(f"signed in as {email}, but the profile page answered {profile.status_code}")

    async def run(self, path: str, *, api: bool, requests: int, concurrency: int) -> dict:
        """`requests` GETs of `path`, `concurrency` at a time."""
        import httpx

        headers = self.headers(api=api)
        latencies: list[float] = []
        failures: Counter = Counter()
        body = b""
        remaining = requests

        async def one_user():
            nonlocal remaining, body
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                try:
                    response = await self.http.get(path, headers=headers)
                except httpx.HTTPError as error:
                    failures[type(error).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if response.status_code == 200:
                    body = response.content
                else:
                    failures[str(response.status_code)] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_user() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        return {"requests": requests, "seconds": seconds, "rps": len(latencies) / seconds,
                "latencies": latencies, "failures": failures, "body": body}

    async def close(self) -> None:
        await self.http.aclose()


def _latency_ms(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    if not ordered:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {"p50": round(percentile(ordered, 50) * 1000, 2), "p95": round(percentile(ordered, 95) * 1000, 2),
            "p99": round(percentile(ordered, 99) * 1000, 2), "max": round(ordered[-1] * 1000, 2),
            "mean": round(statistics.fmean(ordered) * 1000, 2)}


def _summary(runs: list[dict]) -> dict:
    """Runs of one address by one visitor: median requests/s, exact percentiles over all of them."""
    failures = sum((run["failures"] for run in runs), Counter())
    body = next((run["body"] for run in reversed(runs) if run["body"]), b"")
    return {"runs": len(runs), "requests": sum(run["requests"] for run in runs),
            "rps": round(statistics.median(run["rps"] for run in runs), 1),
            "rps_per_run": [round(run["rps"], 1) for run in runs],
            "latency_ms": _latency_ms([latency for run in runs for latency in run["latencies"]]),
            "errors": sum(failures.values()), "error_kinds": dict(failures),
            "bytes": len(body), "gzip_bytes": len(gzip.compress(body, compresslevel=6)) if body else 0}


async def measure(base_url: str, plan: dict, *, member_email: str, member_password: str, requests: int,
                  concurrency: int, pairs: int, warmup: int) -> dict:
    """Every page for every visitor it serves: warm-up, then B P B P ... against its baseline."""
    clients = {MEMBER: Client(base_url, concurrency), ANONYMOUS: Client(base_url, concurrency)}
    # httpx logs every request at INFO: under a logging setup that shows it (Django's, in a test
    # process), that is client time in every latency.
    quiet = logging.getLogger("httpx")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        await clients[MEMBER].sign_in(member_email, member_password)
        await clients[ANONYMOUS].arrive()
        pages, baseline_runs = {}, {}
        for page in plan["pages"]:
            baseline = plan["baselines"]["api" if page["api"] else "html"]
            for visitor, client in clients.items():
                if visitor == ANONYMOUS and page["anonymous"]:
                    continue
                for path in (baseline["path"], page["path"]):
                    await client.run(path, api=page["api"], requests=warmup, concurrency=concurrency)
                b_runs, p_runs = [], []
                for _pair in range(pairs):
                    b_runs.append(await client.run(baseline["path"], api=page["api"], requests=requests,
                                                   concurrency=concurrency))
                    p_runs.append(await client.run(page["path"], api=page["api"], requests=requests,
                                                   concurrency=concurrency))
                baseline_runs.setdefault((baseline["key"], visitor), []).extend(b_runs)
                result = _summary(p_runs)
                ratios = [p["rps"] / b["rps"] if b["rps"] else 0.0
                          for b, p in zip(b_runs, p_runs, strict=True)]
                result["ratio"] = round(statistics.median(ratios), 3)
                result["ratio_per_pair"] = [round(ratio, 3) for ratio in ratios]
                result["baseline_rps_per_run"] = [round(run["rps"], 1) for run in b_runs]
                pages.setdefault(page["key"], {})[visitor] = result
                say(f"  {page['label']}, {visitor}: {result['rps']:.1f} req/s, p95 "
                    f"{result['latency_ms']['p95'] or 0:.0f} ms, {result['ratio']:.2f} x baseline, "
                    f"{result['errors']} errors")
        baselines = {}
        for (key, visitor), runs in baseline_runs.items():
            baselines.setdefault(key, {})[visitor] = _summary(runs)
        return {"pages": pages, "baselines": baselines}
    finally:
        quiet.setLevel(level)
        for client in clients.values():
            await client.close()


# --- The run --------------------------------------------------------------------------------------


def _targets(row: dict, *, key: str) -> dict:
    p95 = row["latency_ms"]["p95"]
    met = {"ratio": row["ratio"] >= TARGET_RATIO,
           "p95": p95 is not None and p95 < TARGET_P95_MS,
           "queries": row["queries"] is not None and row["queries"] <= TARGET_QUERIES}
    if key == "concerns-search":
        met["search_p95"] = p95 is not None and p95 < TARGET_SEARCH_P95_MS
    return met


def run_load(*, database_url: str, redis_url: str, work_dir: Path, requests_per_run: int,
             concurrency: int = 16, pairs: int = 3, warmup: int | None = None,
             table_slug: str = DEFAULT_TABLE, member_email: str = DEFAULT_MEMBER_EMAIL,
             member_password: str = DEFAULT_MEMBER_PASSWORD, search: str | None = None,
             workers: int = WORKERS, threads: int = THREADS, conn_max_age: int = CONN_MAX_AGE,
             static_root: Path | None = None, only: list[str] | None = None) -> dict:
    """Serve the database's pages with gunicorn (an idle Celery worker beside it), load them, and
    report. The database is migrated and seeded; nothing in it is changed but sessions and the
    login's bookkeeping. `static_root`: where the static files are collected, unless they already
    are (by default static_cache(), shared by runs). `only`: the keys of the pages to load (all by
    default; bench/pages.py names them). Everything started is stopped on return,
    on failure and on KeyboardInterrupt."""
    work_dir = Path(work_dir)
    warmup = max(2 * concurrency, requests_per_run // 10) if warmup is None else warmup
    static_root = Path(static_root) if static_root else static_cache()
    env = production_env(database_url=database_url, redis_url=redis_url, static_root=static_root,
                         conn_max_age=conn_max_age)
    label = f"load-{uuid.uuid4().hex[:8]}"
    mail_dir = work_dir / "mail"
    mail_dir.mkdir(parents=True, exist_ok=True)
    pages_path = work_dir / "pages.json"
    pages_args = ["-m", "bench.pages", "--table", table_slug, "--member", member_email,
                  "--output", str(pages_path), *(["--search", search] if search else [])]

    started: list[subprocess.Popen] = []
    with contextlib.ExitStack() as stack:
        stack.callback(BenchQueue(redis_url, label).forget)
        stack.callback(_stop_together, started)
        # Side by side (each imports Django): the static files (unless an earlier run collected
        # them) and the Celery worker; then, once the static files are there (pages need their
        # manifest, and WhiteNoise lists them when a worker loads the application), gunicorn and
        # the pages' picking and query counting.
        collect = _collect_static(static_root, env, work_dir / "collectstatic.log")
        say(f"{'collecting static files, ' if collect else ''}starting the Celery worker")
        started.extend([collect[0]] if collect else [])
        worker = Worker(database_url=database_url, redis_url=redis_url, queue=label, mail_dir=mail_dir,
                        log_path=work_dir / "celery.log", concurrency=CELERY_CONCURRENCY)
        worker.env = {**env, **{name: value for name, value in worker.env.items()
                                if name in ("EMAIL_URL", "CELERY_QUEUE")}}
        worker.start()
        started.append(worker.process)
        if collect:
            _static_collected(*collect, static_root, work_dir / "collectstatic.log")
        started.append(probe := _run_python(pages_args, env, work_dir / "pages.log"))

        server = Gunicorn(env=env, log_path=work_dir / "gunicorn.log", workers=workers, threads=threads)
        say(f"starting gunicorn (gthread, {workers} workers x {threads} threads); "
            f"picking the pages of {table_slug} and counting their queries")
        server.start()
        started.append(server.process)
        server.wait_until_ready()
        worker.wait_until_ready()
        _finish(probe, "bench.pages", work_dir / "pages.log")
        plan = json.loads(pages_path.read_text())
        if only:
            plan["pages"] = [page for page in plan["pages"] if page["key"] in only]
        if not plan["member"]["member_of_table"]:
            say(f"warning: {member_email} is not a member of {table_slug}: "
                "the member's figures are a signed-in visitor's")

        base_url = f"http://127.0.0.1:{server.port}"
        served = sum(1 + (not page["anonymous"]) for page in plan["pages"])
        say(f"{base_url}: {served} page-visitor pairs, {pairs} x (baseline, page) of {requests_per_run} "
            f"requests each at concurrency {concurrency}")
        load_before = os.getloadavg()
        psutil.cpu_percent()
        client_cpu, load_started = time.process_time(), time.monotonic()
        measured = asyncio.run(measure(base_url, plan, member_email=member_email,
                                       member_password=member_password, requests=requests_per_run,
                                       concurrency=concurrency, pairs=pairs, warmup=warmup))
        load_seconds, client_cpu = time.monotonic() - load_started, time.process_time() - client_cpu
        machine_busy, load_after = psutil.cpu_percent(), os.getloadavg()
        memory = {"gunicorn": tree_peak_memory(server.process.pid),
                  "celery": tree_peak_memory(worker.process.pid)}
        say(f"loaded in {load_seconds:.0f} s; stopping gunicorn and the Celery worker")

    queries = plan["queries"]
    pages = []
    for page in plan["pages"]:
        for visitor in (MEMBER, ANONYMOUS):
            row = {"key": page["key"], "label": page["label"], "path": page["path"], "api": page["api"],
                   "visitor": visitor, "note": page["note"]}
            if visitor == ANONYMOUS and page["anonymous"]:
                pages.append({**row, "skipped": page["anonymous"]})
                continue
            counted = queries.get(page["key"], {}).get(visitor, {})
            row.update(measured["pages"][page["key"]][visitor], skipped=None, queries=counted.get("queries"),
                       queries_status=counted.get("status"), queries_sql=counted.get("sql"))
            row["targets"] = _targets(row, key=page["key"])
            pages.append(row)
    baselines = []
    for kind, baseline in plan["baselines"].items():
        for visitor, figures in measured["baselines"].get(baseline["key"], {}).items():
            counted = queries.get(baseline["key"], {}).get(visitor, {})
            baselines.append({"key": baseline["key"], "label": baseline["label"], "path": baseline["path"],
                              "kind": kind, "visitor": visitor, **figures, "queries": counted.get("queries")})
    largest_worker = memory["gunicorn"]["largest_child_mb"]
    return {
        "benchmark": "load",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after],
                    "cpu_busy_percent_under_load": machine_busy,
                    "client_cpu_seconds": round(client_cpu, 1), "load_seconds": round(load_seconds, 1)},
        "server": {"gunicorn": f"gthread, {workers} workers x {threads} threads, no access log",
                   "workers": workers, "threads": threads, "debug": False,
                   "conn_max_age": conn_max_age, "psycopg_pool": False,
                   "celery": f"prefork, concurrency {CELERY_CONCURRENCY}, idle"},
        "load": {"requests_per_run": requests_per_run, "concurrency": concurrency, "pairs": pairs,
                 "warmup": warmup, "percentiles": "exact, nearest rank"},
        "data": {"table": plan["table"], "member": plan["member"]},
        "pages": pages,
        "baselines": baselines,
        "memory": memory,
        "targets": {
            "ratio": TARGET_RATIO, "p95_ms": TARGET_P95_MS, "p95_concurrency": TARGET_P95_CONCURRENCY,
            "queries": TARGET_QUERIES, "search_p95_ms": TARGET_SEARCH_P95_MS,
            "search_concerns": TARGET_SEARCH_CONCERNS, "worker_mb": TARGET_WORKER_MB,
            "worker_met": 0 < largest_worker < TARGET_WORKER_MB,
            "pages_met": all(all(row["targets"].values()) for row in pages if not row["skipped"]),
        },
    }


# --- The report -----------------------------------------------------------------------------------


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f}"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def markdown(report: dict) -> str:
    """One table, a row per page and visitor and for the baselines, then the memory figures."""
    load, targets, server, machine = report["load"], report["targets"], report["server"], report["machine"]
    concerns = report["data"]["table"]["concerns"]
    lines = [
        f"Load: {server['gunicorn']}, DEBUG off; {load['pairs']} x (baseline, page) of "
        f"{load['requests_per_run']:,} requests at concurrency {load['concurrency']}; table "
        f"`{report['data']['table']['slug']}` ({concerns:,} concerns); {machine['cpus']} CPUs, load average "
        f"{machine['load_average_before'][0]:.2f} before; the client used "
        f"{machine['client_cpu_seconds']:.0f} s of CPU in {machine['load_seconds']:.0f} s.",
        "",
        "| page | visitor | req/s | p50 ms | p95 ms | p99 ms | errors | bytes raw / gzip | queries "
        "| × baseline | targets |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in report["pages"]:
        if row["skipped"]:
            lines.append(f"| {row['label']} | {row['visitor']} | | | | | | | | | skipped: {row['skipped']} |")
            continue
        met = row["targets"]
        marks = [f"{_mark(met['ratio'])} ≥{targets['ratio']}×",
                 f"{_mark(met['p95'])} p95<{targets['p95_ms']}",
                 f"{_mark(met['queries'])} ≤{targets['queries']} q"]
        if "search_p95" in met:
            marks.append(f"{_mark(met['search_p95'])} search p95<{targets['search_p95_ms']}")
        lat = row["latency_ms"]
        lines.append(
            f"| {row['label']} | {row['visitor']} | {row['rps']:.1f} | {_ms(lat['p50'])} | {_ms(lat['p95'])} "
            f"| {_ms(lat['p99'])} | {row['errors']} | {row['bytes']:,} / {row['gzip_bytes']:,} "
            f"| {row['queries'] if row['queries'] is not None else '–'} | {row['ratio']:.2f} "
            f"| {' '.join(marks)} |")
    for row in report["baselines"]:
        lat = row["latency_ms"]
        lines.append(
            f"| {row['label']} | {row['visitor']} | {row['rps']:.1f} | {_ms(lat['p50'])} | {_ms(lat['p95'])} "
            f"| {_ms(lat['p99'])} | {row['errors']} | {row['bytes']:,} / {row['gzip_bytes']:,} "
            f"| {row['queries'] if row['queries'] is not None else '–'} | 1.00 | {row['runs']} runs |")
    web, celery = report["memory"]["gunicorn"], report["memory"]["celery"]
    notes = []
    if load["concurrency"] != targets["p95_concurrency"]:
        notes.append(f"the p95 target is set at {targets['p95_concurrency']} clients, this run had "
                     f"{load['concurrency']}")
    if concerns < targets["search_concerns"]:
        notes.append(f"the search target is set on {targets['search_concerns']:,} concerns, this table has "
                     f"{concerns:,}")
    lines += [
        "",
        f"Peak memory (VmHWM): gunicorn {web['total_mb']:.0f} MB over {web['processes']} processes "
        f"(master {web['main_mb']:.0f} MB), largest web worker {web['largest_child_mb']:.0f} MB "
        f"{_mark(targets['worker_met'])} <{targets['worker_mb']} MB; Celery {celery['total_mb']:.0f} MB over "
        f"{celery['processes']} processes.",
    ]
    if notes:
        lines.append("Note: " + "; ".join(notes) + ".")
    return "\n".join(lines)


# --- The command ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="a migrated and seeded database (default: DATABASE_URL)")
    parser.add_argument("--redis-url", default=None,
                        help=f"default: REDIS_URL's server, database {LOAD_REDIS_DB}")
    parser.add_argument("--requests", type=int, default=300, help="requests per run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=3, help="(baseline, page) runs per page and visitor")
    parser.add_argument("--warmup", type=int, default=None, help="requests not counted before a page's runs")
    parser.add_argument("--table", default=DEFAULT_TABLE)
    parser.add_argument("--member-email", default=DEFAULT_MEMBER_EMAIL)
    parser.add_argument("--member-password", default=DEFAULT_MEMBER_PASSWORD)
    parser.add_argument("--search", default=None, help="the word to search for (default: a frequent one)")
    parser.add_argument("--pages", type=lambda value: value.split(","), default=None,
                        help="comma-separated keys of the pages to load (default: all), such as "
                        "table,concerns,concerns-filtered,concerns-search,concern,session,dashboard,"
                        "indicator,api-concerns")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--static-root", type=Path, default=None,
                        help="where to collect the static files, unless they are there already "
                        "(default: var/bench/static-<hash of static/ and requirements.lock>)")
    parser.add_argument("--report", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if args.redis_url is None:
        if not os.environ.get("REDIS_URL"):
            parser.error("--redis-url (or REDIS_URL) is required")
        args.redis_url = with_redis_db(os.environ["REDIS_URL"], LOAD_REDIS_DB)
    if min(args.requests, args.concurrency, args.pairs) < 1:
        parser.error("--requests, --concurrency and --pairs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    try:
        with tempfile.TemporaryDirectory(prefix="mesa-load-") as work_dir:
            report = run_load(database_url=args.database_url, redis_url=args.redis_url,
                              work_dir=Path(work_dir), requests_per_run=args.requests,
                              concurrency=args.concurrency, pairs=args.pairs,
                              warmup=args.warmup, table_slug=args.table, member_email=args.member_email,
                              member_password=args.member_password, search=args.search,
                              workers=args.workers, threads=args.threads, static_root=args.static_root,
                              only=args.pages)
    except KeyboardInterrupt:
        say("interrupted; gunicorn and the Celery worker are stopped")
        return 130
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(report), flush=True)
    say(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
