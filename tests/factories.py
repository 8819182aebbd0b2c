"""Small factories for tests (style.md, guideline 16): no JSON fixtures."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from itertools import count

from django.utils import timezone

from registry.models import Company, Edition, Listing, ListingEvent, ListingName, Register
from registry.text import search_text, sort_key

_serial = count(1)


def work_register() -> Register:
    register, _ = Register.objects.get_or_create(
        slug="work",
        defaults={"name": "Public register Work", "url": "https://ind.example/work"},
    )
    return register


def make_edition(
    published_on: date = date(2026, 10, 3),
    *,
    register: Register | None = None,
    row_count: int = 10,
    current: bool = True,
) -> Edition:
    register = register or work_register()
    edition = Edition.objects.create(
        register=register,
        published_on=published_on,
        date_source=Edition.DateSource.SENTENCE,
        fetched_at=datetime(published_on.year, published_on.month, published_on.day, 8, tzinfo=UTC),
        source_url=register.url,
        row_count=row_count,
        kvk_count=row_count,
        rows_sha256=hashlib.sha256(str(next(_serial)).encode()).hexdigest(),
        raw_sha256=hashlib.sha256(b"").hexdigest(),
        raw_gzip=b"",
        parser_version="test",
    )
    if current:
        register.current_edition = edition
        register.save(update_fields=["current_edition"])
    return edition


def make_listing(
    name: str,
    kvk: str | None = None,
    *,
    edition: Edition | None = None,
    removed_in: Edition | None = None,
    former: tuple[tuple[str, Edition], ...] = (),
) -> Listing:
    """A company listed since `edition`, optionally removed in `removed_in`, with former names
    (name, the edition it was first seen in; each former name ends where the next begins)."""
    edition = edition or make_edition()
    kvk = kvk if kvk is not None else f"{next(_serial) + 10_000_000:08d}"
    company = Company.objects.create(
        key=kvk or f"n-{sort_key(name).replace(' ', '-')}", kvk_number=kvk, name=name
    )
    first = former[0][1] if former else edition
    listing = Listing.objects.create(
        company=company,
        register=edition.register,
        name=name,
        sort_name=sort_key(name),
        first_listed=first.published_on,
        last_listed=(removed_in or edition).published_on if not removed_in else first.published_on,
        removed_on=removed_in.published_on if removed_in else None,
    )
    ListingEvent.objects.create(listing=listing, edition=first, kind="added")
    history = [*former, (name, edition)]
    for (old, start), (_new, end) in zip(history, history[1:], strict=False):
        ListingName.objects.create(
            listing=listing,
            name_raw=old,
            name=old,
            search_text=search_text(old),
            first_edition=start,
            last_edition=end,
        )
    ListingName.objects.create(
        listing=listing,
        name_raw=name,
        name=name,
        search_text=search_text(name),
        first_edition=history[-1][1],
        last_edition=edition,
    )
    if removed_in:
        ListingEvent.objects.create(listing=listing, edition=removed_in, kind="removed")
    return listing


def make_listings(
    n: int, *, name: str = "Bakkerij De Korenschoof", edition: Edition | None = None
) -> list[Listing]:
    edition = edition or make_edition()
    return [make_listing(f"{name} {i} B.V.", edition=edition) for i in range(n)]


def rename_listing(
    listing: Listing, new_name: str, *, edition: Edition, format_only: bool = False
) -> Listing:
    """What a sync writes when `listing` appears only under `new_name` in `edition`: the old
    names keep their last edition, a new name record starts, a 'renamed' event is recorded."""
    ListingEvent.objects.create(
        listing=listing,
        edition=edition,
        kind="renamed",
        old_name=listing.name,
        new_name=new_name,
        format_only=format_only,
    )
    ListingName.objects.create(
        listing=listing,
        name_raw=new_name,
        name=new_name,
        search_text=search_text(new_name),
        first_edition=edition,
        last_edition=edition,
    )
    listing.name, listing.sort_name = new_name, sort_key(new_name)
    listing.last_listed = edition.published_on
    listing.save(update_fields=["name", "sort_name", "last_listed"])
    Company.objects.filter(pk=listing.company_id).update(name=new_name)
    return listing


def add_name(listing: Listing, name: str, *, edition: Edition) -> ListingName:
    """A second row for the same KvK in `edition`: one company listed under two names at once."""
    return ListingName.objects.create(
        listing=listing,
        name_raw=name,
        name=name,
        search_text=search_text(name),
        first_edition=edition,
        last_edition=edition,
    )


def enrich(
    listing: Listing,
    *,
    sbi: str = "",
    city: str = "",
    province: str = "",
) -> Listing:
    """Give a listing's company what enrichment would: its main SBI code (section and division
    from registry.sbi), its head office's official place name and province; and tell the
    search indexes, as scraper.enrich does."""
    from registry.sbi import classify  # only the factories that enrich need it

    sector = classify(sbi) if sbi else None
    Company.objects.filter(pk=listing.company_id).update(
        sbi_code=sbi,
        sector_section=sector.section if sector else "",
        sector_division=sector.division if sector else "",
        city=city,
        municipality=city,
        province=province,
    )
    Register.objects.enrichment_changed(now=timezone.now())
    listing.company.refresh_from_db()
    return listing


# Building a register's search index (registry.search.index), once per process, edition and
# enrichment version: its listings with their companies, its edition dates, its names, the
# places a city filter may name. Every later search of that register asks none of them again.
INDEX_QUERIES = 4
