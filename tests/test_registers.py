"""The four registers: seeded with their URLs and gates, synced one by one, each on its own."""

from __future__ import annotations

import pytest

from registry.models import Register
from scraper.sync import DEFAULT_REGISTERS, get_register

pytestmark = pytest.mark.django_db

EXPECTED = {
    # slug: (URL ending, min_rows); register.md, section 1
    "work": ("public-register-work", 5000),
    "exchange": ("public-register-exchange", 10),
    "study": ("public-register-study", 10),
    "research": ("public-register-research", 50),
}


def test_the_migrations_seed_the_four_registers_with_their_urls_and_gates():
    registers = {r.slug: r for r in Register.objects.all()}

    assert set(registers) == set(EXPECTED)
    for slug, (ending, min_rows) in EXPECTED.items():
        register = registers[slug]
        assert register.url == f"https://ind.nl/en/public-register-recognised-sponsors/{ending}"
        assert (register.min_rows, register.max_change_percent) == (min_rows, 30)


def test_get_register_recreates_a_register_as_the_migration_seeded_it():
    seeded = {r.slug: (r.name, r.url, r.min_rows) for r in Register.objects.all()}
    Register.objects.all().delete()

    again = {slug: get_register(slug) for slug in DEFAULT_REGISTERS}

    assert {s: (r.name, r.url, r.min_rows) for s, r in again.items()} == seeded
