"""The life of a SyncRun apart from its work: claimed, kept alive by a heartbeat, and failed when
its worker has gone quiet.

A sync writes `heartbeat_at` as it progresses. A run that is queued or running with no sign of
life (heartbeat, start or creation) for longer than the task time limit is dead: Celery kills a
task at that limit, and a worker killed by the kernel or a lost broker message leave no other
trace. The next sync of the register and a periodic task (config/celery.py) mark such runs failed,
with why, so a dead run never blocks the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import mail_admins
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext

from registry.models import Register, SyncRun

log = logging.getLogger(__name__)


class SyncStopped(Exception):
    """The run may not go on; the message says why. Raised at a heartbeat, before publishing."""


def stale_after() -> timedelta:
    """How long a run may be silent: the task time limit, after which Celery kills the task."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def _silent_since(cutoff: datetime) -> Q:
    """Runs whose last sign of life (heartbeat, else start, else creation) is before `cutoff`."""
    return (
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff)
    )


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def fail_stale_runs(*, now: datetime, register: Register | None = None) -> list[int]:
    """Mark failed every open run (of `register`, or of all) silent for longer than the limit.

    Returns the ids of the runs failed. Each UPDATE repeats the condition, so a run whose
    heartbeat arrives between the read and the write is left alone.
    """
    cutoff = now - stale_after()
    silent = SyncRun.objects.filter(_silent_since(cutoff), status__in=SyncRun.OPEN)
    if register is not None:
        silent = silent.filter(register=register)
    failed = []
    for run in silent.only("pk", "status", "created_at", "started_at", "heartbeat_at"):
        last_sign = run.heartbeat_at or run.started_at or run.created_at
        if run.status == SyncRun.Status.RUNNING:
            message = gettext("no sign of life since %(time)s; the worker probably died")
        else:
            message = gettext("queued since %(time)s and never taken up; is a worker running?")
        still_silent = SyncRun.objects.filter(_silent_since(cutoff), pk=run.pk, status=run.status)
        message %= {"time": _when(last_sign)}
        if still_silent.update(status=SyncRun.Status.FAILED, finished_at=now, message=message):
            log.warning("sync run %s (%s): %s", run.pk, run.status, message)
            failed.append(run.pk)
    return failed


# How a run ends when it got the IND's page and read it whole: stored, unchanged, or held. Held
# counts: the page was fetched and judged sound, only its removals wait for an admin, and a new
# fetch would find the same page and hold it again. Refused and failed do not: the page was cut,
# odd or not there, and the next fetch may well get it whole.
CHECKED = (SyncRun.Status.DONE, SyncRun.Status.UNCHANGED, SyncRun.Status.HELD)
# Runs that did not look at the live page now: saved pages, archived copies, and an admin's
# acceptance of a page fetched by an earlier run.
NOT_A_CHECK = (*SyncRun.NOT_A_LOOK, "accept")


def last_check(register: Register, *, since: datetime) -> SyncRun | None:
    """The latest run since `since` that checked the register's live page (CHECKED), or None."""
    return (
        SyncRun.objects.filter(register=register, status__in=CHECKED, finished_at__gte=since)
        .exclude(trigger__in=NOT_A_CHECK)
        .order_by("-finished_at")
        .first()
    )


def claim_run(run: SyncRun, *, now: datetime, again: bool = False) -> bool:
    """Mark the run running for this worker (compare-and-set); False if it may not run: an
    admin cancelled it, or the stale check failed it, before a worker took it up.

    `again` is a task's retry, which takes its own run, failed by the attempt before, once more;
    False too if another run of the register was opened meanwhile (an admin's "Resync now"):
    at most one is open, and the newer one goes ahead.
    """
    allowed = [SyncRun.Status.QUEUED, *([SyncRun.Status.FAILED] if again else [])]
    try:
        with transaction.atomic():  # a savepoint: the constraint may refuse the update
            claimed = SyncRun.objects.filter(pk=run.pk, status__in=allowed).update(
                status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now, finished_at=None
            )
    except IntegrityError:  # another run of the register is open (the one-open-run constraint)
        return False
    if claimed:
        run.status, run.started_at, run.heartbeat_at = SyncRun.Status.RUNNING, now, now
        run.finished_at = None
    return bool(claimed)


def cancel_run(run: SyncRun, *, by: str, now: datetime) -> bool:
    """End a queued or running run at an admin's word; False if it had already finished.

    A queued run is never started (claim_run); a running one stops at its next heartbeat,
    before it publishes anything (its transaction is rolled back).
    """
    message = gettext("cancelled by %(user)s") % {"user": by}
    return bool(
        SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.OPEN).update(
            status=SyncRun.Status.CANCELLED, finished_at=now, message=message
        )
    )


def reject_run(run: SyncRun, *, by: str, reason: str) -> bool:
    """End a held run at an admin's word: its edition is never published, and the public keeps
    the edition it is shown. False if the run is no longer held, or an approval of it is open
    or done: nothing is changed then.
    """
    if reason:
        message = gettext("rejected by %(user)s: %(reason)s") % {"user": by, "reason": reason}
    else:
        message = gettext("rejected by %(user)s") % {"user": by}
    approved = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING, SyncRun.Status.DONE)
    rejected = (
        SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.HELD)
        .exclude(
            pk__in=SyncRun.objects.filter(status__in=approved, accepted_from__isnull=False).values(
                "accepted_from_id"
            )
        )
        .update(status=SyncRun.Status.REJECTED, message=message, raw_gzip=None)
    )
    if not rejected:
        return False
    log.info("sync run %s: %s", run.pk, message)
    # Visitors were told an edition is being reviewed; if this was the last look, it is over.
    later = SyncRun.objects.filter(register_id=run.register_id, pk__gt=run.pk).exclude(
        trigger__in=SyncRun.NOT_A_LOOK
    )
    if not later.exists():
        Register.objects.filter(pk=run.register_id).update(last_check_message="")
    return True


def fail_unsent(run: SyncRun, error: Exception, *, now: datetime) -> None:
    """The task of a queued run could not be sent (the broker is down): no worker will ever take
    it, so it is failed now, with why, and the admins are told."""
    message = gettext("could not reach the task queue, so no worker will run it: %(error)s") % {
        "error": error
    }
    failed = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.FAILED, finished_at=now, message=message
    )
    if not failed:
        return
    log.error("sync run %s: %s", run.pk, message)
    try:
        mail_admins(gettext("sync run %(pk)s could not be started") % {"pk": run.pk}, message)
    except Exception:  # the run says why; a mail server is no gate
        log.exception("could not mail the admins about run %s", run.pk)


class Heartbeat:
    """Call it as the sync progresses: it records a sign of life, each write in a short
    transaction of its own, and raises SyncStopped when the run may not go on.

    Outside the sync's own transaction the write is one UPDATE on the sync's connection, which
    commits at once. Inside it (writing the edition, seconds to minutes) a write there would be
    seen only at commit, so on PostgreSQL it goes through a second connection of its own; on
    SQLite (the local run, one writer at a time) that would wait for the sync's own lock, so
    there the heartbeat only checks. The check itself always reads the run on the sync's
    connection, which sees what others committed.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        # Blocks open when the run starts (a test's transaction, say) are not the sync's own.
        self._outer_depth = len(connection.atomic_blocks)
        self._aside: BaseDatabaseWrapper | None = None

    def __call__(self) -> None:
        now = timezone.now()
        if len(connection.atomic_blocks) > self._outer_depth:
            self._write_aside(now)
            alive = SyncRun.objects.filter(pk=self.run_id, status=SyncRun.Status.RUNNING).exists()
        else:
            alive = bool(
                SyncRun.objects.filter(pk=self.run_id, status=SyncRun.Status.RUNNING).update(
                    heartbeat_at=now
                )
            )
        if not alive:
            raise SyncStopped(gettext("the run was ended elsewhere while it ran"))

    def _write_aside(self, now: datetime) -> None:
        if connection.vendor != "postgresql":
            return
        if self._aside is None:
            ours = connections[DEFAULT_DB_ALIAS]
            self._aside = type(ours)(dict(ours.settings_dict), DEFAULT_DB_ALIAS)
        table = SyncRun._meta.db_table
        # SKIP LOCKED: never wait for a lock on the row (a test's own transaction holds one).
        with self._aside.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET heartbeat_at = %s WHERE id = ("
                f"SELECT id FROM {table} WHERE id = %s AND status = %s FOR UPDATE SKIP LOCKED)",
                [now, self.run_id, SyncRun.Status.RUNNING],
            )

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()
            self._aside = None


@contextmanager
def heartbeat(run_id: int) -> Iterator[Heartbeat]:
    beat = Heartbeat(run_id)
    try:
        yield beat
    finally:
        beat.close()
