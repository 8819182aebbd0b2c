"""Every name of a register in memory, for finding a text search's candidates without a query.

On PostgreSQL a search's candidates came from pg_trgm: one query whose index scan tests every
name that shares trigrams with the text (7 ms for "techniek", 10 to 25 ms for the register's
commonest words), the closest 300 by trigram similarity then scored by registry.search. Here
they are found by the words name_score() rewards, in the register's vocabulary (13,179
distinct words of the July 2026 edition's 12,885 names; about 16 MB in memory, with the
scoring's parts of each name that registry.search keeps):

- each word of the query is looked up as name_score() matches words: equal, the start of a
  word, a typo or two (rapidfuzz's optimal string alignment, in C, over the words of about the
  same length whose letters allow it), and two words written as one, either way;
- a whole text typed with a typo or two, or cut short, is looked up among the names' letters
  without spaces ("taxiss.ml", "jpmorg");
- the names that have a word of the query that names a company (registry.search._core; every
  word when none does) are candidates; each is given an estimate of its score from the words
  it matched, in name_score()'s own terms (the query's words found, the name's words
  accounted for, and the order of words judged by the query's first word against the name's
  first: a few NumPy operations over all names), and the CANDIDATES best estimates are scored
  exactly by registry.search, as pg_trgm's closest were.

The estimate replaces trigram similarity as the order in which candidates are cut. It is not
exact: for a word a thousand names have, the 300 cut may leave out a name name_score() would
rate a little higher. Measured on the July 2026 edition against scoring every name, for the
bench's 200 new searches and 13 of the register's commonest words: the same first match for
213 of 213, the same first ten for 209 (211 and 198 before the order of words was
estimated). It is the same on SQLite, which had a cruder trigram count.

Names change only with a new edition: a register's names are read once per process for its
current edition (one query and the index: about 100 ms for the Work register).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.conf import settings
from rapidfuzz import process
from rapidfuzz.distance import OSA

from registry.models import ListingName

KEPT = 4  # registers' names kept in memory at once
TYPO_REACH = 2  # the most edits name_score() allows in a word (registry.search._word_credit)

Candidate = tuple[int, str, str, bool, bool]  # registry.search.Candidate
# What is read of each name, here and by search's substring candidates (SQLite): whether it is
# its listing's current name (last seen in the listing's last edition) and whether the listing
# is listed now are worked out from these.
NAME_ROW = (
    "listing_id",
    "name",
    "search_text",
    "last_edition__published_on",
    "listing__last_listed",
    "listing__removed_on",
)
Keep = Callable[[npt.NDArray[np.int64]], npt.NDArray[np.bool_]]


class _Words:
    """A set of strings, each standing for some names: looked up whole, by its start, or with
    a typo or two."""

    def __init__(self, names_of: dict[str, list[int]]) -> None:
        self.postings = dict(names_of)  # lists: NumPy takes them as indices as they are
        self.sorted = sorted(names_of)
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in self.sorted:
            by_length[len(word)].append(word)
        self.by_length = dict(by_length)
        self.bits_by_length = {n: _letter_bits_of(strings, n) for n, strings in by_length.items()}
        # The strings near() may find for a word, per (length, reach), with each one's letters
        # (_letter_bits): made when first asked.
        self._within: dict[tuple[int, int], tuple[list[str], npt.NDArray[np.uint64]]] = {}

    def starting(self, start: str) -> list[str]:
        found = []
        for i in range(bisect_left(self.sorted, start), len(self.sorted)):
            if not self.sorted[i].startswith(start):
                break
            found.append(self.sorted[i])
        return found

    def near(self, word: str, *, reach: int = TYPO_REACH) -> list[str]:
        """The strings within `reach` edits of `word` (itself included when present).

        An edit adds at most one letter the other string lacks and takes away at most one,
        so a string with more than `reach` letters `word` has not, or lacking more than
        `reach` of its letters, is not within reach: that test, on bit sets of letters,
        leaves some 400 of the 6,500 strings of about the same length for the edit distance
        (in C), a sixth of the time of measuring them all."""
        key = (len(word), reach)
        within = self._within.get(key)
        if within is None:
            lengths = range(len(word) - reach, len(word) + reach + 1)
            strings = [other for n in lengths for other in self.by_length.get(n, ())]
            bits = np.concatenate(
                [self.bits_by_length[n] for n in lengths if n in self.bits_by_length]
                or [np.zeros(0, dtype=np.uint64)]
            )
            within = self._within[key] = (strings, bits)
        strings, bits = within
        own = np.uint64(_letter_bits(word))
        close = (np.bitwise_count(bits & ~own) <= reach) & (np.bitwise_count(own & ~bits) <= reach)
        choices = [strings[i] for i in np.flatnonzero(close).tolist()]
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=reach, limit=None)
        return [other for other, _distance, _index in found]


def _letter_bits(text: str) -> int:
    """The letters of `text` as a set of bits, 63 of them: two letters may share one, which
    makes two strings look closer than they are, never further apart (_Words.near)."""
    bits = 0
    for letter in text:
        bits |= 1 << (ord(letter) % 63)
    return bits


def _letter_bits_of(strings: list[str], length: int) -> npt.NDArray[np.uint64]:
    """_letter_bits() of each of `strings`, all `length` letters long, at once."""
    # A lone surrogate (not valid text, but a str) is one code point as ord() sees it.
    codes = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bits = np.left_shift(np.uint64(1), (codes % 63).astype(np.uint64))
    found: npt.NDArray[np.uint64] = np.bitwise_or.reduce(bits.reshape(len(strings), length), axis=1)
    return found


@dataclass(slots=True)
class Lexicon:
    """One register's names, a row per name (a listing has one per name it was listed under)."""

    listing_ids: npt.NDArray[np.int64]
    names: list[str]
    texts: list[str]  # search_text (registry.text)
    current: list[bool]  # the listing's name now
    listed: list[bool]  # the listing is on the register now
    lengths: npt.NDArray[np.int32]  # of the text: the shorter name first among equal estimates
    weights: npt.NDArray[np.float64]  # the name's words' weights, summed (search._weight)
    # The name's first word and the word its name proper starts with (search._lead), as
    # positions in words.sorted (-1: none).
    first_word: npt.NDArray[np.int32]
    lead_word: npt.NDArray[np.int32]
    word_at: dict[str, int]  # a word's position in words.sorted
    words: _Words
    joined: _Words  # two neighbouring words written as one: "datadog" for "data dog"
    letters: _Words  # the whole text without spaces

    @classmethod
    def read(cls, register_slug: str) -> Lexicon:
        from registry.search import _parts  # search imports this module

        rows = list(
            ListingName.objects.filter(listing__register__slug=register_slug)
            .order_by("pk")
            .values_list(*NAME_ROW)
        )
        words: dict[str, list[int]] = defaultdict(list)
        joined: dict[str, list[int]] = defaultdict(list)
        letters: dict[str, list[int]] = defaultdict(list)
        weights = []
        leads: list[tuple[str, str]] = []
        for i, (_, _, text, _, _, _) in enumerate(rows):
            # The scoring's own parts of the text, kept for it (registry.search._parts).
            whole, split, _, total, start = _parts(text)
            leads.append((split[0], split[start]) if split else ("", ""))
            for word in set(split):
                words[word].append(i)
            for first, second in set(zip(split, split[1:], strict=False)):
                joined[first + second].append(i)
            letters[whole].append(i)
            weights.append(total or 1.0)
        vocabulary = _Words(words)
        at = {word: i for i, word in enumerate(vocabulary.sorted)}
        return cls(
            listing_ids=np.array([row[0] for row in rows], dtype=np.int64),
            names=[row[1] for row in rows],
            texts=[row[2] for row in rows],
            current=[row[3] == row[4] for row in rows],
            listed=[row[5] is None for row in rows],
            lengths=np.array([len(row[2]) for row in rows], dtype=np.int32),
            weights=np.array(weights, dtype=np.float64),
            first_word=np.array([at.get(first, -1) for first, _ in leads], dtype=np.int32),
            lead_word=np.array([at.get(lead, -1) for _, lead in leads], dtype=np.int32),
            word_at=at,
            words=vocabulary,
            joined=_Words(joined),
            letters=_Words(letters),
        )

    def candidates(
        self, query: str, core: str, *, keep: Keep | None = None, limit: int
    ) -> list[Candidate]:
        """The `limit` names most likely to score well for the normalised `query`, best
        estimate first, among the names whose listings `keep` keeps (None: all): what
        registry.search._candidates finds with a query, found in memory."""
        from registry.search import _joined_credit, _weight, _word_credit

        size = len(self.texts)
        q_words = query.split()
        core_words = set(core.split())
        found = np.zeros((len(q_words), size), dtype=np.float64)  # each word's best credit
        named = np.zeros(size, dtype=np.bool_)  # a word that names a company matched

        def credit(row: int, hits: Iterable[tuple[str, float]], words: _Words) -> None:
            for hit, value in hits:
                if value > 0:
                    names = words.postings[hit]
                    np.maximum.at(found[row], names, value)
                    if q_words[row] in core_words:
                        named[names] = True

        first_hits: list[tuple[str, float]] = []  # the first word's, for the order of words
        for row, typed in enumerate(q_words):
            hits = [(w, _word_credit(typed, w)) for w in self._spelled(typed)]
            credit(row, hits, self.words)
            if row == 0:
                first_hits = hits
            if len(typed) > 2:  # two words of a name written as one
                near = (
                    self.joined.near(typed, reach=_joined_reach(typed)) if len(typed) >= 6 else []
                )
                pairs = set(near) | ({typed} if typed in self.joined.postings else set())
                credit(row, ((w, _joined_of(typed, w)) for w in pairs), self.joined)
        for row in range(len(q_words) - 1):  # two words of the query written as one in a name
            first, second = q_words[row], q_words[row + 1]
            together = first + second
            near = (
                self.words.near(together, reach=_joined_reach(together))
                if len(together) >= 6
                else []
            )
            hits = [
                (w, _joined_credit(w, first, second))
                for w in {*near, together}
                if w in self.words.postings
            ]
            credit(row, hits, self.words)
            credit(row + 1, hits, self.words)

        q_weights = np.array([_weight(word) for word in q_words], dtype=np.float64)
        weighted = q_weights @ found
        q_cover = weighted / q_weights.sum()
        n_cover = np.minimum(weighted / self.weights, 1.0)
        # The order of words (search._lead): the first word's credit for the name's first word
        # (or the word its name proper starts with), the query's other words assumed in order.
        by_word = np.zeros(len(self.words.sorted) + 1, dtype=np.float64)  # [-1]: no word
        for hit, value in first_hits:
            by_word[self.word_at[hit]] = value
        lead = np.maximum(by_word[self.first_word], by_word[self.lead_word])
        lead = (lead + len(q_words) - 1) / len(q_words)
        estimate = q_cover * (0.65 + 0.2 * n_cover + 0.15 * lead)  # name_score()'s terms
        self._whole(query.replace(" ", ""), estimate, named)
        chosen = np.flatnonzero(named)
        if keep is not None and len(chosen):
            chosen = chosen[keep(self.listing_ids[chosen])]
        order = np.lexsort((chosen, self.lengths[chosen], -estimate[chosen]))[:limit]
        return [
            (
                int(self.listing_ids[i]),
                self.names[i],
                self.texts[i],
                self.current[i],
                self.listed[i],
            )
            for i in chosen[order].tolist()
        ]

    def _spelled(self, typed: str) -> set[str]:
        """The words of names `typed` may stand for: itself, words it starts, typos."""
        found = {typed} if typed in self.words.postings else set()
        if len(typed) >= 3:
            found.update(self.words.starting(typed))
        if len(typed) >= 4:
            found.update(self.words.near(typed))
        return found

    def _whole(
        self, letters: str, estimate: npt.NDArray[np.float64], named: npt.NDArray[np.bool_]
    ) -> None:
        """The names whose whole text is `letters` spaced differently, cut short, or with a
        typo or two (name_score()'s 0.97 and `whole`): marked and estimated in place."""
        from registry.search import _word_credit

        if letters in self.letters.postings:
            names = self.letters.postings[letters]
            estimate[names] = np.maximum(estimate[names], 0.97)
            named[names] = True
        if len(letters) <= 4:
            return
        for other in {*self.letters.starting(letters), *self.letters.near(letters)}:
            value = 0.75 * _word_credit(letters, other)
            if value > 0:
                names = self.letters.postings[other]
                estimate[names] = np.maximum(estimate[names], value)
                named[names] = True


def _joined_of(typed: str, pair: str) -> float:
    """The credit of a typed word for two neighbouring words written as `pair` (the lexicon
    keeps the pair's letters only): search._joined_credit's, for a split it allows."""
    from registry.search import JOINED, _word_credit

    if typed == pair:
        return 1.0
    if len(typed) < 6:
        return 0.0
    value = _word_credit(typed, pair)
    return value if value >= JOINED else 0.0


_kept: dict[tuple[str, int], Lexicon] = {}
_lock = threading.Lock()


def of(register_slug: str, *, edition_id: int | None) -> Lexicon:
    """The register's names as of its current edition `edition_id`, kept in this process's
    memory until the register has another (every change to names, or to whether a listing is
    on the register, comes with a new current edition: sync, import, backfill); read every
    time without an edition, or with settings.TALLY_SECONDS at 0 (the columns' own rule)."""
    if edition_id is None or not settings.TALLY_SECONDS:
        return Lexicon.read(register_slug)
    key = (register_slug, edition_id)
    found = _kept.get(key)
    if found is None:
        found = Lexicon.read(register_slug)
        with _lock:
            for other in [k for k in _kept if k[0] == register_slug and k[1] < edition_id]:
                _kept.pop(other, None)  # an earlier edition's: never asked for again
            if len(_kept) >= KEPT:
                _kept.pop(next(iter(_kept)))
            _kept[key] = found
    return found


def forget() -> None:
    """Drop every register's names (tests: a clean start)."""
    _kept.clear()


def _joined_reach(word: str) -> int:
    """The typos search._joined_credit allows in two words written as one: one in ten letters
    (its JOINED threshold of 0.9), so two from 20 letters on."""
    return 2 if len(word) >= 20 else 1
