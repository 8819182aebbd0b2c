"""`manage.py bench`: the speed figures the issues ask for, printed, never asserted in a test.

It works in a throwaway test database (created and dropped here), so it never touches real
data. Pages are built from the real July 2026 copy in ../shared when it is there, otherwise
from synthetic names of the same size.
"""

from __future__ import annotations

import csv
import os
import platform
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from functools import partial
from html import escape
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django.urls import reverse
from django.utils import timezone

from registry.models import Company, Edition, Listing, ListingEvent, ListingName, Register, SyncRun
from scraper.parse import parse_register
from scraper.sync import queue_sync, run_sync

SHARED_FOLDER = Path("../shared/data/register")
SHARED_COPY = SHARED_FOLDER / "ind-labour-2026-07-19-mimhji.csv"
Row = tuple[str, str]


def real_or_synthetic_rows(count: int) -> tuple[list[Row], str]:
    if SHARED_COPY.is_file():
        with SHARED_COPY.open(encoding="utf-8", newline="") as handle:
            rows = [(r["organisation"], r["kvk_number"]) for r in csv.DictReader(handle)]
        return rows, f"real names ({SHARED_COPY.name})"
    rng = random.Random(7)
    words = ["Techniek", "Solutions", "Holland", "Data", "Zorg", "Logistiek", "Bouw", "Energy"]
    rows = [
        (f"{rng.choice(words)} {rng.choice(words)} {i} B.V.", f"{10_000_000 + i * 7:08d}")
        for i in range(count)
    ]
    return rows, "synthetic names"


def register_html(rows: list[Row], *, updated: date) -> str:
    body = "\n".join(
        f'<tr><th scope="row">{escape(name, quote=False)}</th><td>{kvk}</td></tr>'
        for name, kvk in rows
    )
    return (
        "<!doctype html><html><body><main><h1>Public register Work</h1>"
        f"<p>The overview was last updated on {updated.day} {updated:%B %Y}.</p>"
        '<table><thead><tr><th scope="col">Organisation</th><th scope="col">KVK number</th>'
        f"</tr></thead><tbody>{body}</tbody></table></main></body></html>"
    )


def next_edition(rows: list[Row]) -> list[Row]:
    """A typical month: 120 added, 30 removed, 20 renamed."""
    rng = random.Random(11)
    kept = rows[30:]
    renamed = [
        (f"{name} Nederland", kvk) if i % 500 == 0 else (name, kvk)
        for i, (name, kvk) in enumerate(kept)
    ][: len(kept)]
    added = [(f"Nieuwe Werkgever {i} B.V.", f"{90_000_000 + i:08d}") for i in range(120)]
    rng.shuffle(added)
    return renamed + added


def timed(fn: Callable[[], object], *, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Print parse, sync and search timings on a full-size register (throwaway database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=200, help="requests per search case")
        parser.add_argument(
            "--history-only",
            action="store_true",
            help="only the CSV, changes and stats figures on the 13 real editions",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout.write
        rows, origin = real_or_synthetic_rows(13_000)
        page = register_html(rows, updated=date(2026, 7, 1))
        out(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        out(f"page: {len(rows):,} rows, {len(page) / 1e6:.1f} MB, {origin}")

        parse_times = timed(lambda: parse_register(page), repeat=5)
        out(f"parse: median {statistics.median(parse_times):.3f} s (5 runs)  target <= 0.5 s")

        config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            out(f"database: {connection.vendor} {connection.display_name}")
            if not options["history_only"]:
                self._syncs(rows, page)
                self._searches(options["requests"])
            self._history(options["requests"])
        finally:
            teardown_databases(config, verbosity=0)

    def _syncs(self, rows: list[Row], page: str) -> None:
        out = self.stdout.write
        with tempfile.TemporaryDirectory() as folder:
            first = Path(folder) / "first.html"
            first.write_text(page, encoding="utf-8")
            second = Path(folder) / "second.html"
            second.write_text(
                register_html(next_edition(rows), updated=date(2026, 8, 3)), encoding="utf-8"
            )

            def sync(path: Path) -> str:
                run = queue_sync(
                    register="work", trigger="bench", now=timezone.now(), url=str(path)
                )
                return run_sync(run.pk).summary()

            results: list[str] = []
            [t1] = timed(lambda: results.append(sync(first)))
            out(f"first sync: {t1:.2f} s  target <= 3 s   ({results[-1]})")
            [t2] = timed(lambda: results.append(sync(first)))
            out(f"unchanged re-sync: {t2:.2f} s  target <= 1 s   ({results[-1]})")
            [t3] = timed(lambda: results.append(sync(second)))
            out(f"next-edition sync: {t3:.2f} s   ({results[-1]})")

    def _searches(self, requests: int) -> None:
        out = self.stdout.write
        client = Client(HTTP_HOST="127.0.0.1")  # an allowed host with DEBUG off
        cases = {
            "no query (browse)": {},
            "1 word": {"q": "techniek"},
            "3 words": {"q": "philips electronics nederland"},
            "typo": {"q": "bookng"},
            "kvk": {"q": "17037842"},
            "filters": {"status": "all", "listed_since": "2026-01-01", "sort": "newest"},
        }
        for label, params in cases.items():
            for name in ("registry:search", "registry:search-json"):
                url = reverse(name)
                first = client.get(url, params)  # also warms caches
                if first.status_code != 200:
                    raise CommandError(f"{url} {params} answered {first.status_code}")
                times = [t * 1000 for t in timed(partial(client.get, url, params), repeat=requests)]
                out(
                    f"{name.split(':')[1]:<12} {label:<18} p50 {pct(times, 0.5):6.1f} ms  "
                    f"p95 {pct(times, 0.95):6.1f} ms"
                )

    def _history(self, requests: int) -> None:
        """/search.csv of the whole Work register, /changes/ and /stats/, on the 13 real
        editions, imported into this throwaway database after emptying it."""
        out = self.stdout.write
        if not SHARED_FOLDER.is_dir():
            out(f"history pages: skipped, {SHARED_FOLDER} is absent (the 13 real editions)")
            return
        Register.objects.update(current_edition=None)
        for model in (ListingEvent, ListingName, Listing, Company, SyncRun, Edition):
            model.objects.all().delete()
        [seconds] = timed(
            lambda: call_command("import_shared_editions", str(SHARED_FOLDER), stdout=StringIO())
        )
        editions = Edition.objects.filter(register__slug="work").count()
        out(f"import of the {editions} shared editions: {seconds:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # What autovacuum does soon after a bulk load: without statistics the planner
                # takes a 13,000-row table for an empty one and picks nested loops.
                cursor.execute("ANALYZE")

        client = Client(HTTP_HOST="127.0.0.1")
        url = reverse("registry:search-csv")
        cases = {
            "whole Work register (status=all)": {"status": "all"},
            "listed now": {},
            "first listed since 2025": {"status": "all", "listed_since": "2025-01-01"},
            "first listed in 2026": {"status": "all", "listed_since": "2026-01-01"},
        }
        for label, params in cases.items():
            times = timed(partial(read_stream, client, url, params), repeat=3)
            lines, size = read_stream(client, url, params)
            # tracemalloc: the peak of memory Python allocated while the response was built
            # and read, this request alone (the process's maximum RSS cannot be reset
            # between cases, and holds the parse and sync runs above). It misses the
            # database driver's C buffers and slows the run, so time is measured apart.
            tracemalloc.start()
            read_stream(client, url, params)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out(
                f"search.csv {label:<33} {lines - 1:>6,} rows {size / 1e6:5.2f} MB  "
                f"median {statistics.median(times):.2f} s  peak Python memory "
                f"{peak / 1e6:5.1f} MB (tracemalloc)"
            )
        # What streaming saves: the same rows as model instances, all in memory at once.
        tracemalloc.start()
        everything = list(Listing.objects.of("work").for_listing())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out(
            f"for comparison, {len(everything):,} listings loaded at once (not streamed): peak "
            f"Python memory {peak / 1e6:.1f} MB (tracemalloc)"
        )
        del everything
        out(f"maximum RSS of this process so far: {max_rss_mb():.0f} MB (getrusage)")

        latest = Edition.objects.filter(register__slug="work").latest_or_none()
        assert latest is not None
        pages = {
            "changes (all registers)": reverse("registry:changes"),
            f"changes of {latest.published_on}": reverse(
                "registry:changes-edition",
                kwargs={"register": "work", "day": latest.published_on.isoformat()},
            ),
            "stats": reverse("registry:stats"),
            "stats.json": reverse("registry:stats-json"),
        }
        for label, page_url in pages.items():
            first = client.get(page_url)
            if first.status_code != 200:
                raise CommandError(f"{page_url} answered {first.status_code}")
            times = [t * 1000 for t in timed(partial(client.get, page_url), repeat=requests)]
            out(
                f"{label:<28} p50 {pct(times, 0.5):6.1f} ms  p95 {pct(times, 0.95):6.1f} ms  "
                f"({len(first.content) / 1e3:.0f} kB)"
            )


def read_stream(client: Client, url: str, params: dict[str, str]) -> tuple[int, int]:
    """Read a streamed response as a server would, a chunk at a time: (lines, bytes)."""
    response = client.get(url, params)
    if response.status_code != 200:
        raise CommandError(f"{url} {params} answered {response.status_code}")
    if not isinstance(response, StreamingHttpResponse):
        raise CommandError(f"{url} did not stream its answer")
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    return lines, size


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
