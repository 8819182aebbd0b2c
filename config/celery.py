"""The Celery app and its beat schedule (style.md, guideline 7: the schedule lives in code)."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("erkend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule(sender: Celery, **_: object) -> None:
    from django.conf import settings

    # The IND publishes monthly on no fixed day, within the first ~10 days; a daily check is
    # cheap (a 304 or an unchanged hash) and finds a new edition within a day.
    daily = crontab(hour=settings.SYNC_SCHEDULE_HOUR, minute=settings.SYNC_SCHEDULE_MINUTE)
    sender.conf.beat_schedule = {
        # One task per register (each holds its own lock), a minute apart, so ind.nl gets one
        # request at a time however many workers are free.
        **{
            f"sync-{slug}-register": {
                "task": "scraper.tasks.sync_register_task",
                "schedule": daily,
                "kwargs": {"register": slug, "trigger": "schedule"},
                # A missed morning is not worth a late run.
                "options": {"expires": 6 * 60 * 60, "countdown": 60 * number},
            }
            for number, slug in enumerate(("work", "exchange", "study", "research"))
        },
        # Every 10 minutes: a run paces itself (KVK_*_RATE_PER_MINUTE) and stops within
        # ENRICH_RUN_SECONDS; one still queued at the next slot is dropped, not stacked.
        "enrich-sponsors": {
            "task": "scraper.tasks.enrich_sponsors_task",
            "schedule": 10 * 60,
            "options": {"expires": 9 * 60},
        },
        # A run silent for longer than the task time limit (30 minutes) is dead: failed within
        # ten minutes more, so a killed worker's run never blocks "Resync now" for long. The
        # next sync of the register checks too, whenever it comes.
        "fail-stale-runs": {
            "task": "scraper.tasks.fail_stale_runs_task",
            "schedule": 10 * 60,
            "options": {"expires": 9 * 60},
        },
    }
