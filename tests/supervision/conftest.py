"""Fixtures of the supervision tests: the demo hall once per module, cases built through the services."""

import pytest

from tests.approvals import helpers


@pytest.fixture
def people(demo, db, settings, tmp_path):
    """The demo users by username (the clock is not frozen: tests freeze the instants they need)."""
    settings.MEDIA_ROOT = tmp_path
    return helpers.demo_people()
