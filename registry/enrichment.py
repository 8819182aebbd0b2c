"""What a company page says about sector and place, with where each value came from, and
what the search filters say about how far enrichment has come.

Built from the Company's enriched columns (scraper/enrich.py writes them) and, for 5-digit
titles, the SbiCode table when it is loaded: one query, and only for a company with activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as format_date

from registry import places, sbi
from registry.models import Company, Register, SbiCode, Source

# The beat starts a run every 10 minutes (config/celery.py), and a run that enriches anyone
# renews the registers' enrichment_changed_at as it writes and at its end. Nothing renewed
# for two slots: no worker is enriching (paused, switched off, no worker, or all done).
RUNNING_WITHIN = timedelta(minutes=20)


def default_provider() -> str:
    """The provider a run uses: the KvK API when a key is set, else the open data."""
    return "kvk" if settings.KVK_API_KEY else "opendata"


def rate_of(provider: str) -> int:
    """The provider's pace in calls a minute (about one employer a call)."""
    if provider == "kvk":
        return int(settings.KVK_API_RATE_PER_MINUTE)
    return int(settings.KVK_OPENDATA_RATE_PER_MINUTE)


@dataclass(frozen=True, slots=True)
class Progress:
    """Whether enrichment is writing now, and at what pace, as the filters tell it."""

    running: bool
    per_minute: int

    @classmethod
    def of(cls, register: Register | None, *, now: datetime) -> Progress:
        """From the register row the page has read already: no query of its own."""
        changed = register.enrichment_changed_at if register is not None else None
        return cls(
            running=changed is not None and now - changed <= RUNNING_WITHIN,
            per_minute=rate_of(default_provider()),
        )


@dataclass(frozen=True, slots=True)
class Provenance:
    source: str  # "KvK Basisprofiel", "KvK open data (BV/NV)"
    fetched_on: date

    @property
    def text(self) -> str:
        """'KvK Basisprofiel, 2 Nov 2026'."""
        return f"{self.source}, {format_date(self.fetched_on, 'j M Y')}"


@dataclass(frozen=True, slots=True)
class ActivityFact:
    code: str
    title: str  # SBI title (English), else the KvK's text, else the division's title
    description: str  # the KvK's own (Dutch) text; "" from the open data
    main: bool
    version: str  # "2025", "2008" or "" for a code we cannot place
    section: str


@dataclass(frozen=True, slots=True)
class SectorFact:
    code: str
    title: str
    version: str
    section: str
    section_title: str
    division: str
    division_title: str
    section_2008: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class PlaceFact:
    name: str  # as people say it: "Den Haag"; "" when only a region or a country is known
    official_name: str  # the BAG name: "'s-Gravenhage"
    english_name: str  # "The Hague", or ""
    municipality: str
    province: str
    country: str  # a head office abroad
    region: str  # open data postcode area: a region, never a city
    provenance: Provenance

    @property
    def approximate(self) -> bool:
        """Only a postcode area is known: its province is the area's main one."""
        return not self.official_name and not self.country


@dataclass(frozen=True, slots=True)
class CompanyFacts:
    sector: SectorFact | None
    place: PlaceFact | None
    activities: list[ActivityFact]


def _provenance(source: str, fetched_at: datetime | None) -> Provenance:
    label = dict(Source.choices).get(source, source)
    when = timezone.localtime(fetched_at).date() if fetched_at else date.min
    return Provenance(source=str(label), fetched_on=when)


def company_facts(company: Company) -> CompanyFacts:
    activities = _activities(company)
    return CompanyFacts(
        sector=_sector(company, activities), place=_place(company), activities=activities
    )


def _activities(company: Company) -> list[ActivityFact]:
    raw = [a for a in company.activities or [] if isinstance(a, dict) and a.get("code")]
    if not raw:
        return []
    sectors = {str(a["code"]): sbi.classify(str(a["code"])) for a in raw}
    codes_2025 = [code for code, s in sectors.items() if s is not None and s.version == "2025"]
    titles = dict(SbiCode.objects.filter(code__in=codes_2025).values_list("code", "title_en"))
    facts = []
    for item in raw:
        code = str(item["code"])
        sector = sectors[code]
        description = str(item.get("description") or "")
        title = titles.get(code, "")
        if not title and sector is not None and sector.version == "2008":
            title = description  # a 2008 code: the KvK's words beat a 2025 division title
        if not title:
            title = sbi.division_title(sector.division) if sector else description
        facts.append(
            ActivityFact(
                code=code,
                title=title or description,
                description=description,
                main=bool(item.get("main")),
                version=sector.version if sector else "",
                section=sector.section if sector else "",
            )
        )
    return facts


def _sector(company: Company, activities: list[ActivityFact]) -> SectorFact | None:
    if not company.sbi_code:
        return None
    main = next((a for a in activities if a.code == company.sbi_code), None)
    sector = sbi.classify(company.sbi_code)
    section = company.sector_section
    return SectorFact(
        code=company.sbi_code,
        title=main.title if main else sbi.division_title(company.sector_division),
        version=company.sbi_version,
        section=section,
        section_title=sbi.SECTIONS_2025[section].title_en if section in sbi.SECTIONS_2025 else "",
        division=company.sector_division,
        division_title=sbi.division_title(company.sector_division),
        section_2008=sector.section_2008 if sector else "",
        provenance=_provenance(company.sector_source, company.sector_fetched_at),
    )


def _place(company: Company) -> PlaceFact | None:
    if not (company.city or company.country or company.region):
        return None
    return PlaceFact(
        name=places.display_name(company.city) if company.city else "",
        official_name=company.city,
        english_name=places.english_name(company.city),
        municipality=company.municipality,
        province=company.province,
        country=company.country,
        region=company.region,
        provenance=_provenance(company.city_source, company.city_fetched_at),
    )


def sector_json(fact: SectorFact | None) -> dict[str, object] | None:
    if fact is None:
        return None
    return {
        "code": fact.code,
        "title": fact.title,
        "version": fact.version or None,
        "section": fact.section or None,
        "section_title": fact.section_title or None,
        "division": fact.division or None,
        "source": fact.provenance.source,
        "fetched_on": fact.provenance.fetched_on.isoformat(),
    }


def place_json(fact: PlaceFact | None) -> dict[str, object] | None:
    if fact is None:
        return None
    return {
        "name": fact.name or None,
        "official_name": fact.official_name or None,
        "municipality": fact.municipality or None,
        "province": fact.province or None,
        "country": fact.country or None,
        "region": fact.region or None,
        "source": fact.provenance.source,
        "fetched_on": fact.provenance.fetched_on.isoformat(),
    }


def activities_json(facts: list[ActivityFact]) -> list[dict[str, object]]:
    return [
        {
            "code": a.code,
            "title": a.title,
            "main": a.main,
            "version": a.version or None,
            "section": a.section or None,
        }
        for a in facts
    ]
