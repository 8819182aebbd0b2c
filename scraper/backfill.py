"""Past editions from the Internet Archive: list its captures of a register's known URLs, fetch
each snapshot oldest first, and import it through the same gates and history as a sync.

History only moves forward (sync.check_plausible refuses an edition older than the one held),
so a backfill adds editions after the newest stored one: run it on an empty register, before
the first sync or the import of the shared copies, to start the history in 2023. Captures
taken before the newest stored edition cannot hold a newer one and are not fetched.

Polite by construction: one request at a time, a pause between snapshots, and no snapshot
fetched whose capture the archive already marks as identical (collapse=digest) or whose rows
hash to an edition we hold (it is skipped after parsing, without a write).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings

from registry.models import Edition, Register, SyncRun
from scraper.fetch import FetchError, fetch_json, fetch_page
from scraper.parse import ParseError, parse_csv, parse_register
from scraper.sync import get_register, import_page

log = logging.getLogger(__name__)

CDX_URL = "https://web.archive.org/cdx/search/cdx"
# "id_" asks for the bytes as captured, without the archive's toolbar or rewritten links.
SNAPSHOT_URL = "https://web.archive.org/web/{timestamp}id_/{url}"
DEFAULT_PAUSE = 5.0  # seconds between snapshots: the archive is a shared, free service
READABLE = {"text/html", "application/xhtml+xml", "text/csv"}  # not the PDFs of 2021-2023

# Every address each register has had as a web page (register.md, section 2), newest first.
# The Dutch pages hold the same rows; the archive may have captured one and not the other.
_HUB = "https://ind.nl/en/public-register-recognised-sponsors/"
ARCHIVED_URLS: dict[str, tuple[str, ...]] = {
    "work": (
        _HUB + "public-register-work",
        "https://ind.nl/nl/openbaar-register-erkende-referenten/openbaar-register-arbeid",
        _HUB + "public-register-regular-labour-and-highly-skilled-migrants",
        "https://ind.nl/nl/openbaar-register-erkende-referenten/"
        "openbaar-register-arbeid-regulier-kennismigranten",
        "https://ind.nl/en/public-register-regular-labour-and-highly-skilled-migrants",
    ),
    "exchange": (
        _HUB + "public-register-exchange",
        _HUB + "public-register-au-pair-and-exchange",
        "https://ind.nl/en/public-register-au-pair-and-exchange",
    ),
    "study": (
        _HUB + "public-register-study",
        "https://ind.nl/en/recognised-sponsor/public-register-educational-institutions",
    ),
    "research": (
        _HUB + "public-register-research",
        "https://ind.nl/en/public-register-scientific-researcher-directive-eu-2016801",
    ),
}


class BackfillRefused(Exception):
    """Nothing can be backfilled; the message says why and what to do instead."""


@dataclass(frozen=True, slots=True)
class Capture:
    timestamp: str  # YYYYMMDDhhmmss, the archive's own (UTC)
    url: str  # the address captured
    mimetype: str
    digest: str  # the archive's hash of the captured bytes

    @property
    def captured_on(self) -> date:
        return datetime.strptime(self.timestamp[:8], "%Y%m%d").replace(tzinfo=UTC).date()

    @property
    def snapshot_url(self) -> str:
        return SNAPSHOT_URL.format(timestamp=self.timestamp, url=self.url)

    def describe(self) -> str:
        return f"{self.captured_on.isoformat()} {self.url}"


@dataclass(slots=True)
class BackfillReport:
    captures: list[Capture] = field(default_factory=list)  # those considered, oldest first
    stored: int = 0
    skipped: int = 0  # same rows as a stored edition, unreadable type, or checked unchanged
    refused: int = 0  # by a gate, or unreadable
    failed: int = 0  # could not be fetched
    lines: list[str] = field(default_factory=list)


def list_captures(
    register: str,
    *,
    since_year: int | None = None,
    until: date | None = None,
    urls: Sequence[str] | None = None,
) -> list[Capture]:
    """The archive's captures (HTTP 200) of the register's addresses, oldest first, one per
    distinct content. One request per address. Raises FetchError if the archive fails."""
    captures: dict[str, Capture] = {}
    for url in urls if urls is not None else ARCHIVED_URLS[register]:
        params = {
            "url": url,
            "output": "json",
            "filter": "statuscode:200",
            "collapse": "digest",
        }
        if since_year is not None:
            params["from"] = str(since_year)
        if until is not None:
            params["to"] = until.strftime("%Y%m%d")
        answer = fetch_json(CDX_URL, params=params, backoff=settings.FETCH_BACKOFF_SECONDS)
        for capture in _captures_in(answer.data):
            # The same bytes at two addresses (or twice): keep the earliest capture.
            seen = captures.get(capture.digest)
            if seen is None or capture.timestamp < seen.timestamp:
                captures[capture.digest] = capture
    return sorted(captures.values(), key=lambda c: (c.timestamp, c.url))


def _captures_in(data: object) -> list[Capture]:
    """Rows of the CDX JSON answer: a header row of field names, then one row per capture."""
    if not isinstance(data, list) or not data:
        return []  # the archive answers an empty body (or []) for an address it never saw
    header, *rows = data
    if not isinstance(header, list):
        raise FetchError("the archive's capture index answered in an unexpected shape")
    columns = {name: i for i, name in enumerate(header)}
    missing = {"timestamp", "original", "mimetype", "digest"} - set(columns)
    if missing:
        raise FetchError(f"the archive's capture index lacks {', '.join(sorted(missing))}")
    return [
        Capture(
            timestamp=str(row[columns["timestamp"]]),
            url=str(row[columns["original"]]),
            mimetype=str(row[columns["mimetype"]]).lower(),
            digest=str(row[columns["digest"]]),
        )
        for row in rows
        if isinstance(row, list) and len(row) == len(header)
    ]


def backfill(
    register: str,
    *,
    since_year: int | None = None,
    until: date | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    pause: float = DEFAULT_PAUSE,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = lambda line: None,
) -> BackfillReport:
    """Import the archive's past editions of `register`, oldest first, through the gates.

    Raises BackfillRefused when the register already holds an edition newer than every
    capture (the "older" gate would refuse them all), and FetchError when the capture index
    cannot be read. A snapshot that fails to fetch, parse or pass a gate is reported and
    skipped; the others go on.
    """
    result = BackfillReport()

    def say(line: str) -> None:
        result.lines.append(line)
        report(line)

    row = get_register(register)
    captures = list_captures(register, since_year=since_year, until=until)
    if not captures:
        raise BackfillRefused(f"the archive holds no capture of the {row.name} in that period")
    newest = _newest_edition(row)
    if newest is not None:
        later = [c for c in captures if c.captured_on >= newest]
        if not later:
            raise BackfillRefused(
                f"the {row.name} already holds the edition of {newest:%-d %B %Y}, newer than "
                f"every capture (the last is of {captures[-1].captured_on:%-d %B %Y}); history "
                "only moves forward, so backfill an empty register, before its first sync "
                "or import"
            )
        if len(later) < len(captures):
            say(
                f"{len(captures) - len(later)} captures before the edition of "
                f"{newest:%-d %B %Y} we hold are left out: they cannot hold a newer edition"
            )
        captures = later
    readable = [c for c in captures if c.mimetype in READABLE]
    for capture in captures:
        if capture.mimetype not in READABLE:
            result.skipped += 1
            say(f"{capture.describe()}: skipped, {capture.mimetype} is not a page we can read")
    captures = readable[:limit] if limit is not None else readable
    result.captures = captures
    if dry_run:
        for capture in captures:
            say(f"{capture.describe()}: would fetch {capture.snapshot_url}")
        return result

    known = set(Edition.objects.filter(register=row).values_list("rows_sha256", flat=True))
    for number, capture in enumerate(captures):
        if number:
            sleep(pause)  # one request at a time, and a breath between them
        _import_capture(capture, register=register, known=known, result=result, say=say)
    say(
        f"{row.name}: {result.stored} stored, {result.skipped} skipped, {result.refused} "
        f"refused, {result.failed} failed, of {len(captures)} captures"
    )
    return result


def _newest_edition(register: Register) -> date | None:
    return (
        Edition.objects.filter(register=register)
        .order_by("-published_on")
        .values_list("published_on", flat=True)
        .first()
    )


def _import_capture(
    capture: Capture,
    *,
    register: str,
    known: set[str],
    result: BackfillReport,
    say: Callable[[str], None],
) -> None:
    where = capture.describe()
    try:
        page = fetch_page(capture.snapshot_url, backoff=settings.FETCH_BACKOFF_SECONDS)
    except FetchError as error:
        result.failed += 1
        say(f"{where}: failed, {error}")
        return
    content_type = "text/csv" if capture.mimetype == "text/csv" else "text/html"
    try:
        parsed = (
            parse_csv(page.text()) if content_type == "text/csv" else parse_register(page.content)
        )
    except ParseError as error:
        result.refused += 1
        say(f"{where}: refused, the page could not be read: {error}")
        return
    rows_sha256 = parsed.rows_sha256()
    if rows_sha256 in known:
        result.skipped += 1
        say(f"{where}: skipped, same rows as an edition we hold")
        return
    outcome = import_page(
        page.content,
        register=register,
        url=capture.snapshot_url,
        now=datetime.now(tz=UTC),
        content_type=content_type,
        trigger="backfill",
    )
    if outcome.status == SyncRun.Status.DONE:
        known.add(rows_sha256)
        result.stored += 1
    elif outcome.status == SyncRun.Status.UNCHANGED:
        result.skipped += 1
    else:
        result.refused += 1
    say(f"{where}: {outcome.summary()}")
