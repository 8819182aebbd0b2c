"""Sector and place: the filters, their counts (facets), the links that choose them, the cost."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import Place, Register
from registry.search.facets import CITY_OPTIONS
from scraper import enrich as enrichment
from scraper.sync import get_register
from tests.factories import INDEX_QUERIES, enrich, make_edition, make_listing
from tests.kvk_answers import API, OPENDATA, answer, profile_url, serve

SEARCH = reverse("registry:search")
SEARCH_JSON = reverse("registry:search-json")
SEARCH_CSV = reverse("registry:search-csv")
SEARCH_FEED = reverse("registry:search-feed")

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition():
    return make_edition(date(2026, 10, 3))


@pytest.fixture
def employers(edition):
    """Eight listed employers and one that left, across sectors and places; two not enriched."""
    old = make_edition(date(2026, 7, 1), current=False)
    return {
        "adyen": enrich(
            make_listing("Adyen N.V.", edition=edition),
            sbi="64190",  # L, division 64
            city="Amsterdam",
            province="Noord-Holland",
        ),
        "booking": enrich(
            make_listing("Booking.com B.V.", edition=edition),
            sbi="62100",  # K 62
            city="Amsterdam",
            province="Noord-Holland",
        ),
        "haagse": enrich(
            make_listing("Haagse Software Techniek B.V.", edition=edition),
            sbi="62100",
            city="'s-Gravenhage",
            province="Zuid-Holland",
        ),
        "haagse_data": enrich(
            make_listing("Haagse Data Techniek B.V.", edition=edition),
            sbi="63100",  # K 63
            city="'s-Gravenhage",
            province="Zuid-Holland",
        ),
        "rotterdam": enrich(
            make_listing("Rotterdam Techniek Haven B.V.", edition=edition),
            sbi="52100",  # H 52
            city="Rotterdam",
            province="Zuid-Holland",
        ),
        "bosch": enrich(
            make_listing("Bossche Bouw Techniek B.V.", edition=edition),
            sbi="4120",  # SBI 2008 construction: F 41
            city="'s-Hertogenbosch",
            province="Noord-Brabant",
        ),
        "region": enrich(
            make_listing("Regio Techniek B.V.", edition=edition),
            sbi="62100",
            province="Zuid-Holland",  # a postcode region only: no city
        ),
        "unknown": make_listing("Nog Onbekend Techniek B.V.", edition=edition),
        "gone": enrich(
            make_listing("Vertrokken Techniek B.V.", edition=old, removed_in=edition),
            sbi="62100",
            city="'s-Gravenhage",
            province="Zuid-Holland",
        ),
    }


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def counts(options: list[dict[str, Any]]) -> dict[str, int]:
    return {o["value"]: o["count"] for o in options}


# --- Filters ------------------------------------------------------------------------------------


def test_a_section_selects_its_employers_and_a_division_those_within_it(client, employers):
    assert names(client.get(SEARCH_JSON, {"sector": "K"})) == [
        "Booking.com B.V.",
        "Haagse Data Techniek B.V.",
        "Haagse Software Techniek B.V.",
        "Regio Techniek B.V.",
    ]
    assert names(client.get(SEARCH_JSON, {"sector": "k"})) == names(
        client.get(SEARCH_JSON, {"sector": "K"})
    )
    assert names(client.get(SEARCH_JSON, {"sector": "63"})) == ["Haagse Data Techniek B.V."]
    # An SBI 2008 code is in its SBI 2025 section.
    assert names(client.get(SEARCH_JSON, {"sector": "F"})) == ["Bossche Bouw Techniek B.V."]


def test_unknown_selects_the_employers_not_enriched_yet(client, employers):
    assert names(client.get(SEARCH_JSON, {"sector": "unknown"})) == ["Nog Onbekend Techniek B.V."]
    assert names(client.get(SEARCH_JSON, {"city": "Unknown"})) == [
        "Nog Onbekend Techniek B.V.",
        "Regio Techniek B.V.",
    ]
    assert names(client.get(SEARCH_JSON, {"province": "unknown"})) == ["Nog Onbekend Techniek B.V."]


@pytest.mark.parametrize(
    "typed", ["Den Haag", "den haag", "'s-Gravenhage", "’s-Gravenhage", "S GRAVENHAGE", "The Hague"]
)
def test_a_city_as_people_say_it_selects_the_same_employers_as_its_official_name(
    client, employers, typed
):
    assert names(client.get(SEARCH_JSON, {"city": typed})) == [
        "Haagse Data Techniek B.V.",
        "Haagse Software Techniek B.V.",
    ]


@pytest.mark.parametrize("typed", ["Den Bosch", "'s-Hertogenbosch", "s hertogenbosch"])
def test_den_bosch_is_s_hertogenbosch(client, employers, typed):
    assert names(client.get(SEARCH_JSON, {"city": typed})) == ["Bossche Bouw Techniek B.V."]


def test_a_place_with_no_employer_is_valid_and_empty(client, employers):
    assert Place.objects.filter(place="Urk").exists()  # loaded by the migrations

    response = client.get(SEARCH_JSON, {"city": "urk"})

    assert response.json()["count"] == 0
    assert response.json()["facets"]["city"][-2:] == [
        {"value": "Urk", "label": "Urk", "count": 0},
        {"value": "unknown", "label": "Not known yet", "count": 2},
    ]


@pytest.mark.parametrize("typed", ["Zuid-Holland", "zuid holland", "ZUID-HOLLAND", "South Holland"])
def test_a_province_is_found_however_it_is_written(client, employers, typed):
    assert names(client.get(SEARCH_JSON, {"province": typed})) == [
        "Haagse Data Techniek B.V.",
        "Haagse Software Techniek B.V.",
        "Regio Techniek B.V.",
        "Rotterdam Techniek Haven B.V.",
    ]


def test_friesland_is_fryslan(client, edition):
    enrich(make_listing("Friese Zuivel B.V.", edition=edition), province="Fryslân")

    assert names(client.get(SEARCH_JSON, {"province": "Friesland"})) == ["Friese Zuivel B.V."]
    assert names(client.get(SEARCH_JSON, {"province": "fryslan"})) == ["Friese Zuivel B.V."]


def test_the_csv_and_the_feed_take_the_same_filters(client, employers):
    csv = client.get(SEARCH_CSV, {"sector": "K", "city": "Den Haag"})
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].split(",")[-4:] == ["sector", "sector_title", "city", "province"]
    assert len(lines) == 3  # the header and the two Haagse employers
    assert lines[2].endswith(
        ',62100,"Computer programming, consultancy and related activities",Den Haag,Zuid-Holland'
    )

    feed = client.get(SEARCH_FEED, {"status": "all", "city": "den haag", "sector": "62"}).content
    assert b"Haagse Software Techniek" in feed and b"Booking" not in feed


# --- Counts -------------------------------------------------------------------------------------


def test_each_facet_counts_with_the_other_filters_but_not_its_own(client, employers):
    data = client.get(
        SEARCH_JSON,
        {"q": "techniek", "status": "listed", "sector": "K", "province": "Zuid-Holland"},
    ).json()

    # Techniek, listed, in K and in Zuid-Holland: the two Haagse ones and the region-only one.
    assert data["count"] == 3
    facets = data["facets"]
    assert list(facets) == ["sector", "city", "province", "status", "legal_form"]
    # Sector: techniek + Zuid-Holland, by section; the chosen section's divisions beneath it.
    assert facets["sector"] == [
        {"value": "K", "label": "K · Telecom, IT and information services", "count": 3},
        {
            "value": "62",
            "label": "62 · Computer programming, consultancy and related activities",
            "count": 2,
        },
        {
            "value": "63",
            "label": "63 · Computing infrastructure, data processing, hosting and other "
            "information service activities",
            "count": 1,
        },
        {"value": "H", "label": "H · Transportation and storage", "count": 1},
        {"value": "unknown", "label": "Not known yet", "count": 0},
    ]
    # City: techniek + K + Zuid-Holland.
    assert facets["city"] == [
        {"value": "Den Haag", "label": "Den Haag ('s-Gravenhage)", "count": 2},
        {"value": "unknown", "label": "Not known yet", "count": 1},
    ]
    # Province: techniek + K, all twelve provinces, unknown last.
    province = counts(facets["province"])
    assert list(province)[:1] == ["Zuid-Holland"] and list(province)[-1] == "unknown"
    assert len(province) == 13
    assert province["Zuid-Holland"] == 3
    assert province["Noord-Holland"] == 0  # Booking is in K but no techniek
    assert province["unknown"] == 0
    assert sum(province.values()) == 3


def test_the_count_of_an_option_is_what_choosing_it_shows(client, employers):
    params = {"q": "techniek", "status": "all"}
    facets = client.get(SEARCH_JSON, params).json()["facets"]

    for name, options in facets.items():
        for option in options:
            chosen = client.get(SEARCH_JSON, {**params, name: option["value"]}).json()
            assert chosen["count"] == option["count"], (name, option)


def test_counts_follow_the_status_and_date_filters(client, employers):
    listed = counts(client.get(SEARCH_JSON, {"sector": "K"}).json()["facets"]["city"])
    every = counts(
        client.get(SEARCH_JSON, {"sector": "K", "status": "all"}).json()["facets"]["city"]
    )

    assert listed["Den Haag"] == 2
    assert every["Den Haag"] == 3  # the one that left counts once status is "all"
    since = client.get(SEARCH_JSON, {"status": "all", "listed_since": "2026-08-01"}).json()
    assert counts(since["facets"]["sector"])["K"] == 4


def test_unknown_is_counted_and_shown_last(client, employers):
    facets = client.get(SEARCH_JSON).json()["facets"]

    for name, options in facets.items():
        if name != "status":  # listed or not: always known
            assert options[-1]["value"] == "unknown"
    assert counts(facets["sector"])["unknown"] == 1
    assert counts(facets["city"])["unknown"] == 2
    assert counts(facets["province"])["unknown"] == 1
    total = client.get(SEARCH_JSON).json()["count"]
    assert sum(counts(facets["sector"]).values()) == total == 8
    assert sum(counts(facets["province"]).values()) == total


def test_the_city_facet_lists_the_top_cities_and_a_chosen_small_one(client, edition):
    for i in range(CITY_OPTIONS + 2):
        for j in range(CITY_OPTIONS + 3 - i):  # city 0 biggest, the last ones a single employer
            enrich(make_listing(f"Employer {i}-{j} B.V.", edition=edition), city=f"Plaats {i:02d}")

    shown = client.get(SEARCH_JSON).json()["facets"]["city"]
    assert len(shown) == CITY_OPTIONS + 1  # and unknown
    assert shown[0] == {"value": "Plaats 00", "label": "Plaats 00", "count": CITY_OPTIONS + 3}

    chosen = client.get(SEARCH_JSON, {"city": f"plaats {CITY_OPTIONS + 1}"}).json()
    assert chosen["count"] == 2
    assert chosen["facets"]["city"][-2] == {
        "value": f"Plaats {CITY_OPTIONS + 1}",
        "label": f"Plaats {CITY_OPTIONS + 1}",
        "count": 2,
    }


def test_results_give_sector_and_city(client, employers):
    rows = {r["name"]: r for r in client.get(SEARCH_JSON, {"status": "all"}).json()["results"]}

    assert rows["Haagse Software Techniek B.V."]["sector"] == {
        "code": "62100",
        "title": "Computer programming, consultancy and related activities",
        "section": "K",
    }
    assert rows["Haagse Software Techniek B.V."]["city"] == "Den Haag"
    assert rows["Haagse Software Techniek B.V."]["city_official"] == "'s-Gravenhage"
    assert rows["Bossche Bouw Techniek B.V."]["sector"]["code"] == "4120"
    assert rows["Bossche Bouw Techniek B.V."]["sector"]["section"] == "F"
    assert rows["Regio Techniek B.V."]["city"] is None
    assert rows["Nog Onbekend Techniek B.V."]["sector"] is None
    assert rows["Nog Onbekend Techniek B.V."]["city"] is None


# --- Refused values -----------------------------------------------------------------------------

BAD = [
    ({"sector": "W"}, "sector", "“W” is not a sector"),
    ({"sector": "99999"}, "sector", "“99999” is not a sector"),
    ({"sector": "04"}, "sector", "“04” is not a sector"),  # no division 04 in SBI
    ({"city": "Atlantis"}, "city", "“Atlantis” is not a Dutch place we know"),
    ({"province": "Bavaria"}, "province", "“Bavaria” is not a Dutch province"),
    ({"city": "\x00"}, "city", "Null characters are not allowed."),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD)
def test_a_bad_sector_city_or_province_is_a_400_in_json(client, employers, params, field, message):
    response = client.get(SEARCH_JSON, params)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field][0]["message"].startswith(message)


@pytest.mark.parametrize(("params", "field", "message"), BAD)
def test_a_bad_sector_city_or_province_is_explained_on_the_page(
    client, employers, params, field, message
):
    response = client.get(SEARCH, {"q": "techniek", **params})

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Please correct the search" in html
    assert message in html
    assert "<table" not in html


def test_the_province_message_names_the_twelve(client, employers):
    message = client.get(SEARCH_JSON, {"province": "x"}).json()["errors"]["province"][0]["message"]

    assert "Groningen, Fryslân, Drenthe" in message and message.endswith("or “unknown”.")


# --- The page -----------------------------------------------------------------------------------


def facet_links(html: str) -> dict[str, str]:
    """label -> href of every facet option link."""
    aside = html[html.index('<aside class="facets"') : html.index("</aside>")]
    return {
        unescape(label): unescape(href)
        for href, label in re.findall(r'<li[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a>', aside)
    }


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_facet_links_keep_every_other_parameter_and_drop_the_page(client, employers):
    params = {
        "q": "techniek",
        "status": "all",
        "sort": "name",
        "register": "work",
        "listed_since": "2026-01-01",
        "province": "Zuid-Holland",
        "page": "2",
        "editions": "",  # as a form sends an empty field: the default, left out of links
    }
    html = client.get(SEARCH, params).content.decode()
    links = facet_links(html)

    kept = {k: [v] for k, v in params.items() if k != "page" and v}
    assert query_of(links["K · Telecom, IT and information services"]) == {**kept, "sector": ["K"]}
    assert query_of(links["Den Haag ('s-Gravenhage)"]) == {**kept, "city": ["Den Haag"]}
    # Another province replaces the chosen one.
    assert query_of(links["Noord-Brabant"]) == {**kept, "province": ["Noord-Brabant"]}
    assert 'hx-get="?' in html and 'hx-target="#results"' in html


def test_the_chosen_option_is_marked_with_a_link_to_remove_it(client, employers):
    html = client.get(SEARCH, {"q": "techniek", "sector": "62"}).content.decode()

    assert (
        '<strong aria-current="true">62 · Computer programming, consultancy and related '
        "activities</strong>" in html
    )
    remove = re.search(r'<a href="([^"]+)"[^>]*>Remove “62 ·', html)
    assert remove and query_of(unescape(remove.group(1))) == {"q": ["techniek"]}
    # The section's divisions are offered under it, the other sections stay choosable.
    links = facet_links(html)
    assert (
        "63 · Computing infrastructure, data processing, hosting and other information service "
        "activities" in links
    )
    assert query_of(links["H · Transportation and storage"])["sector"] == ["H"]


def test_an_option_that_would_show_nothing_is_not_a_link(client, employers):
    html = client.get(SEARCH, {"sector": "F"}).content.decode()

    assert '<span class="muted">Zeeland</span>' in html
    assert "Zeeland" not in facet_links(html)


def test_a_choice_that_leaves_nothing_still_shows_the_counts_and_the_way_back(client, employers):
    html = unescape(
        client.get(SEARCH, {"sector": "F", "province": "Zuid-Holland"}).content.decode()
    )

    assert "No companies match this search." in html
    assert "<table" not in html
    assert '<aside class="facets"' in html
    assert "Remove “F · Construction”" in html and "Remove “Zuid-Holland”" in html
    no_match = unescape(client.get(SEARCH, {"q": "zzyzx qwv"}).content.decode())
    assert "Not on the register" in no_match


def test_the_table_shows_sector_and_city_and_a_dash_when_unknown(client, employers):
    html = client.get(SEARCH, {"q": "haagse software"}).content.decode()

    assert '<th scope="col">Sector</th>' in html and '<th scope="col">City</th>' in html
    assert (
        '<span title="SBI 62100: Computer programming, consultancy and related activities">'
        "Telecom, IT and information services</span>"
    ) in html
    assert '<span title="&#39;s-Gravenhage">Den Haag</span>' in html
    unknown = client.get(SEARCH, {"q": "onbekend"}).content.decode()
    assert unknown.count('<span class="muted">—</span>') == 2


def test_the_form_carries_the_chosen_facets_so_a_new_search_keeps_them(client, employers):
    html = client.get(SEARCH, {"sector": "K", "city": "'s-Gravenhage", "province": "x"}).content
    page = html.decode()

    assert '<input type="hidden" name="sector" value="K">' in page
    assert '<input type="hidden" name="city" value="Den Haag">' in page
    assert 'name="province"' not in page  # a wrong value is dropped, so the next search is valid


def test_an_htmx_answer_holds_the_facets_and_refreshes_the_hidden_fields(client, employers):
    response = client.get(SEARCH, {"q": "techniek", "sector": "K"}, headers={"HX-Request": "true"})
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="facet-inputs" hx-swap-oob="true">')
    assert '<aside class="facets"' in html
    assert "<form" not in html
    full = client.get(SEARCH, {"q": "techniek", "sector": "K"}).content.decode()
    assert "hx-swap-oob" not in full
    assert full.count('id="facet-inputs"') == 1


# --- Cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 30])
def test_facets_cost_one_query_per_edition_and_save_the_count(
    client, edition, django_assert_num_queries, rows
):
    for i in range(rows):
        enrich(
            make_listing(f"Techniek {i} B.V.", edition=edition),
            sbi=("62100", "52100", "4120")[i % 3],
            city=("Amsterdam", "'s-Gravenhage", "Utrecht", "")[i % 4],
            province=("Noord-Holland", "Zuid-Holland", "Utrecht", "")[i % 4],
        )

    # The header's register, the register's index (it gives the counts, the total and the
    # page's rows).
    with django_assert_num_queries(1 + INDEX_QUERIES):
        client.get(SEARCH, {"status": "all"})
    # The index is in memory: a sector or place chosen costs the register alone.
    with django_assert_num_queries(1):
        client.get(SEARCH, {"sector": "K", "province": "Zuid-Holland"})
    with django_assert_num_queries(1):
        client.get(SEARCH_JSON, {"sector": "62", "province": "unknown", "page_size": "100"})
    # A search text too: its names are in the index.
    with django_assert_num_queries(1):
        response = client.get(SEARCH_JSON, {"q": "techniek", "sector": "K", "page_size": "100"})
    assert response.json()["count"] == len(range(0, rows, 3))
    with django_assert_num_queries(1):
        client.get(SEARCH_JSON, {"q": "techniek 1", "page_size": "100"})
    # The known places are in the index too.
    with django_assert_num_queries(1):
        client.get(SEARCH, {"city": "den haag"})
    with django_assert_num_queries(1):
        client.get(SEARCH, {"city": "utrecht", "sector": "62"})


# --- The index: renewed by a new edition or an enrichment write ---------------------------------


def test_counts_are_answered_from_the_index_until_the_next_edition(
    client, employers, django_assert_num_queries
):
    first = client.get(SEARCH_JSON, {"sector": "K"}).json()
    with django_assert_num_queries(1):  # the register (with its edition); the rest in memory
        again = client.get(SEARCH_JSON, {"sector": "k"}).json()
    assert again == first

    # Listings change only with an edition: a new current edition, fresh counts.
    newer = make_edition(date(2026, 11, 2))
    enrich(make_listing("Nieuw IT B.V.", edition=newer), sbi="62100", city="Utrecht")
    after = client.get(SEARCH_JSON, {"sector": "K"}).json()
    assert after["count"] == first["count"] + 1
    assert counts(after["facets"]["city"])["Utrecht"] == 1


def test_an_enrichment_run_renews_the_counts(
    client, edition, no_network, settings, django_capture_on_commit_callbacks
):
    settings.KVK_API_URL, settings.KVK_OPENDATA_URL = API, OPENDATA
    settings.KVK_API_KEY, settings.KVK_API_RATE_PER_MINUTE = "test-key", 300
    make_listing("Voorbeeld Software B.V.", "99000001", edition=edition)
    make_listing("Voorbeeld Oud B.V.", "99000003", edition=edition)
    # Renewed a moment ago: the writes during the run renew nothing, its end does.
    Register.objects.enrichment_changed(now=timezone.now())
    assert counts(client.get(SEARCH_JSON).json()["facets"]["sector"]) == {"unknown": 2}
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")
    serve(no_network, profile_url("99000003"), "basisprofiel-99000003-sbi2008.json")

    with django_capture_on_commit_callbacks(execute=True):
        enrichment.enrich(clock=lambda: 0.0, sleep=lambda seconds: None)

    # The run's end renewed them: both employers are counted.
    facets = client.get(SEARCH_JSON).json()["facets"]
    assert counts(facets["sector"])["unknown"] == 0
    assert sum(counts(facets["sector"]).values()) == 2
    assert counts(facets["city"])["Den Haag"] == 1


def test_a_new_main_sbi_code_alone_renews_the_results(
    client, edition, no_network, settings, django_capture_on_commit_callbacks
):
    # Results show the main SBI code (the JSON's sector.code), so a change of that code alone,
    # within the same division, must renew them while a run writes, as a new sector does.
    settings.KVK_API_URL, settings.KVK_OPENDATA_URL = API, OPENDATA
    settings.KVK_API_KEY, settings.KVK_API_RATE_PER_MINUTE = "test-key", 300
    make_listing("Voorbeeld Software B.V.", "99000001", edition=edition)
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")
    with django_capture_on_commit_callbacks(execute=True):
        enrichment.enrich(kvk="99000001", clock=lambda: 0.0, sleep=lambda seconds: None)
    [row] = client.get(SEARCH_JSON, {"q": "voorbeeld"}).json()["results"]
    assert row["sector"]["code"] == "62100"

    body = answer("basisprofiel-99000001-sgravenhage.json")
    for activity in body["sbiActiviteiten"]:
        if activity["sbiCode"] == "62100":
            activity["sbiCode"] = "62200"  # the same division, 62
    no_network.replace("GET", profile_url("99000001"), json=body)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enrichment.enrich(kvk="99000001", clock=lambda: 60.0, sleep=lambda seconds: None)

    assert enrichment.renew_counts_soon in callbacks  # renewed mid-run, not only at its end
    [row] = client.get(SEARCH_JSON, {"q": "voorbeeld"}).json()["results"]
    assert row["sector"]["code"] == "62200"


def version() -> int:
    return get_register("work").enrichment_version


def test_renewals_while_a_run_writes_are_at_most_one_a_minute(edition):
    enrichment.renew_counts_soon()
    first = version()
    enrichment.renew_counts_soon()
    assert version() == first
    enrichment.enrichment_changed()  # the end of a run
    assert version() == first + 1


def test_re_deriving_every_employer_renews_the_counts(edition, django_capture_on_commit_callbacks):
    before = version()

    with django_capture_on_commit_callbacks(execute=True):
        enrichment.re_derive_all()

    assert version() > before


def test_a_search_text_is_ranked_once_until_the_next_edition(
    client, employers, django_assert_num_queries
):
    first = client.get(SEARCH_JSON, {"q": "techniek"}).json()

    # Asked again: the ranking and the page are reused and only the register is read.
    with django_assert_num_queries(1):
        again = client.get(SEARCH_JSON, {"q": "techniek"}).json()
    assert again == first
    # Narrowed by sector or place: the ranking is reused, counted and paged over the
    # register's columns in memory.
    with django_assert_num_queries(1):
        narrowed = client.get(SEARCH_JSON, {"q": "techniek", "sector": "F"}).json()
    assert narrowed["count"] == counts(first["facets"]["sector"])["F"]
    assert {r["sector"]["section"] for r in narrowed["results"]} == {"F"}
    with django_assert_num_queries(1):  # the register; the rest from the index
        page = client.get(SEARCH, {"q": "techniek", "sector": "F"})
    assert "Bossche Bouw Techniek B.V." in page.content.decode()

    # A new current edition: ranked again, and the new name is found.
    newer = make_edition(date(2026, 11, 2))
    enrich(make_listing("Nieuwe Techniek B.V.", edition=newer), sbi="4120", city="Utrecht")
    after = client.get(SEARCH_JSON, {"q": "techniek"}).json()
    assert after["count"] == first["count"] + 1
    assert "Nieuwe Techniek B.V." in [r["name"] for r in after["results"]]


def test_an_enrichment_write_renews_the_results_and_counts_of_a_search(
    client, employers, django_assert_num_queries
):
    def row_of(data, name):
        return next(r for r in data["results"] if r["name"] == name)

    before = client.get(SEARCH_JSON, {"q": "techniek"}).json()
    assert row_of(before, "Nog Onbekend Techniek B.V.")["sector"] is None

    enrich(employers["unknown"], sbi="62100", city="Delft", province="Zuid-Holland")
    enrichment.enrichment_changed()  # as scraper.enrich does after writing a sector or a place

    # The register, the index's columns read again for the new enrichment version (its names
    # are kept: only an edition changes them).
    with django_assert_num_queries(1 + INDEX_QUERIES - 1):
        after = client.get(SEARCH_JSON, {"q": "techniek"}).json()
    assert [r["name"] for r in after["results"]] == [r["name"] for r in before["results"]]
    assert [r["score"] for r in after["results"]] == [r["score"] for r in before["results"]]
    row = row_of(after, "Nog Onbekend Techniek B.V.")
    assert (row["sector"]["section"], row["city"]) == ("K", "Delft")
    assert counts(after["facets"]["city"])["Delft"] == 1
