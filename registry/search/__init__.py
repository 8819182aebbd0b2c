"""Search: the one seam the search page, the JSON API, the CSV, the feed and the bulk check call.

- search(query, page=, per_page=): a page of results, with the facets' counts.
- select(query): every result in order, for the CSV and the feed.
- check(texts): the best match of each text, for the bulk check (registry.bulk words it).

All three answer from the register's index in memory (registry.search.index), so they cannot
disagree: the listings the filters leave are masks over its columns, a text is found among its
names and scored by registry.search.scoring, the facets are counted over the same masks
(registry.search.facets). The database is asked only where it is the better tool: the
register's row (its current edition and enrichment version say which index answers) and, for
a search as of a date, the listings of that edition from the stored events.

A text search ranks at most index.CANDIDATES listings, among the listings the filters before
the text leave (listed since, new in the last editions, as of a date); the facets then narrow
and count those.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations

import numpy as np

from registry import places
from registry.models import Listing, Register
from registry.search import facets, scoring
from registry.search.facets import Facet
from registry.search.index import Mask, Positions, RegisterIndex, index_of, index_order
from registry.search.query import SearchQuery
from registry.search.results import Result
from registry.search.scoring import Match
from registry.text import (
    dutch_words,
    kvk_digits,
    only_legal_forms,
    search_text,
    without_job_words,
)
from registry.timeline import AsOfAnswer, register_as_of

__all__ = ["Result", "SearchPage", "SearchQuery", "check", "known_places", "search", "select"]

NEAREST = 3  # the closest names offered when nothing matched
GROUP = 10  # at most this many equal matches named together
# Before a place's name, a word that makes it a surname ("De Vries", "Van Leiden"), or one
# that says where ("Coolblue in Utrecht"): _readings.
SURNAME_PARTICLES = frozenset({"de", "van", "den", "der", "het", "ter", "ten", "op", "aan", "t"})
PLACE_PREPOSITIONS = frozenset({"in", "te", "uit"})
READING = 0.97  # a match of another reading of the text (_read) weighs this much of its score
# When no name has the words as typed, the names with some of them (_some_words): each word
# left out counts this much of a found one, so "just eat takeaway" finds Takeaway.com, as a
# weaker answer than a name with all three words would be.
LEFT_OUT = 0.5
SOME_WORDS_UP_TO = 8  # words in a text that is read by some of its words (_some_words)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of a search: its results, how many there are in all, and the facets."""

    query: SearchQuery
    results: list[Result]
    count: int
    number: int  # the page served: the one asked for, within 1 and num_pages
    per_page: int
    facets: list[Facet]
    as_of: AsOfAnswer | None = None
    nearest: list[Result] = field(default_factory=list)  # when a text matched nothing
    # The employers that match the text equally well, with the words as typed, when there are
    # several (a group's entities: "shell", "unilever"): the page says so and lists them.
    group: list[Result] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True, slots=True)
class Selection:
    """What a search selects, in order: positions in the register's index."""

    index: RegisterIndex
    positions: Positions
    matches: dict[int, Match]  # by position, for a text search
    as_of: AsOfAnswer | None

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def as_of_date(self) -> date | None:
        """The date the results are about, when the search was as of a date it could answer."""
        answer = self.as_of
        return answer.day if answer is not None and answer.edition is not None else None

    def result(self, at: int) -> Result:
        return self.index.result(at, match=self.matches.get(at), as_of=self.as_of_date)

    def __iter__(self) -> Iterator[Result]:
        for at in self.positions.tolist():
            yield self.result(at)

    def ids(self) -> list[int]:
        return self.index.ids[self.positions].tolist()  # type: ignore[no-any-return]


def search(
    query: SearchQuery, *, page: int = 1, per_page: int = 50, register: Register | None = None
) -> SearchPage:
    """A page of the results of a valid search, and the facets' counts. A page out of range
    gives the last (or the first). `register`: the register row as the request read it (its
    current edition and enrichment version pick the index), read by the query's slug if not
    given."""
    index, base, ranking, answer = _base(query, register)
    chosen = facets.masks(index, query)
    counted = facets.counted(index, query, base=base, chosen=chosen)
    selection = _selected(index, query, base=base, ranking=ranking, chosen=chosen, as_of=answer)
    count = len(selection)
    pages = max(1, -(-count // per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    at = selection.positions[start : start + per_page].tolist()
    results = [selection.result(i) for i in at]
    nearest = _nearest(index, query) if query.text and not count else []
    group = _group(selection) if query.sort == "relevance" else []
    return SearchPage(
        query=query,
        results=results,
        count=count,
        number=number,
        per_page=per_page,
        facets=counted,
        as_of=answer,
        nearest=nearest,
        group=group,
    )


def select(query: SearchQuery, *, register: Register | None = None) -> Selection:
    """Every result of a valid search, in its order (the CSV, the feed)."""
    index, base, ranking, answer = _base(query, register)
    chosen = facets.masks(index, query)
    return _selected(index, query, base=base, ranking=ranking, chosen=chosen, as_of=answer)


def check(
    texts: Sequence[str], *, register: Register | None, as_of: date | None = None
) -> tuple[list[list[Result]], AsOfAnswer | None]:
    """What each text matches among every listing of the register, listed or not (so a
    company that left says "removed"), in order: the best match first, then those that match
    it equally with the words as typed (a group's entities), or [] where nothing matched or
    the text is empty (a line that could not be checked). `as_of`: among the listings of the
    edition of that date, with their status then; its answer is returned (else None). A
    repeated text is ranked once."""
    found: dict[str, list[Result]] = {}
    answer = None
    if register is not None:
        index = index_of(register)
        keep = np.ones(len(index), dtype=np.bool_)
        if as_of is not None:
            answer = register_as_of(register, as_of)
            keep &= _listed_then(index, answer)
        day = as_of if answer is not None and answer.edition is not None else None
        for text in dict.fromkeys(text for text in texts if text):
            ranked = _ranked(index, text, keep=keep, as_of=day is not None)
            if not ranked:
                continue
            selection = Selection(
                index=index,
                positions=np.array([at for at, _ in ranked[: GROUP + 1]], dtype=np.intp),
                matches=dict(ranked[: GROUP + 1]),
                as_of=answer,
            )
            found[text] = _group(selection) or [selection.result(ranked[0][0])]
    return [found.get(text, []) if text else [] for text in texts], answer


def _listed_then(index: RegisterIndex, answer: AsOfAnswer) -> Mask:
    """The listings of the edition an as-of answer rests on (none when it has no edition:
    unknown, not "none listed"; the answer's note says so)."""
    if answer.edition is None:
        return np.zeros(len(index), dtype=np.bool_)
    listed = Listing.objects.listed_in(answer.edition).values_list("pk", flat=True)
    return index.with_ids(listed)


def known_places(register: Register | None) -> places.PlaceNames:
    """The places a city filter may name in a search of this register (by folded name): the
    CBS places, its employers' cities and the aliased places (from its index)."""
    if register is None:
        return RegisterIndex.empty("").place_names
    return index_of(register).place_names


def _base(
    query: SearchQuery, register: Register | None
) -> tuple[RegisterIndex, Mask, list[tuple[int, Match]] | None, AsOfAnswer | None]:
    """The index, the listings every filter but the facets leave (the text ranked among
    them), the ranking of a text search, and the answer of a search as of a date."""
    if register is None:
        register = Register.objects.filter(slug=query.register).first()
    index = RegisterIndex.empty(query.register) if register is None else index_of(register)
    base = np.ones(len(index), dtype=np.bool_)
    answer = None
    if query.as_of is not None and register is not None:
        answer = register_as_of(register, query.as_of)
        base &= _listed_then(index, answer)
    if query.listed_since is not None:
        base &= index.first_listed_since(query.listed_since)
    if query.recent_editions:
        base &= index.new_in_last(query.recent_editions)
    ranking = None
    if query.text:
        ranking = _ranked(index, query.text, keep=base, as_of=answer is not None)
        base = np.zeros(len(index), dtype=np.bool_)
        base[[at for at, _ in ranking]] = True
    return index, base, ranking, answer


def _ranked(
    index: RegisterIndex, text: str, *, keep: Mask, as_of: bool = False
) -> list[tuple[int, Match]]:
    """The listings kept that `text` may mean, best first; at an equal score a listed one
    before one that left the register. Verdicts settled among them (scoring.settled); `as_of`:
    the listings kept are those of an earlier edition, so "removed" (today) was "listed"."""
    digits = kvk_digits(text)
    if digits is not None:
        found = index.kvk_matches(digits, keep=keep)
    else:
        normalised = search_text(text)
        forms = only_legal_forms(text)
        if forms:  # "bv", "holding": a name that is only that, then the names with it
            exact = [
                (at, m) for at, m in index.rank(normalised, keep=keep) if m.reason == "exact_name"
            ]
            held = {at for at, _ in exact}
            found = exact + [
                (at, m) for at, m in index.with_forms(forms, keep=keep) if at not in held
            ]
        else:
            found = _read(index, normalised, keep=keep) if normalised else []
    matches = scoring.settled([match for _, match in found], as_of=as_of)
    ranked = [(at, match) for (at, _), match in zip(found, matches, strict=True)]
    # Stable: the index's own order among equals (current name, shorter name) stands.
    ranked.sort(key=lambda item: (-item[1].score, not index.listed[item[0]]))
    return ranked


def _read(index: RegisterIndex, normalised: str, *, keep: Mask) -> list[tuple[int, Match]]:
    """The text ranked as typed, as the initials of a name ("klm") and by its other readings
    (_readings): each listing by its best. A match by another reading is never the exact
    name, and weighs READING of its score unless the reading took off a place that is the
    listing's own city. A text that is a name as typed is that name: no other reading asked."""
    ranked = index.rank(normalised, keep=keep)  # in index_order already
    if any(match.reason == "exact_name" for _, match in ranked):
        return ranked  # the name itself
    found = dict(ranked)
    for at, match in index.by_initials(normalised, keep=keep):
        if at not in found or found[at].score < match.score:
            found[at] = match
    for reading, officials in _readings(index, normalised):
        for at, match in index.rank(reading, keep=keep):
            city = index.city.values[index.city.codes[at]]
            score = round(match.score * (1 if city and city in officials else READING), 3)
            held = found.get(at)
            if held is not None and held.score >= score:
                continue
            found[at] = replace(
                match,
                score=score,
                verdict=scoring.verdict_of(score, exact=False, listed=bool(index.listed[at])),
                reason="all_words" if match.reason == "exact_name" else match.reason,
            )
    if not found:
        found = _some_words(index, normalised, keep=keep)
    return sorted(found.items(), key=lambda item: index_order(item[1]))


def _some_words(index: RegisterIndex, normalised: str, *, keep: Mask) -> dict[int, Match]:
    """When nothing matched the whole text: the names that match most of its words, each left
    out word lowering the score (LEFT_OUT), never an empty answer while a name has some of
    the words, and never more than "similar"."""
    words = normalised.split()
    if not 2 <= len(words) <= SOME_WORDS_UP_TO:
        return {}
    alone = {
        word: index.rank(word, keep=keep)
        for word in dict.fromkeys(words)
        if len(word) >= 3 and not scoring.is_generic(word)
    }
    # Left out first: a word that names something yet finds no name ("glassdoor"). A generic
    # or short word stays beside the words that find ("global offshore", "w o accountants").
    kept_words = [word for word in dict.fromkeys(words) if alone.get(word, True)]
    for size in range(min(len(kept_words), len(words) - 1), 0, -1):
        found: dict[int, Match] = {}
        factor = (size + LEFT_OUT * (len(words) - size)) / len(words)
        for kept in combinations(kept_words, size):
            if not any(alone.get(word) for word in kept):
                continue  # only generic or short words: they would find half the register
            ranked = alone[kept[0]] if size == 1 else index.rank(" ".join(kept), keep=keep)
            for at, match in ranked:
                score = round(match.score * factor, 3)
                if score < scoring.SIMILAR or (at in found and found[at].score >= score):
                    continue
                # Never more than "similar": the name lacks words that were typed.
                found[at] = replace(
                    match, score=score, verdict="similar", reason="some_words", as_typed=False
                )
        if found:
            return found
    return {}


def _readings(index: RegisterIndex, normalised: str) -> list[tuple[str, tuple[str, ...]]]:
    """What else the normalised text may mean, with the official names of the place it ended
    with (if that reading took one off): its English words of Dutch institutions in Dutch
    ("erasmus university rotterdam"), without a job seeker's words ("werken bij coolblue",
    "adyen careers"), and without a trailing place ("coolblue utrecht"), an employer's city
    whether or not the enrichment knows it."""
    texts = [normalised]
    dutch = dutch_words(normalised)
    if dutch:
        texts.append(dutch)
    for text in list(texts):
        bare = without_job_words(text)
        if bare:
            texts.append(bare)
    readings: list[tuple[str, tuple[str, ...]]] = [(text, ()) for text in texts[1:]]
    for text in texts:
        words = text.split()
        for size in (1, 2, 3):
            if len(words) <= size:
                break
            rest = words[:-size]
            if rest[-1] in SURNAME_PARTICLES:
                continue  # "De Vries", "Van Leiden": a surname, not a place
            officials = places.official_names_in(" ".join(words[-size:]), index=index.place_names)
            if officials:
                while len(rest) > 1 and rest[-1] in PLACE_PREPOSITIONS:  # "Coolblue in Utrecht"
                    rest = rest[:-1]
                readings.append((" ".join(rest), tuple(officials)))
    return list(dict.fromkeys(readings))


def _selected(
    index: RegisterIndex,
    query: SearchQuery,
    *,
    base: Mask,
    ranking: list[tuple[int, Match]] | None,
    chosen: dict[str, Mask],
    as_of: AsOfAnswer | None,
) -> Selection:
    kept = facets.all_of(base, list(chosen.values()))
    matches = dict(ranking or [])
    if ranking is not None and query.sort == "relevance":
        positions = np.array([at for at, _ in ranking if kept[at]], dtype=np.intp)
    elif query.sort in ("newest", "recent"):
        positions = index.newest[kept[index.newest]]
    else:  # "name", and "relevance" without a text: A-Z
        positions = np.flatnonzero(kept)
    return Selection(index=index, positions=positions, matches=matches, as_of=as_of)


def _group(selection: Selection) -> list[Result]:
    """The first results when several match the text equally, with the words as typed (the
    entities of one group: Shell Nederland B.V., Shell International B.V.), up to GROUP."""
    if not selection.matches:  # no text: nothing matched
        return []
    ranked = [selection.matches[at] for at in selection.positions[: GROUP + 1].tolist()]
    if len(ranked) < 2 or ranked[0].reason not in scoring.AS_TYPED:
        return []
    top = ranked[0].score
    equal = [m for m in ranked if m.reason in scoring.AS_TYPED and top - m.score < scoring.EQUAL]
    if len(equal) < 2:
        return []
    return [selection.result(at) for at in selection.positions[: len(equal)].tolist()]


def _nearest(index: RegisterIndex, query: SearchQuery) -> list[Result]:
    """The closest names of listed companies when nothing matched: offered, never a match.
    The best-scored first; when scoring finds too few (no word of the text is near a word of
    a name), the names most alike letter by letter."""
    normalised = search_text(query.text)
    if not normalised or kvk_digits(query.text) is not None:
        return []
    found = [at for at, _match in index.rank(normalised, keep=index.listed, limit=60, minimum=0.0)]
    if len(found) < NEAREST:
        alike = index.closest(normalised, keep=index.listed, limit=NEAREST)
        found += [at for at in alike if at not in found]
    return [index.result(at) for at in found[:NEAREST]]
