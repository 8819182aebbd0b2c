"""Reads over the editions: what each edition changed, what was listed on a date, the size of a
register over time, and the editions a listing appeared in (its evidence).

Everything here answers from stored editions and events, never from today's state alone: a
company that left and came back was not listed in between, and before our first stored edition
we know nothing (we say so rather than "not listed").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.translation import gettext

from registry.models import Edition, Listing, ListingEvent, ListingName, Register

# Edition columns the pages read: never the stored page (raw_gzip, up to a megabyte each).
EDITION_FIELDS = (
    "pk",
    "register_id",
    "published_on",
    "fetched_at",
    "row_count",
    "kvk_count",
    "added",
    "readded",
    "removed",
    "renamed",
    "reformatted",
    "unchanged",
    "flagged",
    # For the evidence page: where the page came from and its fingerprints.
    "date_source",
    "source_url",
    "final_url",
    "raw_sha256",
    "rows_sha256",
    "raw_content_type",
)


def long_date(day: date) -> str:
    """3 October 2026, 3 oktober 2026: date_format(day, "j F Y") in the active language, at a
    quarter of its cost (4 against 16 µs; a search page has a hundred of them)."""
    return f"{day.day} {MONTHS[day.month]} {day.year}"


def editions_of(register: Register | int) -> list[Edition]:
    """A register's editions, oldest first, without their stored pages: one query."""
    register_id = register if isinstance(register, int) else register.pk
    return list(
        Edition.objects.filter(register_id=register_id)
        .only(*EDITION_FIELDS)
        .order_by("published_on", "pk")
    )


def is_baseline(edition: Edition) -> bool:
    """Whether an edition is the first one stored of its register, judged from its own counts
    (no query): every entry in it was "added", and nothing was kept, renamed or removed. Its
    "added" figure is the register's size, not news."""
    return not (edition.unchanged or edition.removed or edition.renamed or edition.reformatted)


def edition_on(editions: Sequence[Edition], day: date, *, pk: int | None = None) -> Edition | None:
    """The edition of `day` (the latest stored that day; two may share a date), or the one
    with primary key `pk` if it is of that day."""
    same_day = [e for e in editions if e.published_on == day and (pk is None or e.pk == pk)]
    return same_day[-1] if same_day else None


def latest_up_to(editions: Sequence[Edition], day: date) -> Edition | None:
    """The edition an answer about `day` rests on: the latest published on or before it."""
    earlier = [e for e in editions if e.published_on <= day]
    return earlier[-1] if earlier else None


# --- As of a date -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AsOfAnswer:
    """Was it (or what was) on the register on `day`, and which stored edition says so.

    `listed` is None when we cannot know: `day` is before our first stored edition of the
    register (or none is stored). For a search, `listed` is None as well: the listings are the
    answer.
    """

    day: date
    register: str
    edition: Edition | None  # the latest stored edition published on or before `day`
    first_edition: date | None  # where our history of this register starts
    latest: bool  # `edition` is the newest we hold: a later one may be out by now
    listed: bool | None = None
    names: tuple[str, ...] = ()  # the listing's name(s) in that edition, as published

    @property
    def known(self) -> bool:
        return self.edition is not None

    @property
    def note(self) -> str:
        if self.edition is None:
            if self.first_edition is None:
                return gettext("Unknown: no edition of this register is stored yet.")
            return gettext(
                "Unknown: our history of this register starts with the edition of %(first)s,"
                " after %(day)s, so we cannot tell what was listed then."
            ) % {"first": long_date(self.first_edition), "day": long_date(self.day)}
        dates = {"edition": long_date(self.edition.published_on), "day": long_date(self.day)}
        newest = self.latest and self.edition.published_on < self.day
        # One whole sentence per case, so that a translation need not glue pieces together.
        if self.listed is None:
            if newest:
                return (
                    gettext(
                        "The listings of the edition of %(edition)s, the latest published on or"
                        " before %(day)s (the newest we hold)."
                    )
                    % dates
                )
            return (
                gettext(
                    "The listings of the edition of %(edition)s, the latest published on or"
                    " before %(day)s."
                )
                % dates
            )
        if self.listed:
            if newest:
                return (
                    gettext(
                        "Listed in the edition of %(edition)s, the latest published on or before"
                        " %(day)s (the newest we hold)."
                    )
                    % dates
                )
            return (
                gettext(
                    "Listed in the edition of %(edition)s, the latest published on or before"
                    " %(day)s."
                )
                % dates
            )
        if newest:
            return (
                gettext(
                    "Not listed in the edition of %(edition)s, the latest published on or before"
                    " %(day)s (the newest we hold)."
                )
                % dates
            )
        return (
            gettext(
                "Not listed in the edition of %(edition)s, the latest published on or before"
                " %(day)s."
            )
            % dates
        )

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "register": self.register,
            "edition": self.edition.published_on.isoformat() if self.edition else None,
            "known": self.known,
            "listed": self.listed,
            "note": self.note,
        }


def register_as_of(register: Register, day: date) -> AsOfAnswer:
    """What a search "as of `day`" rests on (one query). Its listings are
    `Listing.objects.listed_in(answer.edition)` when the answer is known."""
    return _as_of(register.slug, editions_of(register), day)


def _as_of(slug: str, editions: Sequence[Edition], day: date) -> AsOfAnswer:
    edition = latest_up_to(editions, day)
    return AsOfAnswer(
        day=day,
        register=slug,
        edition=edition,
        first_edition=editions[0].published_on if editions else None,
        latest=edition is not None and edition.pk == editions[-1].pk,
    )


def company_as_of(
    listing: Listing, day: date, *, editions: Sequence[Edition] | None = None
) -> AsOfAnswer:
    """Was this listing on its register on `day`? From its events, by the latest stored
    edition published on or before `day`; unknown before our first edition.

    Reads the register's editions (one query), and the listing's events and names unless they
    were prefetched (`ListingQuerySet.with_history()`); `listing.register` is read unless
    select_related.
    """
    if editions is None:
        editions = editions_of(listing.register_id)
    answer = _as_of(listing.register.slug, editions, day)
    if answer.edition is None:
        return answer
    listed = was_listed_in(listing, answer.edition)
    names = names_in(listing, answer.edition) if listed else ()
    return AsOfAnswer(
        day=answer.day,
        register=answer.register,
        edition=answer.edition,
        first_edition=answer.first_edition,
        latest=answer.latest,
        listed=listed,
        names=tuple(n.name_raw for n in names),
    )


def _order(edition: Edition) -> tuple[date, int]:
    return (edition.published_on, edition.pk)


def _events(listing: Listing) -> list[ListingEvent]:
    """The listing's events with their editions: prefetched by with_history(), else one query."""
    if "events" in getattr(listing, "_prefetched_objects_cache", {}):
        return list(listing.events.all())
    return list(listing.events.select_related("edition").defer("edition__raw_gzip"))


def _names(listing: Listing) -> list[ListingName]:
    if "names" in getattr(listing, "_prefetched_objects_cache", {}):
        return list(listing.names.all())
    return list(
        listing.names.select_related("first_edition", "last_edition").defer(
            "first_edition__raw_gzip", "last_edition__raw_gzip"
        )
    )


def _entries_and_exits(listing: Listing) -> list[ListingEvent]:
    changes = [e for e in _events(listing) if e.kind != ListingEvent.Kind.RENAMED]
    return sorted(changes, key=lambda e: (*_order(e.edition), e.pk))


def was_listed_in(listing: Listing, edition: Edition) -> bool:
    """Whether `listing` was in `edition` of its register: its last entry or exit up to that
    edition was an entry. The same rule as ListingQuerySet.listed_in(), for one listing."""
    if edition.register_id != listing.register_id:
        return False
    state = False
    for event in _entries_and_exits(listing):
        if _order(event.edition) > _order(edition):
            break
        state = event.kind != ListingEvent.Kind.REMOVED
    return state


def names_in(listing: Listing, edition: Edition) -> list[ListingName]:
    """The names a listing was published under in `edition` (call only if it was listed).

    A name record spans its first to its last edition; one used again after a gap spans the
    gap too, so where two records cover the edition, the rename events decide which name was
    in use. Two names remain for a KvK listed twice at once (one KvK, two names).
    """
    day = _order(edition)
    covering = [
        n for n in _names(listing) if _order(n.first_edition) <= day <= _order(n.last_edition)
    ]
    if len(covering) < 2:
        return covering
    renames = sorted(
        (
            e
            for e in _events(listing)
            if e.kind == ListingEvent.Kind.RENAMED and _order(e.edition) <= day
        ),
        key=lambda e: (*_order(e.edition), e.pk),
    )
    if not renames:
        return covering
    in_use = [n for n in covering if n.name == renames[-1].new_name]
    return in_use or covering


# --- Evidence -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceLink:
    edition: date
    edition_pk: int
    url: str


def evidence_url(listing: Listing, edition: Edition, *, unambiguous: bool = False) -> str:
    """The permalink of "`listing` was in `edition`". Add the edition's key when another
    edition of the register shares its date (`unambiguous`)."""
    url = reverse(
        "registry:evidence",
        kwargs={
            "key": listing.company.key,
            "register": listing.register.slug,
            "day": edition.published_on,
        },
    )
    return f"{url}?edition={edition.pk}" if unambiguous else url


def evidence_links(
    listing: Listing, *, editions: Sequence[Edition] | None = None
) -> list[EvidenceLink]:
    """A permalink for every stored edition the listing was in, newest first. Reads its
    register's editions (one query) unless given (editions_of), its events as company_as_of()
    does, and `listing.register` and `listing.company` unless select_related."""
    if editions is None:
        editions = editions_of(listing.register_id)
    per_day = editions_per_day(editions)
    links = []
    state = False
    changes = iter(_entries_and_exits(listing))
    pending = next(changes, None)
    for edition in editions:
        while pending is not None and _order(pending.edition) <= _order(edition):
            state = pending.kind != ListingEvent.Kind.REMOVED
            pending = next(changes, None)
        if state:
            unambiguous = per_day[edition.published_on] > 1
            url = evidence_url(listing, edition, unambiguous=unambiguous)
            links.append(EvidenceLink(edition.published_on, edition.pk, url))
    return links[::-1]


def editions_per_day(editions: Iterable[Edition]) -> dict[date, int]:
    counts: dict[date, int] = {}
    for edition in editions:
        counts[edition.published_on] = counts.get(edition.published_on, 0) + 1
    return counts


def listings_of_company(key: str) -> list[Listing]:
    """Every register a company is on (or was), Work first, each listing with its names and
    events: the company page's "one timeline per register" (three queries)."""
    return list(
        Listing.objects.with_history()
        .select_related("register")
        .filter(company__key=key)
        .order_by("register_id")
    )


def company_url_maker() -> Callable[[str], str]:
    """The company page URL of a key, without a reverse() per row (a page lists 50 to a
    thousand). Keys are digits, lower-case letters and hyphens: nothing to quote."""
    before, _, after = reverse("registry:company", kwargs={"key": "KEY"}).partition("KEY")
    return lambda key: before + key + after


# --- What an edition changed --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    key: str
    kvk: str
    url: str  # the company page
    old_name: str = ""


@dataclass(frozen=True, slots=True)
class EditionChanges:
    edition: Edition
    previous: Edition | None  # None: the first edition we stored of this register
    next: Edition | None
    added: list[Change]  # new to the register
    readded: list[Change]  # listed again after a gap
    removed: list[Change]
    renamed: list[Change]  # real renames, old -> new
    reformatted: list[Change]  # the same name, formatted differently (quotes, entities, spaces)

    @property
    def baseline(self) -> bool:
        return self.previous is None

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "readded": len(self.readded),
            "removed": len(self.removed),
            "renamed": len(self.renamed),
            "reformatted": len(self.reformatted),
        }


def changes_of(edition: Edition, editions: Sequence[Edition]) -> EditionChanges:
    """Everything `edition` changed, each list A-Z (one query). `editions`: its register's,
    oldest first (editions_of). The first stored edition lists nothing: all of its rows are
    "added", which says only where our history starts."""
    position = next(i for i, e in enumerate(editions) if e.pk == edition.pk)
    previous = editions[position - 1] if position else None
    following = editions[position + 1] if position + 1 < len(editions) else None
    lists: dict[str, list[Change]] = {
        "added": [],
        "readded": [],
        "removed": [],
        "renamed": [],
        "reformatted": [],
    }
    if previous is not None:
        # Plain values, not three model instances an event: a big edition changes a thousand
        # listings.
        events = (
            ListingEvent.objects.filter(edition=edition)
            .order_by("listing__sort_name", "pk")
            .values_list(
                "kind",
                "format_only",
                "old_name",
                "new_name",
                "listing__name",
                "listing__company__key",
                "listing__company__kvk_number",
            )
        )
        url = company_url_maker()
        for kind, format_only, old_name, new_name, listed_as, key, kvk in events:
            if kind == ListingEvent.Kind.RENAMED and format_only:
                kind = "reformatted"
            renamed = kind in ("renamed", "reformatted")
            change = Change(
                name=new_name if renamed else listed_as,
                key=key,
                kvk=kvk,
                url=url(key),
                old_name=old_name if renamed else "",
            )
            lists[kind].append(change)
    return EditionChanges(edition=edition, previous=previous, next=following, **lists)


# --- Who came and went: the one wording of an edition's entries --------------------------------


@dataclass(frozen=True, slots=True)
class EditionEntries:
    """Who came onto the register in an edition and who left it, as the home page and the
    changes pages state it: from the counts the sync stored, so they cannot disagree."""

    added: int  # new to the register
    back: int  # listed before, then not, and now again
    removed: int

    @property
    def text(self) -> str:
        """ "534 added, 103 back on the register, 12 no longer listed"."""
        numbers = {
            "added": number_format(self.added, force_grouping=True),
            "back": number_format(self.back, force_grouping=True),
            "removed": number_format(self.removed, force_grouping=True),
        }
        if self.back:
            return (
                gettext(
                    "%(added)s added, %(back)s back on the register, %(removed)s no longer listed"
                )
                % numbers
            )
        return gettext("%(added)s added, %(removed)s no longer listed") % numbers


def entries_of(edition: Edition) -> EditionEntries:
    """An edition's entries, split: its stored `added` counts the new and the returning alike."""
    return EditionEntries(
        added=edition.added - edition.readded, back=edition.readded, removed=edition.removed
    )


# --- The size of a register over time -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditionFigures:
    published_on: date
    edition_pk: int
    rows: int
    kvks: int
    added: int | None  # None for the first stored edition: its "added" is the whole register
    removed: int | None
    renamed: int | None


def figures_of(editions: Sequence[Edition]) -> list[EditionFigures]:
    return [
        EditionFigures(
            published_on=e.published_on,
            edition_pk=e.pk,
            rows=e.row_count,
            kvks=e.kvk_count,
            added=None if i == 0 else e.added,
            removed=None if i == 0 else e.removed,
            renamed=None if i == 0 else e.renamed,
        )
        for i, e in enumerate(editions)
    ]


def listing_counts(register: Register) -> dict[str, int]:
    """Listed now and ever listed, in one query."""
    return Listing.objects.filter(register=register).aggregate(
        listed=Count("pk", filter=Q(removed_on__isnull=True)), ever=Count("pk")
    )
