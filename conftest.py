"""Root test set-up that must hold for every test directory.

Events, audit entries and payments refuse TRUNCATE on PostgreSQL (``hall.chain``, issue 12 point 6),
and the flush after each ``transactional_db`` test is a TRUNCATE of every table. The test database
user is a superuser, so the flush runs with ``session_replication_role = replica`` (triggers off
for that one transaction) — the same switch an attacker would need superuser rights for, and which
``verify_audit`` exists to catch.
"""

from django.db.backends.postgresql.operations import DatabaseOperations

_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_past_the_truncate_guards(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    statements = _sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements


DatabaseOperations.sql_flush = _sql_flush_past_the_truncate_guards
