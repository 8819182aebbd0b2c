"""/changes/: what each edition of each register changed, as pages and JSON."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from registry.models import Edition, ListingEvent, Register
from tests.factories import make_edition, make_listing, rename_listing

CHANGES = reverse("registry:changes")
pytestmark = pytest.mark.django_db


def edition_url(day: str, register: str = "work", *, json: bool = False) -> str:
    name = "registry:changes-edition-json" if json else "registry:changes-edition"
    return reverse(name, kwargs={"register": register, "day": day})


def text_of(response) -> str:
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def counted(edition: Edition) -> Edition:
    """Store the counts a sync would have stored for `edition`, from its events."""
    events = ListingEvent.objects.filter(edition=edition)
    renames = events.filter(kind="renamed")
    Edition.objects.filter(pk=edition.pk).update(
        added=events.filter(kind__in=["added", "readded"]).count(),
        readded=events.filter(kind="readded").count(),
        removed=events.filter(kind="removed").count(),
        renamed=renames.filter(format_only=False).count(),
        reformatted=renames.filter(format_only=True).count(),
        unchanged=1,
    )
    edition.refresh_from_db()
    return edition


@pytest.fixture
def editions():
    """July (the first we stored), August and October 2026, with what changed in each."""
    july = make_edition(date(2026, 7, 1), current=False)
    august = make_edition(date(2026, 8, 3), current=False)
    october = make_edition(date(2026, 10, 5))
    for i in range(3):
        make_listing(f"Founding {i} B.V.", edition=july)
    make_listing("Bakker & Zonen B.V.", "20000001", edition=august)
    make_listing("Gone B.V.", "20000002", edition=july, removed_in=august)
    renamed = make_listing("Dacom Farm Intelligence B.V.", "53188772", edition=july)
    rename_listing(renamed, "CropX B.V.", edition=august)
    quoted = make_listing('""Aa-Dee"" Machinefabriek B.V.', "17037842", edition=july)
    rename_listing(quoted, '"Aa-Dee" Machinefabriek B.V.', edition=august, format_only=True)
    back = make_listing("Back Again B.V.", "20000003", edition=july, removed_in=august)
    ListingEvent.objects.create(listing=back, edition=october, kind="readded")
    make_listing("Newcomer B.V.", "20000004", edition=october)
    return counted(july), counted(august), counted(october)


def test_the_changes_page_shows_the_latest_edition_of_each_register_with_its_counts(
    client, editions
):
    response = client.get(CHANGES)

    assert response.status_code == 200
    page = text_of(response)
    assert "Public register Work" in page
    assert "Latest edition: 5 October 2026" in page
    assert "1 added, 1 back on the register, 0 no longer listed, 0 renamed" in page
    assert "3 August 2026 10 +1 +0 −2 1 1" in page  # the table row of August
    assert "1 July 2026 10 first edition we stored" in page
    # The other registers have no edition yet, and say so.
    assert page.count("No edition of this register is stored yet.") == 3
    html = response.content.decode()
    assert f'href="{edition_url("2026-08-03")}"' in html


def test_an_edition_page_lists_added_removed_and_renamed_employers(client, editions):
    response = client.get(edition_url("2026-08-03"))

    assert response.status_code == 200
    page = text_of(response)
    assert "Public register Work: the edition of 3 August 2026" in page
    assert (
        "Compared with the edition of 1 July 2026: 1 added, 2 no longer listed, 1 renamed" in page
    )
    assert "Added: 1 Bakker &amp; Zonen B.V. 20000001" in page
    assert "No longer listed: 2 The IND gives no reasons" in page
    assert "look the same. Back Again B.V. 20000003 Gone B.V. 20000002 Renamed" in page
    assert (
        "Renamed: 1 Old name New name KvK number Dacom Farm Intelligence B.V. → CropX B.V." in page
    )
    # A rename in formatting only is kept apart from the real ones.
    assert "Formatting only: 1" in page
    assert "&#34;&#34;Aa-Dee&#34;&#34; Machinefabriek B.V." in page
    html = response.content.decode()
    assert f'<a href="{edition_url("2026-07-01")}" rel="prev">' in html
    assert f'<a href="{edition_url("2026-10-05")}" rel="next">' in html


def test_an_edition_page_counts_employers_back_on_the_register_apart_from_the_new(client, editions):
    page = text_of(client.get(edition_url("2026-10-05")))

    assert "1 added, 1 back on the register, 0 no longer listed" in page
    assert "Added (1) Back on the register (1) No longer listed (0)" in page
    assert "Added: 1 Newcomer B.V." in page
    assert "Back on the register: 1 Listed in an earlier edition, then not, and now again." in page
    assert "Back Again B.V. 20000003" in page


def test_the_first_stored_edition_lists_no_changes(client, editions):
    page = text_of(client.get(edition_url("2026-07-01")))

    assert "This is the first edition of this register we stored: 10 rows." in page
    assert "Founding 0" not in page


def test_an_edition_page_as_json(client, editions):
    response = client.get(edition_url("2026-08-03", json=True))

    assert response.status_code == 200
    data = response.json()
    assert {k: data[k] for k in ("register", "edition", "previous", "first_stored", "counts")} == {
        "register": "work",
        "edition": "2026-08-03",
        "previous": "2026-07-01",
        "first_stored": False,
        "counts": {"added": 1, "readded": 0, "removed": 2, "renamed": 1, "reformatted": 1},
    }
    assert data["added"] == [
        {"kvk": "20000001", "name": "Bakker & Zonen B.V.", "url": "/company/20000001/"}
    ]
    assert data["renamed"] == [
        {
            "kvk": "53188772",
            "name": "CropX B.V.",
            "old_name": "Dacom Farm Intelligence B.V.",
            "url": "/company/53188772/",
        }
    ]
    assert data["source"] == (
        "IND public register of recognised sponsors (ind.nl), list of 3 August 2026"
    )


def test_the_overview_as_json(client, editions):
    data = client.get(reverse("registry:changes-json")).json()

    work = data["registers"][0]
    assert work["register"] == "work"
    assert [e["edition"] for e in work["editions"]] == ["2026-10-05", "2026-08-03", "2026-07-01"]
    assert work["editions"][2]["first_stored"] is True
    assert work["editions"][2]["added"] is None  # the first edition's "added" is not news
    assert work["editions"][1]["removed"] == 2
    # October: one new and one back, counted apart as on its own page (not "added": 2).
    assert (work["editions"][0]["added"], work["editions"][0]["readded"]) == (1, 1)


def test_the_home_page_links_the_latest_editions_news(client, editions):
    response = client.get(reverse("registry:search"))

    page = text_of(response)
    assert (
        "The edition of 5 October 2026: 1 added, 1 back on the register, 0 no longer listed" in page
    )
    assert f'href="{edition_url("2026-10-05")}"' in response.content.decode()


def test_the_home_page_says_nothing_new_after_the_first_edition(client):
    first = make_edition(date(2026, 7, 1))
    make_listing("Founding B.V.", edition=first)
    Edition.objects.filter(pk=first.pk).update(added=1)  # as a sync counts it: all new

    assert "in the edition of" not in text_of(client.get(reverse("registry:search")))


def test_two_editions_of_one_day_each_have_an_unambiguous_link(client, editions):
    again = make_edition(date(2026, 10, 5))
    make_listing("Late Change B.V.", "20000009", edition=again)
    counted(again)

    html = client.get(CHANGES).content.decode()
    first, second = editions[2].pk, again.pk
    assert f'href="{edition_url("2026-10-05")}?edition={first}"' in html
    assert f'href="{edition_url("2026-10-05")}?edition={second}"' in html
    # Without the number, the date means the later of the two.
    page = text_of(client.get(edition_url("2026-10-05")))
    assert "Late Change B.V." in page and "Newcomer B.V." not in page
    page = text_of(client.get(edition_url("2026-10-05") + f"?edition={first}"))
    assert "Newcomer B.V." in page and "Late Change B.V." not in page


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        (
            "/changes/work/2026-13-45/",
            400,
            "“2026-13-45” is not a date: write it as YYYY-MM-DD, e.g. 2026-10-03.",
        ),
        ("/changes/work/3-10-2026/", 400, "“3-10-2026” is not a date"),
        ("/changes/work/2026-02-30/", 400, "“2026-02-30” is not a date"),
        (
            "/changes/bogus/2026-08-03/",
            404,
            "There is no register “bogus”: try work, exchange, study, research.",
        ),
        (
            "/changes/work/2026-08-04/",
            404,
            "No edition of the Public register Work dated 4 August 2026 is stored.",
        ),
        ("/changes/work/2026-08-03/?edition=abc", 400, "“abc” is not an edition number."),
        ("/changes/work/2026-08-03/?edition=999999", 404, "No edition (number 999999)"),
    ],
)
def test_a_bad_address_is_explained_with_a_4xx(client, editions, url, status, message):
    response = client.get(url)

    assert response.status_code == status
    assert message in response.content.decode()


def test_a_missing_edition_lists_the_editions_there_are(client, editions):
    html = client.get("/changes/work/2026-08-04/").content.decode()

    for day in ("2026-07-01", "2026-08-03", "2026-10-05"):
        assert f'href="{edition_url(day)}"' in html


def test_a_bad_address_of_the_json_is_a_json_error(client, editions):
    response = client.get("/changes/work/someday.json")

    assert response.status_code == 400
    assert response.json()["errors"]["edition"][0]["code"] == "invalid"


def test_an_edition_of_another_register_has_its_own_page(client, editions):
    exchange = Register.objects.get(slug="exchange")
    first = make_edition(date(2026, 7, 1), register=exchange)
    second = make_edition(date(2026, 8, 3), register=exchange)
    make_listing("Au Pair Amsterdam", "20000010", edition=first, removed_in=second)
    counted(second)

    page = text_of(client.get(edition_url("2026-08-03", "exchange")))

    assert "Public register Exchange: the edition of 3 August 2026" in page
    assert "look the same. Au Pair Amsterdam 20000010 Renamed: 0" in page
    assert "Gone B.V." not in page  # the Work register's


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 40])
def test_an_edition_page_costs_four_queries_however_many_changes(
    client, django_assert_num_queries, rows
):
    july = make_edition(date(2026, 7, 1), current=False)
    august = make_edition(date(2026, 8, 3))
    for i in range(rows):
        make_listing(f"New {i} B.V.", edition=august)
        make_listing(f"Old {i} B.V.", edition=july, removed_in=august)

    # The header's register, this register, its editions, the events with their listings.
    with django_assert_num_queries(4):
        response = client.get(edition_url("2026-08-03"))
    assert response.status_code == 200
    with django_assert_num_queries(3):  # no header
        client.get(edition_url("2026-08-03", json=True))


@pytest.mark.parametrize("count", [2, 12])
def test_the_overview_costs_three_queries_however_many_editions(
    client, django_assert_num_queries, count
):
    for month in range(1, count + 1):
        make_edition(date(2025, month, 3))

    with django_assert_num_queries(3):  # header, the registers, every edition
        response = client.get(CHANGES)
    assert response.status_code == 200
