"""The stats and changes pages in a real browser: the charts render, nothing logs an error."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.urls import reverse

from registry.models import Edition
from scraper.sync import get_register
from tests.factories import make_edition, make_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,  # a broken install too, not only a missing one
).expect

STATS = reverse("registry:stats")


def make_history() -> None:
    """Five editions with sizes and counts, as syncs would have stored them."""
    figures = [
        (date(2024, 4, 4), 11026, 11016, 0, 0),
        (date(2024, 5, 8), 11146, 11144, 137, 9),
        (date(2024, 12, 3), 11668, 11662, 360, 75),
        (date(2025, 6, 4), 11946, 11940, 297, 279),
        (date(2026, 7, 1), 12885, 12880, 880, 209),
    ]
    with transaction.atomic():  # one commit for the live server to read
        for day, rows, kvks, added, removed in figures:
            edition = make_edition(day, row_count=rows)
            Edition.objects.filter(pk=edition.pk).update(
                kvk_count=kvks, added=added, removed=removed, unchanged=1
            )
        make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=edition)
        get_register("exchange")  # seeded by a migration, gone after the last test's flush


def test_the_stats_page_draws_its_charts_with_no_console_errors(page: Page, console_errors):
    make_history()

    page.goto(STATS)

    size = page.locator("svg.chart").nth(0)
    changes = page.locator("svg.chart").nth(1)
    expect(size).to_be_visible()
    expect(changes).to_be_visible()
    expect(size.locator("path.chart__line")).to_have_count(2)
    expect(size.locator("circle.chart__point")).to_have_count(10)
    expect(changes.locator("rect.chart__bar")).to_have_count(8)  # 4 editions after the first
    # Drawn with a real size: the browser laid the SVG out, not just parsed it.
    box = size.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    line = size.locator("path.chart__line--rows")
    assert line.evaluate("path => path.getTotalLength()") > 300
    # The same numbers are in a table beside the charts.
    expect(page.locator("table.editions tbody tr")).to_have_count(5)
    assert console_errors == []


def test_the_stats_page_is_the_same_without_javascript(new_page):
    make_history()
    page = new_page(java_script_enabled=False)

    page.goto(STATS)

    expect(page.locator("svg.chart")).to_have_count(2)
    page.select_option("#stats-register", "exchange")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No edition of this register is stored yet.")).to_be_visible()


def test_the_changes_pages_log_no_console_errors(page: Page, console_errors):
    make_history()

    page.goto(reverse("registry:changes"))
    page.get_by_role("link", name="1 July 2026").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Public register Work: the edition of 1 July 2026"
    )
    assert console_errors == []
