import pytest

from tests.approvals import helpers


@pytest.fixture
def demo_catalog(db):
    """The demo hall and its ~40-item catalog, loaded through the regular import."""
    helpers.load_demo()
