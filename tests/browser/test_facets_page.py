"""Sector and place links in a real browser: htmx swaps results and counts, typing keeps them."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import enrich, make_edition, make_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,
).expect

SEARCH = reverse("registry:search")
SECTOR_K = "K · Telecom, IT and information services"


def result_names(page: Page):
    return page.locator("#results tbody th[scope=row] > a")


def facet(page: Page, name: str):
    return page.locator("#results .facet").filter(has=page.locator(f"summary:text('{name}')"))


def test_a_facet_link_narrows_the_results_and_a_new_search_text_keeps_it(page, console_errors):
    with transaction.atomic():
        edition = make_edition(date(2026, 10, 3))
        enrich(
            make_listing("Haagse Software B.V.", edition=edition),
            sbi="62100",
            city="'s-Gravenhage",
            province="Zuid-Holland",
        )
        enrich(
            make_listing("Haagse Haven B.V.", edition=edition),
            sbi="52100",
            city="'s-Gravenhage",
            province="Zuid-Holland",
        )
        enrich(
            make_listing("Amsterdamse Software B.V.", edition=edition),
            sbi="62100",
            city="Amsterdam",
            province="Noord-Holland",
        )
        make_listing("Onbekend B.V.", edition=edition)
    page.goto(SEARCH)
    page.evaluate("window.__marker = 'same page'")  # a full page load would lose it

    facet(page, "Sector").get_by_role("link", name=SECTOR_K).click()

    expect(page).to_have_url(re.compile(r"[?&]sector=K(&|$)"))
    expect(result_names(page)).to_have_text(["Amsterdamse Software B.V.", "Haagse Software B.V."])
    expect(facet(page, "Sector").locator("[aria-current=true]")).to_have_text(SECTOR_K)
    # The city counts follow the sector: two cities with one employer each in K.
    expect(facet(page, "City").locator("li")).to_have_text(
        [
            re.compile(r"Amsterdam\s+1"),
            re.compile(r"Den Haag \('s-Gravenhage\)\s+1"),
            re.compile(r"Not known yet\s+0"),
        ]
    )
    expect(page.locator("#search-form input[type=hidden][name=sector]")).to_have_value("K")

    page.locator("#id_q").press_sequentially("haagse", delay=20)

    expect(result_names(page)).to_have_text(["Haagse Software B.V."])
    expect(page).to_have_url(re.compile(r"q=haagse"))
    expect(page).to_have_url(re.compile(r"[?&]sector=K(&|$)"))

    facet(page, "Sector").get_by_role("link", name=re.compile("^Remove")).click()

    expect(result_names(page)).to_have_count(2)  # in the order of the match, whatever it is
    assert sorted(result_names(page).all_inner_texts()) == [
        "Haagse Haven B.V.",
        "Haagse Software B.V.",
    ]
    expect(page.locator("#search-form input[type=hidden][name=sector]")).to_have_count(0)
    assert page.evaluate("window.__marker") == "same page"
    page.wait_for_load_state("networkidle")
    assert console_errors == []


def test_the_facet_links_work_without_javascript(new_page):
    with transaction.atomic():
        edition = make_edition(date(2026, 10, 3))
        enrich(
            make_listing("Bossche Bouw B.V.", edition=edition),
            sbi="41200",
            city="'s-Hertogenbosch",
            province="Noord-Brabant",
        )
        make_listing("Elders B.V.", edition=edition)
    page = new_page(java_script_enabled=False)
    page.goto(SEARCH + "?status=all")

    facet(page, "City").get_by_role("link", name="Den Bosch ('s-Hertogenbosch)").click()

    expect(page).to_have_url(re.compile(r"city=Den\+Bosch"))
    expect(result_names(page)).to_have_text(["Bossche Bouw B.V."])
    expect(page.locator("#id_status")).to_have_value("all")
