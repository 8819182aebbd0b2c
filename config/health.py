"""/healthz, for load balancers and monitors: is the database reachable, does the cache
answer, and how old is each register's last successful check.

200 while the database answers, whatever else is wrong ("status": "degraded" when the cache is
down or a register is stale: the site still serves); 503 when it does not. Nothing in it is a
secret: no host names, versions or error texts. Not cached (no-store) and not rate limited (it
has no entry in config.edge.LIMITS), so a monitor always sees the present.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from scraper.health import register_health, stale_after

logger = logging.getLogger(__name__)

PROBE_KEY = "erkend:healthz"


def cache_state() -> str:
    """ "ok" when a value written to the cache reads back; "degraded" when it does not (Redis
    down: django-redis turns the failure into a miss) or the cache raises."""
    token = uuid4().hex
    try:
        cache.set(PROBE_KEY, token, 30)
        answered = cache.get(PROBE_KEY) == token
    except Exception as error:  # any backend's error: the cache is optional, not a 503
        logger.warning("healthz: the cache raised: %r", error)
        answered = False
    return "ok" if answered else "degraded"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    try:
        registers = register_health(now=now)
    except DatabaseError as error:  # one line, no traceback: a probe asks every few seconds
        logger.warning("healthz: the database is not reachable: %s", error)
        return JsonResponse({"status": "down", "database": "unreachable"}, status=503)
    cache_ok = cache_state()
    body: dict[str, Any] = {
        "status": "ok" if cache_ok == "ok" and not any(r.stale for r in registers) else "degraded",
        "database": "ok",
        "cache": cache_ok,
        "stale_after_seconds": int(stale_after().total_seconds()),
        "registers": {
            r.slug: {
                "last_successful_check": (
                    r.last_successful_check.isoformat() if r.last_successful_check else None
                ),
                "age_seconds": int(r.age.total_seconds()) if r.age is not None else None,
                "stale": r.stale,
            }
            for r in registers
        },
    }
    return JsonResponse(body)
