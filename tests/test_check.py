"""The bulk check (/check/): what it answers per line, what it refuses, what it costs."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

import registry.search
from registry.bulk import (
    MAX_UPLOAD_BYTES,
    BulkInputError,
    Line,
    check_row,
    parse_lines,
    parse_upload,
    spreadsheet_safe,
)
from registry.search import SearchQuery, check, search
from registry.search.scoring import Match
from scraper.sync import get_register
from tests.factories import INDEX_QUERIES, make_edition, make_listing, make_listings

CHECK = reverse("registry:check")
CSV_HEADER = ["input", "verdict", "matched_name", "kvk", "score", "edition_date", "reason", "also"]
# registry.slots: on PostgreSQL a check takes a slot and gives it back, two queries; SQLite none.
SLOT_QUERIES = 2 if connection.vendor == "postgresql" else 0

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's text with tags dropped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, text_of(response)
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # for Excel
    reader = csv.reader(io.StringIO(body[1:], newline=""))
    header = next(reader)
    assert header == CSV_HEADER
    return [dict(zip(header, row, strict=True)) for row in reader]


def check_csv(client, text: str) -> list[dict[str, str]]:
    return csv_rows(client.post(CHECK, {"lines": text, "format": "csv"}))


def upload(client, data: bytes, *, name: str = "list.csv", fmt: str = "csv"):
    return client.post(CHECK, {"file": SimpleUploadedFile(name, data), "format": fmt})


def verdicts(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(row["input"], row["verdict"]) for row in rows]


@pytest.fixture
def editions():
    """August and October 2026, October current."""
    return make_edition(date(2026, 8, 3), current=False), make_edition(date(2026, 10, 3))


@pytest.fixture
def register(editions):
    august, october = editions
    make_listing("Adyen N.V.", "34259528", edition=october)
    make_listing("4DotNet B.V.", "04079637", edition=october)
    make_listing("Bakkerij De Korenschoof B.V.", "12345670", edition=october)
    make_listing("Gone Consultancy B.V.", "12345678", edition=august, removed_in=october)
    return editions


# --- Verdicts -------------------------------------------------------------------------------


def test_pasted_names_and_kvk_numbers_get_their_verdicts(client, register):
    rows = check_csv(
        client,
        "Adyen N.V.\n34259528\n4079637\n04079637\n004079637\n3425 95 28\nBakkerij Korenschoof\n",
    )

    assert verdicts(rows)[:6] == [
        ("Adyen N.V.", "listed"),
        ("34259528", "listed"),
        ("4079637", "listed"),  # a spreadsheet ate the leading zero
        ("04079637", "listed"),
        ("004079637", "listed"),  # nine digits, as the June 2025 edition printed them
        ("3425 95 28", "listed"),
    ]
    # A close name is a suggestion; how close is registry.search's business (tested there).
    assert rows[6]["verdict"] in ("likely", "similar")
    adyen = rows[0]
    assert adyen["matched_name"] == "Adyen N.V."
    assert adyen["kvk"] == "34259528"
    assert adyen["score"] == "1.0"
    assert adyen["edition_date"] == "2026-10-03"
    assert adyen["reason"] == "exact name"
    assert rows[1]["reason"] == "KvK number"
    assert {row["matched_name"] for row in rows[2:5]} == {"4DotNet B.V."}
    assert rows[6]["matched_name"] == "Bakkerij De Korenschoof B.V."
    assert rows[6]["reason"] == "has all your words"  # "De" aside


@pytest.mark.parametrize(
    ("match", "reason"),
    [
        (("likely", "name", "Adyen N.V.", "close_spelling"), "close spelling"),
        (("similar", "name", "Adyen N.V.", "some_words"), "some of your words"),
        (
            ("likely", "former_name", "Adyen Old B.V.", "close_spelling"),
            "close spelling; former name “Adyen Old B.V.”",
        ),
        (("similar", "kvk", "Adyen N.V.", "kvk_start"), "KvK number starts with this"),
    ],
)
def test_a_suggestion_says_how_it_matched(register, match, reason):
    [adyen] = search(SearchQuery(text="Adyen N.V.")).results
    verdict, matched_on, matched_name, why = match
    found = dataclasses.replace(
        adyen, match=Match(adyen.listing_id, 0.5, verdict, matched_on, matched_name, why)
    )

    row = check_row(Line(1, "whatever"), [found], edition_date=None)

    assert (row.verdict, row.matched_name, row.score, row.reason) == (
        verdict,
        "Adyen N.V.",
        0.5,
        reason,
    )


def test_a_company_that_left_the_register_says_removed(client, register):
    rows = check_csv(client, "Gone Consultancy B.V.\n12345678\n")

    assert verdicts(rows) == [("Gone Consultancy B.V.", "removed"), ("12345678", "removed")]
    assert rows[1]["matched_name"] == "Gone Consultancy B.V."
    assert rows[1]["reason"] == "KvK number; no longer listed since 3 October 2026"


def test_an_unknown_name_or_number_says_not_listed_with_nothing_matched(client, register):
    rows = check_csv(client, "Volkomen Onbekende Zaak\n99999999\n")

    assert verdicts(rows) == [("Volkomen Onbekende Zaak", "not_listed"), ("99999999", "not_listed")]
    for row in rows:
        assert row["matched_name"] == row["kvk"] == row["score"] == ""
        assert row["edition_date"] == "2026-10-03"
        assert row["reason"] == "no name or KvK number on the register comes close"


def test_a_former_name_matches_the_company_under_its_current_name(client, editions):
    august, october = editions
    from tests.factories import rename_listing

    listing = make_listing("Dacom Farm Intelligence B.V.", "53188772", edition=august)
    rename_listing(listing, "CropX B.V.", edition=october)

    (row,) = check_csv(client, "Dacom Farm Intelligence")

    assert row["verdict"] == "listed"
    assert row["matched_name"] == "CropX B.V."
    assert row["reason"] == "exact name; former name “Dacom Farm Intelligence B.V.”"


def test_of_two_companies_with_one_name_the_listed_one_answers(client, editions):
    august, october = editions
    make_listing("Twin Name B.V.", "11111111", edition=august, removed_in=october)
    make_listing("Twin Name B.V.", "22222222", edition=october)

    (row,) = check_csv(client, "Twin Name B.V.")

    assert (row["verdict"], row["kvk"]) == ("listed", "22222222")


def test_bad_lines_are_reported_one_by_one_and_the_rest_is_checked(client, register):
    text = "Adyen N.V.\nBad\x00line\n" + "x" * 500 + "\n!!! ---\nGone Consultancy B.V.\n"

    response = client.post(CHECK, {"lines": text})

    assert response.status_code == 200
    page = text_of(response)
    assert "3 lines were not checked:" in page
    assert "line 2: contains a NUL byte (not checked)" in page
    assert "line 3: longer than 200 characters (it has 500) (not checked)" in page
    assert "line 4: has no letters or digits (not checked)" in page
    assert "Not checked 3" in page
    assert "Listed 1" in page and "No longer listed 1" in page
    assert "\x00" not in response.content.decode()
    rows = check_csv(client, text)
    assert verdicts(rows) == [
        ("Adyen N.V.", "listed"),
        ("Bad\ufffdline", "error"),
        ("x" * 200 + "…", "error"),
        ("!!! ---", "error"),
        ("Gone Consultancy B.V.", "removed"),
    ]
    assert rows[1]["reason"] == "contains a NUL byte"


def test_blank_lines_are_skipped_but_lines_keep_their_numbers(client, register):
    response = client.post(CHECK, {"lines": "Adyen N.V.\n\n   \n!!!\n"})

    assert "line 4: has no letters or digits (not checked)" in text_of(response)
    assert "1 line was not checked" in text_of(response)


def test_the_result_table_links_each_match_to_its_company(client, register):
    response = client.post(CHECK, {"lines": "34259528\nNiemand"})

    html = response.content.decode()
    page = text_of(response)
    assert response.status_code == 200
    assert '<a href="/company/34259528/">Adyen N.V.</a>' in html
    assert '<span class="verdict verdict--listed">Listed</span>' in html
    assert '<span class="verdict verdict--not_listed">Not listed</span>' in html
    assert "2 lines checked against the IND register of 3 October 2026" in page
    assert "1 34259528 Listed KvK number Adyen N.V. 34259528 3 Oct 2026" in page
    assert "2 Niemand Not listed" in page


# --- Uploads --------------------------------------------------------------------------------


def test_an_upload_uses_the_column_headed_name(client, register):
    data = b"id,name,city\n1,Adyen N.V.,Amsterdam\n2,Gone Consultancy,Utrecht\n3,,Delft\n"

    rows = csv_rows(upload(client, data))

    assert verdicts(rows) == [("Adyen N.V.", "listed"), ("Gone Consultancy", "removed")]


def test_an_upload_checks_the_kvk_column_first_and_the_name_where_a_row_has_no_number(
    client, register
):
    data = b"Bedrijfsnaam;KvK-nummer\nWhatever;34259528\nGone Consultancy B.V.;\n"

    rows = csv_rows(upload(client, data))

    assert verdicts(rows) == [("34259528", "listed"), ("Gone Consultancy B.V.", "removed")]


def test_an_upload_with_only_a_kvk_number_column(client, register):
    rows = csv_rows(upload(client, b"kvk_number\r\n34259528\r\n4079637\r\n99999999\r\n"))

    assert verdicts(rows) == [
        ("34259528", "listed"),
        ("4079637", "listed"),
        ("99999999", "not_listed"),
    ]


def test_an_upload_with_a_byte_order_mark(client, register):
    data = "\ufeffname\nAdyen N.V.\n".encode()

    assert verdicts(csv_rows(upload(client, data))) == [("Adyen N.V.", "listed")]


def test_an_upload_in_windows_1252(client, editions):
    make_listing("Dümmen Orange B.V.", "12345679", edition=editions[1])
    data = "organisatie\nDümmen Orange B.V.\n".encode("cp1252")

    rows = csv_rows(upload(client, data))

    assert verdicts(rows) == [("Dümmen Orange B.V.", "listed")]


def test_an_upload_without_a_header_is_one_value_a_line(client, register):
    data = b"Adyen N.V.\nJanssen, Pieter en Zonen\n\n12345678\n"

    rows = csv_rows(upload(client, data))

    assert verdicts(rows) == [
        ("Adyen N.V.", "listed"),
        ("Janssen, Pieter en Zonen", "not_listed"),
        ("12345678", "removed"),
    ]


def test_our_own_csv_download_can_be_checked_again(client, register):
    first = client.post(CHECK, {"lines": "Adyen N.V.\n12345678", "format": "csv"})

    rows = csv_rows(upload(client, first.content))

    assert verdicts(rows) == [("Adyen N.V.", "listed"), ("12345678", "removed")]


def test_an_upload_reports_bad_lines_with_the_file_line_number(client, register):
    response = upload(client, b"name\nAdyen N.V.\n\n???\n", fmt="html")

    assert "line 4: has no letters or digits (not checked)" in text_of(response)
    assert "To download these results, choose the file again." in text_of(response)


def test_a_file_over_the_limit_is_refused(client, register):
    data = b"name\n" + b"Adyen N.V.\n" * (MAX_UPLOAD_BYTES // 11)

    response = upload(client, data)

    assert len(data) > MAX_UPLOAD_BYTES
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert f"The file has {len(data):,} bytes; the limit is 1 MB (1,048,576 bytes)." in text_of(
        response
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04rest of a zip", "This is a spreadsheet workbook, not a CSV file."),
        (b"name\n", "The file has no lines to check, only a header or blanks."),
        (b"", "The submitted file is empty."),
        (b"name\n\x81\x8d\x8f\x90\x9d\n", "The file is not text in UTF-8 or Windows-1252"),
        (b"a,b\nc,d\n" + b"x" * 140_000 + b",y\n", "Line 3 of the file could not be read as CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_words(client, register, data, message):
    response = upload(client, data, fmt="html")

    assert response.status_code == 400
    assert "Nothing was checked" in text_of(response)
    assert message in text_of(response)


# --- Refusals ---------------------------------------------------------------------------------


def test_more_than_a_thousand_lines_are_refused_and_none_is_checked(
    client, register, django_assert_num_queries
):
    text = "\n".join(f"Company {i}" for i in range(1001))

    with django_assert_num_queries(1):  # the header's register; nothing is ranked
        response = client.post(CHECK, {"lines": text})

    assert response.status_code == 400
    assert "At most 1,000 lines can be checked at a time; this has 1,001." in text_of(response)
    assert "<table" not in response.content.decode()


def test_a_thousand_lines_are_accepted(client, register):
    rows = check_csv(client, "\n".join(["34259528"] * 1000))

    assert len(rows) == 1000


def test_an_uploaded_file_of_more_than_a_thousand_lines_is_refused(client, register):
    data = b"name\n" + b"".join(b"Company %d\n" % i for i in range(1001))

    response = upload(client, data)

    assert response.status_code == 400
    assert "this has 1,001" in text_of(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste names or KvK numbers, one a line, or choose a CSV file to upload."),
        ({"lines": "  \n \n"}, "Paste names or KvK numbers, one a line, or choose a CSV file"),
        (
            {"lines": "Adyen", "file": SimpleUploadedFile("a.csv", b"Adyen\n")},
            "Paste names or upload a file, not both",
        ),
        ({"lines": "Adyen", "format": "xml"}, "Select a valid choice. xml is not one of"),
    ],
)
def test_neither_both_or_a_bad_format_is_a_400_in_words(client, register, data, message):
    response = client.post(CHECK, data)

    assert response.status_code == 400
    assert "Nothing was checked" in text_of(response)
    assert message in text_of(response)


def test_an_invalid_csv_request_gets_the_page_with_its_errors(client, register):
    response = client.post(CHECK, {"format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Paste names or KvK numbers" in text_of(response)


def test_a_text_longer_than_the_limit_is_refused_in_words(client, register):
    response = client.post(CHECK, {"lines": "x" * 202_001})

    assert response.status_code == 400
    assert (
        "Paste at most 1,000 lines of up to 200 characters (202000 characters in all); "
        "this has 202001." in text_of(response)
    )


@pytest.mark.parametrize("sent_as", ["urlencoded", "multipart", "file"])
def test_a_post_body_over_the_limit_is_a_400_with_a_message(client, register, sent_as):
    big = "Adyen N.V.\n" * 300_000  # 3.3 MB, over Django's own 2.5 MB limit too
    if sent_as == "urlencoded":
        response = client.post(
            CHECK, f"lines={big}", content_type="application/x-www-form-urlencoded"
        )
    elif sent_as == "multipart":
        response = client.post(CHECK, {"lines": big})
    else:
        response = upload(client, big.encode())

    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing was checked" in page
    assert re.search(r"The form sent [\d,]+ bytes; the limit is 2,097,152 bytes", page)


def test_the_body_limit_follows_a_lower_django_setting(client, register, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = client.post(CHECK, {"lines": "Adyen N.V.\n" * 2000})

    assert response.status_code == 400
    assert "the limit is 10,000 bytes" in text_of(response)


def test_other_methods_are_refused(client):
    assert client.put(CHECK).status_code == 405
    assert client.delete(CHECK).status_code == 405


# --- CSRF -------------------------------------------------------------------------------------


def test_the_form_needs_no_token_to_show_but_one_to_post(register):
    client = Client(enforce_csrf_checks=True)

    shown = client.get(CHECK)
    assert shown.status_code == 200
    token = shown.cookies["csrftoken"].value

    assert client.post(CHECK, {"lines": "Adyen N.V."}).status_code == 403
    posted = client.post(CHECK, {"lines": "Adyen N.V.", "csrfmiddlewaretoken": token})
    assert posted.status_code == 200
    assert "Listed 1" in text_of(posted)


def test_an_upload_without_a_token_is_refused(register):
    client = Client(enforce_csrf_checks=True)

    response = client.post(CHECK, {"file": SimpleUploadedFile("a.csv", b"Adyen N.V.\n")})

    assert response.status_code == 403


# --- The CSV download -------------------------------------------------------------------------


def test_the_csv_download_has_a_header_and_a_row_per_line(client, register):
    response = client.post(
        CHECK, {"lines": "Adyen N.V.\n\nNiemand\n\x00\n34259528", "format": "csv"}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="erkend-check-2026-10-03.csv"'
    assert [row["verdict"] for row in csv_rows(response)] == [
        "listed",
        "not_listed",
        "error",
        "listed",
    ]


def test_the_csv_download_cannot_run_formulas_in_a_spreadsheet(client, register):
    rows = check_csv(client, '=HYPERLINK("http://evil.example","x")\n+31 20 123\n-1\n@SUM(A1)\n')

    assert [row["input"] for row in rows] == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+31 20 123",
        "'-1",
        "'@SUM(A1)",
    ]


def test_a_formula_in_a_matched_name_is_made_safe_too(client, editions):
    make_listing("=cmd B.V.", "87654321", edition=editions[1])

    (row,) = check_csv(client, "87654321")

    assert row["matched_name"] == "'=cmd B.V."


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), ("", "")],
)
def test_spreadsheet_safe(cell, safe):
    assert spreadsheet_safe(cell) == safe


def test_without_an_edition_the_download_says_so_in_its_name(client):
    response = client.post(CHECK, {"lines": "Adyen", "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="erkend-check-no-edition.csv"'
    assert verdicts(csv_rows(response)) == [("Adyen", "not_listed")]


# --- The page -------------------------------------------------------------------------------


def test_the_check_page_works_without_javascript(client, register):
    response = client.get(CHECK)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<form class="check-form" method="post" enctype="multipart/form-data"', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<textarea name="lines"' in html and "maxlength" not in html.split("<textarea")[1]
    assert '<input type="file" name="file"' in html
    assert '<button type="submit" name="format" value="html">Check</button>' in html
    assert 'name="format" value="csv"' in html and "Download as CSV" in html
    assert "<script" not in html


def test_every_page_links_to_the_bulk_check(client, register):
    html = client.get(reverse("registry:search")).content.decode()

    assert f'<a href="{CHECK}">Bulk check</a>' in html


# --- Parsing, without the database ----------------------------------------------------------


def test_parse_lines_numbers_lines_as_the_user_sees_them():
    assert parse_lines("a\r\n\r\n b \rc\x0bd\n") == [
        Line(1, "a"),
        Line(3, "b"),
        Line(4, "c\x0bd", "contains a control character"),
    ]


def test_parse_lines_refuses_too_many_lines():
    with pytest.raises(BulkInputError, match="this has 1,001"):
        parse_lines("x\n" * 1001)


def test_parse_upload_reads_utf16_from_excel():
    data = "name\tcity\nAdyen N.V.\tAmsterdam\n".encode("utf-16")

    assert parse_upload(data) == [Line(2, "Adyen N.V.")]


def test_parse_upload_refuses_more_than_a_megabyte():
    with pytest.raises(BulkInputError, match="the limit is 1 MB"):
        parse_upload(b"x" * (MAX_UPLOAD_BYTES + 1))


def test_a_tab_in_a_pasted_line_is_explained():
    (line,) = parse_lines("Adyen N.V.\t34259528")

    assert line.message == (
        "line 1: contains a tab: give one name or number a line (or upload a CSV file) "
        "(not checked)"
    )


# --- Agreement with the search box ---------------------------------------------------------


def test_a_kvk_number_is_checked_as_the_search_box_finds_it(register):
    texts = ["34259528", "4079637", "04079637", "004079637", "12345678", "1234567", "1234", "9"]
    work = get_register("work")

    found, _answer = check(texts, register=work)
    rows = [
        check_row(Line(i, text), best, edition_date=None)
        for i, (text, best) in enumerate(zip(texts, found, strict=True), 1)
    ]

    for text, row in zip(texts, rows, strict=True):
        results = search(SearchQuery(text=text, status=None), register=work).results
        best = results[0] if results else None
        assert row.verdict == (best.match.verdict if best and best.match else "not_listed"), text
        assert row.score == (best.match.score if best and best.match else None), text
        if best:
            assert row.matched_name == best.name


def test_the_check_and_the_search_box_give_the_same_first_match(client, register):
    """Both ask the register's index (registry.search) and score alike: a pasted name means
    what the search box shows first (status=all: the check reports companies that left,
    too)."""
    texts = ["adyen", "Adyne N.V.", "Korenschoof", "bakkerij de korenschoof", "Gone Consultancy"]
    rows = check_csv(client, "\n".join(texts))
    for text, row in zip(texts, rows, strict=True):
        found = client.get(reverse("registry:search-json"), {"q": text, "status": "all"})
        first = found.json()["results"][0]
        assert (row["kvk"], row["verdict"]) == (first["kvk"], first["verdict"]), text


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 20])
def test_names_cost_the_same_queries_however_many(client, register, django_assert_num_queries, n):
    make_listings(n)
    text = "\n".join(f"Bakkerij De Korenschoof {i}" for i in range(n))

    # The register (header and edition date), its index (once per process and edition), and
    # the slot: every line is answered from the index.
    with django_assert_num_queries(1 + INDEX_QUERIES + SLOT_QUERIES):
        response = client.post(CHECK, {"lines": text})
    assert response.status_code == 200


@pytest.mark.parametrize("n", [5, 20])
def test_kvk_numbers_cost_the_same_queries_however_many(
    client, editions, django_assert_num_queries, n
):
    listings = make_listings(n, edition=editions[1])
    text = "\n".join(listing.company.kvk_number for listing in listings)

    # The register, its index, and the slot.
    with django_assert_num_queries(1 + INDEX_QUERIES + SLOT_QUERIES):
        response = client.post(CHECK, {"lines": text, "format": "csv"})
    assert [row["verdict"] for row in csv_rows(response)] == ["listed"] * n


def test_a_repeated_line_is_ranked_once(client, register, django_assert_num_queries, monkeypatch):
    calls: list[str] = []
    ranked = registry.search._ranked

    def counted(index, text, **kwargs):
        calls.append(text)
        return ranked(index, text, **kwargs)

    monkeypatch.setattr("registry.search._ranked", counted)
    # The register, its index; the slot.
    with django_assert_num_queries(1 + INDEX_QUERIES + SLOT_QUERIES):
        response = client.post(CHECK, {"lines": "Adyen N.V.\n" * 50})
    assert calls == ["Adyen N.V."]
    assert "Listed 50" in text_of(response)


def test_the_empty_form_costs_one_query(client, register, django_assert_num_queries):
    with django_assert_num_queries(1):  # the header's register
        assert client.get(CHECK).status_code == 200
