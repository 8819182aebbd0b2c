from django.db import migrations, models

# The search index is in memory now (registry.search.index): no query reads names by trigram
# similarity, so the trigram index of migration 0003 only cost every write of a name.
DROP_INDEX = "DROP INDEX IF EXISTS listingname_search_trgm"
CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS listingname_search_trgm ON registry_listingname "
    "USING gin (search_text gin_trgm_ops)"
)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


class Migration(migrations.Migration):
    dependencies = [("registry", "0009_indexes_that_serve_a_query")]
    operations = [
        migrations.AddField(
            model_name="register",
            name="enrichment_version",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="register",
            name="enrichment_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(drop_index, create_index),
    ]
