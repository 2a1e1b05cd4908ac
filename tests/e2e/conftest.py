"""Browser journeys: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

No browser download: ``/usr/bin/chromium`` from Debian (``make install`` installs it). Screenshots of
the main pages are written to docs/screenshots/ by the journeys themselves, each after the page passed
the accessibility check (``shot`` calls ``tests.e2e.a11y.assert_accessible``).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.approvals import helpers
from tests.e2e.a11y import assert_accessible

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "e2e-pass-123"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required for browser tests under CI=true (make install installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo hall and catalog (no demo cases: each journey makes its own), media in a temp dir."""
    settings.MEDIA_ROOT = tmp_path / "media"
    helpers.load_demo(password=PASSWORD)


@pytest.fixture
def open_as(browser, live_server, demo):
    """``open_as("clerk")`` → a logged-in page (its own browser context, like a separate person)."""
    contexts = []

    def login(username: str, *, width: int = 1366, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        return page

    login.url = live_server.url
    yield login
    for context in contexts:
        context.close()


def shot(page, name: str, *, accessible: bool = True) -> None:
    """The page's screenshot for the docs, after the accessibility check every journey page passes
    (``tests.e2e.a11y.assert_accessible``: axe-core, 0 serious or critical violations)."""
    if accessible:
        assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
