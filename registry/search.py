"""Forgiving search: which listings a typed name or number most likely means, and how sure.

Names are compared on `ListingName.search_text` (folded, legal forms dropped; registry.text).
On PostgreSQL, pg_trgm finds candidates through a GIN index (similarity and word similarity);
elsewhere (the SQLite local run) candidates come from a substring match on the folded words.
Both paths then score candidates with the same Python function, so ranking is one piece of code.

Verdicts, strongest first:
- listed: the KvK number, or the whole name after normalisation, of a company on the register
  now. Never given to a company that is not on the register.
- removed: the same exact match, but the company is no longer listed.
- likely: a close match (typo, a missing or extra word, a brand that starts the legal name).
- similar: a weaker candidate worth a look.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import connection
from django.db.models import F, Q, QuerySet

from registry.models import Listing, ListingName
from registry.text import search_text

CANDIDATES = 300  # names scored per query; more is noise, fewer can miss a former name
LIKELY = 0.6
SIMILAR = 0.3


@dataclass(frozen=True, slots=True)
class Match:
    listing_id: int
    score: float  # 0 to 1
    verdict: str  # listed | removed | likely | similar
    matched_on: str  # name | former_name | kvk
    matched_name: str  # the name that matched: a former name when matched_on is former_name


def kvk_digits(text: str) -> str | None:
    """The digits of a pasted KvK number (spaces and dots allowed), or None if it is not one."""
    digits = "".join(ch for ch in text if not ch.isspace() and ch != ".")
    if digits.isascii() and digits.isdigit() and 1 <= len(digits) <= 9:
        return digits
    return None


def rank(listings: QuerySet[Listing], text: str) -> list[Match]:
    """The listings among `listings` that `text` may mean, best first."""
    digits = kvk_digits(text)
    if digits is not None:
        return _rank_kvk(listings, digits)
    query = search_text(text)
    if not query:
        return []
    rows = _candidates(listings, query)
    best: dict[int, Match] = {}
    for listing_id, name, text_of_name, is_current, is_listed in rows:
        score = name_score(query, text_of_name)
        if score < SIMILAR:
            continue
        exact = text_of_name == query
        if exact:
            verdict = "listed" if is_listed else "removed"
        else:
            verdict = "likely" if score >= LIKELY else "similar"
        # A current name beats a former one of equal score; ties keep the first seen.
        score_key = score + (0.001 if is_current else 0)
        match = Match(
            listing_id=listing_id,
            score=round(min(score, 1.0), 3),
            verdict=verdict,
            matched_on="name" if is_current else "former_name",
            matched_name=name,
        )
        held = best.get(listing_id)
        if held is None or score_key > held.score + (0.001 if held.matched_on == "name" else 0):
            best[listing_id] = match
    return sorted(best.values(), key=lambda m: (-m.score, m.matched_on != "name", m.listing_id))


def name_score(query: str, name: str) -> float:
    """How well a normalised query matches a normalised name, 0 to 1.

    The whole name equal: 1. The query is the name's leading word(s), as brands are: high,
    more so the more of the name it covers. Otherwise the best of a character-level ratio
    of the whole strings and of the query against the name's leading words (typos, a dropped
    word), less a little for every name word the query does not account for.
    """
    if query == name:
        return 1.0
    q_words, n_words = query.split(), name.split()
    if name.startswith(query + " "):
        return 0.85 + 0.1 * len(q_words) / len(n_words)
    whole = SequenceMatcher(None, query, name, autojunk=False).ratio()
    head = " ".join(n_words[: len(q_words)])
    leading = SequenceMatcher(None, query, head, autojunk=False).ratio()
    covered = sum(1 for w in n_words if any(_close(w, q) for q in q_words))
    coverage = covered / len(n_words)
    found = sum(1 for q in q_words if any(_close(q, w) for w in n_words)) / len(q_words)
    return max(whole, 0.7 * leading + 0.15 * coverage + 0.15 * found) * (0.6 + 0.4 * found)


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.8


def _candidates(listings: QuerySet[Listing], query: str) -> list[tuple[int, str, str, bool, bool]]:
    names = ListingName.objects.filter(listing__in=listings.values("pk"))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity

        names = (
            names.filter(
                Q(search_text__trigram_similar=query) | Q(search_text__trigram_word_similar=query)
            )
            .annotate(
                sim=TrigramSimilarity("search_text", query),
                wsim=TrigramWordSimilarity(query, "search_text"),
            )
            .order_by(-(F("sim") + F("wsim")), "pk")
        )
    else:
        words = [w for w in query.split() if len(w) >= 3] or query.split()
        match = Q()
        for word in words:
            match |= Q(search_text__contains=word[:4])
        names = names.filter(match).order_by("pk")
    rows = names.values_list(
        "listing_id",
        "name",
        "search_text",
        "last_edition__published_on",
        "listing__last_listed",
        "listing__removed_on",
    )[:CANDIDATES]
    return [
        (listing_id, name, text, last_seen == last_listed, removed_on is None)
        for listing_id, name, text, last_seen, last_listed, removed_on in rows
    ]


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
    names = ListingName.objects.filter(listing__in=listings.values("pk"))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramWordSimilarity

        ids = list(
            names.annotate(wsim=TrigramWordSimilarity(query, "search_text"))
            .filter(wsim__gt=0)
            .order_by("-wsim", "pk")
            .values_list("listing_id", flat=True)[: limit * 3]
        )
    else:
        first = query.split()[0][:3]
        ids = list(
            names.filter(search_text__contains=first).values_list("listing_id", flat=True)[
                : limit * 3
            ]
        )
    by_id = Listing.objects.select_related("company").in_bulk(ids)
    seen: list[Listing] = []
    for pk in ids:
        if pk in by_id and by_id[pk] not in seen:
            seen.append(by_id[pk])
    return seen[:limit]
