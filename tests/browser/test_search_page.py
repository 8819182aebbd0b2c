"""The search and company pages in a real browser: as-you-type, paging, no JavaScript, no errors."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import make_edition, make_listing, rename_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,  # a broken install too, not only a missing one
).expect

SEARCH = reverse("registry:search")


def company_url(key: str) -> str:
    return reverse("registry:company", kwargs={"key": key})


def result_names(page: Page):
    return page.locator("#results tbody th[scope=row] > a")


def has_param(name: str, value: str) -> re.Pattern[str]:
    """A URL whose query string holds name=value."""
    return re.compile(rf"[?&]{re.escape(name)}={re.escape(value)}(&|$)")


def make_editions():
    """Three editions, the last one current: July, August and October 2026."""
    return (
        make_edition(date(2026, 7, 1), current=False),
        make_edition(date(2026, 8, 3), current=False),
        make_edition(date(2026, 10, 3)),
    )


def test_typing_in_the_search_box_updates_the_results_without_a_page_load(page):
    *_, october = make_editions()
    make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=october)
    make_listing("Adyen N.V.", "34259528", edition=october)
    page.goto(SEARCH)
    expect(result_names(page)).to_have_text(["Adyen N.V.", "Bakkerij De Korenschoof B.V."])
    # A full page load would start a new window object and lose this.
    page.evaluate("window.__marker = 'same page'")

    page.locator("#id_q").press_sequentially("korenschoof", delay=20)

    expect(result_names(page)).to_have_text(["Bakkerij De Korenschoof B.V."])
    expect(page).to_have_url(has_param("q", "korenschoof"))  # hx-push-url
    assert page.evaluate("window.__marker") == "same page"


def test_filters_survive_paging_and_a_result_opens_the_company_history(page):
    # One commit, not some 300: the live server's transactional database commits each insert.
    with transaction.atomic():
        july, august, october = make_editions()
        make_listing("Still Listed B.V.", edition=october)
        for i in range(55):
            make_listing(f"Vertrokken {i:02d} B.V.", edition=july, removed_in=august)
        listing = make_listing(
            "Zuiderzee Transport B.V.", "87654321", edition=july, removed_in=october
        )
        rename_listing(listing, "Zuiderzee Logistiek B.V.", edition=august)
    page.goto(SEARCH)

    page.select_option("#id_status", "removed")  # htmx searches on change
    expect(page.locator("#results .summary")).to_contain_text("56 companies · page 1 of 2")
    page.locator("#results .pagination").get_by_role("link", name="Next").click()

    expect(page.locator("#results .summary")).to_contain_text("page 2 of 2")
    expect(page).to_have_url(has_param("status", "removed"))
    expect(page).to_have_url(has_param("page", "2"))
    expect(page.locator("#id_status")).to_have_value("removed")
    # The pushed URL is a real address: loaded afresh, it shows the same filtered page.
    page.reload()
    expect(page.locator("#id_status")).to_have_value("removed")
    page_two = [*(f"Vertrokken {i} B.V." for i in range(50, 55)), "Zuiderzee Logistiek B.V."]
    expect(result_names(page)).to_have_text(page_two)

    result_names(page).get_by_text("Zuiderzee Logistiek B.V.").click()

    expect(page).to_have_url(re.compile(re.escape(company_url("87654321")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zuiderzee Logistiek B.V.")
    expect(page.locator("table.names tbody th")).to_contain_text(
        ["Zuiderzee Transport B.V.", "Zuiderzee Logistiek B.V."]
    )
    expect(page.locator(".facts")).to_contain_text(
        "No longer listed since the edition of 3 October 2026"
    )
    expect(page.locator(".freshness__line")).to_contain_text("IND register of 3 October 2026")


def test_the_search_page_works_with_javascript_disabled(new_page):
    *_, october = make_editions()
    make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=october)
    make_listing("Adyen N.V.", "34259528", edition=october)
    page = new_page(java_script_enabled=False)
    page.goto(SEARCH)

    page.fill("#id_q", "korenschoof")
    page.locator("#search-form").get_by_role("button", name="Search").click()

    expect(page).to_have_url(has_param("q", "korenschoof"))
    expect(result_names(page)).to_have_text(["Bakkerij De Korenschoof B.V."])


def test_the_search_and_company_pages_log_no_console_errors(page, console_errors):
    *_, october = make_editions()
    make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=october)
    make_listing("Adyen N.V.", "34259528", edition=october)

    page.goto(SEARCH)
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load from /static/"
    page.locator("#id_q").press_sequentially("adyen", delay=20)
    expect(result_names(page)).to_have_text(["Adyen N.V."])  # an htmx swap, without errors
    page.wait_for_load_state("networkidle")  # until every request has answered
    assert console_errors == [], "on the search page"

    result_names(page).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Adyen N.V.")
    page.wait_for_load_state("networkidle")
    assert console_errors == [], "on the company page"
