"""The /about/ page: the facts it explains, the figures of registry.about, the data's freshness
from the database, the operator's contact when set, and a link to it from every page."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from config.settings import env_contact
from registry.about import SALARY_THRESHOLDS, THRESHOLDS_SOURCE, contact_href
from registry.models import Register
from tests.factories import make_edition
from tests.test_views import text_of

pytestmark = pytest.mark.django_db

ABOUT = reverse("registry:about")


def test_the_about_page_explains_the_register_to_a_migrant(client):
    text = text_of(client.get(ABOUT))
    assert "A recognised sponsor (in Dutch: erkend referent)" in text
    assert "highly skilled migrant (in Dutch: kennismigrant)" in text
    assert "you have three months to find a new employer on the register" in text
    assert "only the name and the KvK number" in text
    assert "Sector and city come from the KvK" in text
    assert "Removals come with no reason" in text
    assert "A listing is not a job offer" in text


def test_the_thresholds_are_shown_from_one_place_with_their_source_and_date(client):
    response = client.get(ABOUT)
    text = text_of(response)
    assert [t.euros_a_month for t in SALARY_THRESHOLDS] == [5942, 4357, 3122]
    for threshold in SALARY_THRESHOLDS:
        assert f"{threshold.applies_to} €{threshold.euros_a_month:,}" in text
    assert "valid from 1 January 2026" in text
    assert "checks them each January" in text
    assert f'href="{THRESHOLDS_SOURCE}"' in response.content.decode()


def test_the_page_says_how_fresh_the_data_is(client):
    make_edition(date(2026, 10, 3))
    Register.objects.filter(slug="work").update(
        last_checked_at=datetime(2026, 10, 4, 4, 30, tzinfo=UTC)
    )
    text = text_of(client.get(ABOUT))
    assert "The current edition of the IND register is that of 3 October 2026." in text
    assert "We last checked the IND website on 4 October 2026, 06:30." in text  # Amsterdam


def test_without_an_edition_the_page_says_none_is_loaded(client):
    assert "No edition of the IND register is loaded yet." in text_of(client.get(ABOUT))


def test_the_operator_is_shown_only_when_set(client, settings):
    settings.OPERATOR_CONTACT = ""
    assert "write to the operator" not in text_of(client.get(ABOUT))

    settings.OPERATOR_CONTACT = "erkend@example.org"
    response = client.get(ABOUT)
    assert "write to the operator of this site at erkend@example.org." in text_of(response)
    assert 'href="mailto:erkend@example.org"' in response.content.decode()


def test_a_contact_is_an_address_or_a_url():
    assert contact_href("https://example.org/contact") == "https://example.org/contact"
    assert contact_href("me@example.org") == "mailto:me@example.org"
    assert contact_href("") == ""


@pytest.mark.parametrize("value", ["not a contact", "javascript:alert(1)", "me@localhost"])
def test_a_bad_operator_contact_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("OPERATOR_CONTACT", value)
    with pytest.raises(ImproperlyConfigured, match="OPERATOR_CONTACT"):
        env_contact("OPERATOR_CONTACT")


def test_the_page_links_to_the_api_docs(client):
    assert 'href="/api/docs/"' in client.get(ABOUT).content.decode()


@pytest.mark.parametrize(
    "url", [reverse("registry:search"), reverse("registry:changes"), reverse("registry:check")]
)
def test_every_page_links_to_the_about_page(client, url):
    assert f'href="{ABOUT}"' in client.get(url).content.decode()


def test_the_about_page_costs_one_query(client, django_assert_num_queries):
    make_edition(date(2026, 10, 3))
    with django_assert_num_queries(1):  # the register with its edition, for the ETag and header
        response = client.get(ABOUT)
    assert response.status_code == 200
