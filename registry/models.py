"""The register's data: sources, editions, companies, their listings and history.

Identity is the KvK number (8-digit text). A row without one gets a register-local key derived
from its normalised name, so it still has a page and a history. Nothing is ever deleted:
leaving the register is a date on the listing, and every name a listing had is kept.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class RegisterQuerySet(models.QuerySet["Register"]):
    def enrichment_changed(self, *, now: datetime, at_most_every: timedelta | None = None) -> int:
        """Renew these registers' enrichment version: a sector or a place was written, so
        their search indexes (registry.search.index) and HTTP validators are out of date.
        With `at_most_every`, only those not renewed that recently: one conditional UPDATE,
        so workers that write at once renew it once, and a running enrichment rebuilds each
        web process's index at most once in that time."""
        registers = self
        if at_most_every is not None:
            registers = registers.filter(
                models.Q(enrichment_changed_at__isnull=True)
                | models.Q(enrichment_changed_at__lte=now - at_most_every)
            )
        return registers.update(
            enrichment_version=models.F("enrichment_version") + 1, enrichment_changed_at=now
        )


class Register(models.Model):
    """One of the IND's public registers, and where to fetch it (editable in the admin)."""

    class Slug(models.TextChoices):
        WORK = "work", _("Work (regular labour and highly skilled migrants)")
        EXCHANGE = "exchange", _("Exchange (au pair and exchange)")
        STUDY = "study", _("Study (educational institutions)")
        RESEARCH = "research", _("Research (Directive (EU) 2016/801)")

    slug = models.CharField(max_length=20, choices=Slug.choices, unique=True)
    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=500, help_text=_("The IND page to fetch. When the IND moves it, change it here.")
    )
    # Gates: an edition outside these bounds is refused, and an admin may accept it with force.
    min_rows = models.PositiveIntegerField(
        default=5000, help_text=_("Refuse an edition with fewer rows than this.")
    )
    max_change_percent = models.PositiveIntegerField(
        default=30, help_text=_("Refuse an edition whose row count moved more than this.")
    )
    # Conditional GET: the validators of the last page fetched.
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # What visitors see about freshness: the last check, whether or not it brought news.
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(default=True)
    last_check_message = models.CharField(max_length=500, blank=True)
    current_edition = models.ForeignKey(
        "Edition", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # With the current edition, what the register's search index is built from: renewed when
    # enrichment writes a sector or a place (RegisterQuerySet.enrichment_changed).
    enrichment_version = models.PositiveIntegerField(default=0)
    enrichment_changed_at = models.DateTimeField(null=True, blank=True)

    objects = RegisterQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


# The flag scraper.gates.removal_flag stores with an edition that removed unusually many.
REMOVAL_FLAG = re.compile(
    r"(?P<removed>[0-9]+) companies left the register in one edition \(usually 5 to 40\); "
    r"check the page before relying on the removals"
)


class EditionQuerySet(models.QuerySet["Edition"]):
    def latest_or_none(self) -> Edition | None:
        return self.order_by("-published_on", "-pk").first()


class Edition(models.Model):
    """An accepted edition of a register: its IND date, the raw page and its fingerprint."""

    class DateSource(models.TextChoices):
        SENTENCE = "sentence", _("the page's 'last updated' sentence")
        META = "meta", _("the page's DCTERMS.modified meta tag")
        GIVEN = "given", _("given at import")

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="editions")
    published_on = models.DateField(help_text=_("The IND's own 'last updated' date."))
    date_source = models.CharField(max_length=20, choices=DateSource.choices)
    fetched_at = models.DateTimeField()
    source_url = models.CharField(max_length=500)
    final_url = models.CharField(max_length=500, blank=True)
    row_count = models.PositiveIntegerField()
    kvk_count = models.PositiveIntegerField(help_text=_("Distinct KvK numbers in the edition."))
    rows_sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of the sorted parsed rows."))
    raw_sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of the page as fetched."))
    raw_gzip = models.BinaryField(help_text=_("The page as fetched, gzip-compressed."))
    raw_content_type = models.CharField(max_length=50, default="text/html")
    parser_version = models.CharField(max_length=20)
    added = models.PositiveIntegerField(
        default=0, help_text=_("Entries: new to the register, and back on it after a gap.")
    )
    readded = models.PositiveIntegerField(
        default=0, help_text=_("Of the added, those back on the register after a gap.")
    )
    removed = models.PositiveIntegerField(default=0)
    renamed = models.PositiveIntegerField(default=0)
    reformatted = models.PositiveIntegerField(
        default=0, help_text=_("Names that changed in formatting only (quotes, entities, spaces).")
    )
    unchanged = models.PositiveIntegerField(default=0)
    flagged = models.CharField(
        max_length=500, blank=True, help_text=_("Accepted, but unusual enough to review.")
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        # Two editions may share a date: the IND has changed rows without changing the date.
        ordering = ["register", "-published_on", "-pk"]
        get_latest_by = "published_on"
        indexes = [models.Index(fields=["register", "published_on"], name="edition_by_date")]

    def __str__(self) -> str:
        return f"{self.register.slug} {self.published_on:%Y-%m-%d}"

    @property
    def flag_text(self) -> str:
        """`flagged` in the reader's language. It is stored in English (the API gives it as
        it is); the note scraper.gates.removal_flag writes is translated, any other passes."""
        found = REMOVAL_FLAG.fullmatch(self.flagged)
        if found is None:
            return self.flagged
        removed = int(found["removed"])
        return ngettext(
            "%(num)s company left the register in one edition (usually 5 to 40); check the "
            "page before relying on the removals",
            "%(num)s companies left the register in one edition (usually 5 to 40); check the "
            "page before relying on the removals",
            removed,
        ) % {"num": removed}


class SyncRun(models.Model):
    """One attempt to bring a register up to date: queued, running, and how it ended."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done: new edition stored")
        UNCHANGED = "unchanged", _("done: checked, unchanged")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped: another sync was running")
        # Parsed and kept, not published: it would remove more than REMOVAL_HOLD_PERCENT of the
        # listed employers, so it waits for an admin's approval (scraper.gates.hold_reason).
        HELD = "held", _("held: waits for an admin's approval")
        CANCELLED = "cancelled", _("cancelled by an admin")
        # Held, then a newer look published an edition or was held itself: never approvable,
        # so an old cut page cannot be published over a newer edition (superseded_by names it).
        SUPERSEDED = "superseded", _("superseded by a newer look")
        # Held, and an admin judged the page wrong: never published (scraper.runs.reject_run).
        REJECTED = "rejected", _("rejected by an admin")

    FINISHED = (
        Status.DONE,
        Status.UNCHANGED,
        Status.REFUSED,
        Status.FAILED,
        Status.SKIPPED,
        Status.HELD,
        Status.CANCELLED,
        Status.SUPERSEDED,
        Status.REJECTED,
    )
    # A run that kept its page for an admin to accept (refused) or approve (held).
    AWAITING_ADMIN = (Status.REFUSED, Status.HELD)
    # Triggers of saved pages and archived copies, run at the command line (import_edition,
    # import_shared_editions, backfill_archive): no look at the live page, and never held.
    NOT_A_LOOK = ("import", "backfill")
    OPEN = (Status.QUEUED, Status.RUNNING)

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="command")  # admin, schedule, command...
    url = models.CharField(max_length=500, blank=True)
    final_url = models.CharField(max_length=500, blank=True)
    force = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of a running sync (scraper/runs.py): a run silent for longer than
    # the task time limit is dead, and is marked failed so it blocks no later run.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    rows_parsed = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    renamed = models.PositiveIntegerField(default=0)
    reformatted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text=_("Why it was refused or failed, or a note."))
    edition = models.ForeignKey(
        Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    # A refused page is kept so an admin can inspect it and accept it without fetching again.
    raw_gzip = models.BinaryField(null=True, blank=True)
    raw_content_type = models.CharField(max_length=50, blank=True)
    accepted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="acceptances"
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded"
    )
    # SHA-256 of the page's sorted parsed rows, as Edition.rows_sha256: the edition a run saw,
    # so a held edition seen again on the next look is known (the admins are mailed once).
    rows_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Ten "Resync now" clicks at once make one run: the database decides, not a check
            # before the insert (scraper.sync.RunAlreadyOpen names the open one).
            models.UniqueConstraint(
                fields=["register"],
                condition=models.Q(status__in=["queued", "running"]),
                name="syncrun_one_open_per_register",
            )
        ]

    def __str__(self) -> str:
        return f"sync {self.register.slug} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Source(models.TextChoices):
    """Where an enriched value came from: one KvK product each, shown beside the value."""

    BASISPROFIEL = "kvk_basisprofiel", _("KvK Basisprofiel")
    ZOEKEN = "kvk_zoeken", _("KvK Zoeken")
    OPENDATA = "kvk_opendata", _("KvK open data (BV/NV)")


class Company(models.Model):
    """An organisation as the register identifies it: by KvK number, else by a name key.

    Sector and city (scraper/enrich.py writes them, `re_derive()` rebuilds them from the stored
    ProviderResponse rows) are plain columns here, not a separate table, so a filter is a join
    and registry.tally reads a register's facet columns in one query. "" means "not known
    (yet)": one way to say unknown, and facets count it as such. The enrichment queue lives in
    the `enrich_*` columns: the database is the queue, so a restart resumes where it stopped.

    Indexes and the queries they serve:

    * `company_kvk`: the KvK prefix search (a KvK pasted into the search box).
    * `company_sector`: sector facets and filters, `sector_section = 'K'` and
      `sector_section = 'K' AND sector_division = '62'`.
    * `company_place`: the province filter (`province = 'Utrecht'`) and cities within a
      province.
    * `company_city`: the city filter (`city IN ("'s-Gravenhage")`).
    * `company_enrich_due`: the enrichment queue, `enrich_after <= now` ordered by priority.
    """

    class EnrichStatus(models.TextChoices):
        PENDING = "pending", _("waiting")
        DONE = "done", _("enriched")
        NOT_FOUND = "not_found", _("not found in any source")
        FAILED = "failed", _("failed, will retry")

    class EnrichPriority(models.IntegerChoices):
        NEW = 0, "new in the latest edition"
        FIRST = 1, "never enriched"
        REFRESH = 2, "refresh"

    # Unique through Meta.constraints: unique=True would add a second index for LIKE
    # (varchar_pattern_ops) that no query uses, written on every new company.
    key = models.CharField(max_length=120, help_text=_("KvK number, or n-<name>."))
    kvk_number = models.CharField(max_length=8, blank=True)  # "" for rows without a KvK number
    name = models.CharField(max_length=300, help_text=_("Current display name."))

    # --- Sector: the main SBI activity, by source precedence KvK API > open data.
    sector_section = models.CharField(
        max_length=1, blank=True, help_text=_("SBI 2025 section letter (registry.sbi).")
    )
    sector_division = models.CharField(max_length=2, blank=True, help_text=_("SBI division."))
    sbi_code = models.CharField(
        max_length=5, blank=True, help_text=_("Main activity as registered.")
    )
    sbi_version = models.CharField(max_length=4, blank=True, help_text=_("2025 or 2008."))
    sector_source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    sector_fetched_at = models.DateTimeField(null=True, blank=True)
    # Every activity of the sector's source, main first: [{code, description, main}], where
    # description is the KvK's own text ("" from the open data).
    activities = models.JSONField(default=list, blank=True)
    legal_form = models.CharField(max_length=100, blank=True)

    # --- Place: the head office's official BAG name (KvK API only), CBS municipality/province.
    city = models.CharField(
        max_length=100, blank=True, help_text=_("Official place ('s-Gravenhage).")
    )
    municipality = models.CharField(max_length=100, blank=True)
    province = models.CharField(max_length=50, blank=True)
    country = models.CharField(
        max_length=100, blank=True, help_text=_("Only for a head office abroad.")
    )
    region = models.CharField(
        max_length=100, blank=True, help_text=_("Open data postcode area: a region, not a city.")
    )
    city_source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    city_fetched_at = models.DateTimeField(null=True, blank=True)

    # --- The enrichment queue (style.md, guideline 5). enrich_after NULL: never tried, due now.
    enrich_status = models.CharField(
        max_length=10, choices=EnrichStatus.choices, default=EnrichStatus.PENDING
    )
    enrich_priority = models.PositiveSmallIntegerField(
        choices=EnrichPriority.choices, default=EnrichPriority.FIRST
    )
    enrich_after = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Due from then on; also the claim's compare-and-set key."),
    )
    enrich_attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Failures in a row; sets the back-off.")
    )
    enrich_error = models.CharField(
        max_length=200, blank=True, help_text=_("Why the last attempt failed, short (groupable).")
    )
    enriched_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Last attempt that ended.")
    )

    class Meta:
        verbose_name_plural = _("companies")
        constraints = [models.UniqueConstraint(fields=["key"], name="company_key_once")]
        indexes = [
            # Pattern operators: the prefix search is a LIKE 'digits%', which a plain index
            # serves only under the C collation; these serve = too.
            models.Index(
                fields=["kvk_number"], name="company_kvk", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["sector_section", "sector_division"], name="company_sector"),
            models.Index(fields=["province", "city"], name="company_place"),
            models.Index(fields=["city"], name="company_city"),
            models.Index(fields=["enrich_priority", "enrich_after"], name="company_enrich_due"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kvk_number or gettext('no KvK')})"


class ListingQuerySet(models.QuerySet["Listing"]):
    def of(self, register_slug: str) -> ListingQuerySet:
        return self.filter(register__slug=register_slug)

    def current(self) -> ListingQuerySet:
        return self.filter(removed_on__isnull=True)

    def removed(self) -> ListingQuerySet:
        return self.filter(removed_on__isnull=False)

    def listed_in(self, edition: Edition) -> ListingQuerySet:
        """The listings that were on the register in `edition`, from the stored events alone:
        the last entry or exit up to that edition (by date, then by when we stored it) was an
        entry ("added" or "listed again"), not "no longer listed". Renames do not count."""
        day = edition.published_on
        up_to_edition = models.Q(edition__published_on__lt=day) | models.Q(
            edition__published_on=day, edition_id__lte=edition.pk
        )
        last_change = (
            ListingEvent.objects.filter(up_to_edition, listing_id=models.OuterRef("pk"))
            .exclude(kind=ListingEvent.Kind.RENAMED)
            .order_by("-edition__published_on", "-edition_id", "-pk")
            .values("kind")[:1]
        )
        # first_listed first: a cheap column test that leaves out what came later.
        return (
            self.filter(register_id=edition.register_id, first_listed__lte=day)
            .alias(state_then=models.Subquery(last_change))
            .filter(state_then__in=[ListingEvent.Kind.ADDED, ListingEvent.Kind.READDED])
        )

    def with_history(self) -> ListingQuerySet:
        """A company page's rows: the company joined in, its names and events with their
        editions prefetched (three queries however long the history)."""
        # Never the editions' stored pages (up to a megabyte each, one per event row).
        return self.select_related("company").prefetch_related(
            models.Prefetch(
                "names",
                queryset=ListingName.objects.select_related("first_edition", "last_edition").defer(
                    "first_edition__raw_gzip", "last_edition__raw_gzip"
                ),
            ),
            models.Prefetch(
                "events",
                queryset=ListingEvent.objects.select_related("edition").defer("edition__raw_gzip"),
            ),
        )


class Listing(models.Model):
    """A company's place on one register: when it entered, its names, whether it left."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="listings")
    # No index of its own: every index and the unique constraint of Listing start with it.
    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, related_name="listings", db_index=False
    )
    name = models.CharField(max_length=300, help_text=_("Display name in the latest edition."))
    sort_name = models.CharField(max_length=300, help_text=_("Casefolded name: the A-Z order."))
    first_listed = models.DateField(help_text=_("Edition date it was first seen."))
    last_listed = models.DateField(help_text=_("Edition date it was last seen."))
    removed_on = models.DateField(
        null=True, blank=True, help_text=_("Edition date it was no longer listed; null if listed.")
    )

    objects = ListingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["register", "company"], name="listing_one_per_register")
        ]
        indexes = [
            # Serve the A-Z pages (pk breaks ties): current entries, the default, through a
            # partial index (PostgreSQL does not order by a column after an IS NULL
            # condition), and all or removed entries through the full one.
            models.Index(
                fields=["register", "sort_name", "id"],
                condition=models.Q(removed_on__isnull=True),
                name="listing_current_az",
            ),
            models.Index(fields=["register", "sort_name", "id"], name="listing_az"),
            # Serves "newest first" and the "listed since" filter.
            models.Index(
                fields=["register", "-first_listed", "sort_name", "id"], name="listing_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.register_id}"

    @property
    def is_listed(self) -> bool:
        return self.removed_on is None

    @property
    def status(self) -> str:
        return "listed" if self.removed_on is None else "removed"


class ListingName(models.Model):
    """A name a listing appeared under, with the first and last edition that used it."""

    # No index of its own: the listing_name_once constraint starts with it.
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="names", db_index=False
    )
    name_raw = models.CharField(max_length=300, help_text=_("Exactly as published."))
    name = models.CharField(max_length=300, help_text=_("Display form."))
    # Folded, legal forms dropped (registry.text.search_text), kept in Python at write time so
    # it can carry a trigram index (unaccent is not immutable). Migration 0003 adds the index.
    search_text = models.CharField(max_length=300, default="")
    first_edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="+")
    last_edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["first_edition__published_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "name_raw"], name="listing_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class ListingEvent(models.Model):
    """What an edition changed for a listing. Derived at sync time, never edited."""

    class Kind(models.TextChoices):
        ADDED = "added", _("added")
        REMOVED = "removed", _("no longer listed")
        READDED = "readded", _("listed again")
        RENAMED = "renamed", _("renamed")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="events")
    # No index of its own: event_edition_kind starts with it.
    edition = models.ForeignKey(
        Edition, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_name = models.CharField(max_length=300, blank=True)
    new_name = models.CharField(max_length=300, blank=True)
    format_only = models.BooleanField(
        default=False,
        help_text=_("A rename that vanishes once quotes, entities and spaces are normalised."),
    )

    class Meta:
        ordering = ["edition__published_on", "pk"]
        indexes = [models.Index(fields=["edition", "kind"], name="event_edition_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.listing_id} in {self.edition_id}"

    @property
    def published_on(self) -> date:
        return self.edition.published_on


# --- Enrichment: raw responses, runs, the pause switch and the reference tables ----------------


class ProviderResponse(models.Model):
    """One answer of a KvK source about one KvK number, kept so values can be re-derived.

    Keyed by KvK number, not by company: the answer is about the KvK registration, and it
    outlives a company row. Street-level address fields are removed before storing (we only
    use the place), and shielded addresses lose their postcode too (scraper.kvk.redact).
    """

    class Status(models.TextChoices):
        OK = "ok", _("ok")
        NOT_FOUND = "not_found", _("not found")
        ERROR = "error", _("error")

    kvk_number = models.CharField(max_length=8)
    source = models.CharField(max_length=20, choices=Source.choices)
    fetched_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)  # None: no answer
    body = models.JSONField(null=True, blank=True)  # None: no (JSON) body
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        indexes = [
            # Serves re_derive(): the latest answer of each source for a KvK number.
            models.Index(fields=["kvk_number", "source", "-fetched_at"], name="response_latest"),
            # Serves the admin's per-source counts and "last calls".
            models.Index(fields=["source", "status", "fetched_at"], name="response_by_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kvk_number} {self.status} ({self.fetched_at:%Y-%m-%d})"


class EnrichmentRun(models.Model):
    """One pass of the enrichment batch: who started it, for which provider, what it did."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        STOPPED = "stopped", _("stopped early")
        SKIPPED = "skipped", _("skipped")

    provider = models.CharField(max_length=20)  # "kvk" or "opendata"
    trigger = models.CharField(max_length=20, default="schedule")  # schedule, admin, command
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0, help_text=_("HTTP requests made."))
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"enrichment {self.provider} #{self.pk} ({self.status})"


class EnrichmentControl(models.Model):
    """The admin's pause switch for enrichment: one row (pk 1), read at the start of every run
    and between employers, so a pause takes effect without a release or a restart."""

    paused = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("enrichment")
        verbose_name_plural = _("enrichment")

    def __str__(self) -> str:
        return gettext("enrichment paused") if self.paused else gettext("enrichment running")

    @classmethod
    def get(cls) -> EnrichmentControl:
        control, _ = cls.objects.get_or_create(pk=1)
        return control


class SbiCode(models.Model):
    """An SBI 2025 code with its titles, loaded by `migrate` from registry/reference/sbi.csv
    (later: manage.py load_sbi_titles). Sections and divisions are in registry.sbi; this table
    adds the 5-digit titles."""

    code = models.CharField(max_length=5, unique=True)  # "62100"; a section letter or 2-5 digits
    parent = models.CharField(max_length=5, blank=True)
    level = models.PositiveSmallIntegerField()
    title_nl = models.CharField(max_length=400)
    title_en = models.CharField(max_length=400)
    section = models.CharField(max_length=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SBI code")

    def __str__(self) -> str:
        return f"{self.code} {self.title_en}"


class Place(models.Model):
    """A Dutch woonplaats with its municipality and province (CBS 86312NED), loaded by `migrate`
    from registry/reference/places.csv (later: manage.py load_places). A name may occur in
    several municipalities: there is no unique key on it."""

    place = models.CharField(max_length=100)
    municipality = models.CharField(max_length=100)
    province = models.CharField(max_length=50)

    class Meta:
        ordering = ["place", "municipality"]
        constraints = [models.UniqueConstraint(fields=["place", "municipality"], name="place_once")]

    def __str__(self) -> str:
        return f"{self.place} ({self.municipality}, {self.province})"
