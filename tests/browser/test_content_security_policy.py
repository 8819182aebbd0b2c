"""Every public page and the admin's pages under the Content-Security-Policy, in a real browser.

Chromium logs each thing the policy blocks (an inline script or style, an eval, a style
attribute set by a script) as a console error, which `console_errors` collects. Each page is
also checked for the header itself, so the test cannot pass because no policy was sent.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from registry.models import SyncRun
from tests.factories import make_edition, make_listing

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright cannot be imported: pip install -e '.[dev]'",
    exc_type=ImportError,  # a broken install too, not only a missing one
).expect

OCTOBER = date(2026, 10, 3)


def make_site() -> SyncRun:
    """Two editions with a change between them, a company, and a sync running now."""
    with transaction.atomic():  # one commit for the live server to read
        july = make_edition(date(2026, 7, 1), current=False)
        october = make_edition(OCTOBER)
        make_listing("Adyen N.V.", "34259528", edition=july)
        make_listing("Bakkerij De Korenschoof B.V.", "12345678", edition=october)
        User.objects.create_superuser("admin", "admin@example.org", "pw")
        return SyncRun.objects.create(
            register=october.register, status=SyncRun.Status.RUNNING, created_at=timezone.now()
        )


def visit(page: Page, console_errors: list[str], path: str, *, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == status, path
    assert "script-src 'self'" in response.headers.get("content-security-policy", ""), path
    page.wait_for_load_state("networkidle")  # late errors (an htmx swap, a poll) are in too
    if status != 200:  # Chromium reports the status itself as an error: meant here
        refused = f"the server responded with a status of {status}"
        console_errors[:] = [error for error in console_errors if refused not in error]
    assert console_errors == [], path


def test_the_public_pages_break_no_rule_of_the_policy(page: Page, console_errors, settings):
    make_site()
    company = reverse("registry:company", args=["34259528"])
    for path in (
        reverse("registry:search"),
        reverse("registry:search") + "?q=adyen&status=all",
        company,
        reverse("registry:evidence", args=["34259528", "work", "2026-10-03"]),
        reverse("registry:changes"),
        reverse("registry:changes-edition", args=["work", "2026-10-03"]),
        reverse("registry:stats"),
        reverse("registry:check"),
        reverse("registry:about"),
    ):
        visit(page, console_errors, path)
    visit(page, console_errors, "/company/99999999/", status=404)

    # As the pages are used: typing (htmx swaps), a filter, a bulk check.
    page.goto(reverse("registry:search"))
    page.locator("#id_q").press_sequentially("bakkerij", delay=20)
    expect(page.locator("#results tbody th[scope=row] > a")).to_have_text(
        ["Bakkerij De Korenschoof B.V."]
    )
    page.select_option("#id_status", "all")
    expect(page).to_have_url(re.compile(r"[?&]status=all(&|$)"))
    page.goto(reverse("registry:check"))
    page.fill("textarea", "Adyen N.V.\n12345678")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("table.check-results tbody tr")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    assert console_errors == [], "typing, filtering, checking"

    settings.RATELIMIT_SEARCH = "1/m"  # the live server shares these settings
    page.goto(reverse("registry:search") + "?q=x")
    visit(page, console_errors, reverse("registry:search") + "?q=y", status=429)


def test_the_admin_pages_break_no_rule_of_the_policy(page: Page, console_errors):
    run = make_site()

    visit(page, console_errors, reverse("admin:login"))
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw")
    page.get_by_role("button", name="Log in").click()  # through django-axes' backend
    expect(page).to_have_url(re.compile(f"{reverse('admin:index')}$"))
    for path in (
        reverse("admin:index"),
        reverse("admin:registry_register_change", args=[run.register_id]),
        reverse("admin:registry_syncrun_change", args=[run.pk]),  # polls its status by script
        reverse("admin:registry_syncrun_changelist") + "?status__exact=running",
        reverse("admin:registry_enrichmentcontrol_changelist"),
        reverse("admin:registry_edition_changelist"),
        reverse("admin:registry_providerresponse_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:auth_user_change", args=[User.objects.get().pk]),
    ):
        visit(page, console_errors, path)
