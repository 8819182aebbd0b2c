"""The admin's sync controls: staff only, POST with CSRF, a run page that follows progress."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.models import Edition, Register, SyncRun
from scraper.sync import get_register, queue_acceptance, queue_sync, run_sync
from tests.pages import HOLD_BASE, URL, numbered_rows, register_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.org", "pw")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, url: str, data: dict[str, str] | None = None):
    page = client.get(reverse("admin:index"))
    token = page.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})


def test_the_admin_is_titled_erkend(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert "<title>Registers, editions and enrichment | erkend admin</title>" in html
    assert '<a href="/admin/">erkend</a>' in html
    assert "Django administration" not in html


def test_resync_now_runs_a_sync_and_shows_its_outcome(
    register, admin_client, serve, django_capture_on_commit_callbacks
):
    serve(numbered_rows(10))
    resync = reverse("admin:registry_register_resync", args=[register.pk])

    with django_capture_on_commit_callbacks(execute=True):  # the task is queued on commit
        response = csrf_post(admin_client, resync)

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:registry_syncrun_change", args=[run.pk])
    assert (run.trigger, run.status, run.added) == ("admin", "done", 10)
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "done: new edition stored" in text
    assert 'data-field="added">10<' in text


def test_the_register_page_offers_resync_as_a_post_form(register, admin_client):
    page = admin_client.get(reverse("admin:registry_register_change", args=[register.pk]))

    text = page.content.decode()
    assert "Resync now" in text
    assert 'method="post"' in text and "csrfmiddlewaretoken" in text


def test_resync_refuses_get_and_a_post_without_csrf(register, admin_client):
    resync = reverse("admin:registry_register_resync", args=[register.pk])

    assert admin_client.get(resync).status_code == 405
    assert admin_client.post(resync).status_code == 403  # no CSRF token
    assert not SyncRun.objects.exists()


def test_resync_needs_staff(register, client):
    resync = reverse("admin:registry_register_resync", args=[register.pk])
    User.objects.create_user("visitor", password="pw")
    client.login(username="visitor", password="pw")

    response = client.post(resync)

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not SyncRun.objects.exists()


def test_resync_needs_the_permission_to_change_registers(register):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_register"))
    client = Client()
    client.force_login(user)

    response = client.post(reverse("admin:registry_register_resync", args=[register.pk]))

    assert response.status_code == 403
    assert not SyncRun.objects.exists()


def test_a_second_resync_while_one_is_queued_goes_to_the_open_run(register, admin_client):
    open_run = queue_sync(register="work", trigger="admin", now=timezone.now())

    response = csrf_post(
        admin_client, reverse("admin:registry_register_resync", args=[register.pk])
    )

    assert response["Location"] == reverse("admin:registry_syncrun_change", args=[open_run.pk])
    assert SyncRun.objects.count() == 1


def test_the_status_endpoint_reports_progress_as_json(register, admin_client):
    run = queue_sync(register="work", trigger="admin", now=timezone.now())
    status_url = reverse("admin:registry_syncrun_status", args=[run.pk])

    data = admin_client.get(status_url).json()

    assert data["status"] == "queued"
    assert data["finished"] is False
    assert (data["rows_parsed"], data["rows_written"]) == (0, 0)
    page = admin_client.get(reverse("admin:registry_syncrun_change", args=[run.pk]))
    assert b'http-equiv="refresh"' in page.content  # follows the run without JavaScript too


def test_a_refused_run_can_be_inspected_and_accepted_with_force(
    register, admin_client, serve, django_capture_on_commit_callbacks
):
    serve(numbered_rows(10))
    run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)
    serve(numbered_rows(5), updated=date(2026, 11, 3))
    refused = run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)
    assert refused.status == "refused"

    page = admin_client.get(reverse("admin:registry_syncrun_change", args=[refused.run_id]))
    text = page.content.decode()
    assert "shrank by 50%" in text
    assert "would add <strong>0</strong> and remove\n        <strong>5</strong>" in text
    assert "Accept this edition (force)" in text
    download = admin_client.get(reverse("admin:registry_syncrun_page", args=[refused.run_id]))
    assert download.status_code == 200 and b"Voorbeeld 4 B.V." in download.content

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(
            admin_client, reverse("admin:registry_syncrun_accept", args=[refused.run_id])
        )

    accepted = SyncRun.objects.get(accepted_from_id=refused.run_id)
    assert response["Location"] == reverse("admin:registry_syncrun_change", args=[accepted.pk])
    assert (accepted.status, accepted.removed) == ("done", 5)
    assert Edition.objects.latest().published_on == date(2026, 11, 3)


def test_the_url_of_a_register_is_editable_in_the_admin(register, admin_client):
    change = reverse("admin:registry_register_change", args=[register.pk])
    new_url = "https://ind.nl/en/public-register-recognised-sponsors/moved-again"

    response = csrf_post(
        admin_client,
        change,
        {
            "slug": "work",
            "name": register.name,
            "url": new_url,
            "min_rows": "5000",
            "max_change_percent": "30",
        },
    )

    assert response.status_code == 302
    register.refresh_from_db()
    assert register.url == new_url


def test_an_edition_page_can_be_downloaded_as_fetched(register, admin_client, serve):
    serve(numbered_rows(10))
    run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)
    edition = Edition.objects.get()

    response = admin_client.get(reverse("admin:registry_edition_page", args=[edition.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"<!doctype html>")


def test_the_admin_lists_every_removal_and_approves(
    held, admin_client, django_capture_on_commit_callbacks
):
    page = admin_client.get(reverse("admin:registry_syncrun_change", args=[held.run_id]))
    text = page.content.decode()
    assert "held: waits for an admin" in text
    assert 'would mark these 6 employers "no longer listed"' in text
    for number in range(6):
        assert f"Voorbeeld {number} B.V." in text
    assert "Approve and publish this edition" in text

    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(admin_client, reverse("admin:registry_syncrun_accept", args=[held.run_id]))

    approved = SyncRun.objects.get(accepted_from_id=held.run_id)
    assert (approved.status, approved.removed) == ("done", 6)
    text = admin_client.get(reverse("admin:registry_syncrun_change", args=[held.run_id])).content
    assert f"run #{approved.pk}</a> published this edition" in text.decode()
    assert b"Approve and publish this edition" not in text
    assert b"Reject this edition" not in text


def test_a_superseded_run_says_by_which_and_cannot_be_approved(
    held, serve, admin_client, django_capture_on_commit_callbacks
):
    serve(HOLD_BASE[1:], updated=date(2026, 12, 1))
    newer = run_sync(queue_sync(register="work", trigger="schedule", now=timezone.now()).pk)
    change = reverse("admin:registry_syncrun_change", args=[held.run_id])

    text = admin_client.get(change).content.decode()
    newer_url = reverse("admin:registry_syncrun_change", args=[newer.run_id])
    assert f'Superseded by <a href="{newer_url}">run #{newer.run_id}</a>' in text
    assert "Approve and publish this edition" not in text

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(
            admin_client, reverse("admin:registry_syncrun_accept", args=[held.run_id])
        )

    assert response.status_code == 302 and response["Location"] == change
    shown = admin_client.get(change).content.decode()
    assert f"a newer look at the page (run #{newer.run_id}) superseded this run" in shown
    assert not SyncRun.objects.filter(trigger="accept").exists()
    assert Edition.objects.latest().published_on == date(2026, 12, 1)


# --- Runs that cannot start, and runs an admin ends ---------------------------------------------


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: on_commit runs at once
def test_resync_with_the_broker_down_fails_the_run_at_once_and_tells_the_admins(
    register, admin_client, monkeypatch, settings
):
    from django.core import mail
    from kombu.exceptions import OperationalError

    from scraper.tasks import sync_register_task

    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(sync_register_task, "delay", down)
    resync = reverse("admin:registry_register_resync", args=[register.pk])

    response = csrf_post(admin_client, resync)

    run = SyncRun.objects.get()
    assert run.status == "failed" and "could not reach the task queue" in run.message
    assert "Connection refused" in run.message
    page = admin_client.get(response["Location"]).content.decode()
    assert "The sync could not be started" in page
    assert len(mail.outbox) == 1 and "could not be started" in mail.outbox[0].subject
    # Nothing is left open: the next click queues a new run.
    monkeypatch.setattr(sync_register_task, "delay", lambda run_id: None)  # the broker is back
    csrf_post(admin_client, resync)
    assert SyncRun.objects.filter(status="queued").count() == 1


def test_an_admin_cancels_a_queued_run_and_no_worker_starts_it(register, admin_client):
    run = queue_sync(register="work", trigger="admin", now=timezone.now())
    page = admin_client.get(reverse("admin:registry_syncrun_change", args=[run.pk]))
    assert "Cancel this sync" in page.content.decode()

    csrf_post(admin_client, reverse("admin:registry_syncrun_cancel", args=[run.pk]))

    run.refresh_from_db()
    assert run.status == "cancelled" and run.message == "cancelled by admin"
    result = run_sync(run.pk)  # the task arrives after all
    assert result.status == "cancelled"
    assert not Edition.objects.exists()


def test_cancel_needs_the_permission_and_a_post(register, admin_client, client):
    run = queue_sync(register="work", trigger="admin", now=timezone.now())
    cancel = reverse("admin:registry_syncrun_cancel", args=[run.pk])
    assert admin_client.get(cancel).status_code == 405
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    client.force_login(staff)
    assert client.post(cancel).status_code == 403
    run.refresh_from_db()
    assert run.status == "queued"


def test_a_cancelled_running_sync_stops_before_it_publishes(register, serve, monkeypatch):
    from scraper import gates
    from scraper.runs import cancel_run

    serve(numbered_rows(10))
    run = queue_sync(register="work", trigger="admin", now=timezone.now())
    original = gates.check_plausible

    def cancelled_midway(*args, **kwargs):
        cancel_run(run, by="ops", now=timezone.now())  # the admin clicks as the page is checked
        return original(*args, **kwargs)

    monkeypatch.setattr("scraper.sync.check_plausible", cancelled_midway)

    result = run_sync(run.pk)

    assert result.status == "cancelled" and result.message == "cancelled by ops"
    assert not Edition.objects.exists()
    register.refresh_from_db()
    assert register.current_edition is None


def test_cancelling_a_finished_run_changes_nothing(register, admin_client, serve):
    serve(numbered_rows(10))
    done = run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)

    response = csrf_post(admin_client, reverse("admin:registry_syncrun_cancel", args=[done.run_id]))

    assert SyncRun.objects.get(pk=done.run_id).status == "done"
    assert "already finished" in admin_client.get(response["Location"]).content.decode()


# --- Rejecting a held edition ------------------------------------------------------------------


def test_an_admin_rejects_a_held_edition_with_a_reason(held, admin_client, client, register):
    change = reverse("admin:registry_syncrun_change", args=[held.run_id])
    assert "Reject this edition" in admin_client.get(change).content.decode()

    response = csrf_post(
        admin_client,
        reverse("admin:registry_syncrun_reject", args=[held.run_id]),
        {"reason": "the page ends after the letter S"},
    )

    assert response.status_code == 302 and response["Location"] == change
    run = SyncRun.objects.get(pk=held.run_id)
    assert run.status == "rejected" and run.is_finished
    assert run.message == "rejected by admin: the page ends after the letter S"
    assert run.raw_gzip is None
    page = admin_client.get(change).content.decode()
    assert "Rejected: this edition is not published" in page
    assert "Approve and publish this edition" not in page
    assert "Reject this edition" not in page
    register.refresh_from_db()
    assert register.current_edition.published_on == date(2026, 10, 5)
    assert register.last_check_message == ""  # no longer "being reviewed"
    assert Edition.objects.count() == 1
    with pytest.raises(ValueError, match="only a refused or held run"):
        queue_acceptance(run, now=timezone.now())


def test_a_rejection_without_a_reason_names_who_rejected(held, admin_client):
    csrf_post(admin_client, reverse("admin:registry_syncrun_reject", args=[held.run_id]))

    assert SyncRun.objects.get(pk=held.run_id).message == "rejected by admin"


def test_a_reason_over_500_characters_is_a_400_and_changes_nothing(held, admin_client):
    response = csrf_post(
        admin_client,
        reverse("admin:registry_syncrun_reject", args=[held.run_id]),
        {"reason": "x" * 501},
    )

    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()
    assert SyncRun.objects.get(pk=held.run_id).status == "held"


def test_reject_needs_the_permission_to_change_registers_and_a_post(held, admin_client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    viewer = Client()
    viewer.force_login(user)
    reject = reverse("admin:registry_syncrun_reject", args=[held.run_id])

    assert viewer.post(reject, {"reason": "no"}).status_code == 403
    assert admin_client.get(reject).status_code == 405
    assert SyncRun.objects.get(pk=held.run_id).status == "held"


def test_an_approved_edition_cannot_be_rejected(
    held, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(admin_client, reverse("admin:registry_syncrun_accept", args=[held.run_id]))

    response = csrf_post(admin_client, reverse("admin:registry_syncrun_reject", args=[held.run_id]))

    assert response.status_code == 302
    assert SyncRun.objects.get(pk=held.run_id).status == "held"
    assert (
        "can be rejected. Nothing was changed."
        in admin_client.get(response["Location"]).content.decode()
    )
    assert Edition.objects.latest().published_on == date(2026, 11, 3)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database locks a table while another thread reads it (the "
    "file database of make run is in WAL mode and does not)",
)
@pytest.mark.django_db(transaction=True)  # the thread has a connection of its own
def test_with_sync_in_thread_resync_now_returns_at_once_and_a_thread_finishes_the_run(
    register, admin_client, no_network, settings
):
    settings.SYNC_IN_THREAD = True
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker would never be asked: no broker call
    release = threading.Event()
    page = register_page(numbered_rows(10))

    def slow_ind(request):  # the IND answers only once the admin has had the response
        release.wait(10)
        return (200, {"Content-Type": "text/html; charset=utf-8"}, page)

    no_network.add_callback("GET", URL, callback=slow_ind)
    resync = reverse("admin:registry_register_resync", args=[register.pk])

    started = time.monotonic()
    response = csrf_post(admin_client, resync)
    took = time.monotonic() - started

    run = SyncRun.objects.get()
    assert response.status_code == 302 and took < 2
    assert run.status in ("queued", "running")
    status_url = reverse("admin:registry_syncrun_status", args=[run.pk])
    assert admin_client.get(status_url).json()["finished"] is False
    release.set()
    (thread,) = [t for t in threading.enumerate() if t.name == f"sync-run-{run.pk}"]
    assert thread.daemon
    thread.join(10)
    assert not thread.is_alive()
    run.refresh_from_db()
    assert (run.status, run.added, run.heartbeat_at is not None) == ("done", 10, True)
    assert admin_client.get(status_url).json()["finished"] is True


@pytest.mark.django_db(transaction=True)
def test_with_sync_in_thread_a_run_the_thread_left_running_is_failed_by_the_stale_check(
    register, admin_client, no_network, settings
):
    """A server stopped mid-run kills its thread: the heartbeat stops, the stale check ends it."""
    from scraper.runs import fail_stale_runs

    settings.SYNC_IN_THREAD = True
    release = threading.Event()
    page = register_page(numbered_rows(10))

    def slow_ind(request):
        release.wait(10)
        return (200, {"Content-Type": "text/html; charset=utf-8"}, page)

    no_network.add_callback("GET", URL, callback=slow_ind)
    csrf_post(admin_client, reverse("admin:registry_register_resync", args=[register.pk]))
    run = SyncRun.objects.get()
    deadline = time.monotonic() + 5
    while run.status != "running" and time.monotonic() < deadline:  # the thread claims it
        time.sleep(0.01)
        run.refresh_from_db()
    later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    assert fail_stale_runs(now=later) == [run.pk]
    release.set()
    (thread,) = [t for t in threading.enumerate() if t.name == f"sync-run-{run.pk}"]
    thread.join(10)
    run.refresh_from_db()
    # The thread, back from the IND, met the stale run at its heartbeat and published nothing.
    assert run.status == "failed" and "no sign of life" in run.message
    assert not Edition.objects.exists()


def test_a_register_never_checked_is_not_shown_as_last_check_ok(admin_client):
    work = get_register("work")
    Register.objects.filter(pk=work.pk).update(last_checked_at=timezone.now(), last_check_ok=True)

    page = admin_client.get(reverse("admin:registry_register_changelist")).content.decode()

    # Work was checked: a green tick. The three never checked: "unknown", not a tick (the
    # field defaults to OK).
    assert page.count("icon-yes.svg") == 1
    assert page.count("icon-unknown.svg") == 3
