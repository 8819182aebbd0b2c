from django.db import migrations

# Serves registry.search: planning its trigram query took about 1 ms of a 3 ms search, spent
# estimating `%`, `<%` and `<<%` by running them on the 100 histogram values ANALYZE keeps of
# search_text. With 10, PostgreSQL skips that and uses its fixed estimate, which plans the same
# index scans. Nothing else filters or sorts on search_text. PostgreSQL only: SQLite keeps no
# such statistics.
SMALL = (
    "ALTER TABLE registry_listingname ALTER COLUMN search_text SET STATISTICS 10; "
    "ANALYZE registry_listingname"
)
DEFAULT = (
    "ALTER TABLE registry_listingname ALTER COLUMN search_text SET STATISTICS -1; "
    "ANALYZE registry_listingname"
)


def small(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SMALL)


def default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_refresh_search_text")]
    operations = [migrations.RunPython(small, default)]
