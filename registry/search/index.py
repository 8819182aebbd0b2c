"""One register's search index in memory: every listing's columns and every name's words.

A search, its counts, its pages, its CSV and the bulk check are all answered from it, without
a query: the listings of the register as columns (one NumPy array or list per field, a listing
per position, in A-Z order), every name each listing was listed under with the words of its
search text (registry.text.search_text), and the places a city filter may name.

It is the project's one in-process cache, keyed by what changes it: the register's current
edition (every change to listings and names comes with one: sync, import, backfill) and its
enrichment version (renewed when enrichment writes a sector or a place, at most once a minute:
`RegisterQuerySet.enrichment_changed`). index_of() builds it when the key it is asked for is
not the one it holds; an enrichment write rebuilds the columns alone and keeps the names, which
only an edition changes. `warm()` builds every register's index when a web process starts, so
no visitor waits for it (config/wsgi.py). A register without a current edition (never synced)
is read every time.

Finding candidates (`candidates`): each word of the query is looked up as scoring.word_credit()
matches words: equal, the start of a word, a typo or two (optimal string alignment, in C, over
the words whose letters allow it), two of its words written as one in a name or one of its
words written as two; the whole text with a typo or cut short is looked up among the names'
letters without spaces. The names that have a word of the query that names a company
(scoring.core) are candidates, each with an estimate of its score from the words it matched,
by scoring.combine(); the best CANDIDATES estimates are then scored exactly.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from django.db import DatabaseError
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from registry import places
from registry.models import Edition, Listing, ListingName, Place, Register
from registry.search import scoring
from registry.search.results import Result
from registry.search.scoring import Match
from registry.text import legal_forms

log = logging.getLogger(__name__)

CANDIDATES = 300  # names scored exactly per query, the best estimates first
ALIKE = 50  # rapidfuzz's WRatio (0-100) a name must reach to be offered as "nearest"
Mask = npt.NDArray[np.bool_]
Positions = npt.NDArray[np.intp]
_DAY_ZERO = date(1970, 1, 1).toordinal()
LISTED = int(np.iinfo(np.int32).min)  # the removal "date" of a listing that is listed


def days(day: date) -> int:
    return day.toordinal() - _DAY_ZERO


def from_days(value: int) -> date:
    return date.fromordinal(value + _DAY_ZERO)


@dataclass(frozen=True, slots=True)
class IndexKey:
    """What an index is built from: a register's current edition and enrichment version."""

    register_id: int
    edition_id: int | None
    enrichment_version: int

    @classmethod
    def of(cls, register: Register) -> IndexKey:
        return cls(register.pk, register.current_edition_id, register.enrichment_version)


class Column:
    """A column of few distinct values (sector, city, ...): each listing's value as a code."""

    def __init__(self, values: Iterable[object]) -> None:
        seen: dict[object, int] = {}
        self.codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int32)
        self.values: list[object] = list(seen)

    def where(self, wanted: Iterable[int]) -> Mask:
        """Whether each listing's value is one of the values at `wanted` (codes)."""
        table = np.zeros(len(self.values), dtype=np.bool_)
        table[list(wanted)] = True
        return table[self.codes]

    def counts(self, kept: Mask) -> list[tuple[object, int]]:
        """(value, listings) among the listings kept, for the values that have any."""
        counted = np.bincount(self.codes[kept], minlength=len(self.values)).tolist()
        return [(self.values[code], n) for code, n in enumerate(counted) if n]


class Lookup:
    """Sorted distinct strings (the words of names, or names' letters), each standing for some
    rows: found whole, by their start, or within a typo or two."""

    def __init__(self, rows_of: dict[str, list[int]]) -> None:
        self.strings = sorted(rows_of)
        sizes = np.fromiter((len(rows_of[s]) for s in self.strings), dtype=np.int64)
        self.starts = np.zeros(len(self.strings) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.starts[1:])
        self.rows = np.fromiter(
            (row for s in self.strings for row in rows_of[s]),
            dtype=np.int32,
            count=int(sizes.sum()),
        )
        self.lengths = np.fromiter((len(s) for s in self.strings), dtype=np.int32)
        self.bits = _letter_bits(self.strings)

    def find(self, string: str) -> int | None:
        """The position of `string`, or None."""
        at = bisect_left(self.strings, string)
        return at if at < len(self.strings) and self.strings[at] == string else None

    def rows_at(self, at: int) -> npt.NDArray[np.int32]:
        return self.rows[self.starts[at] : self.starts[at + 1]]

    def starting(self, start: str) -> range:
        """The positions of the strings that start with `start`."""
        low = bisect_left(self.strings, start)
        return range(low, bisect_right(self.strings, start + "\U0010ffff", lo=low))

    def near(self, word: str, *, reach: int = scoring.TYPO_REACH) -> list[int]:
        """The positions of the strings within `reach` edits of `word` (itself included).

        An edit adds at most one letter the other string lacks and takes away at most one, so
        a string with more than `reach` letters `word` has not, or lacking more than `reach` of
        its letters, is not within reach: that test on bit sets of letters leaves a few hundred
        strings of thousands for the edit distance."""
        own = np.uint64(_bits_of(word))
        close = np.flatnonzero(
            (np.abs(self.lengths - len(word)) <= reach)
            & (np.bitwise_count(self.bits & ~own) <= reach)
            & (np.bitwise_count(own & ~self.bits) <= reach)
        ).tolist()
        choices = [self.strings[i] for i in close]
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=reach, limit=None)
        return [close[index] for _string, _distance, index in found]


def _bits_of(text: str) -> int:
    """The letters of `text` as a set of 63 bits: two letters may share one, which makes two
    strings look closer than they are, never further apart (Lookup.near)."""
    bits = 0
    for letter in text:
        bits |= 1 << (ord(letter) % 63)
    return bits


def _letter_bits(strings: Sequence[str], *, chunk: int = 10_000) -> npt.NDArray[np.uint64]:
    """_bits_of() of every string, `chunk` strings at a time: at once, the arrays of every
    letter of 130,000 names took 60 MB for a moment."""
    found = np.zeros(len(strings), dtype=np.uint64)
    for start in range(0, len(strings), chunk):
        part = strings[start : start + chunk]
        # A lone surrogate (not valid text, but a str) is one code point as ord() sees it.
        text = "".join(part).encode("utf-32-le", "surrogatepass")
        codes = np.frombuffer(text, dtype=np.uint32)
        bits = np.left_shift(np.uint64(1), (codes % 63).astype(np.uint64))
        owner = np.repeat(np.arange(start, start + len(part)), [len(s) for s in part])
        np.bitwise_or.at(found, owner, bits)
    return found


@dataclass(slots=True)
class Names:
    """Every name of the register's listings (a listing has one per name it was listed
    under), a row per name, and the lookups that find them. Changes only with an edition."""

    listing: npt.NDArray[np.int32]  # the listing's position in the index
    shown: list[str]  # the name as displayed
    texts: list[str]  # its search text
    current: npt.NDArray[np.bool_]  # the listing's name now
    lengths: npt.NDArray[np.int32]  # of the text: the shorter name first among equal estimates
    weights: npt.NDArray[np.float64]  # its words' weights, summed (scoring.weight)
    # The text's first word and the word its name proper starts with (scoring.first_specific),
    # as positions in words.strings (-1: none), for the order of words.
    first_word: npt.NDArray[np.int32]
    lead_word: npt.NDArray[np.int32]
    words: Lookup
    letters: Lookup  # the whole text without spaces
    # The words spelled backwards, sorted, and each one's position in words.strings: the
    # words a typed word is the tail of ("techniek" of "installatietechniek").
    backwards: list[str]
    backwards_at: list[int]
    forms: dict[str, npt.NDArray[np.int32]]  # the rows of the names with each legal form
    initials: dict[str, list[int]]  # the rows of the names known by initials (scoring.initials)

    @classmethod
    def read(cls, register: Register, *, positions: dict[int, int]) -> Names:
        """The names of the listings at `positions` (by listing id): one query."""
        found = (
            ListingName.objects.filter(listing__register=register)
            .order_by("pk")
            .values_list(
                "listing_id",
                "name",
                "search_text",
                "last_edition__published_on",
                "listing__last_listed",
            )  # fmt: skip
            .iterator(chunk_size=10_000)  # streamed: never every row as a tuple at once
        )
        return cls.of(
            [
                (positions[listing_id], shown, text, seen == last)
                for listing_id, shown, text, seen, last in found
                if listing_id in positions
            ]
        )

    @classmethod
    def of(cls, rows: Sequence[tuple[int, str, str, bool]]) -> Names:
        """From (listing position, name shown, its search text, is it the current name)."""
        words: dict[str, list[int]] = defaultdict(list)
        letters: dict[str, list[int]] = defaultdict(list)
        weights, leads = [], []
        forms: dict[str, list[int]] = defaultdict(list)
        known_by: dict[str, list[int]] = defaultdict(list)
        for i, (_, shown, text, _) in enumerate(rows):
            for acronym in scoring.initials(text):
                known_by[acronym].append(i)
            for form in legal_forms(shown):
                forms[form].append(i)
            split = text.split()
            leads.append((split[0], split[scoring.first_specific(split)]) if split else ("", ""))
            for word in set(split):
                words[word].append(i)
            letters[text.replace(" ", "")].append(i)
            weights.append(sum(scoring.weight(word) for word in split) or 1.0)
        vocabulary = Lookup(words)
        at = {word: i for i, word in enumerate(vocabulary.strings)}
        backwards = sorted((word[::-1], i) for i, word in enumerate(vocabulary.strings))
        return cls(
            listing=np.fromiter((row[0] for row in rows), dtype=np.int32, count=len(rows)),
            shown=[row[1] for row in rows],
            texts=[row[2] for row in rows],
            current=np.fromiter((row[3] for row in rows), dtype=np.bool_, count=len(rows)),
            lengths=np.fromiter((len(row[2]) for row in rows), dtype=np.int32, count=len(rows)),
            weights=np.array(weights, dtype=np.float64),
            first_word=np.array([at.get(first, -1) for first, _ in leads], dtype=np.int32),
            lead_word=np.array([at.get(lead, -1) for _, lead in leads], dtype=np.int32),
            words=vocabulary,
            letters=Lookup(letters),
            backwards=[word for word, _ in backwards],
            backwards_at=[i for _, i in backwards],
            forms={form: np.array(found, dtype=np.int32) for form, found in forms.items()},
            initials=dict(known_by),
        )


class RegisterIndex:
    """A register's listings as columns, its names, and what a filter may name."""

    def __init__(
        self,
        *,
        key: IndexKey,
        register_slug: str,
        rows: Sequence[tuple[object, ...]],
        edition_dates: list[date],
        place_names: Iterable[str],
        names: Names,
    ) -> None:
        self.key = key
        self.register_slug = register_slug
        self.edition_dates = edition_dates  # newest first, each date once
        n = len(rows)
        self.ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=n)
        self.first_listed = np.fromiter((days(row[1]) for row in rows), dtype=np.int32, count=n)  # type: ignore[arg-type]
        self.removed_on = np.fromiter(
            (LISTED if row[2] is None else days(row[2]) for row in rows),  # type: ignore[arg-type]
            dtype=np.int32,
            count=n,
        )
        self.listed = self.removed_on == LISTED
        self.newest = np.argsort(-self.first_listed, kind="stable")  # A-Z within a date
        self.names: list[str] = [row[3] for row in rows]  # type: ignore[misc]
        # The KvK number's own str where the key is the number.
        self.kvk_numbers: list[str] = [row[5] for row in rows]  # type: ignore[misc]
        self.keys: list[str] = [
            kvk if key == kvk else key  # type: ignore[misc]
            for key, kvk in zip((row[4] for row in rows), self.kvk_numbers, strict=True)
        ]
        self.sector = Column((row[6], row[7]) for row in rows)
        self.sbi_code = Column(row[8] for row in rows)
        self.city = Column(row[9] for row in rows)
        self.province = Column(row[10] for row in rows)
        self.legal_form = Column(row[11] for row in rows)
        self.status = Column("listed" if row[2] is None else "removed" for row in rows)
        kvk = np.array(self.kvk_numbers, dtype="U9")
        self._by_kvk = np.argsort(kvk, kind="stable")
        self._kvk_sorted = kvk[self._by_kvk]
        self._by_id = np.argsort(self.ids, kind="stable")
        known = {str(city) for city in self.city.values if city}
        self.place_names = places.folded_names({*place_names, *known, *places.ALIASES})
        self.name_rows = names

    @classmethod
    def build(cls, register: Register, *, previous: RegisterIndex | None = None) -> RegisterIndex:
        """Read the register's listings, its edition dates, the places a city filter may name
        and the listings' names (four queries); the names of `previous` are kept when only
        enrichment changed (three)."""
        key = IndexKey.of(register)
        rows = list(
            Listing.objects.filter(register=register)
            .order_by("sort_name", "pk")
            .values_list(
                "pk",
                "first_listed",
                "removed_on",
                "name",
                "company__key",
                "company__kvk_number",
                "company__sector_section",
                "company__sector_division",
                "company__sbi_code",
                "company__city",
                "company__province",
                "company__legal_form",
            )  # fmt: skip
        )
        dates = list(
            Edition.objects.filter(register=register)
            .order_by("-published_on")
            .values_list("published_on", flat=True)
            .distinct()
        )
        reuse = (
            previous is not None
            and key.edition_id is not None
            and previous.key.edition_id == key.edition_id
            and previous.ids.tolist() == [row[0] for row in rows]
        )
        built = cls(
            key=key,
            register_slug=register.slug,
            rows=rows,
            edition_dates=dates,
            place_names=Place.objects.values_list("place", flat=True),
            names=previous.name_rows if reuse and previous is not None else Names.of([]),
        )
        # The rows are in the columns now: let them go before the names are read, so a
        # process holds one of the two at a time (at 130,000 listings, 90 MB each at most).
        del rows
        if not reuse:  # the same listings in the same order have the same names
            positions = {pk: i for i, pk in enumerate(built.ids.tolist())}
            built.name_rows = Names.read(register, positions=positions)
        return built

    @classmethod
    def empty(cls, register_slug: str) -> RegisterIndex:
        """The index of a register that is not stored at all: no listings, no query."""
        return cls(
            key=IndexKey(0, None, 0),
            register_slug=register_slug,
            rows=[],
            edition_dates=[],
            place_names=[],
            names=Names.of([]),
        )

    def __len__(self) -> int:
        return len(self.ids)

    # --- Filters over the columns ------------------------------------------------------------

    def first_listed_since(self, day: date) -> Mask:
        return self.first_listed >= days(day)

    def new_in_last(self, editions: int) -> Mask:
        """First listed in one of the register's last `editions` edition dates (all of them
        when it has fewer; none without an edition)."""
        if not self.edition_dates:
            return np.zeros(len(self), dtype=np.bool_)
        nth = self.edition_dates[min(editions, len(self.edition_dates)) - 1]
        return self.first_listed >= days(nth)

    def with_ids(self, ids: Iterable[int]) -> Mask:
        """The listings whose ids are among `ids` (ids of other registers are left out)."""
        mask = np.zeros(len(self), dtype=np.bool_)
        mask[self.positions_of(ids)] = True
        return mask

    def positions_of(self, ids: Iterable[int]) -> Positions:
        """Where the listings `ids` are, in the order given (an unknown id is left out)."""
        wanted = np.fromiter(ids, dtype=np.int64)
        if not len(self.ids) or not len(wanted):
            return np.zeros(0, dtype=np.intp)
        in_order = self.ids[self._by_id]
        at = np.minimum(np.searchsorted(in_order, wanted), len(in_order) - 1)
        found: Positions = self._by_id[at[in_order[at] == wanted]]
        return found

    # --- Rows ------------------------------------------------------------------------------

    def result(self, at: int, *, match: Match | None = None, as_of: date | None = None) -> Result:
        removed = int(self.removed_on[at])
        section, division = self.sector.values[self.sector.codes[at]]
        return Result(
            listing_id=int(self.ids[at]),
            name=self.names[at],
            first_listed=from_days(int(self.first_listed[at])),
            removed_on=None if removed == LISTED else from_days(removed),
            key=self.keys[at],
            kvk_number=self.kvk_numbers[at],
            sbi_code=str(self.sbi_code.values[self.sbi_code.codes[at]]),
            sector_section=section,
            sector_division=division,
            city=str(self.city.values[self.city.codes[at]]),
            province=str(self.province.values[self.province.codes[at]]),
            legal_form=str(self.legal_form.values[self.legal_form.codes[at]]),
            register=self.register_slug,
            match=match,
            as_of=as_of,
        )

    # --- Finding a text ---------------------------------------------------------------------

    def kvk_matches(self, digits: str, *, keep: Mask) -> list[tuple[int, Match]]:
        """(position, match) for the listings kept whose KvK number is `digits` exactly (as
        scoring.exact_kvk reads it) or starts with them, best first, at most CANDIDATES."""
        exact = scoring.exact_kvk(digits)
        found: dict[int, tuple[int, Match]] = {}
        for start in sorted({scoring.kvk_prefix(digits), *exact}):
            past = start[:-1] + chr(ord(start[-1]) + 1)  # the first string after the prefix
            low, high = np.searchsorted(self._kvk_sorted, [start, past]).tolist()
            for at in self._by_kvk[low : min(high, low + CANDIDATES)].tolist():
                kvk = self.kvk_numbers[at]
                if not keep[at] or not kvk:
                    continue
                score, verdict = scoring.kvk_verdict(
                    exact=kvk in exact and len(kvk) == 8,
                    listed=bool(self.listed[at]),
                    digits=digits,
                )
                reason = "kvk" if verdict in ("listed", "removed") else "kvk_start"
                match = Match(int(self.ids[at]), score, verdict, "kvk", self.names[at], reason)
                found[at] = (at, match)
        ranked = sorted(
            found.values(), key=lambda item: (-item[1].score, self.kvk_numbers[item[0]])
        )
        return ranked[:CANDIDATES]

    def rank(
        self, query: str, *, keep: Mask, limit: int = CANDIDATES, minimum: float = scoring.SIMILAR
    ) -> list[tuple[int, Match]]:
        """(position, match) for the listings kept that the normalised `query` may mean, best
        first: among equal scores a current name before a former one, then the shorter name.
        Scored exactly: the `limit` best estimates (candidates()), a match at least `minimum`."""
        best: dict[int, Match] = {}
        names = self.name_rows
        for row in self.candidates(query, keep=keep, limit=limit):
            at = int(names.listing[row])
            current = bool(names.current[row])
            text = names.texts[row]
            score = scoring.name_score(query, text) * (1 if current else scoring.FORMER)
            if score < minimum:
                continue
            match = Match(
                listing_id=int(self.ids[at]),
                score=round(score, 3),
                verdict=scoring.verdict_of(
                    score, exact=text == query, listed=bool(self.listed[at])
                ),
                matched_on="name" if current else "former_name",
                matched_name=names.shown[row],
                reason=scoring.reason_of(query, text, score=score),
                as_typed=scoring.as_typed(query, text),
            )
            held = best.get(at)
            if held is None or (match.score, current) > (held.score, held.matched_on == "name"):
                best[at] = match
        return sorted(best.items(), key=lambda item: index_order(item[1]))

    def by_initials(self, query: str, *, keep: Mask) -> list[tuple[int, Match]]:
        """(position, match) for the listings kept with a name of three or more words whose
        initials are the normalised one-word `query` ("klm"), a current name first."""
        names = self.name_rows
        best: dict[int, Match] = {}
        if " " in query or not query.isalpha():
            return []
        for row in names.initials.get(query, ()):
            at = int(names.listing[row])
            current = bool(names.current[row])
            if not keep[at] or (at in best and not current):
                continue
            score = scoring.INITIALS * (1 if current else scoring.FORMER)
            best[at] = Match(
                listing_id=int(self.ids[at]),
                score=round(score, 3),
                verdict=scoring.verdict_of(score, exact=False, listed=bool(self.listed[at])),
                matched_on="name" if current else "former_name",
                matched_name=names.shown[row],
                reason="initials",
                as_typed=True,
            )
        return sorted(best.items(), key=lambda item: index_order(item[1]))

    def with_forms(
        self, forms: frozenset[str], *, keep: Mask, limit: int = CANDIDATES
    ) -> list[tuple[int, Match]]:
        """(position, match) for the listings kept whose current name has every legal form of
        `forms` (a text that is only a legal form: "bv", "holding"), A-Z, at most `limit`."""
        names = self.name_rows
        found: npt.NDArray[np.int32] | None = None
        for form in forms:
            rows = names.forms.get(form, np.zeros(0, dtype=np.int32))
            found = rows if found is None else np.intersect1d(found, rows)
        if found is None:
            return []
        found = found[names.current[found]]
        at = np.unique(names.listing[found])  # the index is A-Z
        at = at[keep[at]][:limit]
        return [
            (
                position,
                Match(
                    int(self.ids[position]),
                    scoring.FORM_ONLY,
                    "similar",
                    "name",
                    self.names[position],
                    "some_words",
                ),
            )
            for position in at.tolist()
        ]

    def closest(self, query: str, *, keep: Mask, limit: int) -> list[int]:
        """The positions of the `limit` listings `keep` keeps whose current name looks most
        like the normalised `query` letter by letter (rapidfuzz's WRatio, ALIKE at least):
        the names offered when nothing matched. A scan of every name: asked only then."""
        names = self.name_rows
        rows = np.flatnonzero(names.current & keep[names.listing])
        found = process.extract(
            query,
            [names.texts[row] for row in rows],
            scorer=fuzz.WRatio,
            limit=limit * 3,
            score_cutoff=ALIKE,
        )
        positions: dict[int, None] = {}
        for _text, _score, at in found:
            positions[int(names.listing[rows[at]])] = None
        return list(positions)[:limit]

    def candidates(self, query: str, *, keep: Mask, limit: int) -> list[int]:
        """The name rows most likely to score well for the normalised `query`, best estimate
        first, at most `limit`, among the listings `keep` keeps."""
        names = self.name_rows
        words = names.words
        q_words = query.split()
        named_words = set(scoring.core(query).split())
        hits: list[list[tuple[npt.NDArray[np.int32], float]]] = [[] for _ in q_words]
        named: list[npt.NDArray[np.int32]] = []  # rows that matched a word naming a company

        def credit(i: int, rows: npt.NDArray[np.int32], value: float) -> None:
            if value > 0 and len(rows):
                hits[i].append((rows, value))
                if q_words[i] in named_words:
                    named.append(rows)

        for i, typed in enumerate(q_words):
            for at in self._spelled(typed):
                credit(i, words.rows_at(at), scoring.word_credit(typed, words.strings[at]))
            # Two words of a name written as one: "tomtom" for "Tom Tom", "bookingcom".
            for first_at, second_at in self._split(typed):
                together = np.intersect1d(words.rows_at(first_at), words.rows_at(second_at))
                credit(i, together, 1.0)
        for i in range(len(q_words) - 1):  # two words of the query written as one in a name
            left, right = q_words[i], q_words[i + 1]
            joined = left + right
            near = (
                words.near(joined, reach=scoring.joined_reach(joined)) if len(joined) >= 6 else []
            )
            exact = words.find(joined)
            for at in {*near, *([] if exact is None else [exact])}:
                value = scoring.joined_credit(words.strings[at], left, right)
                credit(i, words.rows_at(at), value)
                credit(i + 1, words.rows_at(at), value)

        letters = query.replace(" ", "")
        whole: list[tuple[npt.NDArray[np.int32], float]] = []
        same = names.letters.find(letters)
        if same is not None:
            whole.append((names.letters.rows_at(same), scoring.SAME_LETTERS))
        if len(letters) > 4:
            for at in {*names.letters.starting(letters), *names.letters.near(letters)}:
                value = scoring.WHOLE_TYPO * scoring.word_credit(letters, names.letters.strings[at])
                if value > 0:
                    whole.append((names.letters.rows_at(at), value))

        pieces = [*named, *(rows for rows, _ in whole)]
        if not pieces:
            return []
        chosen = np.unique(np.concatenate(pieces))
        chosen = chosen[keep[names.listing[chosen]]]
        if not len(chosen):
            return []
        found = np.zeros((len(q_words), len(chosen)), dtype=np.float64)
        for i, word_hits in enumerate(hits):
            for rows, value in word_hits:
                slots = np.searchsorted(chosen, rows)
                inside = slots < len(chosen)
                inside[inside] = chosen[slots[inside]] == rows[inside]
                np.maximum.at(found[i], slots[inside], value)
        q_weights = np.array([scoring.weight(word) for word in q_words], dtype=np.float64)
        weighted = q_weights @ found
        q_cover = weighted / q_weights.sum()
        n_cover = np.minimum(weighted / names.weights[chosen], 1.0)
        # The order of words: the first word's credit for the name's first word (or the word
        # its name proper starts with); the query's other words assumed in order.
        by_word = np.zeros(len(words.strings) + 1, dtype=np.float64)  # [-1]: no word
        for at in self._spelled(q_words[0]):
            by_word[at] = scoring.word_credit(q_words[0], words.strings[at])
        lead = np.maximum(by_word[names.first_word[chosen]], by_word[names.lead_word[chosen]])
        estimate = scoring.combine(q_cover, n_cover, scoring.lead_credit(lead, len(q_words)))
        for rows, value in whole:
            slots = np.searchsorted(chosen, rows)
            inside = slots < len(chosen)
            inside[inside] = chosen[slots[inside]] == rows[inside]
            np.maximum.at(estimate, slots[inside], value)
        order = np.lexsort((chosen, names.lengths[chosen], -estimate))[:limit]
        return [int(row) for row in chosen[order].tolist()]

    def _spelled(self, typed: str) -> set[int]:
        """The words of names `typed` may stand for: itself, words it starts or ends, typos."""
        words = self.name_rows.words
        exact = words.find(typed)
        found = set() if exact is None else {exact}
        if len(typed) >= 3:
            found.update(words.starting(typed))
        if len(typed) >= 4:
            found.update(words.near(typed))
        if len(typed) >= scoring.SUFFIX_FROM:
            names, tail = self.name_rows, typed[::-1]
            low = bisect_left(names.backwards, tail)
            high = bisect_right(names.backwards, tail + "\U0010ffff", lo=low)
            found.update(names.backwards_at[low:high])
        return found

    def _split(self, typed: str) -> list[tuple[int, int]]:
        """The ways `typed` is two words of names written as one, each of three letters or
        more (as scoring.joined_credit allows): (first, second) positions among the words."""
        words = self.name_rows.words
        found = []
        for cut in range(3, len(typed) - 2):
            first, second = words.find(typed[:cut]), words.find(typed[cut:])
            if first is not None and second is not None:
                found.append((first, second))
        return found


def index_order(match: Match) -> tuple[float, bool, int, int]:
    """Among equal scores a current name before a former one, then the shorter name."""
    return (-match.score, match.matched_on != "name", len(match.matched_name), match.listing_id)


_held: dict[int, RegisterIndex] = {}
_lock = threading.Lock()


def index_of(register: Register) -> RegisterIndex:
    """The register's index as of its current edition and enrichment version (as read with
    `register`): the one held, or built now if that is of another. Never kept for a register
    without a current edition (data written without a sync, in tests)."""
    key = IndexKey.of(register)
    held = _held.get(register.pk)
    if held is not None and held.key == key and key.edition_id is not None:
        return held
    with _lock:  # one build at a time in a threaded server; the others wait and take it
        held = _held.get(register.pk)
        if held is None or held.key != key or key.edition_id is None:
            held = RegisterIndex.build(register, previous=held)
            if key.edition_id is not None:
                _held[register.pk] = held
    return held


def warm() -> None:
    """Build the index of every register that has an edition: a web process calls it when it
    starts, so the first visitor after a deploy or a restart does not wait for it. A database
    that cannot be read yet (not migrated) is logged, not fatal."""
    try:
        registers = list(Register.objects.exclude(current_edition=None))
        for register in registers:
            index_of(register)
    except DatabaseError as error:
        log.warning("search index not built at start: %s", error)


def forget() -> None:
    """Drop every index (tests: a clean start)."""
    _held.clear()
