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
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django.urls import reverse
from django.utils import timezone

from scraper.parse import parse_register
from scraper.sync import queue_sync, run_sync

SHARED_COPY = Path("../shared/data/register/ind-labour-2026-07-19-mimhji.csv")
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
            self._syncs(rows, page)
            self._searches(options["requests"])
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
