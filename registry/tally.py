"""A register's listings as columns in memory, for counting sectors and places without a query.

Counting the facets of a search without text was one GROUP BY over the register's listings
joined to their companies: 12 ms in PostgreSQL and as much again turning its few thousand rows
into counts in Python, on every first visitor of a filter combination after a new edition or
an enrichment write. The columns those counts need (status, first listed, section, division,
province, city: under 200 kB for the 13,000 listings of the Work register) are read once per
process instead, each value as a small integer code, and every count is then a NumPy mask and
a bincount over them: a fraction of a millisecond, whatever the filters.

The columns are the same for every visitor until the register's next edition or the next
enrichment write, the rule of registry.cached: they are kept under the register's current
edition and the enrichment version, and read again when either changes, or after
settings.TALLY_SECONDS (its safety net, as the caches' expiry is theirs). Without a current
edition (a register that was never synced, or data made by tests) they are read every time.

The columns also hold what else a results row shows (the name, the KvK number and key, the
SBI code, the removal date), so a page of a search is built from them without a query: about
1 MB pickled for the Work register.

The filters that decide the base (status, listed since, new in the last editions) are applied
here as ListingFilter applies them in SQL; tests/test_tally.py checks the two agree. A search
"as of" a date rests on the stored events: its base's listing ids are read with one query,
then counted the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from time import time as now_seconds
from typing import TYPE_CHECKING, overload

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.core.cache import cache

from registry import lexicon
from registry.cached import ENRICHMENT_VERSION, SHAPE, named_version
from registry.filters import facet_filter
from registry.models import Edition, Listing, Register
from registry.results import Result

if TYPE_CHECKING:
    from registry.filters import ListingFilter
    from registry.lexicon import Lexicon
    from registry.search import Match

Mask = npt.NDArray[np.bool_]
Codes = npt.NDArray[np.int32]
KEPT = 8  # columns kept in memory at once: four registers, and the ones just replaced
_DAY_ZERO = date(1970, 1, 1).toordinal()
LISTED = int(np.iinfo(np.int32).min)  # the removal "date" of a listing that is listed


@dataclass(slots=True)
class Columns:
    """One register's listings, one array element per listing, codes into the value lists."""

    ids: npt.NDArray[np.int64]  # listing ids, A-Z as a page lists them (sort_name, pk)
    newest: npt.NDArray[np.intp]  # positions in `ids`, newest first (then A-Z)
    first_listed: npt.NDArray[np.int32]  # days since 1970-01-01
    removed_on: npt.NDArray[np.int32]  # days since 1970-01-01; LISTED while listed
    sector: Codes  # into `sectors`: (section, division) pairs
    place: Codes  # into `places`: (province, city) pairs
    sectors: list[tuple[str, str]]
    places: list[tuple[str, str]]
    # What else a results row shows (registry.results.Result): a page is built from these.
    names: list[str]  # the listing's name now
    keys: list[str]  # the company's key: the KvK number itself (the same str) or n-<name>
    kvk_numbers: list[str]
    sbi: Codes  # into `sbi_codes`
    sbi_codes: list[str]
    register_slug: str
    # The register's edition dates, newest first, each once: read when a filter first asks.
    edition_dates: list[date] | None = None
    by_id: npt.NDArray[np.intp] | None = None  # positions in id order: made when first asked

    @classmethod
    def read(cls, register_slug: str) -> Columns:
        """The columns of every listing of the register, listed or not, in the order of
        ListingQuerySet.by_name() as the database sorts: one query."""
        rows = list(
            Listing.objects.of(register_slug)
            .by_name()
            .values_list(
                "pk",
                "removed_on",
                "first_listed",
                "company__sector_section",
                "company__sector_division",
                "company__province",
                "company__city",
                "name",
                "company__key",
                "company__kvk_number",
                "company__sbi_code",
            )
        )
        sectors: dict[tuple[str, str], int] = {}
        places: dict[tuple[str, str], int] = {}
        codes: dict[str, int] = {}
        sector = [sectors.setdefault((row[3], row[4]), len(sectors)) for row in rows]
        place = [places.setdefault((row[5], row[6]), len(places)) for row in rows]
        sbi = [codes.setdefault(row[10], len(codes)) for row in rows]
        first_listed = np.fromiter((_days(row[2]) for row in rows), dtype=np.int32, count=len(rows))
        removed_on = np.fromiter(
            (LISTED if row[1] is None else _days(row[1]) for row in rows), dtype=np.int32
        )
        return cls(
            ids=np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
            # ListingQuerySet.newest_first(): a stable sort keeps A-Z within one date.
            newest=np.argsort(-first_listed, kind="stable"),
            first_listed=first_listed,
            removed_on=removed_on,
            sector=np.array(sector, dtype=np.int32),
            place=np.array(place, dtype=np.int32),
            sectors=list(sectors),
            places=list(places),
            names=[row[7] for row in rows],
            # The KvK number's own str where the key is the number: pickled once (the cache).
            keys=[row[9] if row[8] == row[9] else row[8] for row in rows],
            kvk_numbers=[row[9] for row in rows],
            sbi=np.array(sbi, dtype=np.int32),
            sbi_codes=list(codes),
            register_slug=register_slug,
        )

    def results(self, at: Sequence[int], *, matches: dict[int, Match]) -> list[Result]:
        """The results rows of the listings at positions `at`, in that order, each with its
        match among `matches` (a text search's): what ListingQuerySet.results() reads, from
        these columns."""
        found = []
        for i in at:
            pk = int(self.ids[i])
            section, division = self.sectors[self.sector[i]]
            province, city = self.places[self.place[i]]
            removed_on = int(self.removed_on[i])
            found.append(
                Result(
                    listing_id=pk,
                    name=self.names[i],
                    first_listed=_date(int(self.first_listed[i])),
                    removed_on=None if removed_on == LISTED else _date(removed_on),
                    key=self.keys[i],
                    kvk_number=self.kvk_numbers[i],
                    sbi_code=self.sbi_codes[self.sbi[i]],
                    sector_section=section,
                    sector_division=division,
                    city=city,
                    province=province,
                    register=self.register_slug,
                    match=matches.get(pk),
                )
            )
        return found

    def facet_mask(self, filterset: ListingFilter, *, only: Iterable[str]) -> Mask | None:
        """The listings that pass the filterset's facet filters named in `only` (None when
        none of them is chosen), by the predicate registry.facets applies to rows read."""
        data = filterset.form.cleaned_data
        if all(data.get(name) is None for name in only):
            return None
        keeps = facet_filter(filterset, only=only)
        if "sector" in only:
            wanted = [c for c, (s, d) in enumerate(self.sectors) if keeps(s, d, "", "")]
            return _among(self.sector, wanted, len(self.sectors))
        wanted = [c for c, (p, city) in enumerate(self.places) if keeps("", "", p, city)]
        return _among(self.place, wanted, len(self.places))

    def masks(self, filterset: ListingFilter) -> tuple[Mask, Mask | None, Mask | None]:
        """The base (every filter but sector and place), the sector filter, the place filters."""
        return (
            self.base_mask(filterset),
            self.facet_mask(filterset, only=["sector"]),
            self.facet_mask(filterset, only=["city", "province"]),
        )

    def base_mask(self, filterset: ListingFilter) -> Mask:
        """The listings every filter but sector and place leaves (ListingFilter's base)."""
        data = filterset.form.cleaned_data
        if data.get("as_of"):
            return np.isin(self.ids, np.array(filterset.base_ids(), dtype=np.int64))
        kept = np.ones(len(self.ids), dtype=np.bool_)
        status = data.get("status")
        if status == "listed":
            kept &= self.removed_on == LISTED
        elif status == "removed":
            kept &= self.removed_on != LISTED
        since: date | None = data.get("listed_since")
        if since is not None:
            kept &= self.first_listed >= _days(since)
        editions: int | None = data.get("editions") or (1 if data.get("sort") == "recent" else None)
        if editions:
            if self.edition_dates is None:
                self.edition_dates = list(
                    Edition.objects.of(self.register_slug)
                    .order_by("-published_on")
                    .values_list("published_on", flat=True)
                    .distinct()
                )
            if not self.edition_dates:
                kept[:] = False  # as ListingQuerySet.new_in_last: no edition, nothing new
            else:
                nth = self.edition_dates[min(editions, len(self.edition_dates)) - 1]
                kept &= self.first_listed >= _days(nth)
        return kept

    def positions(self, ids: Sequence[int]) -> npt.NDArray[np.intp]:
        """Where the listings `ids` are in these columns, in the order given (an id that is
        not among them is left out)."""
        if self.by_id is None:
            self.by_id = np.argsort(self.ids, kind="stable")
        wanted = np.asarray(ids, dtype=np.int64)
        if not len(self.ids) or not len(wanted):
            return np.zeros(0, dtype=np.intp)
        in_order = self.ids[self.by_id]
        at = np.minimum(np.searchsorted(in_order, wanted), len(in_order) - 1)
        found: npt.NDArray[np.intp] = self.by_id[at[in_order[at] == wanted]]
        return found

    def mask_of(self, ids: Sequence[int]) -> Mask:
        mask = np.zeros(len(self.ids), dtype=np.bool_)
        mask[self.positions(ids)] = True
        return mask

    def ids_in_order(
        self, filterset: ListingFilter, *, ranked: Sequence[int] | None = None
    ) -> npt.NDArray[np.int64]:
        """The listing ids a valid filterset selects, every filter applied, in its order:
        ListingFilter.qs without the query. With a search text, those of `ranked` (its
        ranking's listing ids, best first) the filters keep, best first unless another
        order is asked for."""
        return self.ids[self.selected(filterset, ranked=ranked)]

    def selected(
        self, filterset: ListingFilter, *, ranked: Sequence[int] | None = None
    ) -> npt.NDArray[np.intp]:
        """ids_in_order(), as positions in these columns."""
        kept, *facets = self.masks(filterset)
        for mask in facets:
            if mask is not None:
                kept = kept & mask
        sort = filterset.form.cleaned_data.get("sort")
        if ranked is not None:
            if sort == "relevance":
                at = self.positions(ranked)
                return at[kept[at]]
            kept = kept & self.mask_of(ranked)
        if sort in ("newest", "recent"):
            return self.newest[kept[self.newest]]
        return np.flatnonzero(kept)  # "name", and "relevance" without a text: A-Z


def _days(day: date) -> int:
    return day.toordinal() - _DAY_ZERO


def _date(days: int) -> date:
    return date.fromordinal(days + _DAY_ZERO)


def _among(codes: Codes, wanted: list[int], size: int) -> Mask:
    """Whether each code is one of `wanted`: a lookup table indexed by the codes, a tenth of
    what np.isin takes for 13,000 of them."""
    table = np.zeros(size, dtype=np.bool_)
    table[wanted] = True
    return table[codes]


@dataclass(frozen=True, slots=True)
class Counted:
    """What registry.facets needs of a search without text: (section, division, n) with the
    place filters applied, (province, city, n) with the sector filter applied."""

    by_sector: list[tuple[str, str, int]]
    by_place: list[tuple[str, str, int]]


def count(
    filterset: ListingFilter, *, edition_id: int | None, ranked: Sequence[int] | None = None
) -> Counted:
    """The sector counts and the place counts of a valid filterset; with a search text, over
    `ranked`, its ranking's listing ids."""
    columns = _columns_for(filterset, edition_id=edition_id)
    base, in_sector, in_place = columns.masks(filterset)
    if ranked is not None:
        base = base & columns.mask_of(ranked)
    for_sectors = base if in_place is None else base & in_place
    for_places = base if in_sector is None else base & in_sector
    return Counted(
        by_sector=_rows(columns.sectors, columns.sector[for_sectors]),
        by_place=_rows(columns.places, columns.place[for_places]),
    )


def _rows(values: Sequence[tuple[str, str]], codes: Codes) -> list[tuple[str, str, int]]:
    counts = np.bincount(codes, minlength=len(values)).tolist()
    return [(*values[code], n) for code, n in enumerate(counts) if n]


class Selected(Sequence["Result"]):
    """The results of a search as the paginator sees them: `count` of them (the facets'
    total), their positions in the register's columns worked out only when a page is read
    (not for a page in the cache), the page's rows built from the columns (no query), each
    with its match among `matches` (a text search's)."""

    def __init__(
        self,
        at: Callable[[], tuple[Columns, npt.NDArray[np.intp]]],
        *,
        count: int,
        matches: dict[int, Match] | None = None,
    ) -> None:
        self._at = at
        self.size = count
        self.matches = matches or {}

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> Result: ...
    @overload
    def __getitem__(self, index: slice) -> Selected: ...
    def __getitem__(self, index: int | slice) -> Result | Selected:
        if isinstance(index, slice):

            def at() -> tuple[Columns, npt.NDArray[np.intp]]:
                columns, positions = self._at()
                return columns, positions[index]

            return Selected(at, count=len(range(self.size)[index]), matches=self.matches)
        position = range(self.size)[index]  # an IndexError out of range, as a list's
        return self[position : position + 1].results()[0]

    def results(self) -> list[Result]:
        """These listings' results rows, in this order, from the columns."""
        columns, positions = self._at()
        return columns.results(positions.tolist(), matches=self.matches)


def selected(
    filterset: ListingFilter,
    *,
    edition_id: int | None,
    count: int,
    ranking: Sequence[Match] | None = None,
) -> Selected:
    """What a valid filterset shows, every filter applied, in order: `count` listings (the
    facets' total), read when a page of them is; with a search text, among its `ranking`."""
    ranked = None if ranking is None else [m.listing_id for m in ranking]

    def at() -> tuple[Columns, npt.NDArray[np.intp]]:
        columns = _columns_for(filterset, edition_id=edition_id)
        return columns, columns.selected(filterset, ranked=ranked)

    matches = None if ranking is None else {m.listing_id: m for m in ranking}
    return Selected(at, count=count, matches=matches)


def search_in_memory(filterset: ListingFilter, register: Register | None) -> None:
    """Have a filterset's search text find its candidates among the register's names in
    memory (registry.lexicon), with the listings its other filters leave from the columns,
    as the search page does: so a page, its CSV and its feed list the same companies. Without
    a current edition the trigram query finds them."""
    if register is not None and register.current_edition_id is not None:
        filterset.in_memory = partial(
            names_and_base, filterset, edition_id=register.current_edition_id
        )


def names_and_base(
    filterset: ListingFilter, *, edition_id: int
) -> tuple[Lexicon, npt.NDArray[np.int64] | None]:
    """For a text search: the register's names in memory (registry.lexicon) and the ids of the
    listings every filter but the text, sector and place leaves (None as of a date: those
    rest on the stored events, and the search's own query reads them). The columns are the
    request's own (_columns_for), which then count its facets and order its page."""
    names = lexicon.of(filterset.register_slug, edition_id=edition_id)
    if filterset.form.cleaned_data.get("as_of"):
        return names, None
    columns = _columns_for(filterset, edition_id=edition_id)
    return names, columns.ids[columns.base_mask(filterset)]


_kept: dict[tuple[str, int, object], tuple[float, Columns]] = {}  # (read at, columns)
_lock = threading.Lock()


def _columns_for(filterset: ListingFilter, *, edition_id: int | None) -> Columns:
    """columns_of() the filterset's register, once per filterset (a request): its counts and
    its page use the same columns, even when none are kept in memory."""
    held: Columns | None = getattr(filterset, "_tally_columns", None)
    if held is None:
        version = filterset.enrichment_version  # when the request read it already
        held = columns_of(filterset.register_slug, edition_id=edition_id, version=version)
        filterset._tally_columns = held
    return held


def columns_of(register_slug: str, *, edition_id: int | None, version: object = None) -> Columns:
    """The register's columns as of its current edition `edition_id` and the enrichment
    version: read from the database once, kept in the cache (Redis in production: one read
    serves every process; about 1 MB) and in this process's memory, for
    settings.TALLY_SECONDS at most since that read (the safety net of registry.cached: a
    renewal the enrichment's once-a-minute rule skipped, or one a process-local cache never
    sees); read every time without an edition. `version`: the enrichment version, when the
    request has read it already."""
    seconds = settings.TALLY_SECONDS
    if edition_id is None or not seconds:
        return Columns.read(register_slug)
    version = version or cache.get(ENRICHMENT_VERSION) or named_version()
    key = (register_slug, edition_id, version)
    now = now_seconds()
    found = _kept.get(key)
    if found is None or now - found[0] >= seconds:
        shared_key = f"tally:{SHAPE}:{register_slug}:{edition_id}:{version}"
        found = cache.get(shared_key)
        if found is None or now - found[0] >= seconds:
            found = (now, Columns.read(register_slug))
            cache.set(shared_key, found, seconds)
        with _lock:
            _kept.pop(key, None)
            if len(_kept) >= KEPT:
                _kept.pop(next(iter(_kept)))  # the oldest
            _kept[key] = found
    return found[1]


def forget() -> None:
    """Drop every register's columns (tests: a clean start)."""
    _kept.clear()
