"""Facets: how many of a search's employers each sector, city and province option would leave.

Each facet is counted with every other active filter applied but not its own, so its counts
answer "how many if I chose this instead". Two sets of counts serve all three, on the
filterset's `base` (every filter but sector and place, a search's candidates ranked once):

* sector: base + the place filters, by (section, division): the sections, and the divisions
  of the chosen section, summed in Python;
* place: base + the sector filter, by (province, city). The province facet (which keeps the
  city filter) and the city facet (which keeps the province filter) are both read from these
  rows, and so is the results' count (both place filters kept), so the page needs no COUNT.

They are counted over the register's columns in memory (registry.tally: no query once a
process has read them for the current edition and enrichment version); with a search text,
over the listings of its ranking (at most registry.search.CANDIDATES, ranked once).

"" is the unknown bucket of each column (Company's docstring): counted, and shown last.

Without a search text the counts are the same for every visitor until the register's next
edition or the next enrichment write, and the options built from them (labels, the top
cities) cost a millisecond or two: they are cached by the rule of registry.cached. With a
search text the counts are over at most the search's ranked candidates (the ranking itself
cached): cheap, and never cached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.http import urlencode

from registry import places, sbi, tally
from registry.cached import SHAPE, filters_key, versioned
from registry.filters import (
    FACETS,
    UNKNOWN,
    CityValue,
    ListingFilter,
    ProvinceValue,
    SectorValue,
    facet_filter,
)

CITY_OPTIONS = 30  # the cities with most employers; a chosen one is added if it is not among them
UNKNOWN_LABEL = "Not known yet"


@dataclass(frozen=True, slots=True)
class Option:
    value: str  # the parameter's value: "K", "62", "Den Haag", "Zuid-Holland", "unknown"
    label: str  # "K · Telecom, IT and information services", "Den Haag ('s-Gravenhage)"
    count: int  # the listings choosing it would show
    active: bool = False
    sub: bool = False  # a division, listed under its section

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "label": self.label, "count": self.count}


@dataclass(frozen=True, slots=True)
class Facets:
    sector: list[Option]
    city: list[Option]
    province: list[Option]
    total: int  # the results' count, every filter applied

    def as_json(self) -> dict[str, list[dict[str, object]]]:
        return {
            "sector": [o.as_json() for o in self.sector],
            "city": [o.as_json() for o in self.city],
            "province": [o.as_json() for o in self.province],
        }


def compute_facets(filterset: ListingFilter, *, edition_id: int | None = None) -> Facets:
    """The three facets of a valid filterset without a search text, counted over the
    register's columns, or taken from the cache (with `edition_id` given: the current
    edition of the register searched). A search text's counts are over its ranking:
    count_facets(ranked=...)."""
    data = filterset.form.cleaned_data
    if edition_id is None or data.get("q") or not settings.FACET_CACHE_SECONDS:
        return count_facets(filterset, edition_id=edition_id)
    # The search text is empty; the order does not change a count, except "recent", the one
    # order that filters too.
    key = filters_key(filterset, leave_out=() if data.get("sort") == "recent" else ("sort",))
    return versioned(
        f"facets:{SHAPE}:{edition_id}:{key}",
        lambda: count_facets(filterset, edition_id=edition_id),
        seconds=settings.FACET_CACHE_SECONDS,
    )


def count_facets(
    filterset: ListingFilter,
    *,
    ranked: Sequence[int] | None = None,
    edition_id: int | None = None,
) -> Facets:
    """The three facets of a valid filterset, counted over the register's columns in memory
    (registry.tally, kept under `edition_id`, the register's current edition); with a search
    text, over its ranking's listings (`ranked`, their ids: taken from the ranked base when
    not given)."""
    data = filterset.form.cleaned_data
    if data.get("q") and ranked is None:
        ranked = [m.listing_id for m in filterset.matches()]
    city: CityValue | None = data.get("city")
    province: ProvinceValue | None = data.get("province")
    cities = set(city.officials) if city else None
    in_place = facet_filter(filterset, only=["city", "province"])
    counts = tally.count(filterset, edition_id=edition_id, ranked=ranked)
    by_sector, by_place = counts.by_sector, counts.by_place
    in_province = [row for row in by_place if province is None or row[0] == province.name]
    in_city = [row for row in by_place if cities is None or row[1] in cities]
    return Facets(
        sector=sector_options(by_sector, data.get("sector")),
        city=city_options(in_province, city),
        province=province_options(in_city, province),
        total=sum(
            n for row_province, row_city, n in by_place if in_place("", "", row_province, row_city)
        ),
    )


def sector_options(rows: list[tuple[str, str, int]], chosen: SectorValue | None) -> list[Option]:
    """Sections, most employers first; under the chosen section, its divisions; unknown last."""
    sections: Counter[str] = Counter()
    divisions: Counter[str] = Counter()
    chosen_section = chosen.section if chosen else None
    for section, division, n in rows:
        sections[section] += n
        if section == chosen_section and section and division:
            divisions[division] += n
    unknown = sections.pop("", 0)
    if chosen_section:
        sections.setdefault(chosen_section, 0)
    if chosen and chosen.division:
        divisions.setdefault(chosen.division, 0)
    options = []
    for letter, n in _most_first(sections):
        info = sbi.SECTIONS_2025.get(letter)
        label = f"{letter} · {info.label}" if info else letter
        active = chosen is not None and chosen.section == letter and not chosen.division
        options.append(Option(letter, label, n, active=active))
        if letter == chosen_section:
            options += [
                Option(
                    code,
                    f"{code} · {sbi.division_title(code)}",
                    count,
                    active=chosen is not None and chosen.division == code,
                    sub=True,
                )
                for code, count in _most_first(divisions)
            ]
    options.append(Option(UNKNOWN, UNKNOWN_LABEL, unknown, active=chosen_section == ""))
    return options


def city_options(rows: list[tuple[str, str, int]], chosen: CityValue | None) -> list[Option]:
    """The CITY_OPTIONS cities with most employers, the chosen one among them; unknown last."""
    counts: Counter[str] = Counter()
    for _province, official, n in rows:
        counts[official] += n
    unknown = counts.pop("", 0)
    picked = set(chosen.officials) if chosen else set()
    # Most employers first; among equals, A-Z as shown ("Den Haag", not "'s-Gravenhage").
    ranked = sorted(counts.items(), key=lambda item: (-item[1], city_label(item[0]).casefold()))
    shown = ranked[:CITY_OPTIONS]
    shown += [(name, n) for name, n in ranked[CITY_OPTIONS:] if name in picked]
    shown += [(name, 0) for name in sorted(picked - set(counts) - {""})]
    options = [
        Option(places.display_name(name), city_label(name), n, active=name in picked)
        for name, n in shown
    ]
    options.append(Option(UNKNOWN, UNKNOWN_LABEL, unknown, active="" in picked))
    return options


def city_label(official: str) -> str:
    """'Den Haag ('s-Gravenhage)': the name people use, the official one beside when it differs."""
    shown = places.display_name(official)
    return shown if shown == official else f"{shown} ({official})"


def province_options(
    rows: list[tuple[str, str, int]], chosen: ProvinceValue | None
) -> list[Option]:
    """All twelve provinces, most employers first (none is left out for having none); unknown
    last."""
    counts: Counter[str] = Counter(dict.fromkeys(places.PROVINCES, 0))
    for province, _city, n in rows:
        counts[province] += n
    unknown = counts.pop("", 0)
    picked = chosen.name if chosen else None
    options = [Option(name, name, n, active=name == picked) for name, n in _most_first(counts)]
    options.append(Option(UNKNOWN, UNKNOWN_LABEL, unknown, active=picked == ""))
    return options


def _most_first(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# --- Links for the page ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionLink:
    label: str
    count: int
    url: str  # "" for an option that would show nothing: it is listed, not linked
    active: bool
    sub: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    name: str  # "sector"
    title: str  # "Sector"
    options: list[OptionLink]
    active_label: str  # "" when this facet is not chosen
    remove_url: str  # the same search without this facet


FACET_TITLES = {"sector": "Sector", "city": "City", "province": "Province"}


def facet_groups(facets: Facets, params: dict[str, list[str]]) -> list[FacetGroup]:
    """The page's links: each keeps every other parameter (search text, status, sort, the
    other facets) and drops `page`, and the empty ones a form sends (an empty value is the
    default). `params` is the request's query as lists of values."""
    groups = []
    for name in FACETS:
        others = [
            (key, value)
            for key, values in params.items()
            for value in values
            if value and key not in (name, "page")
        ]
        prefix = urlencode(others)
        joint = f"?{prefix}&" if prefix else "?"
        options = getattr(facets, name)
        active = next((o for o in options if o.active), None)
        groups.append(
            FacetGroup(
                name=name,
                title=FACET_TITLES[name],
                options=[
                    OptionLink(
                        label=o.label,
                        count=o.count,
                        url=joint + urlencode({name: o.value}) if o.count or o.active else "",
                        active=o.active,
                        sub=o.sub,
                    )
                    for o in options
                ],
                active_label=active.label if active else "",
                remove_url=f"?{prefix}",
            )
        )
    return groups
