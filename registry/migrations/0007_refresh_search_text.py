from django.db import migrations

from registry.text import search_text

# registry.text.search_text now also drops legal forms that end a name after another one
# ("Somi Shokuhin Co., Ltd.", "Personio SE & Co. KG") and a few more forms (KG, Sp. z o.o.,
# Kft, S.L., ...). The search compares the stored value with the folded query, so every stored
# value must come from the same function: recompute the ones that changed.


def refresh(apps, schema_editor):
    ListingName = apps.get_model("registry", "ListingName")
    changed = []
    for name in ListingName.objects.only("pk", "name", "search_text").iterator(chunk_size=2000):
        text = search_text(name.name)
        if text != name.search_text:
            name.search_text = text
            changed.append(name)
    ListingName.objects.bulk_update(changed, ["search_text"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_enrichment")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
