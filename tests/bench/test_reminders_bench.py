"""The reminders benchmark (bench/reminders.py) on a tiny scale: its own data, a real prefork worker
on a queue of its own, the dispatcher, the memory sampler and the exactly-once check, against this
run's test database (so it needs no migration and no parallel pytest worker meets it)."""

import json

import pytest
from django.conf import settings

from bench import reminders as bench
from mesa.celery import app as celery_app
from tests.bench.helpers import database_url


def test_the_bench_uses_its_own_database_and_redis_database_on_the_given_servers():
    assert (bench.with_database("postgres://postgres@127.0.0.1:5432/mesa", "mesa_bench")
            == "postgres://postgres@127.0.0.1:5432/mesa_bench")
    assert (bench.with_database("postgres://postgres@/mesa?host=/tmp/pg", "mesa_bench")
            == "postgres://postgres@/mesa_bench?host=/tmp/pg")
    assert bench.with_redis_db("redis://127.0.0.1:6379/3", 14) == "redis://127.0.0.1:6379/14"
    assert bench.with_redis_db("unix:///tmp/redis.sock?db=2", 14) == "unix:///tmp/redis.sock?db=14"


@pytest.mark.parametrize("argv", [["--database", "mesa"], ["--reminders", "100", "--members", "30"]])
def test_the_bench_refuses_a_database_it_must_not_drop_and_numbers_that_do_not_divide(argv):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)


@pytest.mark.django_db(transaction=True)
def test_a_small_run_sends_every_reminder_exactly_once_and_reports_it(tmp_path):
    celery_app.conf.task_always_eager = False  # through the broker (conftest restores it)

    report = bench.run_benchmark(reminders=40, members=20, database_url=database_url(),
                                 redis_url=settings.REDIS_URL, work_dir=tmp_path, timeout=120)

    assert report["data"] == {"reminders": 40, "members": 20, "sessions": 2, "offset_hours": 24,
                              "languages": ["es", "en"]}
    check = report["exactly_once"]
    assert check["ok"], check
    assert check["rows_by_state"] == {"sent": 40}
    assert report["sending"]["sent"] == 40 and report["sending"]["error"] is None
    assert report["sending"]["reminders_per_second"] > 0
    worker = report["worker"]
    # main + the 2 pool children (a short-lived helper process at start-up may show up too)
    assert "main" in worker["peak_rss_mib"]
    assert sum(name.startswith("child ") for name in worker["peak_rss_mib"]) >= 2
    assert worker["peak_total_rss_mib"] >= worker["peak_total_pss_mib"] > 0
    assert ": OK" in bench.summary(report)
    json.dumps(report)
