"""Numbers that agree: the home page and the changes pages state an edition's entries (new,
back on the register, no longer listed) with one function and one wording, from the counts the
sync stores; a flagged edition is explained to the public."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from registry.models import Edition, Listing
from registry.timeline import EditionEntries, entries_of
from tests.pages import numbered_rows
from tests.test_changes import edition_url
from tests.test_sync import sync
from tests.test_views import text_of

pytestmark = pytest.mark.django_db

ROWS = numbered_rows(40)
STORY = "3 added, 2 back on the register, 4 no longer listed"


@pytest.fixture
def synced(register, serve, settings):
    """Three synced editions: in October two employers are back after a gap in September,
    three are new and four leave."""
    settings.REMOVAL_HOLD_PERCENT = 50
    serve(ROWS, updated=date(2026, 8, 3))
    sync()
    serve(ROWS[2:], updated=date(2026, 9, 3))  # the first two leave for one edition
    sync()
    october = ROWS[:-4] + [(f"Nieuw {i} B.V.", f"3000000{i}") for i in range(3)]
    serve(october, updated=date(2026, 10, 5))
    sync()
    return Edition.objects.latest()


def test_the_sync_stores_how_many_entries_are_back_on_the_register(synced):
    assert (synced.added, synced.readded, synced.removed) == (5, 2, 4)
    assert entries_of(synced) == EditionEntries(added=3, back=2, removed=4)


def test_the_home_page_and_the_changes_pages_tell_the_same_story(client, synced):
    home = text_of(client.get(reverse("registry:search")))
    overview = text_of(client.get(reverse("registry:changes")))
    edition = client.get(edition_url("2026-10-05"))
    page = text_of(edition)

    assert f"The edition of 5 October 2026: {STORY}" in home
    assert f"5 October 2026, 39 rows. {STORY}, 0 renamed." in overview
    assert f"Compared with the edition of 3 September 2026: {STORY}, 0 renamed" in page
    assert "5 October 2026 39 +3 +2 −4 0 0" in overview  # the table row
    # The page's lists hold as many employers as the figures say.
    assert "Added (3) Back on the register (2) No longer listed (4)" in page
    lists = client.get(edition_url("2026-10-05", json=True)).json()
    assert [len(lists[kind]) for kind in ("added", "readded", "removed")] == [3, 2, 4]


def test_without_returning_employers_the_wording_leaves_them_out():
    assert EditionEntries(added=1234, back=0, removed=5).text == "1,234 added, 5 no longer listed"


def test_the_migration_counts_the_returning_employers_of_stored_editions(synced):
    Edition.objects.update(readded=0)
    migration = importlib.import_module("registry.migrations.0014_edition_readded")

    migration.count_readded(apps, None)

    assert list(Edition.objects.order_by("published_on").values_list("readded", flat=True)) == [
        0,
        0,
        2,
    ]


FLAG = "110 companies left the register in one edition (usually 5 to 40)"


def test_a_flagged_edition_is_explained_on_the_changes_pages(client, synced):
    Edition.objects.filter(pk=synced.pk).update(flagged=FLAG)
    explained = "“Flagged for review” means that far more employers left the register"
    back_next = "an employer missing from one edition and back in the next"

    overview = text_of(client.get(reverse("registry:changes")))
    page = text_of(client.get(edition_url("2026-10-05")))

    for text in (overview, page):
        assert explained in text and back_next in text
    assert f"Flagged for review: {FLAG}." in page


def test_an_unflagged_register_has_no_explanation(client, synced):
    assert "means that far more" not in text_of(client.get(reverse("registry:changes")))
    assert Listing.objects.filter(removed_on__isnull=True).count() == 39
