"""/healthz (config/health.py) and the stale registers on the admin index (scraper/health.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from config.edge import LIMITS
from registry.models import Register, SyncRun
from scraper.health import register_health

HEALTHZ = "/healthz"
pytestmark = pytest.mark.django_db


class RaisingCache(LocMemCache):
    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache is down")

    def set(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache is down")


def checked(slug: str, *, ago: timedelta, status: str = "done", trigger: str = "schedule"):
    finished = timezone.now() - ago
    return SyncRun.objects.create(
        register=Register.objects.get(slug=slug),
        status=status,
        trigger=trigger,
        created_at=finished - timedelta(minutes=1),
        started_at=finished - timedelta(minutes=1),
        finished_at=finished,
    )


@pytest.fixture
def checks():
    checked("work", ago=timedelta(hours=1))
    checked("work", ago=timedelta(days=5))
    checked("work", ago=timedelta(minutes=1), status="failed")  # not a successful check
    checked("study", ago=timedelta(days=3), status="unchanged")
    checked("study", ago=timedelta(hours=2), status="refused")  # the register was not updated
    checked("study", ago=timedelta(hours=1), status="held")  # nor is it while held for review
    checked("exchange", ago=timedelta(hours=1), trigger="import")  # an import is no look


def test_healthz_answers_200_with_the_age_of_each_registers_last_successful_check(client, checks):
    response = client.get(HEALTHZ)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["cache"]) == ("degraded", "ok", "ok")
    assert body["stale_after_seconds"] == 48 * 3600
    registers = body["registers"]
    assert list(registers) == ["work", "exchange", "study", "research"]
    assert 3600 <= registers["work"]["age_seconds"] < 3600 + 60
    assert registers["work"]["stale"] is False
    assert registers["work"]["last_successful_check"].startswith(
        str((timezone.now() - timedelta(hours=1)).year)
    )
    assert 3 * 86400 <= registers["study"]["age_seconds"] < 3 * 86400 + 60
    assert registers["study"]["stale"] is True
    for never in ("exchange", "research"):
        assert registers[never] == {
            "last_successful_check": None,
            "age_seconds": None,
            "stale": True,
        }


def test_healthz_is_ok_when_every_register_is_fresh_and_the_cache_answers(client):
    for slug in ("work", "exchange", "study", "research"):
        checked(slug, ago=timedelta(hours=5))
    assert client.get(HEALTHZ).json()["status"] == "ok"


def test_the_stale_limit_is_a_setting(client, settings, checks):
    settings.STALE_CHECK_HOURS = 96
    body = client.get(HEALTHZ).json()
    assert body["stale_after_seconds"] == 96 * 3600
    assert body["registers"]["study"]["stale"] is False


@pytest.mark.parametrize(
    "backend",
    [
        {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
        },
        {"BACKEND": f"{__name__}.RaisingCache"},
    ],
    ids=["redis-down", "cache-raises"],
)
def test_with_the_cache_down_healthz_is_200_and_says_degraded(client, settings, checks, backend):
    settings.CACHES = {"default": backend}
    response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert (response.json()["cache"], response.json()["database"]) == ("degraded", "ok")


def test_with_the_database_unreachable_healthz_is_503(client, checks):
    def refuse(*args: Any) -> None:
        raise OperationalError("connection to server failed: secret-host.internal")

    with connection.execute_wrapper(refuse):
        response = client.get(HEALTHZ)

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "unreachable"}
    assert "secret-host" not in response.content.decode()


def test_healthz_tells_no_secrets(client, settings, checks):
    text = client.get(HEALTHZ).content.decode()
    assert settings.SECRET_KEY not in text
    assert str(settings.DATABASES["default"]["NAME"]) not in text
    assert set(client.get(HEALTHZ).json()) == {
        "status",
        "database",
        "cache",
        "stale_after_seconds",
        "registers",
    }


def test_healthz_is_never_cached(client):
    response = client.get(HEALTHZ)
    assert "no-store" in response["Cache-Control"]


def test_healthz_is_not_rate_limited_nor_redirected_to_https(client, settings):
    settings.RATELIMIT_SEARCH = settings.RATELIMIT_API = settings.RATELIMIT_CHECK = "1/m"
    settings.SECURE_SSL_REDIRECT = True
    assert "healthz" not in {name.partition(":")[2] for name in LIMITS}
    for _ in range(3):
        assert client.get(HEALTHZ).status_code == 200  # plain http, as a probe speaks


def test_register_health_costs_one_query(django_assert_num_queries, checks):
    with django_assert_num_queries(1):
        register_health(now=timezone.now())


# --- The admin index ---------------------------------------------------------------------------


def admin_index_text(client, user: User) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_admin_index_warns_of_each_stale_register(client, checks):
    superuser = User.objects.create_superuser("admin", "admin@example.org", "pw")
    text = admin_index_text(client, superuser)

    assert "Public register Study is stale: its last successful check was 3" in text
    stale = [n for n in Register.objects.values_list("name", flat=True) if f"{n} is stale" in text]
    assert len(stale) == 3  # study (3 days), exchange and research (never)
    assert "Work" not in " ".join(stale)
    assert "has never been checked successfully" in text
    assert "Register checks" in text


def test_staff_who_may_not_view_registers_see_no_register_checks(client, checks):
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    assert "Register checks" not in admin_index_text(client, staff)
    assert "is stale" not in admin_index_text(client, staff)

    staff.user_permissions.add(Permission.objects.get(codename="view_register"))
    staff = User.objects.get(pk=staff.pk)  # permissions are cached on the instance
    assert "Register checks" in admin_index_text(client, staff)
