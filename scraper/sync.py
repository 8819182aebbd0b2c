"""Bring a register up to date: fetch, parse, check, then write one edition in one transaction.

The order matters. The page is fetched and parsed before any transaction opens, so no lock or
transaction is held while the IND answers. The gates run before the first write, so a refused
edition changes nothing but its own SyncRun row, which keeps the page for an admin to inspect.
Nothing is deleted: a company that leaves gets a date, a rename gets a name record and an event.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_admins
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from registry.models import (
    Company,
    Edition,
    Listing,
    ListingEvent,
    ListingName,
    Register,
    SyncRun,
)
from registry.text import name_key, search_text, sort_key
from scraper.fetch import FetchError, FetchResult, fetch_page
from scraper.inserts import insert_rows
from scraper.parse import (
    PARSER_VERSION,
    ParsedEdition,
    ParseError,
    RegisterRow,
    format_key,
    parse_csv,
    parse_register,
)
from scraper.runs import SyncStopped, fail_stale_runs, heartbeat

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound=models.Model)

# The share of rows that must carry a valid KvK number (today: 4 rows in 13,000 do not).
MIN_KVK_SHARE = 0.99
# More removals than this in one edition is unusual (a normal month drops 5 to 40), but the
# 2025 purge of 279 was real: such an edition is stored and flagged for review, not refused.
FLAG_REMOVALS_OVER = 100
PROGRESS_TIMEOUT = 60 * 60
UNREACHABLE = "the IND website could not be reached at the last check"
_LOCK_NAMESPACE = 0x45524B  # "ERK": keeps our advisory lock ids apart from anyone else's

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


class SyncRefused(Exception):
    """A gate refused the edition; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Counts:
    added: int = 0
    removed: int = 0
    renamed: int = 0
    reformatted: int = 0
    unchanged: int = 0
    rows_written: int = 0


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


def queue_sync(
    *, register: str, trigger: str, now: datetime, url: str = "", force: bool = False
) -> SyncRun:
    """Record a sync as queued, so the admin sees it before a worker picks it up."""
    fail_stale_runs(register=get_register(register), now=now)  # a dead run must block no one
    return SyncRun.objects.create(
        register=get_register(register), trigger=trigger, url=url, force=force, created_at=now
    )


def queue_acceptance(refused: SyncRun, *, now: datetime) -> SyncRun:
    """Queue a forced sync of the page a refused run kept: the admin has judged it right."""
    if refused.status not in SyncRun.AWAITING_ADMIN or refused.raw_gzip is None:
        raise ValueError("only a refused or held run that kept its page can be accepted")
    return SyncRun.objects.create(
        register=refused.register,
        trigger="accept",
        url=refused.url,
        final_url=refused.final_url,
        force=True,
        created_at=now,
        raw_gzip=refused.raw_gzip,
        raw_content_type=refused.raw_content_type,
        accepted_from=refused,
    )


def run_sync(
    run_id: int,
    *,
    published_on: date | None = None,
    keep_names: bool = False,
    raise_fetch_errors: bool = False,
) -> SyncResult:
    """Run a queued sync to its end and record how it ended on the SyncRun row.

    `published_on` overrides the page's date (imports of saved pages); `keep_names` keeps the
    stored names of known KvK numbers (for copies whose names are known to be damaged).
    With `raise_fetch_errors`, a fetch failure is recorded and then re-raised so a task can
    retry it; otherwise every failure ends in the result.
    """
    run = SyncRun.objects.select_related("register").get(pk=run_id)
    register = run.register
    now = timezone.now()
    run.status = SyncRun.Status.RUNNING
    run.started_at = run.heartbeat_at = now
    run.save(update_fields=["status", "started_at", "heartbeat_at"])
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
            if raise_fetch_errors:
                raise
            return result
        except Exception as error:  # recorded, then re-raised: a bug must not look like success
            log.exception("sync run %s failed", run.pk)
            _finish(run, SyncRun.Status.FAILED, f"internal error: {error!r}")
            _record_check(register, now=now, ok=False, message="the last check failed", run=run)
            raise


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
    run = SyncRun.objects.create(
        register=get_register(register),
        trigger=trigger,
        url=url,
        final_url=url,
        force=force,
        created_at=now,
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
    rows_sha256 = parsed.rows_sha256()
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
    if not run.force and run.trigger not in SyncRun.NOT_A_LOOK:
        removed = would_remove(register, parsed)
        if reason := hold_reason(register, removed):
            held = _refuse(run, raw, page.content_type, now, reason, status=SyncRun.Status.HELD)
            _tell_admins_held(run, removed)
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
            progress=lambda written: _progress_and_beat(
                run, rows_parsed=len(parsed.rows), rows_written=written, beat=beat
            ),
        )
        flagged = ""
        if counts.removed > FLAG_REMOVALS_OVER:
            flagged = (
                f"{counts.removed} companies left the register in one edition (usually 5 to "
                "40); check the page before relying on the removals"
            )
        Edition.objects.filter(pk=edition.pk).update(
            added=counts.added,
            removed=counts.removed,
            renamed=counts.renamed,
            reformatted=counts.reformatted,
            unchanged=counts.unchanged,
            flagged=flagged,
        )
        register.current_edition = edition
        register.save(update_fields=["current_edition"])
    _remember_validators(register, page)
    _record_check(register, now=now, ok=True, message="", run=run)
    refresh_statistics()
    return _finish(run, SyncRun.Status.DONE, flagged, edition=edition, counts=counts)


def refresh_statistics() -> None:
    """Let PostgreSQL re-plan with the new rows now rather than when autovacuum gets to it.

    After the first import the tables go from empty to 13,000 rows; with the statistics of
    empty tables the planner chose plans that made a search take 250 ms instead of 5 ms until
    autovacuum ran. About 0.1 s, once per accepted edition.
    """
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Company, Listing, ListingName, ListingEvent)]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


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


def check_plausible(
    parsed: ParsedEdition,
    *,
    register: Register,
    previous: Edition | None,
    published_on: date,
    force: bool,
) -> None:
    """Raise SyncRefused when the edition does not look like the register. Writes nothing."""
    if previous is not None and published_on < previous.published_on:
        # Even with force: history only moves forward, or "removed since" would lie.
        raise SyncRefused(
            f"the edition of {published_on:%-d %B %Y} is older than the one we hold "
            f"({previous.published_on:%-d %B %Y})"
        )
    if force:
        return
    rows = len(parsed.rows)
    if rows < register.min_rows:
        raise SyncRefused(
            f"only {rows:,} rows, fewer than the {register.min_rows:,} this register must have"
        )
    with_kvk = sum(1 for row in parsed.rows if row.kvk_number)
    if with_kvk < MIN_KVK_SHARE * rows:
        raise SyncRefused(
            f"only {with_kvk:,} of {rows:,} rows carry a valid KvK number "
            f"(at least {MIN_KVK_SHARE:.0%} must)"
        )
    if previous is not None and previous.row_count:
        change = (rows - previous.row_count) / previous.row_count
        if abs(change) * 100 > register.max_change_percent:
            direction = "shrank" if change < 0 else "grew"
            raise SyncRefused(
                f"the register {direction} by {abs(change):.0%} ({previous.row_count:,} to "
                f"{rows:,} rows); more than {register.max_change_percent} % needs an admin"
            )


def would_remove(register: Register, parsed: ParsedEdition) -> list[Listing]:
    """The listings of `register` listed now that `parsed` no longer has, A-Z. Writes nothing."""
    keys = set(group_rows(parsed.rows))
    listed = Listing.objects.filter(register=register, removed_on__isnull=True).select_related(
        "company"
    )
    return sorted(
        (
            listing
            for listing in listed.only(
                "name", "first_listed", "company__key", "company__kvk_number"
            )
            if listing.company.key not in keys
        ),
        key=lambda listing: listing.name.casefold(),
    )


def hold_reason(register: Register, removed: list[Listing]) -> str:
    """Why an edition that removes `removed` must wait for an admin, or "" when it need not.

    Real months remove 5 to 40 of some 13,000 employers; removing more than REMOVAL_HOLD_PERCENT
    of the listed ones is more likely a broken page than a real purge, and a job seeker told
    "no longer listed" may act on it. So the edition is kept, not published, until approved.
    """
    listed = Listing.objects.filter(register=register, removed_on__isnull=True).count()
    if not listed or not removed:
        return ""
    share = 100 * len(removed) / listed
    if share <= settings.REMOVAL_HOLD_PERCENT:
        return ""
    return (
        f"it would remove {len(removed):,} of the {listed:,} listed employers ({share:.1f} %, "
        f"more than {settings.REMOVAL_HOLD_PERCENT:g} %): held until an admin approves it"
    )


def _tell_admins_held(run: SyncRun, removed: list[Listing], *, shown: int = 50) -> None:
    """Mail the admins (settings.ADMINS) what the held edition would remove. Never raises."""
    register = run.register
    served = register.current_edition
    lines = [
        f"A new edition of the {register.name} was fetched but not published: {run.message}.",
        "",
        f"Edition on the page: {run.published_on or 'no date'}; still serving: "
        f"{served.published_on if served else 'nothing yet'}.",
        f"Review it and approve or leave it in the admin: "
        f"{reverse('admin:registry_syncrun_change', args=[run.pk])}",
        "",
        f"Employers it would remove (first {min(shown, len(removed))} of {len(removed):,}):",
        *(
            f"- {listing.name} (KvK {listing.company.kvk_number or 'none'})"
            for listing in removed[:shown]
        ),
    ]
    try:
        mail_admins(f"{register.name}: edition held, {len(removed):,} removals", "\n".join(lines))
    except Exception:  # the run is recorded and shown in the admin; a mail server is no gate
        log.exception("could not mail the admins about held run %s", run.pk)


# --- Writing an edition -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Known:
    pk: int
    key: str
    company_id: int
    name: str
    removed_on: date | None


@dataclass(slots=True)
class _Entry:
    """The rows of one key in an edition: usually one; two for one KvK listed under two names."""

    key: str
    kvk_number: str
    names: dict[str, str]  # name_raw -> display name, in page order

    @property
    def name(self) -> str:
        return next(iter(self.names.values()))


def group_rows(rows: tuple[RegisterRow, ...]) -> dict[str, _Entry]:
    """Rows by identity: the KvK number, or a key from the name for rows without one."""
    entries: dict[str, _Entry] = {}
    for row in rows:
        key = row.kvk_number or name_key(row.name)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = _Entry(key=key, kvk_number=row.kvk_number or "", names={})
        entry.names.setdefault(row.name_raw, row.name)
    return entries


LISTING_COLUMNS = ("company_id", "register_id", "name", "sort_name", "first_listed", "last_listed")
NAME_COLUMNS = (
    "listing_id",
    "name_raw",
    "name",
    "search_text",
    "first_edition_id",
    "last_edition_id",
)
EVENT_COLUMNS = ("listing_id", "edition_id", "kind", "old_name", "new_name", "format_only")


def _new_company(entry: _Entry, *, now: datetime) -> tuple[str, str, str, int, datetime | None]:
    """A row for a company new to the database: with a KvK number, first in the enrichment
    queue and due now; without one, never enriched (the model's defaults)."""
    if entry.kvk_number:
        return entry.key, entry.kvk_number, entry.name, Company.EnrichPriority.NEW.value, now
    return entry.key, "", entry.name, Company.EnrichPriority.FIRST.value, None


def apply_edition(
    parsed: ParsedEdition,
    *,
    edition: Edition,
    previous: Edition | None,
    now: datetime,
    keep_names: bool = False,
    progress: Callable[[int], None] = lambda written: None,
) -> Counts:
    """Write what changed between `previous` and `edition`. Call inside a transaction.

    New and returning KvK numbers go first in the enrichment queue, due `now`
    (scraper/enrich.py); companies without a KvK number are not queued.
    """
    register = edition.register
    day = edition.published_on
    edition_id = edition.pk
    entries = group_rows(parsed.rows)
    written = 0

    known = {
        row[1]: _Known(*row)
        for row in Listing.objects.filter(register=register).values_list(
            "pk", "company__key", "company_id", "name", "removed_on"
        )
    }
    current_names: dict[int, dict[str, int]] = {}  # listing -> name_raw -> ListingName pk
    if previous is not None:
        for pk, listing_id, name_raw in ListingName.objects.filter(
            listing__register=register, last_edition=previous
        ).values_list("pk", "listing_id", "name_raw"):
            current_names.setdefault(listing_id, {})[name_raw] = pk

    # 1. Companies and listings that are new to this register. A company new to the database
    # is written queued for enrichment; one known from another register is queued in step 3.
    new_keys = [key for key in entries if key not in known]
    # Of those, the companies known from another register: they are among the companies with no
    # listing here, which one query without parameters lists (none or a few hundred, for Work).
    # Asking by key took 13,000 parameters on a first import, whose parsing cost 0.2 s.
    new_key_set = set(new_keys)
    company_of = {
        key: pk
        for key, pk in Company.objects.exclude(listings__register=register).values_list("key", "pk")
        if key in new_key_set
    }
    to_queue = list(company_of.values())
    missing = [key for key in new_keys if key not in company_of]
    company_ids = insert_rows(
        Company,
        columns=("key", "kvk_number", "name", "enrich_priority", "enrich_after"),
        rows=[_new_company(entries[key], now=now) for key in missing],
    )
    company_of.update(zip(missing, company_ids, strict=True))
    written += len(missing)
    listing_rows = []
    for key in new_keys:
        name = entries[key].name
        listing_rows.append((company_of[key], register.pk, name, sort_key(name), day, day))
    new_listing_ids = insert_rows(Listing, columns=LISTING_COLUMNS, rows=listing_rows)
    written += len(new_listing_ids)
    progress(written)
    listing_of = {key: row.pk for key, row in known.items()}
    listing_of.update(zip(new_keys, new_listing_ids, strict=True))

    # 2. Events and names, decided in memory, as rows for insert_rows().
    events: list[tuple[int, int, str, str, str, bool]] = []  # see EVENT_COLUMNS
    readded: list[int] = []
    names_to_create: list[tuple[int, str, str, str, int, int]] = []  # see NAME_COLUMNS
    names_to_extend: list[int] = []
    renamed_listings: set[int] = set()
    new_display: dict[str, str] = {}  # key -> display name, where it differs from the stored one
    renamed = reformatted = 0
    for key, entry in entries.items():
        listing_id = listing_of[key]
        if key not in known:
            events.append((listing_id, edition_id, "added", "", "", False))
        elif known[key].removed_on is not None:
            readded.append(listing_id)
            to_queue.append(known[key].company_id)
            events.append((listing_id, edition_id, "readded", "", "", False))
        before = current_names.get(listing_id, {})
        if keep_names and before:
            names_to_extend.extend(before.values())
            continue
        if key in known and known[key].name != entry.name:
            new_display[key] = entry.name
        if before and set(before) != set(entry.names):
            format_only = _format_keys(before) == _format_keys(entry.names)
            old_name = _display_of(before)
            events.append((listing_id, edition_id, "renamed", old_name, entry.name, format_only))
            if format_only:
                reformatted += 1
            else:
                renamed += 1
            renamed_listings.add(listing_id)
        for name_raw, display in entry.names.items():
            if name_raw in before:
                names_to_extend.append(before[name_raw])
            else:
                names_to_create.append(
                    (listing_id, name_raw, display, search_text(display), edition_id, edition_id)
                )

    # A name used again after a gap (a nickname dropped for one edition, then back) exists
    # already: extend that record instead of creating a second one. Only a listing that was
    # there before this edition can have one, so the first import asks nothing.
    new_listings = set(new_listing_ids)
    wanted = {(n[0], n[1]) for n in names_to_create if n[0] not in new_listings}
    if wanted:
        reused = ListingName.objects.filter(
            listing_id__in={listing_id for listing_id, _ in wanted},
            name_raw__in={name_raw for _, name_raw in wanted},
        ).values_list("pk", "listing_id", "name_raw")
        found = set()
        for pk, listing_id, name_raw in reused:
            if (listing_id, name_raw) in wanted:
                found.add((listing_id, name_raw))
                names_to_extend.append(pk)
        names_to_create = [n for n in names_to_create if (n[0], n[1]) not in found]

    insert_rows(ListingName, columns=NAME_COLUMNS, rows=names_to_create)
    written += len(names_to_create)
    progress(written)
    written += _update_in_chunks(ListingName.objects.all(), names_to_extend, last_edition=edition)
    progress(written)

    # 3. Listings: who left, who came back, who is still here, and their names.
    present = {listing_of[key] for key in entries}
    gone = [row.pk for row in known.values() if row.removed_on is None and row.pk not in present]
    events.extend((pk, edition_id, "removed", "", "", False) for pk in gone)
    written += _update_in_chunks(Listing.objects.all(), gone, removed_on=day)
    written += _update_in_chunks(Listing.objects.all(), readded, removed_on=None)
    # Only the rows whose date changes: a new listing has it already. Written still counts
    # every listed row, as when this UPDATE touched them all, and they are the listings present.
    Listing.objects.filter(register=register, removed_on__isnull=True).exclude(
        last_listed=day
    ).update(last_listed=day)
    written += len(present)
    Listing.objects.bulk_update(
        [
            Listing(pk=known[key].pk, name=name, sort_name=sort_key(name))
            for key, name in new_display.items()
        ],
        ["name", "sort_name"],
        batch_size=1000,
    )
    Company.objects.bulk_update(
        [Company(pk=known[key].company_id, name=name) for key, name in new_display.items()],
        ["name"],
        batch_size=1000,
    )
    written += 2 * len(new_display)
    # Companies known before that came (back) to this register: first in the queue, due now.
    _update_in_chunks(
        Company.objects.exclude(kvk_number=""),
        to_queue,
        enrich_priority=Company.EnrichPriority.NEW,
        enrich_after=now,
    )
    insert_rows(ListingEvent, columns=EVENT_COLUMNS, rows=events)
    written += len(events)
    progress(written)

    added = len(new_keys) + len(readded)
    return Counts(
        added=added,
        removed=len(gone),
        renamed=renamed,
        reformatted=reformatted,
        unchanged=len(entries) - added - len(renamed_listings),
        rows_written=written,
    )


def _display_of(names: dict[str, int]) -> str:
    from scraper.parse import display_name

    return display_name(next(iter(names)))


def _format_keys(names: dict[str, str] | dict[str, int]) -> set[str]:
    return {format_key(name_raw) for name_raw in names}


def _update_in_chunks(queryset: QuerySet[_M], pks: list[int], **changes: object) -> int:
    total = 0
    for start in range(0, len(pks), 5000):
        total += queryset.filter(pk__in=pks[start : start + 5000]).update(**changes)
    return total


# --- Bookkeeping --------------------------------------------------------------------------------


@contextmanager
def advisory_lock(key: int) -> Iterator[bool]:
    """Try a PostgreSQL session advisory lock for the whole block; yield whether we hold it.

    The database releases it if the worker dies. Other databases (SQLite, for the local run:
    one process, one writer at a time) always grant it.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def register_lock(register: Register) -> contextlib.AbstractContextManager[bool]:
    """The lock on syncing this register, held for the whole run, fetch included."""
    return advisory_lock((_LOCK_NAMESPACE << 20) + register.pk)


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
    kept = f"; still serving the edition of {current.published_on:%-d %B %Y}" if current else ""
    if status == SyncRun.Status.HELD:  # the check itself went fine: visitors are told why
        message = f"a new edition is being reviewed before it is published{kept}"
        _record_check(register, now=now, ok=True, message=message, run=run)
    else:
        message = f"the latest IND page was not accepted{kept}"
        _record_check(register, now=now, ok=False, message=message, run=run)
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


def raw_page(edition: Edition) -> bytes:
    """The stored page of an edition, as fetched."""
    return gzip.decompress(bytes(edition.raw_gzip))


def preview_refused(run: SyncRun) -> dict[str, object]:
    """What a refused page holds and what accepting it would change. Writes nothing."""
    if run.raw_gzip is None:
        return {}
    page = _fetch(run, run.register)
    try:
        parsed = _parse(page)
    except ParseError as error:
        return {"error": str(error)}
    listed = set(
        Listing.objects.filter(register=run.register, removed_on__isnull=True).values_list(
            "company__key", flat=True
        )
    )
    keys = set(group_rows(parsed.rows))
    removed = would_remove(run.register, parsed)
    return {
        "published_on": parsed.published_on,
        "rows": len(parsed.rows),
        "kvk_count": parsed.kvk_count,
        "would_add": len(keys - listed),
        "would_remove": len(removed),
        "removed": removed,
        "warnings": parsed.warnings[:20],
        "sample": parsed.rows[:10],
    }
