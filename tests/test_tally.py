"""The register's columns in memory (registry.tally) select and count what the SQL filters do."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.http import QueryDict
from django.urls import reverse

from registry import tally
from registry.cached import enrichment_changed
from registry.filters import ListingFilter
from registry.models import Listing, Register
from tests.factories import enrich, make_edition, make_listing, rename_listing

SEARCH = reverse("registry:search")
SEARCH_JSON = reverse("registry:search-json")

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    """Three editions; listings added in each, some removed, renamed, enriched or not, and
    names that sort apart from their ids (A-Z is not the order they were made in)."""
    first = make_edition(date(2026, 5, 1), current=False)
    second = make_edition(date(2026, 8, 3), current=False)
    third = make_edition(date(2026, 10, 3))
    places = [
        ("62100", "Amsterdam", "Noord-Holland"),
        ("63100", "'s-Gravenhage", "Zuid-Holland"),
        ("4120", "'s-Hertogenbosch", "Noord-Brabant"),  # SBI 2008: F 41
        ("52100", "Rotterdam", "Zuid-Holland"),
        ("", "", ""),  # not enriched
        ("62100", "", "Zuid-Holland"),  # a postcode region only
    ]
    names = ["Zeta", "alpha", "Beta", "Ómega", "delta", "Gamma", "epsilon", "Eta"]
    for i in range(36):
        edition = (first, second, third)[i % 3]
        removed = third if i % 5 == 0 and edition is not third else None
        listing = make_listing(
            f"{names[i % len(names)]} {i % 4} B.V.", edition=edition, removed_in=removed
        )
        if i % 7 == 0 and edition is first:
            rename_listing(listing, f"Aaa Renamed {i} B.V.", edition=second)
        sbi, city, province = places[(i // 3) % len(places)]  # every place in every edition
        enrich(listing, sbi=sbi, city=city, province=province)
    exchange = make_edition(date(2026, 9, 1), register=Register.objects.get(slug="exchange"))
    for i, (sbi, city, province) in enumerate(places[:4]):
        enrich(
            make_listing(f"Au Pair {names[i]} B.V.", edition=exchange),
            sbi=sbi,
            city=city,
            province=province,
        )
    return third


CASES = [
    {},
    {"status": "all"},
    {"status": "removed"},
    {"sort": "newest"},
    {"sort": "name", "status": "all"},
    {"sort": "recent"},
    {"editions": "2", "status": "all"},
    {"editions": "9", "sort": "newest"},
    {"listed_since": "2026-08-01", "status": "all", "sort": "newest"},
    {"sector": "K"},
    {"sector": "62", "status": "all"},
    {"sector": "F", "sort": "newest"},
    {"sector": "unknown"},
    {"city": "Den Haag", "status": "all"},
    {"city": "unknown", "sector": "K"},
    {"province": "Zuid-Holland", "sector": "K"},
    {"province": "unknown", "sort": "recent"},
    {"province": "unknown", "editions": "2", "status": "all"},
    {"city": "Rotterdam", "province": "Zuid-Holland", "sort": "newest"},
    {"city": "Rotterdam", "province": "Noord-Holland"},  # none: each filter alone finds some
    {"register": "exchange"},
    {"register": "exchange", "sector": "K", "sort": "newest"},
    {"register": "study"},  # never synced: no listing, no edition
    {"register": "study", "editions": "3"},
    {"as_of": "2026-09-01"},
    {"as_of": "2026-09-01", "status": "listed", "sector": "K"},
    {"as_of": "2026-01-01"},  # before the first edition: nothing is known
]
EMPTY = [
    {"city": "Rotterdam", "province": "Noord-Holland"},
    {"register": "study"},
    {"register": "study", "editions": "3"},
    {"as_of": "2026-01-01"},
]


def filterset(params: dict[str, str]) -> ListingFilter:
    data = QueryDict(mutable=True)
    data.update(params)
    found = ListingFilter(data, queryset=Listing.objects.for_listing())
    assert found.is_valid(), found.errors
    return found


@pytest.mark.parametrize("params", CASES, ids=lambda params: repr(params))
def test_the_columns_select_what_the_filters_select_in_sql_in_the_same_order(register, params):
    in_sql = list(filterset(params).qs.values_list("pk", flat=True))

    columns = tally.Columns.read(params.get("register", "work"))

    assert columns.ids_in_order(filterset(params)).tolist() == in_sql
    assert bool(in_sql) == (params not in EMPTY), "the fixture should exercise this case"


@pytest.mark.parametrize("params", CASES, ids=lambda params: repr(params))
def test_the_columns_give_the_results_rows_sql_reads(register, params):
    """A page is built from the columns: every value of every row as the query reads it
    (names after a rename, removal dates, keys, SBI codes, places, the register)."""
    in_sql = filterset(params).qs.results()

    columns = tally.Columns.read(params.get("register", "work"))
    built = columns.results(columns.selected(filterset(params)).tolist(), matches={})

    assert built == in_sql


def test_a_removal_on_any_date_is_a_removal(register):
    """The columns mark a listing that is listed apart from every date, 1 January 1970 and
    before included (days since 1970 are 0 and less there)."""
    early = Listing.objects.filter(removed_on__isnull=True).order_by("pk")[:2]
    for listing, day in zip(early, [date(1970, 1, 1), date(1969, 12, 31)], strict=True):
        listing.removed_on = day
        listing.save()
    columns = tally.Columns.read("work")
    for params in ({"status": "removed"}, {"status": "listed"}, {"status": "all"}):
        built = columns.results(columns.selected(filterset(params)).tolist(), matches={})
        assert built == filterset(params).qs.results(), params


def grouped_in_sql(
    found: ListingFilter,
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """What a GROUP BY counts on the filterset's base: (section, division) with the place
    filters applied, (province, city) with the sector filter applied."""
    in_place = found.in_facets(found.base, leave_out="sector").values_list(
        "company__sector_section", "company__sector_division"
    )
    with_sector = found.filters["sector"].filter(found.base, found.form.cleaned_data["sector"])
    places = with_sector.values_list("company__province", "company__city")
    return Counter(in_place), Counter(places)


@pytest.mark.parametrize("params", CASES, ids=lambda params: repr(params))
def test_the_columns_count_what_a_group_by_counts(register, params):
    found = filterset(params)
    in_sql, places = grouped_in_sql(found)

    counted = tally.count(filterset(params), edition_id=None)

    assert Counter({(s, d): n for s, d, n in counted.by_sector}) == Counter(in_sql)
    assert Counter({(p, c): n for p, c, n in counted.by_place}) == Counter(places)
    assert all(n > 0 for *_, n in counted.by_sector + counted.by_place)


# A search text: its ranking (by query here, as without the names in memory), then the other
# filters, the facets and the order applied over the columns.
TEXT_CASES = [
    {"q": "alpha"},
    {"q": "alpha", "status": "all"},
    {"q": "beta", "status": "removed"},
    {"q": "gamma", "sort": "name", "status": "all"},
    {"q": "delta", "sort": "newest"},
    {"q": "epsilon", "sort": "recent"},
    {"q": "eta", "editions": "2", "status": "all"},
    {"q": "omega", "sector": "K", "status": "all"},
    {"q": "zeta", "province": "Zuid-Holland", "sort": "newest"},
    {"q": "aaa renamed", "status": "all"},  # renamed listings, by the name they have now
    {"q": "au pair", "register": "exchange", "sector": "K"},
    {"q": "alpha", "as_of": "2026-09-01"},
]


def ranked_ids(found: ListingFilter) -> list[int]:
    return [m.listing_id for m in found.base.matches()]


@pytest.mark.parametrize("params", TEXT_CASES, ids=lambda params: repr(params))
def test_a_ranking_is_selected_as_the_filters_select_it_in_sql(register, params):
    in_sql = list(filterset(params).qs.values_list("pk", flat=True))

    found = filterset(params)
    columns = tally.Columns.read(params.get("register", "work"))

    assert columns.ids_in_order(found, ranked=ranked_ids(found)).tolist() == in_sql
    assert in_sql, "the fixture should exercise this case"


@pytest.mark.parametrize("params", TEXT_CASES, ids=lambda params: repr(params))
def test_a_ranking_is_counted_as_a_group_by_counts_it(register, params):
    found = filterset(params)
    in_sql, places = grouped_in_sql(found)

    counted = tally.count(found, edition_id=None, ranked=ranked_ids(found))

    assert Counter({(s, d): n for s, d, n in counted.by_sector}) == Counter(in_sql)
    assert Counter({(p, c): n for p, c, n in counted.by_place}) == Counter(places)


def test_a_selection_is_a_sequence_of_results_read_when_sliced(register, django_assert_num_queries):
    in_sql = filterset({"status": "all"}).qs.results()
    with django_assert_num_queries(0):  # nothing is read before a page is
        selected = tally.selected(filterset({"status": "all"}), edition_id=None, count=36)
        page = selected[10:20]
    assert len(selected) == len(in_sql) == 36
    assert len(tally.Columns.read("work").ids_in_order(filterset({"status": "all"}))) == 36
    assert len(page) == 10
    with django_assert_num_queries(1):  # the columns, which hold the page's rows
        assert page.results() == in_sql[10:20]
    assert selected[0] == in_sql[0]
    assert selected[-1] == in_sql[-1]
    with pytest.raises(IndexError):
        selected[36]


def test_the_columns_are_read_once_per_edition_and_enrichment_version(
    client, register, settings, django_assert_num_queries
):
    settings.FACET_CACHE_SECONDS = settings.SEARCH_CACHE_SECONDS = 0  # count every time
    with django_assert_num_queries(2):  # the register, the columns (the counts, the page)
        first = client.get(SEARCH_JSON, {"sector": "K"}).json()
    with django_assert_num_queries(1):  # the register: counted and paged in memory
        assert client.get(SEARCH_JSON, {"sector": "K"}).json() == first

    # An enrichment write: read again, and counted with the new values.
    listing = Listing.objects.filter(company__sector_section="").first()
    assert listing is not None
    enrich(listing, sbi="62100", city="Utrecht", province="Utrecht")
    enrichment_changed()
    with django_assert_num_queries(2):
        after = client.get(SEARCH_JSON, {"sector": "K"}).json()
    assert after["count"] == first["count"] + 1

    # A new edition: read again (and the new edition itself, for the page's header).
    newer = make_edition(date(2026, 11, 2))
    enrich(make_listing("Nieuw IT B.V.", edition=newer), sbi="62100", city="Utrecht")
    with django_assert_num_queries(3):
        latest = client.get(SEARCH_JSON, {"sector": "K"}).json()
    assert latest["count"] == after["count"] + 1
    assert "Nieuw IT B.V." in [row["name"] for row in latest["results"]]


def test_the_pages_of_a_selection_follow_one_another(client, register):
    params = {"status": "all", "sort": "newest", "page_size": "5"}
    in_sql = [r.name for r in filterset(params).qs.results()]

    seen: list[str] = []
    url: str | None = SEARCH_JSON + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    while url:
        data = client.get(url).json()
        seen += [row["name"] for row in data["results"]]
        url = data["next"]

    assert seen == in_sql


def test_the_columns_are_read_again_after_tally_seconds(
    client, register, settings, monkeypatch, django_assert_num_queries
):
    settings.FACET_CACHE_SECONDS = settings.SEARCH_CACHE_SECONDS = 0
    settings.TALLY_SECONDS = 900
    now = [1000.0]
    monkeypatch.setattr(tally, "now_seconds", lambda: now[0])
    client.get(SEARCH_JSON)

    now[0] += 899
    with django_assert_num_queries(1):  # the register
        client.get(SEARCH_JSON)
    now[0] += 1  # 900 seconds after they were read: read again
    with django_assert_num_queries(2):
        client.get(SEARCH_JSON)
    with django_assert_num_queries(1):
        client.get(SEARCH_JSON)


def test_tally_seconds_of_zero_reads_the_columns_for_every_search(
    client, register, settings, django_assert_num_queries
):
    settings.FACET_CACHE_SECONDS = settings.SEARCH_CACHE_SECONDS = settings.TALLY_SECONDS = 0
    client.get(SEARCH_JSON)

    for _ in range(2):
        with django_assert_num_queries(2):  # the register, the columns (with the page)
            client.get(SEARCH_JSON)


def test_another_process_takes_the_columns_from_the_cache(
    client, register, settings, django_assert_num_queries
):
    settings.FACET_CACHE_SECONDS = settings.SEARCH_CACHE_SECONDS = 0
    first = client.get(SEARCH_JSON, {"sector": "K"}).json()

    tally.forget()  # another process: nothing in its memory, the same (shared) cache
    with django_assert_num_queries(1):  # the register: no read of the columns
        assert client.get(SEARCH_JSON, {"sector": "K"}).json() == first
