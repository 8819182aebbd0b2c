"""The history pages on the 13 real editions of the Work register, against register.md.

Reads ../shared/data/register (never copied into the repository); skipped where it is absent.
The changes pages count employers by listing, and a few rows have no KvK number (their
listings are keyed by name), so the comparison with register.md's table, which counts KvK
numbers, is made on the rows that carry one.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from registry.models import Edition, Listing
from registry.timeline import EditionEntries

# The shared import fixture (tests/shared_data.py), which test_shared_editions.py uses too.
shared_data = pytest.importorskip("tests.shared_data", reason="tests/shared_data.py is absent")
pytestmark = shared_data.SHARED_MARKS

# register.md, section 9, for consecutive stored editions: (KvKs after, added, removed, real
# renames or None where the copy's names are unusable). The last row of the table spans the
# early-2026 copy, which lacks about 100 rows, so its edition pages cannot match it.
TABLE = {
    (date(2024, 4, 4), date(2024, 5, 8)): (11144, 137, 9, 12),
    (date(2024, 5, 8), date(2024, 7, 9)): (11292, 186, 38, 15),
    (date(2024, 7, 9), date(2024, 8, 2)): (11377, 115, 30, 23),
    (date(2024, 8, 2), date(2024, 12, 3)): (11662, 360, 75, 45),
    (date(2024, 12, 3), date(2025, 1, 8)): (11748, 95, 9, 11),
    (date(2025, 1, 8), date(2025, 2, 3)): (11830, 87, 5, 14),
    (date(2025, 2, 3), date(2025, 3, 4)): (11922, 108, 16, 17),
    (date(2025, 3, 4), date(2025, 6, 4)): (11940, 297, 279, 28),
    (date(2025, 6, 4), date(2025, 7, 4)): (12044, 109, 5, None),
    (date(2025, 7, 4), date(2025, 10, 18)): (12209, 187, 22, None),
}
# register.md, section 10: rows per edition, where the copy has the exact figure.
ROWS = {
    date(2024, 4, 4): 11026,
    date(2024, 5, 8): 11146,
    date(2024, 8, 2): 11383,
    date(2024, 12, 3): 11668,
    date(2025, 3, 4): 11928,
    date(2025, 6, 4): 11946,
    date(2025, 7, 4): 12050,
    date(2026, 7, 1): 12885,
}


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with shared_data.imported_history(django_db_blocker):
        yield


def with_kvk(rows: list[dict[str, object]]) -> int:
    return sum(1 for row in rows if row["kvk"])


@pytest.mark.django_db
@pytest.mark.parametrize(("span", "expected"), TABLE.items(), ids=[str(b) for _, b in TABLE])
def test_each_changes_page_counts_what_register_md_counts(client, history, span, expected):
    before, after = span
    kvks, added, removed, renamed = expected
    url = reverse(
        "registry:changes-edition-json", kwargs={"register": "work", "day": after.isoformat()}
    )

    data = client.get(url).json()

    assert data["previous"] == before.isoformat()
    assert data["kvks"] == kvks
    assert with_kvk(data["added"]) + with_kvk(data["readded"]) == added
    assert with_kvk(data["removed"]) == removed
    if renamed is not None:
        assert len(data["renamed"]) == renamed
    page = client.get(url.removesuffix(".json") + "/")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    # The stored figures the page states are those of the lists (numbers that agree).
    counts = data["counts"]
    entries = EditionEntries(
        added=counts["added"], back=counts["readded"], removed=counts["removed"]
    )
    assert entries.text in text


@pytest.mark.django_db
def test_the_first_edition_is_a_baseline_not_a_change(client, history):
    data = client.get("/changes/work/2024-04-04.json").json()

    assert data["first_stored"] is True
    assert data["counts"] is None and data["added"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("span", "expected"), TABLE.items(), ids=[str(b) for _, b in TABLE])
def test_as_of_an_edition_date_gives_that_editions_kvk_numbers(history, span, expected):
    edition = Edition.objects.get(published_on=span[1])

    listed = Listing.objects.listed_in(edition).exclude(company__kvk_number="")

    assert listed.count() == expected[0]


@pytest.mark.django_db
def test_as_of_between_editions_rests_on_the_one_before(client, history):
    data = client.get(reverse("registry:search-json"), {"as_of": "2025-05-01"}).json()

    assert data["as_of"]["edition"] == "2025-03-04"
    # Its KvK numbers, and the 4 rows without one (register.md, section 6).
    assert data["count"] == Edition.objects.get(published_on=date(2025, 3, 4)).kvk_count + 4


@pytest.mark.django_db
def test_the_stats_follow_the_size_of_the_register(client, history):
    editions = client.get(reverse("registry:stats-json")).json()["editions"]

    rows = {date.fromisoformat(e["edition"]): e["rows"] for e in editions}
    assert {day: rows[day] for day in ROWS} == ROWS
    assert len(editions) == 13
    svg = client.get(reverse("registry:stats")).content.decode()
    assert svg.count("<circle") == 2 * 13
