"""Payments written before the chains are linked (per case, in id order); on PostgreSQL
``fees_payment`` then refuses UPDATE, DELETE and TRUNCATE. Nothing in ``fees`` updates a payment:
a booked payment is final, corrections are new rows."""

from django.db import migrations

from hall.chain import chain_existing_rows, guard_sql

CREATE, DROP = guard_sql("fees_payment", rows=True)


def forwards(apps, schema_editor):
    chain_existing_rows(apps, schema_editor, "payment")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
    apps.get_model("hall", "ChainHead").objects.filter(family="payment").delete()


class Migration(migrations.Migration):
    dependencies = [("fees", "0002_payment_chain"), ("hall", "0005_chain_existing_audit_entries")]

    operations = [migrations.RunPython(forwards, backwards)]
