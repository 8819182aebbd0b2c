from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext

from registry.models import Register
from scraper.fetch import FetchError, check_url_host
from scraper.runs import last_check
from scraper.sync import RunAlreadyOpen, get_register, queue_sync, run_sync


class Command(BaseCommand):
    help = "Fetch a register from the IND and store it if it changed (the task's code path)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--register",
            default="work",
            choices=[*Register.Slug.values, "all"],
            help="default: work; 'all' syncs the four registers one after the other",
        )
        parser.add_argument("--url", default="", help="fetch this URL or file instead")
        parser.add_argument(
            "--force", action="store_true", help="accept an edition the gates would refuse"
        )
        parser.add_argument(
            "--unless-checked-within",
            type=float,
            metavar="HOURS",
            help="skip a register whose live page was checked (stored, unchanged or held) "
            "within HOURS; `make run` gives 24",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = Register.Slug.values if options["register"] == "all" else [options["register"]]
        if len(slugs) > 1 and options["url"]:
            raise CommandError("--url names one page: give one --register with it, not 'all'")
        if urlsplit(options["url"]).scheme.lower() in {"http", "https"}:  # not a file: check
            try:
                check_url_host(options["url"], allowed_hosts=settings.REGISTER_URL_HOSTS)
            except FetchError as error:
                raise CommandError(f"--url refused: {error}") from None
        failed = []
        hours = options["unless_checked_within"]
        if hours is not None and hours <= 0:
            raise CommandError(gettext("--unless-checked-within needs a number of hours above 0"))
        for slug in slugs:  # one after the other: one request at a time to the IND
            if hours is not None and (recent := self._recent_check(slug, hours=hours)):
                self.stdout.write(recent)
                continue
            try:
                run = queue_sync(
                    register=slug,
                    trigger="command",
                    now=timezone.now(),
                    url=options["url"],
                    force=options["force"],
                )
            except RunAlreadyOpen as already:
                failed.append(f"{slug}: not started: {already}")
                continue
            result = run_sync(run.pk)
            if result.ok:
                self.stdout.write(result.summary())
            else:
                failed.append(result.summary())
        if failed:
            for summary in failed[:-1]:
                self.stderr.write(summary)
            raise CommandError(failed[-1])

    def _recent_check(self, slug: str, *, hours: float) -> str:
        """Why the register is skipped (a check within `hours`), or "" to sync it."""
        now = timezone.now()
        run = last_check(get_register(slug), since=now - timedelta(hours=hours))
        if run is None or run.finished_at is None:
            return ""
        ago = (now - run.finished_at).total_seconds() / 3600
        message = gettext(
            "%(register)s: not synced: checked %(ago).1f h ago (run %(run)s, %(status)s), "
            "within the %(hours)s h of --unless-checked-within"
        )
        return message % {
            "register": slug,
            "ago": ago,
            "run": run.pk,
            "status": run.status,
            "hours": f"{hours:g}",
        }
