"""/search.csv: every matching row, streamed, the same filters as /search.json, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from registry.bulk import spreadsheet_safe as cell
from tests.factories import INDEX_QUERIES, enrich, make_edition, make_listing

SEARCH_CSV = reverse("registry:search-csv")
SEARCH_JSON = reverse("registry:search-json")
HEADER = [
    "kvk",
    "name",
    "status",
    "first_listed",
    "removed_on",
    "register",
    "url",
    "edition",
    "sector",
    "sector_title",
    "city",
    "province",
]
pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # the byte-order mark Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline="")))


@pytest.fixture
def editions():
    return make_edition(date(2026, 7, 1), current=False), make_edition(date(2026, 10, 5))


def test_the_csv_has_a_header_and_one_row_per_listing(client, editions):
    enrich(
        make_listing("Bakkerij De Korenschoof B.V.", "01234567", edition=editions[0]),
        sbi="10710",
        city="'s-Hertogenbosch",
        province="Noord-Brabant",
    )
    make_listing("Gone B.V.", "07654321", edition=editions[0], removed_in=editions[1])

    response = client.get(SEARCH_CSV, {"status": "all"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="erkend-work-2026-10-05-source-ind-nl.csv"'
    )
    assert response["Link"] == (
        "<https://ind.nl/en/public-register-recognised-sponsors/public-register-work>; "
        'rel="via"; '
        'title="IND public register of recognised sponsors (ind.nl), list of 5 October 2026"'
    )
    rows = read_csv(response)
    assert rows == [
        HEADER,
        [
            "01234567",
            "Bakkerij De Korenschoof B.V.",
            "listed",
            "2026-07-01",
            "",
            "work",
            "http://testserver/company/01234567/",
            "2026-10-05",
            "10710",
            "Manufacture of food products",
            "Den Bosch",
            "Noord-Brabant",
        ],
        [
            "07654321",
            "Gone B.V.",
            "removed",
            "2026-07-01",
            "2026-10-05",
            "work",
            "http://testserver/company/07654321/",
            "2026-10-05",
            "",
            "",
            "",
            "",
        ],
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "all"},
        {"status": "removed"},
        {"q": "bakkerij"},
        {"q": "bakkerij", "status": "all", "sort": "newest"},
        {"listed_since": "2026-10-01"},
        {"as_of": "2026-08-01"},
        {"sort": "recent"},
        {"register": "exchange"},
    ],
)
def test_the_csv_has_as_many_rows_as_the_json_counts(client, editions, params):
    for i in range(60):
        edition = editions[i % 2]
        make_listing(f"Bakkerij {i} B.V.", edition=edition)
    for i in range(5):
        make_listing(f"Gone {i} B.V.", edition=editions[0], removed_in=editions[1])

    count = client.get(SEARCH_JSON, params).json()["count"]
    rows = read_csv(client.get(SEARCH_CSV, {**params, "page": "2", "page_size": "10"}))

    assert len(rows) - 1 == count  # all rows, whatever the paging parameters say


def test_the_csv_keeps_the_search_order(client, editions):
    make_listing("Bakkerij Zuid B.V.", edition=editions[0])
    make_listing("Bakkerij Noord B.V.", edition=editions[1])

    by_name = read_csv(client.get(SEARCH_CSV))
    newest = read_csv(client.get(SEARCH_CSV, {"sort": "newest"}))

    assert [r[1] for r in by_name[1:]] == ["Bakkerij Noord B.V.", "Bakkerij Zuid B.V."]
    assert [r[1] for r in newest[1:]] == ["Bakkerij Noord B.V.", "Bakkerij Zuid B.V."]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+31 Bouw B.V.", "'+31 Bouw B.V."),
        ("-Minus B.V.", "'-Minus B.V."),
        ("@Home B.V.", "'@Home B.V."),
        ("\tTab B.V.", "'\tTab B.V."),
        ("\rReturn B.V.", "'\rReturn B.V."),
        ("Plain B.V.", "Plain B.V."),
        ("'Petite Amélie' Nederland B.V.", "'Petite Amélie' Nederland B.V."),
    ],
)
def test_a_cell_that_could_be_a_formula_is_made_text(value, safe):
    assert cell(value) == safe


def test_names_a_spreadsheet_could_run_arrive_as_text(client, editions):
    make_listing("=1+2 B.V.", "11111111", edition=editions[1])
    make_listing("Zurich Insurance plc, Nederlands Bijkantoor", "22222222", edition=editions[1])
    make_listing('ZTE Coöperatief U.A. "ZTE"', "33333333", edition=editions[1])

    rows = read_csv(client.get(SEARCH_CSV))

    assert [r[1] for r in rows[1:]] == [
        "'=1+2 B.V.",
        'ZTE Coöperatief U.A. "ZTE"',
        "Zurich Insurance plc, Nederlands Bijkantoor",  # quoted, so one cell
    ]


def test_a_csv_as_of_a_date_names_the_edition_it_rests_on(client, editions):
    make_listing("Gone B.V.", "07654321", edition=editions[0], removed_in=editions[1])

    response = client.get(SEARCH_CSV, {"as_of": "2026-09-01"})

    rows = read_csv(response)
    assert [(r[1], r[7]) for r in rows[1:]] == [("Gone B.V.", "2026-07-01")]
    assert "erkend-work-2026-07-01-source-ind-nl.csv" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "bogus"}, "status: Select a valid choice."),
        ({"register": "bogus"}, "register: Select a valid choice."),
        ({"as_of": "garbage"}, "as_of: Enter a valid date."),
        ({"editions": "999"}, "editions: Ensure this value is less than or equal to 12."),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_which(client, editions, params, message):
    response = client.get(SEARCH_CSV, params)

    assert response.status_code == 400
    assert not response.streaming
    assert message in response.content.decode()


@pytest.mark.parametrize("rows", [10, 60])
def test_the_csv_costs_the_same_queries_however_many_rows(
    client, editions, django_assert_num_queries, rows
):
    for i in range(rows):
        make_listing(f"Company {i} B.V.", edition=editions[1])

    with django_assert_num_queries(1 + INDEX_QUERIES):  # the register, its index (once)
        response = client.get(SEARCH_CSV)
        lines = read_csv(response)
    assert len(lines) == rows + 1
