"""``hall_chain_barrier(table)``: the daily digest's barrier (``hall.digest``) as a SECURITY DEFINER
function, so that the application role — which does not own the chained tables and has no UPDATE,
DELETE or TRUNCATE privilege on them — can still take ``LOCK TABLE … IN SHARE MODE`` on exactly
those three tables, and nothing else (docs/operations.md, "Database roles")."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION hall_chain_barrier(target regclass) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    upto bigint;
BEGIN
    IF target::text NOT IN ('approvals_event', 'hall_auditentry', 'fees_payment') THEN
        RAISE EXCEPTION 'hall_chain_barrier: % is not a chained table', target;
    END IF;
    EXECUTE format('LOCK TABLE %s IN SHARE MODE', target);
    EXECUTE format('SELECT coalesce(max(id), 0) FROM %s', target) INTO upto;
    RETURN upto;
END;
$$;
"""
DROP = "DROP FUNCTION IF EXISTS hall_chain_barrier(regclass);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # the body contains literal %


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("hall", "0005_chain_existing_audit_entries")]

    operations = [migrations.RunPython(forwards, backwards)]
