"""How fresh each register is: when a sync last looked at the live page and got an answer.

Read by /healthz (config/health.py), for monitors, and by the admin index, for people. A register
whose last successful check is older than STALE_CHECK_HOURS (or that was never checked) is
stale: the daily sync has failed, or stopped running, for two days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q

from registry.models import Register, SyncRun

# A successful check: the page was fetched and read, new or not. A refusal is not one (the
# register was not brought up to date), nor an import or a backfill, which never look at the
# live page (as for what visitors are told, sync._record_check). A held edition is not one
# either: the public still reads the previous edition, so a held run left unreviewed for
# STALE_CHECK_HOURS turns /healthz "degraded" — the monitor's nudge beside the admins' mail.
SUCCESSFUL = (SyncRun.Status.DONE, SyncRun.Status.UNCHANGED)


@dataclass(frozen=True, slots=True)
class RegisterHealth:
    register_id: int
    slug: str
    name: str
    last_successful_check: datetime | None  # None: never checked
    age: timedelta | None
    stale: bool


def stale_after() -> timedelta:
    return timedelta(hours=settings.STALE_CHECK_HOURS)


def register_health(*, now: datetime) -> list[RegisterHealth]:
    """Every register, in their order, with the age of its last successful check. One query."""
    successful = Q(runs__status__in=SUCCESSFUL) & ~Q(runs__trigger__in=SyncRun.NOT_A_LOOK)
    registers = (
        Register.objects.order_by("pk")
        .annotate(last_ok=Max("runs__finished_at", filter=successful))
        .values_list("pk", "slug", "name", "last_ok")
    )
    limit = stale_after()
    health = []
    for pk, slug, name, last_ok in registers:
        age = max(now - last_ok, timedelta(0)) if last_ok is not None else None
        health.append(
            RegisterHealth(
                register_id=pk,
                slug=slug,
                name=name,
                last_successful_check=last_ok,
                age=age,
                stale=age is None or age > limit,
            )
        )
    return health
