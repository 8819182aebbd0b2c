"""The search parameters, declared once and validated: the page and the JSON API share them."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.http import QueryDict

from registry.models import Listing
from registry.querysets import ListingQuerySet

MAX_PAGE_SIZE = 100


class ListingFilter(django_filters.FilterSet):  # type: ignore[misc]  # django-filter is untyped
    """Search, status, "listed since" and order over a register's listings.

    An absent status means "listed" and an absent sort means "name", so a bare `/` shows the
    current register A-Z. A value outside the choices is a validation error, never ignored.
    """

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
    # After status and listed_since: search ranks candidates among what those leave.
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
        ],
        empty_label=None,
        initial="name",
        label="Sort by",
    )

    class Meta:
        model = Listing
        fields = ["status", "listed_since", "q", "sort"]

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        # A parameter left out (or left empty) takes its declared default, so the form shows
        # what the results are filtered by (django-filter's documented recipe for defaults).
        if data is not None:
            data = data.copy()
            if data.get("q", "").strip() and not data.get("sort"):
                data["sort"] = "relevance"  # a search is ordered by how well it matches
            for name, declared in self.base_filters.items():
                initial = declared.extra.get("initial")
                if initial is not None and not data.get(name):
                    data[name] = initial
        super().__init__(data, *args, **kwargs)

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
        if value == "relevance":
            return queryset.by_relevance()
        return queryset.by_name()


class PageForm(forms.Form):
    """The JSON API's paging: a page number and a page size (the HTML page always shows 50)."""

    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
