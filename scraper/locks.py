"""One sync of a register at a time, one enrichment run per provider: PostgreSQL session
advisory locks, which the database releases when a worker dies."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from registry.models import Register

LOCK_NAMESPACE = 0x45524B  # "ERK": keeps our advisory lock ids apart from anyone else's


@contextmanager
def advisory_lock(key: int) -> Iterator[bool]:
    """Try a PostgreSQL session advisory lock for the whole block; yield whether we hold it.

    The database releases it if the worker dies. Other databases (SQLite, for the local run:
    one process, one writer at a time) always grant it.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def register_lock(register: Register) -> contextlib.AbstractContextManager[bool]:
    """The lock on syncing this register, held for the whole run, fetch included."""
    return advisory_lock((LOCK_NAMESPACE << 20) + register.pk)
