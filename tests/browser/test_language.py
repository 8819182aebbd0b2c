"""The language switch in a real browser (issue 18, "Dutch and English"): one click on
"Nederlands" gives the page in Dutch, the next page stays Dutch, and the way back works; with
JavaScript off too, since it is a plain link. On a phone and a desktop."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import transaction

from tests.factories import make_edition, make_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,
)

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def make_register() -> None:
    with transaction.atomic():  # one commit: the live server's database commits each insert
        october = make_edition(date(2026, 10, 3))
        make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=october)


def header_switch(page: Page):
    return page.locator(".site-header .language-switch")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("size", SIZES)
def test_the_switch_turns_the_site_dutch_and_it_stays_dutch(new_page, size, javascript):
    make_register()
    page = new_page(viewport=SIZES[size], locale="en-GB", java_script_enabled=javascript)
    expect = sync_api.expect

    page.goto("/?q=bakkerij")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(header_switch(page)).to_have_text("Nederlands")
    expect(header_switch(page)).to_have_attribute("hreflang", "nl")

    header_switch(page).click()

    page.wait_for_url("**/?q=bakkerij")  # back on the same search
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator(".site-header .brand__tagline")).to_have_text(
        "erkende referenten in Nederland, met geschiedenis"
    )
    expect(page.get_by_text("Bakkerij De Korenschoof B.V.").first).to_be_visible()
    expect(header_switch(page)).to_have_text("English")
    width, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"the Dutch page is {width} px wide in a {window} px window"

    # The next page: still Dutch, though the browser still asks for English.
    page.locator(".site-nav").get_by_role("link", name="Over", exact=True).click()
    page.wait_for_url("**/about/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Over deze site")

    # And back to English, from the footer this time.
    page.locator(".site-footer .language-switch").click()
    page.wait_for_url("**/about/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("About this site")


def test_a_dutch_browser_gets_dutch_without_choosing(new_page):
    make_register()
    page = new_page(locale="nl-NL")  # Chromium sends Accept-Language: nl-NL,nl

    page.goto("/about/")

    sync_api.expect(page.locator("html")).to_have_attribute("lang", "nl")
    sync_api.expect(header_switch(page)).to_have_text("English")


def test_after_a_live_search_the_switch_keeps_the_search(page):
    make_register()
    page.goto("/")

    page.locator("#id_q").fill("korenschoof")  # htmx asks for results and pushes the address
    page.wait_for_url("**/?q=korenschoof*")
    sync_api.expect(page.locator("#results")).to_contain_text("Bakkerij De Korenschoof B.V.")
    header_switch(page).click()

    page.wait_for_url("**/?q=korenschoof*")
    sync_api.expect(page.locator("html")).to_have_attribute("lang", "nl")
    sync_api.expect(page.locator("#id_q")).to_have_value("korenschoof")


def test_no_dutch_page_scrolls_sideways_on_a_phone(new_page):
    """Dutch words run longer than English ones (Lijst controleren, Eerste vermelding)."""
    from tests.browser.test_layout import SIZES as LAYOUT_SIZES
    from tests.browser.test_layout import make_register as make_full_register
    from tests.browser.test_layout import sideways

    pages = make_full_register()
    page = new_page(viewport=LAYOUT_SIZES["phone"], locale="nl-NL")
    too_wide = {}
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        sync_api.expect(page.locator("html")).to_have_attribute("lang", "nl")
        width, window = sideways(page)
        if width > window:
            too_wide[name] = f"{width} px wide in a {window} px window"
    assert not too_wide, "; ".join(f"{name}: {problem}" for name, problem in too_wide.items())
