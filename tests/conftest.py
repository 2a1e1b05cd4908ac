"""Test set-up shared by every app's tests.

PostgreSQL and Redis are used when ``DATABASE_URL``/``REDIS_URL`` point at them (scripts/test.sh sets
them when the servers are reachable, and always under CI=true). A test marked ``postgres`` or
``redis`` is skipped with its reason locally without them, and fails under ``CI=true``.
"""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from hall import calendar

# Tests render templates without running collectstatic first.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Celery tasks run in the test process when dispatched (the outbox's doorbell rings the real task code):
# no broker round trip. The outage tests turn this off to use a real broker.
from hall.celery import app as celery_app  # noqa: E402

celery_app.conf.task_always_eager = True

# Password hashing dominates fixture time; tests do not need PBKDF2's cost.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

IN_CI = os.environ.get("CI") == "true"


def _redis_available() -> str | None:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis at {settings.REDIS_URL} is unreachable: {exc}"
    return None


def pytest_runtest_setup(item):
    missing = []
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing.append(f"needs PostgreSQL (database is {connection.vendor}; set DATABASE_URL)")
    if item.get_closest_marker("redis") and (reason := _redis_available()):
        missing.append(f"needs Redis ({reason})")
    if missing:
        if IN_CI:
            pytest.fail("; ".join(missing) + " — required under CI=true", pytrace=False)
        pytest.skip("; ".join(missing))


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Throttle counters, axes, the calendar's loaded overrides and the outbox's broker pause never leak
    between tests; nor do the catalog API's cached answers."""
    from catalog import directory
    from hall import outbox

    directory.forget_answers()

    outbox._broker_down_until = 0.0
    cache.clear()
    calendar.invalidate(shared=False)
    yield
    calendar.invalidate(shared=False)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo hall and catalog, loaded once per test module and rolled back after it
    (``tests.approvals.helpers.demo_for_module``)."""
    from tests.approvals import helpers

    with helpers.demo_for_module(django_db_blocker):
        yield


@pytest.fixture
def people(demo, db, settings, tmp_path):
    """The demo users by username, on Wednesday 2026-09-30 10:00 (before 国庆), media in a temp dir."""
    from tests.approvals import helpers

    settings.MEDIA_ROOT = tmp_path
    with helpers.frozen(helpers.at(2026, 9, 30)):
        yield helpers.demo_people()
