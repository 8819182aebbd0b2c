"""The four registers: seeded with their URLs and gates, synced one by one, each on its own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from config.celery import _schedule
from registry.models import Register
from scraper.sync import DEFAULT_REGISTERS, get_register
from tests.pages import numbered_rows, register_page

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


@pytest.fixture
def four_pages(no_network):
    """Each register's URL serves a small page; the gates are lowered to match."""
    for register in Register.objects.all():
        register.min_rows = 3
        register.save()
        rows = numbered_rows(4, prefix=register.slug.title())
        no_network.add("GET", register.url, body=register_page(rows), content_type="text/html")
    return no_network


def test_sync_register_all_syncs_the_four_registers_one_after_the_other(four_pages, capsys):
    call_command("sync_register", "--register", "all")

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["work", "exchange", "study", "research"]
    assert all("stored edition of 5 October 2026, 4 rows" in line for line in lines)
    assert [call.request.url for call in four_pages.calls] == [
        r.url for r in Register.objects.order_by("pk")
    ]
    for register in Register.objects.all():
        assert register.current_edition is not None
        assert register.listings.count() == 4


def test_sync_register_all_reports_each_failure_and_fails(four_pages, capsys):
    study = Register.objects.get(slug="study")
    four_pages.replace("GET", study.url, body="<html><p>No table here</p></html>")

    with pytest.raises(CommandError, match="study: refused: the page could not be read"):
        call_command("sync_register", "--register", "all")

    out = capsys.readouterr().out
    assert "research: stored edition" in out  # the ones after it ran all the same


def test_sync_register_all_takes_no_url():
    with pytest.raises(CommandError, match="--url names one page"):
        call_command("sync_register", "--register", "all", "--url", "page.html")


def test_the_beat_schedule_syncs_each_register_daily_a_minute_apart():
    sender = SimpleNamespace(conf=SimpleNamespace())
    _schedule(sender)  # type: ignore[arg-type]  # all it touches is .conf
    schedule = sender.conf.beat_schedule
    syncs = {name: entry for name, entry in schedule.items() if name.startswith("sync-")}

    assert sorted(syncs) == [
        "sync-exchange-register",
        "sync-research-register",
        "sync-study-register",
        "sync-work-register",
    ]
    for number, slug in enumerate(("work", "exchange", "study", "research")):
        entry = syncs[f"sync-{slug}-register"]
        assert entry["task"] == "scraper.tasks.sync_register_task"
        assert entry["kwargs"] == {"register": slug, "trigger": "schedule"}
        assert entry["options"] == {"expires": 6 * 60 * 60, "countdown": 60 * number}
