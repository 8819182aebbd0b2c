"""A company: its page and its JSON, from the read model in registry.companies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from registry.companies import COMPANY_KEY, canonical_key, load_company
from registry.context_processors import served_register
from registry.forms import AsOfForm
from registry.http import JSON_PARAMS, cached_publicly, json_errors


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


@require_GET
@cached_publicly
def company_json(request: HttpRequest, key: str) -> HttpResponse:
    canonical = canonical_key(key)
    if canonical != key:
        return redirect("registry:company-json", key=canonical, permanent=True)
    question = AsOfForm(request.GET)
    if not question.is_valid():
        return json_errors(question.errors.get_json_data())
    day = question.cleaned_data["as_of"]
    record = load_company(key, register=served_register(request), as_of=day)
    if record is None:
        message = gettext("No company with this key (KvK number) is in the register.")
        return json_errors({"key": [{"message": message, "code": "not_found"}]}, status=404)
    return JsonResponse(record.as_json(), json_dumps_params=JSON_PARAMS)
