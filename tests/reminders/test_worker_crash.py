"""A real Celery worker, on the real Redis broker and the committed test database, killed in the
middle of a batch: after a restart every reminder is sent, marked and in the inbox exactly once,
and the only emails sent twice are those of the chunk it was sending (the window).

The worker runs as a separate process (so it can be killed with SIGKILL) on a queue of its own
(so no other test's worker takes its tasks), with Django's file email backend, slowed down a
little as a real mail server is (slow_mail), so that the test can read what left."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from mesa.celery import app as celery_app
from mesa.models import Role
from reminders import dispatch
from reminders.models import InboxMessage, Reminder, State
from reminders.tasks import send_reminders_task
from tests.meetings.factories import schedule_session
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
MESSAGE_ID = re.compile(r"^Message-ID: (<reminder-[0-9a-f]+@[^>]+>)", re.MULTILINE)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/"
            f"{db['NAME']}")


ROWS_PER_COMMIT = 10


def start_worker(queue: str, mail_dir: Path) -> subprocess.Popen:
    # django-environ drops one slash of a filemail:// path: four make an absolute one.
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL,
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "EMAIL_URL": f"filemail:///{mail_dir}",
           "EMAIL_BACKEND": "tests.reminders.slow_mail.Backend",
           # Chunks of ROWS_PER_COMMIT, whatever time they take.
           "MESA_REMINDER_COMMIT_ROWS": str(ROWS_PER_COMMIT), "MESA_REMINDER_COMMIT_SECONDS": "60"}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mesa", "worker", "--pool", "solo", "--queues", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def message_ids(mail_dir: Path) -> list[str]:
    return [match for path in mail_dir.glob("*.log") for match in MESSAGE_ID.findall(path.read_text())]


def wait_until(condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_a_worker_killed_mid_batch_and_restarted_sends_each_reminder_exactly_once(table, tmp_path):
    celery_app.conf.task_always_eager = False  # through the broker (conftest restores it)
    for _ in range(45):
        make_member(table, Role.CITIZEN)
    session = schedule_session(table)
    reminders = Reminder.objects.filter(session=session, occurrence="168h")
    total = reminders.count()
    now = max(reminders.values_list("send_at", flat=True)) + timedelta(seconds=1)
    ids = dispatch.claim_due(now=now)
    assert len(ids) == total > 4 * ROWS_PER_COMMIT
    queue = f"crash-test-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    first = start_worker(queue, mail_dir)
    try:
        send_reminders_task.apply_async(args=[ids], queue=queue)
        try:
            # Into the second chunk: the first is committed, the second is not.
            wait_until(lambda: len(message_ids(mail_dir)) >= ROWS_PER_COMMIT + 3 or first.poll() is not None)
        except AssertionError:
            first.terminate()
            raise AssertionError(f"{list(mail_dir.iterdir())} "
                                 f"{list(reminders.values_list('state', flat=True))} "
                                 f"{first.stderr.read().decode()[-3000:]}") from None
        assert first.poll() is None, first.stderr.read().decode()[-3000:]
        first.send_signal(signal.SIGKILL)  # in the middle of the batch
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    emailed_before_restart = len(message_ids(mail_dir))
    sent_before_restart = reminders.filter(state=State.SENT).count()
    # Whole chunks committed; the emails of the chunk it was sending left, unmarked.
    assert sent_before_restart % ROWS_PER_COMMIT == 0
    assert ROWS_PER_COMMIT <= sent_before_restart < emailed_before_restart < total
    in_the_window = emailed_before_restart - sent_before_restart
    assert in_the_window <= ROWS_PER_COMMIT

    # The dispatcher's next round, once the claim has timed out, takes the rest again.
    reclaimed = dispatch.claim_due(now=now + dispatch.CLAIM_TIMEOUT + timedelta(seconds=1))
    assert set(reclaimed) == set(reminders.exclude(state=State.SENT).values_list("pk", flat=True))
    second = start_worker(queue, mail_dir)
    try:
        send_reminders_task.apply_async(args=[reclaimed], queue=queue)
        # The same batch again, as if the broker redelivered it: it must send nothing twice.
        send_reminders_task.apply_async(args=[ids], queue=queue)
        try:
            wait_until(lambda: reminders.filter(state=State.SENT).count() == total)
        except AssertionError:
            second.terminate()
            raise AssertionError(f"{list(reminders.values_list('state', flat=True))} "
                                 f"{second.stderr.read().decode()[-3000:]}") from None
        time.sleep(0.5)  # let the redelivered batch finish too
    finally:
        second.terminate()
        second.wait(timeout=20)

    assert InboxMessage.objects.filter(reminder__in=ids).count() == total
    delivered = message_ids(mail_dir)
    assert len(set(delivered)) == total
    # The one window left: the emails of the chunk in flight at the kill, which left but were
    # not marked. Sent again, with the same Message-IDs: those, and no other.
    assert len(delivered) - total == in_the_window
