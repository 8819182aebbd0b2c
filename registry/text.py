"""Text folding shared by writes (sync) and reads (search): pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, single spaces: 'Dümmen-Orange B.V.' ->
    'dummen orange b v'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold().replace("ß", "ss")).strip()


def sort_key(name: str) -> str:
    """The A-Z order of names: case and accents ignored, leading quotes and marks skipped."""
    return fold(name)[:300]


def name_key(name: str) -> str:
    """Identity for a row without a KvK number: 'n-' plus the folded name as a slug."""
    return ("n-" + fold(name).replace(" ", "-"))[:120]


# Legal forms and other words that say how a company is organised, not which company it is.
# Matched on folded tokens ("B.V." folds to "b v"), anywhere in the name.
_NOISE_SEQUENCES: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in (
        "b v",
        "bv",
        "n v",
        "nv",
        "i o",
        "io",
        "u a",
        "ua",
        "b a",
        "w a",
        "v o f",
        "vof",
        "c v",
        "cv",
        "gmbh",
        "ltd",
        "limited",
        "llp",
        "plc",
        "inc",
        "llc",
        "sarl",
        "s a r l",
        "s a",
        "s p a",
        "spa",
        "s r l",
        "srl",
        "ag",
        "ab",
        "oy",
        "as",
        "a s",
        "se",
        "co",
        "corp",
        "corporation",
        "company",
        "holding",
        "holdings",
        "stichting",
        "vereniging",
        "cooperatief",
        "cooperatie",
        "h o d n",
        "hodn",
        "and",
        "en",
        "und",
        "et",
        "the",
    )
)
# Short forms that are also ordinary words or initials: dropped only at the end of a name.
_END_ONLY = {("as",), ("ab",), ("ag",), ("se",), ("co",), ("oy",), ("sa",), ("spa",), ("et",)}
_NOISE_SEQUENCES = tuple(sorted(_NOISE_SEQUENCES, key=len, reverse=True))


def search_text(name: str) -> str:
    """What search compares: the folded name without legal forms and filler words.

    'Dümmen Orange B.V.' -> 'dummen orange'; 'Stichting Wellant' -> 'wellant';
    'Johnson & Johnson' and 'Johnson and Johnson' -> 'johnson johnson'. If nothing is left
    (a name that is only a legal form), the folded name is kept.
    """
    tokens = fold(name).split()
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for sequence in _NOISE_SEQUENCES:
            end = i + len(sequence)
            if tuple(tokens[i:end]) == sequence and (
                sequence not in _END_ONLY or end == len(tokens)
            ):
                i = end
                break
        else:
            kept.append(tokens[i])
            i += 1
    return (" ".join(kept) or " ".join(tokens))[:300]
