"""How well a typed text matches a name, and what a match is called: the only place with the
weights and the verdict rules. Pure: text in, numbers and words out (no Django, no database).

Names are compared on their search text (registry.text.search_text: folded, legal forms
dropped). name_score() matches every word to its best counterpart on the other side:

- equal, the start of a word (a brand cut short, a word being typed), the tail of a compound
  word ("techniek" in "installatietechniek"), one or two typos
  (swapped letters included), two words written as one;
- generic words ("nederland", "group": registry.text.GENERIC_WORDS) weigh a fifth of a word, so
  "Tebi Nederland" means Tebi B.V., not Xebia Nederland B.V.;
- the query's words found in the name count most, then the name's words the query accounts
  for, then the query's words in the order the name starts with (brands lead legal names).

registry.search.index finds the candidates a query may mean by the same word credits and
estimates their scores with the same formula (`combine`), so what it cuts and what is scored
here cannot drift apart.

Verdicts, strongest first (`verdict_of`):
- listed: the KvK number, or the whole name after normalisation, of a company on the register
  now. Never given to a company that is not on the register.
- removed: the same exact match, but the company is no longer listed.
- likely: a close match (typo, a missing or extra word, a brand that starts the legal name).
- similar: a weaker candidate worth a look.

tests/test_relevance.py measures all this on the 13 real editions (top-1 and top-3 hit rates
per kind of query); change the scoring for a kind of miss it shows, not for one name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from rapidfuzz.distance import OSA

from registry.text import GENERIC_WORDS

LIKELY = 0.7
SIMILAR = 0.45
FORMER = 0.98  # a name the company no longer uses is a little weaker than the one it uses
GENERIC_WEIGHT = 0.2  # a generic word ("nederland", "group") counts for this much of a word
SAME_LETTERS = 0.97  # the same letters, spaced differently: "jpmorganchase", "booking.com"
WHOLE_TYPO = 0.75  # the whole text with a typo or two, whatever its words: "taxiss.ml"
# Two words written as one count only when (nearly) equal: one edit in ten letters at most,
# so "vi technologies" is not "technologies" with two letters more.
JOINED = 0.9
TYPO_REACH = 2  # the most edits a word may differ by (word_credit)
BESIDE_TYPED = 0.85  # a close spelling, where another name has the words as typed (settled)
INITIALS = 0.8  # a text that is the initials of a name of three or more words (initials)
FORM_ONLY = 0.5  # a name with the legal form a text is made of ("bv", "holding")
PREFIX_FROM = 5  # letters from which the start of a word outweighs a typo (word_credit)
SUFFIX_FROM = 5  # letters from which a word may be the tail of a compound word (word_credit)

_Number = TypeVar("_Number", float, np.ndarray)


@dataclass(frozen=True, slots=True)
class Match:
    """What a listing's best name (or its KvK number) has to do with a query."""

    listing_id: int
    score: float  # 0 to 1
    verdict: str  # listed | removed | likely | similar
    matched_on: str  # name | former_name | kvk
    matched_name: str  # the name that matched: a former name when matched_on is former_name
    reason: str = ""  # why it matches, one of REASONS (reason_of)
    as_typed: bool = False  # every word typed is a word of the name or starts one (as_typed)


# What a match is called, strongest first (verdict_of, kvk_verdict, settled).
VERDICTS = ("listed", "removed", "likely", "similar")
# Why a match matches, strongest first; registry.search.words says each in words.
REASONS = (
    "kvk",  # the KvK number itself
    "exact_name",  # the whole name, legal form, accents and punctuation aside
    "starts_with",  # the name starts with the words typed (a brand, a group, a name cut short)
    "all_words",  # every word typed is in the name, with others
    "close_spelling",  # a typo or two, words joined or split
    "initials",  # the initials of the name's words ("klm")
    "some_words",  # some of the words typed
    "kvk_start",  # the KvK number starts with the digits typed
)
EQUAL = 0.005  # scores closer than this are equally good matches (a group's entities)
# Reasons that found the words as typed: beside one of them, a close spelling of another name
# is no more than "similar" ("philips" is Philips, not Philip Morris).
AS_TYPED = frozenset({"exact_name", "starts_with", "all_words"})
SPELLED = frozenset({"close_spelling", "some_words"})  # the others (settled)


def reason_of(query: str, text: str, *, score: float) -> str:
    """Why the name's search text `text` matches the normalised `query`."""
    if text == query:
        return "exact_name"
    typed, words = query.split(), text.split()
    if (
        typed
        and len(typed) <= len(words)
        and words[: len(typed) - 1] == typed[:-1]
        and words[len(typed) - 1].startswith(typed[-1])
    ):
        return "starts_with"
    if typed and Counter(typed) <= Counter(words):  # a word typed twice must be there twice
        return "all_words"
    return "close_spelling" if score >= LIKELY else "some_words"


def as_typed(query: str, text: str) -> bool:
    """Whether every word of the normalised `query` is a word of the name's search text
    `text` or the start of one, of PREFIX_FROM letters or more, each name word used once: found
    as typed, no typo. Words typed apart that are one word of the name ("tom tom" for
    TomTom) are as typed too: the same letters, only spaced."""
    typed_words, words = query.split(), text.split()
    if len(typed_words) > 1 and "".join(typed_words) in words:
        return True
    left = list(words)
    for typed in typed_words:
        hit = next(
            (
                word
                for word in left
                if word == typed or (len(typed) >= PREFIX_FROM and word.startswith(typed))
            ),
            None,
        )
        if hit is None:
            return False
        left.remove(hit)
    return True


def settled(matches: Sequence[Match], *, as_of: bool = False) -> list[Match]:
    """The verdicts of one query's matches seen together: when some name has the words as
    typed, a close spelling of another name is "similar", not "likely"; where some name has
    every word typed (or its start), another name's spelling that needs a typo ranks below the
    best of those (and weighs BESIDE_TYPED at most): "elastic" means Elastic before Plastic,
    "compon" Delta Component before Comron. `as_of`: the matches are among an earlier
    edition's listings, so one that left since was "listed" then."""
    typed = any(match.reason in AS_TYPED for match in matches)
    best_as_typed = max((match.score for match in matches if match.as_typed), default=None)
    settled = []
    for match in matches:
        if best_as_typed is not None and not match.as_typed and match.reason in SPELLED:
            score = min(match.score * BESIDE_TYPED, best_as_typed - EQUAL)
            verdict = match.verdict if score >= LIKELY else "similar"
            match = replace(match, score=round(max(score, 0.0), 3), verdict=verdict)
        if typed and match.reason == "close_spelling" and match.verdict == "likely":
            match = replace(match, verdict="similar")
        elif as_of and match.verdict == "removed":
            match = replace(match, verdict="listed")
        settled.append(match)
    return settled


# "KvK 1234 5678", "kvk-nummer: 12345678", "KVK no. 12.34.56.78": the label is not the number.
def exact_kvk(digits: str) -> set[str]:
    """The 8-digit numbers a pasted number can exactly mean: nine digits zero-padded (as the
    June 2025 edition printed them) lose the zero, seven regain the one a spreadsheet ate."""
    if len(digits) == 9 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 7:
        return {digits, digits.zfill(8)}
    return {digits}


def kvk_prefix(digits: str) -> str:
    """What a KvK number typed in part starts with (a zero-padded nine-digit one loses it)."""
    return digits[1:] if len(digits) == 9 and digits.startswith("0") else digits


def kvk_verdict(*, exact: bool, listed: bool, digits: str) -> tuple[float, str]:
    """(score, verdict) of a KvK number found by what was typed."""
    if exact:
        return 1.0, "listed" if listed else "removed"
    return round(len(digits) / 8, 3), "similar"


def verdict_of(score: float, *, exact: bool, listed: bool) -> str:
    """The verdict of a name match: the name itself is listed (or removed); else by score."""
    if exact:
        return "listed" if listed else "removed"
    return "likely" if score >= LIKELY else "similar"


def combine(q_cover: _Number, n_cover: _Number, lead: _Number) -> _Number:
    """A score from the query's words found (weighted share), the name's words accounted for,
    and how well the query's words lead the name. Floats or NumPy arrays alike: the index
    estimates candidates with this very formula."""
    return q_cover * (0.65 + 0.2 * n_cover + 0.15 * lead)


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
    q_letters, n_letters = query.replace(" ", ""), name.replace(" ", "")
    if q_letters == n_letters:
        return SAME_LETTERS
    # A typo or two in the whole name, whatever its words: "taxiss.ml" for "Taxiss.nl". Only
    # a name cut short or within two letters of the length can be (word_credit).
    whole = (
        WHOLE_TYPO * word_credit(q_letters, n_letters)
        if len(q_letters) > 4
        and (abs(len(q_letters) - len(n_letters)) <= 2 or n_letters.startswith(q_letters))
        else 0.0
    )
    q_words, n_words = query.split(), name.split()
    if not q_words or not n_words:
        return 0.0
    q_found, n_found = _matched(q_words, n_words)
    if not any(q_found):
        return whole  # not one word in common
    q_weights = [weight(word) for word in q_words]
    n_weights = [weight(word) for word in n_words]
    q_cover = sum(w * f for w, f in zip(q_weights, q_found, strict=True)) / sum(q_weights)
    n_cover = sum(w * f for w, f in zip(n_weights, n_found, strict=True)) / sum(n_weights)
    lead = _lead(q_words, n_words, 0)
    start = first_specific(n_words)
    if start:
        lead = max(lead, _lead(q_words, n_words, start))
    return min(max(combine(q_cover, n_cover, lead), whole), 0.96)


def weight(word: str) -> float:
    """What a word counts for in a name: a generic word or a lone letter a fifth."""
    return GENERIC_WEIGHT if word in GENERIC_WORDS or len(word) == 1 else 1.0


def first_specific(words: Sequence[str]) -> int:
    """Where the name proper starts, after "Koninklijke", "Royal" and the like."""
    return next((i for i, word in enumerate(words) if word not in GENERIC_WORDS), 0)


def lead_credit(q_first: float, q_words: int) -> float:
    """How well the query's words lead a name when only its first word's credit for the
    name's leading word is known: the other words assumed in order (the index's estimate)."""
    return (q_first + q_words - 1) / q_words


def _lead(q_words: Sequence[str], n_words: Sequence[str], start: int) -> float:
    """How well the query's words, in order, match the name's words from `start` on: brands
    lead legal names ("Fuji Europe" is Fuji Europe Africa B.V. before Fuji Logistics Europe)."""
    pairs = min(len(q_words), len(n_words) - start)
    if pairs <= 0:
        return 0.0
    return sum(word_credit(q_words[i], n_words[start + i]) for i in range(pairs)) / pairs


def _matched(q_words: Sequence[str], n_words: Sequence[str]) -> tuple[list[float], list[float]]:
    """How well each query word and each name word is matched by the other side, 0 to 1."""
    q_found = [0.0] * len(q_words)
    n_found = [0.0] * len(n_words)
    # A word typed twice ("tom tom") is found twice only in a name that has it twice: the
    # name word that found it once is not used for it again (so "Tom B.V." is not all of
    # "tom tom", and TomTom, the two written as one, is).
    used: dict[str, set[int]] = {}
    for i, typed in enumerate(q_words):
        taken = used.setdefault(typed, set())
        best_j = -1
        for j, word in enumerate(n_words):
            if j in taken:
                continue
            credit = word_credit(typed, word)
            if credit:
                if credit > q_found[i]:
                    q_found[i] = credit
                    best_j = j
                if credit > n_found[j]:
                    n_found[j] = credit
        if best_j >= 0:
            taken.add(best_j)
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
                credit = joined_credit(one, other[j], other[j + 1])
                if credit:
                    found[i] = max(found[i], credit)
                    other_found[j] = max(other_found[j], credit)
                    other_found[j + 1] = max(other_found[j + 1], credit)


def joined_credit(one: str, first: str, second: str) -> float:
    """How well `one` word stands for `first` and `second` written together: exact, or one
    typo in a long word whose parts are words in their own right (so "technologies" is not
    "vi technologies" and "dsolutions" is not "solutions")."""
    if abs(len(one) - len(first) - len(second)) > TYPO_REACH:
        return 0.0  # not within two edits (word_credit), and not equal
    if one == first + second:
        return 1.0
    if min(len(first), len(second)) < 3 or len(one) < 6:
        return 0.0
    credit = word_credit(one, first + second)
    return credit if credit >= JOINED else 0.0


def joined_reach(word: str) -> int:
    """The typos joined_credit() allows in two words written as one: one in ten letters (its
    JOINED threshold of 0.9), so two from 20 letters on."""
    return 2 if len(word) >= 20 else 1


def word_credit(typed: str, word: str) -> float:
    """How well a typed word stands for a word of a name: 1 when equal, 0 when unrelated."""
    if typed == word:
        return 1.0
    typed_length, word_length = len(typed), len(word)
    if typed_length >= 3 and word.startswith(typed):
        # A brand cut short, a word being typed. From five letters on, the start of a word
        # beats a typo of another word ("elastic" is Elasticsearch before Plastic): above the
        # one-edit credit (1 - 1/length) of a word a letter longer, below a whole word.
        if typed_length >= PREFIX_FROM:
            return max(0.5 + 0.4 * typed_length / word_length, 1 - 0.9 / (typed_length + 1))
        return 0.5 + 0.4 * typed_length / word_length
    if typed_length >= SUFFIX_FROM and word_length > typed_length and word.endswith(typed):
        # The tail of a Dutch compound: "techniek" in "installatietechniek".
        return 0.8 + 0.15 * typed_length / word_length
    if typed_length < 4 or word_length < 4:
        return 0.0  # short words differ by a letter from too many others to be typos
    longest = max(typed_length, word_length)
    allowed = 1 if longest <= 7 else TYPO_REACH
    if abs(typed_length - word_length) > allowed:
        return 0.0
    # Insertions, deletions, replacements and swaps of two neighbours (optimal string
    # alignment), in C. Beyond `allowed` it answers allowed + 1.
    distance = OSA.distance(typed, word, score_cutoff=allowed)
    return 1 - distance / longest if distance <= allowed else 0.0


# Left out of initials as people write them: "Universiteit van Amsterdam" is UvA or UA.
_PARTICLES = frozenset({"van", "de", "den", "der", "het", "of", "for", "voor", "t", "s"})


def initials(text: str) -> set[str]:
    """The initials a name's search text may be known by, from three words on: of every
    word, and of the words but the particles ("universiteit van amsterdam": "uva", "ua")."""
    words = text.split()
    found = set()
    for kept in (words, [word for word in words if word not in _PARTICLES]):
        if len(kept) >= 3:
            found.add("".join(word[0] for word in kept))
    return found


def is_generic(word: str) -> bool:
    """A word that describes rather than names a company, or one with a typo ("neherlands"):
    otherwise a generic word typed wrong would make a thousand names candidates."""
    if word in GENERIC_WORDS:
        return True
    return len(word) >= 6 and any(
        word_credit(word, generic) >= 0.8 for generic in _LONG_GENERIC_WORDS
    )


_LONG_GENERIC_WORDS = tuple(sorted(word for word in GENERIC_WORDS if len(word) >= 6))


def core(query: str) -> str:
    """The query without its generic words: what names a company, for finding candidates."""
    words = [w for w in query.split() if len(w) > 1 and not is_generic(w)]
    return " ".join(words) or query


def generic_only(query: str) -> bool:
    """Whether a normalised query has no word that names a company ("international",
    "nethrelands", "group europe"): its candidates are then the names that have its words."""
    return not any(len(w) > 1 and not is_generic(w) for w in query.split())
