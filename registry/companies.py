"""A company's read model: its timelines on each register, its facts from the KvK, and the
keys a URL may give for it. The company page, its JSON and its feed read it alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from registry.context_processors import Freshness
from registry.enrichment import (
    CompanyFacts,
    activities_json,
    company_facts,
    place_json,
    sector_json,
)
from registry.models import Listing, ListingEvent, Register
from registry.timeline import (
    AsOfAnswer,
    EvidenceLink,
    company_as_of,
    editions_of,
    evidence_links,
    listings_of_company,
)

# A Company.key: the 8-digit KvK number, or "n-" and the folded name (registry.text.name_key).
COMPANY_KEY = re.compile(r"[0-9]{8}|n-[0-9a-z-]{0,118}")


@dataclass(frozen=True, slots=True)
class NameRecord:
    name: str
    name_as_published: str
    first_edition: date
    last_edition: date
    current: bool


@dataclass(frozen=True, slots=True)
class EventRecord:
    kind: str
    label: str
    edition: date
    old_name: str
    new_name: str
    format_only: bool


@dataclass(frozen=True, slots=True)
class Timeline:
    """A company's life on one register: its names, its events, the evidence per edition."""

    listing: Listing
    names: list[NameRecord]
    current_names: list[str]  # two for a KvK listed under two names at once
    events: list[EventRecord]
    maybe_listed_earlier: bool  # first seen in our first stored edition of this register
    evidence: list[EvidenceLink]  # one permalink per stored edition it was in, newest first
    as_of: AsOfAnswer | None  # the answer for ?as_of=, when asked

    @property
    def register(self) -> Register:
        return self.listing.register

    def as_json(self) -> dict[str, object]:
        listing = self.listing
        return {
            "register": listing.register.slug,
            "register_name": listing.register.name,
            "name": listing.name,
            "status": listing.status,
            "first_listed": listing.first_listed.isoformat(),
            "removed_on": listing.removed_on.isoformat() if listing.removed_on else None,
            "names": [
                {
                    "name": n.name,
                    "name_as_published": n.name_as_published,
                    "first_edition": n.first_edition.isoformat(),
                    "last_edition": n.last_edition.isoformat(),
                    "current": n.current,
                }
                for n in self.names
            ],
            "events": [
                {
                    "kind": e.kind,
                    "edition": e.edition.isoformat(),
                    "old_name": e.old_name or None,
                    "new_name": e.new_name or None,
                    "format_only": e.format_only,
                }
                for e in self.events
            ],
            "evidence": [
                {"edition": link.edition.isoformat(), "url": link.url} for link in self.evidence
            ],
            "as_of": self.as_of.as_json() if self.as_of else None,
        }


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """Everything a company page states; its JSON is this record serialised, nothing more.

    One timeline per register the company is (or was) on, Work first; the top-level name,
    status, names and events are those of the first, so a Work-only company reads as before.
    """

    timelines: list[Timeline]
    freshness: Freshness
    facts: CompanyFacts  # sector and place from the KvK, with their sources

    @property
    def primary(self) -> Timeline:
        return self.timelines[0]

    @property
    def listing(self) -> Listing:
        return self.primary.listing

    @property
    def names(self) -> list[NameRecord]:
        return self.primary.names

    @property
    def current_names(self) -> list[str]:
        return self.primary.current_names

    @property
    def events(self) -> list[EventRecord]:
        return self.primary.events

    @property
    def maybe_listed_earlier(self) -> bool:
        return self.primary.maybe_listed_earlier

    @property
    def kvk(self) -> str:
        return self.listing.company.kvk_number

    @property
    def kvk_url(self) -> str:
        """The employer's entry in the KvK's own search, "" without a KvK number."""
        if not self.kvk:
            return ""
        return "https://www.kvk.nl/zoeken/?" + urlencode({"source": "all", "q": self.kvk})

    @property
    def key(self) -> str:
        return self.listing.company.key

    @property
    def url(self) -> str:
        return reverse("registry:company", kwargs={"key": self.key})

    @property
    def json_url(self) -> str:
        return reverse("registry:company-json", kwargs={"key": self.key})

    @property
    def feed_url(self) -> str:
        return reverse("registry:company-feed", kwargs={"key": self.key})

    def as_json(self) -> dict[str, object]:
        primary = self.primary.as_json()
        return {
            "kvk": self.kvk or None,
            "key": self.key,
            "name": primary["name"],
            "status": primary["status"],
            "first_listed": primary["first_listed"],
            "removed_on": primary["removed_on"],
            "url": self.url,
            "names": primary["names"],
            "events": primary["events"],
            "registers": [timeline.as_json() for timeline in self.timelines],
            "feed": self.feed_url,
            "sector": sector_json(self.facts.sector),
            "city": place_json(self.facts.place),
            "activities": activities_json(self.facts.activities),
            "edition": self.freshness.as_json(),
            "source": self.freshness.credit,
        }


def canonical_key(key: str) -> str:
    """The Company.key a pasted number means: 9 digits zero-padded (as in the June 2025
    edition) lose the leading zero, 7 digits (a spreadsheet ate the zero) regain it."""
    if len(key) == 9 and key.startswith("0") and key.isascii() and key.isdigit():
        return key[1:]
    if len(key) == 7 and key.isascii() and key.isdigit():
        return "0" + key
    return key


def event_label(event: ListingEvent) -> str:
    if event.kind == ListingEvent.Kind.ADDED:
        return gettext("Added to the register")
    if event.kind == ListingEvent.Kind.REMOVED:
        return gettext("No longer listed")
    if event.kind == ListingEvent.Kind.READDED:
        return gettext("Listed again")
    if event.format_only:
        return gettext("Name reformatted (formatting only: quotes, spaces or entities)")
    return gettext("Renamed")


def load_company(
    key: str, *, register: Register | None, as_of: date | None = None
) -> CompanyRecord | None:
    """The company page's data, for the page and its JSON alike; None if the key is unknown.

    Queries: the listings with names and events (3), each listing's register editions (1
    each: first edition, evidence and the as-of answer all read them), the SBI titles (1, if
    it has activities).
    """
    if not COMPANY_KEY.fullmatch(key):
        return None  # not a key we could hold; no query (and no NUL byte reaches PostgreSQL)
    listings = listings_of_company(key)
    if not listings:
        return None
    return CompanyRecord(
        timelines=[timeline_of(listing, as_of=as_of) for listing in listings],
        freshness=Freshness.of(register),
        facts=company_facts(listings[0].company),
    )


def timeline_of(listing: Listing, *, as_of: date | None) -> Timeline:
    names = list(listing.names.all())
    # The names of the latest edition the listing appeared in; for a listed company that is
    # the current edition, and a KvK listed under two names at once has two of them.
    latest = (
        max((n.last_edition.published_on, n.last_edition_id) for n in names)[1] if names else None
    )
    name_records = [
        NameRecord(
            name=n.name,
            name_as_published=n.name_raw,
            first_edition=n.first_edition.published_on,
            last_edition=n.last_edition.published_on,
            current=listing.is_listed and n.last_edition_id == latest,
        )
        for n in names
    ]
    last_names = [n.name for n in names if n.last_edition_id == latest] or [listing.name]
    editions = editions_of(listing.register_id)
    first_stored = editions[0].published_on if editions else None
    return Timeline(
        listing=listing,
        names=name_records,
        current_names=last_names,
        events=[
            EventRecord(
                kind=e.kind,
                label=event_label(e),
                edition=e.edition.published_on,
                old_name=e.old_name,
                new_name=e.new_name,
                format_only=e.format_only,
            )
            for e in listing.events.all()
        ],
        maybe_listed_earlier=first_stored is not None and listing.first_listed <= first_stored,
        evidence=evidence_links(listing, editions=editions),
        as_of=company_as_of(listing, as_of, editions=editions) if as_of else None,
    )
