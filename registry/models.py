"""The register's data: sources, editions, companies, their listings and history.

Identity is the KvK number (8-digit text). A row without one gets a register-local key derived
from its normalised name, so it still has a page and a history. Nothing is ever deleted:
leaving the register is a date on the listing, and every name a listing had is kept.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models.functions import Upper

from registry.querysets import CompanyQuerySet, EditionQuerySet, ListingQuerySet


class Register(models.Model):
    """One of the IND's public registers, and where to fetch it (editable in the admin)."""

    class Slug(models.TextChoices):
        WORK = "work", "Work (regular labour and highly skilled migrants)"
        EXCHANGE = "exchange", "Exchange (au pair and exchange)"
        STUDY = "study", "Study (educational institutions)"
        RESEARCH = "research", "Research (Directive (EU) 2016/801)"

    slug = models.CharField(max_length=20, choices=Slug.choices, unique=True)
    name = models.CharField(max_length=100)
    url = models.URLField(
        max_length=500, help_text="The IND page to fetch. When the IND moves it, change it here."
    )
    # Gates: an edition outside these bounds is refused, and an admin may accept it with force.
    min_rows = models.PositiveIntegerField(
        default=5000, help_text="Refuse an edition with fewer rows than this."
    )
    max_change_percent = models.PositiveIntegerField(
        default=30, help_text="Refuse an edition whose row count moved more than this."
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

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Edition(models.Model):
    """An accepted edition of a register: its IND date, the raw page and its fingerprint."""

    class DateSource(models.TextChoices):
        SENTENCE = "sentence", "the page's 'last updated' sentence"
        META = "meta", "the page's DCTERMS.modified meta tag"
        GIVEN = "given", "given at import"

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="editions")
    published_on = models.DateField(help_text="The IND's own 'last updated' date.")
    date_source = models.CharField(max_length=20, choices=DateSource.choices)
    fetched_at = models.DateTimeField()
    source_url = models.CharField(max_length=500)
    final_url = models.CharField(max_length=500, blank=True)
    row_count = models.PositiveIntegerField()
    kvk_count = models.PositiveIntegerField(help_text="Distinct KvK numbers in the edition.")
    rows_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the sorted parsed rows.")
    raw_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the page as fetched.")
    raw_gzip = models.BinaryField(help_text="The page as fetched, gzip-compressed.")
    raw_content_type = models.CharField(max_length=50, default="text/html")
    parser_version = models.CharField(max_length=20)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    renamed = models.PositiveIntegerField(default=0)
    reformatted = models.PositiveIntegerField(
        default=0, help_text="Names that changed in formatting only (quotes, entities, spaces)."
    )
    unchanged = models.PositiveIntegerField(default=0)
    flagged = models.CharField(
        max_length=500, blank=True, help_text="Accepted, but unusual enough to review."
    )

    objects = EditionQuerySet.as_manager()

    class Meta:
        # Two editions may share a date: the IND has changed rows without changing the date.
        ordering = ["register", "-published_on", "-pk"]
        get_latest_by = "published_on"
        indexes = [models.Index(fields=["register", "published_on"], name="edition_by_date")]

    def __str__(self) -> str:
        return f"{self.register.slug} {self.published_on:%Y-%m-%d}"


class SyncRun(models.Model):
    """One attempt to bring a register up to date: queued, running, and how it ended."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done: new edition stored"
        UNCHANGED = "unchanged", "done: checked, unchanged"
        REFUSED = "refused", "refused"
        FAILED = "failed", "failed"
        SKIPPED = "skipped", "skipped: another sync was running"

    FINISHED = (Status.DONE, Status.UNCHANGED, Status.REFUSED, Status.FAILED, Status.SKIPPED)

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="command")  # admin, schedule, command...
    url = models.CharField(max_length=500, blank=True)
    final_url = models.CharField(max_length=500, blank=True)
    force = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    rows_parsed = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    renamed = models.PositiveIntegerField(default=0)
    reformatted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="Why it was refused or failed, or a note.")
    edition = models.ForeignKey(
        Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    # A refused page is kept so an admin can inspect it and accept it without fetching again.
    raw_gzip = models.BinaryField(null=True, blank=True)
    raw_content_type = models.CharField(max_length=50, blank=True)
    accepted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="acceptances"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"sync {self.register.slug} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Company(models.Model):
    """An organisation as the register identifies it: by KvK number, else by a name key."""

    key = models.CharField(max_length=120, unique=True, help_text="KvK number, or n-<name>.")
    kvk_number = models.CharField(max_length=8, blank=True)  # "" for rows without a KvK number
    name = models.CharField(max_length=300, help_text="Current display name.")

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "companies"
        indexes = [
            # Serves the KvK prefix search (a KvK pasted into the search box).
            models.Index(fields=["kvk_number"], name="company_kvk"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kvk_number or 'no KvK'})"


class Listing(models.Model):
    """A company's place on one register: when it entered, its names, whether it left."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="listings")
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="listings")
    name = models.CharField(max_length=300, help_text="Display name in the latest edition.")
    sort_name = models.CharField(max_length=300, help_text="Casefolded name: the A-Z order.")
    first_listed = models.DateField(help_text="Edition date it was first seen.")
    last_listed = models.DateField(help_text="Edition date it was last seen.")
    removed_on = models.DateField(
        null=True, blank=True, help_text="Edition date it was no longer listed; null if listed."
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

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="names")
    name_raw = models.CharField(max_length=300, help_text="Exactly as published.")
    name = models.CharField(max_length=300, help_text="Display form.")
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
        indexes = [models.Index(Upper("name"), name="listing_name_upper")]

    def __str__(self) -> str:
        return self.name


class ListingEvent(models.Model):
    """What an edition changed for a listing. Derived at sync time, never edited."""

    class Kind(models.TextChoices):
        ADDED = "added", "added"
        REMOVED = "removed", "no longer listed"
        READDED = "readded", "listed again"
        RENAMED = "renamed", "renamed"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="events")
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_name = models.CharField(max_length=300, blank=True)
    new_name = models.CharField(max_length=300, blank=True)
    format_only = models.BooleanField(
        default=False,
        help_text="A rename that vanishes once quotes, entities and spaces are normalised.",
    )

    class Meta:
        ordering = ["edition__published_on", "pk"]
        indexes = [models.Index(fields=["edition", "kind"], name="event_edition_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.listing_id} in {self.edition_id}"

    @property
    def published_on(self) -> date:
        return self.edition.published_on
