"""JSON search throughput of erkend against Datasette on the same rotating queries.

Not part of `make bench`: Datasette is not a dependency of ours. Run it by hand, with the
database of `make import-shared` and a Datasette in a venv of its own:

    python3 -m venv /tmp/dsvenv && /tmp/dsvenv/bin/pip install datasette
    gunicorn config.wsgi --workers 1 --bind 127.0.0.1:8112      # RATELIMIT_ENABLE=false
    python bench/vs_datasette.py build /tmp/register.db         # newest shared edition, FTS5
    /tmp/dsvenv/bin/datasette serve /tmp/register.db --port 8111
    python bench/vs_datasette.py run --requests 300

Both are asked sequentially over loopback, one process each, for the first 20 results. Datasette
is asked two ways: its full-text search (`_search`, SQLite FTS5: whole words only, no typos) and
its substring filter (`name__contains`, the nearest it has to a forgiving search). A KvK number is
`?kvk=` in Datasette (an indexed column) and `?q=` in ours.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import time
from pathlib import Path

import requests

SHARED = Path(os.environ.get("SHARED_REGISTER", "../shared/data/register"))
NEWEST = "ind-labour-2026-07-19-mimhji.csv"


def build(db_path: Path, source: Path) -> None:
    with source.open(newline="") as f:
        rows = [(r["organisation"], r["kvk_number"]) for r in csv.DictReader(f)]
    db = sqlite3.connect(db_path)
    db.executescript(
        """
        DROP TABLE IF EXISTS sponsors_fts;
        DROP TABLE IF EXISTS sponsors;
        CREATE TABLE sponsors (id INTEGER PRIMARY KEY, name TEXT, kvk TEXT);
        CREATE INDEX sponsors_kvk ON sponsors (kvk);
        """
    )
    db.executemany("INSERT INTO sponsors (name, kvk) VALUES (?, ?)", rows)
    db.executescript(
        """
        CREATE VIRTUAL TABLE sponsors_fts
            USING fts5(name, kvk, content='sponsors', content_rowid='id');
        INSERT INTO sponsors_fts (rowid, name, kvk) SELECT id, name, kvk FROM sponsors;
        """
    )
    db.commit()
    print(f"{len(rows):,} rows in {db_path}")


def queries(source: Path) -> dict[str, list[str]]:
    with source.open(newline="") as f:
        rows = list(csv.DictReader(f))
    rng = random.Random(7)
    names = [r["organisation"] for r in rng.sample(rows, 400)]
    words = [w for n in names for w in n.split() if len(w) > 3 and w.isalpha()][:400]

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1 :]

    return {
        "one word": words,
        "full name": names,
        "typo": [typo(w) for w in words],
        "kvk": [r["kvk_number"] for r in rng.sample(rows, 400)],
    }


def erkend(q: str, kind: str) -> tuple[str, dict[str, str | int]]:
    return "http://127.0.0.1:8112/search.json", {"q": q, "per_page": 20}


def datasette_fts(q: str, kind: str) -> tuple[str, dict[str, str | int]]:
    url = "http://127.0.0.1:8111/register/sponsors.json"
    if kind == "kvk":
        return url, {"kvk": q}
    return url, {"_search": q, "_fts_table": "sponsors_fts", "_fts_pk": "id", "_size": 20}


def datasette_contains(q: str, kind: str) -> tuple[str, dict[str, str | int]]:
    url = "http://127.0.0.1:8111/register/sponsors.json"
    return url, ({"kvk": q} if kind == "kvk" else {"name__contains": q, "_size": 20})


def run(source: Path, requests_per_kind: int) -> None:
    kinds = queries(source)
    targets = {
        "erkend": erkend,
        "datasette _search": datasette_fts,
        "datasette __contains": datasette_contains,
    }
    for label, target in targets.items():
        session = requests.Session()
        for kind, texts in kinds.items():
            for text in texts[:20]:
                url, params = target(text, kind)
                session.get(url, params=params)  # warm
            latencies = []
            start = time.perf_counter()
            for i in range(requests_per_kind):
                began = time.perf_counter()
                url, params = target(texts[i % len(texts)], kind)
                answer = session.get(url, params=params)
                latencies.append(time.perf_counter() - began)
                answer.raise_for_status()
            rate = requests_per_kind / (time.perf_counter() - start)
            latencies.sort()
            p50 = 1000 * latencies[len(latencies) // 2]
            p95 = 1000 * latencies[int(len(latencies) * 0.95)]
            print(f"{label:<22} {kind:<10} {rate:7.1f} req/s  p50 {p50:5.1f} ms  p95 {p95:5.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["build", "run"])
    parser.add_argument("db", nargs="?", type=Path, default=Path("/tmp/register.db"))
    parser.add_argument("--source", type=Path, default=SHARED / NEWEST)
    parser.add_argument("--requests", type=int, default=300, help="requests per query kind")
    args = parser.parse_args()
    if args.action == "build":
        build(args.db, args.source)
    else:
        run(args.source, args.requests)


if __name__ == "__main__":
    main()
