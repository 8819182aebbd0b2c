"""Answers people can trust: a former employer is found and labelled, a search as of a date
gives the status on that date, a group's entities are named together, and a verdict comes in
words with its reason (issue 17). In the page, the JSON, the CSV and the bulk check alike."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from tests.factories import make_edition, make_listing
from tests.test_views import text_of

SEARCH = reverse("registry:search")
SEARCH_JSON = reverse("registry:search-json")
SEARCH_CSV = reverse("registry:search-csv")
CHECK = reverse("registry:check")
pytestmark = pytest.mark.django_db


@pytest.fixture
def editions():
    """August and October 2026, October current."""
    return make_edition(date(2026, 8, 3), current=False), make_edition(date(2026, 10, 3))


@pytest.fixture
def register(editions):
    august, october = editions
    make_listing("Philips Nederland B.V.", "17056190", edition=august)
    make_listing("Philip Morris Holland B.V.", "23055780", edition=august)
    make_listing("Shell Nederland B.V.", "24051124", edition=august)
    make_listing("Shell International B.V.", "27155369", edition=august)
    make_listing("Shell Global Solutions International B.V.", "27268152", edition=august)
    make_listing("Dacom Vertrokken B.V.", "53188772", edition=august, removed_in=october)
    make_listing("Bakkerij De Korenschoof B.V.", "12345670", edition=october)
    return editions


def json_results(client, **params) -> list[dict[str, object]]:
    response = client.get(SEARCH_JSON, params)
    assert response.status_code == 200, response.content
    results: list[dict[str, object]] = response.json()["results"]
    return results


def csv_rows(client, url, **params) -> list[dict[str, str]]:
    response = client.get(url, params) if url == SEARCH_CSV else client.post(url, params)
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


# --- Former employers -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Dacom Vertrokken B.V.", "dacom vertrokken", "53188772"])
def test_a_former_employer_is_found_by_its_name_or_kvk_number_and_labelled(client, register, typed):
    [gone] = json_results(client, q=typed)
    assert (gone["name"], gone["status"], gone["verdict"]) == (
        "Dacom Vertrokken B.V.",
        "removed",
        "removed",
    )
    assert gone["reason"] == ("kvk" if typed.isdigit() else "exact_name")

    page = text_of(client.get(SEARCH, {"q": typed}))
    assert "Not on the register" not in page
    assert "No longer listed" in page
    assert "no longer listed since 3 October 2026" in page


def test_listed_only_narrows_to_the_employers_on_the_register_now(client, register):
    assert json_results(client, q="Dacom Vertrokken", status="listed") == []


def test_without_a_text_the_register_lists_only_who_is_on_it(client, register):
    names = {r["name"] for r in json_results(client, page_size=100)}
    assert "Dacom Vertrokken B.V." not in names
    assert "Philips Nederland B.V." in names


def test_at_an_equal_match_a_listed_employer_comes_before_a_former_one(client, editions):
    august, october = editions
    make_listing("Twin Name B.V.", "11111111", edition=august, removed_in=october)
    make_listing("Twin Name B.V.", "22222222", edition=october)

    found = json_results(client, q="Twin Name B.V.")

    assert [(r["kvk"], r["status"]) for r in found] == [
        ("22222222", "listed"),
        ("11111111", "removed"),
    ]


# --- As of a date -----------------------------------------------------------------------------


def test_as_of_a_date_the_status_is_the_status_then(client, register):
    [gone] = json_results(client, q="Dacom Vertrokken", as_of="2026-09-01")

    assert (gone["status"], gone["status_now"], gone["verdict"]) == ("listed", "removed", "listed")
    assert gone["removed_on"] == "2026-10-03"


def test_as_of_a_date_the_page_and_the_csv_say_listed_then(client, register):
    page = text_of(client.get(SEARCH, {"q": "Dacom Vertrokken", "as_of": "2026-09-01"}))
    assert "Status then" in page
    assert "Listed" in page

    [row] = csv_rows(client, SEARCH_CSV, q="Dacom Vertrokken", as_of="2026-09-01")
    assert (row["name"], row["status"]) == ("Dacom Vertrokken B.V.", "listed")
    [today] = csv_rows(client, SEARCH_CSV, q="Dacom Vertrokken")
    assert today["status"] == "removed"


def test_the_bulk_check_as_of_a_date_checks_that_edition(client, register):
    then = csv_rows(client, CHECK, lines="Dacom Vertrokken\nBakkerij De Korenschoof", format="csv",
                    as_of="2026-09-01")  # fmt: skip
    now = csv_rows(client, CHECK, lines="Dacom Vertrokken\nBakkerij De Korenschoof", format="csv")

    assert [(r["verdict"], r["edition_date"]) for r in then] == [
        ("listed", "2026-08-03"),
        ("not_listed", "2026-08-03"),  # first listed in October
    ]
    assert [(r["verdict"], r["edition_date"]) for r in now] == [
        ("removed", "2026-10-03"),
        ("listed", "2026-10-03"),
    ]


def test_a_bad_as_of_date_in_the_bulk_check_is_a_clear_400(client, register):
    response = client.post(CHECK, {"lines": "Shell", "as_of": "03/09/2026"})

    assert response.status_code == 400
    assert "As of (date, optional)" in text_of(response)


# --- Verdicts in words ------------------------------------------------------------------------


def test_a_close_spelling_of_another_name_is_similar_beside_the_name_as_typed(client, register):
    found = {r["name"]: r for r in json_results(client, q="philips")}

    assert found["Philips Nederland B.V."]["verdict"] != "similar"
    assert found["Philips Nederland B.V."]["reason"] == "starts_with"
    assert found["Philip Morris Holland B.V."]["verdict"] == "similar"


def test_the_page_gives_verdicts_in_words_and_no_raw_scores(client, register):
    response = client.get(SEARCH, {"q": "Philips Nederland"})
    html = response.content.decode()

    assert 'class="verdict verdict--' in html
    assert "name starts with your words" in text_of(response) or "exact name" in text_of(response)
    assert "score" not in html.lower().replace("scores", "")


def test_the_json_documents_the_score_and_the_reason_code(client, register):
    [first, *_] = json_results(client, q="Philips Nederland B.V.")

    assert (first["verdict"], first["reason"], first["score"]) == ("listed", "exact_name", 1.0)


# --- A group's entities -----------------------------------------------------------------------


def test_several_entities_of_one_group_are_named_together_on_the_page(client, register):
    page = text_of(client.get(SEARCH, {"q": "shell"}))

    assert "employers match your words equally well" in page
    for name in ("Shell Nederland B.V.", "Shell International B.V."):
        assert name in page


def test_the_bulk_check_names_the_other_entities_that_match_as_well(client, register):
    [row] = csv_rows(client, CHECK, lines="Shell", format="csv")

    assert row["matched_name"].startswith("Shell ")
    others = set(row["also"].split("; "))
    assert row["matched_name"] not in others
    assert len(others) >= 1 and all(name.startswith("Shell ") for name in others)


def test_one_clear_match_names_no_group(client, register):
    page = text_of(client.get(SEARCH, {"q": "Bakkerij De Korenschoof"}))
    [row] = csv_rows(client, CHECK, lines="Bakkerij De Korenschoof", format="csv")

    assert "equally well" not in page
    assert row["also"] == ""


def test_words_in_no_name_lower_the_score_instead_of_emptying_the_answer(client, register):
    """'just eat takeaway': no name has all three words; the one with 'takeaway' is the answer,
    called similar, not likely (the name lacks words that were typed)."""
    make_listing("Takeaway.com Central Core B.V.", "64473716", edition=register[1])

    data = client.get(reverse("registry:search-json"), {"q": "just eat takeaway"}).json()

    first = data["results"][0]
    assert (first["name"], first["verdict"], first["reason"]) == (
        "Takeaway.com Central Core B.V.",
        "similar",
        "some_words",
    )
    assert "no_match" not in data
    page = text_of(client.get(SEARCH, {"q": "just eat takeaway"}))
    assert "No name on the register has all the words of “just eat takeaway”" in page
    assert "No name on the register has all" not in text_of(client.get(SEARCH, {"q": "shell"}))


def test_a_brand_typed_as_two_words_finds_it_before_a_name_with_one_of_them(client, register):
    """'tom tom': TomTom (the two written as one), not Tom B.V., which has the word once."""
    make_listing("Tom B.V.", "11110000", edition=register[1])
    make_listing("TomTom International B.V.", "34076599", edition=register[1])

    names = [r["name"] for r in json_results(client, q="tom tom")]

    assert names[0] == "TomTom International B.V."
    assert names.index("Tom B.V.") > 0
