"""The reminders benchmark (issue 7): plan and send N reminders through a real Celery worker.

    python -m bench.reminders [--reminders 100000] [--members 2000]     # or: make bench

What is measured, and how:

- Data. A database of its own, `mesa_bench` on DATABASE_URL's server (dropped, copied from the
  migrated template of bench/databases.py at the start, dropped at the end), and a queue of
  its own in Redis database 14 of REDIS_URL's server (its keys deleted at the end): no dev or
  test data is touched. One table (mesa.services.table_create) whose ReminderSchedule has a
  single offset (24 h), `--members` people (bulk-created, half Spanish, half English) and
  N / members plenaries in the coming weeks.
- Planning. The plenaries are scheduled through meetings.services.session_schedule, which plans
  each one's reminders (reminders.planner.plan_session) in its transaction: "planned N in X s"
  times that loop, so it includes the rest of scheduling a session (a few queries each).
- Sending. Every row is made due (send_at a minute ago; the sessions stay in the future, so the
  reminders are still meaningful). One worker is started as production runs it
  (`celery -A mesa worker`, prefork pool, concurrency 2, DJANGO_DEBUG off) with Django's file
  email backend in a temporary directory. Once it is ready, this process calls the dispatcher
  (reminders.tasks.dispatch_due_reminders_task, which claims up to CLAIM_LIMIT rows and
  enqueues them in batches of BATCH_SIZE) as beat does, every minute; each batch the worker
  finishes claims more (up to IN_FLIGHT_LIMIT rows in flight), as in production, until no row
  is due or being sent. The send rate is N over the wall time
  from the first dispatch to the moment every row was seen sent (polled every 0.5 s).
- Memory. psutil samples the worker's main process and each pool child every 0.2 s (PSS every
  second), from its start to its stop: the peak RSS of each, and the peaks of the sums of their
  RSS (it counts the pages the children share with the main process once per process) and of
  their PSS (shared pages split between the processes: what the worker costs the machine). The
  300 MB target is checked against both.
- Exactly once. At the end: N rows sent, N inbox messages, and N Message-IDs, all distinct, in
  the mail files.

The report is printed and written as JSON (var/bench/reminders.json). The exit status is 1 if
the exactly-once check fails; the targets (send under 120 s, worker peak memory under 300 MB on
the 2-core machine, as summed RSS and as PSS) are reported, never enforced. The machine's load
average is recorded: the figures are only comparable on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import psutil

from bench import databases, missing_servers, stop_on_sigterm
from bench.databases import with_database

ROOT = Path(__file__).resolve().parent.parent
REPORT_PATH = ROOT / "var" / "bench" / "reminders.json"
BENCH_DATABASE = "mesa_bench"
BENCH_REDIS_DB = 14
OFFSET_HOURS = 24
TARGET_SECONDS = 120
TARGET_MEMORY_MB = 300  # the "300 MB": decimal megabytes
MIB = 1024 * 1024
MB = 1000 * 1000
MESSAGE_ID = re.compile(rb"^Message-ID: (<reminder-[0-9a-f]+@[^>]+>)", re.MULTILINE)


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- Where: a database and a Redis database of its own, on the given servers --------------------


def with_redis_db(url: str, db: int) -> str:
    """REDIS_URL's server, database `db` (redis://host:port/db or unix:///path?db=db)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":  # built by hand: urlunsplit would drop the empty host's "//"
        query = urlencode({**parse_qs(parts.query), "db": [str(db)]}, doseq=True)
        return f"unix://{parts.netloc}{parts.path}?{query}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def drop_database(database_url: str) -> None:
    with databases.server(database_url) as server:
        databases.drop(server, databases.database_name(database_url))


def recreate_database(database_url: str) -> None:
    """A fresh copy of the migrated template (bench/databases.py; built first if missing)."""
    template = databases.ensure_migrated_template(database_url)
    drop_database(database_url)
    with databases.server(database_url) as server:
        databases.create(server, databases.database_name(database_url), template=template)


# --- The data: one table, its members, its plenaries --------------------------------------------


def build_table(*, members: int, sessions: int, label: str):
    """A table with `members` active members (the secretariat included) and one reminder offset;
    then `sessions` plenaries scheduled through the service, which plans their reminders.
    Returns the table and the seconds the scheduling (and so the planning) took."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Language, User
    from meetings import services as meeting_services
    from mesa import services as table_services
    from mesa.models import Membership, Role
    from reminders.models import ReminderSchedule

    now = timezone.now()
    secretariat = User.objects.create_user(email=f"secretariat@{label}.example.org",
                                           display_name="Secretaría", email_verified_at=now)
    table = table_services.table_create(name=f"Mesa de Seguridad {label}", slug=label, city="Ciudad Juárez",
                                        time_zone="America/Ciudad_Juarez", secretariat=secretariat)
    ReminderSchedule.objects.update_or_create(table=table, defaults={"session_hours_before": [OFFSET_HOURS]})
    languages = [Language.SPANISH, Language.ENGLISH]
    people = User.objects.bulk_create(
        [User(email=f"persona{n}@{label}.example.org", display_name=f"Persona {n}",
              language=languages[n % 2], email_verified_at=now, password=make_password(None))
         for n in range(1, members)],
        batch_size=1000)
    Membership.objects.bulk_create(
        [Membership(table=table, user=person, role=Role.CITIZEN) for person in people], batch_size=1000)

    first = (now + timedelta(days=10)).replace(microsecond=0)
    started = time.perf_counter()
    for n in range(sessions):
        starts_at = first + timedelta(days=n)
        meeting_services.session_schedule(table=table, actor=secretariat, title=f"Sesión plenaria {n + 1}",
                                          starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                                          place="Sala de Cabildo")
    return table, time.perf_counter() - started


def make_due(table) -> int:
    """Every planned row due a minute ago; the sessions stay where they are, in the future."""
    from django.utils import timezone

    from reminders.models import Reminder, State

    return Reminder.objects.filter(table=table, state=State.PLANNED).update(
        send_at=timezone.now() - timedelta(minutes=1))


# --- The worker, and its memory -----------------------------------------------------------------


class Worker:
    """`celery -A mesa worker` (prefork) in a process group of its own, on its own queue."""

    def __init__(self, *, database_url: str, redis_url: str, queue: str, mail_dir: Path, log_path: Path,
                 concurrency: int):
        self.queue = queue
        self.hostname = f"{queue}@%h"
        self.log_path = log_path
        # django-environ drops one slash of a filemail:// path: four make an absolute one.
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                    "EMAIL_URL": f"filemail:///{mail_dir.resolve()}", "CELERY_QUEUE": queue}
        for name in ("CELERY_BROKER_URL", "EMAIL_BACKEND"):
            self.env.pop(name, None)
        self.command = [sys.executable, "-m", "celery", "-A", "mesa", "worker", "--pool", "prefork",
                        "--concurrency", str(concurrency), "--queues", queue, "--hostname", self.hostname,
                        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, characters: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-characters:]
        return ""

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            status = None if self.process is None else self.process.returncode
            raise RuntimeError(f"the worker stopped on its own (status {status}):\n{self.log_tail()}")

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log_tail(100_000):
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker was not ready after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        total = 0.0
        with contextlib.suppress(psutil.Error):
            main = psutil.Process(self.process.pid)
            for process in [main, *main.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = process.cpu_times()
                    total += times.user + times.system
        return total

    def stop(self) -> None:
        """Warm shutdown (SIGTERM to the main process), then the whole group if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class MemorySampler(threading.Thread):
    """Peak RSS of a process and of each of its descendants, and peak RSS and PSS of their sum
    (the sum of RSS counts the pages a forked child shares with its parent in both; PSS splits
    them). The processes and their RSS are read every `interval`; PSS (which costs the kernel a
    walk of every mapping, a few ms a process) every `slow_every` samples, and once at the end."""

    def __init__(self, pid: int, interval: float = 0.2, slow_every: int = 5):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.slow_every = slow_every
        self.peaks: dict[str, int] = {}
        self.peak_total = 0
        self.peak_total_pss = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def sample(self, slow: bool | None = None) -> None:
        slow = self.samples % self.slow_every == 0 if slow is None else slow
        try:
            main = psutil.Process(self.pid)
            processes = [main, *main.children(recursive=True)]
        except psutil.Error:
            return
        total = total_pss = 0
        for process in processes:
            try:
                memory = process.memory_full_info() if slow else process.memory_info()
            except psutil.Error:
                continue
            if not memory.rss:  # a process that has just ended
                continue
            name = "main" if process.pid == self.pid else f"child {process.pid}"
            self.peaks[name] = max(self.peaks.get(name, 0), memory.rss)
            total += memory.rss
            total_pss += memory.pss if slow else 0
        self.peak_total = max(self.peak_total, total)
        self.peak_total_pss = max(self.peak_total_pss, total_pss)
        self.samples += 1

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample(slow=True)  # the last word, so that a short run sees every process once


# --- Sending and checking -----------------------------------------------------------------------


def pending_exists(table) -> bool:
    """Is a row of `table` being sent, or due? (Cheap: two questions, each stops at the first.)"""
    from django.utils import timezone

    from reminders.models import Reminder, State

    rows = Reminder.objects.filter(table=table)
    return (rows.filter(state=State.SENDING).exists()
            or rows.filter(state=State.PLANNED, send_at__lte=timezone.now()).exists())


def sent_count(table) -> int:
    from reminders.models import Reminder, State

    return Reminder.objects.filter(table=table, state=State.SENT).count()


def dispatch_until_sent(table, worker: Worker, sampler: MemorySampler, *, tick: float = 60.0,
                        poll: float = 0.5, timeout: float = 7200) -> dict:
    """Call the dispatcher every `tick` seconds, as beat does (each batch the worker finishes
    claims more by itself), until no row is due or being sent, or the worker stops on its own,
    or `timeout` passes (then "error" says which)."""
    from reminders.tasks import dispatch_due_reminders_task

    started = time.monotonic()
    next_tick, next_report = started, started + 30
    ticks = claimed = 0
    while True:
        now = time.monotonic()
        if now >= next_tick:
            claimed += dispatch_due_reminders_task()
            ticks += 1
            next_tick = now + tick
        if not pending_exists(table):
            break
        if now >= next_report:
            elapsed, sent = now - started, sent_count(table)
            say(f"  {sent:,} sent after {elapsed:.0f} s ({sent / elapsed:,.0f}/s); "
                f"worker peak RSS {sampler.peak_total / MIB:.0f} MiB "
                f"(PSS {sampler.peak_total_pss / MIB:.0f})")
            next_report = now + 30
        try:
            worker.check_alive()
            if now - started > timeout:
                raise RuntimeError(f"not everything was sent after {timeout:.0f} s")
        except RuntimeError as error:
            say(f"stopped sending: {error}")
            return {"seconds": time.monotonic() - started, "dispatch_ticks": ticks, "claimed": claimed,
                    "sent": sent_count(table), "error": str(error).splitlines()[0]}
        time.sleep(poll)
    return {"seconds": time.monotonic() - started, "dispatch_ticks": ticks, "claimed": claimed,
            "sent": sent_count(table), "error": None}


def message_ids(mail_dir: Path) -> list[str]:
    found = []
    for entry in os.scandir(mail_dir):
        with open(entry.path, "rb") as mail:
            found.extend(match.decode() for match in MESSAGE_ID.findall(mail.read()))
    return found


def check_exactly_once(table, expected: int, mail_dir: Path) -> dict:
    from django.db.models import Count

    from reminders.models import InboxMessage, Reminder, State

    ids = message_ids(mail_dir)
    states = dict(Reminder.objects.filter(table=table).values_list("state").annotate(n=Count("pk")))
    result = {
        "expected": expected,
        "sent_rows": states.get(State.SENT, 0),
        "inbox_messages": InboxMessage.objects.filter(reminder__table=table).count(),
        "message_ids": len(ids),
        "distinct_message_ids": len(set(ids)),
        "rows_by_state": states,
    }
    result["ok"] = all(result[key] == expected for key in
                       ("sent_rows", "inbox_messages", "message_ids", "distinct_message_ids"))
    return result


@contextlib.contextmanager
def default_queue(queue: str):
    """Tasks sent without a queue (the dispatcher's batches) go to `queue`."""
    from mesa.celery import app

    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield
    finally:
        app.conf.task_default_queue = previous


class BenchQueue:
    """The worker's queue in Redis: how many batches wait in it, and forgetting it at the end."""

    def __init__(self, redis_url: str, name: str):
        import redis

        self.name = name
        self.client = redis.Redis.from_url(redis_url)

    def waiting(self) -> int:
        return self.client.llen(self.name)

    def forget(self) -> None:
        keys = list(self.client.scan_iter(match=f"*{self.name}*"))
        if keys:
            self.client.delete(*keys)
        self.client.close()


def run_benchmark(*, reminders: int, members: int, database_url: str, redis_url: str, work_dir: Path,
                  concurrency: int = 2, timeout: float = 7200) -> dict:
    """Plan, send and check `reminders` reminders (Django set up, its database migrated)."""
    if reminders % members:
        raise ValueError("reminders must be a multiple of members (one reminder per member and session)")
    from reminders import dispatch
    from reminders.models import Reminder

    sessions = reminders // members
    label = f"bench-{uuid.uuid4().hex[:8]}"
    say(f"building 1 table, {members:,} members, {sessions:,} plenaries")
    table, planning_seconds = build_table(members=members, sessions=sessions, label=label)
    planned = Reminder.objects.filter(table=table).count()
    say(f"planned {planned:,} reminders in {planning_seconds:.1f} s")
    if planned != reminders:
        raise RuntimeError(f"planned {planned:,} reminders, expected {reminders:,}")
    make_due(table)

    mail_dir = work_dir / "mail"
    mail_dir.mkdir()
    worker = Worker(database_url=database_url, redis_url=redis_url, queue=label, mail_dir=mail_dir,
                    log_path=work_dir / "worker.log", concurrency=concurrency)
    say(f"starting the worker (prefork, concurrency {concurrency}, queue {label})")
    worker.start()
    sampler = MemorySampler(worker.process.pid)
    sampler.start()
    queue = BenchQueue(redis_url, label)
    try:
        worker.wait_until_ready()
        say(f"worker ready; dispatching {reminders:,} due reminders")
        load_before = os.getloadavg()
        psutil.cpu_percent()
        own_cpu = time.process_time()
        with default_queue(label):
            sending = dispatch_until_sent(table, worker, sampler, timeout=timeout)
        machine_busy = psutil.cpu_percent()
        own_cpu = time.process_time() - own_cpu
        load_after = os.getloadavg()
        worker_cpu = worker.cpu_seconds()
    finally:
        sampler.stop()
        worker.stop()
        queue.forget()
    sent, send_seconds = sending["sent"], sending["seconds"]
    say(f"{sent:,} sent in {send_seconds:.1f} s; checking exactly once")
    exactly_once = check_exactly_once(table, reminders, mail_dir)

    peak_total = sampler.peak_total / MIB
    return {
        "benchmark": "reminders (issue 7)",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after],
                    "cpu_busy_percent_while_sending": machine_busy},
        "data": {"reminders": reminders, "members": members, "sessions": sessions,
                 "offset_hours": OFFSET_HOURS, "languages": ["es", "en"]},
        "planning": {"seconds": round(planning_seconds, 3),
                     "reminders_per_second": round(reminders / planning_seconds, 1)},
        "sending": {"seconds": round(send_seconds, 3), "sent": sent, "error": sending["error"],
                    "reminders_per_second": round(sent / send_seconds, 1),
                    "dispatch_ticks": sending["dispatch_ticks"], "claim_limit": dispatch.CLAIM_LIMIT,
                    "batch_size": dispatch.BATCH_SIZE, "worker_cpu_seconds": round(worker_cpu, 1),
                    "dispatcher_cpu_seconds": round(own_cpu, 1)},
        "worker": {"pool": "prefork", "concurrency": concurrency, "debug": False,
                   "rss_samples": sampler.samples,
                   "peak_rss_mib": {name: round(rss / MIB, 1) for name, rss in sampler.peaks.items()},
                   "peak_total_rss_mib": round(peak_total, 1),
                   "peak_total_pss_mib": round(sampler.peak_total_pss / MIB, 1)},
        "exactly_once": exactly_once,
        # Memory, two ways: the sum of the processes' RSS counts the pages a forked child shares
        # with the main process once in each of them; PSS counts them once, split between them,
        # which is what the worker costs the machine.
        "targets": {"send_seconds": TARGET_SECONDS,
                    "send_met": sent == reminders and send_seconds < TARGET_SECONDS,
                    "plan_and_send_seconds": round(planning_seconds + send_seconds, 1),
                    "memory_mb": TARGET_MEMORY_MB,
                    "peak_total_rss_mb": round(sampler.peak_total / MB, 1),
                    "rss_met": sampler.peak_total / MB < TARGET_MEMORY_MB,
                    "peak_total_pss_mb": round(sampler.peak_total_pss / MB, 1),
                    "pss_met": sampler.peak_total_pss / MB < TARGET_MEMORY_MB},
    }


def summary(report: dict) -> str:
    data, planning, sending = report["data"], report["planning"], report["sending"]
    worker, check, targets = report["worker"], report["exactly_once"], report["targets"]
    peaks = ", ".join(f"{name} {mib:.0f}" for name, mib in worker["peak_rss_mib"].items())
    load = " ".join(f"{x:.2f}" for x in report["machine"]["load_average_before"])

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    return "\n".join([
        f"Mesa reminders benchmark: {report['machine']['cpus']} CPUs, load average {load} before sending, "
        f"CPU {report['machine']['cpu_busy_percent_while_sending']:.0f}% busy while sending",
        f"  data      1 table, {data['members']:,} members (es/en), {data['sessions']:,} plenaries, "
        f"one reminder {data['offset_hours']} h before",
        f"  planned   {data['reminders']:,} in {planning['seconds']:.1f} s: "
        f"{planning['reminders_per_second']:,.0f} reminders/s",
        f"  sent      {sending['sent']:,} in {sending['seconds']:.1f} s (first dispatch to last sent): "
        f"{sending['reminders_per_second']:,.0f} reminders/s; "
        f"worker CPU {sending['worker_cpu_seconds']:.0f} s",
        *([f"  STOPPED   {sending['error']}"] if sending["error"] else []),
        f"  memory    worker (prefork, concurrency {worker['concurrency']}) peak RSS MiB: {peaks}; "
        f"total {worker['peak_total_rss_mib']:.0f} (PSS, shared pages counted once: "
        f"{worker['peak_total_pss_mib']:.0f})",
        f"  once      {check['sent_rows']:,} rows sent, {check['inbox_messages']:,} inbox messages, "
        f"{check['message_ids']:,} Message-IDs ({check['distinct_message_ids']:,} distinct) of "
        f"{check['expected']:,}: {'OK' if check['ok'] else 'FAILED'}",
        f"  targets   sent in under {targets['send_seconds']} s: {met(targets['send_met'])} "
        f"(planned and sent in {targets['plan_and_send_seconds']:.0f} s); worker peak memory under "
        f"{targets['memory_mb']} MB: summed RSS {targets['peak_total_rss_mb']:.0f} MB "
        f"{met(targets['rss_met'])}, PSS {targets['peak_total_pss_mb']:.0f} MB {met(targets['pss_met'])}",
    ])


# --- The command --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=2000,
                        help="members of the table (at most --reminders, which must be a multiple of it)")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--database", default=BENCH_DATABASE,
                        help="created (and dropped) on DATABASE_URL's server; must start with mesa_bench")
    parser.add_argument("--redis-db", type=int, default=BENCH_REDIS_DB)
    parser.add_argument("--report", type=Path, default=REPORT_PATH)
    parser.add_argument("--timeout", type=float, default=7200, help="seconds allowed for sending")
    args = parser.parse_args(argv)
    args.members = min(args.members, args.reminders)
    if args.reminders < 1 or args.members < 1 or args.reminders % args.members:
        parser.error("--reminders must be a positive multiple of --members")
    if not re.fullmatch(r"mesa_bench[a-z0-9_]*", args.database):
        parser.error("--database must start with mesa_bench (it is dropped at the end)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if missing := missing_servers():
        say(f"{' and '.join(missing)} must be set (make bench sets them)")
        return 2
    database_url = with_database(os.environ["DATABASE_URL"], args.database)
    redis_url = with_redis_db(os.environ["REDIS_URL"], args.redis_db)
    # As in production: DEBUG off (no query log), the broker derived from REDIS_URL.
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DJANGO_DEBUG="0",
                      DJANGO_SETTINGS_MODULE="mesa.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.pop("CELERY_BROKER_URL", None)
    stop_on_sigterm()
    try:
        say(f"database {args.database} (a copy of the migrated template, dropped at the end); "
            f"Redis database {args.redis_db}")
        recreate_database(database_url)
        try:
            import django

            django.setup()
            with tempfile.TemporaryDirectory(prefix="mesa-bench-") as work_dir:
                report = run_benchmark(reminders=args.reminders, members=args.members,
                                       database_url=database_url, redis_url=redis_url,
                                       work_dir=Path(work_dir), concurrency=args.concurrency,
                                       timeout=args.timeout)
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(database_url)
    except KeyboardInterrupt:
        say("interrupted; the worker is stopped and the bench database dropped")
        return 130
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report), flush=True)
    say(f"report: {args.report}")
    return 0 if report["exactly_once"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
