"""The register URL's allowed hosts where a person sets it: the admin form and `--url`.

The rule itself (subdomains, loopback, private addresses, redirects) is tested in test_fetch.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from registry.models import Register, SyncRun
from scraper.sync import get_register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _allowed_hosts(settings):
    settings.REGISTER_URL_HOSTS = ["ind.nl", "127.0.0.1", "localhost"]


@pytest.fixture
def register() -> Register:
    return get_register("work")


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "pw"))
    return client


def save_url(client: Client, register: Register, url: str):
    return client.post(
        reverse("admin:registry_register_change", args=[register.pk]),
        {
            "slug": register.slug,
            "name": register.name,
            "url": url,
            "min_rows": register.min_rows,
            "max_change_percent": register.max_change_percent,
        },
    )


def test_the_admin_saves_a_url_on_an_allowed_host(register, admin_client):
    response = save_url(admin_client, register, "https://www.ind.nl/en/public-register-work")

    assert response.status_code == 302
    register.refresh_from_db()
    assert register.url == "https://www.ind.nl/en/public-register-work"


def test_the_admin_form_refuses_a_url_on_another_host(register, admin_client):
    before = register.url

    response = save_url(admin_client, register, "https://evil.example/register")

    assert response.status_code == 200  # the form again, with the reason; not a 500
    assert response.context["adminform"].form.errors["url"] == [
        "This URL is refused: evil.example in https://evil.example/register is not an allowed "
        "host (REGISTER_URL_HOSTS: 127.0.0.1, ind.nl, localhost)"
    ]
    register.refresh_from_db()
    assert register.url == before


def test_the_admin_form_refuses_a_private_address(register, admin_client):
    response = save_url(admin_client, register, "http://10.0.0.5/register")

    [error] = response.context["adminform"].form.errors["url"]
    assert error.startswith("This URL is refused: 10.0.0.5 in http://10.0.0.5/register is a ")


def test_sync_register_refuses_a_url_on_another_host_before_any_run(register):
    with pytest.raises(CommandError) as raised:
        call_command("sync_register", "--url", "https://evil.example/register")

    assert str(raised.value) == (
        "--url refused: evil.example in https://evil.example/register is not an allowed host "
        "(REGISTER_URL_HOSTS: 127.0.0.1, ind.nl, localhost)"
    )
    assert not SyncRun.objects.exists()


def test_a_stored_url_on_a_host_no_longer_allowed_fails_the_sync_with_the_reason(register):
    Register.objects.filter(pk=register.pk).update(url="https://old-mirror.example/work")

    with pytest.raises(CommandError) as raised:
        call_command("sync_register")

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    assert run.message == (
        "could not fetch the register: old-mirror.example in https://old-mirror.example/work is "
        "not an allowed host (REGISTER_URL_HOSTS: 127.0.0.1, ind.nl, localhost)"
    )
    assert str(raised.value).endswith(run.message)
