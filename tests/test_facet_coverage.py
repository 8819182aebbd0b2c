"""Filters from enrichment before it has run: how much is known, and whether it is running."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import Register
from tests.factories import enrich, make_edition, make_listing

SEARCH = reverse("registry:search")

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_deploy(settings):
    """Three employers listed and none enriched; the open data's pace, one a minute."""
    settings.KVK_API_KEY = ""
    settings.KVK_OPENDATA_RATE_PER_MINUTE = 1
    edition = make_edition(date(2026, 10, 3))
    return [make_listing(f"Voorbeeld {n} B.V.", edition=edition) for n in (1, 2, 3)]


def enrichment_wrote(minutes_ago: int | None) -> None:
    changed = None if minutes_ago is None else timezone.now() - timedelta(minutes=minutes_ago)
    Register.objects.update(enrichment_changed_at=changed)


def page(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return str(response.content.decode())


def test_before_enrichment_the_filters_say_nothing_is_known_and_offer_no_choices(
    client, fresh_deploy
):
    enrichment_wrote(None)

    text = page(client)

    assert "Sector known for 0 of 3 employers." in text
    assert "City known for 0 of 3 employers." in text
    assert "Province known for 0 of 3 employers." in text
    assert text.count("Enrichment from the KvK is not running now.") == 4  # legal form too
    assert "?city=" not in text and "?sector=" not in text and "?province=" not in text
    assert "Not known yet" not in text  # no choice that is every employer


def test_while_enrichment_runs_the_filters_say_so_with_its_pace(client, fresh_deploy):
    enrichment_wrote(5)

    text = page(client)

    assert "City known for 0 of 3 employers." in text
    assert "Enrichment from the KvK is running, about 1 a minute." in text
    assert "not running" not in text


def test_with_a_kvk_api_key_the_pace_is_the_apis(client, fresh_deploy, settings):
    settings.KVK_API_KEY = "test-key"
    settings.KVK_API_RATE_PER_MINUTE = 300
    enrichment_wrote(1)

    assert "Enrichment from the KvK is running, about 300 a minute." in page(client)


def test_enrichment_silent_for_two_scheduled_slots_is_not_running(client, fresh_deploy):
    enrichment_wrote(25)

    assert "Enrichment from the KvK is not running now." in page(client)


def test_partly_known_filters_offer_the_known_values_and_say_how_many(client, fresh_deploy):
    enrich(fresh_deploy[0], sbi="62100", city="Amsterdam", province="Noord-Holland")

    text = page(client)

    assert "City known for 1 of 3 employers." in text
    assert "Enrichment from the KvK is running, about 1 a minute." in text
    assert "?city=Amsterdam" in text
    assert "?city=unknown" in text  # "Not known yet" is a real choice now


def test_a_filter_known_for_every_employer_says_nothing_more(client, fresh_deploy):
    for listing in fresh_deploy:
        enrich(listing, sbi="62100", city="Amsterdam", province="Noord-Holland")

    text = page(client)

    assert "City known for" not in text
    assert "Sector known for" not in text
    assert "Legal form known for 0 of 3 employers." in text  # the factory gives none


def test_a_chosen_city_stays_shown_when_nothing_is_known(client, fresh_deploy):
    enrichment_wrote(None)

    text = page(client, city="Amsterdam")

    assert "City known for 0 of 3 employers." in text  # counted without its own filter
    assert '<strong aria-current="true">Amsterdam</strong>' in text
    assert "Remove “Amsterdam”" in text


def test_the_page_is_not_served_from_cache_once_enrichment_stops(client, fresh_deploy):
    enrichment_wrote(5)
    etag = client.get(SEARCH)["ETag"]
    assert client.get(SEARCH, headers={"If-None-Match": etag}).status_code == 304

    enrichment_wrote(25)  # nothing written since: the version is the same, the sentence is not

    response = client.get(SEARCH, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Enrichment from the KvK is not running now." in response.content.decode()
