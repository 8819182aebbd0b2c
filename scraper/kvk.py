"""The KvK as a source of sector and city: two providers, and the readers of their answers.

`KvkApiProvider` asks the paid KvK API (Basisprofiel, and Zoeken when the profile names no
place); `OpenDataProvider` asks the free open-data API (B.V. and N.V. only). Both call the
network through scraper.fetch.fetch_json only, and both return a `ProviderResult`: the status,
every exchange (redacted, ready to store) and the facts read from it.

The readers (`basisprofiel_facts`, `zoeken_facts`, `opendata_facts`) are pure: scraper.enrich
uses the same ones to re-derive values from stored answers without calling again. No ORM here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from scraper.fetch import FetchError, JsonResult, fetch_json

log = logging.getLogger(__name__)

# ProviderResponse.source values (registry.models.Source), spelled here to keep this module free
# of the ORM.
BASISPROFIEL = "kvk_basisprofiel"
ZOEKEN = "kvk_zoeken"
OPENDATA = "kvk_opendata"

Status = Literal["ok", "not_found", "error"]

# KvK error codes on a 404 that mean "try again later", not "no such registration".
TEMPORARY_CODES = {"IPD1002", "IPD1003"}
# Address fields we never keep: we use the place, and street-level data of sole traders and
# partners is data about natural persons.
STREET_FIELDS = (
    "straatnaam",
    "huisnummer",
    "huisletter",
    "huisnummerToevoeging",
    "toevoegingAdres",
    "postbusnummer",
    "volledigAdres",
    "straatHuisnummer",
    "geoData",
)
NETHERLANDS = {"", "nederland", "nl", "the netherlands", "netherlands"}


@dataclass(frozen=True, slots=True)
class Activity:
    code: str  # as registered: "62100", "6201"
    description: str  # the KvK's own text; "" from the open data
    main: bool


@dataclass(frozen=True, slots=True)
class Facts:
    """What one answer says. Empty strings and tuples: the answer did not say."""

    activities: tuple[Activity, ...] = ()
    legal_form: str = ""
    place: str = ""  # official BAG woonplaats of the head office ("'s-Gravenhage")
    postcode: str = ""  # only to decide an ambiguous place name; never stored as a value
    country: str = ""  # for a head office abroad ("Duitsland")
    postcode_region: str = ""  # open data: 2 digits of the visiting address's postcode
    active: bool | None = None

    @property
    def main_activity(self) -> Activity | None:
        for activity in self.activities:
            if activity.main:
                return activity
        return self.activities[0] if self.activities else None

    @property
    def has_place(self) -> bool:
        return bool(self.place or self.country)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP exchange, as it will be stored (ProviderResponse)."""

    source: str
    status: Status
    http_status: int | None
    body: Any  # redacted JSON; None when there was none
    error: str = ""
    error_code: str = ""  # short and groupable: "HTTP 429", "HTTP 503", "no connection"


@dataclass(frozen=True, slots=True)
class ProviderResult:
    provider: str  # "kvk" or "opendata"
    status: Status
    exchanges: tuple[Exchange, ...]
    facts: Facts = field(default_factory=Facts)

    @property
    def error(self) -> Exchange | None:
        return next((e for e in self.exchanges if e.status == "error"), None)


Wait = Callable[[], None]


class Provider:
    """A KvK source. `wait` is called before every HTTP request (the provider's rate limit);
    `sleep` is what fetch_json sleeps with between its own retries (a fake in tests)."""

    name: str = ""

    def __init__(
        self,
        *,
        base_url: str,
        key: str = "",
        attempts: int = 1,
        backoff: float = 2.0,
        wait: Wait = lambda: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.attempts = attempts
        self.backoff = backoff
        self.wait = wait
        self.sleep = sleep
        self.calls = 0

    def lookup(self, kvk: str) -> ProviderResult:
        raise NotImplementedError

    def _get(
        self, source: str, url: str, params: Mapping[str, str] | None = None
    ) -> JsonResult | Exchange:
        """The JSON answer, or an error Exchange when there was none worth reading."""
        self.wait()
        self.calls += 1
        headers = {"apikey": self.key} if self.key else {}
        try:
            return fetch_json(
                url,
                headers=headers,
                params=params,
                attempts=self.attempts,
                backoff=self.backoff,
                sleep=self.sleep,
            )
        except FetchError as error:
            code = f"HTTP {error.status}" if error.status else "no connection"
            log.warning("%s: %s", source, error)
            return Exchange(source, "error", error.status, None, str(error)[:500], code)


class KvkApiProvider(Provider):
    """The paid KvK API: Basisprofiel for activities, legal form and the head office's place;
    Zoeken (free per call) for the place when the profile has none or is not deliverable."""

    name = "kvk"

    def lookup(self, kvk: str) -> ProviderResult:
        answer = self._get(BASISPROFIEL, f"{self.base_url}/v1/basisprofielen/{kvk}")
        if isinstance(answer, Exchange):
            return ProviderResult(self.name, "error", (answer,))
        profile = _exchange(BASISPROFIEL, answer)
        exchanges = [profile]
        if profile.status == "error":
            return ProviderResult(self.name, "error", tuple(exchanges))
        facts = basisprofiel_facts(profile.body) if profile.status == "ok" else Facts()
        if not facts.has_place:
            # Inactive registrations are left out by default; include them, or "no results"
            # would say nothing (enrichment.md, 2.2).
            params = {"kvkNummer": kvk, "inclusiefInactieveRegistraties": "true"}
            found = self._get(ZOEKEN, f"{self.base_url}/v2/zoeken", params)
            search = found if isinstance(found, Exchange) else _exchange(ZOEKEN, found)
            exchanges.append(search)
            if search.status == "error" and profile.status != "ok":
                return ProviderResult(self.name, "error", tuple(exchanges))
            if search.status == "ok":
                place = zoeken_facts(search.body)
                facts = Facts(
                    activities=facts.activities,
                    legal_form=facts.legal_form,
                    place=place.place,
                    country=place.country,
                    active=place.active,
                )
        status: Status = "ok" if profile.status == "ok" or facts.has_place else "not_found"
        # A failed Zoeken after a good profile still leaves a result; the error is recorded.
        return ProviderResult(self.name, status, tuple(exchanges), facts)


class OpenDataProvider(Provider):
    """The free KvK open-data API (High-Value Dataset): SBI codes, legal form and a postcode
    region for B.V.s and N.V.s. Any other legal form is a 404: a result, "not_found"."""

    name = "opendata"

    def lookup(self, kvk: str) -> ProviderResult:
        answer = self._get(OPENDATA, f"{self.base_url}/basisbedrijfsgegevens/kvknummer/{kvk}")
        if isinstance(answer, Exchange):
            return ProviderResult(self.name, "error", (answer,))
        exchange = _exchange(OPENDATA, answer)
        facts = opendata_facts(exchange.body) if exchange.status == "ok" else Facts()
        return ProviderResult(self.name, exchange.status, (exchange,), facts)


def _exchange(source: str, answer: JsonResult) -> Exchange:
    body = redact(answer.data)
    if answer.status == HTTPStatus.NOT_FOUND:
        codes = set(error_codes(answer.data))
        if codes & TEMPORARY_CODES:
            code = sorted(codes & TEMPORARY_CODES)[0]
            return Exchange(source, "error", 404, body, f"temporarily unavailable ({code})", code)
        if source == ZOEKEN and codes == {"IPD5200"}:  # "no results": an empty search
            return Exchange(source, "ok", 404, body)
        return Exchange(source, "not_found", 404, body)
    if not isinstance(body, dict):
        return Exchange(source, "error", answer.status, None, "not a JSON object", "bad answer")
    return Exchange(source, "ok", answer.status, body)


def error_codes(body: Any) -> list[str]:
    """The KvK error codes in a body: {"fout": [{"code": "IPD0005", ...}]}."""
    if not isinstance(body, dict) or not isinstance(body.get("fout"), list):
        return []
    return [str(item.get("code", "")) for item in body["fout"] if isinstance(item, dict)]


# --- Redaction ----------------------------------------------------------------------------------


def redact(body: Any) -> Any:
    """A copy of an answer without street-level address fields, and without the postcode of a
    shielded address (`indAfgeschermd: "Ja"`) or of a sole trader's or partnership's, whose
    business address is often a home. The place, country and address type stay."""
    natural_person = _is_natural_person(body)
    return _redact(body, natural_person=natural_person)


def _redact(value: Any, *, natural_person: bool) -> Any:
    if isinstance(value, list):
        return [_redact(item, natural_person=natural_person) for item in value]
    if not isinstance(value, dict):
        return value
    is_address = "plaats" in value or "land" in value or "postcodeWoonplaats" in value
    cleaned = {}
    for name, item in value.items():
        if is_address and name in STREET_FIELDS:
            continue
        if is_address and name == "postcode" and (natural_person or _shielded(value)):
            continue
        cleaned[name] = _redact(item, natural_person=natural_person)
    return cleaned


NATURAL_PERSON_FORMS = (
    "eenmanszaak",
    "vennootschap onder firma",
    "maatschap",
    "commanditaire vennootschap",
)


def _is_natural_person(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    owner = (body.get("_embedded") or {}).get("eigenaar") or {}
    form = str(owner.get("rechtsvorm", "") if isinstance(owner, dict) else "").lower()
    return any(form.startswith(name) for name in NATURAL_PERSON_FORMS)


def _shielded(address: Mapping[str, Any]) -> bool:
    flag = address.get("indAfgeschermd", address.get("indicatieAfgeschermd", ""))
    return str(flag).strip().lower() == "ja"


# --- Readers ------------------------------------------------------------------------------------


def basisprofiel_facts(body: Any) -> Facts:
    """Activities, legal form and head-office place from a Basisprofiel.

    The address is the head office's (`_embedded.hoofdvestiging.adressen`), visiting address
    first; a legal entity without an enterprise has no head office, and then the owner's
    address (`_embedded.eigenaar.adressen`) is used.
    """
    if not isinstance(body, dict):
        return Facts()
    embedded = body.get("_embedded") or {}
    head_office = embedded.get("hoofdvestiging") or {}
    owner = embedded.get("eigenaar") or {}
    addresses = _list(head_office.get("adressen")) or _list(owner.get("adressen"))
    place, postcode, country = _place_of(addresses)
    return Facts(
        activities=_kvk_activities(body.get("sbiActiviteiten"))
        or _kvk_activities(head_office.get("sbiActiviteiten")),
        legal_form=str(owner.get("rechtsvorm") or owner.get("uitgebreideRechtsvorm") or ""),
        place=place,
        postcode=postcode,
        country=country,
    )


def zoeken_facts(body: Any) -> Facts:
    """The head office's place from a Zoeken v2 answer: the active `hoofdvestiging` first,
    else the `rechtspersoon`, else the first result."""
    results = _list(body.get("resultaten") if isinstance(body, dict) else None)
    if not results:
        return Facts()

    def rank(result: Mapping[str, Any]) -> tuple[int, int]:
        kind = {"hoofdvestiging": 0, "rechtspersoon": 1}.get(str(result.get("type")), 2)
        inactive = 1 if str(result.get("actief", "Ja")).lower() in {"nee", "false", "n"} else 0
        return (inactive, kind)

    best = min(results, key=rank)
    address = best.get("adres") or {}
    domestic = address.get("binnenlandsAdres") if isinstance(address, dict) else None
    foreign = address.get("buitenlandsAdres") if isinstance(address, dict) else None
    active = str(best.get("actief", "Ja")).lower() not in {"nee", "false", "n"}
    if isinstance(domestic, dict) and domestic.get("plaats"):
        return Facts(place=str(domestic["plaats"]).strip(), active=active)
    if isinstance(foreign, dict) and foreign.get("land"):
        return Facts(country=str(foreign["land"]).strip(), active=active)
    return Facts(active=active)


def opendata_facts(body: Any) -> Facts:
    """SBI codes, legal form (BV/NV), postcode region and active flag from the open data."""
    if not isinstance(body, dict):
        return Facts()
    activities = tuple(
        Activity(
            code=str(item.get("sbiCode", "")).strip(),
            description="",
            main=str(item.get("soortActiviteit", "")).lower() == "hoofdactiviteit",
        )
        for item in _list(body.get("activiteiten"))
        if str(item.get("sbiCode", "")).strip()
    )
    region = body.get("postcodeRegio")
    region_text = f"{region:02d}" if isinstance(region, int) else str(region or "").strip()
    active = body.get("actief")
    return Facts(
        activities=_main_first(activities),
        legal_form=str(body.get("rechtsvormCode") or ""),
        postcode_region=region_text,
        active=None if active is None else str(active).upper() == "J",
    )


def _kvk_activities(items: Any) -> tuple[Activity, ...]:
    return _main_first(
        tuple(
            Activity(
                code=str(item.get("sbiCode", "")).strip(),
                description=str(item.get("sbiOmschrijving", "")).strip(),
                main=str(item.get("indHoofdactiviteit", "")).lower() == "ja",
            )
            for item in _list(items)
            if str(item.get("sbiCode", "")).strip()
        )
    )


def _main_first(activities: tuple[Activity, ...]) -> tuple[Activity, ...]:
    return tuple(sorted(activities, key=lambda a: not a.main))  # stable: KvK order otherwise


def _place_of(addresses: Iterable[Mapping[str, Any]]) -> tuple[str, str, str]:
    """(place, postcode, country) of the visiting address, else the first one with a place.
    A foreign address gives its country and no place; a shielded one gives no postcode."""
    ordered = sorted(addresses, key=lambda a: str(a.get("type", "")) != "bezoekadres")
    for address in ordered:
        country = str(address.get("land") or "").strip()
        if country.lower() not in NETHERLANDS:
            return "", "", country
        place = str(address.get("plaats") or "").strip()
        if place:
            postcode = "" if _shielded(address) else str(address.get("postcode") or "")
            return place, postcode.replace(" ", "").upper(), ""
    return "", "", ""


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
