from django.db import migrations

# The URL since spring 2026 (register.md, section 2). When the IND moves the page again, an
# admin changes it in the admin; no release needed.
WORK_URL = "https://ind.nl/en/public-register-recognised-sponsors/public-register-work"


def seed(apps, schema_editor):
    Register = apps.get_model("registry", "Register")
    Register.objects.get_or_create(
        slug="work",
        defaults={"name": "Public register Work", "url": WORK_URL, "min_rows": 5000},
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
