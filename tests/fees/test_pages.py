"""The staff fee pages as a browser sees them: the department assesses (核定收费), the cashier collects
at the single collection window (收费窗口, 一口收费), and the workbench case page shows the fees.

行政许可法 art. 58/59: only the item's published standards, fixed amounts × quantity, paid once in full.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import Application
from catalog import services as catalog_services
from catalog.models import FeeStandard, Item
from fees import services
from fees.models import Assessment, Payment
from hall.models import AuditEntry, Notification, User
from tests.approvals import helpers
from tests.approvals.helpers import at, case_in
from tests.fees.helpers import assessed_case, fee_case, standards

CASHIER = "/fees/cashier/"


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # A cache of this process only, so that query counts do not depend on other processes' caches.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fees"}}
    with helpers.frozen(at(2026, 9, 30)):
        yield helpers.demo_people()


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def assess_url(case: Application) -> str:
    return reverse("fees:assess", args=[case.number])


def row_of(page: str, standard: FeeStandard) -> str:
    """The table row of one fee standard: where its errors must appear."""
    match = re.search(rf'<tr id="standard-{standard.pk}".*?</tr>', page, re.S)
    assert match, f"no row for {standard.name}"
    return match.group(0)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def rule_based_case(people, state: str = "under_review") -> tuple[Application, FeeStandard]:
    """A case of ZRZYJ-QR-0004 after a revision that adds a standard charged by rule (amount_fen None)."""
    admin = User.objects.get(username="catalog_admin")
    draft = catalog_services.start_draft(item=Item.objects.get(code="ZRZYJ-QR-0004"), by=admin)
    FeeStandard.objects.create(
        version=draft, position=9, name="不动产测绘成果复核费", amount_fen=None, rule="按建筑面积每平方米 1 元计收",
        basis="《某省不动产测绘收费管理办法》第八条",
    )  # fmt: skip
    catalog_services.submit_for_review(version=draft, by=admin)
    catalog_services.publish_version(version=draft, by=admin, four_eyes=False)
    case = fee_case(people, state, code="ZRZYJ-QR-0004")
    return case, case.item_version.fees.get(amount_fen__isnull=True)


# --- 核定收费 -------------------------------------------------------------------------------------------


def test_the_clerk_sees_the_published_standards_as_a_form(people):
    case = fee_case(people)
    response = client_for(people.clerk).get(assess_url(case))
    assert response.status_code == 200
    page = html(response)
    for standard in standards(case):
        row = row_of(page, standard)
        assert standard.name in row and f'name="charge_{standard.pk}"' in row
        assert f'name="quantity_{standard.pk}"' in row
        assert "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》" in row
    assert "80.00 元" in page and "550.00 元" in page and "第五十九条" in page
    assert 'style="' not in page  # CSP: no inline styles


@pytest.mark.parametrize("who", ["reviewer", "cashier"])
def test_the_reviewer_and_the_cashier_of_the_department_may_assess_too(people, who):
    case = fee_case(people)
    assert client_for(getattr(people, who)).get(assess_url(case)).status_code == 200


@pytest.mark.parametrize("who", ["clerk2", "applicant", "applicant2", "supervisor", "approver"])
def test_anyone_else_gets_404_and_nothing_is_assessed(people, who):
    case = fee_case(people)
    first = standards(case)[0]
    client = client_for(getattr(people, who))
    assert client.get(assess_url(case)).status_code == 404
    assert client.post(assess_url(case), {f"charge_{first.pk}": "on", f"quantity_{first.pk}": "1"}).status_code == 404
    assert not Assessment.objects.filter(application=case).exists()


def test_unknown_cases_are_404_and_anonymous_users_are_sent_to_log_in(people):
    assert client_for(people.clerk).get(reverse("fees:assess", args=["NO-SUCH"])).status_code == 404
    case = fee_case(people)
    response = client_for(None).get(assess_url(case))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_assessing_writes_the_assessment_notifies_the_applicant_and_returns_to_the_case(people):
    case = fee_case(people)
    residential, commercial = standards(case)[:2]
    body = {f"charge_{residential.pk}": "on", f"quantity_{residential.pk}": "2",
            f"charge_{commercial.pk}": "", f"quantity_{commercial.pk}": "1"}  # fmt: skip

    client = client_for(people.clerk)
    response = client.post(assess_url(case), body)

    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:work_case", args=[case.number])
    assessment = Assessment.objects.get(application=case)
    assert assessment.due_fen == 16000 and assessment.assessed_by == people.clerk
    assert [(line.standard_id, line.quantity, line.amount_fen) for line in assessment.lines.all()] == [
        (residential.pk, 2, 16000)
    ]
    note = Notification.objects.filter(user=people.applicant, kind="fees_due").latest("id")
    assert "160.00" in note.title and assessment.payment_code in note.body
    assert AuditEntry.objects.filter(action="fees.assess").exists()
    follow = client.get(response["Location"])
    assert any(f"已核定收费：应缴 160.00 元，缴款码 {assessment.payment_code}" in m for m in messages_of(follow))


def test_the_form_shows_the_current_assessment_and_corrects_it_until_paid(people):
    case, assessment = assessed_case(people)
    residential, commercial = standards(case)[:2]
    client = client_for(people.clerk)
    page = html(client.get(assess_url(case)))
    assert assessment.payment_code in page and "当前核定" in page and "更正核定" in page
    assert re.search(rf'name="charge_{residential.pk}"[^>]*checked', row_of(page, residential))
    assert "checked" not in row_of(page, commercial)

    body = {f"charge_{commercial.pk}": "on", f"quantity_{commercial.pk}": "1"}
    assert client.post(assess_url(case), body).status_code == 302

    corrected = Assessment.objects.get(application=case)
    assert corrected.payment_code == assessment.payment_code and corrected.due_fen == 55000
    assert [line.standard_id for line in corrected.lines.all()] == [commercial.pk]


@pytest.mark.parametrize("quantity", ["abc", "0", "-1", "100", "1.5", "１e2"])
def test_a_bad_quantity_is_shown_next_to_its_standard(people, quantity):
    case = fee_case(people)
    residential, commercial = standards(case)[:2]
    body = {f"charge_{residential.pk}": "on", f"quantity_{residential.pk}": quantity}

    response = client_for(people.clerk).post(assess_url(case), body)

    assert response.status_code == 400
    page = html(response)
    assert "数量须为 1 至 99 的整数。" in row_of(page, residential)
    assert "数量须为" not in row_of(page, commercial)
    assert not Assessment.objects.filter(application=case).exists()


@pytest.mark.parametrize("amount", ["-1", "abc", "12.345", "1e3", "NaN", ""])
def test_a_bad_amount_for_a_rule_based_standard_is_shown_next_to_it(people, amount):
    case, rule = rule_based_case(people)
    body = {f"charge_{rule.pk}": "on", f"amount_{rule.pk}": amount, f"note_{rule.pk}": "120 平方米 × 1 元"}

    response = client_for(people.clerk).post(assess_url(case), body)

    assert response.status_code == 400
    assert "请填写金额（元）" in row_of(html(response), rule)
    assert not Assessment.objects.filter(application=case).exists()


def test_a_zero_amount_and_a_missing_calculation_are_refused_next_to_the_field(people):
    case, rule = rule_based_case(people)
    client = client_for(people.clerk)
    zero = client.post(assess_url(case), {f"charge_{rule.pk}": "on", f"amount_{rule.pk}": "0", f"note_{rule.pk}": "x"})
    assert zero.status_code == 400 and "核定金额须大于 0 元" in row_of(html(zero), rule)
    # The note rule is the service's: its error key ``lines.0.note`` comes back onto this row.
    no_note = client.post(assess_url(case), {f"charge_{rule.pk}": "on", f"amount_{rule.pk}": "120"})
    assert no_note.status_code == 400 and "请写明计算过程" in row_of(html(no_note), rule)
    assert not Assessment.objects.filter(application=case).exists()


def test_a_rule_based_amount_in_yuan_is_stored_in_fen(people):
    case, rule = rule_based_case(people)
    fixed = case.item_version.fees.get(amount_fen=1000)
    body = {f"charge_{rule.pk}": "on", f"amount_{rule.pk}": "1,234.50", f"note_{rule.pk}": "1234.5 平方米 × 1 元",
            f"charge_{fixed.pk}": "on", f"quantity_{fixed.pk}": "3"}  # fmt: skip

    assert client_for(people.clerk).post(assess_url(case), body).status_code == 302

    lines = {line.standard_id: line for line in Assessment.objects.get(application=case).lines.all()}
    assert lines[rule.pk].amount_fen == 123450 and lines[rule.pk].note == "1234.5 平方米 × 1 元"
    assert lines[fixed.pk].amount_fen == 3000
    assert Assessment.objects.get(application=case).due_fen == 126450


def test_nothing_ticked_is_an_error_above_the_table(people):
    case = fee_case(people)
    response = client_for(people.clerk).post(assess_url(case), {})
    assert response.status_code == 400 and "请至少勾选一项收费标准" in html(response)


def test_a_case_not_yet_accepted_shows_why_it_cannot_be_assessed(people):
    case = helpers.submitted_case(people, code="ZRZYJ-QR-0001")
    client = client_for(people.clerk)
    page = html(client.get(assess_url(case)))
    assert "不能核定收费" in page and '<form method="post" action="/fees/assess/' not in page
    first = standards(case)[0]
    response = client.post(assess_url(case), {f"charge_{first.pk}": "on"}, follow=True)
    assert any("不能核定收费" in m for m in messages_of(response))
    assert not Assessment.objects.filter(application=case).exists()


def test_a_paid_assessment_can_no_longer_be_corrected(people):
    case, assessment = assessed_case(people)
    services.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=8000, channel="cash")
    client = client_for(people.clerk)
    page = html(client.get(assess_url(case)))
    assert "已缴费，不能再更改核定金额。" in page and "已缴清" in page
    commercial = standards(case)[1]
    response = client.post(assess_url(case), {f"charge_{commercial.pk}": "on"}, follow=True)
    assert any("已缴费" in m for m in messages_of(response))
    assert Assessment.objects.get(application=case).due_fen == 8000


# --- 收费窗口 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "reviewer", "applicant", "supervisor"])
def test_the_collection_window_is_only_for_cashiers(people, who):
    """A role's page names no object: others are refused openly (403), like the workbench queue."""
    assert client_for(getattr(people, who)).get(CASHIER).status_code == 403
    assert client_for(getattr(people, who)).post(CASHIER, {"payment_code": "1"}).status_code == 403


def test_only_cashiers_have_the_nav_link(people):
    assert "收费窗口" in html(client_for(people.cashier).get(CASHIER))
    assert 'href="/fees/cashier/"' not in html(client_for(people.clerk).get("/workbench/"))
    assert client_for(None).get(CASHIER).status_code == 302


def test_the_cashier_finds_an_assessment_by_code_or_case_number(people):
    case, assessment = assessed_case(people)
    client = client_for(people.cashier)
    spaced = " ".join(re.findall(".{1,4}", assessment.payment_code))  # as read aloud, in groups
    for query in (assessment.payment_code, spaced, case.number.lower()):
        response = client.get(CASHIER, {"q": query})
        assert response.status_code == 200
        page = html(response)
        assert case.number in page and case.item.name in page and case.applicant_name in page
        assert "不动产登记费（住宅类）" in page and "80.00" in page and "捌拾元整" in page and "待缴费" in page
        assert response.context["collect"]["amount"].value() == "80.00"
        assert response.context["collect"]["channel"].value() == "cash"


def test_the_cashier_collects_the_whole_amount_and_gets_the_receipt(people):
    case, assessment = assessed_case(people)
    client = client_for(people.cashier)

    response = client.post(CASHIER, {"payment_code": assessment.payment_code, "channel": "card", "amount": "80.00"})

    assert response.status_code == 302 and assessment.payment_code in response["Location"]
    payment = Payment.objects.get(assessment=assessment)
    assert (payment.channel, payment.amount_fen, payment.recorded_by) == ("card", 8000, people.cashier)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.PAID
    page = client.get(response["Location"])
    text = html(page)
    assert any(payment.receipt_number in m for m in messages_of(page))
    assert payment.receipt_number in text and "已缴清" in text
    receipt_url = reverse("approvals:notice", args=[case.number, "receipt"])
    assert receipt_url in text
    assert Notification.objects.filter(user=people.applicant, kind="fees_paid").exists()


@pytest.mark.parametrize(("amount", "message"), [("79.99", "须一次缴清应缴金额 80.00 元。"), ("800", "须一次缴清"),
                                                 ("abc", "请填写金额（元）"), ("-80", "请填写金额（元）")])  # fmt: skip
def test_a_wrong_amount_is_refused_next_to_the_amount(people, amount, message):
    _, assessment = assessed_case(people)
    response = client_for(people.cashier).post(
        CASHIER, {"payment_code": assessment.payment_code, "channel": "cash", "amount": amount}
    )
    assert response.status_code == 400
    field = re.search(r'<div class="field[^"]*">\s*<label for="collect-amount".*?</div>', html(response), re.S)
    assert field and message in field.group(0) and "has-error" in field.group(0)
    assert not Payment.objects.filter(assessment=assessment).exists()


def test_a_missing_channel_is_refused_next_to_the_channel(people):
    _, assessment = assessed_case(people)
    response = client_for(people.cashier).post(CASHIER, {"payment_code": assessment.payment_code, "amount": "80"})
    assert response.status_code == 400 and "请选择缴费方式。" in html(response)


def test_collecting_twice_is_refused_with_a_message(people):
    case, assessment = assessed_case(people)
    client = client_for(people.cashier)
    body = {"payment_code": assessment.payment_code, "channel": "cash", "amount": "80"}
    assert client.post(CASHIER, body).status_code == 302

    again = client.post(CASHIER, body, follow=True)

    assert any("该缴款码已缴清，请勿重复收费。" in m for m in messages_of(again))
    assert Payment.objects.filter(assessment=assessment).count() == 1
    assert "已缴清" in html(client.get(CASHIER, {"q": case.number}))


def _bulk_assessments(people, template: Application, count: int, *, paid: bool) -> None:
    """``count`` more assessed (and, if ``paid``, collected) cases, written directly: the lists' cost."""
    skip = {"id", "number", "query_code"}
    fields = [f.attname for f in Application._meta.concrete_fields if f.attname not in skip]
    columns = {name: getattr(template, name) for name in fields}
    now = timezone.now()
    for i in range(count):
        case = Application.objects.create(**columns, number=f"ZRZYJ-FEE-{paid:d}-{i:04d}")
        assessment = Assessment.objects.create(
            application=case, department_id=case.department_id, payment_code=f"{int(paid)}{i:019d}",
            payer_name=f"缴款人{i}", due_fen=8000, assessed_by=people.clerk,
        )  # fmt: skip
        if paid:
            Payment.objects.create(assessment=assessment, amount_fen=8000, channel="cash", transaction_id=f"T{i}",
                                   paid_at=now, recorded_by=people.cashier, receipt_number=f"R-{i}")  # fmt: skip
            Assessment.objects.filter(pk=assessment.pk).update(paid_fen=8000, status="paid", paid_at=now)


def test_the_window_lists_run_in_a_constant_number_of_queries(people):
    case, assessment = assessed_case(people)
    paid_case, paid = assessed_case(people)
    services.collect_at_window(payment_code=paid.payment_code, by=people.cashier, amount_fen=8000, channel="qr")
    client = client_for(people.cashier)
    client.get(CASHIER)
    with CaptureQueriesContext(connection) as small:
        response = client.get(CASHIER, {"q": assessment.payment_code})
    assert len(response.context["today"]) == 1 and len(response.context["outstanding"]) == 1

    _bulk_assessments(people, case, 12, paid=False)
    _bulk_assessments(people, paid_case, 12, paid=True)

    with CaptureQueriesContext(connection) as large:
        response = client.get(CASHIER, {"q": assessment.payment_code})
    assert len(response.context["today"]) == 13 and len(response.context["outstanding"]) == 13
    assert response.context["today_total"] == 13 * 8000
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    page = html(response)
    assert "周婷" in page and "ZRZYJ-FEE-1-0011" in page and "ZRZYJ-FEE-0-0011" in page


def test_the_outstanding_list_shows_the_newest_fifty(people):
    case, _ = assessed_case(people)
    _bulk_assessments(people, case, 55, paid=False)
    rows = client_for(people.cashier).get(CASHIER).context["outstanding"]
    assert len(rows) == 50
    assert [r.assessed_at for r in rows] == sorted((r.assessed_at for r in rows), reverse=True)


# --- the workbench case page -------------------------------------------------------------------------------


def work_page(user, case) -> str:
    return html(client_for(user).get(reverse("approvals:work_case", args=[case.number])))


def fee_panel(page: str) -> str:
    match = re.search(r'<section class="panel" id="fees".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_the_case_page_offers_the_assessment_while_nothing_is_assessed(people):
    case = fee_case(people)
    panel = fee_panel(work_page(people.clerk, case))
    assert "未核定" in panel and f'href="{assess_url(case)}"' in panel and "核定收费" in panel
    assert "核定收费" not in fee_panel(work_page(people.approver, case))  # the approver does not assess
    assert fee_panel(work_page(people.approver, case))  # but sees the fees


def test_the_case_page_shows_the_assessed_lines_and_hides_the_link_once_paid(people):
    case, assessment = assessed_case(people)
    panel = fee_panel(work_page(people.clerk, case))
    assert assessment.payment_code in panel and "不动产登记费（住宅类）" in panel and "80.00" in panel
    assert "待缴费" in panel and "核定收费" in panel  # still correctable

    services.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=8000, channel="cash")

    panel = fee_panel(work_page(people.clerk, case))
    assert "已缴清" in panel and "核定收费" not in panel


def test_a_case_of_an_item_without_fees_has_no_fee_panel(people):
    assert fee_panel(work_page(people.clerk, case_in("under_review", people))) == ""


def test_the_case_page_needs_no_query_per_assessed_line(people):
    one, _ = assessed_case(people)
    three = fee_case(people)
    services.assess_fees(case_id=three.pk, by=people.clerk, lines=[
        {"standard_id": s.pk, "quantity": 2} for s in standards(three)])  # fmt: skip
    client = client_for(people.clerk)
    client.get(reverse("approvals:work_case", args=[one.number]))
    with CaptureQueriesContext(connection) as with_one:
        client.get(reverse("approvals:work_case", args=[one.number]))
    with CaptureQueriesContext(connection) as with_three:
        response = client.get(reverse("approvals:work_case", args=[three.number]))
    assert len(response.context["fees"]["lines"]) == 3
    assert len(with_three) == len(with_one)
