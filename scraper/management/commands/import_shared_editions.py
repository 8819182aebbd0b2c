from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from scraper.shared_editions import SHARED_COPIES
from scraper.sync import RunAlreadyOpen, import_file


class Command(BaseCommand):
    help = (
        "Import the dated public copies of the Work register (../shared/data/register) oldest "
        "first, through the same gates and history as a sync, to seed a real history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", type=Path, default=Path("../shared/data/register"))

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        if not folder.is_dir():
            raise CommandError(f"no such folder: {folder} (it holds the dated register copies)")
        for copy in SHARED_COPIES:
            path = folder / copy.filename
            if not path.is_file():
                raise CommandError(f"missing copy: {path}")
            try:
                result = import_file(
                    path,
                    register="work",
                    published_on=copy.published_on,
                    now=timezone.now(),
                    keep_names=copy.keep_names,
                )
            except RunAlreadyOpen as already:
                raise CommandError(f"{copy.filename}: not imported: {already}") from None
            if result.status == "refused" and "older than" in result.message:
                self.stdout.write(f"{copy.filename}: already past this edition, skipped")
                continue
            if not result.ok:
                raise CommandError(f"{copy.filename}: {result.summary()}")
            self.stdout.write(f"{copy.filename}: {result.summary()}")
