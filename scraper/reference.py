"""Reference tables brought in from public CSV files: SBI 2025 titles and Dutch places.

Each loader reads a path or URL through scraper.fetch (the one module on the network), parses
the CSV (pure: text in, rows out) and replaces the table in one transaction. The project's own
copies (registry/reference) are derived from the public files by derive_reference() and
loaded by the data migrations; the loaders replace a table later from a newer file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from registry import reference
from registry.models import Place, SbiCode
from scraper.fetch import fetch_page

SBI_COLUMNS = reference.SBI_COLUMNS
PLACE_COLUMNS = reference.PLACE_COLUMNS


class ReferenceError(Exception):
    """The file is not the table we expected; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Loaded:
    rows: int
    skipped: int  # duplicates and rows without the required values
    source: str


def read_text(path_or_url: str) -> str:
    """The file's text (a path, file:// or http(s) URL), UTF-8 with or without a BOM."""
    page = fetch_page(path_or_url)
    return page.content.decode(page.encoding or "utf-8-sig", errors="replace").lstrip("\ufeff")


def csv_rows(text: str, *, required: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a CSV with a header naming at least `required`. Comment lines (`#`) are
    skipped; the delimiter may be a comma or a semicolon (CBS downloads use `;`)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        raise ReferenceError("the file is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        raise ReferenceError(
            f"the header lacks {', '.join(missing)} (it has: {', '.join(header) or 'nothing'})"
        )
    return [
        {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader
    ]


def parse_sbi(text: str) -> tuple[list[SbiCode], int]:
    rows, skipped, seen = [], 0, set()
    for row in csv_rows(text, required=SBI_COLUMNS):
        code = row["code"]
        if not code or code in seen or not row["level"].isdigit() or len(code) > 5:
            skipped += 1
            continue
        seen.add(code)
        rows.append(
            SbiCode(
                code=code,
                parent=row["parent"],
                level=int(row["level"]),
                title_nl=row["title_nl"][:400],
                title_en=row["title_en"][:400],
                section=row["section"][:1],
            )
        )
    if not rows:
        raise ReferenceError("no SBI codes in the file")
    return rows, skipped


def parse_places(text: str) -> tuple[list[Place], int]:
    rows, skipped, seen = [], 0, set()
    for row in csv_rows(text, required=PLACE_COLUMNS):
        key = (row["place"], row["municipality"])
        if not all(key) or not row["province"] or key in seen:
            skipped += 1  # the CBS table lists a few places twice
            continue
        seen.add(key)
        rows.append(
            Place(place=row["place"], municipality=row["municipality"], province=row["province"])
        )
    if not rows:
        raise ReferenceError("no places in the file")
    return rows, skipped


def _replace(model: type[SbiCode] | type[Place], rows: Iterable[SbiCode | Place]) -> None:
    with transaction.atomic():
        model.objects.all().delete()
        model.objects.bulk_create(list(rows), batch_size=1000)  # type: ignore[arg-type]


def load_sbi_titles(path_or_url: str) -> Loaded:
    rows, skipped = parse_sbi(read_text(path_or_url))
    _replace(SbiCode, rows)
    return Loaded(rows=len(rows), skipped=skipped, source=path_or_url)


def load_places(path_or_url: str) -> Loaded:
    rows, skipped = parse_places(read_text(path_or_url))
    _replace(Place, rows)
    return Loaded(rows=len(rows), skipped=skipped, source=path_or_url)


@dataclass(frozen=True, slots=True)
class Derived:
    places: int
    sbi_codes: int


def derive_reference(*, places_source: str, sbi_source: str, into: Path) -> Derived:
    """Write the project's reference files (places.csv, sbi.csv in `into`) from the public
    CSVs, checked and de-duplicated as the loaders do, in a stable order so that a re-run on
    the same sources changes no byte. Raises ReferenceError or FetchError; writes nothing then."""
    place_rows, _ = parse_places(read_text(places_source))
    sbi_rows, _ = parse_sbi(read_text(sbi_source))
    places = sorted(
        (
            {"place": p.place, "municipality": p.municipality, "province": p.province}
            for p in place_rows
        ),
        key=lambda row: (row["place"], row["municipality"]),
    )
    codes = [
        {
            "code": c.code,
            "parent": c.parent,
            "level": str(c.level),
            "title_nl": c.title_nl,
            "title_en": c.title_en,
            "section": c.section,
        }
        for c in sbi_rows
    ]  # in the source's order: each section, then its divisions, groups and classes
    into.mkdir(parents=True, exist_ok=True)
    reference.write(into / reference.PLACES.name, places, columns=PLACE_COLUMNS)
    reference.write(into / reference.SBI.name, codes, columns=SBI_COLUMNS)
    return Derived(places=len(places), sbi_codes=len(codes))
