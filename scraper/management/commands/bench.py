"""`manage.py bench`: the speed figures the issues ask for, printed, never asserted in a test.

It works in a throwaway test database (created and dropped here), so it never touches real
data. Pages are built from the real July 2026 copy in ../shared when it is there, otherwise
from synthetic names of the same size.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
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
from uuid import uuid4

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.test import Client
from django.test.utils import override_settings, setup_databases, teardown_databases
from django.urls import reverse
from django.utils import timezone

from registry import sbi
from registry.filters import ListingFilter
from registry.models import Company, Edition, Listing, ListingEvent, ListingName, Register, SyncRun
from registry.search import index, scoring, search
from registry.text import search_text
from scraper.parse import parse_register
from scraper.sync import queue_sync, run_sync

# Beside the repository; a checkout elsewhere (a git worktree) names it in SHARED_REGISTER.
SHARED_FOLDER = Path(os.environ.get("SHARED_REGISTER") or "../shared/data/register")
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


def new_search_texts(count: int, *, seed: int = 3) -> list[str]:
    """Texts as visitors type them, from the names of the register: a whole name, its first
    one or two words, a word with two letters swapped; each different."""
    rng = random.Random(seed)
    names = list(ListingName.objects.order_by("pk").values_list("name", flat=True))
    texts: dict[str, None] = {}
    while len(texts) < count and names:
        words = rng.choice(names).split()
        kind = len(texts) % 4
        if kind == 0:
            text = " ".join(words)
        elif kind in (1, 2):
            text = " ".join(words[:kind])
        else:
            word = max(words, key=len)
            i = rng.randrange(max(len(word) - 1, 1))
            text = word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]
        if len(text) > 2:
            texts[text.lower()] = None
    return list(texts)


def cpu_calibration() -> float:
    """Seconds for ten million additions in a Python loop: a yardstick to compare the figures
    of two machines by (or of one machine at two moments: a shared one varies)."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


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


# Synthetic enrichment for the facet figures: shares of SBI 2025 sections among sponsors of
# skilled migrants (a guess shaped like the KvK's answers so far: consultancy, IT and trade
# lead), and head offices concentrated in the Randstad and Eindhoven, with a long tail.
SECTION_WEIGHTS = {
    "N": 20, "K": 18, "G": 14, "C": 11, "O": 9, "R": 5, "H": 5, "Q": 4, "L": 4, "F": 3, "I": 2,
    "J": 2, "M": 1, "T": 1, "S": 1, "A": 1, "D": 0.5, "E": 0.3, "B": 0.3, "P": 0.3, "U": 0.05,
    "V": 0.05,
}  # fmt: skip
CITY_WEIGHTS = {
    ("Amsterdam", "Noord-Holland"): 24, ("Rotterdam", "Zuid-Holland"): 8,
    ("'s-Gravenhage", "Zuid-Holland"): 6, ("Utrecht", "Utrecht"): 6,
    ("Eindhoven", "Noord-Brabant"): 5, ("Amstelveen", "Noord-Holland"): 2,
    ("Hoofddorp", "Noord-Holland"): 2, ("Leiden", "Zuid-Holland"): 2, ("Delft", "Zuid-Holland"): 2,
    ("Haarlem", "Noord-Holland"): 1.5, ("Groningen", "Groningen"): 1.5,
    ("Nijmegen", "Gelderland"): 1.2, ("'s-Hertogenbosch", "Noord-Brabant"): 1.2,
    ("Breda", "Noord-Brabant"): 1, ("Tilburg", "Noord-Brabant"): 1, ("Arnhem", "Gelderland"): 1,
    ("Schiphol", "Noord-Holland"): 1, ("Amersfoort", "Utrecht"): 1, ("Almere", "Flevoland"): 0.8,
    ("Maastricht", "Limburg"): 0.8, ("Veldhoven", "Noord-Brabant"): 0.8,
    ("Zwolle", "Overijssel"): 0.6, ("Enschede", "Overijssel"): 0.6,
    ("Wageningen", "Gelderland"): 0.5, ("Leeuwarden", "Fryslân"): 0.4, ("Assen", "Drenthe"): 0.3,
    ("Middelburg", "Zeeland"): 0.3,
}  # fmt: skip
TAIL_SHARE = 0.25  # of employers, spread over the other CBS places (Zipf-like)
SHARED_PLACES = Path("../shared/data/places/cbs_woonplaatsen_2026.csv")


def enrich_synthetically(*, seed: int = 5) -> int:
    """Give every company a sector (section, division, SBI code) and a head office (city,
    municipality, province) drawn from the weights above: a few bulk UPDATEs. 2 % get only a
    province, as the open data's postcode region gives."""
    rng = random.Random(seed)
    sections, section_weights = list(SECTION_WEIGHTS), list(SECTION_WEIGHTS.values())
    codes: dict[str, list[str]] = {}
    for code in sorted(sbi.SUBCLASSES_2025):
        codes.setdefault(code[:2], []).append(code)
    tail: list[tuple[str, str]] = []
    if SHARED_PLACES.is_file():
        with SHARED_PLACES.open(encoding="utf-8", newline="") as handle:
            top_places = {place for place, _ in CITY_WEIGHTS}
            rows = {(r["place"], r["province"]) for r in csv.DictReader(handle)}
        tail = sorted(row for row in rows if row[0] not in top_places)
        rng.shuffle(tail)
    top, top_weights = list(CITY_WEIGHTS), list(CITY_WEIGHTS.values())
    companies = list(Company.objects.only("pk"))
    now = timezone.now()
    for company in companies:
        section = rng.choices(sections, section_weights)[0]
        divisions = sbi.divisions_of(section)
        division = divisions[min(int(rng.paretovariate(1.2)) - 1, len(divisions) - 1)]
        company.sector_section, company.sector_division = section, division
        company.sbi_code = rng.choice(codes.get(division, [division + "000"]))
        company.sbi_version, company.sector_source = "2025", "kvk_basisprofiel"
        company.sector_fetched_at = company.city_fetched_at = company.enriched_at = now
        if tail and rng.random() < TAIL_SHARE:
            city, province = tail[min(int(rng.paretovariate(0.8)) - 1, len(tail) - 1)]
        else:
            city, province = rng.choices(top, top_weights)[0]
        if rng.random() < 0.02:
            city = ""  # a postcode region only
        company.city, company.municipality, company.province = city, city, province
        company.city_source = "kvk_basisprofiel"
        company.enrich_status = Company.EnrichStatus.DONE
    fields = [
        "sector_section", "sector_division", "sbi_code", "sbi_version", "sector_source",
        "sector_fetched_at", "city", "municipality", "province", "city_source",
        "city_fetched_at", "enrich_status", "enriched_at",
    ]  # fmt: skip
    if connection.vendor == "postgresql":
        # One UPDATE a row, pipelined by psycopg's executemany: bulk_update's CASE per column
        # over 13,000 rows took 78 s on the development machine, this a few.
        columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in fields)
        table = connection.ops.quote_name(Company._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {columns} WHERE id = %s",
                [[getattr(c, name) for name in fields] + [c.pk] for c in companies],
            )
    else:
        Company.objects.bulk_update(companies, fields, batch_size=1000)
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a sync or a batch of updates in production: without
        # statistics the planner takes the fresh listings for one row and walks indexes.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    Register.objects.enrichment_changed(now=timezone.now())  # as scraper.enrich does
    return len(companies)


class Command(BaseCommand):
    help = "Print parse, sync and search timings on a full-size register (throwaway database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=200, help="requests per search case")
        parser.add_argument(
            "--history-only",
            action="store_true",
            help="only the CSV, changes and stats figures on the 13 real editions",
        )
        parser.add_argument(
            "--facets-only",
            action="store_true",
            help="only the first sync and the sector and place figures (synthetic enrichment)",
        )
        parser.add_argument(
            "--sync-only",
            action="store_true",
            help="only the parse and the three sync figures (first, unchanged, next edition)",
        )
        parser.add_argument(
            "--scales",
            default="",
            help="comma-separated sizes (1,10,100) of synthetic registers built from the real "
            "names: search p50/p95 per query kind and the peak memory of a web process "
            "(PostgreSQL only); alone, nothing else is measured",
        )
        parser.add_argument(
            "--web-process",
            action="store_true",
            help=argparse.SUPPRESS,  # the child process of --scales: warm, search, report
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout.write
        if options["web_process"]:
            self._web_process(options["requests"])
            return
        rows, origin = real_or_synthetic_rows(13_000)
        page = register_html(rows, updated=date(2026, 7, 1))
        out(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; 10 million additions in a Python loop: "
            f"{cpu_calibration():.2f} s"
        )
        out(f"page: {len(rows):,} rows, {len(page) / 1e6:.1f} MB, {origin}")

        parse_times = timed(lambda: parse_register(page), repeat=5)
        out(f"parse: median {statistics.median(parse_times):.3f} s (5 runs)  target <= 0.5 s")

        config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        # A cache of its own: the throwaway database numbers its editions from 1 again, so a
        # shared cache (Redis) would serve an earlier run's entries under the same keys.
        own_cache = {
            alias: {**options_of, "KEY_PREFIX": f"bench-{uuid4().hex}"}
            for alias, options_of in settings.CACHES.items()
        }
        # The rate limits off (docs/edge.md): 200 requests a case from one address would meet
        # them; what the edge costs a request is measured there, apart.
        caches_override = override_settings(CACHES=own_cache, RATELIMIT_ENABLE=False)
        caches_override.enable()
        try:
            out(f"database: {connection.vendor} {connection.display_name}")
            if options["scales"]:
                for scale in [int(x) for x in options["scales"].split(",") if x.strip()]:
                    self._scale(rows, scale, options["requests"])
                return
            if options["sync_only"]:
                self._syncs(rows, page)
                return
            if options["facets_only"]:
                self._syncs(rows, page)
                self._enrich()
                self._facets(options["requests"])
                return
            if not options["history_only"]:
                self._syncs(rows, page)
                self._enrich()
                self._searches(options["requests"])
                self._facets(options["requests"])
            self._history(options["requests"])
        finally:
            caches_override.disable()
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
        """The search page and /search.json on the enriched register, each case asked
        `requests` times (the index built once before, as a web process does at start); and
        new searches: `requests` different texts, each asked once, as visitors type them."""
        gc.freeze()  # what is loaded by now is frozen, as config/wsgi.py does for the site
        out = self.stdout.write
        client = Client(HTTP_HOST="127.0.0.1")  # an allowed host with DEBUG off
        cases = {
            "no query (browse)": {},
            "filters": {"status": "all", "listed_since": "2026-01-01", "sort": "newest"},
            "kvk": {"q": "17037842"},
            "1 word": {"q": "techniek"},
            "3 words": {"q": "philips electronics nederland"},
            "typo": {"q": "bookng"},
        }
        out("search (every employer enriched): p50 / p95 of the whole request, target p95 <= 10 ms")
        register = Register.objects.get(slug="work")
        builds = []
        for _ in range(3):
            index.forget()
            builds += timed(lambda: index.index_of(register))
        out(
            f"{'index built':<12} {'(registry.search)':<18} median "
            f"{statistics.median(builds) * 1000:6.0f} ms  (once per process, edition and "
            "enrichment version; at start by config/wsgi.py)"
        )
        for label, params in cases.items():
            for name in ("registry:search", "registry:search-json"):
                url = reverse(name)
                first = client.get(url, params)
                if first.status_code != 200:
                    raise CommandError(f"{url} {params} answered {first.status_code}")
                get = partial(client.get, url, params)
                times = [t * 1000 for t in timed(get, repeat=requests)]
                out(
                    f"{name.split(':')[1]:<12} {label:<18} p50 {pct(times, 0.5):6.1f} ms  "
                    f"p95 {pct(times, 0.95):6.1f} ms"
                )
        texts = new_search_texts(requests * 2)
        for name, chosen in (
            ("registry:search", texts[::2]),
            ("registry:search-json", texts[1::2]),
        ):
            url = reverse(name)
            by_kind: dict[bool, list[float]] = {True: [], False: []}
            for text in chosen:
                [seconds] = timed(partial(client.get, url, {"q": text}))
                generic = not scoring.core(search_text(text))
                by_kind[generic].append(seconds * 1000)
            every = by_kind[True] + by_kind[False]
            out(
                f"{name.split(':')[1]:<12} {'new searches':<18} p50 {pct(every, 0.5):6.1f} ms  "
                f"p95 {pct(every, 0.95):6.1f} ms  ({len(chosen)} different texts, once each)"
            )
            kinds = (
                (False, "naming a company", "a word that names a company"),
                (True, "generic words only", "'international', 'nethrelands': every word generic"),
            )
            for generic, label, meaning in kinds:
                found = by_kind[generic]
                if found:
                    out(
                        f"{'':<12}   {label:<16} p50 {pct(found, 0.5):6.1f} ms  "
                        f"p95 {pct(found, 0.95):6.1f} ms  ({len(found)} texts: {meaning})"
                    )

    def _enrich(self) -> None:
        out = self.stdout.write
        [seconds] = timed(
            lambda: out(f"synthetic enrichment: {enrich_synthetically():,} companies")
        )
        out(f"  (bulk UPDATEs: {seconds:.1f} s)")

    def _facets(self, requests: int) -> None:
        """Sector and place filters with their counts, every company enriched synthetically:
        the seam alone (registry.search.search), then the whole request."""
        gc.freeze()  # as config/wsgi.py does
        out = self.stdout.write
        client = Client(HTTP_HOST="127.0.0.1")
        cases = {
            "sector+province": {"sector": "K", "province": "Zuid-Holland"},
            "division+city": {"sector": "62", "city": "Den Haag"},
            "q+sector": {"q": "techniek", "sector": "N"},
            "q+city": {"q": "solutions", "city": "amsterdam"},
            "facets, no filter": {},
        }
        out("facets: the search seam alone (results and counts), then the whole request")
        register = Register.objects.get(slug="work")
        for label, params in cases.items():
            filters = QueryDict(mutable=True)
            filters.update(params)
            filterset = ListingFilter(filters)
            if not filterset.is_valid():
                raise CommandError(f"{params}: {filterset.errors}")
            query = filterset.query()
            seam = [
                t * 1000 for t in timed(partial(search, query, register=register), repeat=requests)
            ]
            out(
                f"{'seam':<12} {label:<18} p50 {pct(seam, 0.5):6.1f} ms  "
                f"p95 {pct(seam, 0.95):6.1f} ms"
            )
            for name in ("registry:search", "registry:search-json"):
                url = reverse(name)
                first = client.get(url, params)
                if first.status_code != 200:
                    raise CommandError(f"{url} {params} answered {first.status_code}")
                get = partial(client.get, url, params)
                times = [t * 1000 for t in timed(get, repeat=requests)]
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

        gc.freeze()  # as config/wsgi.py does
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
        everything = list(Listing.objects.of("work").select_related("company"))
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

    def _scale(self, rows: list[Row], scale: int, requests: int) -> None:
        """A register `scale` times the real one, of recombined real names (the real
        distribution of words and lengths), synced and enriched like the real one; then a
        fresh process builds its index at start, as config/wsgi.py does, and answers the usual
        query kinds, each text different ("rotating"), and reports its peak memory."""
        out = self.stdout.write
        if connection.vendor != "postgresql":
            out(f"scale {scale}x: skipped, it needs PostgreSQL (a second process reads the data)")
            return
        Register.objects.update(current_edition=None)
        for model in (ListingEvent, ListingName, Listing, Company, SyncRun, Edition):
            model.objects.all().delete()
        bigger = recombined(rows, scale)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "register.html"
            path.write_text(register_html(bigger, updated=date(2026, 7, 1)), encoding="utf-8")
            run = queue_sync(register="work", trigger="bench", now=timezone.now(), url=str(path))
            [seconds] = timed(lambda: run_sync(run.pk))
        out(f"scale {scale}x: {len(bigger):,} rows, synced in {seconds:.1f} s")
        [seconds] = timed(enrich_synthetically)
        out(f"  enriched synthetically in {seconds:.1f} s")
        database = settings.DATABASES["default"]
        url = (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
        child = subprocess.run(
            [sys.executable, "manage.py", "bench", "--web-process", f"--requests={requests}"],
            env={**os.environ, "DATABASE_URL": url, "RATELIMIT_ENABLE": "false"},
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise CommandError(f"the web process failed:\n{child.stderr[-3000:]}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        out(
            f"  web process: index built at start in {figures['warm_ms']:.0f} ms; "
            f"peak memory {figures['peak_mb']:.0f} MB (VmHWM; {figures['base_mb']:.0f} MB "
            "before the index)"
        )
        for kind, (p50, p95, n) in figures["kinds"].items():
            out(f"  {kind:<22} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({n} different queries)")

    def _web_process(self, requests: int) -> None:
        """The child of --scales: a web process's start (the index warmed), then /search.json
        for each query kind, one different text a request; one line of JSON out."""
        base = vm_mb("VmRSS")
        start = time.perf_counter()
        index.warm()
        warm_ms = (time.perf_counter() - start) * 1000
        gc.freeze()
        rng = random.Random(17)
        listed = list(
            Listing.objects.filter(removed_on=None).values_list("name", "company__kvk_number")
        )
        sample = rng.sample(listed, min(requests, len(listed)))
        kinds: dict[str, list[str]] = {
            "one word": [search_text(name).split()[0] for name, _ in sample if search_text(name)],
            "full name": [name for name, _ in sample],
            "typo": [typo(name, rng) for name, _ in sample],
            "kvk number": [kvk for _, kvk in sample if kvk],
        }
        client = Client(HTTP_HOST="127.0.0.1")
        url = reverse("registry:search-json")
        browse = [t * 1000 for t in timed(partial(client.get, url), repeat=min(requests, 50))]
        figures: dict[str, tuple[float, float, int]] = {
            "browse (no text)": (pct(browse, 0.5), pct(browse, 0.95), 1),
        }
        for kind, texts in kinds.items():
            times = []
            for text in texts:
                [seconds] = timed(partial(client.get, url, {"q": text}))
                times.append(seconds * 1000)
            figures[kind] = (pct(times, 0.5), pct(times, 0.95), len(texts))
        self.stdout.write(
            json.dumps(
                {"warm_ms": warm_ms, "base_mb": base, "peak_mb": vm_mb("VmHWM"), "kinds": figures}
            )
        )


def recombined(rows: list[Row], scale: int, *, seed: int = 13) -> list[Row]:
    """`scale` times as many rows as the real register: the real rows, then new names made of
    the first words of one real name and the rest of another (so words, lengths and legal
    forms keep their distribution), each with a KvK number of its own."""
    if scale <= 1:
        return rows
    rng = random.Random(seed)
    words = [name.split() for name, _ in rows]
    made = list(rows)
    seen = {name for name, _ in rows}
    number = 40_000_000
    while len(made) < len(rows) * scale:
        head, tail = rng.choice(words), rng.choice(words)
        cut_head, cut_tail = rng.randint(1, len(head)), rng.randint(0, len(tail) - 1)
        name = " ".join(head[:cut_head] + tail[cut_tail:])
        if name in seen:
            name = f"{name} {rng.choice(['Noord', 'Zuid', 'Oost', 'West', 'Holding'])}"
            if name in seen:
                continue
        seen.add(name)
        number += 1
        made.append((name, f"{number:08d}"))
    return made


def typo(name: str, rng: random.Random) -> str:
    """The name with two neighbouring letters of its longest word swapped."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) > 3:
        i = rng.randrange(len(word) - 1)
        words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


def vm_mb(field: str) -> float:
    """A line of /proc/self/status (VmRSS now, VmHWM the peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


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
