"""The project's own reference tables: Dutch places and SBI 2025 codes, as CSV files beside
this module (README.md says where they come from and under which licence).

`manage.py derive_reference` writes them from the public sources; the data migrations load
them, so `migrate` alone fills the Place and SbiCode tables. `manage.py load_places` and
`load_sbi_titles` replace a table later from these files or a newer download. Pure: files in,
dicts out, no ORM, so a migration reads them with its historical models.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACES = HERE / "places.csv"
SBI = HERE / "sbi.csv"
PLACE_COLUMNS = ("place", "municipality", "province")
SBI_COLUMNS = ("code", "parent", "level", "title_nl", "title_en", "section")


def read(path: Path, *, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of one of our files, which derive_reference wrote with exactly `columns`."""
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        if tuple(reader.fieldnames or ()) != columns:
            raise ValueError(f"{path.name}: expected the columns {', '.join(columns)}")
        return list(reader)


def write(path: Path, rows: list[dict[str, str]], *, columns: tuple[str, ...]) -> None:
    """Write rows in the form read() expects: UTF-8, comma-separated, LF line ends."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
