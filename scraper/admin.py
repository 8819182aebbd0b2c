"""Admin for bringing data in: the register sources, their sync runs and stored editions, and
the KvK enrichment (coverage, Start, Pause/Resume, the stored answers).

It lives in `scraper`, not `registry`, because it starts syncs: imports point from scraper to
registry, never back.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from registry.models import (
    Edition,
    EnrichmentControl,
    EnrichmentRun,
    ProviderResponse,
    Register,
    SyncRun,
)
from scraper.editions import raw_page
from scraper.enrich import coverage, is_paused, set_paused
from scraper.fetch import FetchError, check_url_host
from scraper.runs import cancel_run, fail_unsent, reject_run
from scraper.sync import (
    RunAlreadyOpen,
    preview_refused,
    queue_acceptance,
    queue_sync,
    read_progress,
    start_in_thread,
)
from scraper.tasks import enrich_sponsors_task, sync_register_task

# The index warns of a stale register (no successful check for two days; scraper/health.py).
admin.site.index_template = "admin/erkend_index.html"
# Our name, not "Django administration", in the header, the <title> and on the index.
admin.site.site_header = _("erkend")
admin.site.site_title = _("erkend admin")
admin.site.index_title = _("Registers, editions and enrichment")


def _require_view(model_admin: admin.ModelAdmin[Any], request: HttpRequest) -> None:
    """Our own admin views ask what the admin's own pages ask: may this user view the model?
    admin_view() lets any staff account in; a staff account without permissions sees nothing."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied


def _enqueue(run: SyncRun) -> None:
    """Send the run's task after commit (a worker must find the queued row when the message
    reaches it). If the broker cannot take it, the run is failed at once and the admins told.
    With SYNC_IN_THREAD (the local run) it starts in a thread of this server instead."""

    def send() -> None:
        if settings.SYNC_IN_THREAD:
            start_in_thread(run.pk)
            return
        try:
            sync_register_task.delay(run.pk)
        except Exception as error:  # kombu's OperationalError, a refused connection, a timeout
            fail_unsent(run, error, now=timezone.now())

    transaction.on_commit(send)


def _queued_message(request: HttpRequest, run: SyncRun, *, success: StrOrPromise) -> None:
    run.refresh_from_db(fields=["status", "message"])
    if run.status == SyncRun.Status.FAILED:
        messages.error(request, _("The sync could not be started: %(why)s") % {"why": run.message})
    else:
        messages.success(request, success)


def _to_open_run(request: HttpRequest, run: SyncRun) -> HttpResponse:
    """Where a second "Resync now" goes: the run that is already queued or running."""
    messages.warning(
        request,
        _("A sync of this register is already %(status)s.") % {"status": run.get_status_display()},
    )
    return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[run.pk]))


class RejectForm(forms.Form):
    """Why an admin rejects a held edition: optional, kept in the run's message."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60, "maxlength": 500}),
        error_messages={
            "max_length": _(
                "The reason may be at most %(limit_value)d characters long "
                "(it has %(show_value)d). Nothing was changed."
            )
        },
    )


class RegisterForm(forms.ModelForm[Register]):
    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            check_url_host(url, allowed_hosts=settings.REGISTER_URL_HOSTS)
        except FetchError as error:
            message = _("This URL is refused: %(reason)s")
            raise forms.ValidationError(message, code="host", params={"reason": error}) from None
        return url


@admin.register(Register)
class RegisterAdmin(admin.ModelAdmin[Register]):
    form = RegisterForm
    list_display = ["name", "slug", "url", "current_edition", "last_checked_at", "last_check"]
    readonly_fields = [
        "current_edition",
        "etag",
        "last_modified",
        "last_checked_at",
        "last_check_ok",
        "last_check_message",
    ]
    fields = ["slug", "name", "url", "min_rows", "max_change_percent", *readonly_fields]
    change_form_template = "admin/register_change_form.html"
    # A URL typed without a scheme is the IND's https page (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(boolean=True, description=_("last check OK"))
    def last_check(self, register: Register) -> bool | None:
        """Unknown, not a green tick, for a register never checked (the field defaults to OK)."""
        return None if register.last_checked_at is None else register.last_check_ok

    def get_urls(self) -> list[URLPattern]:
        resync = self.admin_site.admin_view(self.resync_view)
        return [
            path("<int:pk>/resync/", resync, name="registry_register_resync"),
            *super().get_urls(),
        ]

    def resync_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _resync(request, pk=pk)

    def has_delete_permission(self, request: HttpRequest, obj: Register | None = None) -> bool:
        return False  # editions and listings point at it; a register is never deleted


@require_POST
@staff_member_required
def _resync(request: HttpRequest, *, pk: int) -> HttpResponse:
    if not request.user.has_perm("registry.change_register"):
        return HttpResponse(_("You may not start a sync."), status=403)
    register = get_object_or_404(Register, pk=pk)
    force = request.POST.get("force") == "1"
    try:
        run = queue_sync(register=register.slug, trigger="admin", now=timezone.now(), force=force)
    except RunAlreadyOpen as already:
        return _to_open_run(request, already.run)
    _enqueue(run)
    _queued_message(request, run, success=_("Sync queued. This page follows it as it runs."))
    return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[run.pk]))


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin[SyncRun]):
    list_display = [
        "pk",
        "register",
        "status",
        "trigger",
        "created_at",
        "published_on",
        "rows_parsed",
        "added",
        "removed",
        "renamed",
        "short_message",
    ]
    list_filter = ["register", "status", "trigger"]
    change_form_template = "admin/sync_run.html"
    readonly_fields = [
        "register",
        "status",
        "trigger",
        "url",
        "final_url",
        "force",
        "created_at",
        "started_at",
        "finished_at",
        "published_on",
        "rows_parsed",
        "rows_written",
        "added",
        "removed",
        "renamed",
        "reformatted",
        "unchanged",
        "message",
        "edition",
        "accepted_from",
        "superseded_by",
    ]
    exclude = ["raw_gzip", "raw_content_type"]

    @admin.display(description=_("message"))
    def short_message(self, run: SyncRun) -> str:
        return run.message[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are started with "Resync now" on a register

    def has_change_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False  # the record of what happened, refusals included

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/status.json", view(self.status_view), name="registry_syncrun_status"),
            path("<int:pk>/accept/", view(self.accept_view), name="registry_syncrun_accept"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="registry_syncrun_cancel"),
            path("<int:pk>/reject/", view(self.reject_view), name="registry_syncrun_reject"),
            path("<int:pk>/page/", view(self.page_view), name="registry_syncrun_page"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        _require_view(self, request)  # before the progress and the preview are worked out
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None:
            extra["run"] = run
            extra["progress"] = read_progress(run)
            if run.status in SyncRun.AWAITING_ADMIN and run.raw_gzip is not None:
                extra["preview"] = preview_refused(run)
            if run.status in SyncRun.AWAITING_ADMIN:
                extra["published_by"] = run.acceptances.filter(status=SyncRun.Status.DONE).first()
            if run.status == SyncRun.Status.HELD and extra.get("published_by") is None:
                extra["reject_form"] = RejectForm()
        return super().change_view(request, object_id, form_url, extra)

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require_view(self, request)
        return _status(request, pk=pk)

    def accept_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _accept(request, pk=pk)

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _cancel(request, pk=pk)

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _reject(request, pk=pk)

    def page_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require_view(self, request)
        return _refused_page(request, pk=pk)


@require_GET
def _status(request: HttpRequest, *, pk: int) -> JsonResponse:
    run = get_object_or_404(SyncRun, pk=pk)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "finished": run.is_finished,
            **read_progress(run),
            "added": run.added,
            "removed": run.removed,
            "renamed": run.renamed,
            "reformatted": run.reformatted,
            "unchanged": run.unchanged,
            "published_on": run.published_on.isoformat() if run.published_on else None,
            "message": run.message,
        }
    )


@require_POST
def _accept(request: HttpRequest, *, pk: int) -> HttpResponse:
    if not request.user.has_perm("registry.change_register"):
        return HttpResponse(_("You may not accept an edition."), status=403)
    refused = get_object_or_404(SyncRun, pk=pk)
    if refused.status == SyncRun.Status.SUPERSEDED:
        messages.error(
            request,
            _(
                "Not approved: a newer look at the page (run #%(newer)s) superseded this run, "
                "so its edition can no longer be published. Nothing was changed."
            )
            % {"newer": refused.superseded_by_id},
        )
        return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[pk]))
    if refused.status not in SyncRun.AWAITING_ADMIN or refused.raw_gzip is None:
        messages.error(request, _("Only a refused or held run that kept its page can be accepted."))
        return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[pk]))
    try:
        run = queue_acceptance(refused, now=timezone.now())
    except RunAlreadyOpen as already:
        return _to_open_run(request, already.run)
    _enqueue(run)
    if refused.status == SyncRun.Status.HELD:
        _queued_message(request, run, success=_("Approved: publishing the held edition."))
    else:
        _queued_message(request, run, success=_("Accepting the refused edition with force."))
    return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[run.pk]))


@require_POST
def _cancel(request: HttpRequest, *, pk: int) -> HttpResponse:
    if not request.user.has_perm("registry.change_register"):
        return HttpResponse(_("You may not cancel a sync."), status=403)
    run = get_object_or_404(SyncRun, pk=pk)
    if cancel_run(run, by=request.user.get_username(), now=timezone.now()):
        messages.success(
            request, _("Cancelled. A running sync stops before it publishes anything.")
        )
    else:
        messages.warning(request, _("This run had already finished; nothing was cancelled."))
    return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[pk]))


@require_POST
def _reject(request: HttpRequest, *, pk: int) -> HttpResponse:
    if not request.user.has_perm("registry.change_register"):
        return HttpResponse(_("You may not reject an edition."), status=403)
    run = get_object_or_404(SyncRun, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(error) for error in form.errors.get("reason", []))
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    reason = form.cleaned_data["reason"].strip()
    if reject_run(run, by=request.user.get_username(), reason=reason):
        messages.success(
            request, _("Rejected: this edition is not published; the public keeps the one served.")
        )
    else:
        messages.warning(
            request,
            _("Only a held run that was not approved can be rejected. Nothing was changed."),
        )
    return HttpResponseRedirect(reverse("admin:registry_syncrun_change", args=[pk]))


@require_GET
def _refused_page(request: HttpRequest, *, pk: int) -> HttpResponse:
    import gzip

    run = get_object_or_404(SyncRun, pk=pk)
    if run.raw_gzip is None:
        return HttpResponse(_("This run kept no page."), status=404, content_type="text/plain")
    response = HttpResponse(
        gzip.decompress(bytes(run.raw_gzip)), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="refused-run-{run.pk}.html"'
    return response


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin[Edition]):
    list_display = [
        "published_on",
        "register",
        "row_count",
        "kvk_count",
        "added",
        "removed",
        "renamed",
        "reformatted",
        "flagged",
        "fetched_at",
    ]
    list_filter = ["register"]
    exclude = ["raw_gzip"]
    readonly_fields = [
        "register",
        "published_on",
        "date_source",
        "fetched_at",
        "source_url",
        "final_url",
        "row_count",
        "kvk_count",
        "rows_sha256",
        "raw_sha256",
        "raw_download",
        "raw_content_type",
        "parser_version",
        "added",
        "removed",
        "renamed",
        "reformatted",
        "unchanged",
        "flagged",
    ]

    @admin.display(description=_("stored page"))
    def raw_download(self, edition: Edition) -> str:
        url = reverse("admin:registry_edition_page", args=[edition.pk])
        return format_html('<a href="{}">{}</a>', url, _("download the page as fetched"))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.page_view)
        return [path("<int:pk>/page/", view, name="registry_edition_page"), *super().get_urls()]

    def page_view(self, request: HttpRequest, pk: int) -> FileResponse:
        import io

        _require_view(self, request)
        edition = get_object_or_404(Edition, pk=pk)
        suffix = "csv" if edition.raw_content_type == "text/csv" else "html"
        return FileResponse(
            io.BytesIO(raw_page(edition)),
            as_attachment=True,
            filename=f"{edition.register.slug}-{edition.published_on}.{suffix}",
            content_type=f"{edition.raw_content_type}; charset=utf-8",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Edition | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Edition | None = None) -> bool:
        return False  # the evidence an edition rests on is never deleted


# --- Enrichment: coverage, Start, Pause/Resume, raw answers -------------------------------------


@admin.register(EnrichmentControl)
class EnrichmentAdmin(admin.ModelAdmin[EnrichmentControl]):
    """The admin's "Enrichment" entry: a coverage page instead of a list of the one switch row."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("start/", view(self.start_view), name="registry_enrichment_start"),
            path("pause/", view(self.pause_view), name="registry_enrichment_pause"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enrichment: sector and city from the KvK"),
            "coverage": coverage(now=timezone.now()),
            "can_change": self.has_change_permission(request),
            "opts": self.model._meta,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/enrichment.html", context)

    def start_view(self, request: HttpRequest) -> HttpResponse:
        return _enrichment_start(request)

    def pause_view(self, request: HttpRequest) -> HttpResponse:
        return _enrichment_pause(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: EnrichmentControl | None = None
    ) -> bool:
        return False


def _coverage_url() -> str:
    return reverse("admin:registry_enrichmentcontrol_changelist")


@require_POST
def _enrichment_start(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.change_enrichmentcontrol"):
        return HttpResponse(_("You may not start enrichment."), status=403)
    if is_paused():
        messages.warning(request, _("Enrichment is paused: resume it first."))
        return HttpResponseRedirect(_coverage_url())
    # Without a broker the task runs inside this request: keep that to one employer.
    limit = 1 if settings.CELERY_TASK_ALWAYS_EAGER else None
    unsent: list[Exception] = []

    def send() -> None:
        try:
            enrich_sponsors_task.delay(trigger="admin", limit=limit)
        except Exception as error:  # the broker is down: say so, never a 500
            unsent.append(error)

    if limit:
        send()  # in-process, on this connection: nothing to wait for
    else:
        transaction.on_commit(send)  # a worker must find what this request wrote
    if unsent:
        messages.error(
            request,
            _("Enrichment could not be started: no task queue (%(error)s).") % {"error": unsent[0]},
        )
        return HttpResponseRedirect(_coverage_url())
    if limit:
        # It has run already, here: say how it went, not "queued".
        run = EnrichmentRun.objects.filter(trigger="admin").first()
        if run is None or run.status == EnrichmentRun.Status.RUNNING:
            messages.error(request, _("The enrichment run did not finish in this request."))
        else:
            figures = {"status": run.get_status_display(), "found": run.found, "failed": run.failed}
            text = _(
                "Enrichment ran in this request (no worker configured, one employer): "
                "%(status)s, %(found)s found, %(failed)s failed."
            )
            report = messages.warning if run.failed else messages.success
            report(request, text % figures)
    else:
        messages.success(request, _("Enrichment run queued. Runs are listed below."))
    return HttpResponseRedirect(_coverage_url())


@require_POST
def _enrichment_pause(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("registry.change_enrichmentcontrol"):
        return HttpResponse(_("You may not pause or resume enrichment."), status=403)
    paused = request.POST.get("paused") == "1"
    set_paused(paused, by=request.user.get_username(), now=timezone.now())
    if paused:
        messages.success(request, _("Enrichment paused: runs stop before their next employer."))
    else:
        messages.success(request, _("Enrichment resumed: the next scheduled run goes ahead."))
    return HttpResponseRedirect(_coverage_url())


@admin.register(ProviderResponse)
class ProviderResponseAdmin(admin.ModelAdmin[ProviderResponse]):
    """The stored KvK answers, read-only: what every enriched value rests on."""

    list_display = ["kvk_number", "source", "status", "http_status", "fetched_at", "error"]
    list_filter = ["source", "status"]
    search_fields = ["kvk_number"]
    readonly_fields = [f.name for f in ProviderResponse._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ProviderResponse | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ProviderResponse | None = None
    ) -> bool:
        return False
