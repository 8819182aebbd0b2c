"""Test-wide settings: no network, a fast password hasher, in-process Celery, a clean cache."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from datetime import date

import pytest
import responses
from django.apps import apps
from django.core.cache import cache
from django.utils import timezone, translation

from config.catalogue import compile_catalogues
from registry.models import Register
from registry.search import index
from scraper.sync import SyncResult, get_register, queue_sync, run_sync
from tests.pages import HOLD_BASE, URL, Row, register_page

REFERENCE_MIGRATION = "registry.migrations.0016_load_reference_places_and_sbi"
# The four registers, in the order `migrate` seeds them (each seed adds only what is missing).
REGISTER_SEEDS = (
    "registry.migrations.0002_seed_work_register",
    "registry.migrations.0005_seed_other_registers",
)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """The database as `migrate` leaves it: the four registers, places and SBI codes loaded. A
    database kept by --reuse-db may have been emptied since by a transactional test's flush,
    which a data migration does not undo: their own loads (each adds what is missing) put them
    back."""
    with django_db_blocker.unblock():
        for seed in REGISTER_SEEDS:
            importlib.import_module(seed).seed(apps, None)
        importlib.import_module(REFERENCE_MIGRATION).load(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """The .mo files are build outputs (make compile-messages): compiled here too, before any
    test asks for Dutch, so `pytest` run directly translates from the .po as committed."""
    compile_catalogues()


@pytest.fixture(autouse=True)
def no_network() -> Iterator[responses.RequestsMock]:
    # An unregistered URL raises ConnectionError instead of calling the IND or the KvK.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


@pytest.fixture(autouse=True)
def _test_settings(settings) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.FETCH_BACKOFF_SECONDS = 0  # retries are tested with a fake clock in test_fetch
    # The tests' register URLs (ind.example) and the loopback servers of the fetch tests.
    settings.REGISTER_URL_HOSTS = ["ind.nl", "ind.example", "127.0.0.1", "localhost"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    index.forget()
    yield
    cache.clear()
    index.forget()
    # A request in Dutch leaves Dutch active in this thread (LocaleMiddleware activates and
    # never deactivates): the next test would read Dutch where it expects the default.
    translation.deactivate()


# --- The Work register at a test URL, its pages, and an edition about to be held -----------------


@pytest.fixture
def register(db) -> Register:
    register = get_register("work")  # seeded by migration 0002; re-made after a flush
    register.url = URL
    register.min_rows = 3
    register.save()
    return register


@pytest.fixture
def serve(no_network) -> Callable[..., str]:
    """Serve a register page at URL; call again to serve the next edition."""

    def _serve(
        rows: list[Row],
        *,
        updated: date = date(2026, 10, 5),
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        html = register_page(rows, updated=updated)
        no_network.remove("GET", URL)
        no_network.add(
            "GET",
            URL,
            body=html,
            status=status,
            headers=headers or {},
            content_type="text/html; charset=utf-8",
        )
        return html

    return _serve


def look() -> SyncResult:
    """One sync of the Work register, as the schedule runs it (a look at the live page)."""
    return run_sync(queue_sync(register="work", trigger="schedule", now=timezone.now()).pk)


@pytest.fixture
def cut_page(register, serve, settings) -> SyncResult:
    """HOLD_BASE published (5 October 2026), then a page of 3 November without 6 of its 100
    employers served: the next look is held. Returns the first, published, sync."""
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    serve(HOLD_BASE, updated=date(2026, 10, 5))
    first = look()
    serve(HOLD_BASE[6:], updated=date(2026, 11, 3))
    return first


@pytest.fixture
def held(cut_page) -> SyncResult:
    """The look at the cut page: held, and the admins mailed."""
    result = look()
    assert result.status == "held", result.summary()
    return result
