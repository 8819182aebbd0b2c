"""What the JSON API answers, field by field: the serializers drf-spectacular turns into the
OpenAPI schema (/api/schema/), and the query parameters it documents.

The answers themselves are built by the functions that always built them (result_json,
CompanyRecord.as_json, ...), so their shape and speed stay as they are; these serializers
describe them. tests/test_api.py checks real answers against the schema, with no field
undeclared on either side, so the two cannot drift apart.

The search's parameters are not repeated here: `listing_parameters()` reads their names,
types and choices from registry.filters (ListingFilter and PageForm), and adds the words
below, one per parameter (a parameter without words fails the schema's test).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from registry.filters import ListingFilter, PageForm
from registry.models import ListingEvent, Register
from registry.search import words
from registry.search.scoring import LIKELY, REASONS, SIMILAR, VERDICTS

REGISTERS = Register.Slug.values
STATUSES = ("listed", "removed")

# --- Parameters ---------------------------------------------------------------------------------

PARAMETER_WORDS: dict[str, str] = {
    "register": "The register searched: work (the default), exchange, study or research.",
    "as_of": (
        "A date (YYYY-MM-DD): the employers listed on that date, in the latest stored edition "
        "published on or before it, each with its `status` then (listed); `status_now` says "
        "today's. Without `status`, every employer listed then, whatever it is now."
    ),
    "status": (
        "listed (listed now), removed (no longer listed) or all. Without it: listed, but all "
        "when `q` or `as_of` is given, since the employer someone names may have left the "
        "register (it is labelled, and ranked below a listed one of equal match)."
    ),
    "listed_since": "A date (YYYY-MM-DD): only employers first listed on or after it.",
    "editions": "1 to 12: only employers new in the last N editions.",
    "q": (
        "A company name (or part of one, with typos) or a KvK number, at most 200 characters. "
        "Results are ranked by how well they match; each says its `verdict`, `reason` and "
        "`score`."
    ),
    "sort": (
        "relevance (the default: best match first, A to Z without `q`), name (A to Z), "
        "newest (first listed, newest first) or recent (new in the last editions)."
    ),
    "sector": (
        "An SBI section letter (A to V, e.g. K), a 2-digit SBI division (e.g. 62), or "
        "`unknown` for employers whose sector the KvK has not told us yet."
    ),
    "city": (
        "A Dutch place as the KvK names it or as people say it ('s-Gravenhage, Den Haag, The "
        "Hague), case and accents aside, or `unknown`. A place we do not know is a 400."
    ),
    "province": "One of the twelve provinces (Zuid-Holland, Fryslân, ...) or `unknown`.",
    "legal_form": (
        "A legal form as the KvK names it (Besloten Vennootschap), case and accents aside, or "
        "`unknown`."
    ),
    "page": "The page number, from 1. A page beyond the last is a 400 that names the last.",
    "page_size": "Results per page, 1 to 100 (50 without it).",
}


def _parameter(name: str, field: forms.Field | None, *, declared: Any = None) -> OpenApiParameter:
    kind: Any = OpenApiTypes.STR
    enum = None
    if isinstance(declared, django_filters.DateFilter) or isinstance(field, forms.DateField):
        kind = OpenApiTypes.DATE
    elif isinstance(field, forms.IntegerField) or isinstance(declared, django_filters.NumberFilter):
        kind = OpenApiTypes.INT
    choices = declared.extra.get("choices") if declared is not None else None
    if choices:
        enum = [value for value, _label in choices]
    default = declared.extra.get("initial") if declared is not None else None
    if name == "status":
        default = None  # listed, or all with `q` or `as_of`: the words say it
    return OpenApiParameter(
        name,
        kind,
        location=OpenApiParameter.QUERY,
        description=PARAMETER_WORDS[name],
        enum=enum,
        default=default,
    )


def listing_parameters() -> list[OpenApiParameter]:
    """The query parameters of /search.json, as ListingFilter and PageForm declare them."""
    filters = [_parameter(name, None, declared=f) for name, f in ListingFilter.base_filters.items()]
    paging = [_parameter(name, field) for name, field in PageForm.base_fields.items()]
    return filters + paging


KEY_PARAMETER = OpenApiParameter(
    "key",
    OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    description="The KvK number (8 digits), or n-<name> for a register row without one.",
)
AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    location=OpenApiParameter.QUERY,
    description=(
        "A date (YYYY-MM-DD): whether the company was listed on it (`as_of` in each register's "
        "timeline), by the latest stored edition published on or before it."
    ),
)
STATS_REGISTER_PARAMETER = OpenApiParameter(
    "register",
    OpenApiTypes.STR,
    location=OpenApiParameter.QUERY,
    enum=REGISTERS,
    default="work",
    description="The register: work (the default), exchange, study or research.",
)
EDITION_PARAMETER = OpenApiParameter(
    "edition",
    OpenApiTypes.INT,
    location=OpenApiParameter.QUERY,
    description="The edition's number (`edition_id`), for a date on which two were stored.",
)


# --- Shared pieces ------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    message = serializers.CharField(help_text="What is wrong, in words a person understands.")
    code = serializers.CharField(
        help_text="Django's code of the error: invalid, required, max_length, out_of_range, "
        "not_found, rate_limited, method_not_allowed, ..."
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="With rate_limited: seconds until a request is counted again."
    )


class ErrorsSerializer(serializers.Serializer[Any]):
    """Every refusal (400, 404, 405, 429) has this shape."""

    errors = serializers.DictField(  # type: ignore[assignment]  # not Serializer.errors
        child=ErrorSerializer(many=True),
        help_text="Per parameter (`__all__` for the request as a whole), its errors; every "
        "wrong parameter at once.",
    )


class FreshnessSerializer(serializers.Serializer[Any]):
    register = serializers.ChoiceField(choices=REGISTERS, help_text="The register served.")
    updated_on = serializers.DateField(
        allow_null=True, help_text="The IND's date of the edition served; null: none loaded."
    )
    checked_at = serializers.DateTimeField(
        allow_null=True, help_text="Our last look at the IND page, whether it had news or not."
    )


def source_field() -> serializers.CharField:
    return serializers.CharField(
        help_text="The credit the IND asks for: its register, and the date of the list shown."
    )


class AsOfSerializer(serializers.Serializer[Any]):
    date = serializers.DateField(help_text="The date asked about (`as_of`).")
    register = serializers.ChoiceField(choices=REGISTERS)
    edition = serializers.DateField(
        allow_null=True,
        help_text="The stored edition the answer rests on: the latest published on or before "
        "the date; null when our history starts after it (unknown).",
    )
    known = serializers.BooleanField(help_text="Whether an edition covers the date.")
    listed = serializers.BooleanField(
        allow_null=True,
        help_text="For one company: whether it was listed in that edition; null in a search.",
    )
    note = serializers.CharField(help_text="The answer in words.")


REFUSALS = {
    400: "A parameter is not valid: each wrong one named, with what is wrong.",
    404: "Nothing by that key, register or date: what was not found, in words.",
    429: "Too many requests from this address: `Retry-After` says when to come back.",
}


def refusals(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers an endpoint gives, each with the shape of ErrorsSerializer."""
    return {
        status: OpenApiResponse(ErrorsSerializer, description=REFUSALS[status])
        for status in statuses
    }


# --- /search.json -------------------------------------------------------------------------------


class SectorBriefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="The main SBI code (or its division, or section).")
    title = serializers.CharField(allow_null=True, help_text="The SBI division's title.")
    section = serializers.CharField(allow_null=True, help_text="The SBI 2025 section letter.")


def _codes(texts: dict[str, Any], codes: tuple[str, ...]) -> str:
    return "; ".join(f"`{code}`: {texts[code]}" for code in codes)


class ResultSerializer(serializers.Serializer[Any]):
    kvk = serializers.CharField(
        allow_null=True,
        help_text="The KvK (Chamber of Commerce) number, 8 digits; null for a register row "
        "without one.",
    )
    name = serializers.CharField(help_text="The name as the IND lists it (the current one).")
    status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="The status on the date the search is about: `as_of` when given (then "
        "always listed), else today.",
    )
    status_now = serializers.ChoiceField(
        choices=STATUSES, help_text="The status today, whatever `as_of` asked."
    )
    first_listed = serializers.DateField(help_text="The first edition that listed it.")
    removed_on = serializers.DateField(
        allow_null=True, help_text="The first edition that no longer listed it; null if listed."
    )
    url = serializers.CharField(help_text="Its page; `.json` in place of `/` gives its JSON.")
    register = serializers.ChoiceField(choices=REGISTERS)
    verdict = serializers.ChoiceField(
        choices=VERDICTS,
        allow_null=True,
        help_text=(
            "How the result answers the query (`q`); null without one. `listed`: the KvK "
            "number or the whole name (legal form, accents and punctuation aside) of an "
            "employer on the register, never given to one that is not; `removed`: the same, "
            f"but no longer listed; `likely`: a close match (score {LIKELY} or more: a typo, a "
            "missing or extra word, a brand that starts the legal name); `similar`: a weaker "
            f"candidate worth a look (score {SIMILAR} or more). A close spelling of one name "
            "beside another name with the words as typed is `similar`."
        ),
    )
    reason = serializers.ChoiceField(
        choices=REASONS,
        allow_null=True,
        help_text="Why it matches, strongest first: "
        + _codes(words.REASONS, REASONS)
        + ". Null without a query.",
    )
    score = serializers.FloatField(
        allow_null=True,
        min_value=0,
        max_value=1,
        help_text=(
            "How well the name (or KvK number) matches the query, from 0 (nothing in common) "
            "to 1 (the whole name or the KvK number itself): the share of the words typed "
            "found in the name, weighed with the share of the name's words they account for "
            "and with their order. Results are ranked by it; it orders results of one query, "
            "it is not a probability. Null without a query."
        ),
    )
    matched_on = serializers.ChoiceField(
        choices=("name", "former_name", "kvk"),
        allow_null=True,
        help_text="What matched: its current name, a name it used before, or its KvK number.",
    )
    matched_name = serializers.CharField(
        allow_null=True, help_text="The name that matched (a former name with former_name)."
    )
    sector = SectorBriefSerializer(
        allow_null=True, help_text="From the KvK; null until enrichment has found it."
    )
    city = serializers.CharField(
        allow_null=True,
        help_text="The head office's place as people say it (Den Haag); null until known.",
    )
    city_official = serializers.CharField(
        allow_null=True, help_text="The place as the KvK names it ('s-Gravenhage)."
    )


class FacetOptionSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(help_text="The parameter's value that chooses it.")
    label = serializers.CharField()  # type: ignore[assignment]  # not DRF's Field.label
    count = serializers.IntegerField(help_text="The results it would give, other filters kept.")


class NoMatchSerializer(serializers.Serializer[Any]):
    message = serializers.CharField(help_text="Not on the register, as of the edition served.")
    nearest = ResultSerializer(many=True, help_text="The names and KvK numbers closest to it.")


class SearchSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text="Results in all pages.")
    results = ResultSerializer(many=True, help_text="This page's results, best first.")
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The page before; null first.")
    facets = serializers.DictField(
        child=FacetOptionSerializer(many=True),
        help_text="Per facet (sector, city, province, status, legal_form), its options, "
        "`unknown` last.",
    )
    edition = FreshnessSerializer()
    source = source_field()  # type: ignore[assignment]  # a field, not DRF's Field.source
    as_of = AsOfSerializer(required=False, help_text="With `as_of`: what the answer rests on.")
    no_match = NoMatchSerializer(
        required=False, help_text="With `q` and no result: what was closest."
    )


# --- /company/{key}.json ------------------------------------------------------------------------


class NameSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    name_as_published = serializers.CharField(help_text="As the IND spelled it, untidied.")
    first_edition = serializers.DateField()
    last_edition = serializers.DateField()
    current = serializers.BooleanField(help_text="Listed under this name now.")


class EventSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ListingEvent.Kind.values)
    edition = serializers.DateField()
    old_name = serializers.CharField(allow_null=True, help_text="With renamed.")
    new_name = serializers.CharField(allow_null=True, help_text="With renamed.")
    format_only = serializers.BooleanField(help_text="A rename in spelling or layout only.")


class EvidenceSerializer(serializers.Serializer[Any]):
    edition = serializers.DateField()
    url = serializers.CharField(help_text="The permalink: the stored IND page that listed it.")


class TimelineSerializer(serializers.Serializer[Any]):
    register = serializers.ChoiceField(choices=REGISTERS)
    register_name = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    first_listed = serializers.DateField()
    removed_on = serializers.DateField(allow_null=True)
    names = NameSerializer(many=True)
    events = EventSerializer(many=True)
    evidence = EvidenceSerializer(many=True, help_text="One per stored edition, newest first.")
    as_of = AsOfSerializer(allow_null=True, help_text="The answer for `as_of`, when asked.")


class FactSource(serializers.Serializer[Any]):
    source = serializers.CharField(  # type: ignore[assignment]  # not DRF's Field.source
        help_text="The KvK product the value came from."
    )
    fetched_on = serializers.DateField()


class CompanySectorSerializer(FactSource):
    code = serializers.CharField(help_text="The main SBI code.")
    title = serializers.CharField()
    version = serializers.CharField(allow_null=True, help_text="The SBI version of the code.")
    section = serializers.CharField(allow_null=True)
    section_title = serializers.CharField(allow_null=True)
    division = serializers.CharField(allow_null=True)


class PlaceSerializer(FactSource):
    name = serializers.CharField(allow_null=True, help_text="As people say it (Den Haag).")
    official_name = serializers.CharField(allow_null=True, help_text="As the KvK names it.")
    municipality = serializers.CharField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    region = serializers.CharField(allow_null=True)


class ActivitySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    title = serializers.CharField()
    main = serializers.BooleanField()
    version = serializers.CharField(allow_null=True)
    section = serializers.CharField(allow_null=True)


class CompanySerializer(serializers.Serializer[Any]):
    """A company; its first register's timeline (Work first) repeated at the top level."""

    kvk = serializers.CharField(allow_null=True)
    key = serializers.CharField(help_text="Its key in URLs: the KvK number, or n-<name>.")
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES, help_text="The status today.")
    first_listed = serializers.DateField()
    removed_on = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    names = NameSerializer(many=True)
    events = EventSerializer(many=True)
    registers = TimelineSerializer(many=True, help_text="One timeline per register, Work first.")
    feed = serializers.CharField(help_text="Its Atom feed of changes.")
    sector = CompanySectorSerializer(allow_null=True, help_text="From the KvK, when known.")
    city = PlaceSerializer(allow_null=True, help_text="The head office, from the KvK.")
    activities = ActivitySerializer(many=True, help_text="Its SBI activities, from the KvK.")
    edition = FreshnessSerializer()
    source = source_field()  # type: ignore[assignment]  # a field, not DRF's Field.source


# --- /changes.json, /changes/{register}/{day}.json ----------------------------------------------


class EditionSerializer(serializers.Serializer[Any]):
    edition = serializers.DateField(help_text="The IND's date of the edition.")
    edition_id = serializers.IntegerField()
    rows = serializers.IntegerField(help_text="Rows in the IND's list.")
    kvks = serializers.IntegerField(help_text="Distinct KvK numbers among them.")
    first_stored = serializers.BooleanField(
        help_text="The first edition we stored: what it holds is new to us, not news."
    )
    flagged = serializers.CharField(
        allow_null=True, help_text="Why the edition was held or looks odd, when it was."
    )
    url = serializers.CharField(help_text="Its changes page.")


class EditionSummarySerializer(EditionSerializer):
    added = serializers.IntegerField(
        allow_null=True, help_text="New to the register. Null for the first stored."
    )
    readded = serializers.IntegerField(allow_null=True, help_text="Listed again after a gap.")
    removed = serializers.IntegerField(allow_null=True)
    renamed = serializers.IntegerField(allow_null=True)
    reformatted = serializers.IntegerField(allow_null=True)


class RegisterEditionsSerializer(serializers.Serializer[Any]):
    register = serializers.ChoiceField(choices=REGISTERS)
    name = serializers.CharField()
    editions = EditionSummarySerializer(many=True, help_text="Newest first.")


class ChangesSerializer(serializers.Serializer[Any]):
    registers = RegisterEditionsSerializer(many=True)
    source = source_field()  # type: ignore[assignment]  # a field, not DRF's Field.source


class ChangeSerializer(serializers.Serializer[Any]):
    kvk = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    old_name = serializers.CharField(required=False, help_text="With a rename.")
    url = serializers.CharField()


class CountsSerializer(serializers.Serializer[Any]):
    added = serializers.IntegerField()
    readded = serializers.IntegerField()
    removed = serializers.IntegerField()
    renamed = serializers.IntegerField()
    reformatted = serializers.IntegerField()


class EditionChangesSerializer(EditionSerializer):
    register = serializers.ChoiceField(choices=REGISTERS)
    previous = serializers.DateField(allow_null=True, help_text="The edition compared with.")
    counts = CountsSerializer(allow_null=True, help_text="Null for the first stored edition.")
    added = ChangeSerializer(many=True, help_text="New to the register.")
    readded = ChangeSerializer(many=True, help_text="Listed again after a gap.")
    removed = ChangeSerializer(many=True, help_text="No longer listed.")
    renamed = ChangeSerializer(many=True)
    reformatted = ChangeSerializer(many=True)
    source = source_field()  # type: ignore[assignment]  # a field, not DRF's Field.source


# --- /stats.json --------------------------------------------------------------------------------


class EditionFiguresSerializer(serializers.Serializer[Any]):
    edition = serializers.DateField()
    edition_id = serializers.IntegerField()
    rows = serializers.IntegerField()
    kvks = serializers.IntegerField()
    added = serializers.IntegerField(allow_null=True)
    removed = serializers.IntegerField(allow_null=True)
    renamed = serializers.IntegerField(allow_null=True)


class SectorCountSerializer(serializers.Serializer[Any]):
    sector = serializers.CharField(help_text="The SBI section letter.")
    name = serializers.CharField()
    employers = serializers.IntegerField()


class ProvinceCountSerializer(serializers.Serializer[Any]):
    province = serializers.CharField()
    name = serializers.CharField()
    employers = serializers.IntegerField()


class SectorsSerializer(serializers.Serializer[Any]):
    listed = SectorCountSerializer(many=True, help_text="Employers listed now, most first.")
    unknown = serializers.IntegerField(help_text="Listed, sector not known yet.")


class ProvincesSerializer(serializers.Serializer[Any]):
    listed = ProvinceCountSerializer(many=True, help_text="Employers listed now, most first.")
    unknown = serializers.IntegerField(help_text="Listed, province not known yet.")


class StatsSerializer(serializers.Serializer[Any]):
    register = serializers.ChoiceField(choices=REGISTERS)
    name = serializers.CharField()
    editions = EditionFiguresSerializer(many=True, help_text="Oldest first.")
    sectors = SectorsSerializer(allow_null=True, help_text="Null until enrichment found any.")
    provinces = ProvincesSerializer(allow_null=True)
    edition = FreshnessSerializer()
    source = source_field()  # type: ignore[assignment]  # a field, not DRF's Field.source
