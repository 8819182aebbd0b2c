"""The web edge (config/edge.py): rate limits, the client's address, login lockout, headers,
compression, the bulk check's slots and the deploy check."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.cache.backends.base import BaseCache
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from config.edge import LIMITS, CacheOutage, client_address
from registry import slots
from tests.factories import make_edition, make_listing

ROOT = Path(__file__).resolve().parent.parent
SEARCH = reverse("registry:search")
SEARCH_JSON = reverse("registry:search-json")
CHECK = reverse("registry:check")
LOGIN = reverse("admin:login")

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    edition = make_edition()
    make_listing("Adyen N.V.", "34259528", edition=edition)
    return edition


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def retry_after(response) -> int:
    value = int(response["Retry-After"])
    assert 1 <= value <= 60  # within the minute of a "/m" rate
    return value


# --- Which URLs are limited -------------------------------------------------------------------


def test_every_limited_url_name_is_a_url_of_the_site():
    # Keyed by URL name so the limits survive the views moving; a renamed URL must not slip out.
    names = {
        f"{namespace}:{name}"
        for namespace, (_, resolver) in get_resolver().namespace_dict.items()
        for name in resolver.reverse_dict
        if isinstance(name, str)
    }
    assert set(LIMITS) <= names
    assert {limit.group for limit in LIMITS.values()} == {"check", "api", "search"}


def test_the_limits_are_on_by_default_in_tests_too():
    assert django_settings.RATELIMIT_ENABLE is True
    assert (django_settings.RATELIMIT_CHECK, django_settings.RATELIMIT_API) == ("30/m", "600/m")


# --- Over the limit ----------------------------------------------------------------------------


def test_the_31st_bulk_check_in_a_minute_gets_a_429_page_with_retry_after(client, company):
    for _ in range(30):
        assert client.post(CHECK, {"lines": "Adyen N.V."}).status_code == 200

    refused = client.post(CHECK, {"lines": "Adyen N.V."})

    assert refused.status_code == 429
    retry_after(refused)
    assert refused["Content-Type"].startswith("text/html")
    text = text_of(refused)
    assert "Too many requests from your address: at most 30 in 1 minute." in text
    assert "Nothing was done for this one." in text
    assert "check-results" not in refused.content.decode()  # nothing was checked


def test_the_bulk_check_form_itself_is_not_counted(client, settings, company):
    settings.RATELIMIT_CHECK = "1/m"
    for _ in range(3):
        assert client.get(CHECK).status_code == 200
    assert client.post(CHECK, {"lines": "Adyen N.V."}).status_code == 200
    assert client.post(CHECK, {"lines": "Adyen N.V."}).status_code == 429


def test_the_api_urls_share_one_count_and_answer_429_in_json(client, settings, company):
    settings.RATELIMIT_API = "3/m"
    assert client.get(SEARCH_JSON, {"q": "adyen"}).status_code == 200
    assert client.get(reverse("registry:company-json", args=["34259528"])).status_code == 200
    assert client.get(reverse("registry:search-csv")).status_code == 200

    refused = client.get(reverse("registry:stats-json"))

    assert refused.status_code == 429
    seconds = retry_after(refused)
    assert refused["Content-Type"] == "application/json"
    [error] = refused.json()["errors"]["__all__"]
    assert error["code"] == "rate_limited"
    assert error["retry_after"] == seconds
    assert error["message"].startswith("Too many requests from your address: at most 3 in")
    assert client.get(SEARCH).status_code == 200  # the search page counts apart


def test_the_search_page_has_its_own_limit_and_a_human_page(client, settings, company):
    settings.RATELIMIT_SEARCH = "2/5m"
    assert client.get(SEARCH, {"q": "ad"}).status_code == 200
    assert client.get(SEARCH, {"q": "adyen"}, headers={"HX-Request": "true"}).status_code == 200

    refused = client.get(SEARCH, {"q": "adyen n"})

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert "at most 2 in 5 minutes" in text_of(refused)
    assert "Please wait" in text_of(refused)


def test_ratelimit_enable_false_turns_every_limit_off(client, settings, company):
    settings.RATELIMIT_ENABLE = False
    settings.RATELIMIT_API = "1/m"
    settings.RATELIMIT_CHECK = "1/m"
    for _ in range(3):
        assert client.get(SEARCH_JSON).status_code == 200
        assert client.post(CHECK, {"lines": "Adyen N.V."}).status_code == 200


def test_each_address_has_its_own_count(client, settings, company):
    settings.RATELIMIT_API = "1/m"
    assert client.get(SEARCH_JSON, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get(SEARCH_JSON, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(SEARCH_JSON, REMOTE_ADDR="192.0.2.2").status_code == 200


# --- Whose address: X-Forwarded-For ------------------------------------------------------------


def request_from(remote: str, forwarded: str | None = None):
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_x_forwarded_for_from_a_proxy_not_named_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.7", "198.51.100.7"),
        # Left of the client is what the client wrote itself: never believed.
        ("1.1.1.1, 198.51.100.7", "198.51.100.7"),
        # A chain of trusted proxies (a network too), then the client.
        ("1.1.1.1, 198.51.100.7, 10.0.0.2, 172.18.0.5", "198.51.100.7"),
        ("198.51.100.7:51234", "198.51.100.7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        # Every hop a proxy: the one farthest out.
        ("10.0.0.3, 10.0.0.2", "10.0.0.3"),
        # Junk from a proxy stops the walk at the last proxy believed.
        ("198.51.100.7, unknown", "10.0.0.1"),
        ("", "10.0.0.1"),
    ],
)
def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    settings, forwarded, client
):
    settings.TRUSTED_PROXIES = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "172.16.0.0/12"]
    assert client_address(request_from("10.0.0.1", forwarded)) == client


def test_behind_a_trusted_proxy_each_client_is_counted_apart(client, settings, company):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.RATELIMIT_API = "1/m"
    via = {"REMOTE_ADDR": "10.0.0.1"}
    assert client.get(SEARCH_JSON, HTTP_X_FORWARDED_FOR="198.51.100.1", **via).status_code == 200
    assert client.get(SEARCH_JSON, HTTP_X_FORWARDED_FOR="198.51.100.2", **via).status_code == 200
    # A client that sends its own X-Forwarded-For is still counted by the address the proxy saw.
    spoofed = client.get(SEARCH_JSON, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1", **via)
    assert spoofed.status_code == 429


def test_without_a_trusted_proxy_a_forged_x_forwarded_for_buys_nothing(client, settings, company):
    settings.RATELIMIT_API = "1/m"
    assert client.get(SEARCH_JSON, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.get(SEARCH_JSON, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


# --- Fail open: the cache down -----------------------------------------------------------------


class RaisingCache(BaseCache):
    """A cache whose every call raises, as a Redis client does when Redis is gone."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    def down(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache is down")

    add = get = set = incr = delete = down


class SilentCache(RaisingCache):
    """A cache that answers nothing, as django-redis does with IGNORE_EXCEPTIONS."""

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return False

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return None


@pytest.fixture(autouse=True)
def cache_answers():
    CacheOutage.down = False  # as a process starts: an outage logged in one test ends there


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe is closed


@pytest.mark.parametrize(
    "backend",
    [
        {"BACKEND": f"{__name__}.RaisingCache"},
        {"BACKEND": f"{__name__}.SilentCache"},
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        },
    ],
    ids=["raises", "answers-nothing", "redis-on-a-closed-port"],
)
def test_with_the_cache_down_the_limits_let_every_request_through(
    client, settings, company, caplog, backend
):
    # The limits' cache alone is broken here: the pages' own cache is the other half of
    # surviving a Redis outage, tested with the rest of the site.
    settings.CACHES = {**settings.CACHES, "limits": backend}
    settings.RATELIMIT_USE_CACHE = "limits"
    settings.RATELIMIT_API = "1/m"
    settings.RATELIMIT_CHECK = "1/m"

    with caplog.at_level(logging.WARNING, logger="config.edge"):
        for _ in range(3):
            assert client.get(SEARCH_JSON).status_code == 200
            assert client.get(SEARCH).status_code == 200
            assert client.post(CHECK, {"lines": "Adyen N.V."}).status_code == 200

    if backend["BACKEND"].endswith("SilentCache"):
        assert caplog.messages == []  # nothing raised: django-ratelimit's RATELIMIT_FAIL_OPEN
    else:
        assert caplog.messages == ["Rate limits are off: the cache failed."]  # once, not nine


# --- Admin login failures ----------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.org", "pw")


def log_in(client, password: str, **extra: Any):
    return client.post(LOGIN, {"username": "admin", "password": password}, **extra)


def test_ten_failed_logins_lock_the_address_out_even_with_the_right_password(client, admin_user):
    for _ in range(9):
        assert log_in(client, "wrong").status_code == 200  # the form again, with its error

    tenth = log_in(client, "wrong")
    right = log_in(client, "pw")

    for refused in (tenth, right):
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(30 * 60)  # the cool-off, restarted by each try
        assert "Too many failed logins from your address" in text_of(refused)
        assert "30 minutes" in text_of(refused)
    assert "_auth_user_id" not in client.session
    # Another address is not locked out.
    assert log_in(client, "pw", REMOTE_ADDR="192.0.2.44").status_code == 302


def test_a_successful_login_clears_the_count(client, admin_user):
    for _ in range(9):
        log_in(client, "wrong")
    assert log_in(client, "pw").status_code == 302
    client.logout()
    for _ in range(9):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "pw").status_code == 302


def test_behind_a_trusted_proxy_the_lockout_is_per_client(client, settings, admin_user):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    via = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(10):
        log_in(client, "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1", **via)
    assert log_in(client, "pw", HTTP_X_FORWARDED_FOR="198.51.100.1", **via).status_code == 429
    assert log_in(client, "pw", HTTP_X_FORWARDED_FOR="198.51.100.2", **via).status_code == 302


def test_client_login_in_tests_still_works(client, admin_user):
    # authenticate() without a request comes from no address: nothing for axes to lock out.
    assert client.login(username="admin", password="pw")
    assert not client.login(username="admin", password="wrong")


# --- Headers -----------------------------------------------------------------------------------


def public_pages() -> list[str]:
    return [
        SEARCH,
        SEARCH_JSON,
        reverse("registry:search-csv"),
        reverse("registry:search-feed"),
        reverse("registry:company", args=["34259528"]),
        reverse("registry:company-json", args=["34259528"]),
        reverse("registry:company-feed", args=["34259528"]),
        reverse("registry:evidence", args=["34259528", "work", "2026-10-03"]),
        reverse("registry:changes"),
        reverse("registry:changes-json"),
        reverse("registry:changes-edition", args=["work", "2026-10-03"]),
        reverse("registry:changes-edition-json", args=["work", "2026-10-03"]),
        reverse("registry:stats"),
        reverse("registry:stats-json"),
        CHECK,
        "/company/99999999/",  # the 404 page
        LOGIN,
    ]


def test_every_public_page_sends_the_security_headers(client, company):
    for path in public_pages():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy, path
        assert "script-src 'self'" in policy, path
        assert "style-src 'self'" in policy, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "camera=()" in response["Permissions-Policy"], path
        assert "geolocation=()" in response["Permissions-Policy"], path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path


def test_the_429_page_sends_them_too(client, settings, company):
    settings.RATELIMIT_SEARCH = "1/m"
    client.get(SEARCH)
    refused = client.get(SEARCH)
    assert refused.status_code == 429
    assert "script-src 'self'" in refused["Content-Security-Policy"]


def test_a_stored_ind_page_keeps_its_own_sandboxed_policy(client, company):
    response = client.get(reverse("registry:edition-page", args=["work", "2026-10-03"]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


def test_no_public_template_has_inline_script_style_or_handlers():
    # The browser test (tests/browser/test_content_security_policy.py) sees what renders; this
    # sees the templates of pages no test data reaches.
    templates = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "scraper").rglob("*.html")]
    assert templates
    for path in templates:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"<style\b", text), path
        assert not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path
        assert not re.search(r"\shx-on[:-]", text), path


def test_https_settings_come_from_the_environment(client, settings, company):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    redirect = client.get(SEARCH)
    assert redirect.status_code == 301
    assert redirect["Location"].startswith("https://")
    secure = client.get(SEARCH, headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_check_deploy_is_clean_with_the_production_values_of_env_example():
    env = {
        key: value
        for key, _, value in (
            line.partition("=")
            for line in (ROOT / ".env.example").read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )
    }
    env["SECRET_KEY"] = "a-long-random-production-secret-" + "x7Qp2Lm9Zr4Tk8Wv" * 3
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Compression -------------------------------------------------------------------------------


def gunzipped(response) -> bytes:
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return gzip.decompress(body)


def test_html_json_and_csv_are_sent_gzipped_when_asked(client, company):
    gz = {"Accept-Encoding": "gzip, deflate, br"}
    page = client.get(SEARCH, headers=gz)
    assert b"Adyen N.V." in gunzipped(page)
    data = client.get(SEARCH_JSON, headers=gz)
    assert json.loads(gunzipped(data))["count"] == 1
    table = client.get(reverse("registry:search-csv"), headers=gz)
    assert table.streaming  # still streamed, compressed chunk by chunk
    assert "Adyen N.V." in gunzipped(table).decode("utf-8-sig")
    # Without Accept-Encoding, as before.
    plain = client.get(SEARCH)
    assert not plain.has_header("Content-Encoding")
    assert b"Adyen N.V." in plain.content


def test_static_files_are_served_precompressed_by_whitenoise(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "vendor" / "htmx.min.js.gz").exists()

    # A new client loads the middleware anew: WhiteNoise indexes STATIC_ROOT when it starts.
    response = Client().get("/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    body = gzip.decompress(response.getvalue())
    assert body == (ROOT / "static" / "vendor" / "htmx.min.js").read_bytes()


# --- The bulk check's slots --------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's; SQLite grants"
)


@pytest.fixture
def other_process():
    """A second database connection, as another web process would hold."""
    other = connections.create_connection("default")
    yield other
    other.close()


def take_slot(other, slot: int) -> None:
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [slots.NAMESPACE, slot])


@postgres_only
def test_a_check_finding_every_slot_taken_is_told_to_come_back(
    client, settings, company, other_process
):
    settings.BULK_CHECK_SLOTS = 2
    take_slot(other_process, 0)
    take_slot(other_process, 1)

    busy = client.post(CHECK, {"lines": "Adyen N.V."})

    assert busy.status_code == 503
    assert busy["Retry-After"] == str(slots.RETRY_AFTER_SECONDS)
    text = text_of(busy)
    assert "Nothing was checked" in text
    assert "Other lists are being checked right now" in text
    assert "check-results" not in busy.content.decode()


@postgres_only
def test_a_check_takes_a_free_slot_and_gives_it_back(client, settings, company, other_process):
    settings.BULK_CHECK_SLOTS = 2
    take_slot(other_process, 0)  # one other check running: one slot left

    for _ in range(2):  # the slot is free again after each check
        response = client.post(CHECK, {"lines": "Adyen N.V."})
        assert response.status_code == 200
        assert "check-results" in response.content.decode()
    with other_process.cursor() as cursor:
        # Advisory locks belong to one database: others on the server (a sync elsewhere) differ.
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert cursor.fetchone()[0] == 1  # only the other process's


@postgres_only
def test_slots_are_granted_up_to_the_pool_size(settings, other_process):
    settings.BULK_CHECK_SLOTS = 2
    take_slot(other_process, 0)
    with slots.bulk_check_slot() as second:
        assert second
        with other_process.cursor() as cursor:  # the other process finds none left
            cursor.execute("SELECT pg_try_advisory_lock(%s, 1)", [slots.NAMESPACE])
            assert cursor.fetchone()[0] is False
    take_slot(other_process, 1)  # given back at the end of the block
    with slots.bulk_check_slot() as third:
        assert not third


def test_on_sqlite_a_slot_is_always_granted(settings):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite answer; PostgreSQL's is tested above")
    with slots.bulk_check_slot() as first, slots.bulk_check_slot() as second:
        assert first and second
