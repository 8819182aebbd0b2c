"""Load the project's reference tables (registry/reference: CBS places, SBI 2025 codes), so
that `migrate` alone lets a city filter understand "Amsterdam" and a page show SBI titles.

Idempotent: rows already there (a re-run, or tables loaded by hand with load_places) are
left as they are, and only missing ones are added. Reversible: the reverse removes the rows
the files list and keeps any others.
"""

from django.db import migrations

from registry import reference

BATCH = 1000


def _places():
    return reference.read(reference.PLACES, columns=reference.PLACE_COLUMNS)


def _codes():
    return reference.read(reference.SBI, columns=reference.SBI_COLUMNS)


def load(apps, schema_editor):
    Place = apps.get_model("registry", "Place")
    SbiCode = apps.get_model("registry", "SbiCode")
    Place.objects.bulk_create(
        [Place(**row) for row in _places()], batch_size=BATCH, ignore_conflicts=True
    )
    SbiCode.objects.bulk_create(
        [SbiCode(**{**row, "level": int(row["level"])}) for row in _codes()],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def unload(apps, schema_editor):
    Place = apps.get_model("registry", "Place")
    SbiCode = apps.get_model("registry", "SbiCode")
    listed = {(row["place"], row["municipality"]) for row in _places()}
    stored = Place.objects.values_list("pk", "place", "municipality")
    ours = [pk for pk, place, municipality in stored if (place, municipality) in listed]
    for start in range(0, len(ours), BATCH):
        Place.objects.filter(pk__in=ours[start : start + BATCH]).delete()
    codes = [row["code"] for row in _codes()]
    for start in range(0, len(codes), BATCH):
        SbiCode.objects.filter(code__in=codes[start : start + BATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0015_syncrun_cancelled")]
    operations = [migrations.RunPython(load, unload)]
