"""As of a date: what the stored editions say was on the register then, and which edition."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from registry.models import Listing, ListingEvent, Register
from registry.timeline import company_as_of, listings_of_company, register_as_of
from tests.factories import make_edition, make_listing, rename_listing, work_register

SEARCH_JSON = reverse("registry:search-json")
pytestmark = pytest.mark.django_db


def readd(listing: Listing, edition) -> Listing:
    """What a sync writes when a removed listing is back in `edition`."""
    ListingEvent.objects.create(listing=listing, edition=edition, kind="readded")
    listing.removed_on = None
    listing.last_listed = edition.published_on
    listing.save(update_fields=["removed_on", "last_listed"])
    return listing


@pytest.fixture
def editions():
    """Four editions: July, August, October and December 2026 (the last one current)."""
    return (
        make_edition(date(2026, 7, 1), current=False),
        make_edition(date(2026, 8, 3), current=False),
        make_edition(date(2026, 10, 5), current=False),
        make_edition(date(2026, 12, 2)),
    )


@pytest.fixture
def history(editions):
    july, august, october, december = editions
    stays = make_listing("Stays B.V.", "10000001", edition=july)
    leaves = make_listing("Leaves B.V.", "10000002", edition=july, removed_in=october)
    returns = make_listing("Returns B.V.", "10000003", edition=july, removed_in=august)
    readd(returns, december)
    late = make_listing("Late B.V.", "10000004", edition=october)
    return {"stays": stays, "leaves": leaves, "returns": returns, "late": late}


@pytest.fixture
def search_as_of(client):
    def search(day: str, **params):
        response = client.get(SEARCH_JSON, {"as_of": day, "page_size": "100", **params})
        assert response.status_code == 200, response.content
        return response.json()

    return search


@pytest.fixture
def names_as_of(search_as_of):
    def names(day: str, **params) -> list[str]:
        return sorted(r["name"] for r in search_as_of(day, **params)["results"])

    return names


# --- The search ------------------------------------------------------------------------------


def test_before_the_first_edition_the_answer_is_unknown_not_empty(history, search_as_of):
    data = search_as_of("2026-06-30")

    assert data["count"] == 0
    assert data["as_of"] == {
        "date": "2026-06-30",
        "register": "work",
        "edition": None,
        "known": False,
        "listed": None,
        "note": (
            "Unknown: our history of this register starts with the edition of 1 July 2026, "
            "after 30 June 2026, so we cannot tell what was listed then."
        ),
    }


def test_between_editions_the_answer_rests_on_the_edition_before(
    history, search_as_of, names_as_of
):
    data = search_as_of("2026-09-15")

    assert data["as_of"]["edition"] == "2026-08-03"
    assert data["as_of"]["note"] == (
        "The listings of the edition of 3 August 2026, the latest published on or before "
        "15 September 2026."
    )
    assert names_as_of("2026-09-15") == ["Leaves B.V.", "Stays B.V."]


def test_on_the_day_of_an_edition_the_answer_is_that_edition(history, search_as_of, names_as_of):
    assert search_as_of("2026-10-05")["as_of"]["edition"] == "2026-10-05"
    assert names_as_of("2026-10-05") == ["Late B.V.", "Stays B.V."]


def test_after_a_removal_the_company_is_not_listed_and_it_is_again_once_re_added(
    history, names_as_of
):
    assert "Leaves B.V." in names_as_of("2026-10-04")
    assert "Leaves B.V." not in names_as_of("2026-10-05")
    assert "Returns B.V." not in names_as_of("2026-11-30")
    assert "Returns B.V." in names_as_of("2026-12-02")


def test_after_the_newest_edition_the_note_says_a_later_one_may_exist(
    history, search_as_of, names_as_of
):
    data = search_as_of("2027-03-01")

    assert data["as_of"]["edition"] == "2026-12-02"
    assert data["as_of"]["note"].endswith("(the newest we hold).")
    assert names_as_of("2027-03-01") == ["Late B.V.", "Returns B.V.", "Stays B.V."]


def test_as_of_shows_those_listed_then_whatever_they_are_now_unless_asked(history, names_as_of):
    # Leaves B.V. was listed in August; it is not now, and status defaults to "all".
    assert names_as_of("2026-08-03") == ["Leaves B.V.", "Stays B.V."]
    assert names_as_of("2026-08-03", status="listed") == ["Stays B.V."]
    assert names_as_of("2026-08-03", status="removed") == ["Leaves B.V."]


def test_as_of_combines_with_a_search(history, names_as_of):
    assert names_as_of("2026-08-03", q="leaves") == ["Leaves B.V."]
    assert names_as_of("2026-11-01", q="returns") == []


def test_a_search_as_of_a_date_states_its_answer_every_time(history, search_as_of):
    # Searches are cached (registry.cached.ranked), but not with as_of: the answer's
    # edition is worked out while filtering, and a repeat must state it too.
    first = search_as_of("2026-09-01", q="leaves")
    again = search_as_of("2026-09-01", q="leaves")

    assert again == first
    assert [r["name"] for r in again["results"]] == ["Leaves B.V."]
    assert again["as_of"]["edition"] == "2026-08-03"


def test_a_rename_does_not_take_a_company_off_the_register(editions, history, names_as_of):
    rename_listing(history["stays"], "Stays Renamed B.V.", edition=editions[2])

    assert "Stays Renamed B.V." in names_as_of("2026-10-05")


def test_two_editions_on_one_day_the_answer_rests_on_the_later_one(editions, names_as_of):
    first = make_edition(date(2027, 1, 5), current=False)
    second = make_edition(date(2027, 1, 5))
    make_listing("Early B.V.", "10000005", edition=editions[0], removed_in=second)
    make_listing("Kept B.V.", "10000006", edition=first)

    answer = register_as_of(work_register(), date(2027, 1, 5))

    assert answer.edition == second
    assert names_as_of("2027-01-05") == ["Kept B.V."]


@pytest.mark.parametrize("value", ["garbage", "2026-02-30", "03-10-2026", "2026-10-03T00:00"])
def test_a_bad_date_is_a_400_that_says_so(client, history, value):
    response = client.get(SEARCH_JSON, {"as_of": value})

    assert response.status_code == 400
    assert response.json() == {
        "errors": {"as_of": [{"message": "Enter a valid date.", "code": "invalid"}]}
    }


def test_the_search_page_states_what_the_answer_rests_on(client, history):
    response = client.get(reverse("registry:search"), {"as_of": "2026-09-15"})

    assert response.status_code == 200
    assert "The listings of the edition of 3 August 2026" in response.content.decode()


def test_as_of_costs_two_queries_more_however_many_rows(
    client, editions, django_assert_num_queries
):
    for i in range(30):
        make_listing(f"Company {i} B.V.", edition=editions[0])
    client.get(SEARCH_JSON)  # builds the register's index
    # The register (freshness), its editions (the answer), the ids of the listings listed
    # then (they give the counts, the total and, with the index, the page).
    with django_assert_num_queries(3):
        response = client.get(SEARCH_JSON, {"as_of": "2026-09-01", "page_size": "100"})
    assert response.json()["count"] == 30


# --- One company ------------------------------------------------------------------------------


def test_company_as_of_before_the_first_edition_is_unknown(history):
    answer = company_as_of(history["stays"], date(2026, 1, 1))

    assert (answer.listed, answer.edition, answer.known) == (None, None, False)
    assert answer.note.startswith("Unknown: our history of this register starts with the")


def test_company_as_of_between_editions_says_listed_and_the_name_published(editions, history):
    # As a sync would: the name runs to August, then the October edition renames it.
    history["stays"].names.update(last_edition=editions[1])
    rename_listing(history["stays"], "Stays Renamed B.V.", edition=editions[2])

    answer = company_as_of(history["stays"], date(2026, 9, 1))

    assert answer.listed is True
    assert answer.edition == editions[1]
    assert answer.names == ("Stays B.V.",)
    assert answer.note == (
        "Listed in the edition of 3 August 2026, the latest published on or before "
        "1 September 2026."
    )
    assert company_as_of(history["stays"], date(2026, 10, 5)).names == ("Stays Renamed B.V.",)


def test_company_as_of_after_a_removal_and_after_a_re_addition(history):
    returns = history["returns"]

    assert company_as_of(returns, date(2026, 7, 31)).listed is True
    gone = company_as_of(returns, date(2026, 8, 3))
    assert gone.listed is False
    assert gone.note.startswith("Not listed in the edition of 3 August 2026")
    assert gone.names == ()
    assert company_as_of(returns, date(2026, 12, 2)).listed is True


def test_company_as_of_with_its_history_prefetched_costs_one_query(
    history, django_assert_num_queries
):
    listing = (
        Listing.objects.with_history().select_related("register").get(pk=history["returns"].pk)
    )

    with django_assert_num_queries(1):  # the register's editions
        company_as_of(listing, date(2026, 9, 1))


def test_a_company_on_two_registers_has_a_listing_and_answer_for_each(
    editions, history, django_assert_num_queries
):
    research = Register.objects.get(slug="research")
    edition = make_edition(date(2026, 8, 3), register=research)
    stays = history["stays"]
    on_research = Listing.objects.create(
        company=stays.company,
        register=research,
        name="Stays B.V.",
        sort_name="stays b.v.",
        first_listed=edition.published_on,
        last_listed=edition.published_on,
    )
    ListingEvent.objects.create(listing=on_research, edition=edition, kind="added")

    with django_assert_num_queries(3):  # listings with company and register, names, events
        listings = listings_of_company(stays.company.key)

    assert [listing.register.slug for listing in listings] == ["work", "research"]
    answers = [company_as_of(listing, date(2026, 7, 15)) for listing in listings]
    assert [(a.register, a.listed) for a in answers] == [("work", True), ("research", None)]
    assert answers[1].note.startswith("Unknown: our history of this register starts with")
