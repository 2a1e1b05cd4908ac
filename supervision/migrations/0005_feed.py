"""The event feed's entries (issue 13, point 6): the digests written so far are copied in, so the
feed keeps carrying them; the warning kind ``order`` (an escalated 督办); the warnings list's index
for resolved warnings."""

from django.db import migrations, models


def copy_digests(apps, schema_editor):
    ChainDigest = apps.get_model("supervision", "ChainDigest")
    FeedEntry = apps.get_model("supervision", "FeedEntry")
    FeedEntry.objects.bulk_create(
        FeedEntry(kind="digest", action="audit.digest", at=d.at, after_event_id=d.after_event_id,
                  ref_id=d.audit_entry_id,
                  data={"hash": d.digest, "audit_entry_id": d.audit_entry_id, "families": d.families})
        for d in ChainDigest.objects.order_by("after_event_id", "id")
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0004_anomalies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="warning",
            name="kind",
            field=models.CharField(
                choices=[
                    ("accept", "受理超期"),
                    ("correction_notice", "补正告知超期"),
                    ("decision", "办结预警/超期"),
                    ("delivery", "送达超期"),
                    ("order", "督办逾期"),
                ],
                max_length=20,
                verbose_name="类型",
            ),
        ),
        migrations.CreateModel(
            name="FeedEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("digest", "审计链摘要"),
                            ("order", "督办"),
                            ("anomaly", "异常行为"),
                            ("payment", "缴费"),
                        ],
                        max_length=10,
                        verbose_name="类型",
                    ),
                ),
                ("action", models.CharField(max_length=40, verbose_name="动作")),
                ("at", models.DateTimeField(verbose_name="时间")),
                ("after_event_id", models.BigIntegerField(verbose_name="位于事件之后")),
                ("case_number", models.CharField(blank=True, max_length=40, verbose_name="办件编号")),
                ("ref_id", models.BigIntegerField(blank=True, null=True, verbose_name="对象编号")),
                ("data", models.JSONField(default=dict, verbose_name="内容")),
            ],
            options={
                "verbose_name": "监察数据推送",
                "verbose_name_plural": "监察数据推送",
                "indexes": [
                    models.Index(fields=["after_event_id", "id"], name="feed_entry_position"),
                    models.Index(fields=["kind", "ref_id"], name="feed_entry_ref"),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="warning",
            index=models.Index(fields=["-raised_at", "-id"], name="warning_newest"),
        ),
        migrations.RunPython(copy_digests, migrations.RunPython.noop),
    ]
