"""Backfill from the Internet Archive, on recorded-style answers (tests/fixtures/archive)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from registry.models import Edition, ListingEvent, Register, SyncRun
from scraper.backfill import CDX_URL, BackfillRefused, backfill, list_captures
from scraper.sync import get_register, import_page
from tests.factories import make_edition

FIXTURES = Path(__file__).parent / "fixtures" / "archive"
OLD_URL = "https://ind.nl/en/public-register-regular-labour-and-highly-skilled-migrants"
HUB = "https://ind.nl/en/public-register-recognised-sponsors/"
MID_URL = HUB + "public-register-regular-labour-and-highly-skilled-migrants"
NEW_URL = HUB + "public-register-work"
CDX_ANSWERS = {
    OLD_URL: "cdx_regular_labour_2023.json",
    MID_URL: "cdx_regular_labour_2024.json",
    NEW_URL: "cdx_work_2026.json",
}
SNAPSHOTS = {
    f"20230708093000id_/{OLD_URL}": "snapshot_2023_07_td.html",
    f"20230801120000id_/{OLD_URL}": "snapshot_2023_08_same_rows.html",
    f"20240905064500id_/{MID_URL}": "snapshot_2024_09_th_row.html",
    f"20260805071200id_/{NEW_URL}": "snapshot_2026_08_scope_col.html",
}
pytestmark = pytest.mark.django_db


def snapshot(path: str) -> str:
    return f"https://web.archive.org/web/{path}"


@pytest.fixture
def register(db) -> Register:
    register = get_register("work")
    register.min_rows = 3  # the recorded pages are small
    register.save()
    return register


@pytest.fixture
def archive(no_network):
    """The archive, answering from the fixtures; `archive.cdx_asked` lists the CDX queries."""
    asked: list[dict[str, list[str]]] = []

    def cdx(request):
        params = parse_qs(urlsplit(request.url).query)
        asked.append(params)
        name = CDX_ANSWERS.get(params["url"][0])
        body = (FIXTURES / name).read_text() if name else ""  # never captured: an empty body
        return 200, {"Content-Type": "application/json"}, body

    no_network.add_callback("GET", CDX_URL, callback=cdx)
    for path, name in SNAPSHOTS.items():
        no_network.add(
            "GET",
            snapshot(path),
            body=(FIXTURES / name).read_bytes(),
            content_type="text/html; charset=utf-8",
        )
    no_network.cdx_asked = asked
    return no_network


@pytest.fixture
def pauses() -> list[float]:
    return []


def run(pauses, **options):
    return backfill("work", pause=7.5, sleep=pauses.append, **options)


def test_captures_are_listed_oldest_first_once_per_content(register, archive):
    captures = list_captures("work")

    assert [(c.timestamp, c.url, c.mimetype) for c in captures] == [
        ("20230708093000", OLD_URL, "text/html"),  # also captured at MID_URL a day later
        ("20230801120000", OLD_URL, "text/html"),
        ("20240905064500", MID_URL, "text/html"),
        ("20241001000000", MID_URL, "application/pdf"),
        ("20260805071200", NEW_URL, "text/html"),
    ]
    # One CDX query per known address of the Work register, as register.md names them.
    assert len(archive.cdx_asked) == 5
    assert archive.cdx_asked[0] == {
        "url": [NEW_URL],
        "output": ["json"],
        "filter": ["statuscode:200"],
        "collapse": ["digest"],
    }


def test_from_and_until_narrow_the_capture_index_query(register, archive):
    list_captures("work", since_year=2023, until=date(2024, 3, 31))

    assert archive.cdx_asked[0]["from"] == ["2023"]
    assert archive.cdx_asked[0]["to"] == ["20240331"]


def test_backfill_imports_each_edition_oldest_first_through_the_gates(register, archive, pauses):
    result = run(pauses)

    editions = Edition.objects.filter(register=register).order_by("published_on")
    assert [(e.published_on, e.date_source, e.row_count) for e in editions] == [
        (date(2023, 7, 7), "sentence", 5),
        (date(2024, 9, 3), "meta", 5),
        (date(2026, 8, 3), "sentence", 6),
    ]
    assert (result.stored, result.skipped, result.refused, result.failed) == (3, 2, 0, 0)
    first = editions[0]
    assert first.source_url == snapshot(f"20230708093000id_/{OLD_URL}")
    # The history is the sync's: a removal, an addition and a rename under one KvK number.
    september = editions[1]
    kinds = sorted(ListingEvent.objects.filter(edition=september).values_list("kind", "new_name"))
    assert kinds == [("added", ""), ("removed", ""), ("renamed", "CropX B.V.")]
    runs = SyncRun.objects.filter(trigger="backfill")
    assert runs.count() == 3 and all(run.status == "done" for run in runs)


def test_backfill_skips_a_capture_with_the_rows_of_a_stored_edition(register, archive, pauses):
    result = run(pauses)

    assert "2023-08-01 " + OLD_URL + ": skipped, same rows as an edition we hold" in result.lines
    assert "2024-10-01 " + MID_URL + ": skipped, application/pdf is not a page we can read" in (
        result.lines
    )
    assert len(archive.calls) == 5 + 4  # the PDF is never fetched


def test_backfill_pauses_between_snapshots_and_asks_one_at_a_time(register, archive, pauses):
    run(pauses)

    assert pauses == [7.5, 7.5, 7.5]  # four snapshots, a pause between each two


def test_backfill_is_no_look_at_the_live_page(register, archive, pauses):
    run(pauses)

    register.refresh_from_db()
    assert register.last_checked_at is None
    assert (register.etag, register.last_modified) == ("", "")


def test_a_second_backfill_adds_nothing(register, archive, pauses):
    run(pauses)
    again = run(pauses)

    assert again.stored == 0
    assert Edition.objects.filter(register=register).count() == 3
    assert again.lines[0] == (
        "4 captures before the edition of 3 August 2026 we hold are left out: they cannot "
        "hold a newer edition"
    )


def test_backfill_refuses_when_the_register_holds_a_newer_edition(register, archive, pauses):
    make_edition(date(2026, 10, 5), register=register)

    with pytest.raises(BackfillRefused) as refusal:
        run(pauses)

    assert str(refusal.value) == (
        "the Public register Work already holds the edition of 5 October 2026, newer than every "
        "capture (the last is of 5 August 2026); history only moves forward, so backfill an "
        "empty register, before its first sync or import"
    )
    assert not any("web/2" in call.request.url for call in archive.calls)  # no snapshot asked


def test_limit_fetches_that_many_snapshots(register, archive, pauses):
    result = run(pauses, limit=2)

    assert len(result.captures) == 2
    assert Edition.objects.filter(register=register).count() == 1  # the second had its rows


def test_a_dry_run_lists_the_captures_and_fetches_no_snapshot(register, archive, pauses):
    result = run(pauses, dry_run=True)

    assert result.lines[-1] == (
        f"2026-08-05 {NEW_URL}: would fetch {snapshot(f'20260805071200id_/{NEW_URL}')}"
    )
    assert len(archive.calls) == 5
    assert not Edition.objects.exists()


def test_a_snapshot_that_fails_or_does_not_parse_is_reported_and_the_rest_goes_on(
    register, archive, pauses
):
    archive.replace("GET", snapshot(f"20240905064500id_/{MID_URL}"), status=404)
    archive.replace(
        "GET",
        snapshot(f"20260805071200id_/{NEW_URL}"),
        body=b"<html><body><p>Wayback Machine: this page is not available</p></body></html>",
    )

    result = run(pauses)

    assert (result.stored, result.failed, result.refused) == (1, 1, 1)
    failed = [line for line in result.lines if ": failed, " in line]
    assert failed[0].startswith(f"2024-09-05 {MID_URL}: failed, web.archive.org answered 404")
    refused = [line for line in result.lines if ": refused, " in line]
    assert refused[0].startswith(f"2026-08-05 {NEW_URL}: refused, the page could not be read")


def test_a_gate_refusal_is_reported_and_kept_for_an_admin(register, archive, pauses):
    register.min_rows = 6
    register.save()

    result = run(pauses)

    assert (result.refused, result.stored) == (3, 1)  # only the 2026 page has 6 rows
    refused = SyncRun.objects.filter(trigger="backfill", status="refused").earliest("pk")
    assert refused.raw_gzip is not None
    assert "fewer than the 6 this register must have" in refused.message


def test_an_unreadable_capture_index_is_an_error(register, no_network, pauses):
    no_network.add("GET", CDX_URL, status=503)

    with pytest.raises(CommandError, match="could not read the archive's capture index"):
        call_command("backfill_archive", "--pause", "0")


def test_the_command_reports_each_capture(register, archive, capsys):
    call_command("backfill_archive", "--register", "work", "--pause", "0")

    out = capsys.readouterr().out
    assert f"2023-07-08 {OLD_URL}: work: stored edition of 7 July 2023, 5 rows" in out
    assert out.strip().endswith(
        "Public register Work: 3 stored, 2 skipped, 0 refused, 0 failed, of 4 captures"
    )


def test_the_command_says_why_there_is_nothing_to_backfill(register, archive):
    make_edition(date(2026, 10, 5), register=register)

    with pytest.raises(CommandError, match="nothing to backfill: the Public register Work already"):
        call_command("backfill_archive", "--pause", "0")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit must be 1 or more"),
        (["--pause", "-1"], "--pause cannot be negative"),
        (["--register", "bogus"], "invalid choice"),
        (["--until", "2026-13-01"], "invalid iso_date value"),
    ],
)
def test_the_command_refuses_bad_options(register, archive, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("backfill_archive", *args)


def test_import_page_goes_through_the_gates_and_keeps_a_refused_page(register):
    page = (FIXTURES / "snapshot_2023_07_td.html").read_bytes()
    register.min_rows = 10
    register.save()

    refused = import_page(page, register="work", url="https://example.org/copy", now=timezone.now())
    assert refused.status == "refused"
    assert SyncRun.objects.get(pk=refused.run_id).raw_gzip is not None

    stored = import_page(
        page, register="work", url="https://example.org/copy", now=timezone.now(), force=True
    )
    assert stored.status == "done"
    assert stored.edition_id is not None
    edition = Edition.objects.get(pk=stored.edition_id)
    assert (edition.source_url, edition.final_url) == ("https://example.org/copy",) * 2
    assert edition.raw_content_type == "text/html"
