"""Test-wide settings: no network, a fast password hasher, in-process Celery, a clean cache."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
import responses
from django.apps import apps
from django.core.cache import cache

from config.catalogue import compile_catalogues
from registry.search import index

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
