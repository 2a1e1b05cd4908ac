"""The supervisor's dashboard (电子监察 · 实时监察, ``/supervision/``): who may open it, the figures
as a scan left them, the open warnings' filters and pages, and a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from approvals import services
from hall import services as hall_services
from supervision.models import Warning
from supervision.scan import scan_deadlines
from supervision.views import PAGE_SIZE
from tests.approvals import helpers
from tests.approvals.helpers import at, frozen
from tests.supervision.test_scan import clone, submitted_on_september_30, under_review_from_october_8

URL = "/supervision/"
LIST = "/supervision/warnings/"
NOW = at(2026, 10, 14, 10)  # the page is read an hour after the 09:00 scan


def page_as(user, query: str = "", *, when=NOW, url=URL):
    """The page as ``user`` sees it at ``when`` (logged in at that instant, so the session is fresh)."""
    with frozen(when):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(f"{url}{query}")


def list_as(user, query: str = "", *, when=NOW):
    return page_as(user, query, when=when, url=LIST)


def text(response) -> str:
    return response.content.decode()


def figure(response, name: str) -> int:
    return int(re.search(rf'id="fig-{name}"><a href="[^"]+">(\d+)<', text(response))[1])


def figure_link(response, name: str) -> str:
    return re.search(rf'id="fig-{name}"><a href="([^"]+)">', text(response))[1].replace("&amp;", "&")


def listed(response) -> list[tuple[str, str]]:
    """(case number, card label) of each row of the warning list, in order."""
    body = text(response)
    if 'id="warning-list"' not in body:
        return []
    table = body[body.index('id="warning-list"') :]
    table = table[: table.index("</table>")]
    # the number links to the read-only case page
    row = r'<td class="code nowrap"><a href="[^"]+">([^<]+)</a></td>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>'
    return re.findall(row, table)


@pytest.fixture
def late(people):
    """Scanned on 2026-10-14 09:00 (the 13th at 09:00 too):

    - an incomplete application submitted 09-30, never answered: 受理超期 + 补正告知超期 (art. 32);
    - a case under review whose decision was due 10-13: 办结超期 (art. 42), its yellow resolved;
    - a case accepted 10-08, due 10-14: in the last fifth of its period, 办结预警 (yellow);
    - a market-regulation (SCJGJ) application submitted 09-30, complete, never accepted: 受理超期."""
    submitted = submitted_on_september_30(people, complete=False)
    reviewed = under_review_from_october_8(people)
    with frozen(at(2026, 10, 8, 9)):
        accepted = helpers.submitted_case(people)
        accepted = services.accept_application(case_id=accepted.pk, by=people.clerk)
    elsewhere = submitted_on_september_30(people, code="SCJGJ-XK-0001")
    scan_deadlines(at(2026, 10, 13, 9))
    scan_deadlines(at(2026, 10, 14, 9))
    return {"submitted": submitted, "reviewed": reviewed, "accepted": accepted, "elsewhere": elsewhere}


# --- who may open it ----------------------------------------------------------------------------


def test_the_supervisor_opens_the_dashboard_from_the_navigation(people):
    response = page_as(people.supervisor)
    assert response.status_code == 200
    assert "电子监察 · 实时监察" in text(response)
    assert f'<a href="{reverse("supervision:dashboard")}">电子监察</a>' in text(response)
    assert response["Cache-Control"].startswith("private")


@pytest.mark.parametrize("username", ["applicant", "clerk", "approver", "cashier", "catalog_admin"])
def test_other_roles_are_refused_with_403(people, username):
    response = page_as(getattr(people, username))
    assert response.status_code == 403
    assert "无权访问" in text(response)
    assert "fig-open-cases" not in text(response)


def test_anonymous_users_are_sent_to_the_login_page(db):
    response = page_as(None)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


# --- the figures --------------------------------------------------------------------------------


def test_the_figures_are_those_of_the_scan(people, late):
    response = page_as(people.supervisor)
    assert response.status_code == 200

    open_warnings = Warning.objects.filter(resolved_at__isnull=True)
    assert figure(response, "open-cases") == 4
    assert figure(response, "overdue") == 3  # the two unanswered receipts and the late decision
    assert figure(response, "due-today") == 1  # the case accepted 10-08: due 10-14 23:59:59
    assert figure(response, "due-soon") == 1  # within 3 working days: the same one (today included)
    assert figure(response, "yellow") == open_warnings.filter(level="yellow").count() == 1
    assert figure(response, "red") == open_warnings.filter(level="red").count() == 4

    body = text(response)
    by_state = body[body.index('id="by-state"') :]
    assert re.search(r'已提交</span></td><td class="num"><a href="/supervision/cases/\?state=submitted">2<', by_state)
    assert re.search(r'已受理</span></td><td class="num"><a href="[^"]+">1<', by_state)
    assert re.search(r'审查中</span></td><td class="num"><a href="[^"]+">1<', by_state)
    assert re.search(
        r'办结预警 <span class="badge card-yellow">黄牌</span></td><td class="num"><a href="[^"]+">1<', body
    )
    assert re.search(
        r'受理超期 <span class="badge card-red">红牌</span></td><td class="num">'
        r'<a href="/supervision/warnings/\?kind=accept&amp;level=red">2<',
        body,
    )


def test_each_department_has_its_row_and_red_ones_stand_out(people, late):
    body = text(page_as(people.supervisor))
    table = body[body.index('id="departments"') : body.index("</table>", body.index('id="departments"'))]
    zrzyj, scjgj = late["submitted"].department.name, late["elsewhere"].department.name
    rows = re.findall(
        r'<tr( class="has-red")?><th scope="row">([^<]+)</th>'
        r'((?:<td class="num[^"]*"><a href="[^"]+">\d+</a></td>)+)</tr>',
        table,
    )
    figures = {name: (bool(red), [int(n) for n in re.findall(r">(\d+)</a>", cells)]) for red, name, cells in rows}
    assert figures == {zrzyj: (True, [3, 2, 1, 3]), scjgj: (True, [1, 1, 0, 1])}


def test_a_scheduler_silent_for_five_minutes_is_a_red_alarm_on_the_dashboard(people):
    """Issue 13, point 1: the heartbeat is a supervision alarm, not only /healthz."""
    never = text(page_as(people.supervisor))
    assert "尚无扫描记录" in never and 'id="scheduler-alarm"' in never  # no scan ever: the alarm too

    with frozen(NOW):
        hall_services.record_heartbeat("scan_deadlines")
    fresh = text(page_as(people.supervisor, when=NOW + timedelta(minutes=5)))
    assert "最近一次扫描：" in fresh and "2026-10-14 10:00:00" in fresh
    assert 'id="scheduler-alarm"' not in fresh

    stale = text(page_as(people.supervisor, when=NOW + timedelta(minutes=5, seconds=1)))
    assert 'id="scheduler-alarm"' in stale and "监察告警：定时扫描已停止" in stale
    assert "最后一次扫描在" in stale


# --- the warning list ---------------------------------------------------------------------------


def test_open_warnings_are_listed_newest_first_with_their_case_and_card(people, late):
    response = list_as(people.supervisor)
    rows = listed(response)
    assert sorted(rows) == sorted([
        (late["submitted"].number, "受理超期"), (late["submitted"].number, "补正告知超期"),
        (late["reviewed"].number, "办结超期"), (late["accepted"].number, "办结预警"),
        (late["elsewhere"].number, "受理超期"),
    ])  # fmt: skip
    newest = list(Warning.objects.filter(resolved_at__isnull=True).order_by("-raised_at", "-id"))
    assert [r[0] for r in rows] == [w.application.number for w in newest]
    body = text(response)
    assert "2026-10-13 23:59" in body and "2026-10-14 09:00" in body  # due instant, raised at
    # each number opens the case page, read-only for supervisors (issue 11, point 6)
    assert reverse("approvals:work_case", args=[late["submitted"].number]) in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?level=yellow", {("accepted", "办结预警")}),
        ("?kind=accept", {("submitted", "受理超期"), ("elsewhere", "受理超期")}),
        ("?kind=decision&level=red", {("reviewed", "办结超期")}),
        ("?department=SCJGJ", {("elsewhere", "受理超期")}),
        ("?department=SCJGJ&level=yellow", set()),
        ("?kind=&level=&department=", None),  # the empty form: everything
    ],
)
def test_filters_by_kind_level_and_department(people, late, query, expected):
    response = list_as(people.supervisor, query)
    assert response.status_code == 200
    numbers = {case.number: name for name, case in late.items()}
    rows = [(numbers[number], label) for number, label in listed(response)]
    if expected is None:
        assert len(rows) == 5
    else:
        assert set(rows) == expected
    if expected == set():
        assert "没有符合条件的预警" in text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?kind=overdue", "没有这种预警类型"),
        ("?level=green", "预警级别只能是黄牌或红牌"),
        ("?department=NOPE", "没有这个部门"),
        ("?before=yesterday", "翻页位置无效"),
        ("?after=1_2_3", "翻页位置无效"),
        ("?before=99999999999999999999_1", "翻页位置无效"),
        ("?kind=%FF%3Cscript%3E", "没有这种预警类型"),
        ("?department=" + "X" * 500, "没有这个部门"),
    ],
)
def test_bad_filter_values_are_told_on_the_form_not_a_500(people, late, query, message):
    response = list_as(people.supervisor, query)
    assert response.status_code == 400
    body = text(response)
    assert message in body
    assert "请更正筛选条件后再查询" in body


def test_pages_of_fifty_follow_each_other_by_cursor(people):
    """The original is complete (one 受理超期); its 60 clones carry no materials, so each also has a
    补正告知超期: 1 + 60 × 2 = 121 open warnings, three pages of at most 50."""
    clone([submitted_on_september_30(people)], 60)
    scan_deadlines(at(2026, 10, 14, 9))
    assert Warning.objects.count() == 121

    seen, pages, query = [], 0, "?level=red"
    while True:
        response = list_as(people.supervisor, query)
        rows = listed(response)
        seen += rows
        pages += 1
        assert len(rows) == (PAGE_SIZE if pages < 3 else 21)
        following = re.search(r'href="\?([^"#]+)#warnings" rel="next"', text(response))
        if not following:
            break
        query = "?" + following[1].replace("&amp;", "&")
        assert "level=red" in query and "before=" in query  # the filters stay
    assert pages == 3
    assert len(seen) == len(set(seen)) == 121

    # Back from the last page: "上一页" gives the 50 before it, as they were listed.
    previous = re.search(r'href="\?([^"#]+)#warnings" rel="prev"', text(response))[1].replace("&amp;", "&")
    assert listed(list_as(people.supervisor, "?" + previous)) == seen[50:100]
    assert "回到第一页" in text(response)


def test_the_page_takes_the_same_number_of_queries_at_any_size(people, django_assert_max_num_queries):
    """Session, user, roles, the aggregates (cases, warnings, departments, received and finished per
    day, slowest items), the heartbeat, the unread count of the header — and for the list one page:
    the same whether there are 3 or 61 cases."""

    def queries(url=URL) -> int:
        with frozen(NOW):
            client = Client()
            client.force_login(people.supervisor)
            with django_assert_max_num_queries(12) as captured:
                assert client.get(url).status_code == 200
        return len(captured)

    clone([submitted_on_september_30(people)], 2)
    scan_deadlines(at(2026, 10, 14, 9))
    small = queries(), queries(LIST), queries("/supervision/cases/")
    clone([submitted_on_september_30(people)], 58)
    under_review_from_october_8(people)
    scan_deadlines(at(2026, 10, 14, 9))
    assert Warning.objects.filter(resolved_at__isnull=True).count() > PAGE_SIZE
    assert (queries(), queries(LIST), queries("/supervision/cases/")) == small


def test_the_home_page_promises_only_what_exists_and_links_to_it(people, client):
    """Issue 13, point 7: nothing promised before it is built (取号叫号 and 绩效评估 now are: issues 20, 19);
    each card links to its page."""
    page = client.get("/").content.decode()
    for missing in ("督办",):
        assert missing not in page, missing
    client.force_login(people.supervisor)
    assert 'href="/supervision/"' in client.get("/").content.decode()
    client.force_login(people.clerk)
    assert 'href="/workbench/"' in client.get("/").content.decode()


def test_each_warning_links_to_the_read_only_case_page(people):
    case = submitted_on_september_30(people)
    scan_deadlines(at(2026, 10, 14, 9))
    assert f'href="/workbench/cases/{case.number}/"' in text(list_as(people.supervisor))
    with frozen(NOW):
        client = Client()
        client.force_login(people.supervisor)
        assert client.get(f"/workbench/cases/{case.number}/").status_code == 200
