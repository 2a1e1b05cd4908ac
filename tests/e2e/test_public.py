"""The public side in a real browser: the hall's home page, the item directory and a guide."""

from tests.e2e.conftest import shot


def test_citizen_finds_the_food_licence_and_reads_its_guide(browser, live_server, demo):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + "/")
    shot(page, "home")
    page.fill("input[name=q]", "食品")
    page.click("form[role=search] button")
    page.wait_for_load_state()
    assert "食品经营许可" in page.content()
    shot(page, "catalog-search")
    page.click("text=食品经营许可（新办）")
    page.wait_for_load_state()
    assert page.locator("svg[role=img]").count() >= 1
    assert "一次性告知单" in page.content()
    shot(page, "catalog-item")
    page.close()


def test_pages_load_no_blocked_resources(browser, live_server, demo):
    """CSP allows everything the pages use: no console errors, no failed requests."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("requestfailed", lambda request: errors.append(request.url))
    for path in ("/", "/items/", "/items/SCJGJ-XK-0003/", "/accounts/login/", "/api/docs/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert errors == []
    page.close()


def test_phone_layout_of_the_guide(browser, live_server, demo):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(live_server.url + "/items/SCJGJ-XK-0003/")
    shot(page, "catalog-item-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.close()
