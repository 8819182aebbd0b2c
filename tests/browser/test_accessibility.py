"""axe-core on every public page, at desktop size and on a 390 px phone, in English and Dutch.

axe-core (Deque's rules for WCAG 2.x A and AA) comes bundled with the axe-playwright-python
package, so nothing is fetched at test time. A violation names the rule, the element and axe's
help page; the test prints them all, so one run shows what to fix.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse

from tests.factories import make_edition, make_listing, rename_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,
)
axe_module = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python cannot be imported: pip install -e '.[dev]'",
)

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-GB", "nl": "nl-NL"}  # the browser's Accept-Language
# WCAG 2.1 A and AA: what the rules of a public service ask for. axe's "best-practice" rules are
# advice, not failures.
RUN_ONLY = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def public_pages() -> list[str]:
    """Two editions with an addition, a removal and a rename: every page has something to show."""
    july = make_edition(date(2026, 7, 1), current=False)
    october = make_edition(date(2026, 10, 3))
    listing = make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=july)
    make_listing("Adyen N.V.", "34259528", edition=october)
    make_listing("Gone Away B.V.", "11111111", edition=july, removed_in=october)
    rename_listing(listing, "Bakkerij Korenschoof B.V.", edition=october)
    day = october.published_on.isoformat()
    return [
        reverse("registry:search"),
        reverse("registry:search") + "?q=bakkerij",
        reverse("registry:company", kwargs={"key": "12345678"}),
        reverse("registry:changes"),
        reverse("registry:changes-edition", kwargs={"register": "work", "day": day}),
        reverse("registry:stats"),
        reverse("registry:check"),
        reverse("registry:about"),
        reverse("registry:api-docs"),
        "/no-such-page/",
    ]


# Swagger UI (/api/docs/) puts its copy button inside the operation's toggle button: axe's
# nested-interactive, a defect of the library's markup we cannot change from outside. Only those
# toggles are left out; the rest of the page, its colours included, is checked.
SWAGGER_TOGGLES = {"exclude": [["#swagger-ui .opblock-summary-control"]]}


def violations(page: Page) -> list[str]:
    results: Any = axe_module.Axe().run(page, context=SWAGGER_TOGGLES, options=RUN_ONLY)
    found = []
    for violation in results.response["violations"]:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        rule = f"{violation['id']} ({violation['impact']})"
        found.append(f"{rule}: {targets} — {violation['helpUrl']}")
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES)
def test_no_page_has_an_accessibility_violation(new_page, size, language):
    paths = public_pages()
    page = new_page(viewport=SIZES[size], locale=LANGUAGES[language])
    found: dict[str, list[str]] = {}
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if problems := violations(page):
            found[path] = problems
    assert not found, "\n".join(f"{path}: {problem}" for path in found for problem in found[path])


def test_the_bulk_check_results_have_no_accessibility_violation(new_page):
    public_pages()
    page = new_page(viewport=SIZES["phone"])
    page.goto(reverse("registry:check"))
    page.locator("textarea").first.fill("Adyen N.V.\nBakkerij Korenschoof\nNobody Here B.V.")
    page.get_by_role("button", name="Check").first.click()
    page.wait_for_load_state("networkidle")
    assert not violations(page)
