"""The search for programs: `/search.json` (a page, with the facets) and `/search.csv` (every
row, for spreadsheets). The same parameters as the page (registry.filters.ListingFilter).
The JSON is a Django REST framework view, described by registry.serializers for the OpenAPI
schema (`/api/schema/`) and its docs page (`/api/docs/`), both here.

The CSV is UTF-8 with a byte-order mark, because Excel reads a CSV without one in the
machine's legacy code page and garbles "Coöperatief" and "Sàrl"; other tools skip the mark. A
cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula (OWASP's advice on CSV
injection). The credit the IND asks for is in the file name and a `Link` header, not in the
file, which stays a plain table. `page` and `page_size` are ignored there: it is every row.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from registry.bulk import spreadsheet_safe
from registry.context_processors import Freshness, served_register
from registry.filters import ListingFilter, PageForm
from registry.http import (
    as_http_request,
    cached_publicly,
    json_errors,
    page_link,
    without_page,
)
from registry.search import Result, search, select
from registry.serializers import SearchSerializer, listing_parameters, refusals
from registry.timeline import company_url_maker

PAGE_SIZE = 50  # as the page
CSV_COLUMNS = (
    "kvk",
    "name",
    "status",
    "first_listed",
    "removed_on",
    "register",
    "url",
    "edition",
    # From the KvK (enrichment), empty while not known: the main SBI code (or the division)
    # and its division's title, the head office's place as people say it, and its province.
    "sector",
    "sector_title",
    "city",
    "province",
)
CSV_CHUNK = 2000  # rows per piece of the response
_KEY = "KEY-PLACEHOLDER"


def result_json(result: Result, *, url: Callable[[str], str]) -> dict[str, object]:
    """One search result in the API: the only place that defines its shape. `verdict`,
    `reason`, `score` and `matched_on` say how well it matches the query; null without a
    query. `status` is the status on the date the search is about (`as_of`, else today),
    `status_now` today's. `sector` and `city` are null while enrichment has not found them."""
    match = result.match
    brief = result.sector
    return {
        "kvk": result.kvk_number or None,
        "name": result.name,
        "status": result.status,
        "status_now": result.status_now,
        "first_listed": result.first_listed.isoformat(),
        "removed_on": result.removed_on.isoformat() if result.removed_on else None,
        "url": url(result.key),
        "register": result.register,
        "verdict": match.verdict if match else None,
        "reason": match.reason or None if match else None,
        "score": match.score if match else None,
        "matched_on": match.matched_on if match else None,
        "matched_name": match.matched_name if match else None,
        "sector": brief.as_json() if brief else None,
        "city": result.city_shown or None,
        "city_official": result.city or None,
    }


@cached_publicly
@extend_schema(
    operation_id="search",
    summary="Search the register",
    description=(
        "Employers by name or KvK number, filtered and ranked as on the search page, a page "
        "at a time, with the facets' counts. Each result says how well it matches the query: "
        "`verdict`, `reason` and `score`. A bad parameter is a 400 naming every bad one."
    ),
    parameters=listing_parameters(),
    responses={200: SearchSerializer, **refusals(400, 429)},
    tags=["search"],
)
@api_view(["GET"])
def search_json(request: Request) -> Response:
    """The search as JSON: the same filters, `page` and `page_size`; a bad value is a 400."""
    filterset = ListingFilter(request.query_params, request=as_http_request(request))
    paging = PageForm(request.query_params)
    filter_ok, paging_ok = filterset.is_valid(), paging.is_valid()  # both, to report all errors
    if not (filter_ok and paging_ok):
        return json_errors({**filterset.errors.get_json_data(), **paging.errors.get_json_data()})
    register = served_register(as_http_request(request), filterset.register_slug)
    number = paging.cleaned_data["page"] or 1
    page = search(
        filterset.query(),
        page=number,
        per_page=paging.cleaned_data["page_size"] or PAGE_SIZE,
        register=register,
    )
    if number > page.num_pages:
        message = gettext("Page %(number)s does not exist: the last page is %(last)s.") % {
            "number": number,
            "last": page.num_pages,
        }
        return json_errors({"page": [{"message": message, "code": "out_of_range"}]})
    params = without_page(request.query_params)
    freshness = Freshness.of(register)
    url = company_url_maker()
    data: dict[str, object] = {
        "count": page.count,
        "results": [result_json(result, url=url) for result in page.results],
        "next": (
            request.build_absolute_uri(page_link(params, number + 1)) if page.has_next else None
        ),
        "previous": (
            request.build_absolute_uri(page_link(params, number - 1)) if page.has_previous else None
        ),
        "facets": {
            facet.name: [option.as_json() for option in facet.options] for facet in page.facets
        },
        "edition": freshness.as_json(),
        "source": freshness.credit,
    }
    if page.as_of is not None:
        data["as_of"] = page.as_of.as_json()
    if page.query.text and not page.count:
        on = freshness.published_on.isoformat() if freshness.published_on else None
        data["no_match"] = {
            "message": (
                gettext("Not on the register as of %(date)s") % {"date": on}
                if on
                else gettext("No edition loaded yet")
            ),
            "nearest": [result_json(result, url=url) for result in page.nearest],
        }
    return Response(data)


# OpenAPI 3, YAML unless ?format=json.
api_schema = SpectacularAPIView.as_view()


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI over the schema, its init script a file of its own (`?script`), not inline:
    the Content-Security-Policy allows scripts from our own files only."""

    template_name = "registry/api_docs.html"
    url_name = "registry:api-schema"


api_docs = ApiDocs.as_view()


class _Line:
    """csv.writer writes to this and gets the line back, so lines can be yielded."""

    def write(self, value: str) -> str:
        return value


def text_errors(filterset: ListingFilter, *, heading: str) -> HttpResponse:
    """A 400 in plain text, for a CSV or a feed that cannot be made: what is wrong, per field."""
    lines = [
        f"{field}: {error['message']}"
        for field, errors in filterset.errors.get_json_data().items()
        for error in errors
    ]
    body = heading + "\n" + "\n".join(lines) + "\n"
    return HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")


def csv_lines(
    results: Iterable[Result], *, company_url: tuple[str, str], edition: str
) -> Iterator[str]:
    """The header, then the rows, a chunk at a time (one write per chunk, not per row)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")  # RFC 4180 line ends
    before, after = company_url
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    lines: list[str] = []
    for result in results:
        sector = result.sector
        lines.append(
            writer.writerow(
                (
                    result.kvk_number,
                    spreadsheet_safe(result.name),
                    result.status,
                    result.first_listed.isoformat(),
                    result.removed_on.isoformat() if result.removed_on else "",
                    result.register,
                    before + result.key + after,
                    edition,
                    sector.code if sector else "",
                    sector.title if sector else "",
                    spreadsheet_safe(result.city_shown),
                    result.province,
                )
            )
        )
        if len(lines) == CSV_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


@require_GET
@cached_publicly
def search_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The search as CSV: /search.json's filters, all matching rows; a bad value is a 400."""
    filterset = ListingFilter(request.GET, request=request)
    if not filterset.is_valid():
        return text_errors(filterset, heading=gettext("This search is not valid:"))
    slug = filterset.register_slug
    register = served_register(request, slug)
    selection = select(filterset.query(), register=register)
    freshness = Freshness.of(register)
    served: date | None = freshness.published_on
    if selection.as_of is not None:  # the listings of that edition, not today's
        edition = selection.as_of.edition
        served = edition.published_on if edition else None
    url = request.build_absolute_uri(reverse("registry:company", kwargs={"key": _KEY}))
    before, _, after = url.partition(_KEY)
    response = StreamingHttpResponse(
        csv_lines(
            selection, company_url=(before, after), edition=served.isoformat() if served else ""
        ),
        content_type="text/csv; charset=utf-8",
    )
    on = f"-{served.isoformat()}" if served else ""
    name = f"erkend-{slug}{on}-source-ind-nl.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    credit = freshness.credit.replace('"', "'")
    response["Link"] = f'<{freshness.register_url}>; rel="via"; title="{credit}"'
    return response
