"""Text folding shared by writes (sync) and reads (search): pure functions, no Django."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, single spaces: 'Dümmen-Orange B.V.' ->
    'dummen orange b v'."""
    if text.isascii():
        # 98.6 % of the register's names. NFKD and the combining marks leave ASCII as it is, and
        # casefold() of ASCII is lower(): the same result in half the time.
        return _NON_ALNUM.sub(" ", text.lower()).strip()
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
        "incorporated",
        "llc",
        "sarl",
        "s a r l",
        "s a",
        "s p a",
        "spa",
        "s r l",
        "srl",
        "sp z o o",
        "ag",
        "ab",
        "oy",
        "as",
        "a s",
        "se",
        "co",
        "kg",
        "sas",
        "s l",
        "sro",
        "kft",
        "dac",
        "bvba",
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
# Short forms that are also ordinary words or initials ("AS Watson", "Buro Sant en Co"):
# dropped only at the end of a name, where nothing but other legal forms follows them
# ("Somi Shokuhin Co., Ltd.", "Personio SE & Co. KG").
_END_ONLY = {
    ("as",),
    ("ab",),
    ("ag",),
    ("se",),
    ("co",),
    ("oy",),
    ("sa",),
    ("spa",),
    ("et",),
    ("kg",),
    ("sas",),
    ("s", "l"),
    ("sro",),
    ("kft",),
    ("dac",),
}
_NOISE_SEQUENCES = tuple(sorted(_NOISE_SEQUENCES, key=len, reverse=True))
_END_SEQUENCES = tuple(sorted(_END_ONLY, key=len, reverse=True))
_SHORTEST = 3  # an end-only form stays when dropping it would leave less ("Qu & Co" is "qu co")


def _index_by(
    sequences: tuple[tuple[str, ...], ...], *, at: int
) -> dict[str, list[tuple[str, ...]]]:
    """The sequences by their token at `at` (0: first, -1: last), longest first as above.

    A sequence can only match where that token is, so search_text() tries at most four per
    token (usually none) instead of all sixty on every token of every name.
    """
    index: dict[str, list[tuple[str, ...]]] = {}
    for sequence in sequences:
        index.setdefault(sequence[at], []).append(sequence)
    return index


_NOISE_BY_FIRST = _index_by(
    tuple(sequence for sequence in _NOISE_SEQUENCES if sequence not in _END_ONLY), at=0
)
_END_BY_LAST = _index_by(_END_SEQUENCES, at=-1)


def search_text(name: str) -> str:
    """What search compares: the folded name without legal forms and filler words.

    'Dümmen Orange B.V.' -> 'dummen orange'; 'Stichting Wellant' -> 'wellant';
    'Johnson & Johnson' and 'Johnson and Johnson' -> 'johnson johnson'; 'Somi Shokuhin Co.,
    Ltd.' -> 'somi shokuhin'. If nothing is left (a name that is only a legal form), the folded
    name is kept.

    The result is stored (ListingName.search_text): a change here needs a migration that
    recomputes the stored values, as 0007_refresh_search_text does.
    """
    tokens = fold(name).split()
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for sequence in _NOISE_BY_FIRST.get(tokens[i], ()):
            end = i + len(sequence)
            if tuple(tokens[i:end]) == sequence:
                i = end
                break
        else:
            kept.append(tokens[i])
            i += 1
    # The end-only forms, from the end: "personio se co kg" loses "kg", then "co", then "se".
    dropped = True
    while dropped and kept:
        dropped = False
        for sequence in _END_BY_LAST.get(kept[-1], ()):
            rest = kept[: -len(sequence)]
            if tuple(kept[-len(sequence) :]) == sequence and len(" ".join(rest)) >= _SHORTEST:
                kept, dropped = rest, True
                break
    return (" ".join(kept) or " ".join(tokens))[:300]


# Filler words among the noise: not a legal form a query may ask for alone.
_FILLERS = frozenset({"and", "en", "und", "et", "the"})
_SAME_FORM = {"cooperatief": "cooperatie"}  # one form, as an adjective or a noun


def legal_forms(name: str) -> frozenset[str]:
    """The legal forms in a name, each as its letters ("B.V." and "BV" are "bv"), the filler
    words aside: what a query that is only a legal form asks for ("bv", "holding")."""
    tokens = fold(name).split()
    found: set[str] = set()
    i = 0
    while i < len(tokens):
        for sequence in _NOISE_BY_FIRST.get(tokens[i], ()):
            end = i + len(sequence)
            if tuple(tokens[i:end]) == sequence:
                found.add("".join(sequence))
                i = end
                break
        else:
            i += 1
    for sequence in _END_BY_LAST.get(tokens[-1], ()) if tokens else ():
        if tuple(tokens[-len(sequence) :]) == sequence and len(tokens) > len(sequence):
            found.add("".join(sequence))
    return frozenset(_SAME_FORM.get(form, form) for form in found - _FILLERS)


def only_legal_forms(text: str) -> frozenset[str]:
    """The legal forms a text is made of ("bv", "Holding B.V."), or none when it has any
    other word: such a text lists the employers with those forms."""
    tokens = fold(text).split()
    forms: set[str] = set()
    i = 0
    while i < len(tokens):
        sequences = [*_NOISE_BY_FIRST.get(tokens[i], ()), *_END_SEQUENCES]
        for sequence in sequences:
            end = i + len(sequence)
            if tuple(tokens[i:end]) == sequence:
                forms.add("".join(sequence))
                i = end
                break
        else:
            return frozenset()
    return frozenset(_SAME_FORM.get(form, form) for form in forms - _FILLERS)


# Words that describe a company rather than name it: where it works, what kind of business it
# is. They are the commonest words in the register's names (each in 40 or more of about
# 14,000 names of the July 2026 copy), so a match on one of them is weak evidence of which
# company is meant: "Tebi Nederland" means Tebi B.V. more than Xebia Nederland B.V.
# registry.search weighs them less; they are never dropped, so they still tell names apart.
_GENERIC_LINES = (
    # Where it works.
    "netherlands nederland nederlandse holland dutch europe european eu emea benelux nl",
    "international global world amsterdam rotterdam",
    # What kind of business it is.
    "services service solutions group groep technologies technology tech systems software",
    "management engineering logistics consulting consultancy consultants advisory advies",
    "branch office development finance financial trading trade design center centre centrum",
    "partners capital business research operations digital industries industrial products",
    "support investments investment media energy medical health healthcare people network",
    # Titles and particles ("Koninklijke Philips", "Van den Berg", "Booking.com").
    "koninklijke royal van de den der het of for voor com",
)
GENERIC_WORDS = frozenset(word for line in _GENERIC_LINES for word in line.split())


_KVK_LABEL = re.compile(r"^\s*kvk(?:[\s-]*(?:nummer|number|nr|no)\b)?\.?\s*[:#]?", re.IGNORECASE)


def kvk_digits(text: str) -> str | None:
    """The digits of a pasted KvK number (spaces, dots and a "KvK" label allowed), or None if
    it is not one."""
    text = _KVK_LABEL.sub("", text)
    digits = "".join(ch for ch in text if not ch.isspace() and ch != ".")
    if digits.isascii() and digits.isdigit() and 1 <= len(digits) <= 9:
        return digits
    return None


# What international job seekers type for the Dutch words of institutions' names ("Erasmus
# University Rotterdam" for Erasmus Universiteit Rotterdam), folded -> the Dutch words. Applied
# to a query's folded words, longest first, as a second reading of the query (dutch_words); a
# Dutch word found inside a compound ("rijksuniversiteit") is the search's business.
_ENGLISH_TO_DUTCH = {
    "university of applied sciences": "hogeschool",
    "university of technology": "technische universiteit",
    "technical university": "technische universiteit",
    "university medical center": "universitair medisch centrum",
    "university medical centre": "universitair medisch centrum",
    "medical center": "medisch centrum",
    "medical centre": "medisch centrum",
    "academic hospital": "academisch ziekenhuis",
    "university": "universiteit",
    "hospital": "ziekenhuis",
    "ministry": "ministerie",
    "municipality": "gemeente",
    "city council": "gemeente",
    "port of": "havenbedrijf",
    "port authority": "havenbedrijf",
    "police": "politie",
    "court": "rechtbank",
    "chamber of commerce": "kamer van koophandel",
    "tax administration": "belastingdienst",
    "employee insurance agency": "uwv",
    "social insurance bank": "sociale verzekeringsbank",
    "water board": "waterschap",
    "province": "provincie",
    "library": "bibliotheek",
}
# Particles, translated only beside a word of the table: "University of Amsterdam".
_ENGLISH_PARTICLES = {"of": "van", "for": "voor", "and": "en"}
_ENGLISH_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _english, _dutch in sorted(_ENGLISH_TO_DUTCH.items(), key=lambda item: -len(item[0])):
    _ENGLISH_BY_FIRST.setdefault(_english.split()[0], []).append((tuple(_english.split()), _dutch))


def dutch_words(query: str) -> str:
    """The folded `query` with its English words of Dutch institutions in Dutch ("erasmus
    university rotterdam" -> "erasmus universiteit rotterdam"), or "" when it has none."""
    tokens = query.split()
    out: list[str] = []
    translated = False
    i = 0
    while i < len(tokens):
        for sequence, dutch in _ENGLISH_BY_FIRST.get(tokens[i], ()):
            if tuple(tokens[i : i + len(sequence)]) == sequence:
                out.append(dutch)
                i += len(sequence)
                translated = True
                break
        else:
            out.append(tokens[i])
            i += 1
    if not translated:
        return ""
    return " ".join(_ENGLISH_PARTICLES.get(token, token) for token in out)


# What a job seeker adds to an employer's name: "werken bij Coolblue", "Adyen careers".
_JOB_SEQUENCES = tuple(
    tuple(words.split())
    for words in sorted(
        (
            "werken bij",
            "werkenbij",
            "werken",
            "jobs",
            "job",
            "careers",
            "career",
            "vacatures",
            "vacature",
            "vacancies",
            "vacancy",
            "stage",
            "stages",
            "stageplaats",
            "internship",
            "internships",
            "traineeship",
            "recruitment",
            "recruiter",
            "hiring",
            "solliciteren",
            "sollicitatie",
        ),
        key=lambda words: -len(words.split()),
    )
)


def without_job_words(query: str) -> str:
    """The folded `query` without the words a job seeker adds to a name ("jobs", "werken
    bij"), or "" when it has none (or has nothing else)."""
    tokens = query.split()
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        for sequence in _JOB_SEQUENCES:
            if tuple(tokens[i : i + len(sequence)]) == sequence:
                i += len(sequence)
                break
        else:
            kept.append(tokens[i])
            i += 1
    return " ".join(kept) if len(kept) < len(tokens) else ""
