import pytest

import catalog.demo
import hall.demo


@pytest.fixture
def demo_catalog(db):
    """The demo hall and its ~40-item catalog, loaded through the regular import."""
    hall.demo.seed(password="x" * 8, log=lambda message: None)
    catalog.demo.seed(password="x" * 8, log=lambda message: None)
