"""What a search asks, parsed once: a frozen SearchQuery built from the search form's cleaned
values (registry.filters validates them). It carries no state: the same query gives the same
answer until the register's next edition or enrichment write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from registry import places

UNKNOWN = "unknown"  # the value of a sector, city, province or legal form filter for "not known"
SORTS = ("relevance", "name", "newest", "recent")
STATUSES = ("listed", "removed")


@dataclass(frozen=True, slots=True)
class SectorValue:
    """A sector filter: an SBI 2025 section, or a division within it; section "" is unknown."""

    section: str
    division: str = ""

    @property
    def param(self) -> str:
        return self.division or self.section or UNKNOWN


@dataclass(frozen=True, slots=True)
class CityValue:
    """A city filter: the official names the text means (one, almost always); ("",) is
    unknown."""

    officials: tuple[str, ...]

    @property
    def param(self) -> str:
        return places.display_name(self.officials[0]) if self.officials[0] else UNKNOWN


@dataclass(frozen=True, slots=True)
class ProvinceValue:
    """A province filter: its CBS name; "" is unknown."""

    name: str

    @property
    def param(self) -> str:
        return self.name or UNKNOWN


@dataclass(frozen=True, slots=True)
class LegalFormValue:
    """A legal form filter, as the KvK names it ("Besloten Vennootschap"); "" is unknown."""

    name: str

    @property
    def param(self) -> str:
        return self.name or UNKNOWN


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search of one register. `status` None means listed or not; `editions` N means
    first listed in the register's last N edition dates ("recent" alone means 1)."""

    register: str = "work"
    text: str = ""
    status: str | None = "listed"
    as_of: date | None = None
    listed_since: date | None = None
    editions: int | None = None
    sort: str = "relevance"
    sector: SectorValue | None = None
    city: CityValue | None = None
    province: ProvinceValue | None = None
    legal_form: LegalFormValue | None = None

    @classmethod
    def from_cleaned(cls, data: Mapping[str, Any]) -> SearchQuery:
        """From the search form's cleaned data (registry.filters.ListingFilter)."""
        status = data.get("status") or "listed"
        return cls(
            register=data.get("register") or "work",
            text=(data.get("q") or "").strip(),
            status=status if status in STATUSES else None,
            as_of=data.get("as_of"),
            listed_since=data.get("listed_since"),
            editions=data.get("editions") or None,
            sort=data.get("sort") or "relevance",
            sector=data.get("sector"),
            city=data.get("city"),
            province=data.get("province"),
            legal_form=data.get("legal_form"),
        )

    @property
    def recent_editions(self) -> int | None:
        """How many of the latest edition dates a listing must be first listed in, if any."""
        return self.editions or (1 if self.sort == "recent" else None)
