"""The search parameters, declared once and validated: the page, the JSON API, the CSV and the
feed share them. Validation only: a valid ListingFilter gives a registry.search.SearchQuery
(`query()`), and registry.search answers it; the FilterSet never filters a queryset."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext, gettext_lazy

from registry import places, sbi
from registry.context_processors import served_register, synced_registers
from registry.forms import PublicForm
from registry.models import Listing, Register
from registry.search import known_places
from registry.search.query import (
    UNKNOWN,
    CityValue,
    LegalFormValue,
    ProvinceValue,
    SearchQuery,
    SectorValue,
)

MAX_PAGE_SIZE = 100
MAX_RECENT_EDITIONS = 12  # a year of monthly editions


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
            gettext(
                "%(text)s is not a sector: give an SBI section letter (A to V, e.g. K for "
                "information and communication), a 2-digit SBI division (e.g. 62) or “unknown”."
            )
            % {"text": _quoted(text)},
            code="invalid",
        )


class CityField(forms.CharField):
    """A Dutch place as the KvK names it or as people say it ('s-Gravenhage, Den Haag, The
    Hague), case, accents and apostrophes aside; or `unknown`. Which places it may name
    depends on the register searched: ListingFilter.is_valid() looks the text up."""

    def clean(self, value: Any) -> CityValue | str | None:
        text = super().clean(value)
        if not text:
            return None
        if text.casefold() == UNKNOWN:
            return CityValue(officials=("",))
        return str(text)  # a name, looked up once the register is known


def city_error(text: str) -> forms.ValidationError:
    return forms.ValidationError(
        gettext(
            "%(text)s is not a Dutch place we know: give a place name such as "
            "Amsterdam, Den Haag or 's-Hertogenbosch, or “unknown”."
        )
        % {"text": _quoted(text)},
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
                gettext(
                    "%(text)s is not a Dutch province: give one of %(provinces)s, or “unknown”."
                )
                % {"text": _quoted(text), "provinces": ", ".join(places.PROVINCES)},
                code="invalid",
            )
        return ProvinceValue(name=name)


class LegalFormField(forms.CharField):
    """A legal form as the KvK names it ("Besloten Vennootschap"), case and accents aside; or
    `unknown`."""

    def clean(self, value: Any) -> LegalFormValue | None:
        text = super().clean(value)
        if not text:
            return None
        return LegalFormValue(name="" if text.casefold() == UNKNOWN else str(text))


class SectorFilter(django_filters.CharFilter):  # type: ignore[misc]  # django-filter is untyped
    field_class = SectorField


class CityFilter(django_filters.CharFilter):  # type: ignore[misc]
    field_class = CityField


class ProvinceFilter(django_filters.CharFilter):  # type: ignore[misc]
    field_class = ProvinceField


class LegalFormFilter(django_filters.CharFilter):  # type: ignore[misc]
    field_class = LegalFormField


class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter is untyped
    field_class = forms.IntegerField  # NumberFilter takes decimals: "1.5 editions" is no answer


def not_synced_label(label: str) -> str:
    return gettext("%(register)s: not synced yet") % {"register": label}


class ListingFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """Register, search, status, "listed since", "as of", order, sector, place and legal form.

    An absent register means "work", an absent status "listed" and an absent sort "relevance"
    (A-Z without a text), so a bare `/` shows the current Work register A-Z. A value outside
    the choices is a validation error, never ignored. With a text (`q`), an absent status
    means "all": the employer someone names may have left the register, and saying so is the
    answer. With `as_of`, the results are the listings of the edition that date rests on, and
    an absent status means "all" too (listed then, whatever they are now).

    Sector (`K`, `62`), city (`Den Haag`, `'s-Gravenhage`), province (`Zuid-Holland`) and legal
    form each take one value, or `unknown` for employers whose value is not known (yet).
    """

    # First: every filter after it works within one register.
    register = django_filters.ChoiceFilter(
        choices=Register.Slug.choices,
        empty_label=None,
        initial="work",
        label=gettext_lazy("Register"),
    )
    as_of = django_filters.DateFilter(
        input_formats=["%Y-%m-%d"],
        label=gettext_lazy("Listed on (date)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = django_filters.ChoiceFilter(
        choices=[
            ("listed", gettext_lazy("Listed now")),
            ("removed", gettext_lazy("No longer listed")),
            ("all", gettext_lazy("All, listed or not")),
        ],
        empty_label=None,
        initial="listed",
        label=gettext_lazy("Status"),
    )
    listed_since = django_filters.DateFilter(
        input_formats=["%Y-%m-%d"],
        label=gettext_lazy("Listed since"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    editions = IntegerFilter(
        min_value=1,
        max_value=MAX_RECENT_EDITIONS,
        label=gettext_lazy("New in the last N editions"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_RECENT_EDITIONS}),
    )
    # After the filters above: search ranks candidates among what those leave.
    q = django_filters.CharFilter(
        max_length=200,  # the longest name in the register is about 100 characters
        label=gettext_lazy("Company name or KvK number"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("relevance", gettext_lazy("Best match (A to Z without a search)")),
            ("name", gettext_lazy("Name, A to Z")),
            ("newest", gettext_lazy("Newest first")),
            ("recent", gettext_lazy("New in the last editions")),
        ],
        empty_label=None,
        # The form sends its sort with every search: a default of "name" would turn every
        # search typed on the page into an A-Z list. Best match is A-Z when nothing is searched.
        initial="relevance",
        label=gettext_lazy("Sort by"),
    )
    # The facets (registry.search.facets).
    sector = SectorFilter(max_length=20, label=gettext_lazy("Sector"))
    city = CityFilter(max_length=100, label=gettext_lazy("City"))
    province = ProvinceFilter(max_length=50, label=gettext_lazy("Province"))
    legal_form = LegalFormFilter(max_length=100, label=gettext_lazy("Legal form"))

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
            "sector",
            "city",
            "province",
            "legal_form",
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

    def __init__(
        self, data: QueryDict | None = None, *args: Any, request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        # A parameter left out (or left empty) takes its declared default, so the form shows
        # what the results are filtered by (django-filter's documented recipe for defaults).
        if data is not None:
            data = data.copy()
            if not data.get("status") and (
                data.get("as_of", "").strip() or data.get("q", "").strip()
            ):
                # As of a date: listed then, whatever they are now. A name or KvK number: a
                # former employer is an answer too (ranked below a listed one, and labelled).
                data["status"] = "all"
            for name, declared in self.base_filters.items():
                initial = declared.extra.get("initial")
                if initial is not None and not data.get(name):
                    data[name] = initial
        super().__init__(data, *args, request=request, **kwargs)
        if request is not None:
            # A register with no edition yet has nothing to search: offered, but marked so.
            synced = synced_registers(request)
            self.form.fields["register"].choices = [
                (slug, label if slug in synced else not_synced_label(str(label)))
                for slug, label in Register.Slug.choices
            ]

    def is_valid(self) -> bool:
        """The form's own validation, then the city looked up among the places of the
        register searched (its index: registry.search.known_places), even when another field
        is wrong, so the form keeps a city it understood."""
        valid: bool = super().is_valid()
        city = self.form.cleaned_data.get("city")
        if isinstance(city, str):
            slug = self.form.cleaned_data.get("register") or "work"
            register = (
                served_register(self.request, slug)
                if self.request is not None
                else Register.objects.filter(slug=slug).first()
            )
            officials = places.official_names_in(city, index=known_places(register))
            if not officials:
                self.form.add_error("city", city_error(city))
                return False
            self.form.cleaned_data["city"] = CityValue(officials=tuple(officials))
        return valid

    def query(self) -> SearchQuery:
        """What a valid search asks (registry.search answers it)."""
        return SearchQuery.from_cleaned(self.form.cleaned_data)

    @property
    def register_slug(self) -> str:
        return str(self.form.cleaned_data.get("register") or "work")

    def filter_queryset(self, queryset: Any) -> Any:
        raise TypeError("ListingFilter validates; registry.search answers (query())")


class PageForm(forms.Form):
    """The JSON API's paging: a page number and a page size (the HTML page always shows 50)."""

    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
