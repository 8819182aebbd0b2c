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
