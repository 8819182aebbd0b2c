from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from registry.text import search_text

# Serves registry.search.rank(): `search_text % q` and `q <% search_text` (trigram similarity
# and word similarity) on PostgreSQL. An expression index on UPPER(name) would serve icontains
# only; this one serves the query the search actually runs. SQLite has no trigram index: the
# local run ranks in Python.
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS listingname_search_trgm ON registry_listingname "
    "USING gin (search_text gin_trgm_ops)"
)
DROP_INDEX = "DROP INDEX IF EXISTS listingname_search_trgm"


def backfill(apps, schema_editor):
    ListingName = apps.get_model("registry", "ListingName")
    batch = []
    for name in ListingName.objects.only("pk", "name").iterator(chunk_size=2000):
        name.search_text = search_text(name.name)
        batch.append(name)
        if len(batch) == 2000:
            ListingName.objects.bulk_update(batch, ["search_text"])
            batch = []
    ListingName.objects.bulk_update(batch, ["search_text"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_seed_work_register")]
    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="listingname",
            name="search_text",
            field=models.CharField(default="", max_length=300),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
