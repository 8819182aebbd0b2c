"""Atom feeds: employers entering any search's results, and one company's history.

`/search.atom` takes the search's parameters (ListingFilter) and lists the listings that
entered the results, newest edition first: new to the register, or listed again. The first
edition we stored is left out, as everything in it is new only to us. `/company/<key>.atom`
lists one company's changes on every register it is on (added, renamed, removed, listed
again); renames in formatting only (quotes, entities, spaces) are left out as noise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from registry.companies import COMPANY_KEY, canonical_key
from registry.context_processors import SOURCE, Freshness, served_register
from registry.filters import ListingFilter
from registry.models import Company, Edition, ListingEvent, Register
from registry.search import select
from registry.timeline import is_baseline, long_date

MAX_ENTRIES = 100
AUTHOR = "erkend"


def edition_time(day: date) -> datetime:
    """An edition's date as the instant Atom wants: its start, UTC (the IND gives no time)."""
    return datetime.combine(day, time(), tzinfo=UTC)


def feed_errors(filterset: ListingFilter) -> HttpResponse:
    lines = [
        f"{field}: {error['message']}"
        for field, errors in filterset.errors.get_json_data().items()
        for error in errors
    ]
    body = gettext("This feed's search is not valid:") + "\n" + "\n".join(lines) + "\n"
    return HttpResponse(body, status=400, content_type="text/plain; charset=utf-8")


class EventFeed(Feed):  # type: ignore[type-arg]  # items are ListingEvents
    """What both feeds share: an entry is an event, dated by its edition."""

    item_guid_is_permalink = False

    def item_updateddate(self, item: ListingEvent) -> datetime:
        return edition_time(item.edition.published_on)

    def item_pubdate(self, item: ListingEvent) -> datetime:
        return edition_time(item.edition.published_on)


class SearchFeed(EventFeed):  # items are ListingEvents, the object a search
    """One instance per request (search_feed): it keeps the request for absolute ids."""

    feed_type = Atom1Feed
    author_name = AUTHOR

    def __init__(self, request: HttpRequest, filterset: ListingFilter) -> None:
        super().__init__()
        self.request, self.filterset = request, filterset
        self.register: Register | None = served_register(request, self.slug)

    @property
    def slug(self) -> str:
        return self.filterset.register_slug

    def _query_string(self) -> str:
        params = self.request.GET.copy()
        params.pop("page", None)
        return f"?{params.urlencode()}".rstrip("?")

    def title(self) -> str:
        name = self.register.name if self.register else self.slug
        text = self.filterset.form.cleaned_data.get("q")
        if text:
            return gettext("New on the %(register)s matching “%(text)s” · erkend") % {
                "register": name,
                "text": text,
            }
        return gettext("New on the %(register)s · erkend") % {"register": name}

    def subtitle(self) -> str:
        return gettext(
            "Employers that entered these search results (new to the register, or listed "
            "again), newest edition first. Dates are the IND's own edition dates."
        )

    def link(self) -> str:
        return reverse("registry:search") + self._query_string()

    def feed_url(self) -> str:
        return reverse("registry:search-feed") + self._query_string()

    def feed_guid(self) -> str:
        return self.request.build_absolute_uri(self.feed_url())

    def feed_copyright(self) -> str:
        return gettext("Source: %(credit)s") % {"credit": Freshness.of(self.register).credit}

    def items(self) -> list[ListingEvent]:
        """The newest MAX_ENTRIES entries into the search's results: its listings' "added" and
        "listed again" events, newest first, read until enough are among them."""
        selected = set(select(self.filterset.query(), register=self.register).ids())
        if not selected:
            return []
        first = (
            Edition.objects.filter(register__slug=self.slug).order_by("published_on", "pk").first()
        )
        events = (
            ListingEvent.objects.filter(
                listing__register__slug=self.slug,
                kind__in=[ListingEvent.Kind.ADDED, ListingEvent.Kind.READDED],
            )
            .exclude(edition=first)
            .select_related("listing__company", "edition")
            .only(
                "kind",
                "listing_id",
                "listing__name",
                "listing__company__key",
                "listing__company__kvk_number",
                "edition__published_on",
            )
            .order_by("-edition__published_on", "-edition_id", "listing__sort_name", "pk")
        )
        found = []
        for event in events.iterator(chunk_size=500):
            if event.listing_id in selected:
                found.append(event)
                if len(found) == MAX_ENTRIES:
                    break
        return found

    def item_title(self, item: ListingEvent) -> str:
        company = item.listing.company
        names = {"name": item.listing.name, "kvk": company.kvk_number}
        again = item.kind == ListingEvent.Kind.READDED
        if company.kvk_number:
            if again:
                return gettext("%(name)s (KvK %(kvk)s) listed again") % names
            return gettext("%(name)s (KvK %(kvk)s) listed") % names
        if again:
            return gettext("%(name)s listed again") % names
        return gettext("%(name)s listed") % names

    def item_description(self, item: ListingEvent) -> str:
        name = self.register.name if self.register else self.slug
        names = {"date": long_date(item.edition.published_on), "register": name}
        if item.kind == ListingEvent.Kind.READDED:
            return gettext("Listed again in the edition of %(date)s of the %(register)s.") % names
        return gettext("New in the edition of %(date)s of the %(register)s.") % names

    def item_link(self, item: ListingEvent) -> str:
        return reverse("registry:company", kwargs={"key": item.listing.company.key})

    def item_guid(self, item: ListingEvent) -> str:
        day = item.edition.published_on.isoformat()
        return self.request.build_absolute_uri(f"{self.item_link(item)}#{item.kind}-{day}")


@require_GET
def search_feed(request: HttpRequest) -> HttpResponse:
    """`/search.atom`: the search's parameters; a bad one is a 400 that says which."""
    filterset = ListingFilter(request.GET, request=request)
    if not filterset.is_valid():
        return feed_errors(filterset)
    return SearchFeed(request, filterset)(request)


# --- One company ---------------------------------------------------------------------------------


class CompanyFeed(EventFeed):  # items are ListingEvents, the object a Company
    feed_type = Atom1Feed
    author_name = AUTHOR

    def __init__(self, request: HttpRequest) -> None:
        super().__init__()
        self.request = request

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Company:
        key = kwargs["key"]
        company = Company.objects.filter(key=key).first() if COMPANY_KEY.fullmatch(key) else None
        if company is None:
            raise Http404(gettext("No company with this key is on a register."))
        self.company = company
        return company

    def title(self, obj: Company) -> str:
        return gettext("%(name)s: changes in the IND registers · erkend") % {"name": obj.name}

    def subtitle(self, obj: Company) -> str:
        names = {"name": obj.name, "kvk": obj.kvk_number}
        if obj.kvk_number:
            return (
                gettext(
                    "%(name)s (KvK %(kvk)s): added, renamed, no longer listed or listed again, "
                    "per edition of the IND's public registers of recognised sponsors."
                )
                % names
            )
        return (
            gettext(
                "%(name)s (no KvK number): added, renamed, no longer listed or listed again, "
                "per edition of the IND's public registers of recognised sponsors."
            )
            % names
        )

    def link(self, obj: Company) -> str:
        return reverse("registry:company", kwargs={"key": obj.key})

    def feed_url(self, obj: Company) -> str:
        return reverse("registry:company-feed", kwargs={"key": obj.key})

    def feed_guid(self, obj: Company) -> str:
        return self.request.build_absolute_uri(self.feed_url(obj))

    def feed_copyright(self, obj: Company) -> str:
        return gettext("Source: %(credit)s") % {"credit": SOURCE}

    def items(self, obj: Company) -> list[ListingEvent]:
        return list(
            ListingEvent.objects.filter(listing__company=obj)
            .exclude(kind=ListingEvent.Kind.RENAMED, format_only=True)
            .select_related("edition", "listing__register")
            .defer("edition__raw_gzip", "listing__register__etag")
            .order_by("-edition__published_on", "-edition_id", "-pk")[:MAX_ENTRIES]
        )

    def item_title(self, item: ListingEvent) -> str:
        names = {
            "register": item.listing.register.name,
            "old": item.old_name,
            "new": item.new_name,
        }
        if item.kind == ListingEvent.Kind.ADDED:
            if is_baseline(item.edition):
                return gettext("Listed in the first edition of the %(register)s we stored") % names
            return gettext("Added to the %(register)s") % names
        if item.kind == ListingEvent.Kind.REMOVED:
            return gettext("No longer listed on the %(register)s") % names
        if item.kind == ListingEvent.Kind.READDED:
            return gettext("Listed again on the %(register)s") % names
        return gettext("Renamed: “%(old)s” → “%(new)s”") % names

    def item_description(self, item: ListingEvent) -> str:
        names = {
            "date": long_date(item.edition.published_on),
            "register": item.listing.register.name,
        }
        if item.kind == ListingEvent.Kind.REMOVED:
            return (
                gettext(
                    "In the edition of %(date)s of the %(register)s. "
                    "The IND gives no reasons for removals."
                )
                % names
            )
        return gettext("In the edition of %(date)s of the %(register)s.") % names

    def item_link(self, item: ListingEvent) -> str:
        return reverse("registry:company", kwargs={"key": self.company.key})

    def item_guid(self, item: ListingEvent) -> str:
        return self.request.build_absolute_uri(f"{self.item_link(item)}#event-{item.pk}")


@require_GET
def company_feed(request: HttpRequest, key: str) -> HttpResponse:
    """`/company/<key>.atom`; an unknown key is the friendly 404."""
    canonical = canonical_key(key)
    if canonical != key:
        return redirect("registry:company-feed", key=canonical, permanent=True)
    return CompanyFeed(request)(request, key=key)
