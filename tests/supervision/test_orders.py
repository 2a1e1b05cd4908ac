"""督办 (issue 13, point 5): a supervisor orders a department to answer within N working days; the
department answers; the supervisor closes it or sends it back; an order past its due escalates to
level 2 in the deadline scan and the department's head is told. Everything audited."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from hall.models import AuditEntry, Notification
from supervision.models import Order
from supervision.scan import scan_deadlines
from tests.approvals.helpers import at, end_of, frozen
from tests.supervision.test_scan import submitted_on_september_30

URL = "/api/v1/supervision/orders"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def warned(people):
    """An application left unanswered since 09-30: a 受理超期 red card on 10-14."""
    case = submitted_on_september_30(people)
    scan_deadlines(at(2026, 10, 14, 9))
    return case, case.warnings.get(kind="accept")


def issue(people, warned, **extra):
    case, warning = warned
    body = {"warning_id": warning.pk, "department_code": case.department.code,
            "text": "请说明未按时受理的原因并立即整改", "due_days": 2, **extra}  # fmt: skip
    with frozen(at(2026, 10, 14, 10)):
        return api(people.supervisor).post(URL, body, format="json")


def test_the_order_lifecycle_issue_answer_return_answer_close(people, warned):
    case, _ = warned
    created = issue(people, warned)
    assert created.status_code == 201, created.content
    order = created.json()
    assert (order["state"], order["level"], order["case_number"]) == ("open", 1, case.number)
    assert order["due"] == "2026-10-16T23:59:59+08:00"  # 2 working days after 10-14
    assert Notification.objects.filter(user=people.clerk, kind="order").exists()
    assert Notification.objects.filter(user=people.approver, kind="order").exists()

    act = f"{URL}/{order['id']}"
    answer = {"text": "已于当日受理，并对窗口人员进行了提醒"}
    answered = api(people.clerk).post(f"{act}/response", answer, format="json")
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    assert Notification.objects.filter(user=people.supervisor, kind="order_answered").exists()
    returned = api(people.supervisor).post(f"{act}/return", {"reason": "请附整改措施"}, format="json")
    assert returned.status_code == 200 and returned.json()["state"] == "open"
    api(people.clerk).post(f"{act}/response", {"text": "整改措施：每日下班前清查待受理件"}, format="json")
    closed = api(people.supervisor).post(f"{act}/close", {}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    actions = set(AuditEntry.objects.filter(target=f"order {order['id']}").values_list("action", flat=True))
    assert actions == {"supervision.issue_order", "supervision.answer_order", "supervision.return_order",
                       "supervision.close_order"}  # fmt: skip


def test_an_order_past_its_due_escalates_in_the_scan(people, warned):
    order_id = issue(people, warned).json()["id"]
    call_command("scan_deadlines", at="2026-10-16T23:00:00+08:00")
    assert Order.objects.get(pk=order_id).level == 1
    call_command("scan_deadlines", at="2026-10-19T09:00:00+08:00")
    order = Order.objects.get(pk=order_id)
    assert (order.level, order.escalated_at) == (2, at(2026, 10, 19, 9))
    assert order.due == end_of(2026, 10, 16)
    assert Notification.objects.filter(user=people.approver, kind="order_escalated").count() == 1
    call_command("scan_deadlines", at="2026-10-20T09:00:00+08:00")  # once only
    assert Notification.objects.filter(user=people.approver, kind="order_escalated").count() == 1


def test_who_may_do_what_with_orders(people, warned):
    order_id = issue(people, warned).json()["id"]
    act = f"{URL}/{order_id}"
    for username in ("applicant", "clerk", "approver", "clerk2"):
        assert issue(people, warned).status_code == 201  # sanity: the supervisor may
        body = {"department_code": "ZRZYJ", "text": "x", "due_days": 1}
        assert api(getattr(people, username)).post(URL, body, format="json").status_code == 403, username
    # the supervisor does not answer; another department's clerk does not see it; applicants neither
    assert api(people.supervisor).post(f"{act}/response", {"text": "x"}, format="json").status_code == 403
    assert api(people.clerk2).post(f"{act}/response", {"text": "x"}, format="json").status_code == 404
    assert api(people.applicant).post(f"{act}/response", {"text": "x"}, format="json").status_code == 404
    assert api(people.clerk).post(f"{act}/close", {}, format="json").status_code == 403
    assert api(people.clerk2).get(URL).json()["results"] == []
    assert len(api(people.clerk).get(URL).json()["results"]) >= 1
    assert api(people.clerk).post(f"{act}/fly", {}, format="json").status_code == 404
    assert api(people.applicant).get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401


def test_bad_orders_are_400_naming_the_field(people, warned):
    assert "due_days" in issue(people, warned, due_days=0).json()["fields"]
    assert "department_code" in issue(people, warned, department_code="NOPE").json()["fields"]
    assert "case_number" in issue(people, warned, warning_id=None, case_number="NO-SUCH").json()["fields"]
    order_id = issue(people, warned).json()["id"]
    closing_too_early = api(people.supervisor).post(f"{URL}/{order_id}/close", {}, format="json")
    assert closing_too_early.status_code == 409


def test_the_pages_issue_answer_and_close_an_order(people, warned, client):
    """The browser path: the supervisor issues from the case page's link, the clerk sees 督办 with a
    count on every page and answers, the supervisor closes it."""
    case, _ = warned
    client.force_login(people.supervisor)
    case_page = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert f"/supervision/orders/?case={case.number}&amp;department={case.department.code}" in case_page
    form = client.get(f"/supervision/orders/?case={case.number}&department={case.department.code}")
    assert f'value="{case.number}"' in form.content.decode()
    refused = client.post("/supervision/orders/", {"department_code": case.department.code, "text": "", "due_days": 2})
    assert refused.status_code == 400 and "请写明督办内容。" in refused.content.decode()
    sent = client.post("/supervision/orders/", {"department_code": case.department.code, "case_number": case.number,
                                                "text": "请当日受理并说明原因", "due_days": 2})  # fmt: skip
    assert sent.status_code == 302
    order = Order.objects.get()

    client.force_login(people.clerk)
    home = client.get("/workbench/").content.decode()
    assert 'id="nav-orders"' in home and '督办<span class="count">1</span>' in home
    assert "请当日受理并说明原因" in client.get("/supervision/department-orders/").content.decode()
    assert client.post(f"/supervision/department-orders/{order.pk}/answer/", {"text": "已受理"}).status_code == 302
    assert 'id="nav-orders"' not in client.get("/workbench/").content.decode()
    assert client.get("/supervision/orders/").status_code == 403

    client.force_login(people.supervisor)
    assert client.post(f"/supervision/orders/{order.pk}/close/").status_code == 302
    assert Order.objects.get().state == "closed"
    client.force_login(people.applicant)
    assert client.get("/supervision/department-orders/").status_code == 403


@pytest.mark.parametrize("path", ["/supervision/orders/", "/supervision/department-orders/"])
def test_the_order_pages_run_in_constant_queries(people, warned, client, path, django_assert_max_num_queries):
    for _ in range(3):
        issue(people, warned)
    client.force_login(people.supervisor if path == "/supervision/orders/" else people.clerk)
    client.get(path)
    for _ in range(7):
        issue(people, warned)
    with django_assert_max_num_queries(12):
        response = client.get(path)
    assert response.status_code == 200 and response.content.decode().count("请说明未按时受理的原因") == 10


def test_the_case_page_shows_its_monitoring_record(people, warned, client):
    """Issue 13, point 2: the read-only case page has the case's warnings history and its orders."""
    case, _ = warned
    issue(people, warned)
    client.force_login(people.supervisor)
    page = client.get(f"/workbench/cases/{case.number}/").content.decode()
    record = page[page.index('id="monitoring"') :]
    assert "受理超期" in record and "未解除" in record and "红牌" in record
    assert "待答复" in record and "请说明未按时受理的原因" in record
    client.force_login(people.clerk)  # the department sees its red cards and orders too
    assert 'id="monitoring"' in client.get(f"/workbench/cases/{case.number}/").content.decode()


@pytest.mark.parametrize("path", ["/supervision/orders/", "/supervision/department-orders/", URL])
def test_the_order_lists_do_not_grow_with_the_orders(people, warned, client, path):
    """Issue 22: both pages and the API list, 2 orders then 8, not more statements."""
    from tests.querycount import assert_flat

    user = people.supervisor if path == "/supervision/orders/" else people.clerk
    for _ in range(2):
        issue(people, warned)
    if path == URL:
        caller = api(user)
        call, rows = (lambda: caller.get(URL).json()), (lambda body: len(body["results"]))
    else:
        client.force_login(user)
        call = lambda: client.get(path).content.decode()  # noqa: E731
        rows = lambda html: html.count("请说明未按时受理的原因")  # noqa: E731
    assert_flat(call, lambda: [issue(people, warned) for _ in range(6)], rows)
