"""The public pages and the JSON API: what they show, what they refuse, what they cost."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from registry.context_processors import served_register
from registry.models import Edition, Listing, Register
from tests.factories import (
    INDEX_QUERIES,
    add_name,
    enrich,
    make_edition,
    make_listing,
    make_listings,
    rename_listing,
    work_register,
)

SEARCH = reverse("registry:search")
SEARCH_JSON = reverse("registry:search-json")
# A text search: the header's register alone (the candidates are found among the register's
# names in memory, registry.lexicon, and the page's rows are built from its columns,
# registry.tally), on PostgreSQL and SQLite alike.
SEARCH_QUERIES = 1

pytestmark = pytest.mark.django_db


def company_url(key: str) -> str:
    return reverse("registry:company", kwargs={"key": key})


def company_json_url(key: str) -> str:
    return reverse("registry:company-json", kwargs={"key": key})


def text_of(response) -> str:
    """The page's text with tags dropped and whitespace (incl. no-break spaces) collapsed."""
    html = response.content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([.,:;])", r"\1", text)  # "<span>Renamed</span>: x" reads "Renamed: x"


def link_params(html: str, rel: str) -> dict[str, list[str]]:
    """The query parameters of the page's <a rel="..."> link."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    assert found, f"no {rel} link"
    return parse_qs(urlsplit(found.group(1).replace("&amp;", "&")).query)


def result_names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def editions():
    """Three editions, the last one current: July, August and October 2026."""
    return (
        make_edition(date(2026, 7, 1), current=False),
        make_edition(date(2026, 8, 3), current=False),
        make_edition(date(2026, 10, 3)),
    )


# --- Search ---------------------------------------------------------------------------------


def test_search_finds_a_company_by_part_of_its_name(client, editions):
    make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=editions[2])
    make_listing("Adyen N.V.", "34259528", edition=editions[2])

    response = client.get(SEARCH, {"q": "korenschoof"})

    assert response.status_code == 200
    page = text_of(response)
    assert "Bakkerij De Korenschoof B.V." in page
    assert "Adyen" not in page
    assert company_url("12345678") in response.content.decode()


def test_search_finds_a_company_by_a_former_name(client, editions):
    listing = make_listing("Dacom Farm Intelligence B.V.", "53188772", edition=editions[0])
    rename_listing(listing, "CropX B.V.", edition=editions[2])

    assert result_names(client.get(SEARCH_JSON, {"q": "dacom"})) == ["CropX B.V."]


def test_search_finds_a_company_by_its_kvk_number(client, editions):
    make_listing("4DotNet B.V.", "04079637", edition=editions[2])
    make_listing("Other B.V.", "04079638", edition=editions[2])

    assert result_names(client.get(SEARCH_JSON, {"q": "04079637"})) == ["4DotNet B.V."]
    # Zero-padded to nine digits, as the June 2025 edition printed every number.
    assert result_names(client.get(SEARCH_JSON, {"q": "004079637"})) == ["4DotNet B.V."]
    # A prefix finds every number that starts with it.
    assert result_names(client.get(SEARCH_JSON, {"q": "0407963"})) == [
        "4DotNet B.V.",
        "Other B.V.",
    ]


def test_search_shows_listed_companies_unless_asked_for_removed_or_all(client, editions):
    make_listing("Still Here B.V.", edition=editions[0])
    make_listing("Gone B.V.", "12345678", edition=editions[0], removed_in=editions[2])

    assert result_names(client.get(SEARCH_JSON)) == ["Still Here B.V."]
    assert result_names(client.get(SEARCH_JSON, {"status": "listed"})) == ["Still Here B.V."]
    assert result_names(client.get(SEARCH_JSON, {"status": "removed"})) == ["Gone B.V."]
    assert result_names(client.get(SEARCH_JSON, {"status": "all"})) == [
        "Gone B.V.",
        "Still Here B.V.",
    ]
    page = text_of(client.get(SEARCH, {"status": "removed"}))
    assert "Gone B.V. 12345678 — — No longer listed 1 July 2026 3 October 2026" in page


def test_search_filters_on_listed_since(client, editions):
    make_listing("Old Hand B.V.", edition=editions[0])
    make_listing("Newcomer B.V.", edition=editions[2])

    response = client.get(SEARCH_JSON, {"listed_since": "2026-08-01"})

    assert result_names(response) == ["Newcomer B.V."]


def test_search_sorts_newest_first_then_by_name(client, editions):
    make_listing("Alpha B.V.", edition=editions[0])
    make_listing("Zulu B.V.", edition=editions[2])
    make_listing("Mike B.V.", edition=editions[2])

    assert result_names(client.get(SEARCH_JSON)) == ["Alpha B.V.", "Mike B.V.", "Zulu B.V."]
    assert result_names(client.get(SEARCH_JSON, {"sort": "newest"})) == [
        "Mike B.V.",
        "Zulu B.V.",
        "Alpha B.V.",
    ]


def test_search_page_links_keep_every_other_parameter(client, editions):
    make_listings(120, edition=editions[2])

    response = client.get(SEARCH, {"q": "bakkerij", "status": "all", "page": "2"})

    html = response.content.decode()
    assert "page 2 of 3" in text_of(response)
    assert link_params(html, "next") == {"q": ["bakkerij"], "status": ["all"], "page": ["3"]}
    assert link_params(html, "prev") == {"q": ["bakkerij"], "status": ["all"], "page": ["1"]}


def test_search_page_shows_fifty_rows_a_page(client, editions):
    make_listings(51, edition=editions[2])

    first = client.get(SEARCH).content.decode()
    second = client.get(SEARCH, {"page": "2"}).content.decode()

    assert first.count('<th scope="row">') == 50
    assert second.count('<th scope="row">') == 1


def test_an_htmx_request_gets_only_the_results(client, editions):
    make_listing("Bakkerij De Korenschoof B.V.", edition=editions[2])

    response = client.get(SEARCH, {"q": "korenschoof"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="search-form"' not in html
    assert "Bakkerij De Korenschoof B.V." in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, editions):
    response = client.get(
        SEARCH, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in response.content.decode()


def test_the_search_page_works_without_javascript(client, editions):
    html = client.get(SEARCH).content.decode()

    assert re.search(r'<form id="search-form"[^>]*method="get"', html)
    assert '<button type="submit">Search</button>' in html
    assert 'hx-get="/"' in html
    assert "vendor/htmx.min.js" in html
    assert "//unpkg" not in html and "cdn" not in html.lower()


def test_the_folded_filters_say_how_many_are_set(client, editions):
    """On a phone the filters are folded: a filter set earlier must still show."""

    def summary(params: dict[str, str]) -> str:
        html = client.get(SEARCH, params).content.decode()
        found = re.search(r'<details class="search-filters"[^>]*>\s*<summary>(.*?)</summary>', html)
        assert found
        return found.group(1).strip()

    assert summary({}) == "Filters"
    assert summary({"q": "bakker", "sort": "relevance"}) == "Filters"  # the default is not "set"
    assert summary({"status": "removed", "listed_since": "2026-01-01"}) == "Filters (2 set)"


def test_the_search_page_has_one_search_box_filled_in_and_other_pages_the_header_one(
    client, editions
):
    search = client.get(SEARCH, {"q": "korenschoof"}).content.decode()
    changes = client.get(reverse("registry:changes")).content.decode()

    assert len(re.findall(r'<input[^>]*name="q"', search)) == 1
    assert re.search(r'<input[^>]*name="q"[^>]*value="korenschoof"', search)
    header_box = re.findall(r'<input id="site-q"[^>]*>', changes)
    assert len(header_box) == 1
    assert re.findall(r'<input[^>]*name="q"[^>]*>', changes) == header_box


def test_pages_link_the_favicon_and_favicon_ico_leads_to_it(client, editions):
    html = client.get(reverse("registry:changes")).content.decode()
    icon = finders.find("favicon.svg")

    response = client.get("/favicon.ico")

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert isinstance(icon, str)
    assert Path(icon).read_text().startswith("<svg xmlns=")


# --- The JSON API ---------------------------------------------------------------------------


def test_search_json_has_the_documented_shape(client, editions):
    enrich(
        make_listing("Bakkerij De Korenschoof B.V.", "01234567", edition=editions[0]),
        sbi="62100",
        city="'s-Gravenhage",
        province="Zuid-Holland",
    )
    make_listing("Gone B.V.", "07654321", edition=editions[0], removed_in=editions[1])
    Register.objects.filter(slug="work").update(
        last_checked_at=datetime(2026, 10, 4, 4, 30, tzinfo=UTC)
    )

    response = client.get(SEARCH_JSON, {"status": "all"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "count": 2,
        "results": [
            {
                "kvk": "01234567",
                "name": "Bakkerij De Korenschoof B.V.",
                "status": "listed",
                "status_now": "listed",
                "first_listed": "2026-07-01",
                "removed_on": None,
                "url": "/company/01234567/",
                "register": "work",
                "verdict": None,
                "reason": None,
                "score": None,
                "matched_on": None,
                "matched_name": None,
                "sector": {
                    "code": "62100",
                    "title": "Computer programming, consultancy and related activities",
                    "section": "K",
                },
                "city": "Den Haag",
                "city_official": "'s-Gravenhage",
            },
            {
                "kvk": "07654321",
                "name": "Gone B.V.",
                "status": "removed",
                "status_now": "removed",
                "first_listed": "2026-07-01",
                "removed_on": "2026-08-03",
                "url": "/company/07654321/",
                "register": "work",
                "verdict": None,
                "reason": None,
                "score": None,
                "matched_on": None,
                "matched_name": None,
                "sector": None,
                "city": None,
                "city_official": None,
            },
        ],
        "next": None,
        "previous": None,
        # Each option: the parameter value that chooses it, its label, and the rows it would
        # show with the other filters kept; unknown last.
        "facets": {
            "sector": [
                {"value": "K", "label": "K · Telecom, IT and information services", "count": 1},
                {"value": "unknown", "label": "Not known yet", "count": 1},
            ],
            "city": [
                {"value": "Den Haag", "label": "Den Haag ('s-Gravenhage)", "count": 1},
                {"value": "unknown", "label": "Not known yet", "count": 1},
            ],
            "province": [
                {"value": "Zuid-Holland", "label": "Zuid-Holland", "count": 1},
                *(
                    {"value": name, "label": name, "count": 0}
                    for name in (
                        "Drenthe",
                        "Flevoland",
                        "Fryslân",
                        "Gelderland",
                        "Groningen",
                        "Limburg",
                        "Noord-Brabant",
                        "Noord-Holland",
                        "Overijssel",
                        "Utrecht",
                        "Zeeland",
                    )
                ),
                {"value": "unknown", "label": "Not known yet", "count": 1},
            ],
            "status": [
                {"value": "listed", "label": "Listed now", "count": 1},
                {"value": "removed", "label": "No longer listed", "count": 1},
            ],
            "legal_form": [{"value": "unknown", "label": "Not known yet", "count": 2}],
        },
        "edition": {
            "register": "work",
            "updated_on": "2026-10-03",
            "checked_at": "2026-10-04T04:30:00+00:00",
        },
        "source": "IND public register of recognised sponsors (ind.nl), list of 3 October 2026",
    }


def test_search_json_gives_null_for_a_row_without_kvk(client, editions):
    make_listing("JETRO Amsterdam", "", edition=editions[2])

    (result,) = client.get(SEARCH_JSON).json()["results"]

    assert result["kvk"] is None
    assert result["url"] == "/company/n-jetro-amsterdam/"


def test_search_json_pages_by_page_size_and_keeps_the_filters(client, editions):
    make_listings(25, edition=editions[2])

    first = client.get(SEARCH_JSON, {"q": "bakkerij", "status": "all", "page_size": "10"}).json()

    assert first["count"] == 25
    assert len(first["results"]) == 10
    assert first["previous"] is None
    next_url = urlsplit(first["next"])
    assert next_url.scheme == "http" and next_url.path == SEARCH_JSON
    assert parse_qs(next_url.query) == {
        "q": ["bakkerij"],
        "status": ["all"],
        "page_size": ["10"],
        "page": ["2"],
    }
    last = client.get(f"{SEARCH_JSON}?{next_url.query}".replace("page=2", "page=3")).json()
    assert len(last["results"]) == 5
    assert last["next"] is None
    assert parse_qs(urlsplit(last["previous"]).query)["page"] == ["2"]
    names = [r["name"] for r in first["results"]]
    assert names == sorted(names, key=str.casefold)


def test_search_json_defaults_to_fifty_a_page(client, editions):
    make_listings(51, edition=editions[2])

    data = client.get(SEARCH_JSON).json()

    assert len(data["results"]) == 50
    assert parse_qs(urlsplit(data["next"]).query) == {"page": ["2"]}


def test_search_json_names_the_last_page_when_asked_for_one_beyond_it(client, editions):
    make_listings(3, edition=editions[2])

    response = client.get(SEARCH_JSON, {"page": "5", "page_size": "2"})

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "page": [
                {"message": "Page 5 does not exist: the last page is 2.", "code": "out_of_range"}
            ]
        }
    }


def test_search_json_without_results_has_one_empty_page(client, editions):
    data = client.get(SEARCH_JSON, {"q": "nothing like this"}).json()

    assert data["count"] == 0
    assert data["results"] == []
    assert data["next"] is None


# --- Bad input never makes a 500 ------------------------------------------------------------


BAD_FILTERS = [
    ({"q": "bakkerij\x00"}, "q", "Null characters are not allowed."),
    ({"q": "x" * 10_000}, "q", "Ensure this value has at most 200 characters (it has 10000)."),
    ({"listed_since": "2026-13-45"}, "listed_since", "Enter a valid date."),
    ({"listed_since": "3 October 2026"}, "listed_since", "Enter a valid date."),
    (
        {"sort": "bogus"},
        "sort",
        "Select a valid choice. bogus is not one of the available choices.",
    ),
    (
        {"status": "bogus"},
        "status",
        "Select a valid choice. bogus is not one of the available choices.",
    ),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD_FILTERS)
def test_search_page_explains_a_bad_parameter_and_shows_no_results(
    client, editions, params, field, message
):
    make_listing("Bakkerij De Korenschoof B.V.", edition=editions[2])

    response = client.get(SEARCH, params)

    assert response.status_code == 200
    page = text_of(response)
    assert "Please correct the search" in page
    assert message.replace("\x00", "") in page
    assert "<table" not in response.content.decode()
    assert "Bakkerij De Korenschoof" not in page


@pytest.mark.parametrize(("params", "field", "message"), BAD_FILTERS)
def test_search_json_refuses_a_bad_parameter_with_400(client, editions, params, field, message):
    response = client.get(SEARCH_JSON, params)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert errors[field][0]["message"] == message


@pytest.mark.parametrize(
    ("page_size", "message", "code"),
    [
        ("0", "Ensure this value is greater than or equal to 1.", "min_value"),
        ("101", "Ensure this value is less than or equal to 100.", "max_value"),
        ("abc", "Enter a whole number.", "invalid"),
        ("-5", "Ensure this value is greater than or equal to 1.", "min_value"),
    ],
)
def test_search_json_refuses_a_bad_page_size(client, editions, page_size, message, code):
    response = client.get(SEARCH_JSON, {"page_size": page_size})

    assert response.status_code == 400
    assert response.json() == {"errors": {"page_size": [{"message": message, "code": code}]}}


@pytest.mark.parametrize("page", ["abc", "0", "-1", str(10**9), "1e3", "\x00"])
def test_search_json_refuses_a_bad_page_number(client, editions, page):
    make_listings(3, edition=editions[2])

    response = client.get(SEARCH_JSON, {"page": page})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page"]


def test_search_json_reports_every_bad_parameter_at_once(client, editions):
    response = client.get(SEARCH_JSON, {"sort": "bogus", "page_size": "0"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"sort", "page_size"}


@pytest.mark.parametrize(
    ("page", "shown"),
    [(str(10**9), "page 3 of 3"), ("abc", "page 1 of 3"), ("-1", "page 3 of 3"), ("", "page 1")],
)
def test_search_page_shows_the_last_or_first_page_for_a_page_out_of_range(
    client, editions, page, shown
):
    make_listings(120, edition=editions[2])

    response = client.get(SEARCH, {"page": page, "page_size": "abc"})

    assert response.status_code == 200
    assert shown in text_of(response)


# --- A company ------------------------------------------------------------------------------


def test_company_page_shows_its_names_and_history(client, editions):
    listing = make_listing("Stork Nederland B.V.", "50302345", edition=editions[1])
    rename_listing(listing, "Bilfinger Maintenance Netherlands B.V.", edition=editions[2])

    response = client.get(company_url("50302345"))

    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Bilfinger Maintenance Netherlands B.V.</h1>" in response.content.decode()
    assert "KvK number 50302345" in page
    assert "Status Listed in the Public register Work, edition of 3 October 2026" in page
    assert "In the register since the edition of 3 August 2026" in page
    assert "may have been listed earlier" not in page
    assert "Stork Nederland B.V. 3 August 2026 3 August 2026" in page
    assert "Bilfinger Maintenance Netherlands B.V. current 3 October 2026 3 October 2026" in page
    assert "3 August 2026 Added to the register" in page
    assert (
        "3 October 2026 Renamed: “Stork Nederland B.V.” → “Bilfinger Maintenance Netherlands B.V.”"
        in page
    )


def test_company_page_labels_a_rename_in_formatting_only(client, editions):
    listing = make_listing('"AAE" Advanced Automated Equipment B.V.', edition=editions[1])
    rename_listing(
        listing, '""AAE"" Advanced Automated Equipment B.V.', edition=editions[2], format_only=True
    )

    page = text_of(client.get(company_url(listing.company.key)))

    assert "Name reformatted (formatting only: quotes, spaces or entities)" in page
    assert "Renamed:" not in page


def test_company_page_says_when_a_company_left_and_that_the_ind_gives_no_reason(client, editions):
    make_listing("StackState B.V.", "12345678", edition=editions[0], removed_in=editions[1])

    page = text_of(client.get(company_url("12345678")))

    assert "No longer listed since the edition of 3 August 2026" in page
    assert "The IND gives no reasons" in page
    assert "1 July 2026 Added to the register" in page
    assert "3 August 2026 No longer listed" in page
    # July is the first edition we hold: the company may be older than that.
    assert "the first edition we stored, so it may have been listed earlier" in page


def test_company_page_shows_both_names_of_a_kvk_listed_twice(client, editions):
    listing = make_listing("Centraal Planbureau", "52813150", edition=editions[2])
    add_name(listing, "Ministerie van Economische Zaken", edition=editions[2])

    response = client.get(company_url("52813150"))

    page = text_of(response)
    assert (
        "Listed under 2 names at once: Centraal Planbureau and Ministerie van Economische Zaken"
        in page
    )
    assert page.count(" current ") == 2
    names = client.get(company_json_url("52813150")).json()["names"]
    assert [(n["name"], n["current"]) for n in names] == [
        ("Centraal Planbureau", True),
        ("Ministerie van Economische Zaken", True),
    ]


def test_company_page_of_a_row_without_kvk(client, editions):
    make_listing("Korea Trade Center, Amsterdam", "", edition=editions[2])

    response = client.get(company_url("n-korea-trade-center-amsterdam"))

    assert response.status_code == 200
    assert "KvK number No KvK number in the register" in text_of(response)


def test_company_page_links_to_the_employers_kvk_entry(client, editions):
    make_listing("4DotNet B.V.", "04079637", edition=editions[2])

    html = client.get(company_url("04079637")).content.decode()

    link = '<a href="https://www.kvk.nl/zoeken/?source=all&amp;q=04079637" rel="noopener">'
    assert link + "Look it up at the KvK</a>" in html


def test_company_page_without_kvk_has_no_kvk_link(client, editions):
    make_listing("Korea Trade Center, Amsterdam", "", edition=editions[2])

    html = client.get(company_url("n-korea-trade-center-amsterdam")).content.decode()

    assert "kvk.nl/zoeken" not in html


def test_company_json_has_the_documented_shape(client, editions):
    listing = make_listing("Stork Nederland B.V.", "50302345", edition=editions[1])
    rename_listing(listing, "Bilfinger Maintenance Netherlands B.V.", edition=editions[2])

    response = client.get(company_json_url("50302345"))

    assert response.status_code == 200
    data = response.json()
    # One timeline per register (here only Work), repeated at the top level for the first.
    registers = data.pop("registers")
    assert [r["register"] for r in registers] == ["work"]
    assert registers[0]["names"] == data["names"] and registers[0]["events"] == data["events"]
    assert [e["edition"] for e in registers[0]["evidence"]] == ["2026-10-03", "2026-08-03"]
    assert registers[0]["evidence"][0]["url"] == "/company/50302345/evidence/work/2026-10-03/"
    assert registers[0]["as_of"] is None
    assert data.pop("feed") == "/company/50302345.atom"
    assert data == {
        "kvk": "50302345",
        "key": "50302345",
        "name": "Bilfinger Maintenance Netherlands B.V.",
        "status": "listed",
        "first_listed": "2026-08-03",
        "removed_on": None,
        "url": "/company/50302345/",
        "names": [
            {
                "name": "Stork Nederland B.V.",
                "name_as_published": "Stork Nederland B.V.",
                "first_edition": "2026-08-03",
                "last_edition": "2026-08-03",
                "current": False,
            },
            {
                "name": "Bilfinger Maintenance Netherlands B.V.",
                "name_as_published": "Bilfinger Maintenance Netherlands B.V.",
                "first_edition": "2026-10-03",
                "last_edition": "2026-10-03",
                "current": True,
            },
        ],
        "events": [
            {
                "kind": "added",
                "edition": "2026-08-03",
                "old_name": None,
                "new_name": None,
                "format_only": False,
            },
            {
                "kind": "renamed",
                "edition": "2026-10-03",
                "old_name": "Stork Nederland B.V.",
                "new_name": "Bilfinger Maintenance Netherlands B.V.",
                "format_only": False,
            },
        ],
        # Sector and place from the KvK (scraper/enrich.py): not known yet for this company.
        "sector": None,
        "city": None,
        "activities": [],
        "edition": {"register": "work", "updated_on": "2026-10-03", "checked_at": None},
        "source": "IND public register of recognised sponsors (ind.nl), list of 3 October 2026",
    }


def test_company_json_of_a_removed_company_has_no_current_name(client, editions):
    make_listing("Gone B.V.", "12345678", edition=editions[0], removed_in=editions[1])

    data = client.get(company_json_url("12345678")).json()

    assert data["status"] == "removed"
    assert data["removed_on"] == "2026-08-03"
    assert [n["current"] for n in data["names"]] == [False]


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [("016051874", "16051874"), ("2076358", "02076358")],
)
def test_a_nine_or_seven_digit_kvk_redirects_to_the_company(client, editions, asked, canonical):
    make_listing("247HAIR", canonical, edition=editions[2])

    page = client.get(company_url(asked))
    api = client.get(company_json_url(asked))

    assert page.status_code == 301
    assert page["Location"] == company_url(canonical)
    assert api.status_code == 301
    assert api["Location"] == company_json_url(canonical)
    assert client.get(page["Location"]).status_code == 200


@pytest.mark.parametrize("key", ["99999999", "n-nobody-at-all", "123", "%00", "a" * 500])
def test_an_unknown_company_is_a_friendly_404(client, editions, key):
    response = client.get(f"/company/{key}/")

    assert response.status_code == 404
    page = text_of(response)
    assert "Not found" in page
    assert "Search the register" in page
    assert client.get(f"/company/{key}.json").status_code == 404


def test_the_404_for_a_kvk_number_offers_a_search_for_it(client, editions):
    response = client.get(company_url("99999999"))

    assert "There is no company with the key 99999999" in text_of(response)
    assert 'href="/?q=99999999&amp;status=all"' in response.content.decode()


def test_an_unknown_address_uses_the_friendly_404(client, editions):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "We have no page at this address." in text_of(response)


# --- Freshness and credit -------------------------------------------------------------------


def test_every_page_states_the_edition_and_the_last_check(client, editions):
    listing = make_listing("Adyen N.V.", "34259528", edition=editions[2])
    Register.objects.filter(slug="work").update(
        last_checked_at=timezone.now() - timedelta(hours=2), last_check_ok=True
    )

    for url in (SEARCH, company_url(listing.company.key), "/no/such/page/"):
        page = text_of(client.get(url))
        assert "IND register of 3 October 2026 · checked 2 hours ago" in page
        assert "last check of the IND website failed" not in page
        assert (
            "Source: IND public register of recognised sponsors (ind.nl), list of 3 October 2026"
            in page
        )
    html = client.get(SEARCH).content.decode()
    assert f'<a href="{work_register().url}">IND public register' in html


def test_the_header_states_a_new_check_and_a_new_edition_at_once(
    client, editions, django_assert_num_queries
):
    page = text_of(client.get("/no/such/page/"))
    assert "IND register of 3 October 2026" in page and "failed" not in page

    # The register and its edition are read with every page, in one query.
    with django_assert_num_queries(1):
        client.get("/no/such/page/")
    Register.objects.filter(slug="work").update(last_check_ok=False, last_check_message="down")
    assert "The last check of the IND website failed" in text_of(client.get("/no/such/page/"))
    newer = make_edition(date(2026, 11, 2))
    Edition.objects.filter(pk=newer.pk).update(raw_gzip=b"x" * 100_000)  # its stored page
    with django_assert_num_queries(1):
        page = text_of(client.get("/no/such/page/"))
    assert "showing the register of 2 November 2026" in page
    # The edition is read without its stored page (up to a megabyte).
    served = served_register(RequestFactory().get("/"))
    assert served is not None and served.current_edition is not None
    assert served.current_edition.pk == newer.pk
    assert "raw_gzip" in served.current_edition.get_deferred_fields()


def test_a_failed_check_is_stated_in_plain_words(client, editions):
    Register.objects.filter(slug="work").update(
        last_checked_at=timezone.now() - timedelta(minutes=5),
        last_check_ok=False,
        last_check_message="the IND website could not be reached at the last check",
    )

    page = text_of(client.get(SEARCH))

    assert (
        "The last check of the IND website failed; showing the register of 3 October 2026." in page
    )
    assert "the IND website could not be reached at the last check" in page


def test_without_an_edition_the_pages_say_so(client):
    page = text_of(client.get(SEARCH))

    assert "No edition loaded yet. An administrator can start a sync." in page
    assert "Source: IND public register of recognised sponsors (ind.nl)." in page
    data = client.get(SEARCH_JSON).json()
    assert data["edition"] == {"register": "work", "updated_on": None, "checked_at": None}
    assert data["source"] == "IND public register of recognised sponsors (ind.nl)"


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [30, 60])
def test_a_search_costs_the_same_queries_however_many_rows(
    client, editions, django_assert_num_queries, rows
):
    make_listings(rows, edition=editions[2])

    # The register and its edition (header): the sector and place counts, the total (no
    # COUNT) and the page's rows come from the register's columns in memory. The first text
    # search of a process also reads the register's names and columns (once per edition).
    client.get(SEARCH, {"q": "warm up"})
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(SEARCH, {"q": "bakkerij", "status": "all"})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [30, 60])
def test_search_json_costs_the_same_queries_however_many_rows(
    client, editions, django_assert_num_queries, rows
):
    make_listings(rows, edition=editions[2])

    client.get(SEARCH_JSON, {"q": "warm up"})  # the names and columns read (once per edition)
    with django_assert_num_queries(SEARCH_QUERIES):  # as the page: the header's register
        response = client.get(SEARCH_JSON, {"q": "bakkerij", "page_size": "100"})
    assert response.json()["count"] == rows


def test_an_invalid_search_costs_one_query(client, editions, django_assert_num_queries):
    with django_assert_num_queries(1):  # the header's register; the listings are not read
        client.get(SEARCH, {"sort": "bogus"})


@pytest.mark.parametrize("renames", [1, 5])
def test_company_page_costs_five_queries_however_long_its_history(
    client, django_assert_num_queries, renames
):
    listing = make_listing("Name 0 B.V.", "12345678", edition=make_edition(date(2026, 1, 1)))
    for month in range(1, renames + 1):
        edition = make_edition(date(2026, 1 + month, 1))
        rename_listing(listing, f"Name {month} B.V.", edition=edition)

    # Register (header), the listing with its company, its names, its events, our first
    # edition's date.
    with django_assert_num_queries(5):
        response = client.get(company_url("12345678"))
    assert response.status_code == 200
    with django_assert_num_queries(5):
        client.get(company_json_url("12345678"))


@pytest.mark.parametrize("rows", [30, 60])
def test_browsing_without_a_query_builds_the_index_once_then_costs_one_query(
    client, editions, django_assert_num_queries, rows
):
    make_listings(rows, edition=editions[2])

    # The header's register, the index (counts, total, page: built once per process and edition)
    with django_assert_num_queries(1 + INDEX_QUERIES):
        response = client.get(SEARCH, {"status": "all"})
    assert response.status_code == 200
    with django_assert_num_queries(1):  # then the register alone, the index in memory
        again = client.get(SEARCH, {"status": "all"})
    assert again.content == response.content


def test_each_page_of_a_search_without_text_is_answered_from_the_index_until_the_next_edition(
    client, editions, django_assert_num_queries
):
    make_listings(60, edition=editions[2])
    first = client.get(SEARCH_JSON, {"page": "2"}).json()

    with django_assert_num_queries(1):  # page 1: the register; the rest from the index
        client.get(SEARCH_JSON)
    with django_assert_num_queries(1):
        assert client.get(SEARCH_JSON, {"page": "2"}).json() == first

    newer = make_edition(date(2026, 12, 7))
    make_listing("Zz Laatste B.V.", edition=newer)
    after = client.get(SEARCH_JSON, {"page": "2"}).json()
    assert after["count"] == first["count"] + 1
    assert after["results"][-1]["name"] == "Zz Laatste B.V."


def test_the_company_page_answers_whether_it_was_listed_on_a_date(client, editions):
    make_listing("Gone B.V.", "12345678", edition=editions[0], removed_in=editions[2])

    page = text_of(client.get(company_url("12345678"), {"as_of": "2026-08-10"}))
    data = client.get(company_json_url("12345678"), {"as_of": "2026-10-10"}).json()

    assert "Listed in the edition of 3 August 2026" in page
    assert "Evidence for that edition" in page
    assert data["registers"][0]["as_of"]["listed"] is False
    assert data["registers"][0]["as_of"]["edition"] == "2026-10-03"


def test_a_bad_as_of_date_on_the_company_page_is_a_400_in_words(client, editions):
    make_listing("Bakkerij B.V.", "12345678", edition=editions[0])

    page = client.get(company_url("12345678"), {"as_of": "2026-13-45"})
    api = client.get(company_json_url("12345678"), {"as_of": "\x00"})

    assert page.status_code == 400
    assert "Enter the date as YYYY-MM-DD" in text_of(page)
    assert api.status_code == 400 and "as_of" in api.json()["errors"]


def test_a_company_on_two_registers_shows_a_timeline_for_each(client, editions):
    listing = make_listing("TNO", "27376655", edition=editions[0])
    research = Register.objects.get_or_create(
        slug="research", defaults={"name": "Public register Research", "url": "https://x"}
    )[0]
    edition = make_edition(date(2026, 9, 1), register=research, current=False)
    Listing.objects.create(
        company=listing.company,
        register=research,
        name="TNO",
        sort_name="tno",
        first_listed=edition.published_on,
        last_listed=edition.published_on,
    )

    data = client.get(company_json_url("27376655")).json()
    page = text_of(client.get(company_url("27376655")))

    assert [r["register"] for r in data["registers"]] == ["work", "research"]
    assert "Public register Research: listed" in page


@pytest.mark.parametrize("url", [SEARCH, SEARCH_JSON])
def test_a_search_as_of_a_date_before_the_first_edition_says_unknown(client, editions, url):
    make_listings(3, edition=editions[2])

    response = client.get(url, {"q": "bakkerij", "as_of": "2000-01-01"})

    assert response.status_code == 200  # not the 500 it was: nothing to rank, and no SQL run
    if url == SEARCH_JSON:
        data = response.json()
        assert data["count"] == 0
        assert data["as_of"]["known"] is False


@pytest.mark.parametrize("places", [1, 2, 3])
def test_the_pages_floatformat_is_djangos(places):
    """config.jinja2.floatformat takes a fast path for the scores; every score a ranking can
    give (0 to 1, three decimals), and a few other floats, read as Django's filter reads them."""
    from django.template.defaultfilters import floatformat as djangos

    from config.jinja2 import floatformat

    values = [i / 1000 for i in range(1001)] + [0.0005, 2.675, 1.005, -0.125, 999.995, 12.5]
    for value in values:
        assert floatformat(value, places) == str(djangos(value, places)), value
    assert floatformat(1234.5678, 2) == str(djangos(1234.5678, 2))  # past the fast path
    assert floatformat("0.5", 2) == "0.50"
