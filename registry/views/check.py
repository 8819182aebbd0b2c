"""The bulk check: up to 1,000 names or KvK numbers, pasted or in a CSV file, checked against
the register (registry.search.check); a table, or the same rows as a CSV download."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from registry.bulk import MAX_LINES, check_row, verdict_counts, write_csv
from registry.context_processors import Freshness, served_register
from registry.forms import BulkCheckForm
from registry.search import check as check_lines
from registry.slots import RETRY_AFTER_SECONDS, bulk_check_slot

# The largest POST the bulk check reads: a 1 MB file, or 1,000 lines of 200 characters (at most
# 0.8 MB in UTF-8), with room for the form around them. Below Django's own 2.5 MB default for
# DATA_UPLOAD_MAX_MEMORY_SIZE, so the check here answers first, in words.
MAX_CHECK_BODY_BYTES = 2 * 1024 * 1024


def check_body_limit() -> int:
    django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: Django sets no limit
    return MAX_CHECK_BODY_BYTES if django_limit is None else min(MAX_CHECK_BODY_BYTES, django_limit)


def request_body_size(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # Django reads no body without a valid length either


def render_check(
    request: HttpRequest, form: BulkCheckForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    context = {"form": form, "max_lines": MAX_LINES, **context}
    return render(request, "registry/check.html", context, status=status)


@csrf_exempt  # only until the size is known: check_form() below is csrf_protect'ed
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """The bulk check's page, and its answer.

    A POST body over the limit is refused here, before anything reads it: otherwise the CSRF
    middleware would read it first and Django answer a bare "Bad Request (400)" (over
    DATA_UPLOAD_MAX_MEMORY_SIZE), or stream a huge file to disk before the form refused it.
    Django documents this split (csrf_exempt outside, csrf_protect inside) for views that must
    act before the body is read; nothing is done for a refused request, with a token or not.
    """
    size = request_body_size(request)
    if request.method == "POST" and size > check_body_limit():
        message = gettext(
            "The form sent %(size)s bytes; the limit is %(limit)s bytes (a CSV file of at most "
            "1 MB, or at most %(lines)s pasted lines). Nothing was checked."
        ) % {"size": f"{size:,}", "limit": f"{check_body_limit():,}", "lines": f"{MAX_LINES:,}"}
        return render_check(request, BulkCheckForm(), status=400, request_error=message)
    return check_form(request)


def busy(request: HttpRequest, form: BulkCheckForm) -> HttpResponse:
    message = gettext(
        "Other lists are being checked right now. Please send yours again in a few seconds."
    )
    response = render_check(request, form, status=503, request_error=message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@csrf_protect
def check_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render_check(request, BulkCheckForm())
    form = BulkCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_check(request, form, status=400)  # for a CSV request too: it explains
    register = served_register(request)
    as_of = form.cleaned_data.get("as_of")
    with bulk_check_slot() as free:
        if not free:  # as many checks as allowed are running: come back, rather than queue
            return busy(request, form)
        lines = form.lines_to_check()
        texts = ["" if line.error else line.text for line in lines]
        found, answer = check_lines(texts, register=register, as_of=as_of)
    if answer is None:
        edition_date = Freshness.of(register).published_on
    else:  # what the verdicts are as of: the edition that date rests on (None: not known)
        edition_date = answer.edition.published_on if answer.edition else None
    rows = [
        check_row(line, best, edition_date=edition_date)
        for line, best in zip(lines, found, strict=True)
    ]
    if form.wants_csv:
        name = f"erkend-check-{edition_date.isoformat() if edition_date else 'no-edition'}.csv"
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        # A byte order mark: without it Excel reads UTF-8 as Windows-1252 ("DÃ¼mmen").
        response.write("\ufeff")
        write_csv(rows, response)
        return response
    return render_check(
        request,
        form,
        rows=rows,
        counts=verdict_counts(rows),
        problems=[line.message for line in lines if line.error],
        uploaded=bool(form.cleaned_data.get("file")),
        as_of=answer,
    )
