"""Registers with no edition yet (Exchange, Study, Research until synced) are not searched."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from registry.models import Register
from tests.factories import make_edition, make_listing

SEARCH = reverse("registry:search")

pytestmark = pytest.mark.django_db


def register(slug: str) -> Register:
    found, _ = Register.objects.get_or_create(
        slug=slug, defaults={"name": slug.title(), "url": f"https://ind.example/{slug}"}
    )
    return found


@pytest.fixture
def work_synced():
    make_listing("Voorbeeld Techniek B.V.", edition=make_edition(date(2026, 10, 3)))
    for slug in ("exchange", "study", "research"):
        register(slug)


def text_of(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_register_choices_mark_those_not_synced_yet(client, work_synced):
    text = text_of(client)

    assert '<option value="work" selected>Work (regular labour and highly skilled migrants)<' in (
        text
    )
    assert ">Exchange (au pair and exchange): not synced yet<" in text
    assert ">Study (educational institutions): not synced yet<" in text
    assert ">Research (Directive (EU) 2016/801): not synced yet<" in text


def test_a_register_not_synced_says_so_instead_of_an_empty_list(client, work_synced):
    text = text_of(client, register="exchange")

    assert "Not synced yet" in text
    assert "The Exchange (au pair and exchange) register has not been synced yet" in text
    assert "No companies match this search." not in text
    assert "Voorbeeld Techniek" not in text


def test_a_search_text_in_a_register_not_synced_gets_the_same_answer(client, work_synced):
    text = text_of(client, register="study", q="techniek")

    assert "has not been synced yet" in text
    assert "Not on the register" not in text


def test_once_synced_a_register_is_offered_and_searched_as_any(client, work_synced):
    make_listing(
        "Au Pair Bureau B.V.",
        edition=make_edition(date(2026, 10, 3), register=register("exchange")),
    )

    text = text_of(client, register="exchange")

    assert "has not been synced yet" not in text
    assert "Exchange (au pair and exchange): not synced yet" not in text
    assert "Au Pair Bureau B.V." in text
    assert '<option value="exchange" selected>Exchange (au pair and exchange)<' in text


def test_a_register_unknown_to_the_database_says_so_too(client, work_synced):
    Register.objects.filter(slug="research").delete()

    assert "has not been synced yet" in text_of(client, register="research")
