"""``working_days_used`` (set by every decision from now on) and an index on ``submitted_at``.

The last 30 days' decisions are backfilled — the dashboard's window of slowest items — so a hall
that upgrades sees figures at once; older cases keep NULL (the dashboard ignores them)."""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

BACKFILL_DAYS = 30


def backfill(apps, schema_editor):
    from approvals.clock import working_days_used  # the rule itself, on the hall's calendar

    Application = apps.get_model("approvals", "Application")
    since = timezone.now() - timedelta(days=BACKFILL_DAYS)
    decided = Application.objects.filter(decided_at__gte=since, clock_start__isnull=False, working_days_used=None)
    batch = []
    for case in decided.only("id", "clock_start", "suspended_days", "decided_at").iterator(chunk_size=2000):
        case.working_days_used = working_days_used(case, case.decided_at)
        batch.append(case)
        if len(batch) == 2000:
            Application.objects.bulk_update(batch, ["working_days_used"])
            batch = []
    Application.objects.bulk_update(batch, ["working_days_used"])


class Migration(migrations.Migration):
    dependencies = [("approvals", "0011_closing_act_indexes"), ("hall", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="application",
            name="working_days_used",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="实际用时（工作日）"),
        ),
        migrations.AddIndex(
            model_name="application", index=models.Index(fields=["submitted_at"], name="case_submitted_at")
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
