"""How many bulk checks run at once, across every web process: a few PostgreSQL advisory locks.

A 1,000-name check keeps a worker and a core busy for a second or more; eight at once held every
gunicorn worker and left searches waiting seconds. A check runs only while it holds one of
BULK_CHECK_SLOTS session locks; finding none free, it is answered at once with "come back"
(503 and Retry-After) instead of queueing in front of the searches. The database releases a
slot when its connection ends, so a worker killed mid-check frees its slot too. Other databases
(SQLite, the local run: one process) always grant one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

# pg_try_advisory_lock(namespace, slot): two-key locks, which never meet the one-key locks of
# the sync and the enrichment (scraper.locks.advisory_lock), whatever their numbers.
NAMESPACE = 0x424C4B  # "BLK"
RETRY_AFTER_SECONDS = 5  # a 1,000-name check takes about a second (docs/edge.md)


@contextmanager
def bulk_check_slot() -> Iterator[bool]:
    """Hold a free slot for the block and yield True, or yield False: all are taken."""
    if connection.vendor != "postgresql":
        yield True
        return
    held = None
    with connection.cursor() as cursor:
        for slot in range(settings.BULK_CHECK_SLOTS):
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [NAMESPACE, slot])
            if cursor.fetchone()[0]:
                held = slot
                break
    try:
        yield held is not None
    finally:
        if held is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [NAMESPACE, held])
