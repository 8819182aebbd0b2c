"""A text search's candidates found in memory (registry.lexicon) rank as those found by query.

tests/test_relevance.py holds both ways to the same hit rates on the 13 real editions; here,
on names of our own, each way a name_score() match can be found, and the rules around it:
the other filters, the cap on candidates, the names kept per edition.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pytest
from django.http import QueryDict
from django.urls import reverse
from rapidfuzz.distance import OSA

from registry import lexicon, tally
from registry.filters import ListingFilter
from registry.lexicon import Lexicon
from registry.models import Listing, Register
from registry.search import CANDIDATES
from tests.factories import make_edition, make_listing, rename_listing

SEARCH_JSON = reverse("registry:search-json")

pytestmark = pytest.mark.django_db

NAMES = [
    "Booking.com B.V.",
    "Tebi B.V.",
    "Xebia Nederland B.V.",
    "Taxiss.nl B.V.",
    "JP Morgan Chase Bank N.V.",
    "Datadog Netherlands B.V.",
    "Data Dog Training V.O.F.",
    "Geocat B.V.",
    "Philips Electronics Nederland B.V.",
    "Fuji Europe Africa B.V.",
    "Fuji Logistics Europe B.V.",
    "Koninklijke Techniek Groep B.V.",
    "Van Dijk Techniek B.V.",
    "International Nederland B.V.",
    "Nedcon B.V.",
    "Transportbedrijf Vrachtwagens Amsterdam B.V.",
]

# Queries for each way a match is found: a whole word, the start of one, a typo, a swap, two
# words written as one (both ways), the letters of a whole name spaced otherwise, a typo in
# a whole name, the commonest words alone, a brand before the legal name.
QUERIES = [
    "tebi",
    "tebi nederland",
    "book",
    "bookng",
    "booking com",
    "geocta",
    "gecoat",
    "jpmorganchase",
    "jpmorg",
    "datadog",
    "data dog",
    "taxiss.ml",
    "philips electronics nederland",
    "fuji europe",
    "techniek",
    "international",
    "nethrelands",
    "nedcon",
    "van dijk",
    "zzzz",
]


@pytest.fixture
def names():
    edition = make_edition(date(2026, 10, 3))
    for name in NAMES:
        make_listing(name, edition=edition)
    return edition


def ranked(text: str, *, names: Lexicon | None) -> list[tuple[int, str, float]]:
    found = Listing.objects.of("work").search(text, names=names)
    return [(x.pk, x.verdict, x.relevance) for x in found]  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", QUERIES)
def test_in_memory_finds_what_the_query_finds(names, text):
    """Every match the query's candidates give, the lexicon's give, with the same score, and
    the same one first. It may find more: a name that name_score() rates by a typo in the
    whole text ("tebi nederland" is one letter and one swap from "xebia nederland") that
    shares too few trigrams with the query's words; on SQLite, whose substring counts miss
    "gecoat" for Geocat, a name at all."""
    in_memory, by_query = ranked(text, names=Lexicon.read("work")), ranked(text, names=None)
    assert in_memory[:1] == by_query[:1] or not by_query
    assert set(by_query) <= set(in_memory)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bookng", "Booking.com B.V."),  # a deletion
        ("gecoat", "Geocat B.V."),  # two letters swapped
        ("jpmorganchase", "JP Morgan Chase Bank N.V."),  # a name's words written as one
        ("data dog", "Data Dog Training V.O.F."),
        ("datadog", "Datadog Netherlands B.V."),
        ("taxiss.ml", "Taxiss.nl B.V."),  # a typo in the whole name
        ("tebi nederland", "Tebi B.V."),  # not Xebia Nederland
        ("fuji europe", "Fuji Europe Africa B.V."),
        # Two typos in two words written as one: allowed from 20 letters on.
        ("transportbedrjifvrachtwagns", "Transportbedrijf Vrachtwagens Amsterdam B.V."),
    ],
)
def test_each_way_of_matching_finds_its_name_first(names, text, expected):
    found = Listing.objects.of("work").search(text, names=Lexicon.read("work"))
    assert found[0].name == expected


def test_a_name_matched_by_a_generic_word_alone_is_no_candidate(names):
    """As by query: "group" does not make every group a candidate for "tebi"."""
    make_listing("Morgan Group B.V.", edition=names)
    found = Lexicon.read("work").candidates("tebi group", "tebi", limit=CANDIDATES)
    assert [name for _, name, *_ in found] == ["Tebi B.V."]


def test_every_word_generic_finds_the_names_that_have_them(names):
    found = Lexicon.read("work").candidates("international", "international", limit=10)
    assert [name for _, name, *_ in found] == ["International Nederland B.V."]


def test_the_best_estimates_are_kept_when_there_are_more_than_the_limit():
    edition = make_edition(date(2026, 10, 3))
    for i in range(12):
        make_listing(f"Techniek Werk {i} Holding Extra B.V.", edition=edition)
    make_listing("Techniek B.V.", edition=edition)
    found = Lexicon.read("work").candidates("techniek", "techniek", limit=3)
    assert len(found) == 3
    assert found[0][1] == "Techniek B.V."  # every word of the name is the query's


def test_the_cut_keeps_a_longer_name_that_starts_with_the_word():
    """Names that start with the query's word score higher (search._lead): the estimate
    counts that, so the shorter names that merely have the word do not crowd it out."""
    edition = make_edition(date(2026, 10, 3))
    for prefix in ("Aa", "Bb", "Cc", "Dd", "Ee"):
        make_listing(f"{prefix} Techniek B.V.", edition=edition)
    make_listing("Techniek Zuidwest Montage Partners B.V.", edition=edition)
    found = Lexicon.read("work").candidates("techniek", "techniek", limit=3)
    assert found[0][1] == "Techniek Zuidwest Montage Partners B.V."
    best = Listing.objects.of("work").search("techniek", names=Lexicon.read("work"))[0]
    assert best.name == "Techniek Zuidwest Montage Partners B.V."


def test_only_the_listings_kept_are_candidates(names):
    names_in_memory = Lexicon.read("work")
    tebi = Listing.objects.get(name="Tebi B.V.")
    found = names_in_memory.candidates(
        "tebi", "tebi", keep=lambda ids: ids != tebi.pk, limit=CANDIDATES
    )
    assert found == []
    among = np.array([tebi.pk], dtype=np.int64)
    assert [m.listing_id for m in rank_among("tebi", names_in_memory, among)] == [tebi.pk]
    nobody = np.array([], dtype=np.int64)
    assert rank_among("tebi", names_in_memory, nobody) == []


def rank_among(text, names, among):
    from registry.search import ranking

    return ranking(Listing.objects.of("work"), text, names=names, among=among).matches


def test_without_among_the_queryset_decides(names):
    """The other filters of the queryset apply, read with one query of the candidates' ids."""
    edition = Listing.objects.get(name="Tebi B.V.").first_listed
    later = make_edition(date(2026, 11, 3))
    make_listing("Tebi Two B.V.", edition=later)
    listings = Listing.objects.of("work").filter(first_listed__gt=edition)
    found = listings.search("tebi", names=Lexicon.read("work"))
    assert [x.name for x in found] == ["Tebi Two B.V."]


@pytest.mark.parametrize("reach", [1, 2])
def test_near_finds_every_string_within_reach(reach):
    """The letters test before the edit distance leaves out no string within reach: the
    same strings as measuring every one, for typos, swaps, accents, digits and punctuation."""
    strings = [
        "booking", "bokking", "boking", "bookign", "obokign", "looking", "bookings", "boo",
        "ómega", "omega", "omgea", "ōmega", "taxiss.nl", "taxiss.ml", "taxis.nl", "a1b2c3",
        "a1b2c4", "1a2b3c", "philips", "phillips", "filips", "xebia", "tebi", "zebia",
        "om\ud800ga",  # a lone surrogate: a str, if not valid text
    ]  # fmt: skip
    words = lexicon._Words({text: [i] for i, text in enumerate(strings)})
    for word in [*strings, "bookng", "omeag", "taxisnl", "zzzzzz", "b", ""]:
        everyone = {
            other for other in strings if OSA.distance(word, other, score_cutoff=reach) <= reach
        }
        assert set(words.near(word, reach=reach)) == everyone, word


def searched(params: str) -> ListingFilter:
    filterset = ListingFilter(QueryDict(params), queryset=Listing.objects.for_listing())
    assert filterset.is_valid(), filterset.errors
    tally.search_in_memory(filterset, Register.objects.get(slug="work"))
    return filterset


@pytest.mark.parametrize(
    "params",
    [
        "q=tebi+nederland",
        "q=fuji&status=all",
        "q=booking&status=removed",
        "q=data&listed_since=2026-11-01",
        "q=data&sort=recent",
        "q=data&editions=2&status=all",
    ],
)
def test_a_search_ranks_in_memory_what_its_querysets_rank(names, params):
    """ListingFilter.matches() ranks among the ids the register's columns leave, building no
    queryset; the filters' querysets, which rank among what they keep, agree."""
    make_listing("Data Dog Two B.V.", edition=make_edition(date(2026, 11, 3)))
    removed = Listing.objects.get(name="Booking.com B.V.")
    removed.removed_on = date(2026, 11, 3)
    removed.save()
    in_memory = searched(params)
    found = in_memory.matches()
    assert in_memory._base is None  # no filter was applied to a queryset
    assert found, "the search finds something to compare"
    assert found == searched(params).base.matches()


def test_a_kvk_number_is_ranked_by_its_queryset(names):
    listing = Listing.objects.get(name="Tebi B.V.")
    filterset = searched(f"q={listing.company.kvk_number}")
    assert [m.listing_id for m in filterset.matches()] == [listing.pk]
    assert filterset._base is not None


def test_a_former_name_is_found_and_weighs_a_little_less():
    first = make_edition(date(2026, 9, 1), current=False)
    second = make_edition(date(2026, 10, 3))
    listing = make_listing("Oldname Consulting B.V.", edition=first)
    rename_listing(listing, "Newname Consulting B.V.", edition=second)
    in_memory = Listing.objects.of("work").search("oldname consulting", names=Lexicon.read("work"))
    [found] = list(in_memory)
    assert found.matched_on == "former_name"  # type: ignore[attr-defined]
    assert found.matched_name == "Oldname Consulting B.V."  # type: ignore[attr-defined]
    assert ranked("oldname consulting", names=Lexicon.read("work")) == ranked(
        "oldname consulting", names=None
    )


def test_names_are_kept_per_edition_and_read_again_for_the_next(names, settings):
    settings.TALLY_SECONDS = 900
    kept = lexicon.of("work", edition_id=names.pk)
    assert lexicon.of("work", edition_id=names.pk) is kept
    later = make_edition(date(2026, 11, 3))
    make_listing("Tebi Two B.V.", edition=later)
    fresh = lexicon.of("work", edition_id=later.pk)
    assert fresh is not kept
    assert "Tebi Two B.V." in fresh.names
    assert list(lexicon._kept) == [("work", later.pk)]  # the earlier edition's names let go


def test_names_are_read_every_time_without_an_edition_or_with_tally_seconds_zero(names, settings):
    settings.TALLY_SECONDS = 900
    assert lexicon.of("work", edition_id=None) is not lexicon.of("work", edition_id=None)
    settings.TALLY_SECONDS = 0
    assert lexicon.of("work", edition_id=names.pk) is not lexicon.of("work", edition_id=names.pk)


def test_the_search_page_finds_candidates_in_memory(client, names, django_assert_num_queries):
    """The register (with its current edition), the names and the columns once: no trigram
    query; asked again, the names and the columns (with the page's rows) are in memory."""
    with django_assert_num_queries(3):  # register, names, the columns (registry.tally)
        first = client.get(SEARCH_JSON, {"q": "bookng", "status": "all"}).json()
    assert [r["name"] for r in first["results"]] == ["Booking.com B.V."]
    with django_assert_num_queries(1):  # the register
        again = client.get(SEARCH_JSON, {"q": "tebi", "status": "all"}).json()
    assert [r["name"] for r in again["results"]] == ["Tebi B.V."]


def test_the_csv_and_the_feed_of_a_search_list_what_its_page_lists(client, names):
    """All three find the candidates in memory: "tebi nederland" is Tebi B.V. first, then
    Xebia Nederland B.V. (a typo in the whole name), which the trigram query does not find."""
    make_edition(date(2026, 9, 1), current=False)  # so October's additions are news
    text = "tebi nederland"
    page = [r["kvk"] for r in client.get(SEARCH_JSON, {"q": text}).json()["results"]]
    assert len(page) == 2
    response = client.get(reverse("registry:search-csv"), {"q": text})
    body = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert [row["kvk"] for row in rows] == page
    feed = client.get(reverse("registry:search-feed"), {"q": text}).content.decode()
    assert "Xebia Nederland B.V." in feed
    assert "Tebi B.V." in feed
