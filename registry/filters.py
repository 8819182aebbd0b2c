"""The search parameters, declared once and validated: the page and the JSON API share them."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.http import QueryDict

from registry.models import Listing, Register
from registry.querysets import ListingQuerySet
from registry.timeline import AsOfAnswer, register_as_of

MAX_PAGE_SIZE = 100


MAX_RECENT_EDITIONS = 12  # a year of monthly editions


class IntegerFilter(django_filters.NumberFilter):  # type: ignore[misc]  # django-filter is untyped
    field_class = forms.IntegerField  # NumberFilter takes decimals: "1.5 editions" is no answer


class ListingFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """Register, search, status, "listed since", "as of" and order over listings.

    An absent register means "work", an absent status "listed" and an absent sort "name", so a
    bare `/` shows the current Work register A-Z. A value outside the choices is a validation
    error, never ignored. With `as_of`, the results are the listings of the edition that date
    rests on (see `as_of_answer`), and an absent status means "all" (listed then, whatever
    they are now).
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
            ("relevance", "Best match"),
            ("name", "Name, A to Z"),
            ("newest", "Newest first"),
            ("recent", "New in the last editions"),
        ],
        empty_label=None,
        initial="name",
        label="Sort by",
    )

    class Meta:
        model = Listing
        fields = ["register", "as_of", "status", "listed_since", "editions", "q", "sort"]

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        # A parameter left out (or left empty) takes its declared default, so the form shows
        # what the results are filtered by (django-filter's documented recipe for defaults).
        self.as_of_answer: AsOfAnswer | None = None  # set when as_of is given and valid
        if data is not None:
            data = data.copy()
            if data.get("as_of", "").strip() and not data.get("status"):
                data["status"] = "all"  # listed on that date, whatever they are now
            if data.get("q", "").strip() and not data.get("sort"):
                data["sort"] = "relevance"  # a search is ordered by how well it matches
            for name, declared in self.base_filters.items():
                initial = declared.extra.get("initial")
                if initial is not None and not data.get(name):
                    data[name] = initial
        super().__init__(data, *args, **kwargs)

    @property
    def register_slug(self) -> str:
        return str(self.form.cleaned_data.get("register") or "work")

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
        return queryset.search(value)

    def filter_status(self, queryset: ListingQuerySet, name: str, value: str) -> ListingQuerySet:
        if value == "listed":
            return queryset.current()
        if value == "removed":
            return queryset.removed()
        return queryset  # "all"

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


class PageForm(forms.Form):
    """The JSON API's paging: a page number and a page size (the HTML page always shows 50)."""

    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
