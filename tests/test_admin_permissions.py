"""Every admin view of ours checks the model permission, not only is_staff (scraper/admin.py):
a staff account without permissions gets 403 on each; with the one permission it needs, in."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from registry.models import SyncRun
from scraper.sync import get_register
from tests.factories import make_edition

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class View:
    name: str  # admin:<name>
    method: str
    permission: str  # the one codename that lets a staff account in
    ok: int  # the status with it: a page, or the redirect after an action


VIEWS = [
    View("registry_syncrun_change", "GET", "view_syncrun", 200),  # status and progress
    View("registry_syncrun_status", "GET", "view_syncrun", 200),  # its JSON, polled
    View("registry_syncrun_page", "GET", "view_syncrun", 200),  # a refused run's stored page
    View("registry_syncrun_accept", "POST", "change_register", 302),
    View("registry_syncrun_cancel", "POST", "change_register", 302),
    View("registry_syncrun_reject", "POST", "change_register", 302),
    View("registry_edition_page", "GET", "view_edition", 200),  # an edition's stored page
    View("registry_register_resync", "POST", "change_register", 302),
    View("registry_enrichmentcontrol_changelist", "GET", "view_enrichmentcontrol", 200),
    View("registry_enrichment_start", "POST", "change_enrichmentcontrol", 302),
    View("registry_enrichment_pause", "POST", "change_enrichmentcontrol", 302),
]
# What Django's ModelAdmin makes for each model, with its own permission checks.
DJANGOS_OWN = re.compile(r"_(changelist|add|history|delete|change)$")


@pytest.fixture
def objects() -> dict[str, list[int]]:
    edition = make_edition()
    register = get_register("work")
    refused = SyncRun.objects.create(
        register=register,
        status=SyncRun.Status.REFUSED,
        trigger="schedule",
        created_at=timezone.now(),
        finished_at=timezone.now(),
        message="only 5 rows",
        raw_gzip=gzip.compress(b"<html>the refused page</html>"),
        raw_content_type="text/html",
    )
    args = {
        "registry_syncrun_change": [refused.pk],
        "registry_syncrun_status": [refused.pk],
        "registry_syncrun_page": [refused.pk],
        "registry_syncrun_accept": [refused.pk],
        "registry_syncrun_cancel": [refused.pk],
        "registry_syncrun_reject": [refused.pk],
        "registry_edition_page": [edition.pk],
        "registry_register_resync": [register.pk],
    }
    return args


def staff(*codenames: str) -> User:
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def ask(client, view: View, args: dict[str, list[int]]):
    url = reverse(f"admin:{view.name}", args=args.get(view.name, []))
    return client.post(url) if view.method == "POST" else client.get(url)


def admin_url_names(patterns: list[URLPattern | URLResolver]) -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= admin_url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def test_every_custom_admin_view_is_listed_here():
    # A new admin view of ours must come with its permission row above.
    ours = {n for n in admin_url_names(admin.site.get_urls()) if n.startswith("registry_")}
    custom = {n for n in ours if not DJANGOS_OWN.search(n)}
    listed = {view.name for view in VIEWS}
    assert custom <= listed
    assert "registry_syncrun_change" in ours  # overridden: it reads progress and the preview


@pytest.mark.parametrize("view", VIEWS, ids=[view.name for view in VIEWS])
def test_staff_without_permissions_get_403(client, objects, view):
    client.force_login(staff())
    assert ask(client, view, objects).status_code == 403


@pytest.mark.parametrize("view", VIEWS, ids=[view.name for view in VIEWS])
def test_staff_with_the_permission_get_in(client, objects, view):
    client.force_login(staff(view.permission))
    response = ask(client, view, objects)
    assert response.status_code == view.ok
    if view.ok == 302:
        assert response["Location"].startswith("/admin/")


@pytest.mark.parametrize("view", [v for v in VIEWS if v.method == "GET"], ids=lambda v: v.name)
def test_a_permission_for_another_model_does_not_let_staff_in(client, objects, view):
    others = {"view_syncrun", "view_edition", "view_enrichmentcontrol"} - {view.permission}
    client.force_login(staff(*others))
    assert ask(client, view, objects).status_code == 403


def test_a_stored_page_is_not_sent_to_staff_without_permission(client, objects):
    client.force_login(staff())
    response = client.get(
        reverse("admin:registry_syncrun_page", args=[objects["registry_syncrun_page"][0]])
    )
    assert b"the refused page" not in response.content
