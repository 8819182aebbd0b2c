"""Dutch place names: display aliases, folding for user input, province lookup, postcode areas.

The KvK returns the official BAG woonplaats name (`'s-Gravenhage`); people say "Den Haag" or
"The Hague". Both must find the same employers, so the official name stays the key and this
module adds the names people use. Pure functions and tables; the `Place` table (place,
municipality, province from CBS) is read by the caller and passed in as a `PlaceIndex`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

# Official BAG name -> (the name people use, an English name or ""). Only names whose official
# form is not what anyone types or reads; the official name is always shown beside the alias.
ALIASES: dict[str, tuple[str, str]] = {
    "'s-Gravenhage": ("Den Haag", "The Hague"),
    "'s-Hertogenbosch": ("Den Bosch", ""),
    "Bergen (NH)": ("Bergen (Noord-Holland)", ""),
    "Bergen L": ("Bergen (Limburg)", ""),
    "Hengelo (Gld)": ("Hengelo (Gelderland)", ""),
    "Rijswijk (GLD)": ("Rijswijk (Gelderland)", ""),
    "Rijswijk (NB)": ("Rijswijk (Noord-Brabant)", ""),
    "Beuningen Gld": ("Beuningen", ""),
}
# Further names people type for a place, folded (see fold_place) -> official name.
_EXTRA_INPUT = {"hague": "'s-Gravenhage", "hertogenbosch": "'s-Hertogenbosch"}

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold_place(text: str) -> str:
    """A place name as a lookup key: case, accents, apostrophes, hyphens, dots and brackets
    folded away, so "'s-Gravenhage", "’s Gravenhage" and "S-GRAVENHAGE" are one key."""
    text = text.translate(_APOSTROPHES).replace("'", "")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NOT_WORD.sub(" ", plain).strip()


def display_name(official: str) -> str:
    """The name to show for an official place name: 'Den Haag' for 's-Gravenhage."""
    alias = ALIASES.get(official)
    return alias[0] if alias else official


def english_name(official: str) -> str:
    alias = ALIASES.get(official)
    return alias[1] if alias else ""


@cache
def input_names() -> dict[str, str]:
    """Every folded name a user may type for an aliased place -> its official name."""
    names = {fold_place(official): official for official in ALIASES}
    for official, (alias, english) in ALIASES.items():
        names[fold_place(alias)] = official
        if english:
            names[fold_place(english)] = official
    names.update(_EXTRA_INPUT)
    return names


def official_names(text: str, *, known: Iterable[str]) -> list[str]:
    """The official place names a user's text means, among `known` ones (e.g. the cities in the
    data): "den haag", "The Hague" and "'s-Gravenhage" all give ["'s-Gravenhage"]."""
    return official_names_in(text, index=folded_names(known))


PlaceNames = dict[str, list[str]]


def folded_names(names: Iterable[str]) -> PlaceNames:
    """Official place names by their folded form (fold_place), for official_names_in(): built
    once for the few thousand places a city filter may name, not folded again per search."""
    index: PlaceNames = {}
    for name in sorted(set(names)):
        index.setdefault(fold_place(name), []).append(name)
    return index


def official_names_in(text: str, *, index: PlaceNames) -> list[str]:
    """official_names() among the names of a folded_names()."""
    key = fold_place(text)
    if not key:
        return []
    found = set(index.get(key, ()))
    aliased = input_names().get(key)
    if aliased is not None and aliased in index.get(fold_place(aliased), ()):
        found.add(aliased)
    return sorted(found)


# The twelve provinces as CBS names them (the `province` column holds these), north to south.
PROVINCES = (
    "Groningen",
    "Fryslân",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)
# Other names people type for a province, folded -> the CBS name.
_PROVINCE_INPUT = {
    "friesland": "Fryslân",
    "north holland": "Noord-Holland",
    "south holland": "Zuid-Holland",
    "north brabant": "Noord-Brabant",
    "zealand": "Zeeland",
}


def province_name(text: str) -> str | None:
    """The CBS name of the province `text` means ("zuid holland", "Friesland"), or None."""
    key = fold_place(text)
    by_key = {fold_place(name): name for name in PROVINCES}
    return by_key.get(key) or _PROVINCE_INPUT.get(key)


@dataclass(frozen=True, slots=True)
class PlaceFacts:
    municipality: str  # "" when the name alone does not decide it
    province: str  # "" when unknown or undecided


@dataclass(frozen=True, slots=True)
class PlaceRow:
    place: str
    municipality: str
    province: str


class PlaceIndex:
    """The CBS woonplaatsen table in memory (about 2,500 rows), keyed by folded name.

    70 names occur in more than one municipality. For those a name alone decides nothing: the
    municipality and province stay empty unless every candidate agrees on them, or the
    postcode's area (POSTCODE_AREAS, approximate) leaves exactly one candidate.
    """

    def __init__(self, rows: Iterable[PlaceRow]) -> None:
        self._rows: dict[str, set[PlaceRow]] = {}
        for row in rows:
            self._rows.setdefault(fold_place(row.place), set()).add(row)

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, place: str, *, postcode: str = "") -> PlaceFacts:
        candidates = self._rows.get(fold_place(place), set())
        if not candidates:
            return PlaceFacts(municipality="", province="")
        area = postcode_area(postcode)
        if len(candidates) > 1 and area is not None and area.province:
            in_area = {row for row in candidates if row.province == area.province}
            if len(in_area) == 1:
                candidates = in_area
        municipalities = {row.municipality for row in candidates}
        provinces = {row.province for row in candidates}
        return PlaceFacts(
            municipality=municipalities.pop() if len(municipalities) == 1 else "",
            province=provinces.pop() if len(provinces) == 1 else "",
        )


@dataclass(frozen=True, slots=True)
class PostcodeArea:
    code: str  # two digits, "10"
    name: str  # the largest place in it, "Amsterdam"
    province: str  # the province most of it lies in; areas cross borders, so approximate

    @property
    def label(self) -> str:
        """Honestly a region, never a city: 'postcode area 10xx (Amsterdam region)'."""
        return f"postcode area {self.code}xx ({self.name} region)"


# The 2-digit postcode areas (10-99) with their largest place and main province. Written from
# the PostNL numbering; several areas cross a provincial border (21, 38, 41, 53, 58, 82, 83,
# 93), so a province derived from an area alone is approximate and labelled as a region.
_AREAS = """
10 Amsterdam|Noord-Holland
11 Amstelveen|Noord-Holland
12 Hilversum|Noord-Holland
13 Almere|Flevoland
14 Purmerend|Noord-Holland
15 Zaandam|Noord-Holland
16 Hoorn|Noord-Holland
17 Heerhugowaard|Noord-Holland
18 Alkmaar|Noord-Holland
19 Beverwijk|Noord-Holland
20 Haarlem|Noord-Holland
21 Hoofddorp|Noord-Holland
22 Noordwijk|Zuid-Holland
23 Leiden|Zuid-Holland
24 Alphen aan den Rijn|Zuid-Holland
25 Den Haag|Zuid-Holland
26 Delft|Zuid-Holland
27 Zoetermeer|Zuid-Holland
28 Gouda|Zuid-Holland
29 Capelle aan den IJssel|Zuid-Holland
30 Rotterdam|Zuid-Holland
31 Schiedam|Zuid-Holland
32 Spijkenisse|Zuid-Holland
33 Dordrecht|Zuid-Holland
34 Nieuwegein|Utrecht
35 Utrecht|Utrecht
36 Maarssen|Utrecht
37 Zeist|Utrecht
38 Amersfoort|Utrecht
39 Veenendaal|Utrecht
40 Tiel|Gelderland
41 Culemborg|Gelderland
42 Gorinchem|Zuid-Holland
43 Middelburg|Zeeland
44 Goes|Zeeland
45 Terneuzen|Zeeland
46 Bergen op Zoom|Noord-Brabant
47 Roosendaal|Noord-Brabant
48 Breda|Noord-Brabant
49 Oosterhout|Noord-Brabant
50 Tilburg|Noord-Brabant
51 Waalwijk|Noord-Brabant
52 Den Bosch|Noord-Brabant
53 Oss|Noord-Brabant
54 Uden|Noord-Brabant
55 Veldhoven|Noord-Brabant
56 Eindhoven|Noord-Brabant
57 Helmond|Noord-Brabant
58 Venray|Limburg
59 Venlo|Limburg
60 Weert|Limburg
61 Sittard|Limburg
62 Maastricht|Limburg
63 Valkenburg|Limburg
64 Heerlen|Limburg
65 Nijmegen|Gelderland
66 Wijchen|Gelderland
67 Ede|Gelderland
68 Arnhem|Gelderland
69 Zevenaar|Gelderland
70 Doetinchem|Gelderland
71 Winterswijk|Gelderland
72 Zutphen|Gelderland
73 Apeldoorn|Gelderland
74 Deventer|Overijssel
75 Enschede|Overijssel
76 Almelo|Overijssel
77 Hardenberg|Overijssel
78 Emmen|Drenthe
79 Hoogeveen|Drenthe
80 Zwolle|Overijssel
81 Raalte|Overijssel
82 Lelystad|Flevoland
83 Emmeloord|Flevoland
84 Heerenveen|Fryslân
85 Joure|Fryslân
86 Sneek|Fryslân
87 Bolsward|Fryslân
88 Harlingen|Fryslân
89 Leeuwarden|Fryslân
90 Grou|Fryslân
91 Dokkum|Fryslân
92 Drachten|Fryslân
93 Roden|Drenthe
94 Assen|Drenthe
95 Stadskanaal|Groningen
96 Hoogezand|Groningen
97 Groningen|Groningen
98 Zuidhorn|Groningen
99 Delfzijl|Groningen
"""
POSTCODE_AREAS: dict[str, PostcodeArea] = {}
for _line in _AREAS.strip().splitlines():
    _code, _rest = _line.split(" ", 1)
    _name, _province = _rest.split("|")
    POSTCODE_AREAS[_code] = PostcodeArea(code=_code, name=_name, province=_province)


def postcode_area(value: str | int | None) -> PostcodeArea | None:
    """The area of a postcode ("2511 CV", "2511CV") or of the open data's 2-digit region (25)."""
    if value is None or value == "":
        return None
    digits = str(value).strip()
    if isinstance(value, int):
        digits = f"{value:02d}"
    return POSTCODE_AREAS.get(digits[:2]) if digits[:2].isdigit() else None
