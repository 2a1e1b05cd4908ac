#!/bin/sh
# First start of the postgres volume only: the application's login role. It owns nothing; the
# migrate service (as the owner, POSTGRES_USER) grants it what it needs after each migration
# (manage.py grant_app_role). docs/operations.md, "Database roles".
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="${APP_DB_PASSWORD:-hall_app}" <<'SQL'
CREATE ROLE hall_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
SQL
