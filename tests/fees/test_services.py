"""Fees (一口收费): assessment only from the item's published standards (行政许可法 arts. 58, 59), one
payment of the whole amount, booked once, and delivery of an approved licence only once paid."""

import json
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from approvals import notices
from approvals import services as approvals_services
from catalog.models import FeeStandard
from fees import services
from fees.models import Assessment, Payment, PaymentAnomaly
from hall.errors import Conflict, OutsideScope, TransitionNotAllowed
from hall.models import AuditEntry, Notification
from tests.approvals import helpers
from tests.approvals.helpers import act, case_in, reload
from tests.fees.helpers import assessed_case, fee_case, standards


def notification_body(code: str, amount: int, transaction_id: str = "T-1") -> bytes:
    return json.dumps({"payment_code": code, "amount_fen": amount, "transaction_id": transaction_id,
                       "paid_at": "2026-09-30T10:05:00+08:00"}).encode()  # fmt: skip


def test_clerk_assesses_from_published_standards_and_the_applicant_is_told(people):
    case = fee_case(people)
    residential, commercial = standards(case)[:2]
    assessment = services.assess_fees(case_id=case.pk, by=people.clerk, ip="198.51.100.4",
                                      lines=[{"standard_id": residential.pk, "quantity": 2}])  # fmt: skip
    assert assessment.due_fen == residential.amount_fen * 2 and assessment.status == "due"
    assert len(assessment.payment_code) == 20 and assessment.payment_code.isdigit()
    line = assessment.lines.get()
    assert (line.name, line.basis, line.quantity) == (residential.name, residential.basis, 2)
    note = Notification.objects.get(user=people.applicant, kind="fees_due")
    assert assessment.payment_code in note.body and note.url.endswith(f"/fees/pay/{case.number}/")
    assert AuditEntry.objects.filter(action="fees.assess", target=case.number, actor=people.clerk).exists()
    assert services.summary(case) == {"due_fen": 16000, "paid_fen": 0, "refunded_fen": 0, "waived_fen": 0,
                                      "payment_code": assessment.payment_code, "status": "due"}  # fmt: skip
    # Corrected before payment: replaced, same code.
    again = services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": commercial.pk}])
    assert again.pk == assessment.pk and again.payment_code == assessment.payment_code
    assert again.due_fen == commercial.amount_fen and again.lines.count() == 1
    # The corrected assessment is a new revision: its 缴款通知书 is a new, separately numbered notice.
    assert again.revision == 2 and notices.occurrence(reload(case), "payment") == 2


def test_only_published_standards_of_the_case_version(people):
    case = fee_case(people)
    other = FeeStandard.objects.exclude(version_id=case.item_version_id).first()
    with pytest.raises(ValidationError) as error:
        services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": other.pk}])
    assert "第五十九条" in error.value.message_dict["lines.0.standard_id"][0]
    for lines, key in (([], "lines"), ([{"standard_id": "x"}], "lines.0.standard_id"),
                       ([{"standard_id": standards(case)[0].pk, "quantity": 0}], "lines.0.quantity")):  # fmt: skip
        with pytest.raises(ValidationError) as error:
            services.assess_fees(case_id=case.pk, by=people.clerk, lines=lines)
        assert key in error.value.message_dict
    assert not Assessment.objects.filter(application=case).exists()


def test_who_and_when_may_assess(people):
    case = fee_case(people)
    first = standards(case)[0]
    for outsider in (people.applicant, people.clerk2, people.supervisor):
        with pytest.raises(OutsideScope):
            services.assess_fees(case_id=case.pk, by=outsider, lines=[{"standard_id": first.pk}])
    services.assess_fees(case_id=case.pk, by=people.cashier, lines=[{"standard_id": first.pk}])
    free = case_in("under_review", people)  # ZRZYJ-XK-0005 charges nothing
    with pytest.raises(Conflict, match="第五十八条"):
        services.assess_fees(case_id=free.pk, by=people.clerk, lines=[{"standard_id": first.pk}])
    draft = helpers.file_case(people.applicant, code=case.item.code)
    with pytest.raises(Conflict):
        services.assess_fees(case_id=draft.pk, by=people.clerk, lines=[{"standard_id": first.pk}])


def test_cashier_collects_the_whole_amount_once(people):
    case, assessment = assessed_case(people)
    with pytest.raises(ValidationError):
        services.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=100,
                                   channel="cash")  # fmt: skip
    with pytest.raises(OutsideScope):  # a clerk is not the collection point
        services.collect_at_window(payment_code=assessment.payment_code, by=people.clerk, amount_fen=8000,
                                   channel="cash")  # fmt: skip
    payment = services.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=8000,
                                         channel="card", ip="198.51.100.5")  # fmt: skip
    assessment.refresh_from_db()
    assert assessment.status == "paid" and assessment.paid_fen == 8000 and payment.recorded_by == people.cashier
    assert payment.receipt_number.startswith("330100") and len(payment.receipt_number) == 19
    assert services.is_settled(case)
    with pytest.raises(Conflict, match="已缴清"):
        services.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=0,
                                   channel="cash")  # fmt: skip
    with pytest.raises(Conflict, match="已缴费"):
        services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": standards(case)[1].pk}])
    assert Notification.objects.filter(user=people.applicant, kind="fees_paid").count() == 1


def test_signed_gateway_notification_books_once(people):
    _case, assessment = assessed_case(people)
    body = notification_body(assessment.payment_code, 8000, "SIM-001")
    with pytest.raises(services.BadSignature):
        services.record_gateway_payment(gateway="simulator", body=body, signature="00" * 32)
    assert not Payment.objects.exists() and not PaymentAnomaly.objects.exists()
    payment, created = services.record_gateway_payment(gateway="simulator", body=body, signature=services.sign(body))
    again, created_again = services.record_gateway_payment(gateway="simulator", body=body,
                                                           signature=services.sign(body))  # fmt: skip
    assert created and not created_again and again.pk == payment.pk and Payment.objects.count() == 1
    payment.refresh_from_db()
    assert payment.paid_at == datetime(2026, 9, 30, 2, 5, tzinfo=UTC) and payment.recorded_by is None


def test_wrong_amount_or_unknown_code_is_refused_and_kept_as_an_anomaly(people):
    _case, assessment = assessed_case(people)
    for body, reason in ((notification_body(assessment.payment_code, 7999, "SIM-2"), "wrong_amount"),
                         (notification_body("99999999999999999999", 8000, "SIM-3"), "unknown_code")):  # fmt: skip
        with pytest.raises(ValidationError):
            services.record_gateway_payment(gateway="simulator", body=body, signature=services.sign(body))
        assert PaymentAnomaly.objects.filter(reason=reason).count() == 1
    assert not Payment.objects.exists() and Assessment.objects.get(pk=assessment.pk).status == "due"


def test_malformed_notification_is_a_field_error(people):
    for body in (b"not json", b"[1]", json.dumps({"payment_code": "1", "amount_fen": "80", "transaction_id": "x",
                                                  "paid_at": "2026-09-30T10:00:00"}).encode()):  # fmt: skip
        with pytest.raises((ValidationError, services.DomainError)):
            services.record_gateway_payment(gateway="simulator", body=body, signature=services.sign(body))
    with pytest.raises(OutsideScope):
        services.record_gateway_payment(gateway="alipay", body=b"{}", signature="")


def test_applicant_pays_with_the_simulator(people):
    case, _assessment = assessed_case(people)
    with pytest.raises(OutsideScope):
        services.pay_with_simulator(case_id=case.pk, by=people.applicant2)
    payment = services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    assert payment.channel == "simulator" and payment.amount_fen == 8000 and services.is_settled(case)
    with pytest.raises(Conflict):
        services.pay_with_simulator(case_id=case.pk, by=people.applicant)


def test_an_approved_licence_is_delivered_only_once_paid(people):
    case, _assessment = assessed_case(people)
    case = act("approve", act("recommend", case, people), people)
    with pytest.raises(TransitionNotAllowed, match="应缴费用"):
        approvals_services.deliver_result(case_id=case.pk, by=people.clerk, method="window")
    services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    assert approvals_services.deliver_result(case_id=case.pk, by=people.clerk, method="window").state == "delivered"


def test_denied_cases_are_not_charged(people):
    case = fee_case(people)
    case = act("deny", act("recommend", case, people), people)
    with pytest.raises(Conflict, match="不予决定"):
        services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": standards(case)[0].pk}])
