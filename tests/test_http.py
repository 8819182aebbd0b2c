"""HTTP caching of the public answers (registry.http): an ETag and Last-Modified from the
register served, 304 for a conditional GET, Cache-Control public on a success only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import Register
from tests.factories import make_edition, make_listing

pytestmark = pytest.mark.django_db

URLS = [
    reverse("registry:search"),
    reverse("registry:search-json"),
    reverse("registry:search-csv"),
    reverse("registry:company", kwargs={"key": "12345678"}),
    reverse("registry:company-json", kwargs={"key": "12345678"}),
    reverse("registry:about"),
]


@pytest.fixture
def edition():
    edition = make_edition(date(2026, 10, 3))
    make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=edition)
    Register.objects.filter(slug="work").update(
        last_checked_at=datetime(2026, 10, 4, 4, 30, tzinfo=UTC)
    )
    return edition


@pytest.mark.parametrize("url", URLS)
def test_a_public_answer_can_be_cached_and_revalidated(client, edition, settings, url):
    settings.HTTP_MAX_AGE = 60
    response = client.get(url)

    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert response["Last-Modified"] == "Sun, 04 Oct 2026 04:30:00 GMT"
    again = client.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert not again.content


def test_a_new_edition_an_enrichment_write_or_a_release_is_a_new_etag(client, edition, settings):
    url = reverse("registry:search-json")
    first = client.get(url)["ETag"]

    Register.objects.enrichment_changed(now=timezone.now())
    second = client.get(url)["ETag"]
    make_edition(date(2026, 11, 2))
    third = client.get(url)["ETag"]
    settings.RELEASE = "next"
    fourth = client.get(url)["ETag"]

    assert len({first, second, third, fourth}) == 4
    stale = client.get(url, headers={"If-None-Match": first})
    assert stale.status_code == 200


def test_the_htmx_fragment_has_its_own_etag(client, edition):
    url = reverse("registry:search")
    page = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert page["ETag"] != fragment["ETag"]
    assert "HX-Request" in fragment["Vary"]


def test_an_error_is_not_cached(client, edition):
    bad = client.get(reverse("registry:search-json"), {"sort": "bogus"})
    missing = client.get(reverse("registry:company", kwargs={"key": "87654321"}))

    assert bad.status_code == 400 and "no-cache" in bad["Cache-Control"]
    assert missing.status_code == 404 and "no-cache" in missing["Cache-Control"]
    assert "public" not in bad["Cache-Control"]


def test_a_conditional_get_is_answered_without_building_the_page(
    client, edition, django_assert_num_queries
):
    url = reverse("registry:search")
    etag = client.get(url, {"q": "korenschoof"})["ETag"]

    with django_assert_num_queries(1):  # the register: its edition and versions make the ETag
        response = client.get(url, {"q": "korenschoof"}, headers={"If-None-Match": etag})
    assert response.status_code == 304
