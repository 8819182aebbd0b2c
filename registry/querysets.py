"""Named reads. Views, the API, the admin and sync.py all read through these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from registry.models import Company, Edition, Listing  # noqa: F401


class EditionQuerySet(models.QuerySet["Edition"]):
    def of(self, register_slug: str) -> EditionQuerySet:
        return self.filter(register__slug=register_slug)

    def latest_or_none(self) -> Edition | None:
        return self.order_by("-published_on", "-pk").first()


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
