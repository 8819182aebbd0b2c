"""The rows of a search's results, as the search page and /search.json read them.

A result is read as one tuple of the columns a results page shows (ListingQuerySet.results()),
not as a Listing and a Company model instance: those carry some forty columns, four of them
timestamps converted on every read, and cost about ten times more per row to build.

Pure data and a little display logic; no queries here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from registry import places, sbi

if TYPE_CHECKING:
    from registry.models import Listing
    from registry.search import Match

# The company's columns of a Result, then all its columns in its field order before `register`
# (ListingQuerySet.results()).
COMPANY = (
    "company__key",
    "company__kvk_number",
    "company__sbi_code",
    "company__sector_section",
    "company__sector_division",
    "company__city",
    "company__province",
)
RESULT_COLUMNS = ("pk", "name", "first_listed", "removed_on", *COMPANY)


@dataclass(frozen=True, slots=True)
class Result:
    """A listing as a results page shows it, with its match when the search had a text."""

    listing_id: int
    name: str
    first_listed: date
    removed_on: date | None
    key: str  # the company's key: its KvK number, or n-<name> (registry.text.name_key)
    kvk_number: str  # "" for a row without one
    sbi_code: str
    sector_section: str  # "" while unknown, as every enrichment column (Company's docstring)
    sector_division: str
    city: str  # the official place name ('s-Gravenhage)
    province: str
    register: str  # its slug
    match: Match | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any], *, match: Match | None) -> Result:
        """From the values of RESULT_COLUMNS and the register's slug, in that order."""
        pk, name, first, removed, key, kvk, code, section, division, city, province, slug = row
        return cls(
            listing_id=pk,
            name=name,
            first_listed=first,
            removed_on=removed,
            key=key,
            kvk_number=kvk,
            sbi_code=code,
            sector_section=section,
            sector_division=division,
            city=city,
            province=province,
            register=slug,
            match=match,
        )

    def as_tuple(self) -> tuple[Any, ...]:
        """Plain values, to cache: unpickling frozen dataclasses costs ten times more than
        building them again (from_tuple)."""
        return (
            self.listing_id,
            self.name,
            self.first_listed,
            self.removed_on,
            self.key,
            self.kvk_number,
            self.sbi_code,
            self.sector_section,
            self.sector_division,
            self.city,
            self.province,
            self.register,
            match_values(self.match),
        )

    @classmethod
    def from_tuple(cls, values: Sequence[Any]) -> Result:
        from registry.search import Match  # search imports the models, which import this

        *row, match = values
        return cls.from_row(row, match=None if match is None else Match(*match))

    @classmethod
    def of_listing(cls, listing: Listing, *, register: str) -> Result:
        """The same record from a Listing read with its company (nearest names)."""
        company = listing.company
        values = [getattr(listing, name) for name in RESULT_COLUMNS[:4]]
        values += [getattr(company, column.removeprefix("company__")) for column in COMPANY]
        return cls.from_row([*values, register], match=None)

    @property
    def is_listed(self) -> bool:
        return self.removed_on is None

    @property
    def status(self) -> str:
        return "listed" if self.removed_on is None else "removed"

    @property
    def sector(self) -> SectorBrief | None:
        return sector_brief(
            sbi_code=self.sbi_code, section=self.sector_section, division=self.sector_division
        )

    @property
    def city_shown(self) -> str:
        """The place as people say it ("Den Haag"); "" while unknown."""
        return places.display_name(self.city)


def match_values(match: Match | None) -> tuple[Any, ...] | None:
    """A match as plain values (Match(*values) is the match again), to cache."""
    if match is None:
        return None
    return (match.listing_id, match.score, match.verdict, match.matched_on, match.matched_name)


@dataclass(frozen=True, slots=True)
class SectorBrief:
    """A result's sector: its main SBI code (or the division, or the section, when that is all
    we know), the division's title, and its SBI 2025 section."""

    code: str
    title: str
    section: str

    @property
    def section_label(self) -> str:
        info = sbi.SECTIONS_2025.get(self.section)
        return info.label if info else ""

    def as_json(self) -> dict[str, str | None]:
        return {"code": self.code, "title": self.title or None, "section": self.section or None}


def sector_brief(*, sbi_code: str, section: str, division: str) -> SectorBrief | None:
    code = sbi_code or division or section
    if not code:
        return None
    info = sbi.SECTIONS_2025.get(section)
    title = sbi.division_title(division) if division else ""
    return SectorBrief(
        code=code,
        title=title or (info.title_en if info else ""),
        section=info.letter if info else "",
    )
