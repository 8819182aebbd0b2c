"""The search over four registers and over time: `register`, `sort=recent` with `editions`,
and the links to the same search as a feed and as CSV."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Register
from tests.factories import INDEX_QUERIES, make_edition, make_listing

SEARCH = reverse("registry:search")
SEARCH_JSON = reverse("registry:search-json")
pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def work():
    """Work editions of July, August, October and December 2026, a listing new in each."""
    days = [date(2026, 7, 1), date(2026, 8, 3), date(2026, 10, 5), date(2026, 12, 2)]
    editions = [make_edition(day, current=day == days[-1]) for day in days]
    for edition, name in zip(editions, ["July", "August", "October", "December"], strict=True):
        make_listing(f"{name} B.V.", edition=edition)
    return editions


@pytest.fixture
def exchange():
    register = Register.objects.get(slug="exchange")
    edition = make_edition(date(2026, 9, 1), register=register)
    make_listing("Au Pair Amsterdam", "30000001", edition=edition)
    make_listing("Nedsa Au Pair Nederland B.V.", "30000002", edition=edition)
    return edition


# --- Register -------------------------------------------------------------------------------


def test_the_search_serves_the_work_register_unless_asked_for_another(client, work, exchange):
    assert names(client.get(SEARCH_JSON)) == [
        "August B.V.",
        "December B.V.",
        "July B.V.",
        "October B.V.",
    ]
    assert names(client.get(SEARCH_JSON, {"register": "exchange"})) == [
        "Au Pair Amsterdam",
        "Nedsa Au Pair Nederland B.V.",
    ]
    assert names(client.get(SEARCH_JSON, {"register": "research"})) == []


def test_results_name_their_register_and_the_edition_is_the_registers_own(client, work, exchange):
    data = client.get(SEARCH_JSON, {"register": "exchange", "q": "au pair"}).json()

    assert {row["register"] for row in data["results"]} == {"exchange"}
    assert data["edition"]["register"] == "exchange"
    assert data["edition"]["updated_on"] == "2026-09-01"
    assert data["source"].endswith("list of 1 September 2026")


def test_a_search_finds_within_the_register_asked_for(client, work, exchange):
    assert names(client.get(SEARCH_JSON, {"q": "au pair"})) == []
    assert names(client.get(SEARCH_JSON, {"q": "30000001", "register": "exchange"})) == [
        "Au Pair Amsterdam"
    ]


def test_the_search_page_has_a_register_choice_and_states_that_registers_edition(
    client, work, exchange
):
    response = client.get(SEARCH, {"register": "exchange"})

    html = response.content.decode()
    assert '<select name="register"' in html
    assert '<option value="exchange" selected>' in html
    assert "Au Pair Amsterdam" in html and "July B.V." not in html
    assert "IND register of 1 September 2026" in html


@pytest.mark.parametrize("value", ["bogus", "Work", "all"])
def test_an_unknown_register_is_a_400(client, work, value):
    response = client.get(SEARCH_JSON, {"register": value})

    assert response.status_code == 400
    assert response.json()["errors"]["register"][0]["code"] == "invalid_choice"


def test_the_search_page_explains_an_unknown_register(client, work):
    response = client.get(SEARCH, {"register": "bogus"})

    assert "Select a valid choice. bogus is not one of the available choices." in (
        response.content.decode()
    )


@pytest.mark.parametrize("rows", [10, 40])
def test_another_register_costs_one_query_more_however_many_rows(
    client, exchange, django_assert_num_queries, rows
):
    for i in range(rows):
        make_listing(f"Exchange {i} B.V.", edition=exchange)

    # That register (the JSON's edition), its index (the counts, the total, the page).
    with django_assert_num_queries(1 + INDEX_QUERIES):
        response = client.get(SEARCH_JSON, {"register": "exchange", "page_size": "100"})
    assert response.json()["count"] == rows + 2
    with django_assert_num_queries(1):  # that register, for the header too; the rest in memory
        client.get(SEARCH, {"register": "exchange"})


# --- New in the last editions -------------------------------------------------------------------


def test_recent_shows_what_the_latest_edition_added(client, work):
    assert names(client.get(SEARCH_JSON, {"sort": "recent"})) == ["December B.V."]


def test_recent_with_editions_goes_back_that_many_editions_newest_first(client, work):
    assert names(client.get(SEARCH_JSON, {"sort": "recent", "editions": "3"})) == [
        "December B.V.",
        "October B.V.",
        "August B.V.",
    ]


def test_editions_alone_filters_and_keeps_the_chosen_order(client, work):
    assert names(client.get(SEARCH_JSON, {"editions": "2"})) == ["December B.V.", "October B.V."]
    assert names(client.get(SEARCH_JSON, {"editions": "2", "sort": "name"})) == [
        "December B.V.",
        "October B.V.",
    ]


def test_more_editions_than_there_are_means_all_of_them(client, work):
    assert len(names(client.get(SEARCH_JSON, {"sort": "recent", "editions": "12"}))) == 4


def test_recent_counts_the_editions_of_the_register_searched(client, work, exchange):
    assert names(client.get(SEARCH_JSON, {"sort": "recent", "register": "exchange"})) == [
        "Au Pair Amsterdam",
        "Nedsa Au Pair Nederland B.V.",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("999", "Ensure this value is less than or equal to 12."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("1.5", "Enter a whole number."),
        ("some", "Enter a whole number."),
    ],
)
def test_a_bad_number_of_editions_is_a_400(client, work, value, message):
    response = client.get(SEARCH_JSON, {"sort": "recent", "editions": value})

    assert response.status_code == 400
    assert response.json()["errors"]["editions"][0]["message"] == message


@pytest.mark.parametrize("rows", [10, 40])
def test_recent_costs_no_query_more_however_many_rows(
    client, work, django_assert_num_queries, rows
):
    for i in range(rows):
        make_listing(f"Late {i} B.V.", edition=work[-1])

    # The register and its index (with its edition dates: they give the counts, the total
    # and the page); then, the index in memory, the register alone.
    with django_assert_num_queries(1 + INDEX_QUERIES):
        response = client.get(SEARCH_JSON, {"sort": "recent", "editions": "2"})
    assert response.json()["count"] == rows + 2
    with django_assert_num_queries(1):
        response = client.get(SEARCH_JSON, {"sort": "recent", "editions": "1"})
    assert response.json()["count"] == rows + 1  # and December's


# --- Links to the same search as a feed and as CSV -----------------------------------------------


def test_the_search_page_links_its_feed_and_csv_with_the_same_query(client, work):
    html = client.get(SEARCH, {"q": "july", "status": "all", "page": "1"}).content.decode()

    feed = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', html)
    assert feed and feed.group(1) == "/search.atom?q=july&amp;status=all"
    assert 'href="/search.csv?q=july&amp;status=all"' in html


def test_the_nearest_names_of_a_search_without_match_name_their_register_at_no_cost(
    client, work, exchange
):
    make_listing("Au Pair International B.V.", "30000003", edition=exchange)

    with CaptureQueriesContext(connection) as queries:
        data = client.get(SEARCH_JSON, {"q": "Pairxqzw", "register": "exchange"}).json()

    assert data["count"] == 0
    nearest = data["no_match"]["nearest"]
    assert nearest and {row["register"] for row in nearest} == {"exchange"}
    # The register is read once, for the edition block, not once per nearest name.
    reads = [
        q for q in queries.captured_queries if q["sql"].startswith('SELECT "registry_register"')
    ]
    assert len(reads) == 1
