"""scraper.inserts: COPY on PostgreSQL, bulk_create elsewhere, the same rows either way."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from registry.models import Company, Listing, ListingEvent
from scraper.inserts import insert_rows
from tests.factories import make_edition

pytestmark = pytest.mark.django_db


def test_a_column_not_given_gets_its_model_default():
    [pk] = insert_rows(Company, columns=("key", "kvk_number", "name"), rows=[("k1", "", "Één")])

    stored = Company.objects.get(pk=pk)
    expected = Company(key="k1", kvk_number="", name="Één")
    for field in Company._meta.concrete_fields:
        if not field.primary_key:
            assert field.value_from_object(stored) == field.value_from_object(expected), field.name
    assert stored.activities == []  # a JSONField default, written as JSON
    assert stored.enrich_status == Company.EnrichStatus.PENDING
    assert (stored.enrich_priority, stored.enrich_after) == (Company.EnrichPriority.FIRST, None)


def test_the_ids_returned_are_the_rows_in_their_order_and_nothing_is_read_back(
    django_assert_num_queries,
):
    rows = [(f"k{i}", f"{10_000_000 + i:08d}", f"Naam {i}") for i in range(5)]

    # PostgreSQL draws the ids, then copies the rows; SQLite inserts them, returning the ids.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        ids = insert_rows(Company, columns=("key", "kvk_number", "name"), rows=rows)

    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [Company.objects.get(pk=pk).key for pk in ids] == [key for key, _, _ in rows]
    later = Company.objects.create(key="later", name="Later")  # the sequence has moved on
    assert later.pk > max(ids)


def test_foreign_keys_by_attname_and_a_default_of_false():
    edition = make_edition(date(2026, 10, 5))
    [company] = insert_rows(Company, columns=("key", "name"), rows=[("k", "K")])
    [listing] = insert_rows(
        Listing,
        columns=("company_id", "register_id", "name", "sort_name", "first_listed", "last_listed"),
        rows=[(company, edition.register_id, "K", "k", edition.published_on, edition.published_on)],
    )
    insert_rows(
        ListingEvent,
        columns=("listing_id", "edition_id", "kind"),
        rows=[(listing, edition.pk, "added")],
    )

    event = ListingEvent.objects.get()
    assert (event.listing.company_id, event.edition, event.kind) == (company, edition, "added")
    assert (event.old_name, event.new_name, event.format_only) == ("", "", False)
    assert Listing.objects.get().removed_on is None


def test_no_rows_ask_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(Company, columns=("key", "name"), rows=[]) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_on_postgresql_the_rows_come_by_copy(django_assert_num_queries):
    with django_assert_num_queries(2) as captured:
        insert_rows(Company, columns=("key", "name"), rows=[("a", "A"), ("b", "B")])

    draw, copy = (query["sql"] for query in captured.captured_queries)
    assert "nextval" in draw
    assert copy.startswith('COPY "registry_company" ("id", "key", "name", ')
