"""What every page says about the data it serves: the IND's date and our last check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext, gettext_lazy

from registry.models import Register

SERVED_REGISTER = "work"
SOURCE = gettext_lazy("IND public register of recognised sponsors (ind.nl)")
# How scraper.sync ends a stored check message that names the edition still served.
STILL_SERVING = "; still serving the edition of "
_CACHED = "_erkend_served_register"
_SERVED = "_erkend_served_slug"


def check_text(stored: str) -> str:
    """A stored check message (Register.last_check_message) in the reader's language: it is
    stored in English, from the messages scraper.sync marks for translation; any other
    message passes as it is."""
    if not stored:
        return ""
    reason, served, day = stored.partition(STILL_SERVING)
    if not served:
        return gettext(reason)
    try:
        served_on = datetime.strptime(day, "%d %B %Y").replace(tzinfo=UTC).date()  # as written
    except ValueError:
        return stored
    return gettext("%(reason)s; still serving the edition of %(date)s") % {
        "reason": gettext(reason),
        "date": format_date(served_on, "j F Y"),
    }


def served_register(request: HttpRequest, slug: str = SERVED_REGISTER) -> Register | None:
    """The register a page serves (Work unless it asks for another), with its current edition:
    one query per request and register.

    The context processor and the views both need it; the first caller reads the registers
    (all four: the search form says which have data) and keeps them on the request, so a page
    never pays for them twice. The stored page of an edition (up to a megabyte) is not read.
    The register asked for last is the one the page's header states (`freshness`): a search
    or the stats of the Exchange register speak of that register.
    """
    setattr(request, _SERVED, slug)
    return _registers(request).get(slug)


def synced_registers(request: HttpRequest) -> frozenset[str]:
    """The slugs of the registers with an edition loaded (no query beyond served_register's)."""
    return frozenset(
        slug for slug, register in _registers(request).items() if register.current_edition_id
    )


def _registers(request: HttpRequest) -> dict[str, Register]:
    cached: dict[str, Register] | None = getattr(request, _CACHED, None)
    if cached is None:
        cached = _read_registers()
        setattr(request, _CACHED, cached)
    return cached


def _read_registers() -> dict[str, Register]:
    """The registers with their current editions, never an edition's stored page: one query.
    Read each time: a last check changes daily, an edition monthly, an enrichment version
    while enrichment writes, and HTTP caching (registry.http) spares repeated requests."""
    registers = Register.objects.select_related("current_edition").defer(
        "current_edition__raw_gzip"
    )
    return {register.slug: register for register in registers}


@dataclass(frozen=True, slots=True)
class Freshness:
    """The edition served and the last check, as the header, footer and API state them."""

    published_on: date | None  # the IND's own date of the edition served; None: none loaded
    checked_at: datetime | None  # our last look at the IND page, whether or not it had news
    check_ok: bool
    check_message: str
    register_url: str
    register: str = SERVED_REGISTER  # its slug

    @classmethod
    def of(cls, register: Register | None) -> Freshness:
        if register is None:
            return cls(None, None, True, "", settings.IND_WORK_REGISTER_URL)
        edition = register.current_edition
        return cls(
            published_on=edition.published_on if edition else None,
            checked_at=register.last_checked_at,
            check_ok=register.last_check_ok,
            check_message=check_text(register.last_check_message),
            register_url=register.url,
            register=register.slug,
        )

    @property
    def credit(self) -> str:
        """The attribution the IND's proclaimer asks for, on every page and API response."""
        if self.published_on is None:
            return str(SOURCE)
        return gettext("%(credit)s, list of %(date)s") % {
            "credit": SOURCE,
            "date": format_date(self.published_on, "j F Y"),
        }

    def as_json(self) -> dict[str, str | None]:
        return {
            "register": self.register,
            "updated_on": self.published_on.isoformat() if self.published_on else None,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


def freshness(request: HttpRequest) -> dict[str, object]:
    """The freshness of the register the view served (served_register), Work if it asked for
    none. Jinja2 applies context processors after the view's context, so a view cannot
    override this value; it names the register it serves instead."""
    slug = getattr(request, _SERVED, SERVED_REGISTER)
    return {"freshness": Freshness.of(served_register(request, slug))}
