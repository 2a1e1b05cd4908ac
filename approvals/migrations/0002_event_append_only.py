"""On PostgreSQL, case events are append-only: a trigger rejects UPDATE and DELETE, whoever tries.

TRUNCATE stays possible: it is a schema-owner operation (test-database flushes use it).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION approvals_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'approvals_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER approvals_event_append_only
    BEFORE UPDATE OR DELETE ON approvals_event
    FOR EACH ROW EXECUTE FUNCTION approvals_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS approvals_event_append_only ON approvals_event;
DROP FUNCTION IF EXISTS approvals_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # the body contains a literal %


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
