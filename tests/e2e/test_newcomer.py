"""What a newcomer hit in the browser (issue 14, points 1, 6 and 8): the Chinese 404 page, where staff
land, the developers' footer link, a filing form that starts from the account's verified identity, the
progress answer first on a phone with timestamps kept whole, and no favicon 404 on admin pages."""

from tests.approvals.helpers import demo_people, submitted_case


def test_a_phone_user_reads_the_answer_first_with_whole_timestamps(browser, live_server, demo, open_as):
    case = submitted_case(demo_people())
    applicant = open_as("applicant", width=390, height=844)
    assert applicant.url.endswith("/my/cases/")  # applicants land on 我的办件 (point 6)
    nav = applicant.locator("nav.nav")
    assert nav.locator("text=开放接口").count() == 0 and applicant.locator("footer a[href='/api/docs/']").count() == 1

    applicant.goto(f"{live_server.url}/apply/ZRZYJ-XK-0005/")
    assert applicant.input_value("[name=applicant_name]") == "张伟"
    assert applicant.input_value("[name=applicant_id_number]") == "11010519491231002X"

    applicant.goto(f"{live_server.url}/progress/")
    applicant.fill("[name=number]", case.number)
    applicant.fill("[name=query_code]", case.query_code)
    applicant.click("form[action='/progress/'] button[type=submit]")
    applicant.wait_for_load_state()
    result = applicant.locator(".progress-result").bounding_box()
    form = applicant.locator("form[action='/progress/']").bounding_box()
    assert result["y"] < form["y"] and result["y"] < 844, (result, form)  # the answer above the fold
    times = applicant.locator(".progress-result time")
    assert times.count() >= 2
    for index in range(times.count()):  # each timestamp on one line: one client rect, white-space nowrap
        element = times.nth(index)
        assert element.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        assert element.evaluate("e => e.getClientRects().length") == 1

    applicant.goto(f"{live_server.url}/no-such-page/")
    assert "页面不存在" in applicant.inner_text("main") and applicant.locator("main a[href='/my/cases/']").count()


def test_staff_land_on_their_desk_and_admin_pages_ask_for_no_missing_icon(open_as):
    supervisor = open_as("supervisor")
    assert supervisor.url.endswith("/supervision/")
    admin = open_as("catalog_admin")
    missing = []
    admin.on("response", lambda response: response.status == 404 and missing.append(response.url))
    admin.goto(f"{open_as.url}/admin/")
    admin.wait_for_load_state("networkidle")
    assert missing == []
    assert admin.request.get(f"{open_as.url}/favicon.ico").ok
