"""The language switch: /language/nl/?next=/search/?q=x sets the language cookie and goes back.

A GET link, not Django's set_language (a POST form): the public pages are cached publicly and
carry no CSRF token, and a link works without JavaScript. It changes nothing but the reader's
own cookie, so a GET is safe. LocaleMiddleware reads the cookie on every later request; until
there is one, Accept-Language decides.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def safe_next(request: HttpRequest) -> str:
    """`next` if it is a path on this site; "/" for anything else (another host, a scheme, none)."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else "/"


@require_GET
@never_cache  # the answer depends on `next` and sets a cookie: no shared cache may keep it
def switch_language(request: HttpRequest, code: str) -> HttpResponseRedirect:
    if code not in language_codes():
        raise Http404("No such language")
    response = HttpResponseRedirect(safe_next(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",  # sent when a link from elsewhere opens the site: the page is theirs
    )
    return response
