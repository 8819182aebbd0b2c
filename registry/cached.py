"""What searches keep between requests, and the one rule that says when it is out of date.

Three things are cached: the sector and place counts of a search without text
(registry.facets.compute_facets), a text search's ranking (ranked), and the pages of results
of a search (results_page_key, read by registry.views.ResultPaginator). Each is the same for
every visitor until

* the register's next edition: the register's current edition is part of every key, and every
  change to listings comes with a new current edition (sync, import, backfill); or
* the next enrichment write: every entry is stored with the enrichment version, which
  scraper.enrich renews when it writes a sector or a place (`enrichment_changed`), at most once
  a minute while a run writes and at the end of the run.

(A ranking does not depend on enrichment: it is kept under the edition alone, and after an
enrichment write its pages are built again from the register's columns, read anew by
registry.tally.) So a cached value lags the data by at most that minute of a running
enrichment; the expiry
(settings.FACET_CACHE_SECONDS for the counts, SEARCH_CACHE_SECONDS for results) is a safety
net. Searches with `as_of` are not cached: their answer's edition is worked out while
filtering. Results are cached as plain values (registry.results.Result.as_tuple), which
unpickle ten times faster than dataclasses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache

from registry.filters import FACETS, ListingFilter
from registry.results import Result, match_values
from registry.search import Match

ENRICHMENT_VERSION = "search:enrichment-version"
RENEWED_LATELY = "search:enrichment-renewed"
# In every key of a cached value: bump it when the shape of what is stored changes (the
# fields of Result or Match, the Facets dataclasses), since a cache outlives a deploy.
# 2: a ranking is stored as its matches alone (registry.cached.ranked); 3: the register's
# columns (registry.tally.Columns) hold what a results row shows.
SHAPE = 3

_T = TypeVar("_T")


def enrichment_changed(*, at_most_every: int = 0) -> None:
    """Cached counts and results are not used again: a sector or a place was written. With
    `at_most_every` (seconds), only if they were not renewed that recently."""
    if at_most_every and not cache.add(RENEWED_LATELY, True, at_most_every):
        return
    cache.set(ENRICHMENT_VERSION, uuid4().hex, None)


def versioned(
    key: str,
    compute: Callable[[], _T],
    *,
    seconds: int,
    version: Any = None,
    missing: bool = False,
) -> _T:
    """What `compute()` gave last time under `key`, while the enrichment version is the one it
    was stored under; else `compute()`, stored for `seconds` at most. `version`: the
    enrichment version when the request has read it already (then only `key` is read);
    `missing`: known not to be in the cache (nothing is read)."""
    held = None
    if not missing and version is None:
        found = cache.get_many([ENRICHMENT_VERSION, key])
        version, held = found.get(ENRICHMENT_VERSION), found.get(key)
    elif not missing:
        held = cache.get(key)
    if version is not None and held is not None and held[0] == version:
        return held[1]  # type: ignore[no-any-return]  # what this function stored
    value = compute()
    cache.set(key, (version or named_version(), value), seconds)
    return value


def named_version() -> Any:
    """The enrichment version of a cache that has none yet: the first request names it."""
    cache.add(ENRICHMENT_VERSION, uuid4().hex, None)
    return cache.get(ENRICHMENT_VERSION)


def filters_key(filterset: ListingFilter, *, leave_out: tuple[str, ...] = ()) -> str:
    """A digest of a valid filterset's cleaned values (dates, the parsed sector and place), so
    "den haag" and "Den Haag" share an entry; without the filters named in `leave_out`."""
    data = filterset.form.cleaned_data
    filters = sorted((name, repr(value)) for name, value in data.items() if name not in leave_out)
    return hashlib.blake2b(repr(filters).encode(), digest_size=16).hexdigest()


def remembered(
    key: str | None,
    read: Callable[[], list[Result]],
    *,
    version: Any = None,
    missing: bool = False,
) -> list[Result]:
    """`read()`, or the results it gave under `key` (None: not cached); `version` and
    `missing` as versioned() takes them."""
    if key is None or not settings.SEARCH_CACHE_SECONDS:
        return read()
    fresh: list[Result] = []  # read here: returned as read, not rebuilt from what is stored

    def read_to_store() -> list[tuple[Any, ...]]:
        fresh.extend(read())
        return [result.as_tuple() for result in fresh]

    rows = versioned(
        key, read_to_store, seconds=settings.SEARCH_CACHE_SECONDS, version=version, missing=missing
    )
    return fresh or [Result.from_tuple(values) for values in rows]


def ranked(filterset: ListingFilter, *, edition_id: int | None) -> list[Match]:
    """A valid text search's ranking, best first, among the listings every filter but sector
    and place leaves (registry.search ranks them: most of a search's time). Paging through a
    search, narrowing it by sector or place, or asking for it again reuses it.

    A ranking depends on the edition alone, not on enrichment: it is kept under the edition,
    and an enrichment write costs the pages' rows read again, not a new ranking. The
    listings the other filters leave are applied to it again by registry.tally (a filter
    ListingFilter applies after the text, "recent", is applied there too).

    One round trip to the cache: the enrichment version is read with the ranking and kept on
    the filterset for the rest of the request (its columns, its page), and so is whether the
    ranking was made now (then its page is not looked for)."""
    if (
        edition_id is None
        or filterset.form.cleaned_data.get("as_of")
        or not settings.SEARCH_CACHE_SECONDS
    ):
        return filterset.matches()
    key = f"search:{SHAPE}:{edition_id}:{filters_key(filterset, leave_out=FACETS)}"
    found = cache.get_many([ENRICHMENT_VERSION, key])
    filterset.enrichment_version = found.get(ENRICHMENT_VERSION)
    held = found.get(key)
    if held is not None:
        return [Match(*values) for values in held]
    filterset.ranked_now = True
    matches = filterset.matches()
    cache.set(key, [match_values(m) for m in matches], settings.SEARCH_CACHE_SECONDS)
    return matches


def results_page_key(filterset: ListingFilter, *, edition_id: int | None) -> str | None:
    """The key under which the pages of a valid search are cached (with the page size and
    number after it), or None."""
    if edition_id is None or filterset.form.cleaned_data.get("as_of"):
        return None
    return f"page:{SHAPE}:{edition_id}:{filters_key(filterset)}"
