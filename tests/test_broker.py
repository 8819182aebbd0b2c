"""The sync task through a real Redis broker and a real worker (CI sets CELERY_BROKER_URL).

Everything else runs tasks in-process with `.apply()`; this one proves the message really
travels: queued by the admin's code path, picked up by a worker thread, the run recorded.
"""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from registry.models import SyncRun
from scraper.sync import get_register, queue_sync
from scraper.tasks import sync_register_task
from tests.pages import numbered_rows, register_page

URL = "https://ind.example/en/public-register-work"
pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"),
        reason="no Redis broker configured (CELERY_BROKER_URL); .ci/run sets one",
    ),
    # The worker thread reads through its own connection: data must be committed. The flush
    # afterwards also drops the Work register row that migration 0002 seeded, so tests get
    # it through get_register(), which makes it again.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_a_queued_sync_travels_through_redis_to_a_worker(worker, no_network):
    register = get_register("work")
    register.url, register.min_rows = URL, 3
    register.save()
    no_network.add("GET", URL, body=register_page(numbered_rows(10), updated=date(2026, 10, 5)))
    run = queue_sync(register="work", trigger="admin", now=timezone.now())

    sync_register_task.delay(run.pk)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.2)
    assert run.status == SyncRun.Status.DONE, run.message
    assert run.added == 10
