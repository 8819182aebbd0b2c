from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.models import Register
from scraper.backfill import DEFAULT_PAUSE, BackfillRefused, backfill
from scraper.fetch import FetchError


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Import past editions of a register from the Internet Archive's captures, oldest "
        "first, through the same gates and history as a sync. Needs internet access. History "
        "only moves forward: run it on an empty register, before its first sync or import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--register", default="work", choices=Register.Slug.values)
        parser.add_argument(
            "--from", dest="since_year", type=int, metavar="YYYY", help="captures from this year"
        )
        parser.add_argument(
            "--until", type=iso_date, metavar="YYYY-MM-DD", help="captures up to this day"
        )
        parser.add_argument("--limit", type=int, metavar="N", help="fetch at most N snapshots")
        parser.add_argument(
            "--pause",
            type=float,
            default=DEFAULT_PAUSE,
            metavar="SECONDS",
            help=f"between snapshots (default {DEFAULT_PAUSE:g})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list the captures; fetch no snapshot"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be 1 or more")
        if options["pause"] < 0:
            raise CommandError("--pause cannot be negative")
        try:
            result = backfill(
                options["register"],
                since_year=options["since_year"],
                until=options["until"],
                limit=options["limit"],
                dry_run=options["dry_run"],
                pause=options["pause"],
                report=self.stdout.write,
            )
        except BackfillRefused as refusal:
            raise CommandError(f"nothing to backfill: {refusal}") from None
        except FetchError as error:
            raise CommandError(f"could not read the archive's capture index: {error}") from None
        if not options["dry_run"] and result.captures and not result.stored and result.failed:
            raise CommandError("no snapshot could be fetched")
