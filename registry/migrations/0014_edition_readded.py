from django.db import migrations, models
from django.db.models import Count


def count_readded(apps, schema_editor):
    """The stored editions' "back on the register" figure, from their events (a few hundred
    editions at most: one GROUP BY, then one UPDATE each that has any)."""
    Edition = apps.get_model("registry", "Edition")
    ListingEvent = apps.get_model("registry", "ListingEvent")
    per_edition = (
        ListingEvent.objects.filter(kind="readded")
        .values_list("edition_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for edition_id, n in per_edition:
        Edition.objects.filter(pk=edition_id).update(readded=n)


class Migration(migrations.Migration):
    dependencies = [("registry", "0013_syncrun_one_open_per_register")]

    # Stored with the other counts, so the home page and /changes/ state the same split of an
    # edition's entries (new, back after a gap) without counting events on every request.
    operations = [
        migrations.AddField(
            model_name="edition",
            name="readded",
            field=models.PositiveIntegerField(
                default=0, help_text="Of the added, those back on the register after a gap."
            ),
        ),
        migrations.AlterField(
            model_name="edition",
            name="added",
            field=models.PositiveIntegerField(
                default=0, help_text="Entries: new to the register, and back on it after a gap."
            ),
        ),
        migrations.RunPython(count_readded, migrations.RunPython.noop),
    ]
