"""Redis down: the cache misses instead of raising, every page still answers, a sync still
completes, and the outage is logged once (config/cache.py)."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from config.cache import LOGGER, OutageLog
from registry.models import Edition
from scraper.sync import get_register
from tests.factories import make_edition, make_listing
from tests.pages import numbered_rows, register_page

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

# Nothing listens on port 1 (it would need root and a reason): every call is refused at once.
DEAD_REDIS = {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 2},
}


def outage_filter() -> OutageLog:
    (found,) = [f for f in logging.getLogger(LOGGER).filters if isinstance(f, OutageLog)]
    return found


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": DEAD_REDIS}
    outage_filter().reset()  # as a process starts: an outage reported earlier ends here


@pytest.fixture
def company():
    edition = make_edition()
    make_listing("Adyen N.V.", "34259528", edition=edition)
    make_listing("Bakkerij De Korenschoof B.V.", edition=edition)
    return edition


def public_pages() -> list[str]:
    return [
        reverse("registry:search"),
        reverse("registry:search") + "?q=adyen",
        reverse("registry:search") + "?q=bakkerij&status=all",
        reverse("registry:search-json") + "?q=adyen",
        reverse("registry:search-json"),
        reverse("registry:search-csv") + "?q=adyen",
        reverse("registry:search-feed") + "?q=adyen",
        reverse("registry:company", args=["34259528"]),
        reverse("registry:company-json", args=["34259528"]),
        reverse("registry:changes"),
        reverse("registry:changes-json"),
        reverse("registry:changes-edition", args=["work", "2026-10-03"]),
        reverse("registry:stats"),
        reverse("registry:stats-json"),
        reverse("registry:check"),
    ]


def test_the_cache_really_is_down_and_misses_instead_of_raising(redis_down):
    cache.set("probe", 1)
    assert cache.get("probe") is None
    assert cache.get_many(["probe"]) == {}
    assert cache.add("probe", 1) is None


def test_every_public_page_and_the_api_answer_200_with_redis_down(
    client, settings, redis_down, company
):
    # One request a minute: a limiter that still counted would refuse the second. It cannot
    # count without its cache, so it lets everything through (RATELIMIT_FAIL_OPEN).
    settings.RATELIMIT_SEARCH = settings.RATELIMIT_API = settings.RATELIMIT_CHECK = "1/m"
    for url in public_pages() * 2:
        response = client.get(url)
        assert response.status_code == 200, url
    found = client.get(reverse("registry:search-json"), {"q": "adyen"}).json()
    assert [row["kvk"] for row in found["results"]] == ["34259528"]


def test_a_bulk_check_answers_with_redis_down(client, settings, redis_down, company):
    settings.RATELIMIT_CHECK = "1/m"
    for _ in range(2):
        response = client.post(reverse("registry:check"), {"lines": "Adyen N.V.\nNobody B.V."})
        assert response.status_code == 200
        assert "34259528" in response.content.decode()


def test_the_outage_is_logged_once_not_per_call(client, redis_down, company, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for url in public_pages():
            client.get(url)
        client.post(reverse("registry:check"), {"lines": "Adyen N.V."})
    reports = [r for r in caplog.records if r.name == LOGGER]
    assert len(reports) == 1
    assert reports[0].levelname == "WARNING"
    assert reports[0].getMessage().startswith("The cache (Redis) failed: cache calls miss")
    assert reports[0].exc_info is not None  # the traceback says what failed
    assert outage_filter().held > len(public_pages())  # every request asked the cache


def test_a_sync_from_the_command_line_completes_with_redis_down(redis_down, tmp_path, capsys):
    register = get_register("work")
    register.min_rows = 3
    register.save()
    page = tmp_path / "work.html"
    page.write_text(register_page(numbered_rows(10)), encoding="utf-8")

    call_command("sync_register", "--url", str(page))

    assert "stored edition of 5 October 2026, 10 rows" in capsys.readouterr().out
    assert Edition.objects.get().row_count == 10


def test_the_outage_is_reported_again_after_the_interval_with_the_count_held_back(
    monkeypatch,
):
    clock = [1000.0]
    monkeypatch.setattr("config.cache.time.monotonic", lambda: clock[0])
    log = OutageLog(seconds=600)

    def record() -> logging.LogRecord:
        return logging.LogRecord(LOGGER, logging.ERROR, __file__, 1, "Exception ignored", (), None)

    first = record()
    assert log.filter(first)
    assert "(logged at most once every 600 s)" in first.getMessage()
    assert [log.filter(record()) for _ in range(5)] == [False] * 5
    clock[0] += 599
    assert not log.filter(record())
    clock[0] += 1
    again = record()
    assert log.filter(again)
    assert again.getMessage().endswith("; 6 more failed calls since the last report")


def settings_with(monkeypatch, **env: str) -> dict[str, Any]:
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


def test_with_redis_url_the_cache_is_django_redis_ignoring_its_errors(monkeypatch):
    caches = settings_with(monkeypatch, REDIS_URL="redis://redis:6379/0")["CACHES"]
    assert caches["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert caches["default"]["LOCATION"] == "redis://redis:6379/0"
    assert caches["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_without_redis_url_the_cache_is_process_memory(monkeypatch):
    caches = settings_with(monkeypatch)["CACHES"]
    assert caches == {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
