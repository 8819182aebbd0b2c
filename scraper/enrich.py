"""Enrichment: sector and city for every employer, from the KvK, as a paced batch that claims rows.

The queue is the database (`Company.enrich_*`): a run picks the due employers (new in the
latest edition first, then those never enriched, then those whose values are older than
ENRICH_MAX_AGE_DAYS), claims each with a compare-and-set UPDATE (no lock held while the KvK
answers), asks one provider at the provider's rate, stores every answer as a ProviderResponse
and derives the effective values from the stored answers. A worker that dies mid-call leaves
its row claimed for CLAIM_TIMEOUT; then it falls due again. A restart resumes where it stopped.

Providers: the KvK API when KVK_API_KEY is set, else the free open data (`provider=` forces
one). Precedence when both have answered over time: sector KvK API > open data; city from the
KvK API only (Basisprofiel, else Zoeken); the postcode region from the open data.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from registry.enrichment import default_provider, rate_of
from registry.models import (
    Company,
    EnrichmentControl,
    EnrichmentRun,
    Place,
    ProviderResponse,
    Register,
    Source,
)
from registry.places import PlaceIndex, PlaceRow, postcode_area
from registry.sbi import classify
from scraper.kvk import (
    BASISPROFIEL,
    OPENDATA,
    ZOEKEN,
    Facts,
    KvkApiProvider,
    OpenDataProvider,
    Provider,
    ProviderResult,
    basisprofiel_facts,
    opendata_facts,
    zoeken_facts,
)
from scraper.locks import advisory_lock

log = logging.getLogger(__name__)

PROVIDERS = ("kvk", "opendata")
SOURCES_OF = {"kvk": (BASISPROFIEL, ZOEKEN), "opendata": (OPENDATA,)}
READERS: dict[str, Callable[[Any], Facts]] = {
    BASISPROFIEL: basisprofiel_facts,
    ZOEKEN: zoeken_facts,
    OPENDATA: opendata_facts,
}
# A claimed row is due again after this: long enough for one call with its retries, short
# enough that a dead worker's rows come back the same day.
CLAIM_TIMEOUT = timedelta(minutes=30)
# Back-off after a failure: 15 minutes, doubled per failure in a row, at most a week.
RETRY_FIRST = timedelta(minutes=15)
RETRY_MAX = timedelta(days=7)
# Stop a run after this many failures in a row: the source is down, not the employer odd.
MAX_FAILURES_IN_A_ROW = 3
# Answers that end a run at once: the key is refused, or we are over the rate limit.
STOP_RUN = {"HTTP 401": "the API key was refused (HTTP 401)", "HTTP 403": "access refused (403)"}
RATE_LIMITED = "HTTP 429"
_LOCK_NAMESPACE = 0x454E52  # "ENR": apart from the sync's advisory locks


class RateLimiter:
    """At most `per_minute` calls a minute: `wait()` sleeps until the next call may go.

    `now` and `sleep` are injectable (a fake clock in tests). `last_call` is when this
    provider was last called, by any run, so back-to-back runs keep the pace too.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        last_call: float | None = None,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.interval = 60.0 / per_minute
        self.now = now
        self.sleep = sleep
        self._next = None if last_call is None else last_call + self.interval
        self.slept = 0.0

    def wait(self) -> None:
        current = self.now()
        if self._next is not None and current < self._next:
            pause = min(self._next - current, self.interval)
            self.sleep(pause)
            self.slept += pause
            current = self.now()
            current = max(current, self._next)
        self._next = current + self.interval


@dataclass(slots=True)
class EnrichResult:
    run_id: int | None
    provider: str
    status: str
    message: str = ""
    processed: int = 0
    found: int = 0
    not_found: int = 0
    failed: int = 0
    calls: int = 0
    kvk_numbers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"enrichment ({self.provider}): {self.status}; {self.processed} employers, "
            f"{self.found} found, {self.not_found} not found, {self.failed} failed, "
            f"{self.calls} calls"
        )
        return f"{text}. {self.message}" if self.message else text

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# --- Providers ----------------------------------------------------------------------------------


def make_provider(
    name: str, *, wait: Callable[[], None], sleep: Callable[[float], None]
) -> Provider:
    backoff = float(getattr(settings, "FETCH_BACKOFF_SECONDS", 2.0))
    if name == "kvk":
        if not settings.KVK_API_KEY:
            raise ValueError("the KvK API needs KVK_API_KEY")
        # Two attempts: one quick retry of a 429 or 5xx inside the call, then the queue's
        # back-off. The KvK allows far more than we send, so a 429 is a blip.
        return KvkApiProvider(
            base_url=settings.KVK_API_URL,
            key=settings.KVK_API_KEY,
            attempts=2,
            backoff=backoff,
            wait=wait,
            sleep=sleep,
        )
    if name == "opendata":
        # One attempt: at one call a minute, an immediate retry would itself be over the limit.
        return OpenDataProvider(
            base_url=settings.KVK_OPENDATA_URL,
            key=settings.KVK_OPENDATA_KEY,
            attempts=1,
            backoff=backoff,
            wait=wait,
            sleep=sleep,
        )
    raise ValueError(f"unknown provider {name!r}: expected one of {', '.join(PROVIDERS)}")


# --- The queue ----------------------------------------------------------------------------------


def due(now: datetime) -> models.QuerySet[Company]:
    """Employers to enrich now, in order: new in the latest edition, never enriched, refresh;
    the longest waiting first within each."""
    return (
        Company.objects.exclude(kvk_number="")
        .filter(Q(enrich_after__isnull=True) | Q(enrich_after__lte=now))
        .order_by("enrich_priority", F("enrich_after").asc(nulls_first=True), "pk")
    )


def claim(company: Company, *, now: datetime) -> bool:
    """Take `company` for this worker with a compare-and-set UPDATE. False: another worker
    was first (the row's enrich_after is no longer what we read)."""
    unclaimed = Company.objects.filter(pk=company.pk, enrich_after=company.enrich_after)
    until = now + CLAIM_TIMEOUT
    if not unclaimed.update(enrich_after=until):
        return False
    company.enrich_after = until
    return True


def retry_delay(attempts: int) -> timedelta:
    delay: timedelta = RETRY_FIRST * 2 ** max(attempts - 1, 0)
    return min(delay, RETRY_MAX)


def is_paused() -> bool:
    return EnrichmentControl.objects.filter(pk=1, paused=True).exists()


def set_paused(paused: bool, *, by: str, now: datetime) -> EnrichmentControl:
    control = EnrichmentControl.get()
    control.paused, control.changed_by, control.changed_at = paused, by[:150], now
    control.save()
    return control


def provider_lock(provider: str) -> contextlib.AbstractContextManager[bool]:
    """One run per provider at a time, across workers, so the rate holds per API key."""
    return advisory_lock((_LOCK_NAMESPACE << 8) + PROVIDERS.index(provider))


# --- A run --------------------------------------------------------------------------------------


def enrich(
    *,
    trigger: str = "schedule",
    limit: int | None = None,
    provider: str | None = None,
    kvk: str | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    budget_seconds: float | None = None,
    progress: Callable[[int, int, Company], None] | None = None,
) -> EnrichResult:
    """Enrich due employers (or the one with KvK number `kvk`) for one run.

    At most `limit` (ENRICH_BATCH_SIZE) employers and `budget_seconds` (ENRICH_RUN_SECONDS).
    Does nothing while paused in the admin, or when ENRICH_ENABLED is off for a scheduled run;
    an explicit `kvk` is looked up even then. Never raises for a provider's failure: each is
    recorded on the employer and in the result.
    """
    name = provider or default_provider()
    if name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}: expected one of {', '.join(PROVIDERS)}")
    if name == "kvk" and not settings.KVK_API_KEY:
        raise ValueError("the KvK API provider needs KVK_API_KEY (empty: the provider is off)")
    start = clock()
    result = EnrichResult(run_id=None, provider=name, status=EnrichmentRun.Status.SKIPPED)
    if kvk is None and trigger == "schedule" and not settings.ENRICH_ENABLED:
        result.message = "ENRICH_ENABLED is off"
        return result
    if kvk is None and is_paused():
        result.message = "paused in the admin"
        return result
    run = EnrichmentRun.objects.create(provider=name, trigger=trigger, started_at=_moment(start))
    result.run_id = run.pk
    with provider_lock(name) as acquired:
        if not acquired:
            result.message = f"another {name} run is busy"
            return _finish(run, result, clock)
        result.status = EnrichmentRun.Status.DONE
        _run(
            run,
            result,
            provider=name,
            kvk=kvk,
            limit=limit or int(settings.ENRICH_BATCH_SIZE),
            budget=float(settings.ENRICH_RUN_SECONDS if budget_seconds is None else budget_seconds),
            clock=clock,
            sleep=sleep,
            progress=progress,
        )
    return _finish(run, result, clock)


def _run(
    run: EnrichmentRun,
    result: EnrichResult,
    *,
    provider: str,
    kvk: str | None,
    limit: int,
    budget: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    progress: Callable[[int, int, Company], None] | None,
) -> None:
    start = clock()
    limiter = RateLimiter(rate_of(provider), now=clock, sleep=sleep, last_call=_last_call(provider))
    source = make_provider(provider, wait=limiter.wait, sleep=sleep)
    if kvk is not None:
        companies = list(Company.objects.filter(kvk_number=kvk).order_by("pk")[:1])
        if not companies:
            result.status = EnrichmentRun.Status.STOPPED
            result.message = f"no employer with KvK number {kvk} in the register"
            return
    else:
        companies = list(due(_moment(start))[:limit])
    places = place_index()
    failures_in_a_row = 0
    for number, company in enumerate(companies, start=1):
        if clock() - start > budget:
            result.status, result.message = EnrichmentRun.Status.STOPPED, "time budget used up"
            break
        if kvk is None and is_paused():
            result.status, result.message = EnrichmentRun.Status.STOPPED, "paused in the admin"
            break
        if not claim(company, now=_moment(clock())):
            continue  # another worker was first
        answer = source.lookup(company.kvk_number)
        record(company, answer, now=_moment(clock()), places=places)
        result.processed += 1
        result.kvk_numbers.append(company.kvk_number)
        if progress is not None:
            progress(number, len(companies), company)
        if answer.status == "error":
            result.failed += 1
            failures_in_a_row += 1
            code = answer.error.error_code if answer.error else ""
            if code in STOP_RUN:
                result.status, result.message = EnrichmentRun.Status.STOPPED, STOP_RUN[code]
                break
            if code == RATE_LIMITED:
                result.status = EnrichmentRun.Status.STOPPED
                result.message = "rate limited (HTTP 429): stopped until the next run"
                break
            if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                result.status = EnrichmentRun.Status.STOPPED
                result.message = f"{failures_in_a_row} failures in a row; the last: {code}"
                break
            continue
        failures_in_a_row = 0
        if answer.status == "ok":
            result.found += 1
        else:
            result.not_found += 1
    result.calls = source.calls


def _finish(run: EnrichmentRun, result: EnrichResult, clock: Callable[[], float]) -> EnrichResult:
    run.status = result.status
    run.finished_at = _moment(clock())
    run.processed, run.found, run.not_found = result.processed, result.found, result.not_found
    run.failed, run.calls, run.message = result.failed, result.calls, result.message[:500]
    run.save()
    if result.processed:
        transaction.on_commit(enrichment_changed)  # the last writes of the run count too
    log.info("%s", result.summary())
    return result


def _last_call(provider: str) -> float | None:
    last = (
        ProviderResponse.objects.filter(source__in=SOURCES_OF[provider])
        .order_by("-fetched_at")
        .values_list("fetched_at", flat=True)
        .first()
    )
    return last.timestamp() if last else None


# --- Storing answers and deriving values --------------------------------------------------------


def record(company: Company, answer: ProviderResult, *, now: datetime, places: PlaceIndex) -> None:
    """Store every exchange of `answer`, re-derive the employer's values, and put it back in the
    queue: after an answer, for a refresh in ENRICH_MAX_AGE_DAYS; after a failure, with a
    back-off that doubles per failure in a row."""
    ProviderResponse.objects.bulk_create(
        ProviderResponse(
            kvk_number=company.kvk_number,
            source=exchange.source,
            fetched_at=now,
            status=exchange.status,
            http_status=exchange.http_status,
            body=exchange.body,
            error=exchange.error[:500],
        )
        for exchange in answer.exchanges
    )
    if answer.status == "error":
        company.enrich_status = Company.EnrichStatus.FAILED
        company.enrich_attempts += 1
        company.enrich_after = now + retry_delay(company.enrich_attempts)
        failure = answer.error
        company.enrich_error = _reason(failure.error_code if failure else "error")
    else:
        company.enrich_status = (
            Company.EnrichStatus.DONE if answer.status == "ok" else Company.EnrichStatus.NOT_FOUND
        )
        company.enrich_attempts = 0
        company.enrich_error = ""
        company.enrich_priority = Company.EnrichPriority.REFRESH
        company.enrich_after = now + timedelta(days=int(settings.ENRICH_MAX_AGE_DAYS))
    company.enriched_at = now
    counted = _faceted(company)
    re_derive(company, places=places, save=False)
    company.save(update_fields=[*DERIVED_FIELDS, *QUEUE_FIELDS])
    if _faceted(company) != counted:
        # Cached search counts and results are out of date; renewed once a minute at most
        # while a run writes (at five employers a second they would never be used), and at
        # its end.
        transaction.on_commit(renew_counts_soon)


def renew_counts_soon() -> None:
    """Tell the search indexes a sector or a place changed, at most once a minute (while
    enrichment writes, each web process rebuilds its index that often at most)."""
    Register.objects.enrichment_changed(now=timezone.now(), at_most_every=timedelta(minutes=1))


def enrichment_changed() -> None:
    """Tell the search indexes a sector or a place changed (the last writes of a run, a
    company derived anew)."""
    Register.objects.enrichment_changed(now=timezone.now())


def _faceted(company: Company) -> tuple[str, ...]:
    """The values the search counts (registry.search.facets) and shows in its results
    (registry.search.results: the main SBI code too)."""
    return (
        company.sector_section,
        company.sector_division,
        company.sbi_code,
        company.city,
        company.province,
    )


QUEUE_FIELDS = (
    "enrich_status",
    "enrich_priority",
    "enrich_after",
    "enrich_attempts",
    "enrich_error",
    "enriched_at",
)
REASONS = {
    "HTTP 429": "HTTP 429: rate limited",
    "HTTP 401": "HTTP 401: API key refused",
    "HTTP 403": "HTTP 403: access refused",
    "no connection": "no connection or timeout",
    "bad answer": "answer was not a JSON object",
}


def _reason(code: str) -> str:
    if code in REASONS:
        return REASONS[code]
    if code.startswith("HTTP 5"):
        return f"{code}: server error"
    if code.startswith("IPD"):
        return f"KvK temporarily unavailable ({code})"
    return code or "error"


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored answer, read: its facts and when it was fetched."""

    source: str
    facts: Facts
    fetched_at: datetime
    found: bool  # status ok; False for "not found"


@dataclass(slots=True)
class Derived:
    sector_section: str = ""
    sector_division: str = ""
    sbi_code: str = ""
    sbi_version: str = ""
    sector_source: str = ""
    sector_fetched_at: datetime | None = None
    activities: list[dict[str, object]] = field(default_factory=list)
    legal_form: str = ""
    city: str = ""
    municipality: str = ""
    province: str = ""
    country: str = ""
    region: str = ""
    city_source: str = ""
    city_fetched_at: datetime | None = None


DERIVED_FIELDS = tuple(Derived.__dataclass_fields__)


def derive(latest: Mapping[str, Answer], *, places: PlaceIndex) -> Derived:
    """The effective values from the latest answer of each source (pure).

    Sector: the main activity of the Basisprofiel, else of the open data. Place: the
    Basisprofiel's head office, else Zoeken's; municipality and province from the CBS places.
    The open data adds its postcode area, as a region, and its province when no place is known.
    """
    derived = Derived()
    for source in (BASISPROFIEL, OPENDATA):
        answer = latest.get(source)
        main = answer.facts.main_activity if answer and answer.found else None
        if answer is None or main is None:
            continue
        sector = classify(main.code)
        derived.sbi_code = main.code[:5]
        derived.sector_section = sector.section if sector else ""
        derived.sector_division = sector.division if sector else ""
        derived.sbi_version = sector.version if sector else ""
        derived.sector_source, derived.sector_fetched_at = source, answer.fetched_at
        derived.activities = [
            {"code": a.code, "description": a.description, "main": a.main}
            for a in answer.facts.activities
        ]
        break
    for source in (BASISPROFIEL, OPENDATA):
        answer = latest.get(source)
        if answer and answer.found and answer.facts.legal_form:
            derived.legal_form = answer.facts.legal_form
            break
    for source in (BASISPROFIEL, ZOEKEN):
        answer = latest.get(source)
        if answer and answer.found and answer.facts.has_place:
            facts = answer.facts
            derived.city, derived.country = facts.place[:100], facts.country[:100]
            if facts.place:
                found = places.lookup(facts.place, postcode=facts.postcode)
                derived.municipality, derived.province = found.municipality, found.province
            derived.city_source, derived.city_fetched_at = source, answer.fetched_at
            break
    opendata = latest.get(OPENDATA)
    if opendata and opendata.found:
        area = postcode_area(opendata.facts.postcode_region)
        if area is not None:
            derived.region = area.label
            if not derived.city_source:
                derived.province = area.province
                derived.city_source, derived.city_fetched_at = OPENDATA, opendata.fetched_at
    return derived


def latest_answers(kvk_numbers: list[str]) -> dict[str, dict[str, Answer]]:
    """The latest answer (ok or not found; errors say nothing) of each source per KvK number."""
    answers: dict[str, dict[str, Answer]] = {}
    rows = (
        ProviderResponse.objects.filter(
            kvk_number__in=kvk_numbers,
            status__in=[ProviderResponse.Status.OK, ProviderResponse.Status.NOT_FOUND],
        )
        .order_by("kvk_number", "source", "-fetched_at", "-pk")
        .values_list("kvk_number", "source", "status", "body", "fetched_at")
    )
    for kvk, source, status, body, fetched_at in rows:
        per_source = answers.setdefault(kvk, {})
        if source in per_source:
            continue  # an older answer of the same source
        found = status == ProviderResponse.Status.OK
        facts = READERS[source](body) if found and source in READERS else Facts()
        per_source[source] = Answer(source, facts, fetched_at, found)
    return answers


def re_derive(company: Company, *, places: PlaceIndex | None = None, save: bool = True) -> Company:
    """Rebuild an employer's effective values from its stored answers, without calling."""
    latest = latest_answers([company.kvk_number]).get(company.kvk_number, {})
    derived = derive(latest, places=places if places is not None else place_index())
    for name in DERIVED_FIELDS:
        setattr(company, name, getattr(derived, name))
    if save:
        company.save(update_fields=list(DERIVED_FIELDS))
        transaction.on_commit(enrichment_changed)
    return company


def re_derive_all(*, chunk: int = 500) -> int:
    """Re-derive every employer that has stored answers (after load_places, or a reader fix)."""
    places = place_index()
    kvks = list(ProviderResponse.objects.order_by().values_list("kvk_number", flat=True).distinct())
    changed = 0
    for start in range(0, len(kvks), chunk):
        part = kvks[start : start + chunk]
        answers = latest_answers(part)
        companies = list(Company.objects.filter(kvk_number__in=part))
        for company in companies:
            derived = derive(answers.get(company.kvk_number, {}), places=places)
            for name in DERIVED_FIELDS:
                setattr(company, name, getattr(derived, name))
        Company.objects.bulk_update(companies, list(DERIVED_FIELDS), batch_size=500)
        changed += len(companies)
    transaction.on_commit(enrichment_changed)
    return changed


def place_index() -> PlaceIndex:
    rows = Place.objects.values_list("place", "municipality", "province")
    return PlaceIndex(PlaceRow(*row) for row in rows)


# --- Coverage, for the admin ---------------------------------------------------------------------


# The schedule starts a run every 10 minutes (config/celery.py): with no run for two slots and
# more, no worker and beat are running, whatever the page's switches say.
WORKER_SILENT_AFTER = timedelta(minutes=25)


def run_is_dead(run: EnrichmentRun, *, now: datetime) -> bool:
    """A run still "running" well past the time a run is given (ENRICH_RUN_SECONDS): its worker
    died; the admin must not read it as running."""
    limit = timedelta(seconds=2 * int(settings.ENRICH_RUN_SECONDS) + 60)
    return run.status == EnrichmentRun.Status.RUNNING and now - run.started_at > limit


def worker_state(runs: list[EnrichmentRun], *, now: datetime) -> dict[str, Any]:
    """Whether a worker is really taking enrichment runs, judged by the runs it left: "inline"
    (no broker: a run happens only when started here), "never", "working" or "silent"."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"state": "inline", "last": runs[0].started_at if runs else None}
    scheduled = [run for run in runs if run.trigger == "schedule"]
    if not scheduled:
        return {"state": "never", "last": None}
    last = scheduled[0].started_at
    return {"state": "working" if now - last <= WORKER_SILENT_AFTER else "silent", "last": last}


def coverage(*, now: datetime) -> dict[str, Any]:
    """How far enrichment has come: employers with a sector, a place, waiting, failed (by
    reason), answers per source and status, and the last runs. A handful of GROUP BYs."""
    companies = Company.objects.exclude(kvk_number="")
    totals = companies.aggregate(
        total=Count("pk"),
        with_sector=Count("pk", filter=~Q(sector_section="")),
        with_city=Count("pk", filter=~Q(city="")),
        with_province=Count("pk", filter=~Q(province="")),
        abroad=Count("pk", filter=~Q(country="")),
        with_region=Count("pk", filter=~Q(region="")),
        due=Count("pk", filter=Q(enrich_after__isnull=True) | Q(enrich_after__lte=now)),
        never=Count("pk", filter=Q(enriched_at__isnull=True)),
        stale=Count(
            "pk",
            filter=Q(
                enriched_at__lt=now - timedelta(days=int(settings.ENRICH_MAX_AGE_DAYS)),
            ),
        ),
    )
    by_status = dict(
        companies.order_by()
        .values_list("enrich_status")
        .annotate(n=Count("pk"))
        .values_list("enrich_status", "n")
    )
    failures = list(
        companies.filter(enrich_status=Company.EnrichStatus.FAILED)
        .order_by()
        .values("enrich_error")
        .annotate(n=Count("pk"))
        .order_by("-n", "enrich_error")
    )
    runs = list(EnrichmentRun.objects.all()[:15])
    for run in runs:
        run.dead = run_is_dead(run, now=now)  # type: ignore[attr-defined]  # for the template
    labels = dict(Source.choices)
    by_source = [
        {**row, "label": labels.get(row["source"], row["source"])}
        for row in ProviderResponse.objects.order_by()
        .values("source", "status")
        .annotate(n=Count("pk"), last=models.Max("fetched_at"))
        .order_by("source", "status")
    ]
    return {
        **totals,
        "without_kvk": Company.objects.filter(kvk_number="").count(),
        "by_status": {
            label: by_status.get(value, 0) for value, label in Company.EnrichStatus.choices
        },
        "failures": failures,
        "by_source": by_source,
        "runs": runs,
        "worker": worker_state(runs, now=now),
        "paused": is_paused(),
        "enabled": bool(settings.ENRICH_ENABLED),
        "provider": default_provider(),
    }
