"""Celery tasks: thin wrappers around scraper.sync and scraper.enrich (style.md, guideline 6)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.utils import timezone

from scraper.enrich import enrich
from scraper.fetch import FetchError
from scraper.runs import fail_stale_runs
from scraper.sync import RunAlreadyOpen, queue_sync, run_sync

RETRY_BACKOFF = 60  # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 60 * 60


@shared_task(bind=True, acks_late=True, max_retries=5)
def sync_register_task(
    self: Task[Any, Any],
    run_id: int | None = None,
    *,
    register: str = "work",
    trigger: str = "schedule",
) -> dict[str, object]:
    """Sync one register. Idempotent: a rerun after a lost ack finds the rows unchanged.

    Only a fetch that may succeed later (FetchError.retryable) is retried, and the retry runs
    the same SyncRun again (its id goes with it), so one scheduled sync is one run however many
    attempts it takes. A 404, a refused page or a body over the limits ends the run at once.
    """
    if run_id is None:
        try:
            run_id = queue_sync(register=register, trigger=trigger, now=timezone.now()).pk
        except RunAlreadyOpen as already:  # the admin's run, or yesterday's still going
            return {"register": register, "status": "skipped", "message": str(already)}
    retries = self.request.retries
    try:
        result = run_sync(
            run_id, raise_retryable=retries < (self.max_retries or 0), again=retries > 0
        )
    except FetchError as error:  # retryable, with retries left: run_sync returns all others
        countdown = get_exponential_backoff_interval(RETRY_BACKOFF, retries, RETRY_BACKOFF_MAX)
        kwargs = {"register": register, "trigger": trigger}
        raise self.retry(exc=error, args=(run_id,), kwargs=kwargs, countdown=countdown) from None
    return result.as_dict()


@shared_task(acks_late=True, time_limit=15 * 60)  # a run stops itself after ENRICH_RUN_SECONDS
def enrich_sponsors_task(
    *, trigger: str = "schedule", limit: int | None = None
) -> dict[str, object]:
    """One paced enrichment run. Idempotent: claims make a redelivered run harmless."""
    return enrich(trigger=trigger, limit=limit).as_dict()


@shared_task(time_limit=5 * 60)
def fail_stale_runs_task() -> list[int]:
    """Mark failed the runs whose worker died (scraper/runs.py); returns their ids."""
    return fail_stale_runs(now=timezone.now())
