"""At most one queued or running sync per register, by a unique constraint.

A database may hold more (a run left "running" by a dead worker beside a newer one): all but the
newest open run of each register are failed first, with why, so the constraint can be made.
"""

from django.db import migrations, models
from django.utils import timezone

OPEN = ("queued", "running")


def fail_all_but_the_newest_open_run(apps, schema_editor):
    SyncRun = apps.get_model("registry", "SyncRun")
    newest = {}
    for run in SyncRun.objects.filter(status__in=OPEN).order_by("-created_at", "-pk"):
        if run.register_id in newest:
            run.status = "failed"
            run.finished_at = timezone.now()
            run.message = "failed when at most one open run per register became a rule"
            run.save(update_fields=["status", "finished_at", "message"])
        else:
            newest[run.register_id] = run.pk


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0012_syncrun_held"),
    ]

    operations = [
        migrations.RunPython(fail_all_but_the_newest_open_run, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="syncrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("register",),
                name="syncrun_one_open_per_register",
            ),
        ),
    ]
