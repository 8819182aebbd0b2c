"""The search page: the form, the facets, a page of results; the results alone for htmx."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET

from registry.context_processors import served_register
from registry.enrichment import Progress
from registry.filters import ListingFilter
from registry.http import cached_publicly, page_link, without_page
from registry.models import Register
from registry.search import Result, SearchPage, search
from registry.search.facets import Facet
from registry.search.words import reason_text, verdict_label
from registry.timeline import company_url_maker, entries_of, is_baseline, long_date

PAGE_SIZE = 50
ON_THE_FORM = ("status",)  # facets the form itself offers as a field: no links for them


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A row of the results table, worked out here rather than in the template (50 a page)."""

    result: Result
    url: str
    first_listed: str  # "1 July 2026"
    removed_on: str  # "" while listed
    sector: str  # the section's label, "" when not known
    sector_detail: str  # "SBI 62100: Computer programming, consultancy and related activities"
    city: str  # as people say it ("Den Haag"), "" when not known
    city_official: str  # the official name when it differs ("'s-Gravenhage"), else ""
    status: str  # listed | removed, on the date the search is about (today, or as of)
    verdict: str  # how well it matches the text (registry.search.words); "" without a text
    verdict_label: str
    reason: str


def result_rows(results: Iterable[Result]) -> list[ResultRow]:
    url = company_url_maker()
    rows = []
    for result in results:
        brief = result.sector
        city = result.city_shown
        match = result.match
        rows.append(
            ResultRow(
                result=result,
                url=url(result.key),
                first_listed=long_date(result.first_listed),
                removed_on=long_date(result.removed_on) if result.removed_on else "",
                sector=brief.section_label if brief else "",
                sector_detail=f"SBI {brief.code}: {brief.title}" if brief else "",
                city=city,
                city_official=result.city if city != result.city else "",
                status=result.status,
                verdict=match.verdict if match else "",
                verdict_label=verdict_label(match.verdict) if match else "",
                reason=reason_text(match, removed_on=result.removed_on) if match else "",
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class OptionLink:
    label: str
    count: int
    url: str  # "" for an option that would show nothing: it is listed, not linked
    active: bool
    sub: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    name: str  # "sector"
    title: str  # "Sector"
    options: list[OptionLink]
    active_label: str  # "" when this facet is not chosen
    remove_url: str  # the same search without this facet
    coverage: str = ""  # "City known for 0 of 12,885 employers.", "" when all are known
    progress: str = ""  # "Enrichment is running, about 1 a minute.", beside the coverage


def grouped(number: int) -> str:
    """12,885 in English, 12.885 in Dutch: inside a translated sentence, as on the page."""
    return number_format(number, force_grouping=True)


def coverage_text(facet: Facet) -> str:
    """How many of the listings counted have a known value, in one sentence per facet (so a
    translator sees each whole); "" for a facet not from enrichment, or known for all."""
    if not facet.enriched or facet.known >= facet.total:
        return ""
    numbers = {"known": grouped(facet.known), "total": grouped(facet.total)}
    texts = {
        "sector": ngettext(
            "Sector known for %(known)s of %(total)s employer.",
            "Sector known for %(known)s of %(total)s employers.",
            facet.total,
        ),
        "city": ngettext(
            "City known for %(known)s of %(total)s employer.",
            "City known for %(known)s of %(total)s employers.",
            facet.total,
        ),
        "province": ngettext(
            "Province known for %(known)s of %(total)s employer.",
            "Province known for %(known)s of %(total)s employers.",
            facet.total,
        ),
        "legal_form": ngettext(
            "Legal form known for %(known)s of %(total)s employer.",
            "Legal form known for %(known)s of %(total)s employers.",
            facet.total,
        ),
    }
    return texts[facet.name] % numbers


def progress_text(progress: Progress) -> str:
    if progress.running:
        return gettext("Enrichment from the KvK is running, about %(rate)s a minute.") % {
            "rate": grouped(progress.per_minute)
        }
    return gettext("Enrichment from the KvK is not running now.")


def facet_groups(
    facets: Iterable[Facet], params: dict[str, list[str]], *, progress: Progress
) -> list[FacetGroup]:
    """The page's links: each keeps every other parameter (search text, status, sort, the
    other facets) and drops `page`, and the empty ones a form sends (an empty value is the
    default). `params` is the request's query as lists of values.

    A facet from enrichment that is not known for every listing says how many it is known
    for and whether enrichment is running; known for none, it offers no choices but the one
    chosen (a list of zeros and "Not known yet" helps nobody)."""
    groups = []
    for facet in facets:
        if facet.name in ON_THE_FORM:
            continue
        coverage = coverage_text(facet)
        options = facet.options
        if facet.enriched and not facet.known:
            options = [option for option in options if option.active]
        others = [
            (key, value)
            for key, values in params.items()
            for value in values
            if value and key not in (facet.name, "page")
        ]
        prefix = urlencode(others)
        joint = f"?{prefix}&" if prefix else "?"
        active = facet.active
        groups.append(
            FacetGroup(
                name=facet.name,
                title=str(facet.title),
                options=[
                    OptionLink(
                        label=str(o.label),
                        count=o.count,
                        url=joint + urlencode({facet.name: o.value}) if o.count or o.active else "",
                        active=o.active,
                        sub=o.sub,
                    )
                    for o in options
                ],
                active_label=str(active.label) if active else "",
                remove_url=f"?{prefix}",
                coverage=coverage,
                progress=progress_text(progress) if coverage else "",
            )
        )
    return groups


def facet_inputs(filterset: ListingFilter) -> list[tuple[str, str]]:
    """The valid facet filters as (name, value) for hidden fields, so a new search text keeps
    them; a wrong one is dropped, so the next search corrects it."""
    chosen = filterset.form.cleaned_data
    names = ("sector", "city", "province", "legal_form")
    return [(name, chosen[name].param) for name in names if hasattr(chosen.get(name), "param")]


def page_links(request: HttpRequest, page: SearchPage) -> dict[str, str | None]:
    params = without_page(request.GET)
    last = page.num_pages
    return {
        "first": page_link(params, 1) if page.number > 1 else None,
        "previous": page_link(params, page.number - 1) if page.has_previous else None,
        "next": page_link(params, page.number + 1) if page.has_next else None,
        "last": page_link(params, last) if page.number < last else None,
    }


def _page_number(request: HttpRequest) -> int:
    """The page asked for, as Django's Paginator.get_page reads it: not a number is the first;
    one past the end, or below 1, the last (search() serves the last for any page past it)."""
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        return 1
    return number if number >= 1 else sys.maxsize


def register_label(slug: str) -> str:
    return str(dict(Register.Slug.choices).get(slug, slug))


@require_GET
@cached_publicly
def search_page(request: HttpRequest) -> HttpResponse:
    """The register, searchable. Invalid parameters give the form back with its errors (200,
    so htmx swaps the explanation in as the user types) and no results table."""
    filterset = ListingFilter(request.GET, request=request)
    valid = filterset.is_valid()
    register = served_register(request, filterset.register_slug if valid else "work")
    page = links = None
    rows: list[ResultRow] = []
    groups: list[FacetGroup] = []
    # A register never synced has no list to search: say so rather than show none found.
    not_synced = valid and (register is None or register.current_edition_id is None)
    if valid and not not_synced:
        page = search(
            filterset.query(), page=_page_number(request), per_page=PAGE_SIZE, register=register
        )
        links = page_links(request, page)
        rows = result_rows(page.results)
        groups = facet_groups(
            page.facets,
            dict(request.GET.lists()),
            progress=Progress.of(register, now=timezone.now()),
        )
    # A history restore after a cache miss asks for the whole page, HX-Request or not.
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    # The results alone for htmx, which swaps them in; the page includes the same template.
    template = "registry/search_results.html" if partial else "registry/search.html"
    params = without_page(request.GET)
    edition = register.current_edition if register else None
    query_string = f"?{params.urlencode()}".rstrip("?")
    context = {
        "filterset": filterset,
        "page": page,
        "links": links,
        "query": page.query.text if page else "",
        "nearest": page.nearest if page else [],
        "json_url": reverse("registry:search-json") + query_string,
        "atom_url": reverse("registry:search-feed") + query_string,
        "csv_url": reverse("registry:search-csv") + query_string,
        "latest_edition": edition,
        # What the latest edition changed, worded as /changes/ words it; none for the first
        # edition we stored, whose entries are the whole register rather than news.
        "latest_entries": entries_of(edition) if edition and not is_baseline(edition) else None,
        "as_of": page.as_of if page else None,
        "rows": rows,
        "equal_matches": page.group if page else [],
        "facets": groups,
        # The chosen facets ride along in the form as hidden fields; an htmx answer refreshes
        # them out of band (facet links change them).
        "facet_inputs": facet_inputs(filterset),
        "htmx_partial": partial,
        "not_synced": register_label(filterset.register_slug) if not_synced else "",
        "filters_set": filters_set(filterset, request.GET),
        # The best answer has only some of the words typed: say so above the list.
        "some_words_only": bool(
            page
            and page.number == 1
            and page.results
            and page.results[0].match is not None
            and page.results[0].match.reason == "some_words"
        ),
    }
    return render(request, template, context)


# The fields under "Filters", folded on a phone: its summary says how many are set, so a filter
# chosen earlier is not hidden from whoever reads the results.
FOLDED_FILTERS = ("register", "status", "listed_since", "sort", "editions", "as_of")


def filters_set(filterset: ListingFilter, params: QueryDict) -> int:
    """How many of the folded filters differ from their defaults."""
    count = 0
    for name in FOLDED_FILTERS:
        value = params.get(name)
        if value and value != filterset.filters[name].extra.get("initial"):
            count += 1
    return count
