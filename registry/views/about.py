"""The /about/ page: what the register is, what the data is and is not, and who runs the site."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from registry.about import (
    SALARY_THRESHOLDS,
    THRESHOLDS_SOURCE,
    THRESHOLDS_VALID_FROM,
    contact_href,
)
from registry.http import cached_publicly


@require_GET
@cached_publicly
def about(request: HttpRequest) -> HttpResponse:
    """The explanations, with the served edition's date and our last check (the header's
    freshness): cached like the search page, until the register or the release changes."""
    context = {
        "thresholds": SALARY_THRESHOLDS,
        "thresholds_source": THRESHOLDS_SOURCE,
        "thresholds_valid_from": THRESHOLDS_VALID_FROM,
        "contact": settings.OPERATOR_CONTACT,
        "contact_href": contact_href(settings.OPERATOR_CONTACT),
    }
    return render(request, "registry/about.html", context)
