"""Atom feeds of a search and of a company: valid Atom (RFC 4287), newest first, filtered."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.urls import reverse

from registry.models import Edition, Listing, ListingEvent, Register
from tests.factories import INDEX_QUERIES, make_edition, make_listing, rename_listing

SEARCH_FEED = reverse("registry:search-feed")
ATOM = "{http://www.w3.org/2005/Atom}"
pytestmark = pytest.mark.django_db


def one(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, path
    return found


def text(element: ET.Element, path: str) -> str:
    return element.findtext(path) or ""


def company_feed(key: str) -> str:
    return reverse("registry:company-feed", kwargs={"key": key})


def parse_atom(response) -> ET.Element:
    """The feed, checked against RFC 4287's required elements (section 4.1)."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)  # raises on XML that is not well-formed
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{required}")) == 1, required
    assert text(feed, f"{ATOM}author/{ATOM}name") == "erkend"  # entries have none
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_link) == 1
    assert is_timestamp(text(feed, f"{ATOM}updated"))
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{required}")) == 1, required
        assert is_timestamp(text(entry, f"{ATOM}updated"))
        alternate = [
            link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"
        ]
        assert len(alternate) == 1 and alternate[0].get("href", "").startswith("http")
        ids.append(text(entry, f"{ATOM}id"))
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    assert all(i.startswith("http://testserver/") for i in ids)  # IRIs, absolute
    return feed


def is_timestamp(value: str) -> bool:
    """An RFC 3339 date-time, as Atom requires."""
    return bool(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value))


def titles(feed: ET.Element) -> list[str]:
    return [text(entry, f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]


@pytest.fixture
def editions():
    july = make_edition(date(2026, 7, 1), current=False)
    august = make_edition(date(2026, 8, 3), current=False)
    october = make_edition(date(2026, 10, 5))
    return july, august, october


@pytest.fixture
def history(editions):
    july, august, october = editions
    make_listing("Founding B.V.", "40000001", edition=july)
    make_listing("Bakkerij August B.V.", "40000002", edition=august)
    make_listing("Bakkerij October B.V.", "40000003", edition=october)
    back = make_listing("Bakkerij Back B.V.", "40000004", edition=july, removed_in=august)
    ListingEvent.objects.create(listing=back, edition=october, kind="readded")
    back.removed_on = None
    back.save()
    return editions


def test_the_search_feed_lists_employers_that_entered_the_results_newest_first(client, history):
    feed = parse_atom(client.get(SEARCH_FEED))

    assert titles(feed) == [
        "Bakkerij Back B.V. (KvK 40000004) listed again",
        "Bakkerij October B.V. (KvK 40000003) listed",
        "Bakkerij August B.V. (KvK 40000002) listed",
    ]
    # Founding B.V. is in the first edition we stored: new to us, not news.
    first = one(feed, f"{ATOM}entry")
    assert text(first, f"{ATOM}updated") == "2026-10-05T00:00:00+00:00"
    assert one(first, f"{ATOM}link").get("href") == "http://testserver/company/40000004/"
    assert text(first, f"{ATOM}id") == "http://testserver/company/40000004/#readded-2026-10-05"
    assert "Listed again in the edition of 5 October 2026" in text(first, f"{ATOM}summary")


def test_the_search_feed_takes_the_searchs_filters(client, history):
    feed = parse_atom(client.get(SEARCH_FEED, {"q": "october"}))
    assert titles(feed) == ["Bakkerij October B.V. (KvK 40000003) listed"]
    assert (
        text(feed, f"{ATOM}title") == "New on the Public register Work matching “october” · erkend"
    )

    feed = parse_atom(client.get(SEARCH_FEED, {"listed_since": "2026-08-03", "sort": "name"}))
    assert len(titles(feed)) == 2  # August and October; Back was first listed in July

    feed = parse_atom(client.get(SEARCH_FEED, {"register": "exchange"}))
    assert titles(feed) == []


def test_the_search_feed_describes_itself(client, history):
    feed = parse_atom(client.get(SEARCH_FEED, {"q": "bakkerij", "page": "3"}))

    assert text(feed, f"{ATOM}id") == "http://testserver/search.atom?q=bakkerij"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "http://testserver/?q=bakkerij",
        "self": "http://testserver/search.atom?q=bakkerij",
    }
    assert text(feed, f"{ATOM}rights") == (
        "Source: IND public register of recognised sponsors (ind.nl), list of 5 October 2026"
    )
    assert text(feed, f"{ATOM}updated") == "2026-10-05T00:00:00+00:00"


def test_an_empty_feed_is_still_valid_atom(client):
    feed = parse_atom(client.get(SEARCH_FEED))

    assert titles(feed) == []


def test_the_search_feed_stops_at_a_hundred_entries(client, editions):
    for i in range(105):
        make_listing(f"New {i:03d} B.V.", edition=editions[1])

    assert len(titles(parse_atom(client.get(SEARCH_FEED)))) == 100


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"register": "bogus"}, "register: Select a valid choice."),
        ({"as_of": "garbage"}, "as_of: Enter a valid date."),
        ({"editions": "999"}, "editions: Ensure this value is less than or equal to 12."),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_which(client, history, params, message):
    response = client.get(SEARCH_FEED, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


@pytest.mark.parametrize("rows", [10, 40])
def test_the_search_feed_costs_the_same_queries_however_many_entries(
    client, editions, django_assert_num_queries, rows
):
    for i in range(rows):
        make_listing(f"New {i} B.V.", edition=editions[2])

    # The register (title, credit), its index (once a process), the first edition (left
    # out), the entries.
    with django_assert_num_queries(3 + INDEX_QUERIES):
        response = client.get(SEARCH_FEED, {"status": "all"})
    assert len(titles(parse_atom(response))) == rows
    with django_assert_num_queries(3):  # a search text: found in the index
        response = client.get(SEARCH_FEED, {"q": "new"})
    assert len(titles(parse_atom(response))) == rows
    with django_assert_num_queries(3):
        response = client.get(SEARCH_FEED, {"q": "new 1"})
    assert titles(parse_atom(response))


# --- One company ---------------------------------------------------------------------------------


def test_the_company_feed_lists_its_changes_newest_first_on_every_register(client, editions):
    july, august, october = editions
    listing = make_listing("Dacom Farm Intelligence B.V.", "53188772", edition=july)
    rename_listing(listing, "Dacom  Farm Intelligence B.V.", edition=august, format_only=True)
    rename_listing(listing, "CropX B.V.", edition=october)
    research = Register.objects.get(slug="research")
    first = make_edition(date(2026, 7, 1), register=research, current=False)
    second = make_edition(date(2026, 8, 3), register=research)
    on_research = Listing.objects.create(
        company=listing.company,
        register=research,
        name="Dacom Farm Intelligence B.V.",
        sort_name="dacom farm intelligence b.v.",
        first_listed=first.published_on,
        last_listed=first.published_on,
        removed_on=second.published_on,
    )
    ListingEvent.objects.create(listing=on_research, edition=first, kind="added")
    ListingEvent.objects.create(listing=on_research, edition=second, kind="removed")

    feed = parse_atom(client.get(company_feed("53188772")))

    assert titles(feed) == [
        "Renamed: “Dacom  Farm Intelligence B.V.” → “CropX B.V.”",
        "No longer listed on the Public register Research",
        "Listed in the first edition of the Public register Research we stored",
        "Listed in the first edition of the Public register Work we stored",
    ]
    assert text(feed, f"{ATOM}title") == "CropX B.V.: changes in the IND registers · erkend"
    entry = one(feed, f"{ATOM}entry")
    assert one(entry, f"{ATOM}link").get("href") == "http://testserver/company/53188772/"


def test_a_company_added_after_our_first_edition_was_added(client, editions):
    make_listing("Bakkerij August B.V.", "40000002", edition=editions[1])
    # As a sync counts it: August kept companies from July, so it is not the first edition.
    Edition.objects.filter(pk=editions[1].pk).update(added=1, unchanged=10)

    feed = parse_atom(client.get(company_feed("40000002")))

    assert titles(feed) == ["Added to the Public register Work"]


def test_the_company_feed_of_an_unknown_company_is_a_404(client, editions):
    assert client.get(company_feed("12345678")).status_code == 404
    assert client.get("/company/x%00y.atom").status_code == 404


def test_a_nine_digit_kvk_redirects_to_the_company_feed(client, editions):
    make_listing("Zero Padded B.V.", "01234567", edition=editions[0])

    response = client.get(company_feed("001234567"))

    assert response.status_code == 301
    assert response["Location"] == company_feed("01234567")


@pytest.mark.parametrize("renames", [1, 6])
def test_the_company_feed_costs_two_queries_however_long_its_history(
    client, django_assert_num_queries, renames
):
    listing = make_listing("Name 0 B.V.", "12345678", edition=make_edition(date(2026, 1, 1)))
    for month in range(1, renames + 1):
        rename_listing(
            listing, f"Name {month} B.V.", edition=make_edition(date(2026, 1 + month, 1))
        )

    with django_assert_num_queries(2):  # the company, its events with editions and registers
        response = client.get(company_feed("12345678"))
    assert len(titles(parse_atom(response))) == renames + 1
