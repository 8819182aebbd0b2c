"""The 13 real editions in ../shared/data/register, imported once per test module.

Test modules that read them mark themselves with `SHARED_MARKS` (skipped where the folder is
absent) and wrap `imported_history()` in a module-scoped fixture of their own:

    @pytest.fixture(scope="module")
    def history(django_db_setup, django_db_blocker):
        with imported_history(django_db_blocker):
            yield
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from registry.models import (
    Company,
    Edition,
    Listing,
    ListingEvent,
    ListingName,
    Register,
    SyncRun,
)

# Beside the repository, never copied into it: /work/main/../shared/data/register. A checkout
# elsewhere (a git worktree) names the folder in SHARED_REGISTER.
SHARED = Path(
    os.environ.get("SHARED_REGISTER")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "register"
)
SHARED_MARKS = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not SHARED.is_dir(), reason=f"{SHARED} is absent: the real register copies are not here"
    ),
]


@contextmanager
def imported_history(django_db_blocker: Any) -> Iterator[None]:
    """Import every copy through the sync (gates and history included), then remove it all."""
    with django_db_blocker.unblock():
        try:
            call_command("import_shared_editions", str(SHARED))
            if connection.vendor == "postgresql":
                # As autovacuum would soon after a sync: without statistics the planner
                # joins 13,000 listings in nested loops and a search takes 100 ms, not 5.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            yield
        finally:
            # Leave the database as the migrations made it, for the tests that follow.
            Register.objects.update(current_edition=None)
            for model in (ListingEvent, ListingName, Listing, Company, SyncRun, Edition):
                model.objects.all().delete()
