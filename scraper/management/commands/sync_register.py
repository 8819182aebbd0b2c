from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from registry.models import Register
from scraper.sync import queue_sync, run_sync


class Command(BaseCommand):
    help = "Fetch a register from the IND and store it if it changed (the task's code path)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--register", default="work", choices=Register.Slug.values, help="default: work"
        )
        parser.add_argument("--url", default="", help="fetch this URL or file instead")
        parser.add_argument(
            "--force", action="store_true", help="accept an edition the gates would refuse"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = queue_sync(
            register=options["register"],
            trigger="command",
            now=timezone.now(),
            url=options["url"],
            force=options["force"],
        )
        result = run_sync(run.pk)
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
