"""The dashboard's charts and the lists behind its numbers (issue 13, points 1 and 2): received and
finished per day, the slowest items, the heatmap, the refresh, every number leading to its list, the
warnings list's open/resolved and date filters, the cases list."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client

from approvals import services
from hall import services as hall_services
from supervision.models import Warning
from tests.approvals import helpers
from tests.approvals.helpers import at, frozen
from tests.supervision.test_dashboard import NOW, figure, figure_link, list_as, page_as, text
from tests.supervision.test_dashboard import late as late  # the fixture

CASES = "/supervision/cases/"


def chart_data(response) -> dict:
    script = re.search(r'<script id="dash-data" type="application/json">(.*?)</script>', text(response), re.S)
    return json.loads(script[1])


def case_rows(response) -> list[str]:
    body = text(response)
    if 'id="case-list"' not in body:
        return []
    table = body[body.index('id="case-list"') : body.index("</table>", body.index('id="case-list"'))]
    return re.findall(r'<td class="code nowrap"><a href="/workbench/cases/([^/]+)/">', table)


def get(user, url, *, when=NOW):
    with frozen(when):
        client = Client()
        client.force_login(user)
        return client.get(url)


@pytest.fixture
def decided_in_four_days(people):
    """Submitted and accepted Monday 2026-10-12, approved Friday 10-16: 4 working days used."""
    with frozen(at(2026, 10, 12, 9)):
        case = helpers.submitted_case(people)
    with frozen(at(2026, 10, 12, 10)):
        case = services.accept_application(case_id=case.pk, by=people.clerk)
        case = services.start_review(case_id=case.pk, by=people.reviewer)
        case = helpers.recommended(case, people)
    with frozen(at(2026, 10, 16, 15)):
        return services.approve_application(case_id=case.pk, by=people.approver, reason="符合条件")


def test_a_decision_stores_the_working_days_it_used(people, decided_in_four_days):
    assert decided_in_four_days.working_days_used == 4


def test_cases_received_and_finished_per_day_over_30_days(people, decided_in_four_days):
    when = at(2026, 10, 20, 10)
    response = page_as(people.supervisor, when=when)
    flow = {day["day"]: day for day in chart_data(response)["flow"]}
    assert len(flow) == 30 and min(flow) == "2026-09-21" and max(flow) == "2026-10-20"
    assert flow["2026-10-12"]["received"] == 1 and flow["2026-10-12"]["finished"] == 0
    assert flow["2026-10-16"]["finished"] == 1
    assert sum(day["received"] for day in flow.values()) == 1
    # the day's number in the table opens the cases received that day
    link = re.search(r'<a href="(/supervision/cases/\?received=2026-10-12)">1</a>', text(response))[1]
    assert case_rows(get(people.supervisor, link, when=when)) == [decided_in_four_days.number]
    assert case_rows(get(people.supervisor, f"{CASES}?finished=2026-10-16", when=when)) == [decided_in_four_days.number]
    assert case_rows(get(people.supervisor, f"{CASES}?finished=2026-10-15", when=when)) == []


def test_the_slowest_items_compare_working_days_used_with_the_committed_limit(people, decided_in_four_days):
    when = at(2026, 10, 20, 10)
    response = page_as(people.supervisor, when=when)
    committed = decided_in_four_days.decision_days
    [item] = chart_data(response)["slowest"]
    assert item["code"] == decided_in_four_days.item.code
    assert (item["cases"], item["used"], item["committed"]) == (1, 4, committed)
    assert item["share"] == round(400 / committed)
    # the item's name opens its decisions since the first day shown
    assert item["url"] == f"{CASES}?item={item['code']}&finished_from=2026-09-21"
    assert case_rows(get(people.supervisor, item["url"], when=when)) == [decided_in_four_days.number]
    # 40 days later the decision is out of the window
    assert chart_data(page_as(people.supervisor, when=when + timedelta(days=40)))["slowest"] == []


def test_every_number_leads_to_the_list_behind_it(people, late):
    response = page_as(people.supervisor)
    for name in ("open-cases", "overdue", "due-today", "due-soon"):
        rows = case_rows(get(people.supervisor, figure_link(response, name)))
        assert len(rows) == figure(response, name), name
    assert set(case_rows(get(people.supervisor, figure_link(response, "overdue")))) == {
        late["submitted"].number,
        late["elsewhere"].number,
        late["reviewed"].number,
    }
    for name in ("yellow", "red"):
        listed = text(get(people.supervisor, figure_link(response, name)))
        assert listed.count('<tr class="level-') == figure(response, name), name


def test_the_heatmap_table_counts_open_cards_per_department_and_kind(people, late):
    response = page_as(people.supervisor)
    body = text(response)
    table = body[body.index('id="heatmap"') : body.index("</table>", body.index('id="heatmap"'))]
    department = late["elsewhere"].department
    cell = re.search(r'href="(/supervision/warnings/\?department=SCJGJ&amp;kind=accept&amp;level=red)"[^>]*>1<', table)
    assert cell, table
    listed = text(list_as(people.supervisor, "?" + cell[1].split("?")[1].replace("&amp;", "&")))
    assert late["elsewhere"].number in listed and late["submitted"].number not in listed
    data = chart_data(response)
    row = next(d for d in data["departments"] if d["code"] == department.code)
    assert row["cards"] == {"accept_red": 1}
    assert row["states"] == {"submitted": 1}


def test_the_page_refreshes_its_body_without_a_reload(people, late):
    page = text(page_as(people.supervisor))
    assert 'data-refresh="45"' in page and "?partial=1" in page
    assert "vendor/echarts/echarts.min.js" in page and "cdn" not in page.lower()
    partial = page_as(people.supervisor, "?partial=1")
    assert partial.status_code == 200
    body = text(partial)
    assert "<html" not in body and 'id="fig-open-cases"' in body and 'id="dash-data"' in body
    assert '更新于 <time id="updated-at"' in body and ">10:00:00</time>" in body


def test_the_summary_api_carries_the_scheduler_alarm(people):
    with frozen(NOW):
        hall_services.record_heartbeat("scan_deadlines")
    fresh = get(people.supervisor, "/api/v1/supervision/summary", when=NOW + timedelta(minutes=1)).json()
    assert fresh["alarms"] == []
    stale = get(people.supervisor, "/api/v1/supervision/summary", when=NOW + timedelta(minutes=6)).json()
    assert [alarm["kind"] for alarm in stale["alarms"]] == ["scheduler_stopped"]
    assert stale["alarms"][0]["since"].startswith("2026-10-14T10:00:00")


# --- the warnings list: open or resolved, raised between two days ---------------------------------


def numbers(response) -> set[str]:
    return set(re.findall(r'<td class="code nowrap"><a href="/workbench/cases/([^/]+)/">', text(response)))


def test_resolved_warnings_and_a_date_range(people, late):
    resolved = Warning.objects.filter(resolved_at__isnull=False)
    assert resolved.exists()
    assert numbers(list_as(people.supervisor, "?open=false")) == {w.application.number for w in resolved}
    everything = list_as(people.supervisor, "?open=all")
    assert text(everything).count('<tr class="level-') == Warning.objects.count()
    assert "未解除" in text(everything)

    raised_14th = Warning.objects.filter(raised_at__date__gte="2026-10-14")
    on_14th = list_as(people.supervisor, "?open=all&from=2026-10-14&to=2026-10-14")
    assert text(on_14th).count('<tr class="level-') == raised_14th.count()
    assert text(list_as(people.supervisor, "?open=all&from=2026-10-15")).count('<tr class="level-') == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-10-15&to=2026-10-14", "结束日期不能早于开始日期"),
        ("?from=14.10.2026", "请按 YYYY-MM-DD 填写日期"),
        ("?open=maybe", "状态只能是未解除、已解除或全部"),
    ],
)
def test_bad_dates_and_states_are_told_on_the_form(people, late, query, message):
    response = list_as(people.supervisor, query)
    assert response.status_code == 400
    assert message in text(response)


def test_the_api_filters_by_the_same_range(people, late):
    response = get(people.supervisor, "/api/v1/supervision/warnings?open=all&from=2026-10-14&to=2026-10-14")
    assert response.status_code == 200
    assert len(response.json()["results"]) == Warning.objects.filter(raised_at__date__gte="2026-10-14").count()
    bad = get(people.supervisor, "/api/v1/supervision/warnings?from=2026-10-15&to=2026-10-14")
    assert bad.status_code == 400 and "to" in bad.json()["fields"]


# --- the cases list --------------------------------------------------------------------------------


def test_the_cases_list_filters_by_department_state_and_due(people, late):
    scjgj = case_rows(get(people.supervisor, f"{CASES}?department=SCJGJ"))
    assert scjgj == [late["elsewhere"].number]
    assert case_rows(get(people.supervisor, f"{CASES}?state=under_review")) == [late["reviewed"].number]
    assert case_rows(get(people.supervisor, f"{CASES}?due=today")) == [late["accepted"].number]
    # open cases by their deadline, the earliest first
    assert case_rows(get(people.supervisor, CASES))[-1] == late["accepted"].number


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?due=later", "期限只能从列表中选择"),
        ("?state=draft", "没有这个在办状态"),
        ("?received=2026-13-01", "请按 YYYY-MM-DD 填写日期"),
        ("?received=2026-10-01&state=submitted", "不能再按在办状态或期限筛选"),
        ("?item=%3Cscript%3E", "事项编码只含字母、数字和连字符"),
        ("?department=NOPE", "没有这个部门"),
    ],
)
def test_bad_case_filters_are_told_on_the_form(people, late, query, message):
    response = get(people.supervisor, CASES + query)
    assert response.status_code == 400
    assert message in text(response)


@pytest.mark.parametrize("url", [CASES, "/supervision/warnings/", "/supervision/?partial=1"])
def test_the_lists_are_for_supervisors_only(people, url):
    for username in ("clerk", "approver", "applicant"):
        assert get(getattr(people, username), url).status_code == 403
    assert Client().get(url).status_code == 302
