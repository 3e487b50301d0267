"""Celery against the real Redis broker and a real worker thread (no eager mode)."""

import pytest
from celery.contrib.testing.worker import start_worker

from mesa.celery import app as celery_app
from mesa.tasks import ping_task


@pytest.fixture
def real_worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


def test_a_task_round_trips_through_redis_and_a_worker(real_worker):
    assert ping_task.delay().get(timeout=20) == "pong"
