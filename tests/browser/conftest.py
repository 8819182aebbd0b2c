"""End-to-end tests in Debian's headless Chromium, driven by Playwright against the live server.

Fixtures for any test in tests/browser/:

- `browser`: one Chromium for the whole folder (package scope), launched from /usr/bin/chromium.
- `page`: a fresh browser context and page per test, whose `base_url` is the live server, so
  `page.goto("/")` or `page.goto(reverse("registry:search"))` just works. Using it starts the
  live server and gives the test a transactional database: create data with tests/factories.py
  inside the test, it is emptied again afterwards.
- `new_page(**context_options)`: another fresh context and page, for options such as
  `java_script_enabled=False`; `page` is `new_page()`.
- `console_errors`: a list that collects the console errors and uncaught exceptions of `page`.
  Wait for the "networkidle" load state before checking it, so late errors are in.
- `make_url(path)`: the absolute URL of a path on the live server.

When a test fails, a full-page screenshot of each page it opened goes to
test-artifacts/<test name>.png (gitignored), and its path is printed in the test's report.

Every test in this folder is marked `browser` (`pytest -m browser`, `pytest -m "not browser"`)
and skipped, with the reason, when /usr/bin/chromium or the playwright package is missing.
`playwright install` is never needed (and cannot download browsers here). A test module should
import Playwright's runtime names through `pytest.importorskip("playwright.sync_api",
exc_type=ImportError)`, so it is skipped rather than broken without the package; types can come
in under TYPE_CHECKING. Steps and `expect(...)` give up after 10 s (TIMEOUT_MS).

Where the pytest-playwright plugin happens to be installed, these fixtures take the place of its
own for this folder; it only adds "[chromium]" to the test ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    # No update checks, component downloads or sync: the tests never reach the network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Milliseconds. Playwright's default is 30 s; against a local server a step that has not
# happened after 10 s will not, and the test should fail (with its screenshot) soon.
TIMEOUT_MS = 10_000

HERE = Path(__file__).resolve().parent
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def unavailable_reason() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright cannot be imported ({error}): pip install -e '.[dev]'"
    return ""


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker, so -m browser sees the mark
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = unavailable_reason()
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the test, so a fixture's teardown knows whether it failed.
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # its own default is 5 s, apart from the page's

    # Package scope, not session: Playwright's sync API keeps an asyncio event loop running
    # in the main thread for as long as it is started, and no test outside this folder should
    # run beside one. Within the folder, the ORM calls in the test thread (factories, the
    # transactional database's flush) would trip Django's "you cannot call this from an async
    # context" check, which guards against blocking an event loop we do not use for anything
    # else; the live server answers from its own thread. So the check is off while it runs.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def make_url(live_server: Any) -> Callable[[str], str]:
    def make(path: str = "/") -> str:
        return f"{live_server.url}{path}"

    return make


@pytest.fixture
def new_page(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    contexts: list[BrowserContext] = []

    def open_page(**context_options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    try:
        if failed(request):
            save_screenshots(request, [page for context in contexts for page in context.pages])
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console messages of type error and uncaught exceptions on `page`, as text."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error":
            errors.append(f"console: {message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


def save_screenshots(request: pytest.FixtureRequest, pages: list[Page]) -> None:
    folder = request.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for number, page in enumerate(pages, start=1):
        path = folder / (f"{name}.png" if number == 1 else f"{name}-{number}.png")
        try:
            page.screenshot(path=path, full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"Could not save a screenshot of {page.url}: {error}")
        else:
            print(f"Screenshot of {page.url} saved to {path}")
