"""A search's results as rows: pure data and a little display logic, built from the register's
index (registry.search.index), never from model instances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry import places, sbi
from registry.search.scoring import Match


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
    legal_form: str
    register: str  # its slug
    match: Match | None = None
    as_of: date | None = None  # the date a search "as of" asked for: it was listed then

    @property
    def is_listed(self) -> bool:
        """Listed today."""
        return self.removed_on is None

    @property
    def status_now(self) -> str:
        return "listed" if self.removed_on is None else "removed"

    @property
    def status(self) -> str:
        """The status on the date the search is about: today's, or "listed" on the as-of
        date (a search as of a date finds only what that date's edition listed)."""
        return "listed" if self.as_of is not None else self.status_now

    @property
    def sector(self) -> SectorBrief | None:
        return sector_brief(
            sbi_code=self.sbi_code, section=self.sector_section, division=self.sector_division
        )

    @property
    def city_shown(self) -> str:
        """The place as people say it ("Den Haag"); "" while unknown."""
        return places.display_name(self.city)


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
