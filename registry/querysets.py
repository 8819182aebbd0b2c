"""Named reads. Views, the API, the admin and sync.py all read through these."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from registry.models import Company, Edition, Listing  # noqa: F401


class EditionQuerySet(models.QuerySet["Edition"]):
    def of(self, register_slug: str) -> EditionQuerySet:
        return self.filter(register__slug=register_slug)

    def latest_or_none(self) -> Edition | None:
        return self.order_by("-published_on", "-pk").first()

    def earliest_date(self) -> date | None:
        """The IND date of the first edition we stored: what came before it is unknown to us."""
        return self.order_by("published_on", "pk").values_list("published_on", flat=True).first()


class CompanyQuerySet(models.QuerySet["Company"]):
    pass


class ListingQuerySet(models.QuerySet["Listing"]):
    def of(self, register_slug: str) -> ListingQuerySet:
        return self.filter(register__slug=register_slug)

    def current(self) -> ListingQuerySet:
        return self.filter(removed_on__isnull=True)

    def removed(self) -> ListingQuerySet:
        return self.filter(removed_on__isnull=False)

    def for_listing(self) -> ListingQuerySet:
        """Rows for a page: the company joined in, a stable order the paginator can rely on."""
        return self.select_related("company").order_by("sort_name", "pk")

    def by_name(self) -> ListingQuerySet:
        """A-Z by the folded name; the pk breaks ties so pages never overlap."""
        return self.order_by("sort_name", "pk")

    def newest_first(self) -> ListingQuerySet:
        """Most recently added first (by the edition date); A-Z within one edition."""
        return self.order_by("-first_listed", "sort_name", "pk")

    def with_history(self) -> ListingQuerySet:
        """A company page's rows: the company joined in, its names and events with their
        editions prefetched (three queries however long the history)."""
        from registry.models import ListingEvent, ListingName  # models import this module

        return self.select_related("company").prefetch_related(
            models.Prefetch(
                "names",
                queryset=ListingName.objects.select_related("first_edition", "last_edition"),
            ),
            models.Prefetch("events", queryset=ListingEvent.objects.select_related("edition")),
        )

    def search(self, text: str) -> ListingQuerySet:
        text = text.strip()
        digits = text.replace(" ", "")
        if digits.isdigit() and 1 <= len(digits) <= 9:
            # People paste KvK numbers into the search box, sometimes zero-padded to nine digits.
            if len(digits) == 9 and digits.startswith("0"):
                digits = digits[1:]
            if len(digits) == 8:
                return self.filter(company__kvk_number=digits)
            return self.filter(company__kvk_number__startswith=digits)
        return self.filter(names__name__icontains=text).distinct()
