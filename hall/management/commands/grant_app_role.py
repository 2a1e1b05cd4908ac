"""``manage.py grant_app_role ROLE``: run as the table owner after ``migrate`` — the application role
may read and write every table except that events, audit entries and payments take INSERT and
SELECT only (no UPDATE, DELETE, TRUNCATE), and it owns nothing, so it cannot disable the triggers
that guard them (issue 12, point 6; docs/operations.md, "Database roles"). Idempotent."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

CHAINED = ("approvals_event", "hall_auditentry", "fees_payment")


class Command(BaseCommand):
    help = "Grant the application's PostgreSQL role what it needs, and no more, on the hall's tables."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the application's login role, e.g. hall_app")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise CommandError(f"role {role!r} does not exist: CREATE ROLE {role} LOGIN PASSWORD '…' first")
            quoted = connection.ops.quote_name(role)
            statements = [
                f"GRANT USAGE ON SCHEMA public TO {quoted}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(CHAINED)} FROM {quoted}, PUBLIC",
                f"GRANT EXECUTE ON FUNCTION hall_chain_barrier(regclass) TO {quoted}",
            ]
            with transaction.atomic():
                for sql in statements:
                    cursor.execute(sql)
            cursor.execute("SELECT current_user")
            owner = cursor.fetchone()[0]
        self.stdout.write(f"{role}: read/write on the hall's tables, insert-only on {', '.join(CHAINED)}; "
                          f"tables owned by {owner}")  # fmt: skip
