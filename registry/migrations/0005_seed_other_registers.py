from django.db import migrations

# The English URLs of the other three registers since spring 2026 (register.md, section 1).
# An admin changes a URL in the admin when the IND moves a page; no release needed.
#
# min_rows is each register's floor for a plausible edition, well under its known size so
# that normal churn never trips it, yet above what a truncated page or a changed layout
# leaves: Exchange had 27-31 rows in 2023-2024 (floor 10), Research 148-161 (floor 50).
# Study has never been seen (its size, and whether it lists KvK numbers, are unknown), so it
# gets the same low floor as Exchange; if its page does not parse, the sync refuses it and
# says why. max_change_percent stays at 30 for all: on a 30-row register that is 9 rows,
# which an admin should look at anyway.
REGISTERS = {
    "exchange": {
        "name": "Public register Exchange",
        "url": "https://ind.nl/en/public-register-recognised-sponsors/public-register-exchange",
        "min_rows": 10,
    },
    "study": {
        "name": "Public register Study",
        "url": "https://ind.nl/en/public-register-recognised-sponsors/public-register-study",
        "min_rows": 10,
    },
    "research": {
        "name": "Public register Research",
        "url": "https://ind.nl/en/public-register-recognised-sponsors/public-register-research",
        "min_rows": 50,
    },
}


def seed(apps, schema_editor):
    Register = apps.get_model("registry", "Register")
    for slug, defaults in REGISTERS.items():
        Register.objects.get_or_create(
            slug=slug, defaults={**defaults, "max_change_percent": 30}
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_listing_page_indexes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
