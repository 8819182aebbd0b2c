from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry import reference
from scraper.fetch import FetchError
from scraper.reference import ReferenceError, derive_reference

SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"


class Command(BaseCommand):
    help = (
        "Write the project's reference files, registry/reference/places.csv and sbi.csv, from "
        "the public CBS tables (by default those in ../shared/data). Commit the result; the "
        "data migrations load it, and load_places / load_sbi_titles load it into a running site."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--places",
            default=str(SHARED_DATA / "places" / "cbs_woonplaatsen_2026.csv"),
            metavar="PATH_OR_URL",
            help="CBS woonplaatsen: place, municipality, province (default: %(default)s)",
        )
        parser.add_argument(
            "--sbi",
            default=str(SHARED_DATA / "sbi" / "sbi2025.csv"),
            metavar="PATH_OR_URL",
            help="SBI 2025 at all levels: code, parent, level, title_nl, title_en, section "
            "(default: %(default)s)",
        )
        parser.add_argument(
            "--into",
            default=str(reference.HERE),
            metavar="DIR",
            help="where to write places.csv and sbi.csv (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            derived = derive_reference(
                places_source=options["places"],
                sbi_source=options["sbi"],
                into=Path(options["into"]),
            )
        except (FetchError, ReferenceError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {derived.places:,} places and {derived.sbi_codes:,} SBI codes to "
            f"{options['into']}."
        )
