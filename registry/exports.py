"""`/search.csv`: every row a search matches, streamed, for spreadsheets.

The same parameters as /search.json (ListingFilter; `page` and `page_size` are ignored: the
CSV is always every matching row). UTF-8 with a byte-order mark, because Excel reads a CSV
without one in the machine's legacy code page and garbles "Coöperatief" and "Sàrl"; other
tools skip the mark. A cell that starts with = + - @, a tab or a carriage return gets a leading
apostrophe, so a spreadsheet shows it as text instead of running it as a formula (OWASP's
advice on CSV injection). The credit the IND asks for is in the file name, a `Link` header and
the README, not in the file, which stays a plain table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from registry import places, tally
from registry.bulk import spreadsheet_safe
from registry.context_processors import Freshness, served_register
from registry.filters import ListingFilter
from registry.models import Listing
from registry.results import sector_brief

COLUMNS = (
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
CHUNK = 2000  # rows per database round trip, and per piece of the response
_KEY = "KEY-PLACEHOLDER"


class _Line:
    """csv.writer writes to this and gets the line back, so lines can be yielded."""

    def write(self, value: str) -> str:
        return value


def csv_errors(filterset: ListingFilter) -> HttpResponse:
    lines = [
        f"{field}: {error['message']}"
        for field, errors in filterset.errors.get_json_data().items()
        for error in errors
    ]
    body = "This search is not valid:\n" + "\n".join(lines) + "\n"
    return HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")


def csv_lines(
    listings: Iterator[Listing], *, company_url: tuple[str, str], register: str, edition: str
) -> Iterator[str]:
    """The header, then the rows, a chunk at a time (one write per chunk, not per row)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")  # RFC 4180 line ends
    before, after = company_url
    yield "\ufeff" + writer.writerow(COLUMNS)
    lines: list[str] = []
    for listing in listings:
        company = listing.company
        sector = sector_brief(
            sbi_code=company.sbi_code,
            section=company.sector_section,
            division=company.sector_division,
        )
        lines.append(
            writer.writerow(
                (
                    company.kvk_number,
                    spreadsheet_safe(listing.name),
                    listing.status,
                    listing.first_listed.isoformat(),
                    listing.removed_on.isoformat() if listing.removed_on else "",
                    register,
                    before + company.key + after,
                    edition,
                    sector.code if sector else "",
                    sector.title if sector else "",
                    spreadsheet_safe(places.display_name(company.city)),
                    company.province,
                )
            )
        )
        if len(lines) == CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


@require_GET
def search_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The search as CSV: /search.json's filters, all matching rows; a bad value is a 400."""
    filterset = ListingFilter(request.GET, queryset=Listing.objects.for_listing())
    if not filterset.is_valid():
        return csv_errors(filterset)
    slug = str(filterset.form.cleaned_data.get("register") or "work")
    register = served_register(request, slug)
    tally.search_in_memory(filterset, register)
    rows = filterset.qs.iterator(chunk_size=CHUNK)  # first: it sets filterset.as_of_answer
    freshness = Freshness.of(register)
    served: date | None = freshness.published_on
    if filterset.as_of_answer is not None:  # the listings of that edition, not today's
        edition = filterset.as_of_answer.edition
        served = edition.published_on if edition else None
    url = request.build_absolute_uri(reverse("registry:company", kwargs={"key": _KEY}))
    before, _, after = url.partition(_KEY)
    response = StreamingHttpResponse(
        csv_lines(
            rows,
            company_url=(before, after),
            register=slug,
            edition=served.isoformat() if served else "",
        ),
        content_type="text/csv; charset=utf-8",
    )
    on = f"-{served.isoformat()}" if served else ""
    name = f"erkend-{slug}{on}-source-ind-nl.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    credit = freshness.credit.replace('"', "'")
    response["Link"] = f'<{freshness.register_url}>; rel="via"; title="{credit}"'
    return response
