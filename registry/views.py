"""The public pages and their JSON twins. Reads go through ListingFilter and the QuerySets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from registry import lexicon, tally
from registry.bulk import MAX_LINES, check_lines, verdict_counts, write_csv
from registry.cached import ranked, remembered, results_page_key
from registry.context_processors import Freshness, served_register
from registry.enrichment import (
    CompanyFacts,
    activities_json,
    company_facts,
    place_json,
    sector_json,
)
from registry.facets import Facets, compute_facets, count_facets, facet_groups
from registry.filters import FACETS, ListingFilter, PageForm
from registry.forms import BulkCheckForm, PublicForm
from registry.models import Listing, ListingEvent, Register
from registry.querysets import ListingQuerySet
from registry.results import Result
from registry.search import nearest
from registry.slots import RETRY_AFTER_SECONDS, bulk_check_slot
from registry.timeline import (
    AsOfAnswer,
    EvidenceLink,
    company_as_of,
    company_url_maker,
    editions_of,
    evidence_links,
    listings_of_company,
    long_date,
)

PAGE_SIZE = 50  # the HTML page; the API's default too
# A Company.key: the 8-digit KvK number, or "n-" and the folded name (registry.text.name_key).
COMPANY_KEY = re.compile(r"[0-9]{8}|n-[0-9a-z-]{0,118}")
JSON_PARAMS: dict[str, Any] = {"ensure_ascii": False}


def search_queryset(register: str = "work") -> ListingQuerySet:
    return Listing.objects.of(register).for_listing()


def searched_register(filterset: ListingFilter) -> str:
    """The register a valid search asked for (ListingFilter's `register`, Work by default)."""
    return str(filterset.form.cleaned_data.get("register") or "work")


def page_link(params: QueryDict, number: int) -> str:
    """A relative link to page `number` that keeps every other parameter of the request."""
    params = params.copy()
    params["page"] = str(number)
    return f"?{params.urlencode()}"


def page_links(request: HttpRequest, page: Page[Result]) -> dict[str, str | None]:
    params = request.GET.copy()
    params.pop("page", None)
    last = page.paginator.num_pages
    return {
        "first": page_link(params, 1) if page.number > 1 else None,
        "previous": page_link(params, page.number - 1) if page.has_previous() else None,
        "next": page_link(params, page.number + 1) if page.has_next() else None,
        "last": page_link(params, last) if page.number < last else None,
    }


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


def result_rows(results: Iterable[Result]) -> list[ResultRow]:
    url = company_url_maker()
    rows = []
    for result in results:
        brief = result.sector
        city = result.city_shown
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
            )
        )
    return rows


def result_json(result: Result, *, url: Callable[[str], str]) -> dict[str, object]:
    """One search result in the API: the only place that defines its shape. `verdict`,
    `score` and `matched_on` say how well it matches the query; null without a query.
    `sector` and `city` are null while enrichment has not found them."""
    match = result.match
    brief = result.sector
    return {
        "kvk": result.kvk_number or None,
        "name": result.name,
        "status": result.status,
        "first_listed": result.first_listed.isoformat(),
        "removed_on": result.removed_on.isoformat() if result.removed_on else None,
        "url": url(result.key),
        "register": result.register,
        "verdict": match.verdict if match else None,
        "score": match.score if match else None,
        "matched_on": match.matched_on if match else None,
        "matched_name": match.matched_name if match else None,
        "sector": brief.as_json() if brief else None,
        "city": result.city_shown or None,
        "city_official": result.city or None,
    }


class ResultPaginator(Paginator[Result]):
    """Pages of Results (registry.results) of a search's selection (tally.Selected): a page
    is built from the register's columns; with a `key`, it is cached under it
    (registry.cached.results_page_key)."""

    def __init__(
        self,
        *args: Any,
        key: str | None = None,
        version: Any = None,
        missing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.key, self.version, self.missing = key, version, missing

    def _get_page(self, *args: Any, **kwargs: Any) -> Page[Result]:
        object_list, number, *rest = args
        if isinstance(object_list, tally.Selected):
            rows = object_list
            key = f"{self.key}:{self.per_page}:{number}" if self.key else None
            object_list = remembered(key, rows.results, version=self.version, missing=self.missing)
        return Page(object_list, number, *rest, **kwargs)


@dataclass(frozen=True, slots=True)
class Found:
    """A valid search's facets and its results, to be paged."""

    facets: Facets
    paginator: ResultPaginator


def find(filterset: ListingFilter, *, register: Register | None, per_page: int) -> Found:
    """The facets and the results of a valid search.

    With a search text, its candidates (registry.search.CANDIDATES at most) are found among
    the register's names in memory (registry.lexicon) and ranked once, with every filter but
    sector and place (or the ranking taken from the cache). The facets are then counted and
    the results selected over the register's columns in memory (registry.tally), among the
    ranked listings for a text search; a page's rows are built from the same columns, each
    with its match.
    """
    edition_id = current_edition_id(register)
    ranking = None
    if filterset.form.cleaned_data.get("q"):
        tally.search_in_memory(filterset, register)
        ranking = ranked(filterset, edition_id=edition_id)
        facets = count_facets(
            filterset, ranked=[m.listing_id for m in ranking], edition_id=edition_id
        )
    else:
        facets = compute_facets(filterset, edition_id=edition_id)
    key = results_page_key(filterset, edition_id=edition_id)
    selected = tally.selected(filterset, edition_id=edition_id, count=facets.total, ranking=ranking)
    paginator = ResultPaginator(
        selected,
        per_page=per_page,
        key=key,
        version=filterset.enrichment_version,  # read with the ranking (or None: read it)
        missing=filterset.ranked_now,  # a ranking made now has no page in the cache
    )
    return Found(facets=facets, paginator=paginator)


def json_errors(errors: dict[str, Any], *, status: int = 400) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status, json_dumps_params=JSON_PARAMS)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The register, searchable. Invalid parameters give the form back with its errors (200,
    so htmx swaps the explanation in as the user types) and no results table."""
    filterset = ListingFilter(request.GET, queryset=Listing.objects.for_listing())
    page = links = None
    closest: list[Result] = []
    rows: list[ResultRow] = []
    groups = []
    valid = filterset.is_valid()
    register = served_register(request, searched_register(filterset) if valid else "work")
    if valid:
        found = find(filterset, register=register, per_page=PAGE_SIZE)
        # get_page: a page out of range or not a number shows the last or the first page.
        page = found.paginator.get_page(request.GET.get("page"))
        links = page_links(request, page)
        closest = nearest_for(filterset, page)
        rows = result_rows(page)
        groups = facet_groups(found.facets, dict(request.GET.lists()))
    # A history restore after a cache miss asks for the whole page, HX-Request or not.
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )
    # The results alone for htmx, which swaps them in; the page includes the same template.
    template = "registry/search_results.html" if partial else "registry/search.html"
    params = request.GET.copy()
    params.pop("page", None)
    query_string = f"?{params.urlencode()}".rstrip("?")
    context = {
        "filterset": filterset,
        "page": page,
        "links": links,
        "query": filterset.form.cleaned_data.get("q", "") if filterset.is_valid() else "",
        "nearest": closest,
        "json_url": f"{reverse('registry:search-json')}?{params.urlencode()}".rstrip("?"),
        "atom_url": reverse("registry:search-feed") + query_string,
        "csv_url": reverse("registry:search-csv") + query_string,
        "latest_edition": register.current_edition if register else None,
        "as_of": filterset.as_of_answer,
        "rows": rows,
        "facets": groups,
        # The chosen sector and place ride along in the form as hidden fields, so a new search
        # text keeps them; an htmx answer refreshes them out of band (facet links change them).
        "facet_inputs": facet_inputs(filterset),
        "htmx_partial": partial,
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a cache must not serve the partial as a page
    return response


@require_GET
def search_json(request: HttpRequest) -> JsonResponse:
    """The search as JSON: the same filters, `page` and `page_size`; a bad value is a 400."""
    filterset = ListingFilter(request.GET, queryset=Listing.objects.for_listing())
    paging = PageForm(request.GET)
    filter_ok, paging_ok = filterset.is_valid(), paging.is_valid()  # both, to report all errors
    if not (filter_ok and paging_ok):
        return json_errors({**filterset.errors.get_json_data(), **paging.errors.get_json_data()})
    register = served_register(request, searched_register(filterset))
    found = find(
        filterset, register=register, per_page=paging.cleaned_data["page_size"] or PAGE_SIZE
    )
    paginator = found.paginator
    number = paging.cleaned_data["page"] or 1
    if number > paginator.num_pages:
        last = paginator.num_pages
        message = f"Page {number} does not exist: the last page is {last}."
        return json_errors({"page": [{"message": message, "code": "out_of_range"}]})
    page = paginator.page(number)
    params = request.GET.copy()
    params.pop("page", None)
    freshness = Freshness.of(register)
    url = company_url_maker()
    data = {
        "count": paginator.count,
        "results": [result_json(result, url=url) for result in page],
        "next": (
            request.build_absolute_uri(page_link(params, number + 1)) if page.has_next() else None
        ),
        "previous": (
            request.build_absolute_uri(page_link(params, number - 1))
            if page.has_previous()
            else None
        ),
        "facets": found.facets.as_json(),
        "edition": freshness.as_json(),
        "source": freshness.credit,
    }
    if filterset.as_of_answer is not None:
        data["as_of"] = filterset.as_of_answer.as_json()
    if filterset.form.cleaned_data.get("q") and not paginator.count:
        on = freshness.published_on.isoformat() if freshness.published_on else None
        data["no_match"] = {
            "message": f"Not on the register as of {on}" if on else "No edition loaded yet",
            "nearest": [result_json(result, url=url) for result in nearest_for(filterset, page)],
        }
    return JsonResponse(data, json_dumps_params=JSON_PARAMS)


def current_edition_id(register: Register | None) -> int | None:
    return register.current_edition_id if register else None


def facet_inputs(filterset: ListingFilter) -> list[tuple[str, str]]:
    """The valid sector and place filters as (name, value): a wrong one is dropped, so the
    next search corrects it."""
    chosen = filterset.form.cleaned_data
    return [(name, chosen[name].param) for name in FACETS if chosen.get(name) is not None]


def nearest_for(filterset: ListingFilter, page: Page[Result]) -> list[Result]:
    """Names to offer when a search found nothing good enough (one extra query, then only)."""
    text = filterset.form.cleaned_data.get("q") or ""
    if not text or page.paginator.count:
        return []
    slug = searched_register(filterset)
    return [
        Result.of_listing(listing, register=slug)
        for listing in nearest(search_queryset(slug).current(), text)
    ]


# --- A company ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameRecord:
    name: str
    name_as_published: str
    first_edition: date
    last_edition: date
    current: bool


@dataclass(frozen=True, slots=True)
class EventRecord:
    kind: str
    label: str
    edition: date
    old_name: str
    new_name: str
    format_only: bool


@dataclass(frozen=True, slots=True)
class Timeline:
    """A company's life on one register: its names, its events, the evidence per edition."""

    listing: Listing
    names: list[NameRecord]
    current_names: list[str]  # two for a KvK listed under two names at once
    events: list[EventRecord]
    maybe_listed_earlier: bool  # first seen in our first stored edition of this register
    evidence: list[EvidenceLink]  # one permalink per stored edition it was in, newest first
    as_of: AsOfAnswer | None  # the answer for ?as_of=, when asked

    @property
    def register(self) -> Register:
        return self.listing.register

    def as_json(self) -> dict[str, object]:
        listing = self.listing
        return {
            "register": listing.register.slug,
            "register_name": listing.register.name,
            "name": listing.name,
            "status": listing.status,
            "first_listed": listing.first_listed.isoformat(),
            "removed_on": listing.removed_on.isoformat() if listing.removed_on else None,
            "names": [
                {
                    "name": n.name,
                    "name_as_published": n.name_as_published,
                    "first_edition": n.first_edition.isoformat(),
                    "last_edition": n.last_edition.isoformat(),
                    "current": n.current,
                }
                for n in self.names
            ],
            "events": [
                {
                    "kind": e.kind,
                    "edition": e.edition.isoformat(),
                    "old_name": e.old_name or None,
                    "new_name": e.new_name or None,
                    "format_only": e.format_only,
                }
                for e in self.events
            ],
            "evidence": [
                {"edition": link.edition.isoformat(), "url": link.url} for link in self.evidence
            ],
            "as_of": self.as_of.as_json() if self.as_of else None,
        }


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """Everything a company page states; its JSON is this record serialised, nothing more.

    One timeline per register the company is (or was) on, Work first; the top-level name,
    status, names and events are those of the first, so a Work-only company reads as before.
    """

    timelines: list[Timeline]
    freshness: Freshness
    facts: CompanyFacts  # sector and place from the KvK, with their sources

    @property
    def primary(self) -> Timeline:
        return self.timelines[0]

    @property
    def listing(self) -> Listing:
        return self.primary.listing

    @property
    def names(self) -> list[NameRecord]:
        return self.primary.names

    @property
    def current_names(self) -> list[str]:
        return self.primary.current_names

    @property
    def events(self) -> list[EventRecord]:
        return self.primary.events

    @property
    def maybe_listed_earlier(self) -> bool:
        return self.primary.maybe_listed_earlier

    @property
    def kvk(self) -> str:
        return self.listing.company.kvk_number

    @property
    def key(self) -> str:
        return self.listing.company.key

    @property
    def url(self) -> str:
        return reverse("registry:company", kwargs={"key": self.key})

    @property
    def json_url(self) -> str:
        return reverse("registry:company-json", kwargs={"key": self.key})

    @property
    def feed_url(self) -> str:
        return reverse("registry:company-feed", kwargs={"key": self.key})

    def as_json(self) -> dict[str, object]:
        primary = self.primary.as_json()
        return {
            "kvk": self.kvk or None,
            "key": self.key,
            "name": primary["name"],
            "status": primary["status"],
            "first_listed": primary["first_listed"],
            "removed_on": primary["removed_on"],
            "url": self.url,
            "names": primary["names"],
            "events": primary["events"],
            "registers": [timeline.as_json() for timeline in self.timelines],
            "feed": self.feed_url,
            "sector": sector_json(self.facts.sector),
            "city": place_json(self.facts.place),
            "activities": activities_json(self.facts.activities),
            "edition": self.freshness.as_json(),
            "source": self.freshness.credit,
        }


def canonical_key(key: str) -> str:
    """The Company.key a pasted number means: 9 digits zero-padded (as in the June 2025
    edition) lose the leading zero, 7 digits (a spreadsheet ate the zero) regain it."""
    if len(key) == 9 and key.startswith("0") and key.isascii() and key.isdigit():
        return key[1:]
    if len(key) == 7 and key.isascii() and key.isdigit():
        return "0" + key
    return key


def event_label(event: ListingEvent) -> str:
    if event.kind == ListingEvent.Kind.ADDED:
        return "Added to the register"
    if event.kind == ListingEvent.Kind.REMOVED:
        return "No longer listed"
    if event.kind == ListingEvent.Kind.READDED:
        return "Listed again"
    if event.format_only:
        return "Name reformatted (formatting only: quotes, spaces or entities)"
    return "Renamed"


def load_company(
    key: str, *, register: Register | None, as_of: date | None = None
) -> CompanyRecord | None:
    """The company page's data, for the page and its JSON alike; None if the key is unknown.

    Queries: the listings with names and events (3), each listing's register editions (1
    each: first edition, evidence and the as-of answer all read them), the SBI titles (1, if
    it has activities).
    """
    if not COMPANY_KEY.fullmatch(key):
        return None  # not a key we could hold; no query (and no NUL byte reaches PostgreSQL)
    listings = listings_of_company(key)
    if not listings:
        return None
    return CompanyRecord(
        timelines=[timeline_of(listing, as_of=as_of) for listing in listings],
        freshness=Freshness.of(register),
        facts=company_facts(listings[0].company),
    )


def timeline_of(listing: Listing, *, as_of: date | None) -> Timeline:
    names = list(listing.names.all())
    # The names of the latest edition the listing appeared in; for a listed company that is
    # the current edition, and a KvK listed under two names at once has two of them.
    latest = (
        max((n.last_edition.published_on, n.last_edition_id) for n in names)[1] if names else None
    )
    name_records = [
        NameRecord(
            name=n.name,
            name_as_published=n.name_raw,
            first_edition=n.first_edition.published_on,
            last_edition=n.last_edition.published_on,
            current=listing.is_listed and n.last_edition_id == latest,
        )
        for n in names
    ]
    last_names = [n.name for n in names if n.last_edition_id == latest] or [listing.name]
    editions = editions_of(listing.register_id)
    first_stored = editions[0].published_on if editions else None
    return Timeline(
        listing=listing,
        names=name_records,
        current_names=last_names,
        events=[
            EventRecord(
                kind=e.kind,
                label=event_label(e),
                edition=e.edition.published_on,
                old_name=e.old_name,
                new_name=e.new_name,
                format_only=e.format_only,
            )
            for e in listing.events.all()
        ],
        maybe_listed_earlier=first_stored is not None and listing.first_listed <= first_stored,
        evidence=evidence_links(listing, editions=editions),
        as_of=company_as_of(listing, as_of, editions=editions) if as_of else None,
    )


class AsOfForm(PublicForm):
    """The company page's "was it listed on this date?" question."""

    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        label="Was it listed on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, for example 2025-03-04."},
    )


def not_found(request: HttpRequest, key: str) -> HttpResponse:
    """A friendly 404 that offers the search, prefilled when the key was a KvK number."""
    shown = key if COMPANY_KEY.fullmatch(key) else ""
    search_url = reverse("registry:search")
    if shown.isdigit():
        search_url += "?" + urlencode({"q": shown, "status": "all"})
    return render(request, "404.html", {"missing_key": shown, "search_url": search_url}, status=404)


@require_GET
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
        message = "No company with this key (KvK number) is in the register."
        return json_errors({"key": [{"message": message, "code": "not_found"}]}, status=404)
    return JsonResponse(record.as_json(), json_dumps_params=JSON_PARAMS)


# --- The bulk check -----------------------------------------------------------------------------

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
    """The bulk check: up to 1,000 names or KvK numbers, pasted or in a CSV file, checked
    against the register; a table, or the same rows as a CSV download.

    A POST body over the limit is refused here, before anything reads it: otherwise the CSRF
    middleware would read it first and Django answer a bare "Bad Request (400)" (over
    DATA_UPLOAD_MAX_MEMORY_SIZE), or stream a huge file to disk before the form refused it.
    Django documents this split (csrf_exempt outside, csrf_protect inside) for views that must
    act before the body is read; nothing is done for a refused request, with a token or not.
    """
    size = request_body_size(request)
    if request.method == "POST" and size > check_body_limit():
        message = (
            f"The form sent {size:,} bytes; the limit is {check_body_limit():,} bytes "
            f"(a CSV file of at most 1 MB, or at most {MAX_LINES:,} pasted lines). "
            "Nothing was checked."
        )
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
    edition_date = Freshness.of(register).published_on
    edition_id = current_edition_id(register)
    names = None if edition_id is None else partial(lexicon.of, "work", edition_id=edition_id)
    with bulk_check_slot() as free:
        if not free:  # as many checks as allowed are running: come back, rather than queue
            return busy(request, form)
        rows = check_lines(
            form.lines_to_check(),
            listings=Listing.objects.of("work"),
            edition_date=edition_date,
            names=names,
        )
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
        problems=[line.message for line in form.lines_to_check() if line.error],
        uploaded=bool(form.cleaned_data.get("file")),
    )
