"""The search parameters, declared once and validated: the page and the JSON API share them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.core.cache import cache
from django.db import models
from django.http import QueryDict

from registry import places, sbi
from registry.forms import PublicForm
from registry.models import Company, Listing, Place, Register
from registry.querysets import ListingQuerySet
from registry.search import Match, kvk_digits, rank_in_memory
from registry.timeline import AsOfAnswer, register_as_of

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from registry.lexicon import Lexicon

MAX_PAGE_SIZE = 100
UNKNOWN = "unknown"  # the value of a sector, city or province filter for "not known (yet)"
FACETS = ("sector", "city", "province")  # the filters the search page counts (registry.facets)


MAX_RECENT_EDITIONS = 12  # a year of monthly editions


# --- Sector and place: parsed values, the fields that parse them ---------------------------------


@dataclass(frozen=True, slots=True)
class SectorValue:
    """A sector filter: an SBI 2025 section, or a division within it; section "" is unknown."""

    section: str
    division: str = ""

    @property
    def param(self) -> str:
        return self.division or self.section or UNKNOWN


@dataclass(frozen=True, slots=True)
class CityValue:
    """A city filter: the official names the text means (one, almost always); ("",) is
    unknown."""

    officials: tuple[str, ...]

    @property
    def param(self) -> str:
        return places.display_name(self.officials[0]) if self.officials[0] else UNKNOWN


@dataclass(frozen=True, slots=True)
class ProvinceValue:
    """A province filter: its CBS name; "" is unknown."""

    name: str

    @property
    def param(self) -> str:
        return self.name or UNKNOWN


def _quoted(text: str) -> str:
    return f"“{text[:60]}”" + ("…" if len(text) > 60 else "")


class SectorField(forms.CharField):
    """`K` (a section letter, A to V), `62` (a 2-digit division) or `unknown`."""

    def clean(self, value: Any) -> SectorValue | None:
        text = super().clean(value)
        if not text:
            return None
        if text.casefold() == UNKNOWN:
            return SectorValue(section="")
        if text.upper() in sbi.SECTIONS_2025:
            return SectorValue(section=text.upper())
        if len(text) == 2 and sbi.division_title(text):
            # 45 (motor trade) exists in SBI 2008 only; sbi.classify() puts it in section G.
            found = sbi.section_of_division(int(text))
            letter = "G" if text == "45" else found.letter if found else ""
            if letter:
                return SectorValue(section=letter, division=text)
        raise forms.ValidationError(
            f"{_quoted(text)} is not a sector: give an SBI section letter (A to V, e.g. K for "
            "information and communication), a 2-digit SBI division (e.g. 62) or “unknown”.",
            code="invalid",
        )


# The version after the name: what is stored under it changed shape (a list of names, then an
# index by folded name), and a cache outlives a deploy.
KNOWN_CITIES = "filters:known-cities:2"
KNOWN_CITIES_SECONDS = 3600


def known_cities(*, fresh: bool = False) -> places.PlaceNames:
    """Official place names a city filter may name, by their folded form (places.folded_names):
    the CBS places (when loaded), every employer's city, and the aliased places. Cached for an
    hour; a name not found in the cached set is looked up again (`fresh`) before it is refused,
    so a city new from enrichment is never refused for the cache's sake (one query, then cached
    again)."""
    if not fresh:
        cached: places.PlaceNames | None = cache.get(KNOWN_CITIES)
        if cached is not None:
            return cached
    cities = Company.objects.exclude(city="").order_by().values_list("city")
    names = {name for (name,) in cities.union(Place.objects.order_by().values_list("place"))}
    names.update(places.ALIASES)
    index = places.folded_names(names)
    cache.set(KNOWN_CITIES, index, KNOWN_CITIES_SECONDS)
    return index


class CityField(forms.CharField):
    """A Dutch place as the KvK names it or as people say it ('s-Gravenhage, Den Haag, The
    Hague), case, accents and apostrophes aside; or `unknown`."""

    def clean(self, value: Any) -> CityValue | None:
        text = super().clean(value)
        if not text:
            return None
        if text.casefold() == UNKNOWN:
            return CityValue(officials=("",))
        officials = places.official_names_in(
            text, index=known_cities()
        ) or places.official_names_in(text, index=known_cities(fresh=True))
        if officials:
            return CityValue(officials=tuple(officials))
        raise forms.ValidationError(
            f"{_quoted(text)} is not a Dutch place we know: give a place name such as "
            "Amsterdam, Den Haag or 's-Hertogenbosch, or “unknown”.",
            code="invalid",
        )


class ProvinceField(forms.CharField):
    """One of the twelve provinces (Zuid-Holland, zuid holland, Friesland) or `unknown`."""

    def clean(self, value: Any) -> ProvinceValue | None:
        text = super().clean(value)
        if not text:
            return None
        if text.casefold() == UNKNOWN:
            return ProvinceValue(name="")
        name = places.province_name(text)
        if name is None:
            raise forms.ValidationError(
                f"{_quoted(text)} is not a Dutch province: give one of "
                f"{', '.join(places.PROVINCES)}, or “unknown”.",
                code="invalid",
            )
        return ProvinceValue(name=name)


class SectorFilter(django_filters.CharFilter):  # type: ignore[misc]  # django-filter is untyped
    field_class = SectorField


class CityFilter(django_filters.CharFilter):  # type: ignore[misc]
    field_class = CityField


class ProvinceFilter(django_filters.CharFilter):  # type: ignore[misc]
    field_class = ProvinceField


class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter is untyped
    field_class = forms.IntegerField  # NumberFilter takes decimals: "1.5 editions" is no answer


class ListingFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """Register, search, status, "listed since", "as of", order, sector and place over listings.

    An absent register means "work", an absent status "listed" and an absent sort "name", so a
    bare `/` shows the current Work register A-Z. A value outside the choices is a validation
    error, never ignored. With `as_of`, the results are the listings of the edition that date
    rests on (see `as_of_answer`), and an absent status means "all" (listed then, whatever
    they are now).

    Sector (`K`, `62`), city (`Den Haag`, `'s-Gravenhage`) and province (`Zuid-Holland`) each
    take one value, or `unknown` for employers whose value is not known (yet). They apply after
    the search: a search ranks its candidates among the listings the other filters leave, and
    sector and place then narrow those, so a facet's count is exactly what choosing it shows.
    """

    # First: every filter after it works within one register.
    register = django_filters.ChoiceFilter(
        method="filter_register",
        choices=Register.Slug.choices,
        empty_label=None,
        initial="work",
        label="Register",
    )
    as_of = django_filters.DateFilter(
        method="filter_as_of",
        input_formats=["%Y-%m-%d"],
        label="Listed on (date)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[
            ("listed", "Listed now"),
            ("removed", "No longer listed"),
            ("all", "All, listed or not"),
        ],
        empty_label=None,
        initial="listed",
        label="Status",
    )
    listed_since = django_filters.DateFilter(
        field_name="first_listed",
        lookup_expr="gte",
        input_formats=["%Y-%m-%d"],
        label="Listed since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    editions = IntegerFilter(
        method="filter_editions",
        min_value=1,
        max_value=MAX_RECENT_EDITIONS,
        label="New in the last N editions",
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_RECENT_EDITIONS}),
    )
    # After the filters above: search ranks candidates among what those leave.
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,  # the longest name in the register is about 100 characters
        label="Company name or KvK number",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        choices=[
            ("relevance", "Best match (A to Z without a search)"),
            ("name", "Name, A to Z"),
            ("newest", "Newest first"),
            ("recent", "New in the last editions"),
        ],
        empty_label=None,
        # The form sends its sort with every search: a default of "name" would turn every
        # search typed on the page into an A-Z list. Best match is A-Z when nothing is searched.
        initial="relevance",
        label="Sort by",
    )
    # Last: the facets (registry.facets), applied on top of `base`, everything above.
    sector = SectorFilter(method="filter_sector", max_length=20, label="Sector")
    city = CityFilter(method="filter_city", max_length=100, label="City")
    province = ProvinceFilter(method="filter_province", max_length=50, label="Province")

    class Meta:
        model = Listing
        form = PublicForm
        fields = [
            "register",
            "as_of",
            "status",
            "listed_since",
            "editions",
            "q",
            "sort",
            *FACETS,
        ]

    def get_form_class(self) -> type[forms.Form]:
        """The form class, made once: django-filter builds a new one (a field per filter, the
        form metaclass) for every request, which cost 0.6 ms of a search's 10 here. The fields
        hold no state of a request: each form deep-copies them, as Django forms do."""
        made: type[forms.Form] | None = type(self).__dict__.get("_form_class")
        if made is None:
            made = super().get_form_class()
            type(self)._form_class = made
        return made

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        # A parameter left out (or left empty) takes its declared default, so the form shows
        # what the results are filtered by (django-filter's documented recipe for defaults).
        self.as_of_answer: AsOfAnswer | None = None  # set when as_of is given and valid
        self._base: ListingQuerySet | None = None  # set by filter_queryset
        self._base_ids: list[int] | None = None  # read by base_ids()
        # Set by registry.tally.search_in_memory (the search page, its JSON, CSV and feed):
        # the register's names in memory, and the ids of the listings the other filters
        # leave, for the search text (ListingQuerySet.search).
        self.in_memory: Callable[[], tuple[Lexicon, npt.NDArray[np.int64] | None]] | None = None
        # Set by registry.cached.ranked, which reads it with the ranking: the enrichment
        # version of this request (None: not read yet), and whether the ranking was made now
        # (its pages cannot be in the cache then).
        self.enrichment_version: Any = None
        self.ranked_now = False
        if data is not None:
            data = data.copy()
            if data.get("as_of", "").strip() and not data.get("status"):
                data["status"] = "all"  # listed on that date, whatever they are now
            for name, declared in self.base_filters.items():
                initial = declared.extra.get("initial")
                if initial is not None and not data.get(name):
                    data[name] = initial
        super().__init__(data, *args, **kwargs)

    @property
    def register_slug(self) -> str:
        return str(self.form.cleaned_data.get("register") or "work")

    def filter_queryset(self, queryset: ListingQuerySet) -> ListingQuerySet:
        """Every filter in the declared order; the queryset before the facets' filters is kept
        as `base`, so registry.facets counts each facet on it with the other facets applied,
        and a search's candidates are ranked once, for the results and the counts alike."""
        data = self.form.cleaned_data
        for name, declared in self.filters.items():
            if name not in FACETS:
                queryset = declared.filter(queryset, data.get(name))
        self._base = queryset
        return self.in_facets(queryset)

    @property
    def base(self) -> ListingQuerySet:
        """The listings every filter but sector and place leaves: the facets count on it."""
        self.qs  # noqa: B018  # filtering keeps the base on the way (django-filter caches qs)
        assert self._base is not None, "a valid filterset filters"
        return self._base

    def matches(self) -> list[Match]:
        """A valid text search's ranking, best first, among the listings every filter but
        sector and place leaves. With the register's names in memory (search_in_memory) and
        a text that is not a KvK number, ranked without building the filters' querysets,
        among the ids the register's columns leave (registry.tally); else as `base` ranks
        it (a KvK number, a search as of a date)."""
        text = self.form.cleaned_data.get("q") or ""
        if self.in_memory is not None and kvk_digits(text) is None:
            names, among = self.in_memory()
            if among is not None:
                return rank_in_memory(text, names=names, among=among)
        return self.base.matches()

    def base_ids(self) -> list[int]:
        """The ids of `base`, read once: registry.tally counts a search as of a date by them."""
        if self._base_ids is None:
            self._base_ids = list(self.base.values_list("pk", flat=True))
        return self._base_ids

    def in_facets(self, queryset: ListingQuerySet, *, leave_out: str = "") -> ListingQuerySet:
        """`queryset` narrowed by the facet filters given, all but `leave_out`."""
        data = self.form.cleaned_data
        for name in FACETS:
            if name != leave_out:
                queryset = self.filters[name].filter(queryset, data.get(name))
        return queryset

    def filter_register(self, queryset: ListingQuerySet, name: str, value: str) -> ListingQuerySet:
        # The slug rides along as a value, so a result can name its register without a join.
        return queryset.of(value).annotate(register_slug=models.Value(value))

    def filter_as_of(self, queryset: ListingQuerySet, name: str, value: date) -> ListingQuerySet:
        register = Register.objects.filter(slug=self.register_slug).first()
        if register is None:
            return queryset.none()
        self.as_of_answer = answer = register_as_of(register, value)
        if answer.edition is None:
            return queryset.none()  # unknown, not "none listed": as_of_answer.note says so
        return queryset.listed_in(answer.edition)

    def filter_editions(self, queryset: ListingQuerySet, name: str, value: int) -> ListingQuerySet:
        return queryset.new_in_last(value, register_slug=self.register_slug)

    def filter_q(self, queryset: ListingQuerySet, name: str, value: str) -> ListingQuerySet:
        if self.in_memory is None:
            return queryset.search(value)
        names, among = self.in_memory()
        return queryset.search(value, names=names, among=among)

    def filter_status(self, queryset: ListingQuerySet, name: str, value: str) -> ListingQuerySet:
        if value == "listed":
            return queryset.current()
        if value == "removed":
            return queryset.removed()
        return queryset  # "all"

    def filter_sector(
        self, queryset: ListingQuerySet, name: str, value: SectorValue
    ) -> ListingQuerySet:
        return queryset.in_sector(section=value.section, division=value.division)

    def filter_city(
        self, queryset: ListingQuerySet, name: str, value: CityValue
    ) -> ListingQuerySet:
        return queryset.in_place(cities=value.officials)

    def filter_province(
        self, queryset: ListingQuerySet, name: str, value: ProvinceValue
    ) -> ListingQuerySet:
        return queryset.in_place(province=value.name)

    def filter_sort(self, queryset: ListingQuerySet, name: str, value: str) -> ListingQuerySet:
        if value == "newest":
            return queryset.newest_first()
        if value == "recent":
            if not self.form.cleaned_data.get("editions"):  # else filter_editions did it
                queryset = queryset.new_in_last(1, register_slug=self.register_slug)
            return queryset.newest_first()
        if value == "relevance":
            return queryset.by_relevance()
        return queryset.by_name()


Keeps = Callable[[str, str, str, str], bool]  # (section, division, province, city) -> kept?


def facet_filter(filterset: ListingFilter, *, only: Iterable[str] = FACETS) -> Keeps:
    """Whether a listing with these company values passes the sector and place filters of a
    valid filterset (those named in `only`): ListingFilter.in_facets() in Python, for rows
    already read (registry.facets) and for the values of a register's columns
    (registry.tally)."""
    data = filterset.form.cleaned_data
    sector: SectorValue | None = data.get("sector") if "sector" in only else None
    city: CityValue | None = data.get("city") if "city" in only else None
    province: ProvinceValue | None = data.get("province") if "province" in only else None
    cities = set(city.officials) if city else None

    def keeps(row_section: str, row_division: str, row_province: str, row_city: str) -> bool:
        return (
            (
                sector is None
                or (
                    row_section == sector.section
                    and (not sector.division or row_division == sector.division)
                )
            )
            and (province is None or row_province == province.name)
            and (cities is None or row_city in cities)
        )

    return keeps


class PageForm(forms.Form):
    """The JSON API's paging: a page number and a page size (the HTML page always shows 50)."""

    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
