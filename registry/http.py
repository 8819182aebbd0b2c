"""What the public views share about HTTP: JSON errors, page links and the validators that let
browsers and proxies cache a page until the register it shows changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import condition

from registry.context_processors import served_register, synced_registers
from registry.enrichment import Progress
from registry.models import Register

JSON_PARAMS: dict[str, Any] = {"ensure_ascii": False}

View = Callable[..., HttpResponseBase]


def json_errors(errors: dict[str, Any], *, status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status, json_dumps_params=JSON_PARAMS)


def page_link(params: QueryDict, number: int) -> str:
    """A relative link to page `number` that keeps every other parameter of the request."""
    params = params.copy()
    params["page"] = str(number)
    return f"?{params.urlencode()}"


def without_page(params: QueryDict) -> QueryDict:
    params = params.copy()
    params.pop("page", None)
    return params


def _served(request: HttpRequest) -> Register | None:
    slug = request.GET.get("register") or "work"
    return served_register(request, slug if slug in Register.Slug.values else "work")


def _etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str | None:
    """What a public response is made of: the served edition, the enrichment version and
    whether enrichment is running (the filters say so), the last check (the page says when it
    was), the release, the language and whether htmx asked for a fragment. Any change among
    them is a new response; none, and the client's copy stands."""
    register = _served(request)
    if register is None:
        return None
    checked = register.last_checked_at.timestamp() if register.last_checked_at else 0
    parts = (
        register.current_edition_id or 0,
        register.enrichment_version,
        "running" if Progress.of(register, now=timezone.now()).running else "still",
        ".".join(sorted(synced_registers(request))),  # the register choices say which have data
        int(checked),
        settings.RELEASE,
        get_language() or "",
        "hx" if request.headers.get("HX-Request") else "",
    )
    return "-".join(str(part) for part in parts)


def _last_modified(request: HttpRequest, *args: Any, **kwargs: Any) -> datetime | None:
    register = _served(request)
    if register is None:
        return None
    times = [register.last_checked_at, register.enrichment_changed_at]
    known = [moment for moment in times if moment is not None]
    return max(known) if known else None


def cached_publicly(view: View) -> View:
    """An ETag and Last-Modified from the served register (a conditional GET gets 304 without
    the page being built), and `Cache-Control: public, max-age=HTTP_MAX_AGE` on a success, so
    a reverse proxy or CDN can answer repeated requests. Errors are not cached."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(view)

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=settings.HTTP_MAX_AGE)
        else:
            patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ["HX-Request"])  # a fragment is not the page
        return response

    wrapped.__name__ = getattr(view, "__name__", "view")
    wrapped.__doc__ = view.__doc__
    return wrapped
