from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scraper.enrich import re_derive_all
from scraper.fetch import FetchError
from scraper.reference import ReferenceError, load_places


class Command(BaseCommand):
    help = (
        "Load Dutch places with their municipality and province from a CSV with the columns "
        "place, municipality, province (CBS 86312NED 'Woonplaatsen in Nederland'), replacing "
        "the table, then re-derive every enriched employer's municipality and province."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source", metavar="PATH_OR_URL", help="a local CSV, or an http(s) URL to download"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = load_places(options["source"])
        except (FetchError, ReferenceError) as error:
            raise CommandError(f"{options['source']}: {error}") from None
        updated = re_derive_all()
        self.stdout.write(
            f"Loaded {loaded.rows:,} places ({loaded.skipped} rows skipped); "
            f"re-derived {updated:,} employers from their stored KvK answers."
        )
