"""What a match is called, in words: the verdict and the short reason beside it. The search
page, the bulk check (its table and its CSV) and the feed say them alike; the API gives the
codes (`verdict`, `reason`) and the score."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.search.scoring import Match

# Strongest first: the order of the bulk check's summary.
VERDICTS: dict[str, str | Promise] = {
    "listed": _("Listed"),
    "removed": _("No longer listed"),
    "likely": _("Likely"),
    "similar": _("Similar"),
    "not_listed": _("Not listed"),
    "error": _("Not checked"),
}
REASONS: dict[str, str | Promise] = {
    "kvk": _("KvK number"),
    "exact_name": _("exact name"),
    "starts_with": _("name starts with your words"),
    "all_words": _("has all your words"),
    "close_spelling": _("close spelling"),
    "initials": _("initials of the name"),
    "some_words": _("some of your words"),
    "kvk_start": _("KvK number starts with this"),
}


def verdict_label(verdict: str) -> str:
    return str(VERDICTS.get(verdict, verdict))


def reason_text(match: Match, *, removed_on: date | None) -> str:
    """ "exact name", "close spelling; former name “X”", "KvK number; no longer listed since
    4 March 2025": the reason, then what the reader should know about the employer found."""
    what = str(REASONS.get(match.reason, ""))
    if match.matched_on == "former_name":
        former = gettext("former name “%(name)s”") % {"name": match.matched_name}
        what = f"{what}; {former}" if what else former
    if removed_on is not None:
        gone = gettext("no longer listed since %(date)s") % {
            "date": date_format(removed_on, "j F Y")
        }
        what = f"{what}; {gone}" if what else gone
    return what
