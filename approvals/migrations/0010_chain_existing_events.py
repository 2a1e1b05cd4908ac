"""Events written before the chains are linked (per case, in id order); on PostgreSQL
``approvals_event`` then also refuses TRUNCATE (UPDATE and DELETE: migration 0002)."""

from django.db import migrations

from hall.chain import chain_existing_rows, guard_sql

CREATE, DROP = guard_sql("approvals_event", rows=False)


def forwards(apps, schema_editor):
    chain_existing_rows(apps, schema_editor, "event", disable_trigger="approvals_event_append_only")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
    apps.get_model("hall", "ChainHead").objects.filter(family="event").delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0009_event_chain"), ("hall", "0005_chain_existing_audit_entries")]

    operations = [migrations.RunPython(forwards, backwards)]
