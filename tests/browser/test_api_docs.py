"""The API's docs page (/api/docs/) in a real browser: Swagger UI renders the schema from our
own static files, under the Content-Security-Policy, without a console error."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from tests.factories import make_edition, make_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,
).expect


def test_the_docs_page_renders_the_schema_under_the_policy(page: Page, console_errors, make_url):
    make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=make_edition())
    asked: list[str] = []

    def on_request(request: Request) -> None:
        asked.append(request.url)

    page.on("request", on_request)
    response = page.goto(reverse("registry:api-docs"))

    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers.get("content-security-policy", "")
    operations = page.locator(".swagger-ui .opblock-summary-path")
    expect(operations.first).to_be_visible()
    expect(operations.filter(has_text="/search.json")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert console_errors == []
    assert all(url.startswith(make_url("/")) for url in asked), asked  # nothing from elsewhere

    # Try it out: the search answers from the page, as a client would ask.
    page.locator(".opblock-summary-path", has_text="/search.json").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_placeholder("q").fill("korenschoof")
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".responses-wrapper .live-responses-table")).to_contain_text(
        "Bakkerij De Korenschoof B.V."
    )
    page.wait_for_load_state("networkidle")
    assert console_errors == []
