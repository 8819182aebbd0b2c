"""Writing one edition: the rows grouped by identity, compared with what is listed, and the
companies, listings, names and events that follow, in the caller's transaction.

Nothing is deleted: a company that leaves gets a date, a rename gets a name record and an event.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from django.db import connection, models
from django.db.models import QuerySet

from registry.models import Company, Edition, Listing, ListingEvent, ListingName, Register
from registry.text import name_key, search_text, sort_key
from scraper.inserts import insert_rows
from scraper.parse import ParsedEdition, RegisterRow, format_key

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True, slots=True)
class Counts:
    added: int = 0  # new to the register and back on it, together
    readded: int = 0  # of the added, those back after a gap
    removed: int = 0
    renamed: int = 0
    reformatted: int = 0
    unchanged: int = 0
    rows_written: int = 0


@dataclass(frozen=True, slots=True)
class KnownListing:
    """A listing of the register as the sync compares it: every one, listed or removed."""

    pk: int
    key: str
    company_id: int
    name: str
    removed_on: date | None


def known_listings(register: Register) -> dict[str, KnownListing]:
    """Every listing of `register` by company key, in one query of plain values (no objects).

    The gates and apply_edition() share what this reads: the sync holds the register's lock
    from the gates to its commit, and only a sync writes a register's listings.
    """
    return {
        row[1]: KnownListing(*row)
        for row in Listing.objects.filter(register=register).values_list(
            "pk", "company__key", "company_id", "name", "removed_on"
        )
    }


def listed_keys(known: dict[str, KnownListing]) -> set[str]:
    """The keys of the listings that are listed now (not removed)."""
    return {key for key, row in known.items() if row.removed_on is None}


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
    known: dict[str, KnownListing] | None = None,
    entries: dict[str, _Entry] | None = None,
) -> Counts:
    """Write what changed between `previous` and `edition`. Call inside a transaction.

    `known` and `entries` are what known_listings() and group_rows() return, when the caller
    has them already (the sync's gates read them); otherwise they are read here.
    New and returning KvK numbers go first in the enrichment queue, due `now`
    (scraper/enrich.py); companies without a KvK number are not queued.
    """
    register = edition.register
    day = edition.published_on
    edition_id = edition.pk
    if entries is None:
        entries = group_rows(parsed.rows)
    written = 0

    if known is None:
        known = known_listings(register)
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
        readded=len(readded),
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


def raw_page(edition: Edition) -> bytes:
    """The stored page of an edition, as fetched."""
    return gzip.decompress(bytes(edition.raw_gzip))
