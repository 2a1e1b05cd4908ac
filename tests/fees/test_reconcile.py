"""Daily reconciliation (对账, issue 15 point 5): the simulator's statement against the ledger."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fees import reconcile
from fees.models import Assessment, Payment, PaymentAnomaly, ReconciliationRun, SimulatorTransaction
from tests.approvals.helpers import frozen
from tests.fees.helpers import assessed_case
from tests.fees.test_callbacks import body_for, post
from tests.fees.test_pages import client_for

DAY = date(2026, 9, 30)


def _day_with_a_lost_callback_an_orphan_and_a_mismatch(people):
    _a, lost = assessed_case(people)
    _b, orphan = assessed_case(people)
    _c, normal = assessed_case(people)
    now = timezone.now()
    assert reconcile.simulator_pay(lost.payment_code, 8000, lost=True, paid_at=now) is None
    # booked by a callback the platform's statement does not know (an orphan in the ledger)
    assert post(body_for(orphan.payment_code, transaction_id="SIM-ORPHAN", paid_at=now.isoformat())).status_code == 201
    paid = reconcile.simulator_pay(normal.payment_code, 8000, paid_at=now, transaction_id="SIM-NORMAL")
    # the platform's books say another amount for a third, unknown payment code
    SimulatorTransaction.objects.create(transaction_id="SIM-STRAY", payment_code="1" * 20, amount_fen=500, paid_at=now)
    return lost, orphan, paid


def test_a_lost_callback_is_recovered_and_differences_become_anomalies(people):
    lost, _orphan, _paid = _day_with_a_lost_callback_an_orphan_and_a_mismatch(people)
    assert not Payment.objects.filter(assessment=lost).exists()

    run = reconcile.reconcile(DAY)

    recovered = Payment.objects.get(assessment=lost)
    assert recovered.channel == "simulator" and recovered.amount_fen == 8000
    assert Assessment.objects.get(pk=lost.pk).status == Assessment.Status.PAID
    reasons = dict(PaymentAnomaly.objects.filter(day=DAY).values_list("transaction_id", "reason"))
    assert reasons == {"SIM-ORPHAN": "not_in_stmt", "SIM-STRAY": "stmt_unbooked"}
    assert (run.status, run.statement_count, run.matched_count, run.booked_count, run.anomaly_count) == (
        "done", 3, 2, 1, 2)  # fmt: skip
    assert (run.ledger_count, run.ledger_fen, run.statement_fen) == (3, 24000, 16500)


def test_reconciling_twice_changes_nothing(people):
    _day_with_a_lost_callback_an_orphan_and_a_mismatch(people)
    first = reconcile.reconcile(DAY)
    snapshot = (Payment.objects.count(), PaymentAnomaly.objects.count(),
                list(PaymentAnomaly.objects.values_list("id", flat=True)))  # fmt: skip
    totals = lambda r: (r.statement_count, r.statement_fen, r.ledger_count, r.ledger_fen, r.matched_count,  # noqa: E731
                        r.booked_count, r.booked_fen, r.anomaly_count)  # fmt: skip
    second = reconcile.reconcile(DAY)
    assert (Payment.objects.count(), PaymentAnomaly.objects.count(),
            list(PaymentAnomaly.objects.values_list("id", flat=True))) == snapshot  # fmt: skip
    assert totals(first) == totals(second) and ReconciliationRun.objects.get().runs == 2


def test_a_statement_line_that_disagrees_with_the_ledger_is_a_mismatch(people):
    _case, assessment = assessed_case(people)
    payment = reconcile.simulator_pay(assessment.payment_code, 8000, transaction_id="SIM-X")
    SimulatorTransaction.objects.filter(transaction_id="SIM-X").update(amount_fen=9000)
    reconcile.reconcile(DAY)
    anomaly = PaymentAnomaly.objects.get(day=DAY)
    assert anomaly.reason == "stmt_mismatch" and anomaly.transaction_id == "SIM-X"
    assert Payment.objects.get() == payment


def test_the_command_and_the_report_page(people, capsys):
    _day_with_a_lost_callback_an_orphan_and_a_mismatch(people)
    call_command("reconcile_payments", "--date", "2026-09-30")
    assert "booked 1" in capsys.readouterr().out
    page = client_for(people.cashier).get("/fees/reconciliation/2026-09-30/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "SIM-ORPHAN" in text and "台账有、对账单无" in text and "不动产登记" in text
    assert client_for(people.supervisor).get("/fees/reconciliation/2026-09-30/").status_code == 200
    assert client_for(people.applicant).get("/fees/reconciliation/2026-09-30/").status_code == 403


def test_a_still_pending_code_is_polled_and_its_payment_booked(people):
    """The platform took the money after the statement's day and the notification never came: the poll
    of codes still due (Gateway.query) books it; a code nobody paid stays due."""
    _a, late = assessed_case(people)
    _b, unpaid = assessed_case(people)
    after_midnight = timezone.now().replace(hour=0, minute=30) + timedelta(days=1)
    assert reconcile.simulator_pay(late.payment_code, 8000, lost=True, paid_at=after_midnight,
                                   transaction_id="SIM-LATE") is None  # fmt: skip

    run = reconcile.reconcile(DAY)

    payment = Payment.objects.get(assessment=late)
    assert (payment.transaction_id, payment.paid_at) == ("SIM-LATE", after_midnight)
    assert Assessment.objects.get(pk=unpaid.pk).status == Assessment.Status.DUE
    assert (run.statement_count, run.booked_count, run.polled_count, run.anomaly_count) == (0, 1, 1, 0)
    assert reconcile.reconcile(DAY).booked_count == 1 and Payment.objects.count() == 1  # rerun: nothing new


def test_a_payment_near_midnight_on_the_neighbouring_days_statement_is_no_orphan(people):
    """Our clock said 23:59:50, the platform's 00:00:20 the next day: the ledger payment is checked against
    both days' statements by the next day's run, and nothing is reported; one on neither statement is."""
    _a, drift = assessed_case(people)
    _b, ghost = assessed_case(people)
    ours = timezone.now().replace(hour=23, minute=59, second=50)
    with frozen(ours + timedelta(seconds=5)):
        for assessment, txid in ((drift, "SIM-DRIFT"), (ghost, "SIM-GHOST")):
            body = body_for(assessment.payment_code, transaction_id=txid, paid_at=ours.isoformat())
            assert post(body).status_code == 201
    SimulatorTransaction.objects.create(transaction_id="SIM-DRIFT", payment_code=drift.payment_code, amount_fen=8000,
                                        paid_at=ours + timedelta(seconds=30))  # fmt: skip
    next_day = DAY + timedelta(days=1)

    assert reconcile.reconcile(DAY).anomaly_count == 0  # the last MARGIN of the day waits for the next run
    run = reconcile.reconcile(next_day)

    assert run.matched_count == 1
    assert list(PaymentAnomaly.objects.values_list("day", "reason", "transaction_id")) == [
        (next_day, "not_in_stmt", "SIM-GHOST")]  # fmt: skip


def test_an_unknown_gateway_is_a_clear_command_error(people):
    with pytest.raises(CommandError, match="没有支付渠道"):
        call_command("reconcile_payments", "--date", "2026-09-30", "--gateway", "nope")
    assert not ReconciliationRun.objects.exists()


def test_the_report_page_does_not_grow_with_the_differences(people):
    """Issue 22: /fees/reconciliation/<day>/, 2 differences then 8, not more statements."""
    from tests.querycount import assert_flat

    _case, assessment = assessed_case(people)

    def differences(n: int) -> None:
        PaymentAnomaly.objects.bulk_create(
            PaymentAnomaly(gateway="simulator", reason="stmt_mismatch", payment_code=assessment.payment_code,
                           transaction_id=f"SIM-{n}-{i}", amount_fen=8000, assessment=assessment, day=DAY)
            for i in range(n)
        )  # fmt: skip

    differences(2)
    client = client_for(people.cashier)
    assert_flat(
        lambda: client.get("/fees/reconciliation/2026-09-30/").context["differences"], lambda: differences(6), len
    )
