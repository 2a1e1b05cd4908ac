"""Issue 15 (points 1, 3, 8): the delivery gate's waiver (减免) and cancellation on an assessment,
refund requests, and the refund ledger (``Refund``: hash-chained like payments; on PostgreSQL
``fees_refund`` refuses UPDATE, DELETE and TRUNCATE, like ``fees_payment``)."""

from importlib import import_module

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from hall.chain import guard_sql

CREATE, DROP = guard_sql("fees_refund", rows=True)
# The daily digest's barrier (hall/migrations/0006_chain_barrier) takes the chained tables only: add fees_refund.
BARRIER = import_module("hall.migrations.0006_chain_barrier").CREATE
BARRIER_WITH_REFUNDS = BARRIER.replace("'fees_payment')", "'fees_payment', 'fees_refund')")
assert BARRIER_WITH_REFUNDS != BARRIER


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute(BARRIER_WITH_REFUNDS, params=None)  # the body contains literal %


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BARRIER, params=None)
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0012_working_days_used"),
        ("fees", "0003_chain_existing_payments"),
        ("hall", "0007_user_id_number"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("prev_hash", models.CharField(default="", editable=False, max_length=64, verbose_name="前一记录哈希")),
                ("row_hash", models.CharField(default="", editable=False, max_length=64, verbose_name="本记录哈希")),
                ("amount_fen", models.PositiveIntegerField(verbose_name="退款金额（分）")),
                ("gateway", models.CharField(max_length=20, verbose_name="退款渠道")),
                ("refund_id", models.CharField(max_length=64, unique=True, verbose_name="退款流水号")),
                ("refunded_at", models.DateTimeField(verbose_name="退款时间")),
                ("receipt_number", models.CharField(max_length=30, unique=True, verbose_name="退款凭证号")),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "退款记录",
                "verbose_name_plural": "退款记录",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="RefundRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("amount_fen", models.PositiveIntegerField(verbose_name="退款金额（分）")),
                ("reason", models.TextField(verbose_name="退款理由")),
                (
                    "status",
                    models.CharField(
                        choices=[("requested", "待审批"), ("executed", "已退款"), ("failed", "退款失败")],
                        default="requested",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("automatic", models.BooleanField(default=False, verbose_name="依法自动退还")),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="申请时间")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="审批时间")),
                ("failure", models.CharField(blank=True, max_length=200, verbose_name="失败原因")),
            ],
            options={
                "verbose_name": "退费申请",
                "verbose_name_plural": "退费申请",
                "ordering": ["requested_at", "id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="assessment",
            name="fee_due_positive",
        ),
        migrations.AddField(
            model_name="assessment",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="作废原因"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="作废时间"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="refunded_fen",
            field=models.PositiveIntegerField(default=0, verbose_name="已退金额（分）"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="waived_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="减免时间"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="waived_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="减免审批人",
            ),
        ),
        migrations.AddField(
            model_name="assessment",
            name="waived_fen",
            field=models.PositiveIntegerField(default=0, verbose_name="减免金额（分）"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="waiver_basis",
            field=models.TextField(blank=True, verbose_name="减免依据"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="waiver_reason",
            field=models.TextField(blank=True, verbose_name="减免理由"),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="status",
            field=models.CharField(
                choices=[("due", "待缴费"), ("paid", "已缴清"), ("waived", "已减免"), ("cancelled", "已作废")],
                default="due",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="paymentanomaly",
            name="reason",
            field=models.CharField(
                choices=[
                    ("wrong_amount", "金额与应缴不符"),
                    ("unknown_code", "缴款码不存在"),
                    ("already_paid", "重复缴费"),
                    ("cancelled_code", "缴款码已作废"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(("due_fen__gt", 0), ("status", "waived"), _connector="OR"), name="fee_due_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(("refunded_fen__lte", models.F("paid_fen"))), name="fee_not_overrefunded"
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="审批人",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="assessment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="refunds", to="fees.assessment"
            ),
        ),
        migrations.AddField(
            model_name="refundrequest",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="审批人",
            ),
        ),
        migrations.AddField(
            model_name="refundrequest",
            name="assessment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="refund_requests", to="fees.assessment"
            ),
        ),
        migrations.AddField(
            model_name="refundrequest",
            name="requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="申请人",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="request",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="refund", to="fees.refundrequest"
            ),
        ),
        migrations.AddConstraint(
            model_name="refundrequest",
            constraint=models.CheckConstraint(condition=models.Q(("amount_fen__gt", 0)), name="refund_amount_positive"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
