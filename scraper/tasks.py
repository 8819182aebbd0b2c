"""Celery tasks: thin wrappers around scraper.sync (style.md, guideline 6)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from scraper.fetch import FetchError
from scraper.sync import queue_sync, run_sync


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
    run_id = run_id or queue_sync(register=register, trigger=trigger, now=timezone.now()).pk
    retry = self.request.retries < (self.max_retries or 0)
    return run_sync(run_id, raise_fetch_errors=retry).as_dict()
