"""Facets: how many of a search's employers each option of a filter would leave.

A table, not a module each (FACETS): a facet is a column of the register's index, a rule for
which of its values a chosen filter keeps, and how its options are listed. The same rule
selects the results (registry.search) and counts the options, so a count is exactly what
choosing the option shows. Each facet is counted with every other active filter applied but
not its own ("how many if I chose this instead"). "" is each column's unknown bucket (Company's
docstring): counted, and shown last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry import places, sbi
from registry.search.index import Column, Mask, RegisterIndex
from registry.search.query import UNKNOWN, SearchQuery
from registry.text import fold

CITY_OPTIONS = 30  # the cities with most employers; a chosen one is added if it is not among them
LEGAL_FORM_OPTIONS = 15
UNKNOWN_LABEL = _("Not known yet")


@dataclass(frozen=True, slots=True)
class Option:
    value: str  # the parameter's value: "K", "62", "Den Haag", "Zuid-Holland", "unknown"
    label: str | Promise  # "K · Telecom, IT and information services", "Den Haag ('s-Gravenhage)"
    count: int  # the listings choosing it would show
    active: bool = False
    sub: bool = False  # a division, listed under its section

    def as_json(self) -> dict[str, object]:
        return {"value": self.value, "label": str(self.label), "count": self.count}


@dataclass(frozen=True, slots=True)
class Facet:
    name: str
    title: str | Promise
    options: list[Option]
    every: str  # the value that means "any" ("all" for status); "": the parameter left out
    total: int = 0  # the listings counted, known or not
    enriched: bool = False  # its values come from KvK enrichment (FacetSpec.enriched)

    @property
    def active(self) -> Option | None:
        return next((option for option in self.options if option.active), None)

    @property
    def known(self) -> int:
        """The listings counted whose value is known: all but the unknown bucket."""
        return self.total - sum(option.count for option in self.options if option.value == UNKNOWN)


Counts = list[tuple[Any, int]]  # (a value of the column, the listings with it)


@dataclass(frozen=True, slots=True)
class FacetSpec:
    """One facet: the SearchQuery field and index column of the same `name`, which values a
    chosen filter keeps, and its options from the counts of the column's values."""

    name: str
    title: str | Promise
    keeps: Callable[[Any, Any], bool]  # (a value of the column, the chosen filter) -> kept?
    options: Callable[[Counts, Any], list[Option]]
    every: str = ""
    enriched: bool = False  # "" until enrichment has reached an employer: the filters say so

    def chosen(self, query: SearchQuery) -> Any:
        return getattr(query, self.name)

    def mask(self, index: RegisterIndex, chosen: Any) -> Mask:
        column: Column = getattr(index, self.name)
        return column.where(i for i, value in enumerate(column.values) if self.keeps(value, chosen))


def _in_sector(value: tuple[str, str], chosen: Any) -> bool:
    section, division = value
    return section == chosen.section and (not chosen.division or division == chosen.division)


def _status_options(counts: Counts, chosen: str | None) -> list[Option]:
    by_value = dict(counts)
    return [
        Option("listed", _("Listed now"), by_value.get("listed", 0), active=chosen == "listed"),
        Option(
            "removed", _("No longer listed"), by_value.get("removed", 0), active=chosen == "removed"
        ),
    ]


def _sector_options(counts: Counts, chosen: Any) -> list[Option]:
    """Sections, most employers first; under the chosen section, its divisions; unknown last."""
    sections: Counter[str] = Counter()
    divisions: Counter[str] = Counter()
    chosen_section = chosen.section if chosen else None
    for (section, division), n in counts:
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


def _city_options(counts: Counts, chosen: Any) -> list[Option]:
    """The CITY_OPTIONS cities with most employers, the chosen one among them; unknown last."""
    by_city = Counter(dict(counts))
    unknown = by_city.pop("", 0)
    picked = set(chosen.officials) if chosen else set()
    # Most employers first; among equals, A-Z as shown ("Den Haag", not "'s-Gravenhage").
    ranked = sorted(by_city.items(), key=lambda item: (-item[1], city_label(item[0]).casefold()))
    shown = ranked[:CITY_OPTIONS]
    shown += [(name, n) for name, n in ranked[CITY_OPTIONS:] if name in picked]
    shown += [(name, 0) for name in sorted(picked - set(by_city) - {""})]
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


def _province_options(counts: Counts, chosen: Any) -> list[Option]:
    """All twelve provinces, most employers first (none left out for having none); unknown
    last."""
    by_province: Counter[str] = Counter(dict.fromkeys(places.PROVINCES, 0))
    by_province.update(dict(counts))
    unknown = by_province.pop("", 0)
    picked = chosen.name if chosen else None
    options = [Option(name, name, n, active=name == picked) for name, n in _most_first(by_province)]
    options.append(Option(UNKNOWN, UNKNOWN_LABEL, unknown, active=picked == ""))
    return options


def _legal_form_options(counts: Counts, chosen: Any) -> list[Option]:
    """The LEGAL_FORM_OPTIONS commonest legal forms, the chosen one among them; unknown last."""
    by_form = Counter(dict(counts))
    unknown = by_form.pop("", 0)
    picked = fold(chosen.name) if chosen else None
    ranked = _most_first(by_form)
    shown = ranked[:LEGAL_FORM_OPTIONS]
    shown += [(form, n) for form, n in ranked[LEGAL_FORM_OPTIONS:] if fold(form) == picked]
    options = [Option(form, form, n, active=fold(form) == picked) for form, n in shown]
    options.append(Option(UNKNOWN, UNKNOWN_LABEL, unknown, active=picked == ""))
    return options


def _most_first(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


FACETS = (
    FacetSpec("sector", _("Sector"), keeps=_in_sector, options=_sector_options, enriched=True),
    FacetSpec(
        "city",
        _("City"),
        keeps=lambda city, c: city in c.officials,
        options=_city_options,
        enriched=True,
    ),
    FacetSpec(
        "province",
        _("Province"),
        keeps=lambda p, c: p == c.name,
        options=_province_options,
        enriched=True,
    ),
    FacetSpec(
        "status", _("Status"), keeps=lambda s, c: s == c, options=_status_options, every="all"
    ),
    FacetSpec(
        "legal_form",
        _("Legal form"),
        keeps=lambda form, c: fold(form) == fold(c.name),
        options=_legal_form_options,
        enriched=True,
    ),
)
NAMES = tuple(spec.name for spec in FACETS)


def masks(index: RegisterIndex, query: SearchQuery) -> dict[str, Mask]:
    """The listings each chosen facet filter keeps, by facet name (the unchosen are absent)."""
    return {
        spec.name: spec.mask(index, chosen)
        for spec in FACETS
        if (chosen := spec.chosen(query)) is not None
    }


def counted(
    index: RegisterIndex, query: SearchQuery, *, base: Mask, chosen: Mapping[str, Mask]
) -> list[Facet]:
    """Every facet's options, each counted over `base` with the other facets' `chosen` masks
    applied but not its own."""
    facets = []
    for spec in FACETS:
        kept = base
        for name, mask in chosen.items():
            if name != spec.name:
                kept = kept & mask
        counts = getattr(index, spec.name).counts(kept)
        facets.append(
            Facet(
                spec.name,
                spec.title,
                spec.options(counts, spec.chosen(query)),
                spec.every,
                total=sum(n for _value, n in counts),
                enriched=spec.enriched,
            )
        )
    return facets


def all_of(base: Mask, chosen: Sequence[Mask]) -> Mask:
    """`base` with every chosen facet's mask applied."""
    kept = base
    for mask in chosen:
        kept = kept & mask
    return kept if chosen else np.copy(base)
