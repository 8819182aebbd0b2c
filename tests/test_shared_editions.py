"""Import the 13 real editions of the Work register and check the history against register.md.

Reads ../shared/data/register (never copied into the repository); skipped where it is absent.
"""

from __future__ import annotations

from datetime import date

import pytest

from registry.models import Edition, Listing, ListingEvent
from scraper.shared_editions import SHARED_COPIES
from tests.shared_data import SHARED_MARKS, imported_history

pytestmark = SHARED_MARKS

# register.md, section 9: changes by KvK number between the copies.
# (from, to): (KvKs before, after, added, removed, real renames or None where names are unusable)
TABLE = {
    (date(2024, 4, 4), date(2024, 5, 8)): (11016, 11144, 137, 9, 12),
    (date(2024, 5, 8), date(2024, 7, 9)): (11144, 11292, 186, 38, 15),
    (date(2024, 7, 9), date(2024, 8, 2)): (11292, 11377, 115, 30, 23),
    (date(2024, 8, 2), date(2024, 12, 3)): (11377, 11662, 360, 75, 45),
    (date(2024, 12, 3), date(2025, 1, 8)): (11662, 11748, 95, 9, 11),
    (date(2025, 1, 8), date(2025, 2, 3)): (11748, 11830, 87, 5, 14),
    (date(2025, 2, 3), date(2025, 3, 4)): (11830, 11922, 108, 16, 17),
    (date(2025, 3, 4), date(2025, 6, 4)): (11922, 11940, 297, 279, 28),
    (date(2025, 6, 4), date(2025, 7, 4)): (11940, 12044, 109, 5, None),
    (date(2025, 7, 4), date(2025, 10, 18)): (12044, 12209, 187, 22, None),
    # Spans the early-2026 copy, which lacks about 100 rows: compared as of both dates.
    (date(2025, 10, 18), date(2026, 7, 1)): (12209, 12880, 880, 209, None),
}


def kvks_as_of(day: date) -> set[str]:
    """KvK numbers listed in the edition of `day`, rebuilt from the stored events alone."""
    state: dict[int, bool] = {}
    events = (
        ListingEvent.objects.filter(edition__published_on__lte=day)
        .exclude(kind="renamed")
        .order_by("edition__published_on", "pk")
        .values_list("listing_id", "kind")
    )
    for listing_id, kind in events:
        state[listing_id] = kind != "removed"
    listed = {pk for pk, on in state.items() if on}
    return set(
        Listing.objects.filter(pk__in=listed)
        .exclude(company__kvk_number="")
        .values_list("company__kvk_number", flat=True)
    )


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with imported_history(django_db_blocker):
        yield


@pytest.mark.django_db
def test_every_copy_imports_oldest_first_through_the_gates(history):
    editions = list(Edition.objects.order_by("published_on").values_list("published_on", flat=True))
    assert editions == [copy.published_on for copy in SHARED_COPIES]


@pytest.mark.django_db
@pytest.mark.parametrize(("span", "expected"), TABLE.items(), ids=[f"{a}..{b}" for a, b in TABLE])
def test_added_and_removed_match_the_table_in_register_md(history, span, expected):
    before_day, after_day = span
    before, after = kvks_as_of(before_day), kvks_as_of(after_day)

    assert (len(before), len(after)) == expected[:2]
    assert (len(after - before), len(before - after)) == expected[2:4]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "expected"),
    [(to, v) for (_, to), v in TABLE.items() if v[4] is not None],
    ids=[str(to) for (_, to), v in TABLE.items() if v[4] is not None],
)
def test_real_renames_of_consecutive_editions_match_the_table(history, day, expected):
    edition = Edition.objects.get(published_on=day)
    assert edition.renamed == expected[4]
