"""The bulk check in a real browser: a CSV file chosen in the file input comes back as a table."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import make_edition, make_listing

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,  # a broken install too, not only a missing one
).expect

CHECK = reverse("registry:check")
CSV = (
    b"name,city\nAdyen N.V.,Amsterdam\nGone Consultancy B.V.,Utrecht\nNiemand Bekend,Delft\n???,\n"
)


def test_an_uploaded_csv_file_comes_back_as_a_table_of_verdicts(
    page: Page, console_errors: list[str]
) -> None:
    with transaction.atomic():
        august, october = (
            make_edition(date(2026, 8, 3), current=False),
            make_edition(date(2026, 10, 3)),
        )
        make_listing("Adyen N.V.", "34259528", edition=october)
        make_listing("Gone Consultancy B.V.", "12345678", edition=august, removed_in=october)
    page.goto("/")
    page.get_by_role("link", name="Bulk check").click()
    expect(page).to_have_url(re.compile(f"{CHECK}$"))

    sponsors: FilePayload = {"name": "sponsors.csv", "mimeType": "text/csv", "buffer": CSV}
    page.set_input_files("input[type=file][name=file]", files=[sponsors])
    page.get_by_role("button", name="Check", exact=True).click()

    expect(page.locator("#results .summary")).to_contain_text(
        "4 lines checked against the IND register of 3 October 2026"
    )
    rows = page.locator("table.check-results tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Adyen N.V.")
    expect(rows.nth(0).locator(".verdict")).to_have_text("Listed")
    expect(rows.nth(1).locator(".verdict")).to_have_text("No longer listed")
    expect(rows.nth(2).locator(".verdict")).to_have_text("Not listed")
    expect(rows.nth(3).locator(".verdict")).to_have_text("Not checked")
    expect(page.locator(".check-problems")).to_contain_text(
        "line 5: has no letters or digits (not checked)"
    )
    rows.nth(0).get_by_role("link", name="Adyen N.V.").click()
    expect(page).to_have_url(re.compile("/company/34259528/$"))
    page.wait_for_load_state("networkidle")
    assert console_errors == []


def test_the_csv_download_button_downloads_the_results(page: Page) -> None:
    with transaction.atomic():
        make_listing("Adyen N.V.", "34259528", edition=make_edition(date(2026, 10, 3)))
    page.goto(CHECK)
    page.locator("textarea[name=lines]").fill("34259528\n=1+1\n")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download as CSV").click()

    download = download_info.value
    assert download.suggested_filename == "erkend-check-2026-10-03.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        lines = handle.read().splitlines()
    assert lines[0] == "input,verdict,matched_name,kvk,score,edition_date,reason,also"
    assert lines[1].startswith("34259528,listed,Adyen N.V.,34259528,1.0,2026-10-03,")
    assert lines[2].startswith("'=1+1,not_listed,")
