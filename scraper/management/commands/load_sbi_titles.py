from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scraper.fetch import FetchError
from scraper.reference import ReferenceError, load_sbi_titles


class Command(BaseCommand):
    help = (
        "Load SBI 2025 titles (all levels) from a CSV with the columns code, parent, level, "
        "title_nl, title_en, section, replacing the table. Without it, pages show division titles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source", metavar="PATH_OR_URL", help="a local CSV, or an http(s) URL to download"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = load_sbi_titles(options["source"])
        except (FetchError, ReferenceError) as error:
            raise CommandError(f"{options['source']}: {error}") from None
        self.stdout.write(f"Loaded {loaded.rows:,} SBI codes ({loaded.skipped} rows skipped).")
