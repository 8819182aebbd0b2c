"""Bring a register up to date: fetch, parse, check, then write one edition in one transaction.

The order matters. The page is fetched and parsed before any transaction opens, so no lock or
transaction is held while the IND answers. The gates run before the first write, so a refused
edition changes nothing but its own SyncRun row, which keeps the page for an admin to inspect.
The gates are in scraper/gates.py, the writing in scraper/editions.py, the lock in
scraper/locks.py; this module runs them in order and records how each run ended.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from registry.context_processors import STILL_SERVING
from registry.models import Edition, Register, SyncRun
from scraper.editions import (
    Counts,
    apply_edition,
    group_rows,
    known_listings,
    listed_keys,
    refresh_statistics,
)
from scraper.fetch import FetchError, FetchResult, fetch_page
from scraper.gates import (
    SyncRefused,
    check_plausible,
    count_removals,
    hold_reason,
    removal_flag,
    removed_listings,
    tell_admins_held,
)
from scraper.locks import register_lock
from scraper.parse import (
    PARSER_VERSION,
    ParsedEdition,
    ParseError,
    parse_csv,
    parse_register,
)
from scraper.runs import SyncStopped, claim_run, fail_stale_runs, heartbeat

log = logging.getLogger(__name__)

PROGRESS_TIMEOUT = 60 * 60
# What visitors are told about the last check (Register.last_check_message): stored in English,
# translated when a page shows it (registry.context_processors.Freshness), so marked here only.
UNREACHABLE = gettext_noop("the IND website could not be reached at the last check")
CHECK_FAILED = gettext_noop("the last check failed")
NOT_ACCEPTED = gettext_noop("the latest IND page was not accepted")
IN_REVIEW = gettext_noop("a new edition is being reviewed before it is published")


# What migrations 0002 and 0005 seed, for a database emptied since (a test flush). The floors
# are far under each register's size (Work about 13,000 rows, Research about 150, Exchange
# about 30; Study unknown) and far over what a truncated page leaves.
_REGISTERS_URL = "https://ind.nl/en/public-register-recognised-sponsors/public-register-"
DEFAULT_REGISTERS: dict[str, dict[str, object]] = {
    "work": {"name": "Public register Work", "min_rows": 5000},
    "exchange": {
        "name": "Public register Exchange",
        "url": _REGISTERS_URL + "exchange",
        "min_rows": 10,
    },
    "study": {"name": "Public register Study", "url": _REGISTERS_URL + "study", "min_rows": 10},
    "research": {
        "name": "Public register Research",
        "url": _REGISTERS_URL + "research",
        "min_rows": 50,
    },
}


@dataclass(frozen=True, slots=True)
class SyncResult:
    run_id: int
    register: str
    status: str
    message: str = ""
    published_on: date | None = None
    rows_parsed: int = 0
    counts: Counts = field(default_factory=Counts)
    edition_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in (SyncRun.Status.DONE, SyncRun.Status.UNCHANGED)

    def summary(self) -> str:
        """One line for the command and the logs."""
        edition = f"edition of {self.published_on:%-d %B %Y}" if self.published_on else "edition"
        if self.status == SyncRun.Status.DONE:
            c = self.counts
            renamed = f"{c.renamed} renamed"
            if c.reformatted:
                renamed += f" (+{c.reformatted} in formatting only)"
            text = (
                f"{self.register}: stored {edition}, {self.rows_parsed:,} rows: {c.added} added, "
                f"{c.removed} removed, {renamed}, {c.unchanged:,} unchanged"
            )
            return f"{text}. {self.message}" if self.message else text
        if self.status == SyncRun.Status.UNCHANGED:
            return f"{self.register}: checked, unchanged ({self.message})"
        return f"{self.register}: {self.status}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["published_on"] = self.published_on.isoformat() if self.published_on else None
        return data


# --- Entry points ---------------------------------------------------------------------------


def get_register(slug: str) -> Register:
    """The register row, created with the known URL and gates the first time it is asked for."""
    defaults = dict(DEFAULT_REGISTERS.get(slug, {"name": slug.title(), "min_rows": 10}))
    if slug == "work":
        defaults["url"] = settings.IND_WORK_REGISTER_URL
    register, _ = Register.objects.get_or_create(slug=slug, defaults=defaults)
    return register


class RunAlreadyOpen(Exception):
    """A sync of the register is already queued or running: at most one is (a constraint)."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        super().__init__(f"a sync of this register is already {run.status} (run {run.pk})")


def _open_run(register: Register, *, now: datetime, **fields: Any) -> SyncRun:
    """Create a queued run, or raise RunAlreadyOpen with the one that is open.

    A run whose worker died is failed first (scraper.runs), so it blocks no one. The unique
    constraint on open runs decides a race: of ten simultaneous calls, one creates the run.
    """
    fail_stale_runs(register=register, now=now)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a refusal
            return SyncRun.objects.create(register=register, created_at=now, **fields)
    except IntegrityError:
        open_run = SyncRun.objects.filter(register=register, status__in=SyncRun.OPEN).first()
        if open_run is None:  # the open run finished meanwhile: not the constraint we know
            raise
        raise RunAlreadyOpen(open_run) from None


def queue_sync(
    *, register: str, trigger: str, now: datetime, url: str = "", force: bool = False
) -> SyncRun:
    """Record a sync as queued, so the admin sees it before a worker picks it up."""
    return _open_run(get_register(register), now=now, trigger=trigger, url=url, force=force)


class RunSuperseded(ValueError):
    """A held run a newer look has superseded: approving it would publish an older page."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        super().__init__(
            gettext("run %(run)s was superseded by run %(newer)s and can no longer be approved")
            % {"run": run.pk, "newer": run.superseded_by_id}
        )


def queue_acceptance(refused: SyncRun, *, now: datetime) -> SyncRun:
    """Queue a forced sync of the page a refused run kept: the admin has judged it right.

    Raises RunSuperseded for a held run a newer look superseded, ValueError for any other run
    that kept no page to accept, and RunAlreadyOpen while a sync of the register is open.
    """
    if refused.status == SyncRun.Status.SUPERSEDED:
        raise RunSuperseded(refused)
    if refused.status not in SyncRun.AWAITING_ADMIN or refused.raw_gzip is None:
        raise ValueError("only a refused or held run that kept its page can be accepted")
    return _open_run(
        refused.register,
        now=now,
        trigger="accept",
        url=refused.url,
        final_url=refused.final_url,
        force=True,
        raw_gzip=refused.raw_gzip,
        raw_content_type=refused.raw_content_type,
        accepted_from=refused,
    )


def run_sync(
    run_id: int,
    *,
    published_on: date | None = None,
    keep_names: bool = False,
    raise_retryable: bool = False,
    again: bool = False,
) -> SyncResult:
    """Run a queued sync to its end and record how it ended on the SyncRun row.

    `published_on` overrides the page's date (imports of saved pages); `keep_names` keeps the
    stored names of known KvK numbers (for copies whose names are known to be damaged).
    With `raise_retryable`, a fetch failure that trying later may mend (FetchError.retryable:
    no answer, 408, 429, 5xx) is recorded and then re-raised, so a task can retry it; every
    other failure ends in the result. `again` is that retry: it takes the same run once more.
    """
    run = SyncRun.objects.select_related("register").get(pk=run_id)
    register = run.register
    now = timezone.now()
    if not claim_run(run, now=now, again=again):  # cancelled or failed before a worker took it
        run.refresh_from_db()
        return SyncResult(
            run_id=run.pk, register=register.slug, status=run.status, message=run.message
        )
    with register_lock(register) as acquired, heartbeat(run.pk) as beat:
        if not acquired:
            return _finish(run, SyncRun.Status.SKIPPED, "another sync of this register is running")
        try:
            return _run_locked(
                run, now=now, published_on=published_on, keep_names=keep_names, beat=beat
            )
        except SyncStopped as stop:
            return _stopped(run, stop)
        except FetchError as error:
            result = _finish(run, SyncRun.Status.FAILED, f"could not fetch the register: {error}")
            _record_check(register, now=now, ok=False, message=UNREACHABLE, run=run)
            if raise_retryable and error.retryable:
                raise
            return result
        except Exception as error:  # recorded, then re-raised: a bug must not look like success
            log.exception("sync run %s failed", run.pk)
            _finish(run, SyncRun.Status.FAILED, f"internal error: {error!r}")
            _record_check(register, now=now, ok=False, message=CHECK_FAILED, run=run)
            raise


def start_in_thread(run_id: int) -> threading.Thread:
    """Run a queued sync in a daemon thread of this process and return at once (SYNC_IN_THREAD).

    For the local run, which has no worker: the admin's request returns and its progress page
    follows the run. The thread has a database connection of its own, closed at its end; a
    server stopped mid-run leaves a running run that the stale check fails like a dead worker's.
    """

    def work() -> None:
        try:
            run_sync(run_id)
        except Exception:  # recorded on the run by run_sync; a thread has no caller to tell
            log.exception("sync run %s failed in its thread", run_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work, name=f"sync-run-{run_id}", daemon=True)
    thread.start()
    return thread


def import_file(
    path: Path,
    *,
    register: str,
    published_on: date,
    now: datetime,
    force: bool = False,
    keep_names: bool = False,
) -> SyncResult:
    """Import a saved page or a CSV export through the same gates and history as a sync."""
    run = queue_sync(
        register=register, trigger="import", now=now, url=str(path.resolve()), force=force
    )
    return run_sync(run.pk, published_on=published_on, keep_names=keep_names)


def import_page(
    content: bytes,
    *,
    register: str,
    url: str,
    now: datetime,
    content_type: str = "text/html",
    trigger: str = "backfill",
    published_on: date | None = None,
    force: bool = False,
) -> SyncResult:
    """Import a page fetched elsewhere (an archived copy) through the same gates and history.

    The run carries the page, as an accepted refusal does, so nothing is fetched again and a
    refusal keeps it for an admin. `url` is where the page came from (for an archived copy,
    the archive's address), recorded as the edition's source.
    """
    run = _open_run(
        get_register(register),
        now=now,
        trigger=trigger,
        url=url,
        final_url=url,
        force=force,
        raw_gzip=gzip.compress(content, compresslevel=6),
        raw_content_type=content_type,
    )
    return run_sync(run.pk, published_on=published_on)


# --- The run ----------------------------------------------------------------------------------


def _run_locked(
    run: SyncRun,
    *,
    now: datetime,
    published_on: date | None,
    keep_names: bool,
    beat: Callable[[], None] = lambda: None,
) -> SyncResult:
    register = run.register
    # A newer look may have come between the admin's click and now (the run is read fresh).
    origin = run.accepted_from
    if origin is not None and origin.status == SyncRun.Status.SUPERSEDED:
        return _finish(run, SyncRun.Status.FAILED, str(RunSuperseded(origin)))
    page = _fetch(run, register)
    beat()
    if page.not_modified:
        _record_check(register, now=now, ok=True, message="", run=run)
        return _finish(run, SyncRun.Status.UNCHANGED, "the IND page has not changed (HTTP 304)")

    raw = page.content
    run.final_url = page.final_url
    try:
        parsed = _parse(page)
    except ParseError as error:
        return _refuse(run, raw, page.content_type, now, f"the page could not be read: {error}")
    _progress(run, rows_parsed=len(parsed.rows), rows_written=0)
    beat()
    run.rows_parsed = len(parsed.rows)

    edition_date = published_on or parsed.published_on
    date_source = Edition.DateSource.GIVEN if published_on else parsed.date_source
    if edition_date is None:
        return _refuse(run, raw, page.content_type, now, "the page states no 'last updated' date")
    run.published_on = edition_date

    previous = register.current_edition
    rows_sha256 = run.rows_sha256 = parsed.rows_sha256()
    if previous is not None and previous.rows_sha256 == rows_sha256:
        _remember_validators(register, page)
        _record_check(register, now=now, ok=True, message="", run=run)
        note = f"same rows as the edition of {previous.published_on:%-d %B %Y}"
        if edition_date != previous.published_on:
            note += f"; the page now says {edition_date:%-d %B %Y}"
        return _finish(run, SyncRun.Status.UNCHANGED, note, edition=previous)

    try:
        check_plausible(
            parsed, register=register, previous=previous, published_on=edition_date, force=run.force
        )
    except SyncRefused as refusal:
        return _refuse(run, raw, page.content_type, now, str(refusal))
    # A forced or accepted page has been judged by an admin already; so has an import or a
    # backfill, run at the command line by one who reads what it removed.
    # Read once, as plain values, for the gate and the writing alike (editions.known_listings).
    known = known_listings(register)
    entries = group_rows(parsed.rows)
    if not run.force and run.trigger not in SyncRun.NOT_A_LOOK:
        removals = count_removals(listed_keys(known), entries)
        if reason := hold_reason(removals):
            told = _held_before(run)  # before _supersede_held makes it superseded
            if told is not None and told.status == SyncRun.Status.REJECTED:
                # An admin judged these very rows wrong: not held (and announced) once more.
                _record_check(register, now=now, ok=True, message="", run=run)
                again = gettext("the same rows as run %(run)s, which was %(why)s") % {
                    "run": told.pk,
                    "why": told.message,
                }
                return _finish(run, SyncRun.Status.REJECTED, again)
            held = _refuse(run, raw, page.content_type, now, reason, status=SyncRun.Status.HELD)
            _supersede_held(run)
            if told is None:
                tell_admins_held(run, removed_listings(register, removals))
            return held

    with transaction.atomic():
        edition = Edition.objects.create(
            register=register,
            published_on=edition_date,
            date_source=date_source,
            fetched_at=now,
            source_url=run.url or register.url,
            final_url=page.final_url,
            row_count=len(parsed.rows),
            kvk_count=parsed.kvk_count,
            rows_sha256=rows_sha256,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            raw_gzip=gzip.compress(raw, compresslevel=6),
            raw_content_type=page.content_type,
            parser_version=PARSER_VERSION,
        )
        counts = apply_edition(
            parsed,
            edition=edition,
            previous=previous,
            keep_names=keep_names,
            now=now,
            known=known,
            entries=entries,
            progress=lambda written: _progress_and_beat(
                run, rows_parsed=len(parsed.rows), rows_written=written, beat=beat
            ),
        )
        flagged = removal_flag(counts.removed)
        Edition.objects.filter(pk=edition.pk).update(
            added=counts.added,
            readded=counts.readded,
            removed=counts.removed,
            renamed=counts.renamed,
            reformatted=counts.reformatted,
            unchanged=counts.unchanged,
            flagged=flagged,
        )
        register.current_edition = edition
        register.save(update_fields=["current_edition"])
        if run.accepted_from_id is not None:  # its page is this edition's now: nothing to approve
            SyncRun.objects.filter(pk=run.accepted_from_id).update(raw_gzip=None)
        _supersede_held(run)
    _remember_validators(register, page)
    _record_check(register, now=now, ok=True, message="", run=run)
    refresh_statistics()
    return _finish(run, SyncRun.Status.DONE, flagged, edition=edition, counts=counts)


def _held_before(run: SyncRun) -> SyncRun | None:
    """The latest earlier run of the register that held the rows `run` saw (their hash, as
    editions are told apart) against the edition served now, whether it still waits, was
    superseded or was rejected since: the admins were told of it then. None if there is none.
    A page the IND leaves as it is is held again on every daily look; one mail is enough."""
    register = run.register
    earlier = SyncRun.objects.filter(
        register_id=register.pk,
        status__in=(SyncRun.Status.HELD, SyncRun.Status.SUPERSEDED, SyncRun.Status.REJECTED),
        rows_sha256=run.rows_sha256,
        pk__lt=run.pk,
    )
    if register.current_edition_id is not None:  # held against this edition, not an older one
        published_by = SyncRun.objects.filter(
            edition_id=register.current_edition_id, status=SyncRun.Status.DONE
        ).values("pk")[:1]
        earlier = earlier.filter(pk__gt=published_by)
    return earlier.only("pk", "status", "message").order_by("-pk").first()


def _supersede_held(run: SyncRun) -> int:
    """Mark superseded by `run` (which published, or was held itself) the earlier held runs of
    its register, so an old page can never be approved over a newer edition. A held run an
    acceptance published is left alone: it was approved, not superseded. Returns how many."""
    approved = SyncRun.objects.filter(
        status=SyncRun.Status.DONE, accepted_from__isnull=False
    ).values("accepted_from_id")
    earlier = SyncRun.objects.filter(
        register_id=run.register_id, status=SyncRun.Status.HELD, pk__lt=run.pk
    ).exclude(pk__in=approved)
    if run.accepted_from_id is not None:  # not DONE yet: it is publishing now
        earlier = earlier.exclude(pk=run.accepted_from_id)
    # The page goes: kept only while an admin may still approve it (as in _finish).
    return earlier.update(status=SyncRun.Status.SUPERSEDED, superseded_by=run, raw_gzip=None)


def _fetch(run: SyncRun, register: Register) -> FetchResult:
    if run.raw_gzip is not None:  # an accepted refusal, or an archived copy (import_page)
        content = gzip.decompress(bytes(run.raw_gzip))
        return FetchResult(
            url=run.url,
            final_url=run.final_url or run.url,
            status=200,
            content=content,
            content_type=run.raw_content_type or "text/html",
            encoding=None,
            etag="",
            last_modified="",
            attempts=0,
        )
    url = run.url or register.url
    run.url = url
    conditional = not run.force and url == register.url  # validators belong to that URL
    return fetch_page(
        url,
        etag=register.etag if conditional else "",
        last_modified=register.last_modified if conditional else "",
        backoff=settings.FETCH_BACKOFF_SECONDS,
        allowed_hosts=settings.REGISTER_URL_HOSTS,  # checked for the URL and every redirect
    )


def _parse(page: FetchResult) -> ParsedEdition:
    if page.content_type == "text/csv":
        return parse_csv(page.text())
    return parse_register(page.content)


# --- Bookkeeping --------------------------------------------------------------------------------


def progress_key(run_id: int) -> str:
    return f"erkend:sync-progress:{run_id}"


def _progress(run: SyncRun, *, rows_parsed: int, rows_written: int) -> None:
    # The cache, not the row: the run's transaction is still open, so nobody else could read it.
    cache.set(
        progress_key(run.pk),
        {"rows_parsed": rows_parsed, "rows_written": rows_written},
        PROGRESS_TIMEOUT,
    )


def _progress_and_beat(
    run: SyncRun, *, rows_parsed: int, rows_written: int, beat: Callable[[], None]
) -> None:
    _progress(run, rows_parsed=rows_parsed, rows_written=rows_written)
    beat()  # raises SyncStopped inside the edition's transaction: nothing is published


def _stopped(run: SyncRun, stop: SyncStopped) -> SyncResult:
    """The result of a run stopped at a heartbeat: what its row says (another process ended
    it), nothing written here."""
    run.refresh_from_db()
    cache.delete(progress_key(run.pk))
    log.warning("sync run %s stopped: %s", run.pk, stop)
    return SyncResult(
        run_id=run.pk,
        register=run.register.slug,
        status=run.status,
        message=run.message or str(stop),
        rows_parsed=run.rows_parsed,
    )


def read_progress(run: SyncRun) -> dict[str, int]:
    """Live progress of a running sync; the stored figures once it has finished."""
    live = cache.get(progress_key(run.pk)) if not run.is_finished else None
    if live:
        return dict(live)
    return {"rows_parsed": run.rows_parsed, "rows_written": run.rows_written}


def _refuse(
    run: SyncRun,
    raw: bytes,
    content_type: str,
    now: datetime,
    reason: str,
    *,
    status: str = SyncRun.Status.REFUSED,
) -> SyncResult:
    """End a run without writing an edition, keeping the page for an admin: refused (it does
    not look like the register) or held (it looks right but removes too many at once)."""
    run.raw_gzip = gzip.compress(raw, compresslevel=6)
    run.raw_content_type = content_type
    register = run.register
    current = register.current_edition
    kept = f"{STILL_SERVING}{current.published_on:%-d %B %Y}" if current else ""
    if status == SyncRun.Status.HELD:  # the check itself went fine: visitors are told why
        _record_check(register, now=now, ok=True, message=IN_REVIEW + kept, run=run)
    else:
        _record_check(register, now=now, ok=False, message=NOT_ACCEPTED + kept, run=run)
    return _finish(run, status, reason)


def _finish(
    run: SyncRun,
    status: str,
    message: str,
    *,
    edition: Edition | None = None,
    counts: Counts | None = None,
) -> SyncResult:
    counts = counts or Counts()
    run.status = status
    run.message = message
    run.finished_at = run.heartbeat_at = timezone.now()
    run.edition = edition
    run.rows_written = counts.rows_written
    run.added, run.removed, run.renamed = counts.added, counts.removed, counts.renamed
    run.reformatted, run.unchanged = counts.reformatted, counts.unchanged
    if status not in SyncRun.AWAITING_ADMIN:
        run.raw_gzip = None  # kept only while an admin may still accept it; editions keep theirs
    run.save()
    cache.delete(progress_key(run.pk))
    result = SyncResult(
        run_id=run.pk,
        register=run.register.slug,
        status=status,
        message=message,
        published_on=run.published_on or (edition.published_on if edition else None),
        rows_parsed=run.rows_parsed,
        counts=counts,
        edition_id=edition.pk if edition else None,
    )
    log.info("sync run %s: %s", run.pk, result.summary())
    return result


def _record_check(
    register: Register, *, now: datetime, ok: bool, message: str, run: SyncRun | None = None
) -> None:
    """What visitors are told about our last look at the live page. An import is no look."""
    if run is not None and run.trigger in SyncRun.NOT_A_LOOK:
        return  # a saved page or an archived copy says nothing about the live page
    Register.objects.filter(pk=register.pk).update(
        last_checked_at=now, last_check_ok=ok, last_check_message=message[:500]
    )


def _remember_validators(register: Register, page: FetchResult) -> None:
    if page.attempts == 0 or page.final_url.startswith("file:"):
        return  # a stored or local page says nothing about the live one
    Register.objects.filter(pk=register.pk).update(
        etag=page.etag[:200], last_modified=page.last_modified[:100]
    )


def preview_refused(run: SyncRun) -> dict[str, object]:
    """What a refused page holds and what accepting it would change. Writes nothing."""
    if run.raw_gzip is None:
        return {}
    page = _fetch(run, run.register)
    try:
        parsed = _parse(page)
    except ParseError as error:
        return {"error": str(error)}
    listed = listed_keys(known_listings(run.register))
    keys = group_rows(parsed.rows).keys()
    removals = count_removals(listed, keys)
    return {
        "published_on": parsed.published_on,
        "rows": len(parsed.rows),
        "kvk_count": parsed.kvk_count,
        "would_add": len(keys - listed),
        "would_remove": removals.count,
        "removed": removed_listings(run.register, removals),
        "warnings": parsed.warnings[:20],
        "sample": parsed.rows[:10],
    }
