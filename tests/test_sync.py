"""sync.py on a real database: history, idempotency, gates, the lock, the task and commands."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import psycopg
import pytest
import requests
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.settings import env_admins, env_site_url
from registry.models import (
    Company,
    Edition,
    Listing,
    ListingEvent,
    ListingName,
    SyncRun,
)
from scraper.editions import raw_page
from scraper.locks import LOCK_NAMESPACE
from scraper.runs import reject_run
from scraper.sync import (
    RunSuperseded,
    queue_acceptance,
    queue_sync,
    read_progress,
    run_sync,
)
from scraper.tasks import sync_register_task
from tests.pages import HOLD_BASE, URL, numbered_rows, register_page

pytestmark = pytest.mark.django_db(transaction=False)


def sync(*, force: bool = False, url: str = ""):
    run = queue_sync(register="work", trigger="test", now=timezone.now(), force=force, url=url)
    return run_sync(run.pk)


def table_sizes() -> dict[str, int]:
    models = (Company, Listing, ListingName, ListingEvent, Edition)
    return {model.__name__: model.objects.count() for model in models}


BASE = numbered_rows(10)


def test_first_sync_stores_the_edition_its_page_and_every_company(register, serve):
    html = serve(BASE)

    result = sync()

    assert result.status == "done"
    assert (result.counts.added, result.counts.removed, result.counts.renamed) == (10, 0, 0)
    edition = Edition.objects.get()
    assert edition.published_on == date(2026, 10, 5)
    assert edition.date_source == "sentence"
    assert edition.row_count == 10 and edition.kvk_count == 10
    assert edition.raw_sha256 == hashlib.sha256(html.encode()).hexdigest()
    assert raw_page(edition) == html.encode()
    assert Listing.objects.current().count() == 10
    listing = Listing.objects.get(company__kvk_number="10000003")
    assert listing.name == "Voorbeeld 3 B.V."
    assert listing.first_listed == date(2026, 10, 5)
    register.refresh_from_db()
    assert register.current_edition == edition
    assert register.last_check_ok and register.last_checked_at is not None
    run = SyncRun.objects.get(pk=result.run_id)
    assert (run.rows_parsed, run.added) == (10, 10)
    assert run.rows_written > 0


def test_a_first_import_counts_five_writes_a_row_and_reads_no_names_back(register, serve):
    serve(BASE)

    with CaptureQueriesContext(connection) as captured:
        result = sync()

    # A company, a listing, a name, an event, and the listing's "last listed" date, each.
    assert result.counts.rows_written == 5 * len(BASE)
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if 'FROM "registry_listingname"' in sql]
    listing = Listing.objects.get(company__kvk_number="10000003")
    assert listing.names.get().search_text == "voorbeeld 3"
    assert listing.events.get().kind == "added"


def test_a_next_edition_counts_what_it_wrote(register, serve, settings):
    settings.REMOVAL_HOLD_PERCENT = 50  # one of ten removed: not what this test is about
    serve(BASE, updated=date(2026, 8, 3))
    sync()
    second = [r for r in BASE if r[1] != "10000002"] + [("Nieuw B.V.", "20000000")]
    second[0] = ("Hernoemd B.V.", "10000000")
    serve(second, updated=date(2026, 9, 3))

    result = sync()

    new = 1 + 1 + 2  # Nieuw's company and listing; its name and Hernoemd's
    extended = 8  # the names still used
    listings = 1 + 10 + 2  # one removed, the ten listed dated, one renamed (listing and company)
    events = 3  # added, removed, renamed
    assert result.counts.rows_written == new + extended + listings + events
    assert Listing.objects.current().filter(last_listed=date(2026, 9, 3)).count() == 10


def test_an_unchanged_page_is_recorded_as_checked_and_writes_nothing(register, serve):
    serve(BASE)
    sync()
    before = table_sizes()

    serve(BASE, updated=date(2026, 11, 3))  # a moved date with the same rows
    result = sync()

    assert result.status == "unchanged"
    assert "same rows" in result.message and "3 November 2026" in result.message
    assert table_sizes() == before


def test_a_304_is_unchanged_and_the_etag_is_sent_next_time(register, serve, no_network):
    serve(BASE, headers={"ETag": '"v1"'})
    sync()
    register.refresh_from_db()
    assert register.etag == '"v1"'
    no_network.remove("GET", URL)
    no_network.add("GET", URL, status=304)

    result = sync()

    assert result.status == "unchanged"
    assert no_network.calls[-1].request.headers["If-None-Match"] == '"v1"'


def test_added_removed_renamed_and_readded_are_history(register, serve, settings):
    settings.REMOVAL_HOLD_PERCENT = 50  # one of ten removed: not what this test is about
    serve(BASE, updated=date(2026, 8, 3))
    sync()
    second = [r for r in BASE if r[1] != "10000002"] + [("Nieuw B.V.", "20000000")]
    second[0] = ("Hernoemd B.V.", "10000000")
    serve(second, updated=date(2026, 9, 3))

    result = sync()

    assert (result.counts.added, result.counts.removed, result.counts.renamed) == (1, 1, 1)
    removed = Listing.objects.get(company__kvk_number="10000002")
    assert removed.removed_on == date(2026, 9, 3)
    assert removed.last_listed == date(2026, 8, 3)
    renamed = Listing.objects.get(company__kvk_number="10000000")
    assert renamed.name == "Hernoemd B.V." and renamed.company.name == "Hernoemd B.V."
    names = list(
        renamed.names.order_by("first_edition__published_on").values_list(
            "name", "first_edition__published_on", "last_edition__published_on"
        )
    )
    assert names == [
        ("Voorbeeld 0 B.V.", date(2026, 8, 3), date(2026, 8, 3)),
        ("Hernoemd B.V.", date(2026, 9, 3), date(2026, 9, 3)),
    ]
    event = ListingEvent.objects.get(kind="renamed")
    assert (event.old_name, event.new_name, event.format_only) == (
        "Voorbeeld 0 B.V.",
        "Hernoemd B.V.",
        False,
    )

    serve(BASE, updated=date(2026, 10, 5))  # 10000002 is back, Nieuw B.V. gone
    result = sync()

    assert (result.counts.added, result.counts.removed) == (1, 1)
    back = Listing.objects.get(company__kvk_number="10000002")
    assert back.removed_on is None and back.first_listed == date(2026, 8, 3)
    kinds = list(back.events.values_list("kind", flat=True))
    assert kinds == ["added", "removed", "readded"]
    # The old name is reused, not recorded twice.
    renamed.refresh_from_db()
    assert renamed.name == "Voorbeeld 0 B.V."
    assert renamed.names.count() == 2
    assert renamed.names.get(name_raw="Voorbeeld 0 B.V.").last_edition.published_on == date(
        2026, 10, 5
    )


def test_a_change_of_quotes_or_entities_only_is_a_format_only_rename(register, serve):
    rows = [*BASE, ('"AAE" Advanced Automated Equipment B.V.', "17037842")]
    serve(rows, updated=date(2026, 8, 3))
    sync()
    rows[-1] = ('""AAE"" Advanced Automated Equipment B.V.', "17037842")
    serve(rows, updated=date(2026, 9, 3))

    result = sync()

    assert (result.counts.renamed, result.counts.reformatted) == (0, 1)
    event = ListingEvent.objects.get(kind="renamed")
    assert event.format_only
    listing = Listing.objects.get(company__kvk_number="17037842")
    assert listing.name == '"AAE" Advanced Automated Equipment B.V.'  # display collapses ""


def test_duplicate_rows_and_one_kvk_under_two_names_make_one_listing(register, serve):
    rows = [
        *BASE,
        ("ITX Merken B.V.", "64755843"),
        ("ITX Merken B.V.", "64755843"),
        ("Centraal Planbureau", "52813150"),
        ("Ministerie van Economische Zaken", "52813150"),
    ]
    serve(rows)

    result = sync()

    assert result.counts.added == 12
    assert Listing.objects.filter(company__kvk_number="64755843").count() == 1
    assert Edition.objects.get().row_count == 14
    shared = Listing.objects.get(company__kvk_number="52813150")
    assert set(shared.names.values_list("name", flat=True)) == {
        "Centraal Planbureau",
        "Ministerie van Economische Zaken",
    }
    assert shared.name == "Centraal Planbureau"  # the first on the page


def test_rows_without_a_kvk_number_are_kept_and_tracked_by_name(register, serve):
    many = numbered_rows(300)  # four rows in 13,000 lack a number; the gate wants 99 % with one
    rows = [*many, ("JETRO Amsterdam", ""), ("Korea Trade Center, Amsterdam", "")]
    serve(rows, updated=date(2026, 8, 3))
    sync()
    company = Company.objects.get(name="JETRO Amsterdam")
    assert company.kvk_number == "" and company.key == "n-jetro-amsterdam"

    serve([*many, ("Korea Trade Center, Amsterdam", "")], updated=date(2026, 9, 3))
    result = sync()

    assert result.counts.removed == 1
    assert Listing.objects.get(company=company).removed_on == date(2026, 9, 3)
    assert Listing.objects.get(company__name="Korea Trade Center, Amsterdam").removed_on is None


# --- Gates: each refuses and changes nothing --------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "updated", "reason"),
    [
        (BASE[:2], date(2026, 11, 3), "only 2 rows"),
        (numbered_rows(6), date(2026, 11, 3), "shrank by 40%"),
        (numbered_rows(14), date(2026, 11, 3), "grew by 40%"),
        (BASE, None, "no 'last updated' date"),
        ([*BASE[:9], ("Zonder nummer", "")], date(2026, 11, 3), "carry a valid KvK number"),
        (numbered_rows(11), date(2026, 9, 1), "older than the one we hold"),
    ],
    ids=["too-few-rows", "shrank", "grew", "no-date", "kvk-share", "older"],
)
def test_each_gate_refuses_a_suspicious_edition_and_leaves_the_data_untouched(
    register, serve, rows, updated, reason
):
    serve(BASE)
    sync()
    before = table_sizes()
    serve(rows, updated=updated)

    result = sync()

    assert result.status == "refused"
    assert reason in result.message
    assert table_sizes() == before
    run = SyncRun.objects.get(pk=result.run_id)
    assert run.raw_gzip is not None  # kept for the admin to inspect
    register.refresh_from_db()
    assert not register.last_check_ok
    assert "5 October 2026" in register.last_check_message


def test_a_page_without_a_register_table_is_refused_with_the_reason(register, no_network):
    no_network.add("GET", URL, body="<html><body><p>Maintenance</p></body></html>")

    result = sync()

    assert result.status == "refused"
    assert "table" in result.message
    assert table_sizes()["Edition"] == 0


def test_force_accepts_what_the_gates_refuse(register, serve):
    serve(BASE)
    sync()
    serve(numbered_rows(5), updated=date(2026, 11, 3))

    result = sync(force=True)

    assert result.status == "done"
    assert result.counts.removed == 5


def test_an_admin_can_accept_a_refused_run_without_fetching_again(register, serve, no_network):
    serve(BASE)
    sync()
    serve(numbered_rows(5), updated=date(2026, 11, 3))
    refused = sync()
    no_network.remove("GET", URL)  # a second fetch would now fail

    accepted = run_sync(
        queue_acceptance(SyncRun.objects.get(pk=refused.run_id), now=timezone.now()).pk
    )

    assert accepted.status == "done"
    assert Edition.objects.latest().published_on == date(2026, 11, 3)
    assert SyncRun.objects.get(pk=accepted.run_id).accepted_from_id == refused.run_id


def test_more_than_a_hundred_removals_are_stored_but_flagged(register, serve):
    register.min_rows = 100
    register.save()
    serve(numbered_rows(2300), updated=date(2026, 8, 3))
    sync()
    serve(numbered_rows(2190), updated=date(2026, 9, 3))  # 4.8 %: under the hold (test_held)

    result = sync()

    assert result.status == "done" and result.counts.removed == 110
    assert "110 companies left" in Edition.objects.latest().flagged


def test_a_fetch_failure_is_recorded_and_the_last_good_data_stays(register, serve, no_network):
    serve(BASE)
    sync()
    no_network.remove("GET", URL)
    no_network.add("GET", URL, body=requests.ConnectionError("refused"))

    result = sync()

    assert result.status == "failed"
    assert "could not fetch" in result.message
    register.refresh_from_db()
    assert not register.last_check_ok
    assert "could not be reached" in register.last_check_message
    assert Listing.objects.current().count() == 10


def test_a_second_sync_while_one_holds_the_lock_reports_already_running(register, serve):
    if connection.vendor != "postgresql":
        pytest.skip("the sync lock is a PostgreSQL advisory lock; SQLite writes one at a time")
    serve(BASE)
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [(LOCK_NAMESPACE << 20) + register.pk])

        result = sync()

    assert result.status == "skipped"
    assert "another sync" in result.message
    assert table_sizes()["Edition"] == 0
    assert sync().status == "done"  # released with the other session


def test_progress_is_readable_while_running_and_final_afterwards(register, serve):
    serve(BASE)
    result = sync()
    run = SyncRun.objects.get(pk=result.run_id)

    assert read_progress(run) == {"rows_parsed": 10, "rows_written": run.rows_written}


# --- Task and commands ---------------------------------------------------------------------------


def test_the_task_runs_a_queued_sync_in_process(register, serve):
    serve(BASE)
    run = queue_sync(register="work", trigger="admin", now=timezone.now())

    outcome = sync_register_task.apply(args=(run.pk,), throw=True)

    assert outcome.get()["status"] == "done"
    assert SyncRun.objects.get(pk=run.pk).status == "done"


def test_the_scheduled_task_creates_its_own_run(register, serve):
    serve(BASE)

    outcome = sync_register_task.apply(kwargs={"register": "work"}, throw=True)

    assert outcome.get()["status"] == "done"
    assert SyncRun.objects.get().trigger == "schedule"


def test_the_task_retries_a_retryable_fetch_error_on_the_same_run_then_gives_up(
    register, no_network
):
    no_network.add("GET", URL, status=503)

    outcome = sync_register_task.apply(kwargs={"register": "work"})

    # In-process, Celery runs each retry at once: the first attempt and five retries, all on
    # the one run the schedule opened, which the last attempt leaves failed.
    assert outcome.get()["status"] == "failed"
    run = SyncRun.objects.get()
    assert run.status == "failed" and "503" in run.message and run.finished_at is not None
    attempts = 1 + (sync_register_task.max_retries or 0)
    assert len(no_network.calls) == attempts * 4  # each attempt is fetch_page's four tries


def test_a_retry_that_succeeds_finishes_the_same_run(register, no_network):
    no_network.add("GET", URL, status=503)  # fetch_page's four tries: the first attempt fails
    for _ in range(3):
        no_network.add("GET", URL, status=503)
    no_network.add("GET", URL, body=register_page(numbered_rows(10)))
    run = queue_sync(register="work", trigger="admin", now=timezone.now())

    outcome = sync_register_task.apply(args=(run.pk,))

    assert outcome.get()["status"] == "done" and outcome.get()["run_id"] == run.pk
    run.refresh_from_db()
    assert (SyncRun.objects.count(), run.status, run.added) == (1, "done", 10)


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, b"gone"), (403, b"no"), (400, b"bad"), (410, b"gone for good")],
)
def test_the_task_does_not_retry_an_answer_that_will_not_change(register, no_network, status, body):
    no_network.add("GET", URL, status=status, body=body)

    outcome = sync_register_task.apply(kwargs={"register": "work"})

    assert outcome.get()["status"] == "failed"
    assert len(no_network.calls) == 1 and SyncRun.objects.count() == 1
    assert str(status) in SyncRun.objects.get().message


def test_the_task_does_not_retry_a_body_over_the_limit(register, no_network, settings):
    settings.FETCH_MAX_BYTES = 1000
    no_network.add("GET", URL, body=register_page(numbered_rows(100)))

    outcome = sync_register_task.apply(kwargs={"register": "work"})

    assert outcome.get()["status"] == "failed" and "FETCH_MAX_BYTES" in outcome.get()["message"]
    assert len(no_network.calls) == 1 and SyncRun.objects.count() == 1


def test_the_task_does_not_retry_a_refused_cut_page(register, no_network):
    page = register_page(numbered_rows(10))
    no_network.add("GET", URL, body=page[: len(page) * 8 // 10])

    outcome = sync_register_task.apply(kwargs={"register": "work"})

    assert outcome.get()["status"] == "refused"
    assert len(no_network.calls) == 1 and SyncRun.objects.count() == 1


def test_a_retry_gives_way_to_a_run_opened_meanwhile(register, no_network):
    """Between two attempts the run is failed, so an admin may resync; the retry then stops."""
    run = queue_sync(register="work", trigger="schedule", now=timezone.now())
    SyncRun.objects.filter(pk=run.pk).update(status="failed", message="503, retrying")
    newer = queue_sync(register="work", trigger="admin", now=timezone.now())

    outcome = sync_register_task.apply(args=(run.pk,), retries=1)

    assert outcome.get()["status"] == "failed" and len(no_network.calls) == 0
    assert SyncRun.objects.get(pk=newer.pk).status == "queued"


def test_a_run_failed_by_the_stale_check_is_not_taken_up_by_a_late_worker(register, no_network):
    run = queue_sync(register="work", trigger="admin", now=timezone.now())
    SyncRun.objects.filter(pk=run.pk).update(status="failed", message="never taken up")

    outcome = sync_register_task.apply(args=(run.pk,))

    assert outcome.get()["status"] == "failed" and len(no_network.calls) == 0
    assert SyncRun.objects.get(pk=run.pk).message == "never taken up"


def test_sync_register_command_prints_one_line_and_fails_on_refusal(register, serve, capsys):
    serve(BASE)
    call_command("sync_register", "--register", "work")
    out = capsys.readouterr().out
    assert out.strip() == (
        "work: stored edition of 5 October 2026, 10 rows: 10 added, 0 removed, 0 renamed, "
        "0 unchanged"
    )

    serve(BASE[:2], updated=date(2026, 11, 3))
    with pytest.raises(CommandError, match="refused: only 2 rows"):
        call_command("sync_register")


def test_sync_register_reads_a_saved_page_from_a_path(register, tmp_path, capsys):
    page = tmp_path / "work.html"
    page.write_text(register_page(BASE), encoding="utf-8")

    call_command("sync_register", "--url", str(page))

    assert "stored edition of 5 October 2026" in capsys.readouterr().out
    assert Edition.objects.get().final_url.startswith("file:")


def test_import_edition_takes_a_csv_with_a_given_date(register, tmp_path, capsys):
    csv = tmp_path / "edition.csv"
    csv.write_text(
        "organisation,kvk_number\n" + "".join(f'"{name}",{kvk}\n' for name, kvk in BASE),
        encoding="utf-8",
    )

    call_command("import_edition", "--register", "work", "--date", "2024-04-04", str(csv))

    edition = Edition.objects.get()
    assert (edition.published_on, edition.date_source, edition.raw_content_type) == (
        date(2024, 4, 4),
        "given",
        "text/csv",
    )
    assert gzip.decompress(bytes(edition.raw_gzip)).startswith(b"organisation,kvk_number")


def test_import_edition_rejects_a_bad_date_and_a_missing_file(register, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("import_edition", "--date", "4 April", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_edition", "--date", "2024-04-04", str(tmp_path / "x.csv"))


# --- Big removals wait for an admin ---------------------------------------------------------
# An edition that removes more than REMOVAL_HOLD_PERCENT of the listed employers is held: the run
# keeps the page, nothing is published (pages, API and feeds keep the edition served before),
# the admins are mailed what it would remove, and an approval publishes it as kept.


def listed_names() -> set[str]:
    return set(Listing.objects.filter(removed_on__isnull=True).values_list("name", flat=True))


def test_an_edition_removing_six_percent_is_held_and_nothing_public_changes(cut_page, client):
    result = sync()

    assert result.status == "held"
    run = SyncRun.objects.get(pk=result.run_id)
    assert run.raw_gzip is not None and run.is_finished
    assert "6 of the 100 listed employers" in run.message
    assert Edition.objects.count() == 1
    assert Edition.objects.get().pk == cut_page.edition_id
    assert len(listed_names()) == 100
    answer = client.get(reverse("registry:search-json"), {"q": "Voorbeeld 0 B.V."}).json()
    assert answer["results"][0]["name"] == "Voorbeeld 0 B.V."
    assert answer["results"][0]["status"] == "listed"
    page = client.get(reverse("registry:search")).content.decode()
    assert "being reviewed before it is published" in page
    assert "5 October 2026" in page


def test_the_admins_are_mailed_the_names_it_would_remove(cut_page):
    result = sync()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@example.org"]
    assert "6 removals" in message.subject
    for name in ("Voorbeeld 0 B.V.", "Voorbeeld 5 B.V."):
        assert name in message.body
    assert "Voorbeeld 6 B.V." not in message.body
    assert reverse("admin:registry_syncrun_change", args=[result.run_id]) in message.body


def test_a_mail_server_that_fails_does_not_fail_the_sync(cut_page, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("scraper.gates.mail_admins", broken)

    assert sync().status == "held"


def test_four_percent_is_published_at_once(register, serve, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ADMINS = [("Ops", "ops@example.org")]
    serve(HOLD_BASE)
    sync()
    serve(HOLD_BASE[4:], updated=date(2026, 11, 3))

    result = sync()

    assert result.status == "done" and result.counts.removed == 4
    assert len(listed_names()) == 96
    assert not mail.outbox


def test_the_setting_moves_the_line(cut_page, settings):
    settings.REMOVAL_HOLD_PERCENT = 10

    assert sync().status == "done"


def test_a_forced_sync_is_not_held(cut_page):
    assert sync(force=True).status == "done"


def test_approving_publishes_the_kept_page_without_fetching_again(held, no_network):
    held = SyncRun.objects.get(pk=held.run_id)
    no_network.remove("GET", URL)  # a second fetch would fail

    approved = run_sync(queue_acceptance(held, now=timezone.now()).pk)

    assert approved.status == "done" and approved.counts.removed == 6
    assert Edition.objects.latest().published_on == date(2026, 11, 3)
    assert len(listed_names()) == 94
    held.refresh_from_db()
    assert held.status == "held"  # approved, not superseded by its own acceptance
    assert held.raw_gzip is None  # its page is the edition's now: nothing left to approve


def test_an_approved_held_run_is_not_superseded_by_a_later_edition(held, serve):
    run_sync(queue_acceptance(SyncRun.objects.get(pk=held.run_id), now=timezone.now()).pk)
    serve(HOLD_BASE[7:], updated=date(2026, 12, 1))

    assert sync().status == "done"
    assert SyncRun.objects.get(pk=held.run_id).status == "held"


def test_a_held_run_blocks_no_resync(held, serve):
    serve(HOLD_BASE, updated=date(2026, 12, 1))  # the IND fixed its page

    assert sync().status in ("done", "unchanged")


def test_the_register_keeps_serving_the_old_edition_and_its_check_is_ok(held, register):

    register.refresh_from_db()
    assert register.current_edition is not None
    assert register.current_edition.published_on == date(2026, 10, 5)
    assert register.last_check_ok


def listing_reads(queries) -> list[str]:
    """SELECTs whose own table is registry_listing (not a join or a subquery on it)."""
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT")
        and query["sql"].partition(" FROM ")[2].startswith('"registry_listing" ')
    ]


def test_a_look_that_publishes_reads_the_listings_once_as_values(register, serve):
    serve(HOLD_BASE)
    sync()
    serve(HOLD_BASE[4:], updated=date(2026, 11, 3))  # 4 %: published

    with CaptureQueriesContext(connection) as captured:
        result = sync()

    assert result.status == "done"
    assert len(listing_reads(captured.captured_queries)) == 1  # the gate and the writing share it


def test_a_held_look_builds_only_the_removed_listings(cut_page):
    with CaptureQueriesContext(connection) as captured:
        result = sync()

    assert result.status == "held"
    reads = listing_reads(captured.captured_queries)
    assert len(reads) == 2  # the keys, then the six removed, for the mail
    assert '"registry_company"."key" IN' in reads[1]


# --- A newer look supersedes earlier held runs -------------------------------------------------


def test_a_later_published_edition_supersedes_the_held_run(held, serve):
    serve(HOLD_BASE[1:], updated=date(2026, 12, 1))  # the IND's real December page: 1 % gone

    published = sync()

    assert published.status == "done"
    run = SyncRun.objects.get(pk=held.run_id)
    assert run.status == "superseded" and run.superseded_by_id == published.run_id
    assert run.raw_gzip is None and run.is_finished
    with pytest.raises(RunSuperseded, match=f"superseded by run {published.run_id}"):
        queue_acceptance(run, now=timezone.now())
    assert Edition.objects.latest().published_on == date(2026, 12, 1)
    assert not SyncRun.objects.filter(trigger="accept").exists()


def test_a_later_held_look_supersedes_the_earlier_held_run(held, serve):
    serve(HOLD_BASE[10:], updated=date(2026, 12, 1))

    newer = sync()

    assert newer.status == "held"
    statuses = dict(
        SyncRun.objects.filter(status__in=["held", "superseded"]).values_list("pk", "status")
    )
    assert statuses == {held.run_id: "superseded", newer.run_id: "held"}
    assert SyncRun.objects.get(pk=held.run_id).superseded_by_id == newer.run_id


def test_an_approval_superseded_before_it_ran_publishes_nothing(held, serve):
    run = SyncRun.objects.get(pk=held.run_id)
    acceptance = queue_acceptance(run, now=timezone.now())
    SyncRun.objects.filter(pk=run.pk).update(status="superseded", superseded_by=acceptance)

    result = run_sync(acceptance.pk)

    assert result.status == "failed" and "can no longer be approved" in result.message
    assert Edition.objects.count() == 1
    assert len(listed_names()) == 100


def test_a_refused_run_is_not_superseded(register, serve):
    serve(HOLD_BASE)
    sync()
    serve(HOLD_BASE[:50], updated=date(2026, 11, 3))  # half gone: refused, not held
    refused = sync()
    serve(HOLD_BASE[1:], updated=date(2026, 12, 1))

    assert sync().status == "done"
    assert SyncRun.objects.get(pk=refused.run_id).status == "refused"


# --- One mail per held edition ----------------------------------------------------------------


def test_the_same_held_edition_on_the_next_look_is_not_mailed_again(held):
    assert len(mail.outbox) == 1

    again = sync()  # the next day: the IND has not changed its page

    assert again.status == "held"
    assert len(mail.outbox) == 1
    first, second = SyncRun.objects.filter(pk__in=[held.run_id, again.run_id]).order_by("pk")
    assert first.rows_sha256 == second.rows_sha256 != ""
    assert (first.status, second.status) == ("superseded", "held")


def test_a_different_held_edition_is_mailed(held, serve):
    serve(HOLD_BASE[10:], updated=date(2026, 11, 3))  # same date, other rows: another edition

    assert sync().status == "held"
    assert len(mail.outbox) == 2
    assert "10 removals" in mail.outbox[1].subject


def test_an_edition_held_again_after_another_was_held_is_not_mailed_again(held, serve):
    serve(HOLD_BASE[10:], updated=date(2026, 11, 4))
    sync()
    serve(HOLD_BASE[6:], updated=date(2026, 11, 3))  # the first one back

    assert sync().status == "held"
    assert len(mail.outbox) == 2  # the first and the other one


def test_a_rejected_edition_seen_again_is_rejected_again_without_a_mail(held, register):
    assert reject_run(SyncRun.objects.get(pk=held.run_id), by="ops", reason="cut at S")

    again = sync()

    assert again.status == "rejected"
    assert (
        again.message == f"the same rows as run {held.run_id}, which was rejected by ops: cut at S"
    )
    assert len(mail.outbox) == 1
    assert SyncRun.objects.get(pk=again.run_id).raw_gzip is None
    register.refresh_from_db()
    assert register.last_check_ok and register.last_check_message == ""  # no "being reviewed"
    assert Edition.objects.count() == 1


def test_the_same_rows_held_against_a_newer_edition_are_mailed(held, serve):
    serve([*HOLD_BASE, ("Nieuw B.V.", "20000000")], updated=date(2026, 11, 10))
    assert sync().status == "done"  # one added: published, the held run superseded
    serve(HOLD_BASE[6:], updated=date(2026, 11, 17))  # the same rows, against the new edition

    assert sync().status == "held"
    assert len(mail.outbox) == 2


# --- The held mail's link, and who gets it ----------------------------------------------------


def test_the_held_mail_links_to_the_run_in_full_with_site_url(cut_page, settings):
    settings.SITE_URL = "https://erkend.example.org"

    result = sync()

    path = reverse("admin:registry_syncrun_change", args=[result.run_id])
    assert f"in the admin: https://erkend.example.org{path}\n" in mail.outbox[0].body


def test_without_site_url_the_held_mail_gives_the_path(cut_page, settings):
    settings.SITE_URL = ""

    result = sync()

    path = reverse("admin:registry_syncrun_change", args=[result.run_id])
    assert f"in the admin: {path}\n" in mail.outbox[0].body


def test_admins_are_read_as_names_and_addresses(monkeypatch):
    monkeypatch.setenv("ADMINS", "Ada Lovelace <ada@example.org>, ops@example.org,root@localhost")

    assert env_admins("ADMINS") == [
        ("Ada Lovelace", "ada@example.org"),
        ("", "ops@example.org"),
        ("", "root@localhost"),
    ]


@pytest.mark.parametrize(
    "entry", ["Ada <ada@example.org", "Ada ada@example.org", "Ada", "ada@", "Ada <not mail>"]
)
def test_a_malformed_admin_entry_stops_start_up_and_is_named(monkeypatch, entry):
    monkeypatch.setenv("ADMINS", f"ops@example.org, {entry}")

    with pytest.raises(ImproperlyConfigured, match=re.escape(repr(entry))):
        env_admins("ADMINS")


def test_settings_refuse_to_load_with_a_malformed_admin_entry():
    env = {**os.environ, "ADMINS": "Ops <ops@example.org", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: ADMINS: 'Ops <ops@example.org' is not" in result.stderr


@pytest.mark.parametrize("value", ["erkend.example.org", "ftp://erkend.example.org", "https://"])
def test_a_site_url_that_is_no_http_address_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("SITE_URL", value)

    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        env_site_url("SITE_URL")


def test_site_url_loses_its_trailing_slash(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://erkend.example.org/")

    assert env_site_url("SITE_URL") == "https://erkend.example.org"


def test_a_sync_retries_with_the_configured_backoff(register, no_network, settings, monkeypatch):
    """`make run` sets FETCH_BACKOFF_SECONDS=0: a failed fetch is retried at once."""
    from scraper import sync as sync_module
    from scraper.fetch import fetch_page

    settings.FETCH_BACKOFF_SECONDS = 0
    asked: list[float] = []
    real_fetch = fetch_page

    def fetch(url, **kwargs):
        asked.append(kwargs["backoff"])
        return real_fetch(url, **kwargs)

    monkeypatch.setattr(sync_module, "fetch_page", fetch)
    no_network.add("GET", URL, status=503)  # the first match answers once, then the next
    no_network.add("GET", URL, body=register_page(numbered_rows(10)))

    run = queue_sync(register="work", trigger="test", now=timezone.now())
    result = run_sync(run.pk)

    assert asked == [0] and result.status == "done" and result.rows_parsed == 10


def finished_run(register, *, status, hours_ago, trigger="schedule"):
    then = timezone.now() - timedelta(hours=hours_ago)
    return SyncRun.objects.create(
        register=register, trigger=trigger, status=status, created_at=then, finished_at=then
    )


@pytest.mark.parametrize("status", ["done", "unchanged", "held"])
def test_unless_checked_within_skips_a_register_checked_lately_and_says_so(
    register, no_network, capsys, status
):
    finished_run(register, status=status, hours_ago=2)

    call_command("sync_register", "--register", "work", "--unless-checked-within", "24")

    out = capsys.readouterr().out
    assert "work: not synced: checked 2.0 h ago (run" in out and f", {status})" in out
    assert len(no_network.calls) == 0 and SyncRun.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "hours_ago", "trigger"),
    [
        ("refused", 2, "schedule"),  # a cut or odd page: the next fetch may get it whole
        ("failed", 2, "schedule"),
        ("done", 30, "schedule"),  # older than the 24 hours
        ("done", 2, "import"),  # a saved page is no look at the live one
        ("done", 2, "accept"),  # nor is an admin's acceptance of an earlier fetch
    ],
)
def test_unless_checked_within_syncs_when_no_check_got_through_lately(
    register, serve, capsys, status, hours_ago, trigger
):
    finished_run(register, status=status, hours_ago=hours_ago, trigger=trigger)
    serve(numbered_rows(10))

    call_command("sync_register", "--register", "work", "--unless-checked-within", "24")

    assert "work: stored edition" in capsys.readouterr().out


def test_unless_checked_within_needs_hours_above_zero(register):
    with pytest.raises(CommandError, match="above 0"):
        call_command("sync_register", "--unless-checked-within", "0")
