"""The gates an edition passes before anything is written: does it look like the register, and
may it be published without an admin? Each answer is a reason in words, or nothing.

Refused (SyncRefused): the page does not look like the register (too few rows, too few KvK
numbers, a size jump, older than what we hold). Held (hold_reason): it looks right but would
remove more than REMOVAL_HOLD_PERCENT of the listed employers at once. Flagged (removal_flag):
published, with a note, when more than FLAG_REMOVALS_OVER leave in one edition.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import mail_admins
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from registry.models import Edition, Listing, Register, SyncRun
from scraper.parse import ParsedEdition

log = logging.getLogger(__name__)

# The share of rows that must carry a valid KvK number (today: 4 rows in 13,000 do not).
MIN_KVK_SHARE = 0.99
# More removals than this in one edition is unusual (a normal month drops 5 to 40), but the
# 2025 purge of 279 was real: such an edition is stored and flagged for review, not refused.
FLAG_REMOVALS_OVER = 100


class SyncRefused(Exception):
    """A gate refused the edition; the message says which and why."""


def check_plausible(
    parsed: ParsedEdition,
    *,
    register: Register,
    previous: Edition | None,
    published_on: date,
    force: bool,
) -> None:
    """Raise SyncRefused when the edition does not look like the register. Writes nothing."""
    if previous is not None and published_on < previous.published_on:
        # Even with force: history only moves forward, or "removed since" would lie.
        raise SyncRefused(
            f"the edition of {published_on:%-d %B %Y} is older than the one we hold "
            f"({previous.published_on:%-d %B %Y})"
        )
    if force:
        return
    rows = len(parsed.rows)
    if rows < register.min_rows:
        raise SyncRefused(
            f"only {rows:,} rows, fewer than the {register.min_rows:,} this register must have"
        )
    with_kvk = sum(1 for row in parsed.rows if row.kvk_number)
    if with_kvk < MIN_KVK_SHARE * rows:
        raise SyncRefused(
            f"only {with_kvk:,} of {rows:,} rows carry a valid KvK number "
            f"(at least {MIN_KVK_SHARE:.0%} must)"
        )
    if previous is not None and previous.row_count:
        change = (rows - previous.row_count) / previous.row_count
        if abs(change) * 100 > register.max_change_percent:
            direction = "shrank" if change < 0 else "grew"
            raise SyncRefused(
                f"the register {direction} by {abs(change):.0%} ({previous.row_count:,} to "
                f"{rows:,} rows); more than {register.max_change_percent} % needs an admin"
            )


@dataclass(frozen=True, slots=True)
class Removals:
    """What an edition would remove: counted from keys, no Listing object built."""

    listed: int  # listed now
    keys: frozenset[str]  # of those, the keys the edition no longer has

    @property
    def count(self) -> int:
        return len(self.keys)


def count_removals(listed: set[str], entries: Iterable[str]) -> Removals:
    """The listed keys (editions.listed_keys) that an edition's keys (group_rows) lack."""
    return Removals(listed=len(listed), keys=frozenset(listed.difference(entries)))


def removed_listings(register: Register, removals: Removals) -> list[Listing]:
    """The listings `removals` names, A-Z, to show an admin. Writes nothing; one query."""
    listings = (
        Listing.objects.filter(
            register=register, removed_on__isnull=True, company__key__in=removals.keys
        )
        .select_related("company")
        .only("name", "first_listed", "company__key", "company__kvk_number")
    )
    return sorted(listings, key=lambda listing: listing.name.casefold())


def hold_reason(removals: Removals) -> str:
    """Why an edition that removes `removals` must wait for an admin, or "" when it need not.

    Real months remove 5 to 40 of some 13,000 employers; removing more than REMOVAL_HOLD_PERCENT
    of the listed ones is more likely a broken page than a real purge, and a job seeker told
    "no longer listed" may act on it. So the edition is kept, not published, until approved.
    """
    if not removals.listed or not removals.count:
        return ""
    share = 100 * removals.count / removals.listed
    if share <= settings.REMOVAL_HOLD_PERCENT:
        return ""
    return gettext(
        "it would remove %(removed)s of the %(listed)s listed employers (%(share)s %%, more "
        "than %(limit)s %%): held until an admin approves it"
    ) % {
        "removed": number_format(removals.count, force_grouping=True),
        "listed": number_format(removals.listed, force_grouping=True),
        "share": f"{share:.1f}",
        "limit": f"{settings.REMOVAL_HOLD_PERCENT:g}",
    }


def tell_admins_held(run: SyncRun, removed: list[Listing], *, shown: int = 50) -> None:
    """Mail the admins (settings.ADMINS) what the held edition would remove. Never raises.

    The link to the run's admin page is a full address with settings.SITE_URL, a path without.
    """
    register = run.register
    served = register.current_edition
    # The mail is written in the site's language (settings.LANGUAGE_CODE), as the worker runs.
    names = {
        "register": register.name,
        "reason": run.message,
        "page": run.published_on or gettext("no date"),
        "serving": served.published_on if served else gettext("nothing yet"),
        "url": settings.SITE_URL + reverse("admin:registry_syncrun_change", args=[run.pk]),
        "shown": min(shown, len(removed)),
        "num": number_format(len(removed), force_grouping=True),
    }
    lines = [
        gettext("A new edition of the %(register)s was fetched but not published: %(reason)s.")
        % names,
        "",
        gettext("Edition on the page: %(page)s; still serving: %(serving)s.") % names,
        gettext("Review it, then approve or reject it in the admin: %(url)s") % names,
        "",
        gettext("Employers it would remove (first %(shown)s of %(num)s):") % names,
        *(
            gettext("- %(name)s (KvK %(kvk)s)")
            % {"name": listing.name, "kvk": listing.company.kvk_number or gettext("none")}
            for listing in removed[:shown]
        ),
    ]
    subject = ngettext(
        "%(register)s: edition held, %(num)s removal",
        "%(register)s: edition held, %(num)s removals",
        len(removed),
    )
    try:
        mail_admins(subject % names, "\n".join(lines))
    except Exception:  # the run is recorded and shown in the admin; a mail server is no gate
        log.exception("could not mail the admins about held run %s", run.pk)


def removal_flag(removed: int) -> str:
    """The note an edition with many removals is published with, or "" for a usual one."""
    if removed <= FLAG_REMOVALS_OVER:
        return ""
    return (
        f"{removed} companies left the register in one edition (usually 5 to 40); check the "
        "page before relying on the removals"
    )
