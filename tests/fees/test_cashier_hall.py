"""One collection point for the hall (一口收费, issue 15 point 6): any cashier collects any department's
payment code — by code, case number or scanned QR — prints the receipt, and closes the till (日结)."""

from django.contrib.auth.models import Group
from django.urls import reverse

from fees.models import Payment, TillClosing
from hall.models import Department, StaffMembership, User
from hall.roles import Role
from tests.fees.helpers import assessed_case
from tests.fees.test_pages import CASHIER, client_for, html, messages_of


def hall_cashier(department_code: str = "SCJGJ") -> User:
    """A cashier whose only membership is another department than the fee item's (ZRZYJ)."""
    user = User.objects.create_user("cashier_scjgj", password="x" * 12, real_name="钱芳")
    user.groups.add(Group.objects.get(name=Role.CASHIER))
    StaffMembership.objects.create(user=user, department=Department.objects.get(code=department_code),
                                   role=Role.CASHIER)  # fmt: skip
    return user


def test_a_hall_wide_cashier_collects_a_code_of_a_department_it_has_no_membership_in(people):
    case, assessment = assessed_case(people)
    cashier = hall_cashier()
    assert not StaffMembership.objects.filter(user=cashier, department=assessment.department).exists()
    client = client_for(cashier)

    found = client.get(CASHIER, {"q": assessment.payment_code})
    assert found.status_code == 200 and found.context["found"] == assessment
    assert case.applicant_name in html(found) and assessment.department.name in html(found)

    collect = client.post(CASHIER, {"payment_code": assessment.payment_code, "channel": "card", "amount": "80"})
    assert collect.status_code == 302
    payment = Payment.objects.get(assessment=assessment)
    assert (payment.channel, payment.recorded_by, payment.amount_fen) == ("card", cashier, 8000)
    page = client.get(collect["Location"])
    assert any(payment.receipt_number in m for m in messages_of(page))
    receipt = reverse("approvals:notice", args=[case.number, "receipt"])
    assert page.context["receipt_url"] == receipt and receipt in html(page)


def test_the_cashier_finds_a_case_by_a_scanned_pay_page_qr_code(people):
    case, assessment = assessed_case(people)
    client = client_for(hall_cashier())
    scanned = f"https://hall.example.gov.cn/fees/pay/{case.number}/"
    response = client.get(CASHIER, {"q": scanned})
    assert response.status_code == 200 and response.context["found"] == assessment


def test_assessment_stays_with_the_department(people):
    """Departments still limit who assesses: the hall-wide cashier cannot open another department's form."""
    case, _assessment = assessed_case(people)
    client = client_for(hall_cashier())
    assert client.get(reverse("fees:assess", args=[case.number])).status_code == 404


def test_closing_the_till_sets_the_count_against_the_ledger_once_a_day(people):
    _case, assessment = assessed_case(people)
    client = client_for(people.cashier)
    client.post(CASHIER, {"payment_code": assessment.payment_code, "channel": "cash", "amount": "80"})
    page = client.get(CASHIER)
    assert page.context["till"] == {"cash": 8000, "card": 0, "qr": 0, "count": 1, "total": 8000}

    closed = client.post(CASHIER, {"action": "close_till", "cash": "79.50", "card": "0", "qr": "0", "note": "找零"})
    assert closed.status_code == 302
    closing = TillClosing.objects.get(cashier=people.cashier)
    assert (closing.ledger_cash_fen, closing.cash_fen, closing.difference_fen) == (8000, 7950, -50)
    assert any("短款" in m for m in messages_of(client.get(closed["Location"])))

    again = client.post(CASHIER, {"action": "close_till", "cash": "80", "card": "0", "qr": "0"})
    assert any("今日已日结" in m for m in messages_of(client.get(again["Location"])))
    assert TillClosing.objects.count() == 1
