"""Named reads. Views, the API, the admin and sync.py all read through these."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable

from registry.results import RESULT_COLUMNS, Result

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from registry.lexicon import Lexicon
    from registry.models import Company, Edition, Listing  # noqa: F401
    from registry.search import Match


MATCHES = "erkend_matches"  # the queryset hint that carries a search's matches
ROWS = "erkend_rows"  # and the one with the results rows its ranking read (search.Ranking)


def _shape(queryset: models.QuerySet[Any]) -> tuple[object, ...]:
    """What a filter, an ordering, a join or a slice changes in a queryset's query: equal
    shapes of one queryset and its clone mean the same rows in the same order. The WHERE
    tree compares by structure (Django's nodes and lookups define equality), so an OR with
    another queryset, a filter, exclude() or none() all change it; a join (an annotation
    through a relation, which can repeat rows) changes the aliases."""
    query = queryset.query
    return (
        query.where,
        tuple(query.order_by),
        tuple(query.extra_order_by),
        tuple(query.extra_tables),
        tuple(query.alias_map),
        query.group_by,
        query.standard_ordering,
        query.low_mark,
        query.high_mark,
        query.distinct,
        tuple(query.distinct_fields),
        query.combinator,
    )


class MatchIterable(ModelIterable):  # type: ignore[type-arg]
    """Listings of a search, each with its match: relevance (the score), verdict, matched_on,
    matched_name. Without matches (a queryset that was not searched) plain listings."""

    def __iter__(self) -> Iterator[Any]:
        matches = getattr(self.queryset, "_hints", {}).get(MATCHES, {})
        for listing in super().__iter__():
            match = matches.get(listing.pk)
            if match is not None:
                listing.relevance = match.score
                listing.verdict = match.verdict
                listing.matched_on = match.matched_on
                listing.matched_name = match.matched_name
            yield listing


class AnyOf(models.Func):
    """PostgreSQL's `column = ANY(array)`, a condition for filter(): Django writes the
    right-hand side of a lookup in parentheses, which ANY does not allow. Its two
    expressions joined: `column` + " = ANY(" + `array` + ")"."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


def _id_array(ids: Sequence[int]) -> models.Value:
    """Listing keys as one PostgreSQL array parameter."""
    return models.Value(list(ids), output_field=ArrayField(models.BigIntegerField()))


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

    def search(
        self, text: str, *, names: Lexicon | None = None, among: npt.NDArray[np.int64] | None = None
    ) -> ListingQuerySet:
        """The listings `text` may mean, best first (registry.search). Each listing read from
        it carries `relevance`, `verdict`, `matched_on` and `matched_name`. Apply other
        filters first: the candidates are ranked among the listings of this queryset. With
        `names` (and `among`), the candidates are found in memory (registry.search.ranking)."""
        from registry.search import ranking  # search imports the models, which import this

        found = ranking(self, text, names=names, among=among)
        matches = found.matches
        ids = [m.listing_id for m in matches]
        if connection.vendor == "postgresql":
            # One array parameter: a CASE with a WHEN per candidate cost 22 ms to plan and
            # run for the 263 candidates of "solutions".
            position: models.Expression = models.Func(
                _id_array(ids),
                models.F("pk"),
                function="array_position",
                output_field=models.IntegerField(),
            )
        else:
            position = models.Case(
                *(models.When(pk=pk, then=models.Value(i)) for i, pk in enumerate(ids)),
                output_field=models.IntegerField(),
            )
        ranked = self.with_ids(ids).annotate(match_position=position).by_relevance()
        # The match details ride along with the queryset (hints are copied to every clone)
        # and are set on each listing as it is read (MatchIterable), not computed in SQL.
        # So do the results rows the ranking read, for results() while nothing narrowed or
        # reordered the listings since (the shape of the query says so).
        hints = {
            **getattr(ranked, "_hints", {}),
            MATCHES: {m.listing_id: m for m in matches},
            ROWS: (_shape(ranked), found.rows),
        }
        ranked._hints = hints  # type: ignore[attr-defined]  # private, copied by _clone()
        ranked._iterable_class = MatchIterable
        return ranked

    def matches(self) -> list[Match]:
        """What search() found, best first, without a query: among the listings it ranked,
        so a filter applied after it (a later filter of ListingFilter) is not applied here."""
        return list(getattr(self, "_hints", {}).get(MATCHES, {}).values())

    def with_ids(self, ids: Sequence[int]) -> ListingQuerySet:
        """The listings among these whose keys are `ids`. On PostgreSQL one array parameter,
        `= ANY(%s)`: `pk__in` writes a placeholder per id, and for a search's 300 candidates
        building and binding them cost more than the query's own run."""
        if connection.vendor != "postgresql":
            return self.filter(pk__in=ids)
        return self.filter(AnyOf(models.F("pk"), _id_array(ids)))

    def results(self) -> list[Result]:
        """The listings as results rows (registry.results), in this queryset's order, each
        with its match after search(): one query of the columns a results page shows."""
        hints = getattr(self, "_hints", {})
        matches = hints.get(MATCHES, {})
        shape, rows = hints.get(ROWS, (None, {}))
        if (
            self.query.standard_ordering  # reverse() asks for the worst first
            and shape == _shape(self)
            and all(pk in rows for pk in matches)
        ):
            # As search() left it: its ranking read these rows already, in the order it gives.
            return [Result.from_row(rows[pk], match=match) for pk, match in matches.items()]
        # The slug the register filter annotates (ListingFilter), else read through a join.
        register = (
            "register_slug" if "register_slug" in self.query.annotations else "register__slug"
        )
        return [
            Result.from_row(row, match=matches.get(row[0]))
            for row in self.values_list(*RESULT_COLUMNS, register)
        ]

    def by_relevance(self) -> ListingQuerySet:
        """Best match first, after search(); A-Z where there is no search."""
        if "match_position" in self.query.annotations:
            return self.order_by(models.F("match_position").asc(), "sort_name", "pk")
        return self.by_name()
