"""What the public views share about HTTP: the API's errors and how it picks a format, page
links, and the validators that let browsers and proxies cache a page until the register it
shows changes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import condition
from rest_framework.exceptions import APIException, NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from registry.context_processors import served_register, synced_registers
from registry.enrichment import Progress
from registry.models import Register

View = Callable[..., HttpResponseBase]


def as_http_request(request: Request) -> HttpRequest:
    """DRF's Request passes on every attribute of the HttpRequest it wraps ("Requests" in
    DRF's guide), so the code below the API views, written for Django's, takes it as one."""
    return cast(HttpRequest, request)


def json_errors(errors: dict[str, Any], *, status: int = 400) -> Response:
    """The API's refusal: `{"errors": {field: [{"message": ..., "code": ...}]}}`."""
    return Response({"errors": errors}, status=status)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's own refusals (a POST is a 405) in the shape of the API's other errors
    (REST_FRAMEWORK["EXCEPTION_HANDLER"]), under `__all__`: they concern the whole request."""
    # Imported here: rest_framework.views reads FallbackNegotiation, below, as it loads.
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        error = {"message": str(exc.detail), "code": str(exc.get_codes())}
        response.data = {"errors": {"__all__": [error]}}
    return response


class FallbackNegotiation(DefaultContentNegotiation):
    """DRF's negotiation (`?format=`, then Accept), except that a format or Accept header a
    view cannot give is answered in its first format, as before DRF, rather than with a 404 or
    406: only the schema has two formats, and no client should lose a search to its Accept."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        try:
            chosen: tuple[BaseRenderer, str] = super().select_renderer(
                request, renderers, format_suffix
            )
        except (Http404, NotAcceptable):
            return renderers[0], renderers[0].media_type
        return chosen


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
        # A fragment is not the page; the language comes from the cookie the switch sets
        # (config/language.py), else Accept-Language (LocaleMiddleware adds that one too).
        patch_vary_headers(response, ["HX-Request", "Accept-Language", "Cookie"])
        return response

    # Its name, docs and attributes (a DRF view's `cls`, by which drf-spectacular finds it).
    return functools.update_wrapper(wrapped, view)
