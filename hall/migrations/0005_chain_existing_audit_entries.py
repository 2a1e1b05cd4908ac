"""Audit entries written before the chains are linked (per local day, in id order); on PostgreSQL
``hall_auditentry`` then refuses UPDATE, DELETE and TRUNCATE (the ``hall_append_only`` function is
shared with the event and payment guards)."""

from django.db import migrations

from hall.chain import APPEND_ONLY_FUNCTION, chain_existing_rows, guard_sql

CREATE, DROP = guard_sql("hall_auditentry", rows=True)


def forwards(apps, schema_editor):
    chain_existing_rows(apps, schema_editor, "audit")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_FUNCTION, params=None)  # the body contains a literal %
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
    apps.get_model("hall", "ChainHead").objects.filter(family="audit").delete()


class Migration(migrations.Migration):
    dependencies = [("hall", "0004_audit_chain")]

    operations = [migrations.RunPython(forwards, backwards)]
