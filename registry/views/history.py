"""The register over time, as pages: what each edition changed (/changes/), the evidence that a
company was in an edition with the stored page to download, and the size of a register over
time (/stats/). Reads go through registry.timeline; each page has a JSON twin where it has
numbers.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from registry.charts import Chart, hbar_chart, line_chart, updown_chart
from registry.companies import COMPANY_KEY, canonical_key
from registry.context_processors import Freshness, served_register
from registry.http import as_http_request, json_errors
from registry.models import Edition, Listing, Register
from registry.sbi import SECTIONS_2025
from registry.serializers import (
    EDITION_PARAMETER,
    STATS_REGISTER_PARAMETER,
    ChangesSerializer,
    EditionChangesSerializer,
    StatsSerializer,
    refusals,
)
from registry.timeline import (
    EDITION_FIELDS,
    Change,
    EditionChanges,
    EditionEntries,
    EditionFigures,
    changes_of,
    edition_on,
    editions_of,
    editions_per_day,
    entries_of,
    evidence_links,
    figures_of,
    long_date,
    names_in,
    was_listed_in,
)

REGISTER_SLUGS = Register.Slug.values


class Problem(Exception):
    """A request we cannot answer, with the status and a message a person understands."""

    def __init__(self, status: int, title: str, message: str, *, links: list[Link] | None = None):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message
        self.links = links or []


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str


def problem_page(request: HttpRequest, problem: Problem) -> HttpResponse:
    context = {"title": problem.title, "message": problem.message, "links": problem.links}
    return render(request, "registry/problem.html", context, status=problem.status)


def problem_json(problem: Problem, *, field: str) -> Response:
    code = "not_found" if problem.status == 404 else "invalid"
    return json_errors({field: [{"message": problem.message, "code": code}]}, status=problem.status)


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> date:
    try:
        if ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        pass
    message = gettext("“%(text)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-10-03.") % {
        "text": text[:40]
    }
    raise Problem(400, gettext("Not a date"), message)


def register_named(slug: str) -> Register:
    """The register of a URL (one query); a Problem for a slug that names none."""
    register = Register.objects.filter(slug=slug).first() if slug in REGISTER_SLUGS else None
    if register is None:
        known = ", ".join(REGISTER_SLUGS)
        message = gettext("There is no register “%(slug)s”: try %(known)s.") % {
            "slug": slug[:40],
            "known": known,
        }
        raise Problem(404, gettext("No such register"), message)
    return register


def edition_of_url(
    request: HttpRequest, register: Register, day_text: str
) -> tuple[list[Edition], Edition]:
    """The edition a URL names: its register's editions (one query) and the one of that date,
    the latest stored that day unless `?edition=<pk>` picks another of the same day."""
    day = parse_day(day_text)
    pk_text = request.GET.get("edition", "")
    pk = None
    if pk_text:
        if not (pk_text.isascii() and pk_text.isdigit() and len(pk_text) < 12):
            message = gettext("“%(text)s” is not an edition number.") % {"text": pk_text[:40]}
            raise Problem(400, gettext("Not an edition number"), message)
        pk = int(pk_text)
    editions = editions_of(register)
    edition = edition_on(editions, day, pk=pk)
    if edition is None:
        links = [
            Link(long_date(e.published_on), changes_url(register.slug, e)) for e in editions[::-1]
        ]
        names = {"register": register.name, "date": long_date(day), "pk": pk}
        if pk is not None:
            message = (
                gettext("No edition (number %(pk)s) of the %(register)s dated %(date)s is stored.")
                % names
            )
        else:
            message = gettext("No edition of the %(register)s dated %(date)s is stored.") % names
        raise Problem(404, gettext("No such edition"), message, links=links)
    return editions, edition


def changes_url(slug: str, edition: Edition, *, suffix: str = "", unambiguous: bool = False) -> str:
    """The changes page (or with suffix ".json" its JSON) of an edition; `unambiguous` adds
    the edition's number, for a date that two stored editions share."""
    name = "registry:changes-edition-json" if suffix == ".json" else "registry:changes-edition"
    url = reverse(name, kwargs={"register": slug, "day": edition.published_on.isoformat()})
    return f"{url}?edition={edition.pk}" if unambiguous else url


# --- What changed -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditionRow:
    edition: Edition
    url: str  # its changes page
    baseline: bool  # the first edition we stored: what it holds is new to us, not news
    entries: EditionEntries


@dataclass(frozen=True, slots=True)
class RegisterHistory:
    register: Register
    editions: list[Edition]  # newest first
    first_pk: int | None

    @property
    def latest(self) -> EditionRow | None:
        rows = self.rows
        return rows[0] if rows else None

    @property
    def rows(self) -> list[EditionRow]:
        per_day = editions_per_day(self.editions)
        return [
            EditionRow(
                edition=e,
                url=changes_url(self.register.slug, e, unambiguous=per_day[e.published_on] > 1),
                baseline=e.pk == self.first_pk,
                entries=entries_of(e),
            )
            for e in self.editions
        ]


def register_histories() -> list[RegisterHistory]:
    """Every register with its editions, newest first (two queries)."""
    registers = list(Register.objects.defer("etag", "last_modified").order_by("pk"))
    editions = list(Edition.objects.only(*EDITION_FIELDS).order_by("published_on", "pk"))
    histories = []
    for register in registers:
        own = [e for e in editions if e.register_id == register.pk]
        histories.append(RegisterHistory(register, own[::-1], own[0].pk if own else None))
    return histories


def edition_summary(edition: Edition, *, baseline: bool, slug: str) -> dict[str, object]:
    entries = entries_of(edition)
    return {
        "edition": edition.published_on.isoformat(),
        "edition_id": edition.pk,
        "rows": edition.row_count,
        "kvks": edition.kvk_count,
        "first_stored": baseline,
        # The first edition we stored changed nothing we know of: no counts, not its size.
        # Split as in the edition's own counts: new to the register, and back after a gap.
        "added": None if baseline else entries.added,
        "readded": None if baseline else entries.back,
        "removed": None if baseline else edition.removed,
        "renamed": None if baseline else edition.renamed,
        "reformatted": None if baseline else edition.reformatted,
        "flagged": edition.flagged or None,
        "url": changes_url(slug, edition),
    }


@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    """The latest edition of each register with what it changed, and every earlier edition."""
    return render(request, "registry/changes.html", {"histories": register_histories()})


@extend_schema(
    operation_id="changes",
    summary="Every stored edition of each register",
    description="Per register, its editions newest first, with what each changed.",
    responses={200: ChangesSerializer, **refusals(429)},
    tags=["history"],
)
@api_view(["GET"])
def changes_json(request: Request) -> Response:
    data = {
        "registers": [
            {
                "register": h.register.slug,
                "name": h.register.name,
                "editions": [
                    edition_summary(e, baseline=e.pk == h.first_pk, slug=h.register.slug)
                    for e in h.editions
                ],
            }
            for h in register_histories()
        ],
        "source": Freshness.of(None).credit,
    }
    return Response(data)


def load_changes(request: HttpRequest, slug: str, day: str) -> tuple[Register, EditionChanges]:
    register = register_named(slug)
    editions, edition = edition_of_url(request, register, day)
    return register, changes_of(edition, editions)


@require_GET
def edition_changes(request: HttpRequest, register: str, day: str) -> HttpResponse:
    """One edition of one register: who was added, listed again, removed and renamed."""
    try:
        register_row, found = load_changes(request, register, day)
    except Problem as problem:
        return problem_page(request, problem)
    context = {
        "register": register_row,
        "changes": found,
        "counts": found.counts(),
        # The same figures and words as the home page and /changes/ (registry.timeline).
        "entries": entries_of(found.edition),
        "json_url": changes_url(register_row.slug, found.edition, suffix=".json"),
        "previous_url": changes_url(register_row.slug, found.previous) if found.previous else "",
        "next_url": changes_url(register_row.slug, found.next) if found.next else "",
    }
    return render(request, "registry/changes_edition.html", context)


@extend_schema(
    operation_id="edition_changes",
    summary="What one edition changed",
    description=(
        "One edition of one register: who was added, listed again, removed, renamed and "
        "reformatted, compared with the edition before. A date that is not one, or a register "
        "or edition we do not have, is a 400 or 404."
    ),
    parameters=[
        OpenApiParameter(
            "register", str, OpenApiParameter.PATH, enum=REGISTER_SLUGS, description="Register."
        ),
        OpenApiParameter(
            "day", str, OpenApiParameter.PATH, description="The edition's date, YYYY-MM-DD."
        ),
        EDITION_PARAMETER,
    ],
    responses={200: EditionChangesSerializer, **refusals(400, 404, 429)},
    tags=["history"],
)
@api_view(["GET"])
def edition_changes_json(request: Request, register: str, day: str) -> Response:
    try:
        register_row, found = load_changes(as_http_request(request), register, day)
    except Problem as problem:
        return problem_json(problem, field="edition")

    def rows(changes: list[Change]) -> list[dict[str, object]]:
        return [
            {
                "kvk": c.kvk or None,
                "name": c.name,
                **({"old_name": c.old_name} if c.old_name else {}),
                "url": c.url,
            }
            for c in changes
        ]

    data = {
        "register": register_row.slug,
        **edition_summary(found.edition, baseline=found.baseline, slug=register_row.slug),
        "previous": found.previous.published_on.isoformat() if found.previous else None,
        "counts": None if found.baseline else found.counts(),
        "added": rows(found.added),
        "readded": rows(found.readded),
        "removed": rows(found.removed),
        "renamed": rows(found.renamed),
        "reformatted": rows(found.reformatted),
        "source": gettext("%(credit)s, list of %(date)s")
        % {"credit": Freshness.of(None).credit, "date": long_date(found.edition.published_on)},
    }
    return Response(data)


# --- Evidence -----------------------------------------------------------------------------------


@require_GET
def evidence(request: HttpRequest, key: str, register: str, day: str) -> HttpResponse:
    """The permalink of "listed in the edition of D", with the stored page and its hash."""
    canonical = canonical_key(key)
    if canonical != key:
        target = reverse(
            "registry:evidence", kwargs={"key": canonical, "register": register, "day": day}
        )
        query = request.GET.urlencode()
        return redirect(f"{target}?{query}" if query else target, permanent=True)
    try:
        register_row = register_named(register)
        editions, edition = edition_of_url(request, register_row, day)
        listing = (
            Listing.objects.with_history().filter(company__key=key, register=register_row).first()
            if COMPANY_KEY.fullmatch(key)
            else None
        )
        if listing is None:
            message = gettext("No company with the key “%(key)s” is on the %(register)s.") % {
                "key": key[:40],
                "register": register_row.name,
            }
            raise Problem(404, gettext("No such company on this register"), message)
        listing.register = register_row  # no query for it below
        if not was_listed_in(listing, edition):
            others = [
                Link(
                    gettext("Listed in the edition of %(date)s")
                    % {"date": long_date(link.edition)},
                    link.url,
                )
                for link in evidence_links(listing, editions=editions)
            ]
            message = gettext(
                "%(name)s was not listed in the edition of %(date)s of the %(register)s."
            ) % {
                "name": listing.name,
                "date": long_date(edition.published_on),
                "register": register_row.name,
            }
            raise Problem(404, gettext("Not listed in that edition"), message, links=others)
    except Problem as problem:
        return problem_page(request, problem)
    same_day = sum(1 for e in editions if e.published_on == edition.published_on) > 1
    page_url = reverse(
        "registry:edition-page",
        kwargs={"register": register_row.slug, "day": edition.published_on.isoformat()},
    )
    if same_day:
        page_url += f"?edition={edition.pk}"
    context = {
        "listing": listing,
        "register": register_row,
        "edition": edition,
        "names": names_in(listing, edition),
        "permalink": request.build_absolute_uri(),
        "page_url": page_url,
        "page_sep": "&" if same_day else "?",
        "page_name": page_filename(register_row.slug, edition, edition.raw_content_type),
        "changes_url": changes_url(register_row.slug, edition),
        "company_url": reverse("registry:company", kwargs={"key": key}),
    }
    return render(request, "registry/evidence.html", context)


def page_filename(slug: str, edition: Edition, content_type: str) -> str:
    extension = "csv" if content_type == "text/csv" else "html"
    return f"ind-register-{slug}-{edition.published_on.isoformat()}.{extension}"


@require_GET
def edition_page(request: HttpRequest, register: str, day: str) -> HttpResponse:
    """The page of an edition exactly as we fetched it (decompressed), to download, or with
    `?inline=1` to view here: sandboxed, as it is someone else's HTML on our address."""
    try:
        register_row = register_named(register)
        _, found = edition_of_url(request, register_row, day)
    except Problem as problem:
        return problem_page(request, problem)
    edition = Edition.objects.only(
        "raw_gzip", "raw_sha256", "raw_content_type", "published_on"
    ).get(pk=found.pk)
    raw = gzip.decompress(bytes(edition.raw_gzip)) if edition.raw_gzip else b""
    response = HttpResponse(raw, content_type=edition.raw_content_type or "text/html")
    name = page_filename(register_row.slug, edition, edition.raw_content_type)
    inline = request.GET.get("inline") == "1"
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response["X-Content-SHA256"] = edition.raw_sha256
    response["X-Content-Type-Options"] = "nosniff"
    # No script, no request to anywhere: the IND's markup, shown as it was stored.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- Stats --------------------------------------------------------------------------------------


class StatsForm(forms.Form):
    register = forms.ChoiceField(choices=Register.Slug.choices, required=False)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Employers listed now, by one enriched property (sector or province)."""

    key: str  # "sector" or "province"
    rows: list[tuple[str, str, int]]  # (code, name, employers), most first
    unknown: int  # listed, but the property is not known (yet)
    chart: Chart

    def as_json(self) -> dict[str, object]:
        return {
            "listed": [
                {self.key: code, "name": name, "employers": n} for code, name, n in self.rows
            ],
            "unknown": self.unknown,
        }


@dataclass(frozen=True, slots=True)
class RegisterStats:
    register: Register
    figures: list[EditionFigures]  # oldest first
    size_chart: Chart
    changes_chart: Chart
    sectors: Breakdown | None = None  # None until enrichment has found any
    provinces: Breakdown | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "register": self.register.slug,
            "name": self.register.name,
            "editions": [
                {
                    "edition": f.published_on.isoformat(),
                    "edition_id": f.edition_pk,
                    "rows": f.rows,
                    "kvks": f.kvks,
                    "added": f.added,
                    "removed": f.removed,
                    "renamed": f.renamed,
                }
                for f in self.figures
            ],
            "sectors": self.sectors.as_json() if self.sectors else None,
            "provinces": self.provinces.as_json() if self.provinces else None,
        }


def stats_of(register: Register) -> RegisterStats:
    """A register's size and changes per edition, with their charts, and once enrichment has
    run its employers per sector and province (two queries)."""
    figures = figures_of(editions_of(register))
    dates = [f.published_on for f in figures]
    name = register.name
    if dates:
        description = ngettext(
            "Rows and distinct KvK numbers in each of the %(num)d stored editions, from %(first)s"
            " to %(last)s. The vertical axis starts near the smallest value, not at zero.",
            "Rows and distinct KvK numbers in each of the %(num)d stored editions, from %(first)s"
            " to %(last)s. The vertical axis starts near the smallest value, not at zero.",
            len(figures),
        ) % {"num": len(figures), "first": long_date(dates[0]), "last": long_date(dates[-1])}
    else:
        description = gettext(
            "Rows and distinct KvK numbers in each of the 0 stored editions."
            " The vertical axis starts near the smallest value, not at zero."
        )
    size = line_chart(
        slug="size",
        title=gettext("Size of the %(register)s per edition") % {"register": name},
        description=description,
        dates=dates,
        series=[
            (gettext("Rows"), "rows", [f.rows for f in figures]),
            (gettext("Distinct KvK numbers"), "kvks", [f.kvks for f in figures]),
        ],
    )
    changed = [f for f in figures if f.added is not None]
    updown = updown_chart(
        slug="changes",
        title=gettext("Employers added and removed per edition of the %(register)s")
        % {"register": name},
        description=gettext(
            "Per edition, the employers added (new or listed again, up) and no longer listed "
            "(down), compared with the edition before. The first stored edition is left out: "
            "everything in it is new to us."
        ),
        dates=[f.published_on for f in changed],
        up=(gettext("Added"), "added", [f.added or 0 for f in changed]),
        down=(gettext("Removed"), "removed", [f.removed or 0 for f in changed]),
    )
    return RegisterStats(
        register,
        figures,
        size,
        updown,
        **breakdowns_of(register),
    )


def sector_name(letter: str) -> str:
    section = SECTIONS_2025.get(letter)
    return section.label if section else letter


def breakdowns_of(register: Register) -> dict[str, Breakdown | None]:
    """Employers listed now per sector and per province (enrichment fills both), counted in
    one GROUP BY over the pairs; None for either while no listed employer has it."""
    pairs = (
        Listing.objects.filter(register=register, removed_on__isnull=True)
        .values_list("company__sector_section", "company__province")
        .annotate(employers=Count("pk"))
        .order_by()
    )
    sectors: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    for sector, province, employers in pairs:
        sectors[sector] += employers
        provinces[province] += employers
    return {
        "sectors": breakdown(register, "sector", sectors, sector_name),
        "provinces": breakdown(register, "province", provinces, str),
    }


def breakdown(
    register: Register, key: str, counts: Counter[str], name_of: Callable[[str], str]
) -> Breakdown | None:
    known = sorted(
        ((code, n) for code, n in counts.items() if code), key=lambda item: (-item[1], item[0])
    )
    if not known:
        return None
    unknown = counts[""]
    rows = [(code, name_of(code), n) for code, n in known]
    names = {"register": register.name, "num": number_format(unknown, force_grouping=True)}
    if key == "sector":
        title = gettext("Employers on the %(register)s per sector") % names
        description = ngettext(
            "Employers listed now, by the sector (SBI section of the main activity) of their KvK"
            " registration; %(num)s is not known yet and not drawn.",
            "Employers listed now, by the sector (SBI section of the main activity) of their KvK"
            " registration; %(num)s are not known yet and not drawn.",
            unknown,
        )
    else:
        title = gettext("Employers on the %(register)s per province") % names
        description = ngettext(
            "Employers listed now, by the province of their KvK registration; %(num)s is not"
            " known yet and not drawn.",
            "Employers listed now, by the province of their KvK registration; %(num)s are not"
            " known yet and not drawn.",
            unknown,
        )
    chart = hbar_chart(
        slug=f"{key}s",
        title=title,
        description=description % names,
        items=[(name, n) for _, name, n in rows],
    )
    return Breakdown(key=key, rows=rows, unknown=unknown, chart=chart)


def stats_register(request: HttpRequest) -> Register:
    form = StatsForm(request.GET)
    if not form.is_valid():
        known = ", ".join(REGISTER_SLUGS)
        given = request.GET.get("register", "")[:40]
        message = gettext("There is no register “%(slug)s”: try %(known)s.") % {
            "slug": given,
            "known": known,
        }
        raise Problem(400, gettext("No such register"), message)
    slug = form.cleaned_data["register"] or "work"
    register = served_register(request, slug)
    if register is None:
        message = gettext("The %(slug)s register is not set up yet.") % {"slug": slug}
        raise Problem(404, gettext("No such register"), message)
    return register


@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    """A register's size over time and its additions and removals, as charts and tables."""
    try:
        register = stats_register(request)
    except Problem as problem:
        return problem_page(request, problem)
    found = stats_of(register)
    query = f"?register={register.slug}" if register.slug != "work" else ""
    context = {
        "stats": found,
        "breakdowns": [found.sectors, found.provinces],
        "registers": Register.Slug.choices,
        "json_url": reverse("registry:stats-json") + query,
    }
    return render(request, "registry/stats.html", context)


@extend_schema(
    operation_id="stats",
    summary="A register's size and changes per edition",
    description=(
        "A register's rows, KvK numbers, additions and removals per stored edition, and once "
        "enrichment has run, its employers per sector and per province."
    ),
    parameters=[STATS_REGISTER_PARAMETER],
    responses={200: StatsSerializer, **refusals(400, 404, 429)},
    tags=["history"],
)
@api_view(["GET"])
def stats_json(request: Request) -> Response:
    try:
        register = stats_register(as_http_request(request))
    except Problem as problem:
        return problem_json(problem, field="register")
    freshness = Freshness.of(register)
    data = {
        **stats_of(register).as_json(),
        "edition": freshness.as_json(),
        "source": freshness.credit,
    }
    return Response(data)
