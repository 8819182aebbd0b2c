"""Every public page on a 390×844 phone and a 1280×800 desktop: no sideways scroll, and on a
results page the first result on the first screen (issue 18, "Phones").

The data has what makes pages wide in practice: long names without a break, a sector title and
a city beside every result, an edition with each kind of change.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import enrich, make_edition, make_listing, rename_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,
)

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LONG_NAME = "Stichting Internationaal Kenniscentrum Voor Technische Wetenschappen Nederland B.V."
UNBROKEN = "Bakkerijgroothandelsonderneming-Korenschoof-Zuid-Holland-Noord B.V."
CHECK_LINES = f"Adyen N.V.\nBakkerij Korenschoof\n{UNBROKEN}\nNobody Here B.V.\n12345678"


def make_register() -> dict[str, str]:
    """Two editions with an addition, a removal and renames; returns the public pages by name."""
    with transaction.atomic():  # one commit: the live server's database commits each insert
        july = make_edition(date(2026, 7, 1), current=False)
        october = make_edition(date(2026, 10, 3))
        bakery = make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=july)
        rename_listing(bakery, "Bakkerij Korenschoof B.V.", edition=october)
        enrich(bakery, sbi="1071", city="'s-Hertogenbosch", province="Noord-Brabant")
        for number, name in enumerate(
            (LONG_NAME, UNBROKEN, "Bakkerij Van Der Westhuizen-Oosterhout Holding B.V."), 1
        ):
            listing = make_listing(name, f"6000000{number}", edition=october)
            enrich(listing, sbi="7211", city="Alphen aan den Rijn", province="Zuid-Holland")
        make_listing("Adyen N.V.", "34259528", edition=october)
        make_listing("Gone Away B.V.", "11111111", edition=july, removed_in=october)
    search = reverse("registry:search")
    return {
        "home": search,
        "results": search + "?q=bakkerij",
        "company": reverse("registry:company", kwargs={"key": "60000002"}),
        "changes": reverse("registry:changes"),
        "edition": reverse(
            "registry:changes-edition", kwargs={"register": "work", "day": "2026-10-03"}
        ),
        "stats": reverse("registry:stats"),
        "check": reverse("registry:check"),
        "404": "/no-such-page/",
    }


def open_page(page: Page, name: str, path: str) -> None:
    page.goto(path)
    if name == "check":  # the bulk check with its results, the widest table of the site
        page.locator("textarea").first.fill(CHECK_LINES)
        page.get_by_role("button", name="Check", exact=True).click()
        page.locator("#results table").wait_for()
    page.wait_for_load_state("networkidle")


def sideways(page: Page):
    """The page's scroll width and the window's width, in CSS pixels."""
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("size", SIZES)
def test_no_public_page_scrolls_sideways(new_page, size):
    pages = make_register()
    page = new_page(viewport=SIZES[size])
    too_wide = {}
    for name, path in pages.items():
        open_page(page, name, path)
        width, window = sideways(page)
        if width > window:
            too_wide[name] = f"{width} px wide in a {window} px window"
    assert not too_wide, "; ".join(f"{name}: {problem}" for name, problem in too_wide.items())


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", ["results", "check"])
def test_the_first_result_is_on_the_first_screen(new_page, size, name):
    pages = make_register()
    page = new_page(viewport=SIZES[size])
    open_page(page, name, pages[name])
    page.evaluate("window.scrollTo(0, 0)")  # the bulk check may have moved to its results

    top = page.locator("#results tbody tr").first.bounding_box()

    assert top is not None, "no result shown"
    assert top["y"] < SIZES[size]["height"], f"the first result starts {top['y']:.0f} px down"
    # Nor does the table of results hide columns in a box of its own that scrolls sideways.
    box = page.locator("#results .table-scroll").evaluate(
        "box => box.scrollWidth - box.clientWidth"
    )
    assert box <= 0, f"the results scroll {box} px sideways in their box"
