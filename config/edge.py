"""The web edge: who a request comes from, and how often it may come (docs/edge.md).

Rate limits are keyed by URL name (`request.resolver_match`), not by view function, so they
hold wherever the views live. django-ratelimit counts, per client address and fixed window, in
the default cache; django-axes counts admin login failures, in the database. Both take the
address from client_address(), the one place that decides whom to believe.

The limits fail open: the cache is a cache (README, "Deploy and configure"), so when it is down or
answers nonsense the request is served, uncounted, and the outage is logged once.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext, ngettext
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# --- Who is asking ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def trusted_networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def parse_address(value: str) -> Address | None:
    """An address as proxies write it in X-Forwarded-For: bare, `1.2.3.4:5678` or `[::1]:80`."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless that is a proxy named in TRUSTED_PROXIES.

    Then X-Forwarded-For is read from the right, where each trusted proxy appended the address
    it was called from, and the first address that is not a trusted proxy is the client's;
    anything left of it was written by the client and proves nothing. A hop that is not an
    address (a trusted proxy passing on junk) stops the walk at the last proxy believed.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    nearest = parse_address(remote)
    if not proxies or nearest is None or not any(nearest in net for net in proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = parse_address(hop)
        if address is None:
            break
        if not any(address in net for net in proxies):
            return str(address)
        nearest = address
    return str(nearest)


# --- How often ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limit:
    group: str  # the URLs of a group share one count per client address
    setting: str  # the name of the setting that holds the rate ("30/m"), read per request
    methods: frozenset[str] | None = None  # None: every method counts
    api: bool = False  # answer in JSON, as the API's other errors, rather than with a page


CHECK = Limit("check", "RATELIMIT_CHECK", methods=frozenset({"POST"}))  # the form itself is free
SEARCH = Limit("search", "RATELIMIT_SEARCH")
API = Limit("api", "RATELIMIT_API", api=True)
API_URLS = (
    "search-json",
    "search-csv",
    "search-feed",
    "company-json",
    "company-feed",
    "changes-json",
    "changes-edition-json",
    "stats-json",
    "api-schema",  # made anew per request: as costly as a search
    "api-docs",
)
LIMITS: dict[str, Limit] = {
    "registry:check": CHECK,
    "registry:search": SEARCH,
    **{f"registry:{name}": API for name in API_URLS},
}


class CacheOutage:
    """Logs a failing cache once, not per request, and its return once."""

    down = False

    @classmethod
    def failed(cls) -> None:
        if not cls.down:
            cls.down = True
            logger.warning("Rate limits are off: the cache failed.", exc_info=True)

    @classmethod
    def answered(cls) -> None:
        if cls.down:
            cls.down = False
            logger.warning("Rate limits are counted again: the cache answers.")


def usage_of(request: HttpRequest, limit: Limit) -> dict[str, Any] | None:
    """django-ratelimit's count of this request (counted), or None: not limited, or the cache
    failed (fail open)."""
    try:
        usage: dict[str, Any] | None = get_usage(
            request,
            group=limit.group,
            key="ip",  # client_address() (RATELIMIT_IP_META_KEY), an IPv6 client by its /64
            rate=getattr(settings, limit.setting),
            increment=True,
        )
    except Exception:  # the cache raised, whatever its backend's error type: serve uncounted
        CacheOutage.failed()
        return None
    CacheOutage.answered()
    return usage


def wait_words(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = -(-seconds // 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def too_many_requests(
    request: HttpRequest, *, message: str, retry_after: int, api: bool
) -> HttpResponse:
    """429 with Retry-After: a JSON error in the API's shape, or a page that says why."""
    retry_after = max(retry_after, 1)
    response: HttpResponse
    if api:
        error = {"message": message, "code": "rate_limited", "retry_after": retry_after}
        response = JsonResponse({"errors": {"__all__": [error]}}, status=429)
    else:
        context = {"message": message, "wait": wait_words(retry_after)}
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware(MiddlewareMixin):
    """Counts each request to a limited URL name (LIMITS) and refuses one over its rate."""

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        limit = LIMITS.get(match.view_name) if match is not None else None
        if limit is None or (limit.methods is not None and request.method not in limit.methods):
            return None
        usage = usage_of(request, limit)
        if usage is None or not usage["should_limit"]:
            return None
        message = gettext(
            "Too many requests from your address: at most %(limit)d in %(period)s. "
            "Nothing was done for this one."
        ) % {"limit": usage["limit"], "period": rate_period(getattr(settings, limit.setting))}
        return too_many_requests(
            request, message=message, retry_after=usage["time_left"], api=limit.api
        )


def rate_period(rate: str) -> str:
    """The period of a rate in words: "30/m" -> "1 minute", "100/5m" -> "5 minutes"."""
    multiple, unit = rate.partition("/")[2][:-1] or "1", rate[-1]
    count = int(multiple)
    words = {
        "s": ngettext("%(count)d second", "%(count)d seconds", count),
        "m": ngettext("%(count)d minute", "%(count)d minutes", count),
        "h": ngettext("%(count)d hour", "%(count)d hours", count),
        "d": ngettext("%(count)d day", "%(count)d days", count),
    }
    return words[unit] % {"count": count}


# --- Admin login failures -----------------------------------------------------------------------


class LoginLockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes is untyped
    """django-axes' lockout, for logins over HTTP: a locked-out address cannot log in.

    authenticate() without a request (Client.login() in tests, a shell) comes from no address,
    so there is nothing to lock out; axes would raise, and the next backend decides instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)  # raises if locked out
        return None  # a standalone check: ModelBackend, next, authenticates


def login_lockout(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The answer to a login from a locked-out address (AXES_LOCKOUT_CALLABLE): a 429 page.
    The cool-off restarts with this try, so Retry-After is all of it."""
    cool_off = get_cool_off(request) or timedelta(0)
    seconds = int(cool_off.total_seconds())
    message = gettext(
        "Too many failed logins from your address. Logins from it are refused for %(wait)s."
    ) % {"wait": wait_words(seconds)}
    return too_many_requests(request, message=message, retry_after=seconds, api=False)
