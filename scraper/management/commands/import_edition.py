from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from registry.models import Register
from scraper.sync import RunAlreadyOpen, import_file


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "Import a past edition from a saved HTML page or a CSV (header organisation,kvk_number), "
        "through the same gates and history as a sync. Import editions oldest first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a saved register page (.html) or a .csv")
        parser.add_argument("--register", default="work", choices=Register.Slug.values)
        parser.add_argument("--date", required=True, type=iso_date, help="the edition's date")
        parser.add_argument("--force", action="store_true", help="accept despite the gates")
        parser.add_argument(
            "--keep-names",
            action="store_true",
            help="keep stored names of known KvK numbers (for a copy with damaged names)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = import_file(
                path,
                register=options["register"],
                published_on=options["date"],
                now=timezone.now(),
                force=options["force"],
                keep_names=options["keep_names"],
            )
        except RunAlreadyOpen as already:
            raise CommandError(f"not imported: {already}") from None
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
