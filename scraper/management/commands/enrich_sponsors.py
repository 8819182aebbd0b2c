from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.models import Company
from scraper.enrich import PROVIDERS, enrich, re_derive_all


class Command(BaseCommand):
    help = (
        "Enrich employers with sector and city from the KvK, in the foreground: the same code "
        "as the background task, with a progress line. Respects the admin's pause, except for "
        "a single --kvk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, help="at most this many employers")
        parser.add_argument(
            "--provider",
            choices=PROVIDERS,
            help="force a provider (default: kvk when KVK_API_KEY is set, else opendata)",
        )
        parser.add_argument("--kvk", metavar="NUMBER", help="this employer only, due or not")
        parser.add_argument(
            "--rederive",
            action="store_true",
            help="no calls: rebuild every employer's values from the stored answers",
        )
        parser.add_argument(
            "--seconds", type=float, help="stop after this many seconds (default: no limit)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rederive"]:
            self.stdout.write(f"Re-derived {re_derive_all():,} employers from stored answers.")
            return
        kvk = options["kvk"]
        if kvk is not None and not (len(kvk) == 8 and kvk.isdigit()):
            raise CommandError(f"--kvk must be an 8-digit KvK number, not {kvk!r}")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        if kvk is not None and not Company.objects.filter(kvk_number=kvk).exists():
            raise CommandError(f"No employer with KvK number {kvk} is in the register.")
        tty = sys.stdout.isatty()  # a progress line that rewrites itself; else one per employer

        def progress(number: int, total: int, company: Company) -> None:
            line = (
                f"[{number}/{total}] {company.kvk_number} {company.name[:40]}: "
                f"{company.get_enrich_status_display()}"
            )
            if company.sector_section or company.city:
                line += (
                    f" ({company.sector_section or '?'}, {company.city or company.region or '?'})"
                )
            self.stdout.write(line, ending="\r" if tty else "\n")

        try:
            result = enrich(
                trigger="command",
                limit=options["limit"],
                provider=options["provider"],
                kvk=kvk,
                budget_seconds=options["seconds"] or float("inf"),
                progress=progress,
            )
        except ValueError as error:  # an unusable provider choice: say so, exit non-zero
            raise CommandError(str(error)) from None
        if tty:
            self.stdout.write("")
        self.stdout.write(result.summary())
        if result.status == "stopped" and result.failed and not result.found:
            raise CommandError(result.message or "every lookup failed")
