"""Named reads. Views, the API, the admin and sync.py all read through these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count
from django.db.models.functions import Coalesce

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
        # The register's id as a scalar subquery, not a join on its slug: PostgreSQL then
        # knows it before planning the scan and can walk the (register, removed_on, sort_name)
        # index for the page instead of sorting the whole register.
        from registry.models import Register  # the models import this module

        register_id = Register.objects.filter(slug=register_slug).values("pk")[:1]
        return self.filter(register_id=models.Subquery(register_id))

    def current(self) -> ListingQuerySet:
        return self.filter(removed_on__isnull=True)

    def removed(self) -> ListingQuerySet:
        return self.filter(removed_on__isnull=False)

    def listed_in(self, edition: Edition) -> ListingQuerySet:
        """The listings that were on the register in `edition`, from the stored events alone:
        the last entry or exit up to that edition (by date, then by when we stored it) was an
        entry ("added" or "listed again"), not "no longer listed". Renames do not count."""
        from registry.models import ListingEvent  # the models import this module

        day = edition.published_on
        up_to_edition = models.Q(edition__published_on__lt=day) | models.Q(
            edition__published_on=day, edition_id__lte=edition.pk
        )
        last_change = (
            ListingEvent.objects.filter(up_to_edition, listing_id=models.OuterRef("pk"))
            .exclude(kind=ListingEvent.Kind.RENAMED)
            .order_by("-edition__published_on", "-edition_id", "-pk")
            .values("kind")[:1]
        )
        # first_listed first: a cheap column test that leaves out what came later.
        return (
            self.filter(register_id=edition.register_id, first_listed__lte=day)
            .alias(state_then=models.Subquery(last_change))
            .filter(state_then__in=[ListingEvent.Kind.ADDED, ListingEvent.Kind.READDED])
        )

    def new_in_last(self, editions: int, *, register_slug: str) -> ListingQuerySet:
        """First listed in one of the register's last `editions` edition dates (all of them
        when it has fewer). Subqueries, so it costs no query of its own."""
        from registry.models import Edition  # the models import this module

        dates = Edition.objects.filter(register__slug=register_slug).values("published_on")
        nth = dates.order_by("-published_on").distinct()[editions - 1 : editions]
        first = dates.order_by("published_on")[:1]
        return self.filter(first_listed__gte=Coalesce(models.Subquery(nth), models.Subquery(first)))

    def in_sector(self, *, section: str, division: str = "") -> ListingQuerySet:
        """Listings whose company is in an SBI 2025 section ("K"), or in one of its divisions
        ("K", "62"); section "" selects those whose sector is not known (yet). The section is
        always given, so the (sector_section, sector_division) index serves a division too."""
        if division:
            return self.filter(company__sector_section=section, company__sector_division=division)
        return self.filter(company__sector_section=section)

    def in_place(
        self, *, cities: Sequence[str] | None = None, province: str | None = None
    ) -> ListingQuerySet:
        """Listings whose company's head office is in one of `cities` (official names) and in
        `province` (CBS name); None: any; "" (or [""]): not known (yet)."""
        listings = self
        if cities is not None:
            listings = listings.filter(company__city__in=cities)
        if province is not None:
            listings = listings.filter(company__province=province)
        return listings

    def facet_counts(self, *fields: str) -> list[tuple[Any, ...]]:
        """(value of each company field..., listings) for every combination present: one GROUP
        BY over the listings joined to their companies, unordered."""
        columns = [f"company__{field}" for field in fields]
        return list(self.order_by().values_list(*columns).annotate(n=Count("pk")))

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

        # Never the editions' stored pages (up to a megabyte each, one per event row).
        return self.select_related("company").prefetch_related(
            models.Prefetch(
                "names",
                queryset=ListingName.objects.select_related("first_edition", "last_edition").defer(
                    "first_edition__raw_gzip", "last_edition__raw_gzip"
                ),
            ),
            models.Prefetch(
                "events",
                queryset=ListingEvent.objects.select_related("edition").defer("edition__raw_gzip"),
            ),
        )

    def search(self, text: str) -> ListingQuerySet:
        """The listings `text` may mean, annotated with `relevance`, `verdict`, `matched_on`
        and `matched_name` (registry.search), best first. Apply other filters first: the
        candidates are ranked among the listings of this queryset."""
        from registry.search import rank  # search imports the models, which import this

        matches = rank(self, text)
        if not matches:
            return self.none().annotate(
                relevance=models.Value(0.0),
                verdict=models.Value(""),
                matched_on=models.Value(""),
                matched_name=models.Value(""),
            )

        def per_match(attribute: str, output: models.Field) -> models.Case:  # type: ignore[type-arg]
            return models.Case(
                *(
                    models.When(pk=m.listing_id, then=models.Value(getattr(m, attribute)))
                    for m in matches
                ),
                output_field=output,
            )

        return (
            self.filter(pk__in=[m.listing_id for m in matches])
            .annotate(
                relevance=per_match("score", models.FloatField()),
                verdict=per_match("verdict", models.CharField()),
                matched_on=per_match("matched_on", models.CharField()),
                matched_name=per_match("matched_name", models.CharField()),
            )
            .order_by(models.F("relevance").desc(), "sort_name", "pk")
        )

    def by_relevance(self) -> ListingQuerySet:
        """Best match first, after search(); A-Z where there is no search."""
        if "relevance" in self.query.annotations:
            return self.order_by(models.F("relevance").desc(), "sort_name", "pk")
        return self.by_name()
