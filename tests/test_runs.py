"""The life of a sync run (scraper/runs.py): heartbeat, dead runs failed, on a real database."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from registry.models import Edition, Register, SyncRun
from scraper import sync as sync_module
from scraper.runs import Heartbeat, fail_stale_runs, reject_run, stale_after
from scraper.sync import get_register, queue_sync, run_sync
from scraper.tasks import fail_stale_runs_task, sync_register_task
from tests.pages import numbered_rows

pytestmark = pytest.mark.django_db


def open_run(register: Register, *, status: str, silent_for: timedelta) -> SyncRun:
    """A run whose last sign of life was `silent_for` ago, as a dead worker leaves it."""
    then = timezone.now() - silent_for
    running = status == SyncRun.Status.RUNNING
    return SyncRun.objects.create(
        register=register,
        trigger="admin",
        status=status,
        created_at=then,
        started_at=then if running else None,
        heartbeat_at=then if running else None,
    )


def other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    return psycopg.connect(
        **{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True
    )


# --- The heartbeat -------------------------------------------------------------------------------


def test_a_sync_leaves_a_heartbeat_no_older_than_its_end(register, serve):
    serve(numbered_rows(10))
    before = timezone.now()

    result = run_sync(queue_sync(register="work", trigger="test", now=before).pk)

    run = SyncRun.objects.get(pk=result.run_id)
    assert result.status == "done"
    assert run.started_at is not None and run.heartbeat_at is not None
    assert before <= run.started_at <= run.heartbeat_at == run.finished_at


def test_every_heartbeat_while_running_records_a_later_sign_of_life(register, serve, monkeypatch):
    serve(numbered_rows(10))
    seen: list[datetime] = []
    original = Heartbeat.__call__

    def recording(self):
        original(self)
        beat = SyncRun.objects.values_list("heartbeat_at", flat=True).get(pk=self.run_id)
        assert beat is not None
        seen.append(beat)

    monkeypatch.setattr(Heartbeat, "__call__", recording)

    run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)

    # After the fetch and after the parse; inside the edition's transaction, see the next test.
    assert len(seen) >= 2
    assert seen[0] < seen[1]


@pytest.mark.django_db(transaction=True)
def test_inside_the_editions_transaction_the_heartbeat_is_committed_on_its_own(
    register, serve, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("a second connection beats for the sync only on PostgreSQL")
    serve(numbered_rows(10))
    run = queue_sync(register="work", trigger="test", now=timezone.now())
    seen_by_others: list[tuple[datetime, str, int]] = []
    original = Heartbeat.__call__

    def recording(self):
        original(self)
        if connection.in_atomic_block:  # writing the edition: nothing of it is committed yet
            with other_connection() as other:
                [(heartbeat_at, status, editions)] = other.execute(
                    "SELECT heartbeat_at, status, (SELECT count(*) FROM registry_edition) "
                    "FROM registry_syncrun WHERE id = %s",
                    [run.pk],
                ).fetchall()
            seen_by_others.append((heartbeat_at, status, editions))

    monkeypatch.setattr(Heartbeat, "__call__", recording)
    started = timezone.now()

    run_sync(run.pk)

    assert seen_by_others, "no heartbeat inside the edition's transaction"
    for heartbeat_at, status, editions in seen_by_others:
        assert status == "running" and heartbeat_at >= started
        assert editions == 0  # the heartbeat committed, the edition not (yet)
    beats = [heartbeat_at for heartbeat_at, _, _ in seen_by_others]
    assert beats == sorted(beats) and len(set(beats)) == len(beats)


@pytest.mark.django_db(transaction=True)
def test_a_run_ended_elsewhere_stops_at_its_next_heartbeat_without_publishing(
    register, serve, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the other process is a second PostgreSQL connection")
    serve(numbered_rows(10))
    run = queue_sync(register="work", trigger="test", now=timezone.now())
    original = sync_module._progress

    def failed_by_the_stale_check_meanwhile(run_, *, rows_parsed, rows_written):
        original(run_, rows_parsed=rows_parsed, rows_written=rows_written)
        if rows_written:  # inside apply_edition: rows are written, the edition not published
            with other_connection() as other:  # the stale check, in another process
                other.execute(
                    "UPDATE registry_syncrun SET status = 'failed', message = 'declared dead' "
                    "WHERE id = %s",
                    [run.pk],
                )

    monkeypatch.setattr(sync_module, "_progress", failed_by_the_stale_check_meanwhile)

    result = run_sync(run.pk)

    assert (result.status, result.message) == ("failed", "declared dead")
    register.refresh_from_db()
    assert register.current_edition is None
    assert not Edition.objects.exists()
    assert SyncRun.objects.get(pk=run.pk).message == "declared dead"


# --- Dead runs ------------------------------------------------------------------------------------


def test_a_running_run_silent_past_the_task_time_limit_is_failed_with_why(register):
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    dead = open_run(register, status="running", silent_for=limit + timedelta(minutes=1))
    alive = open_run(
        get_register("study"), status="running", silent_for=limit - timedelta(minutes=1)
    )

    assert fail_stale_runs(now=timezone.now()) == [dead.pk]

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert dead.message.startswith("no sign of life since ")
    assert dead.message.endswith("; the worker probably died")
    assert alive.status == "running"
    assert stale_after() == limit


def test_a_queued_run_no_worker_took_is_failed_and_says_so(register):
    queued = open_run(register, status="queued", silent_for=stale_after() + timedelta(seconds=1))

    assert fail_stale_runs(now=timezone.now(), register=register) == [queued.pk]

    queued.refresh_from_db()
    assert queued.status == "failed"
    assert "never taken up" in queued.message and "worker" in queued.message


def test_the_stale_check_of_one_register_leaves_the_others_alone(register):
    other = open_run(get_register("study"), status="running", silent_for=timedelta(hours=2))

    assert fail_stale_runs(now=timezone.now(), register=register) == []

    other.refresh_from_db()
    assert other.status == "running"


def test_the_next_sync_of_the_register_fails_the_dead_run_and_goes_ahead(register, serve):
    dead = open_run(register, status="running", silent_for=timedelta(hours=1))
    serve(numbered_rows(10))

    result = run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)

    dead.refresh_from_db()
    assert dead.status == "failed" and "worker probably died" in dead.message
    assert result.status == "done"


def test_the_periodic_task_fails_dead_runs_and_is_on_the_beat_schedule(register):
    dead = open_run(register, status="running", silent_for=timedelta(hours=1))

    outcome = fail_stale_runs_task.apply(throw=True)

    assert outcome.get() == [dead.pk]
    assert SyncRun.objects.get(pk=dead.pk).status == "failed"
    app.finalize()
    schedule = app.conf.beat_schedule["fail-stale-runs"]
    assert schedule["task"] == "scraper.tasks.fail_stale_runs_task"
    assert schedule["schedule"] < settings.CELERY_TASK_TIME_LIMIT


def test_a_dead_run_does_not_block_resync_now(register, serve, django_capture_on_commit_callbacks):
    dead = open_run(register, status="running", silent_for=timedelta(hours=1))
    serve(numbered_rows(10))
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:registry_register_resync", args=[register.pk]))

    new = SyncRun.objects.exclude(pk=dead.pk).get()
    assert response["Location"] == reverse("admin:registry_syncrun_change", args=[new.pk])
    assert new.status == "done"
    assert SyncRun.objects.get(pk=dead.pk).status == "failed"


# --- One open run per register ------------------------------------------------------------------


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="ten writers at once need PostgreSQL; SQLite serialises them",
)
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_resyncs_make_exactly_one_run(register):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connections

    from scraper.sync import RunAlreadyOpen

    barrier = Barrier(10)

    def click(_: int) -> str:
        barrier.wait()  # all ten insert at the same moment
        try:
            queue_sync(register="work", trigger="admin", now=timezone.now())
            return "queued"
        except RunAlreadyOpen as already:
            return f"open {already.run.pk}"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(click, range(10)))

    assert outcomes.count("queued") == 1
    run = SyncRun.objects.get(register=register)
    assert outcomes.count(f"open {run.pk}") == 9


def test_a_second_run_is_refused_and_names_the_open_one(register):
    from scraper.sync import RunAlreadyOpen

    first = queue_sync(register="work", trigger="admin", now=timezone.now())

    with pytest.raises(RunAlreadyOpen, match=f"already queued \\(run {first.pk}\\)"):
        queue_sync(register="work", trigger="schedule", now=timezone.now())
    assert SyncRun.objects.filter(register=register).count() == 1


def test_the_scheduled_task_skips_a_register_with_an_open_run(register):
    queue_sync(register="work", trigger="admin", now=timezone.now())

    result = sync_register_task.apply(kwargs={"register": "work"}).get()

    assert result["status"] == "skipped" and "already queued" in result["message"]
    assert SyncRun.objects.filter(register=register).count() == 1


def test_the_command_says_a_sync_is_already_open(register):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    queue_sync(register="work", trigger="admin", now=timezone.now())

    with pytest.raises(CommandError, match="not started: a sync of this register is already"):
        call_command("sync_register", "--register", "work")


def test_a_dead_run_does_not_block_a_new_one(register):
    open_run(register, status=SyncRun.Status.RUNNING, silent_for=timedelta(hours=3))

    run = queue_sync(register="work", trigger="admin", now=timezone.now())

    assert run.status == SyncRun.Status.QUEUED
    assert SyncRun.objects.filter(register=register, status="failed").count() == 1


# --- Rejecting a held run ----------------------------------------------------------------------


def test_rejecting_a_held_run_ends_it_and_clears_the_review_notice(held, register):
    register.refresh_from_db()
    assert "being reviewed" in register.last_check_message
    run = SyncRun.objects.get(pk=held.run_id)

    assert reject_run(run, by="ops", reason="cut at the letter S")

    run.refresh_from_db()
    assert (run.status, run.message) == ("rejected", "rejected by ops: cut at the letter S")
    register.refresh_from_db()
    assert register.last_check_message == "" and register.last_check_ok
    assert not reject_run(run, by="ops", reason="")  # once: it is no longer held


def test_rejecting_an_older_held_run_leaves_the_notice_of_a_later_look(held, register):
    run = SyncRun.objects.get(pk=held.run_id)
    later = SyncRun.objects.create(
        register=register, trigger="schedule", status="unchanged", created_at=timezone.now()
    )
    Register.objects.filter(pk=register.pk).update(last_check_message="a later note")

    assert reject_run(run, by="ops", reason="")

    register.refresh_from_db()
    assert register.last_check_message == "a later note"
    assert later.pk > run.pk


def test_only_a_held_run_can_be_rejected(register):
    queued = queue_sync(register="work", trigger="admin", now=timezone.now())

    assert not reject_run(queued, by="ops", reason="")
    queued.refresh_from_db()
    assert queued.status == "queued"
