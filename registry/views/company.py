"""A company: its page and its JSON, from the read model in registry.companies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from registry.companies import COMPANY_KEY, canonical_key, load_company
from registry.context_processors import served_register
from registry.forms import AsOfForm
from registry.http import as_http_request, cached_publicly, json_errors
from registry.serializers import AS_OF_PARAMETER, KEY_PARAMETER, CompanySerializer, refusals


def not_found(request: HttpRequest, key: str) -> HttpResponse:
    """A friendly 404 that offers the search, prefilled when the key was a KvK number."""
    shown = key if COMPANY_KEY.fullmatch(key) else ""
    search_url = reverse("registry:search")
    if shown.isdigit():
        search_url += "?" + urlencode({"q": shown, "status": "all"})
    return render(request, "404.html", {"missing_key": shown, "search_url": search_url}, status=404)


@require_GET
@cached_publicly
def company(request: HttpRequest, key: str) -> HttpResponse:
    canonical = canonical_key(key)
    if canonical != key:
        return redirect("registry:company", key=canonical, permanent=True)
    question = AsOfForm(request.GET)
    if not question.is_valid():
        record = load_company(key, register=served_register(request))
        if record is None:
            return not_found(request, key)
        context = {"company": record, "as_of_form": question}
        return render(request, "registry/company.html", context, status=400)
    day = question.cleaned_data["as_of"]
    record = load_company(key, register=served_register(request), as_of=day)
    if record is None:
        return not_found(request, key)
    return render(request, "registry/company.html", {"company": record, "as_of_form": question})


@cached_publicly
@extend_schema(
    operation_id="company",
    summary="A company and its history",
    description=(
        "A company by its key: its KvK number (a 9-digit zero-padded or 7-digit one redirects "
        "to the 8-digit key, 301), or n-<name> for a register row without one. Its names, "
        "events and evidence per register, and its sector and place from the KvK."
    ),
    parameters=[KEY_PARAMETER, AS_OF_PARAMETER],
    responses={
        200: CompanySerializer,
        301: OpenApiResponse(description="To the canonical key (8 digits)."),
        **refusals(400, 404, 429),
    },
    tags=["companies"],
)
@api_view(["GET"])
def company_json(request: Request, key: str) -> HttpResponseBase:
    canonical = canonical_key(key)
    if canonical != key:
        return redirect("registry:company-json", key=canonical, permanent=True)
    question = AsOfForm(request.query_params)
    if not question.is_valid():
        return json_errors(question.errors.get_json_data())
    day = question.cleaned_data["as_of"]
    record = load_company(key, register=served_register(as_http_request(request)), as_of=day)
    if record is None:
        message = gettext("No company with this key (KvK number) is in the register.")
        return json_errors({"key": [{"message": message, "code": "not_found"}]}, status=404)
    return Response(record.as_json())
