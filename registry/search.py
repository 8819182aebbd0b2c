"""Forgiving search: which listings a typed name or number most likely means, and how sure.

Names are compared on `ListingName.search_text` (folded, legal forms dropped; registry.text).
Candidates are found among the register's names in memory (registry.lexicon: by the words of
the query that name a company, not "nederland", "group"), as the pages, the CSV, the feed and
the bulk check do; without the names in memory, by one query: on PostgreSQL pg_trgm's word
similarity through a GIN index, on SQLite a count of the query's trigrams in each name. Every
path then scores candidates with the same Python function, name_score(), so ranking is one
piece of code:

- every word is matched to its best counterpart: equal, the start of a word (a brand cut short,
  a word being typed), one or two typos (swapped letters included), two words written as one;
- generic words weigh a fifth of a word, so "Tebi Nederland" means Tebi B.V., not Xebia
  Nederland B.V.;
- the query's words found in the name count most, then the name's words the query accounts
  for, then the query's words in the order the name starts with (brands lead legal names).

Verdicts, strongest first:
- listed: the KvK number, or the whole name after normalisation, of a company on the register
  now. Never given to a company that is not on the register.
- removed: the same exact match, but the company is no longer listed.
- likely: a close match (typo, a missing or extra word, a brand that starts the legal name).
- similar: a weaker candidate worth a look.

tests/test_relevance.py measures all this on the 13 real editions (top-1 and top-3 hit rates
per kind of query); change the scoring for a kind of miss it shows, not for one name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Case, Expression, F, Q, QuerySet, When
from django.db.models.functions import Greatest
from rapidfuzz.distance import OSA

from registry.lexicon import NAME_ROW, Keep, Lexicon
from registry.models import Company, Listing, ListingName
from registry.results import COMPANY, RESULT_COLUMNS
from registry.text import GENERIC_WORDS, search_text

if TYPE_CHECKING:
    from registry.querysets import ListingQuerySet

CANDIDATES = 300  # names scored per query, the most likely first: at most as many results
LIKELY = 0.7
SIMILAR = 0.45
FORMER = 0.98  # a name the company no longer uses is a little weaker than the one it uses
GENERIC_WEIGHT = 0.2  # a generic word ("nederland", "group") counts for this much of a word
# Two words written as one count only when (nearly) equal: one edit in ten letters at most,
# so "vi technologies" is not "technologies" with two letters more.
JOINED = 0.9
# pg_trgm's word similarity threshold for nearest(): names that share a few trigrams.
NEAREST_WORD_SIMILARITY = 0.2
# nearest() offers three names: it scores the closest by trigrams, not a search's 300.
NEAREST_CANDIDATES = 60


@dataclass(frozen=True, slots=True)
class Match:
    listing_id: int
    score: float  # 0 to 1
    verdict: str  # listed | removed | likely | similar
    matched_on: str  # name | former_name | kvk
    matched_name: str  # the name that matched: a former name when matched_on is former_name


# "KvK 1234 5678", "kvk-nummer: 12345678", "KVK no. 12.34.56.78": the label is not the number.
_KVK_LABEL = re.compile(r"^\s*kvk(?:[\s-]*(?:nummer|number|nr|no)\b)?\.?\s*[:#]?", re.IGNORECASE)


def kvk_digits(text: str) -> str | None:
    """The digits of a pasted KvK number (spaces, dots and a "KvK" label allowed), or None if
    it is not one."""
    text = _KVK_LABEL.sub("", text)
    digits = "".join(ch for ch in text if not ch.isspace() and ch != ".")
    if digits.isascii() and digits.isdigit() and 1 <= len(digits) <= 9:
        return digits
    return None


@dataclass(frozen=True, slots=True)
class Ranking:
    """What ranking() found: the matches, best first, and the results rows of the candidates
    where the candidates' query read them with their names (PostgreSQL), so a search needs
    no second read: {listing id: the values of registry.results.RESULT_COLUMNS and the
    register's slug}. Empty where they were not read (a KvK number, SQLite)."""

    matches: list[Match]
    rows: dict[int, tuple[Any, ...]]


def rank(
    listings: QuerySet[Listing],
    text: str,
    *,
    names: Lexicon | None = None,
    among: npt.NDArray[np.int64] | None = None,
) -> list[Match]:
    """The listings among `listings` that `text` may mean, best first (with `names` and
    `among`: see ranking())."""
    return ranking(listings, text, with_rows=False, names=names, among=among).matches


def ranking(
    listings: QuerySet[Listing],
    text: str,
    *,
    with_rows: bool = True,
    names: Lexicon | None = None,
    among: npt.NDArray[np.int64] | None = None,
) -> Ranking:
    """rank(), with the rows its candidates' query read (Ranking) unless `with_rows` is off
    (the bulk check reads the companies it matched apart, for a whole list at once).

    With `names`, the register's names in memory (registry.lexicon), the candidates are
    found there instead of by a query, among the listings whose ids are `among` (the ids of
    `listings`, known beforehand) or, without it, those `listings` keeps (one query of the
    candidates' ids); their rows are then read apart (results())."""
    digits = kvk_digits(text)
    if digits is not None:
        return Ranking(_rank_kvk(listings, digits), {})
    query = search_text(text)
    if not query:
        return Ranking([], {})
    if names is not None:
        if listings.query.is_empty():
            return Ranking([], {})
        return Ranking(_among_names(query, names, keep=_keeper(listings, among)), {})
    candidates, rows = _candidates(listings, query, with_rows=with_rows)
    return Ranking(_best(candidates, query), rows)


def rank_in_memory(text: str, *, names: Lexicon, among: npt.NDArray[np.int64]) -> list[Match]:
    """rank() for a text that is not a KvK number, among the listings whose ids are `among`,
    without a queryset: the candidates found among the register's `names` in memory
    (registry.lexicon). The search page builds no query for its text this way (the filters'
    querysets cost a new search about a millisecond here, and were never run)."""
    query = search_text(text)
    if not query:
        return []
    return _among_names(query, names, keep=_kept_among(among))


def _among_names(query: str, names: Lexicon, *, keep: Keep) -> list[Match]:
    """The matches of a normalised query among the register's names in memory, best first:
    the CANDIDATES most likely, among the listings `keep` keeps, scored."""
    return _best(names.candidates(query, _core(query), keep=keep, limit=CANDIDATES), query)


def _kept_among(among: npt.NDArray[np.int64]) -> Keep:
    """Which of a lexicon's candidate listings have one of the ids `among`."""
    return lambda ids: np.isin(ids, among)


def _best(candidates: list[Candidate], query: str) -> list[Match]:
    """The candidates' matches, best first. Among equal scores: a current name before a
    former one, then the shorter name; the queryset's search() keeps this order."""
    return sorted(
        _score(candidates, query).values(),
        key=lambda m: (-m.score, m.matched_on != "name", len(m.matched_name), m.listing_id),
    )


def _keeper(listings: QuerySet[Listing], among: npt.NDArray[np.int64] | None) -> Keep:
    """Which of a lexicon's candidate listings are among `listings`: by `among`, their ids,
    or by one query of the candidates' ids."""
    if among is not None:
        return _kept_among(among)

    def kept(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        wanted = np.unique(ids).tolist()
        found = cast("ListingQuerySet", listings).with_ids(wanted).values_list("pk", flat=True)
        return np.isin(ids, np.array(list(found), dtype=np.int64))

    return kept


def _score(rows: list[tuple[int, str, str, bool, bool]], query: str) -> dict[int, Match]:
    """The best match per listing among candidate names."""
    best: dict[int, Match] = {}
    for listing_id, name, text_of_name, is_current, is_listed in rows:
        score = name_score(query, text_of_name) * (1 if is_current else FORMER)
        if score < SIMILAR:
            continue
        if text_of_name == query:
            verdict = "listed" if is_listed else "removed"
        else:
            verdict = "likely" if score >= LIKELY else "similar"
        match = Match(
            listing_id=listing_id,
            score=round(score, 3),
            verdict=verdict,
            matched_on="name" if is_current else "former_name",
            matched_name=name,
        )
        held = best.get(listing_id)
        if held is None or (match.score, match.matched_on == "name") > (
            held.score,
            held.matched_on == "name",
        ):
            best[listing_id] = match
    return best


def name_score(query: str, name: str) -> float:
    """How well a normalised query matches a normalised name, 0 to 1.

    1 only when they are equal. Otherwise every word is matched to its best counterpart on the
    other side: the same word (1), the start of a word (a brand cut short, a word still being
    typed), a word with a typo or two, or two words written as one. Generic words ("nederland",
    "group": registry.text.GENERIC_WORDS) weigh less than the words that name a company. The
    score rewards, most first: the query's words all found in the name; the name's words all
    accounted for by the query; the query's words in the order the name starts with.
    """
    if query == name:
        return 1.0
    q_letters, q_words, q_weights, q_total, _ = _parts(query)
    n_letters, n_words, n_weights, n_total, n_start = _parts(name)
    if q_letters == n_letters:
        return 0.97  # the same letters, spaced differently: "jpmorganchase", "booking.com"
    # A typo or two in the whole name, whatever its words: "taxiss.ml" for "Taxiss.nl". Only
    # a name cut short or within two letters of the length can be (_word_credit).
    whole = (
        0.75 * _word_credit(q_letters, n_letters)
        if len(q_letters) > 4
        and (abs(len(q_letters) - len(n_letters)) <= 2 or n_letters.startswith(q_letters))
        else 0.0
    )
    if not q_words or not n_words:
        return 0.0
    q_found, n_found = _matched(q_words, n_words)
    if not any(q_found):
        return whole  # not one word in common
    q_cover = sum(w * f for w, f in zip(q_weights, q_found, strict=True)) / q_total
    n_cover = sum(w * f for w, f in zip(n_weights, n_found, strict=True)) / n_total
    lead = _lead(q_words, n_words, 0)
    if n_start:
        lead = max(lead, _lead(q_words, n_words, n_start))
    return min(max(q_cover * (0.65 + 0.2 * n_cover + 0.15 * lead), whole), 0.96)


@lru_cache(maxsize=40_000)
def _parts(text: str) -> tuple[str, tuple[str, ...], tuple[float, ...], float, int]:
    """What name_score() needs of a normalised text, worked out once per text (a search
    scores up to 300 names; the register has some 14,000): its letters without spaces, its
    words, their weights and the weights' sum, where the name proper starts."""
    words = tuple(text.split())
    weights = tuple(_weight(word) for word in words)
    return text.replace(" ", ""), words, weights, sum(weights), _first_specific(words)


def _lead(q_words: Sequence[str], n_words: Sequence[str], start: int) -> float:
    """How well the query's words, in order, match the name's words from `start` on: brands
    lead legal names ("Fuji Europe" is Fuji Europe Africa B.V. before Fuji Logistics Europe)."""
    pairs = min(len(q_words), len(n_words) - start)
    if pairs <= 0:
        return 0.0
    return sum(_word_credit(q_words[i], n_words[start + i]) for i in range(pairs)) / pairs


def _first_specific(n_words: Sequence[str]) -> int:
    """Where the name proper starts, after "Koninklijke", "Royal" and the like."""
    return next((i for i, word in enumerate(n_words) if word not in GENERIC_WORDS), 0)


def _weight(word: str) -> float:
    return GENERIC_WEIGHT if word in GENERIC_WORDS or len(word) == 1 else 1.0


def _matched(q_words: Sequence[str], n_words: Sequence[str]) -> tuple[list[float], list[float]]:
    """How well each query word and each name word is matched by the other side, 0 to 1."""
    q_found = [0.0] * len(q_words)
    n_found = [0.0] * len(n_words)
    for i, typed in enumerate(q_words):
        for j, word in enumerate(n_words):
            credit = _word_credit(typed, word)
            if credit:
                if credit > q_found[i]:
                    q_found[i] = credit
                if credit > n_found[j]:
                    n_found[j] = credit
    # Two words on one side written as one on the other: "jpmorganchase", "data dog". Only
    # a word not matched whole yet can be two.
    _joined_words(q_words, q_found, n_words, n_found)
    if len(q_words) > 1:
        _joined_words(n_words, n_found, q_words, q_found)
    return q_found, n_found


def _joined_words(
    words: Sequence[str], found: list[float], other: Sequence[str], other_found: list[float]
) -> None:
    """Credit each word of `words` not matched whole yet that is two neighbouring words of
    `other` written as one, and those two words, in `found` and `other_found`."""
    for i, one in enumerate(words):
        if found[i] < 1 and len(one) > 2:
            for j in range(len(other) - 1):
                credit = _joined_credit(one, other[j], other[j + 1])
                if credit:
                    found[i] = max(found[i], credit)
                    other_found[j] = max(other_found[j], credit)
                    other_found[j + 1] = max(other_found[j + 1], credit)


def _joined_credit(one: str, first: str, second: str) -> float:
    """How well `one` word stands for `first` and `second` written together: exact, or one
    typo in a long word whose parts are words in their own right (so "technologies" is not
    "vi technologies" and "dsolutions" is not "solutions")."""
    if abs(len(one) - len(first) - len(second)) > 2:
        return 0.0  # not within two edits (_word_credit), and not equal
    if one == first + second:
        return 1.0
    if min(len(first), len(second)) < 3 or len(one) < 6:
        return 0.0
    credit = _word_credit(one, first + second)
    return credit if credit >= JOINED else 0.0


@lru_cache(maxsize=20_000)
def _word_credit(typed: str, word: str) -> float:
    """How well a typed word stands for a word of a name: 1 when equal, 0 when unrelated."""
    if typed == word:
        return 1.0
    typed_length, word_length = len(typed), len(word)
    if typed_length >= 3 and word.startswith(typed):
        return 0.5 + 0.4 * typed_length / word_length  # a brand cut short, a word being typed
    if typed_length < 4 or word_length < 4:
        return 0.0  # short words differ by a letter from too many others to be typos
    longest = max(typed_length, word_length)
    allowed = 1 if longest <= 7 else 2
    if abs(typed_length - word_length) > allowed:
        return 0.0
    # Insertions, deletions, replacements and swaps of two neighbours (optimal string
    # alignment), in C: the Python version of this cost 30 µs a pair, most of a new search's
    # scoring. Beyond `allowed` it answers allowed + 1.
    distance = OSA.distance(typed, word, score_cutoff=allowed)
    return 1 - distance / longest if distance <= allowed else 0.0


def _core(query: str) -> str:
    """The query without its generic words, for finding candidates by what names a company. A
    generic word with a typo ("neherlands") is still generic: otherwise it alone would make a
    thousand names candidates."""
    words = [w for w in query.split() if len(w) > 1 and not _is_generic(w)]
    return " ".join(words) or query


def generic_only(query: str) -> bool:
    """Whether a normalised query has no word that names a company ("international",
    "nethrelands", "group europe"): its candidates are then the names that have its words,
    a thousand for the commonest (manage.py bench times these apart)."""
    return not any(len(w) > 1 and not _is_generic(w) for w in query.split())


@lru_cache(maxsize=20_000)
def _is_generic(word: str) -> bool:
    if word in GENERIC_WORDS:
        return True
    return len(word) >= 6 and any(
        _word_credit(word, generic) >= 0.8 for generic in GENERIC_WORDS if len(generic) >= 6
    )


Candidate = tuple[int, str, str, bool, bool]

# A candidates query reads these of each name's listing (RESULT_COLUMNS' own, then the
# company's id), and the register's slug; _with_companies() adds the company's columns after
# its LIMIT.
_LISTING_COLUMNS = (*RESULT_COLUMNS[:4], "company")

# What a candidates query reads on PostgreSQL: the name found and when it was last seen, the
# listing's last edition, then the listing's results row (registry.results).
_NAME_COLUMNS = (
    "names__name",
    "names__search_text",
    "names__last_edition__published_on",
    "last_listed",
)


def _candidates(
    listings: QuerySet[Listing], query: str, *, nearest: bool = False, with_rows: bool = True
) -> tuple[list[Candidate], dict[int, tuple[Any, ...]]]:
    """(listing id, name, its search text, is it the listing's current name, is the listing
    listed now) for the names closest to `query` among `listings`, closest first; and, with
    `with_rows`, the results rows of their listings where the query read them (Ranking.rows)."""
    if listings.query.is_empty():
        return [], {}  # none(), e.g. as of a date before the first edition: no SQL to run
    core = _core(query)
    if connection.vendor != "postgresql":
        found = _substring_candidates(listings, query, core)
        return [
            (listing_id, name, text, last_seen == last_listed, removed_on is None)
            for listing_id, name, text, last_seen, last_listed, removed_on in found
        ], {}
    slug = "register_slug" if "register_slug" in listings.query.annotations else "register__slug"
    # Without rows, up to removed_on only: no company, no register to join.
    listing_columns = (*_LISTING_COLUMNS, slug) if with_rows else RESULT_COLUMNS[:4]
    columns = (*_NAME_COLUMNS, *listing_columns)
    threshold = NEAREST_WORD_SIMILARITY if nearest else _word_similarity_for(core)
    limit = NEAREST_CANDIDATES if nearest else CANDIDATES
    trigram = _trigram_candidates(listings, query, core, columns=columns, limit=limit)
    if with_rows:
        rows = _with_word_similarity(*_with_companies(trigram), threshold)
    else:
        rows = _with_word_similarity(*trigram.query.sql_with_params(), threshold)
    n = len(_NAME_COLUMNS)  # then the listing's: pk, name, first_listed, removed_on, ...
    candidates = [(row[n], row[0], row[1], row[2] == row[3], row[n + 3] is None) for row in rows]
    return candidates, ({row[n]: tuple(row[n:]) for row in rows} if with_rows else {})


def _with_companies(rows: QuerySet[Listing, Any]) -> tuple[str, tuple[Any, ...]]:
    """The SQL of a candidates query (_NAME_COLUMNS, _LISTING_COLUMNS, the slug) whose rows
    each carry their listing's results row (RESULT_COLUMNS, the slug), so the search needs no
    second read. The company's columns are joined after the query's LIMIT, to its candidates
    alone, not to every name it tests (a thousand for a common word). In the candidates'
    order, numbered as the query yields them."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    inner = [f"c{i}" for i in range(len(_NAME_COLUMNS) + len(_LISTING_COLUMNS) + 1)]
    *found, company_id, slug = inner
    company = [f"co.{quote(name.removeprefix('company__'))}" for name in COMPANY]
    numbered = f"SELECT *, row_number() OVER () AS position FROM ({sql}) AS c({', '.join(inner)})"
    return (
        f"SELECT {', '.join([*found, *company, slug])} FROM ({numbered}) AS c "
        f"JOIN {quote(Company._meta.db_table)} co ON co.id = c.{company_id} ORDER BY c.position",
        tuple(params),
    )


def _trigram_candidates(
    listings: QuerySet[Listing], query: str, core: str, *, columns: tuple[str, ...], limit: int
) -> QuerySet[Listing, Any]:
    """PostgreSQL: the names of `listings` found by pg_trgm's word similarity to `core`.

    Found by what names the company, not by "nederland" or "group": a generic word would make
    a thousand names candidates, and the search ten times slower. One condition, `<%` (word
    similarity at least the threshold), served by the GIN index of migration 0003: word
    similarity is never below similarity or strict word similarity, so `%` and `<<%` would
    only repeat the index scan. The query starts from the listings and joins their names, so
    each candidate name looks its listing up by key; a join from the names to a subquery of
    the listings would hash all 13,000 of them on every search."""
    from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity

    rows = listings.filter(names__search_text__trigram_word_similar=core).annotate(
        sim=TrigramSimilarity("names__search_text", core),
        wsim=TrigramWordSimilarity(core, "names__search_text"),
    )
    closeness: Expression = F("sim") + F("wsim")
    if core != query:
        # A typo can make a generic word look specific ("neterlands"): the whole query's
        # similarity puts the name it was typed for first.
        rows = rows.annotate(whole=TrigramSimilarity("names__search_text", query))
        closeness = Greatest(closeness, 2 * F("whole"))
    return rows.order_by(-closeness, "names__pk").values_list(*columns)[:limit]


def _substring_candidates(
    listings: QuerySet[Listing], query: str, core: str
) -> QuerySet[ListingName, Any]:
    """SQLite, which has no trigram index: the names of `listings` that contain the most of the
    query's trigrams (one typo spoils at most three of them), the query's own name first. It
    scans every name; fine for a local run."""
    words = core.split()
    pieces = sorted({w[i : i + 3] for w in words for i in range(max(len(w) - 2, 1))})
    hits = [Case(When(search_text__contains=piece, then=1), default=0) for piece in pieces]
    exact = Case(When(search_text=query, then=len(pieces) + 1), default=0)
    return (
        ListingName.objects.filter(listing__in=listings.values("pk"))
        .annotate(hits=sum(hits, exact))
        .filter(hits__gt=0)
        .order_by("-hits", "pk")
        .values_list(*NAME_ROW)[:CANDIDATES]
    )


def _word_similarity_for(core: str) -> float:
    """pg_trgm's word similarity threshold for finding `core` (its default is 0.6). A swapped
    pair of letters breaks half the trigrams of a short word ("gecoat" and "geocat" score
    0.29), fewer of a long one; a lower threshold is slower (more names to check and sort)."""
    words = core.split()
    letters = sum(len(word) for word in words)
    if letters <= 4:
        return 0.5  # "sys", "kpmg": matched whole or as the start of a word, never as a typo
    if len(words) == 1 and letters <= 6:
        return 0.25
    return 0.3 if len(words) <= 2 else 0.35


def _with_word_similarity(sql: str, params: tuple[Any, ...], threshold: float) -> list[Any]:
    """The rows of the query `sql`, with pg_trgm's word similarity threshold set for that
    query alone, and the trigram index always used.

    Why the index is forced: PostgreSQL prices a word similarity test like any operator, a
    fraction of what it costs, while the cost of the index scan grows with the query's
    trigrams. For a long text (a whole legal name, 30 letters and more) it chose to test every
    one of the 14,000 names instead: 90 to 120 ms, against 2 to 3 ms through the index, and 11
    instead of 14 ms for a short text (its listings are then read by key too). Only
    enable_seqscan says so; it is set for this query alone.

    One round trip: SET, the query, RESET. A failing query rolls the SETs back with it (the
    statements share a transaction); otherwise the RESETs restore the configured values."""
    setting = "pg_trgm.word_similarity_threshold"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET {setting} = {float(threshold)}; SET enable_seqscan = off; {sql}; "
            f"RESET {setting}; RESET enable_seqscan",
            params,
        )
        cursor.nextset()  # past the two SETs, which return no rows
        cursor.nextset()
        found: list[Any] = cursor.fetchall()
    return found


def _rank_kvk(listings: QuerySet[Listing], digits: str) -> list[Match]:
    if len(digits) == 9 and digits.startswith("0"):
        digits = digits[1:]  # the June 2025 edition printed nine digits, zero-padded
    exact = {digits, digits.zfill(8)} if len(digits) == 7 else {digits}  # a lost leading zero
    rows = (
        listings.filter(
            Q(company__kvk_number__in=exact) | Q(company__kvk_number__startswith=digits)
        )
        .order_by("company__kvk_number", "pk")
        .values_list("pk", "company__kvk_number", "name", "removed_on")[:CANDIDATES]
    )
    matches = []
    for pk, kvk, name, removed_on in rows:
        if kvk in exact and len(kvk) == 8:
            verdict, score = ("listed" if removed_on is None else "removed"), 1.0
        else:
            verdict, score = "similar", round(len(digits) / 8, 3)
        matches.append(Match(pk, score, verdict, "kvk", name))
    return sorted(matches, key=lambda m: -m.score)


def nearest(listings: QuerySet[Listing], text: str, *, limit: int = 3) -> list[Listing]:
    """The closest names when nothing matched well enough: offered, never called a match."""
    query = search_text(text)
    if not query or kvk_digits(text) is not None:
        return []
    rows, _ = _candidates(listings, query, nearest=True, with_rows=False)
    # The best score of each listing's names; among equal scores, the closer by trigrams.
    closeness: dict[int, tuple[float, int]] = {}
    for order, (listing_id, _name, text_of_name, _current, _listed) in enumerate(rows):
        score = (name_score(query, text_of_name), -order)
        closeness[listing_id] = max(score, closeness.get(listing_id, score))
    ids = sorted(closeness, key=closeness.__getitem__, reverse=True)[:limit]
    by_id = Listing.objects.select_related("company").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]
