"""The project's reference tables: derived from the public CBS files, loaded by `migrate`."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from registry import reference
from registry.models import Place, SbiCode
from tests import shared_data
from tests.conftest import REFERENCE_MIGRATION
from tests.factories import work_register

LOAD = importlib.import_module(REFERENCE_MIGRATION)
BEFORE = LOAD.Migration.dependencies[0][1]  # the migration before the load
SHARED_DATA = shared_data.SHARED.parent
PLACES_FILE = SHARED_DATA / "places" / "cbs_woonplaatsen_2026.csv"
SBI_FILE = SHARED_DATA / "sbi" / "sbi2025.csv"


def migrate_registry_to(name: str) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("registry", name)])


@pytest.mark.django_db(transaction=True)
def test_migrate_loads_the_places_and_sbi_codes_and_reverses_cleanly():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("registry")[0][1]
    migrate_registry_to(BEFORE)
    assert not Place.objects.exists()
    assert not SbiCode.objects.exists()

    migrate_registry_to(latest)

    assert Place.objects.get(place="Amsterdam").province == "Noord-Holland"
    assert Place.objects.get(place="'s-Gravenhage").municipality == "'s-Gravenhage"
    assert SbiCode.objects.get(code="62100").title_en == "Computer programming activities"
    assert SbiCode.objects.get(code="62100").section == "K"
    assert Place.objects.count() == 2502
    assert SbiCode.objects.count() == 1954
    assert Place.objects.values("province").distinct().count() == 12
    assert Place.objects.values("municipality").distinct().count() == 342


@pytest.mark.django_db
def test_the_load_is_idempotent_and_keeps_rows_loaded_by_hand():
    load = LOAD
    Place.objects.filter(place="Urk").update(province="Flevoland (by hand)")
    Place.objects.create(place="Nergenshuizen", municipality="Nergens", province="Utrecht")

    load.load(apps, None)

    assert Place.objects.count() == 2503
    assert SbiCode.objects.count() == 1954
    assert Place.objects.get(place="Urk").province == "Flevoland (by hand)"

    load.unload(apps, None)

    assert list(Place.objects.values_list("place", flat=True)) == ["Nergenshuizen"]
    assert not SbiCode.objects.exists()


@pytest.mark.django_db
def test_a_city_filter_understands_amsterdam_before_any_employer_is_enriched(client):
    work_register()  # seeded by a migration too, but a flush in an earlier session removes it
    response = client.get(reverse("registry:search-json"), {"city": "Amsterdam"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_the_reference_files_have_the_columns_the_tables_need():
    places = reference.read(reference.PLACES, columns=reference.PLACE_COLUMNS)
    codes = reference.read(reference.SBI, columns=reference.SBI_COLUMNS)

    assert {"place": "Amsterdam", "municipality": "Amsterdam", "province": "Noord-Holland"} in (
        places
    )
    assert sorted({row["level"] for row in codes}) == ["1", "2", "3", "4", "5"]
    assert len({row["code"] for row in codes}) == len(codes) == 1954


@pytest.mark.shared
@pytest.mark.skipif(not PLACES_FILE.is_file(), reason=f"{PLACES_FILE} is absent")
def test_derive_reference_writes_the_committed_files_from_the_public_ones(tmp_path):
    call_command("derive_reference", places=str(PLACES_FILE), sbi=str(SBI_FILE), into=str(tmp_path))

    assert (tmp_path / "places.csv").read_bytes() == reference.PLACES.read_bytes()
    assert (tmp_path / "sbi.csv").read_bytes() == reference.SBI.read_bytes()


def test_derive_reference_refuses_a_file_of_another_shape(tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code,title\n62,Software\n", encoding="utf-8")

    with pytest.raises(Exception, match="the header lacks place"):
        call_command("derive_reference", places=str(wrong), sbi=str(wrong), into=str(tmp_path))
    assert not (tmp_path / "places.csv").exists()


@pytest.mark.django_db
def test_the_loaders_read_the_projects_own_files_for_later_updates():
    Place.objects.all().delete()
    SbiCode.objects.all().delete()

    call_command("load_places", str(reference.PLACES))
    call_command("load_sbi_titles", str(reference.SBI))

    assert Place.objects.count() == 2502
    assert SbiCode.objects.get(code="K").level == 1
