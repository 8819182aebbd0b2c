"""Celery tasks: thin wrappers around scraper.sync and scraper.enrich (style.md, guideline 6)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from scraper.enrich import enrich
from scraper.fetch import FetchError
from scraper.runs import fail_stale_runs
from scraper.sync import RunAlreadyOpen, queue_sync, run_sync


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(FetchError,),
    retry_backoff=60,
    retry_backoff_max=60 * 60,
    max_retries=5,
)
def sync_register_task(
    self: Task[Any, Any],
    run_id: int | None = None,
    *,
    register: str = "work",
    trigger: str = "schedule",
) -> dict[str, object]:
    """Sync one register. Idempotent: a rerun after a lost ack finds the rows unchanged."""
    if run_id is None:
        try:
            run_id = queue_sync(register=register, trigger=trigger, now=timezone.now()).pk
        except RunAlreadyOpen as already:  # the admin's run, or yesterday's still going
            return {"register": register, "status": "skipped", "message": str(already)}
    retry = self.request.retries < (self.max_retries or 0)
    return run_sync(run_id, raise_fetch_errors=retry).as_dict()


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
