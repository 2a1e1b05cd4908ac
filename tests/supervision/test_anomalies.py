"""Anomaly rules (异常行为监察, issue 13 point 4): every rule fires on a case built to break it and not
on a clean one; a repeated scan adds nothing; the scan's ``since`` lookback still sees recent acts.

The demo's 建设用地规划许可证核发 (ZRZYJ-XK-0005) promises 5 working days: accepted on Wednesday
2026-09-30, its decision is due on Tuesday 2026-10-13 at 23:59:59 (国庆 in between). Rows that the
services refuse to write (a correction notice outside the list, a decision without acceptance, an
assessment off the standard) are written directly: the rules guard data however it arrives.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from approvals import services
from approvals.models import Application, CorrectionItem, CorrectionNotice, Event
from catalog.models import MaterialRequirement
from fees import services as fees
from fees.models import Assessment, AssessmentLine
from hall.errors import TransitionNotAllowed
from hall.models import WindowStaff
from supervision.models import Anomaly
from supervision.rules import BY_CODE, RULES, detect_anomalies
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.approvals.helpers import act, at, frozen, reload
from tests.fees.helpers import assessed_case, fee_case, standards

R = Anomaly.Rule
LATER = at(2026, 12, 31, 12)  # a scan instant after everything the tests build


def detect(instant=LATER, **kw) -> dict:
    return detect_anomalies(instant, **kw)


def rules_of(case: Application) -> set[str]:
    return set(Anomaly.objects.filter(application=case).values_list("rule", flat=True))


def accepted_on_september_30(people) -> Application:
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    with frozen(at(2026, 9, 30, 15)):
        return services.accept_application(case_id=case.pk, by=people.clerk)


def under_review(people) -> Application:
    case = accepted_on_september_30(people)
    with frozen(at(2026, 10, 8, 9)):
        return services.start_review(case_id=case.pk, by=people.reviewer)


def clean_case(people) -> Application:
    """The whole flow within its period: reviewed 10-08, decided and delivered on 10-12."""
    case = under_review(people)
    with frozen(at(2026, 10, 12, 10)):
        case = act("recommend", case, people)
        case = act("approve", case, people)
        return act("deliver", case, people)


def suspend(case, people, instant):
    with frozen(instant):
        return act("suspend", case, people)


def resume(case, people, instant):
    with frozen(instant):
        return act("resume", case, people)


# --- the table ------------------------------------------------------------------------------------


def test_every_rule_code_has_one_entry_in_the_table_with_reason_and_law():
    assert [rule.code for rule in RULES] == list(R.values)
    for rule in RULES:
        assert rule.reason and rule.law and rule.detected and rule.label == R(rule.code).label


def test_a_clean_case_through_the_whole_flow_raises_nothing(people):
    case = clean_case(people)
    counts = detect()
    assert rules_of(case) == set() and sum(counts.values()) == 0, counts


# --- decided too fast ------------------------------------------------------------------------------


def test_a_decision_within_the_hour_of_acceptance_is_too_fast(people):
    """Art. 34: the reviewer examines the materials; 1 hour of a 13-day period is below 10 %."""
    case = accepted_on_september_30(people)
    with frozen(at(2026, 9, 30, 16)):
        for action in ("start_review", "recommend", "approve"):
            case = act(action, case, people)
    assert detect()["fast_decision"] == 1
    anomaly = Anomaly.objects.get(rule=R.FAST_DECISION)
    assert (anomaly.application, anomaly.key, anomaly.actor) == (case, f"case:{case.pk}", people.approver)
    assert [item["summary"] for item in anomaly.evidence] == ["受理", "准予"] or {
        item["summary"] for item in anomaly.evidence
    } == {"受理", "准予"}
    assert {item["kind"] for item in anomaly.evidence} == {"event"}
    assert anomaly.occurred_at == at(2026, 9, 30, 16)


def test_the_fraction_is_a_setting(people, settings):
    clean_case(people)  # 11.8 of 13.4 days
    settings.ANOMALY_FAST_DECISION_FRACTION = 0.95
    assert detect()["fast_decision"] == 1


def test_an_instant_item_decided_at_once_is_not_too_fast(people):
    """即办件 are decided on the spot: no committed period, no rule."""
    helpers.publish_revision(handling_kind="instant", committed_days=0)
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
        for action in ("accept", "start_review", "recommend", "approve"):
            case = act(action, case, people)
    assert case.item_version.handling_kind == "instant"
    assert detect()["fast_decision"] == 0


# --- suspended or extended when already overdue ----------------------------------------------------


def test_suspending_a_case_14_days_overdue_is_an_anomaly(people):
    """Art. 45 stops a running clock; suspending after the due date hides the delay (the overdue
    count no longer includes the case), it does not cure it."""
    case = under_review(people)
    scan_deadlines(at(2026, 10, 14, 9))  # the 办结超期 red card
    case = suspend(case, people, at(2026, 10, 27, 10))
    assert detect()["late_suspension"] == 1
    anomaly = Anomaly.objects.get(rule=R.LATE_SUSPENSION)
    event = case.events.get(action="suspend")
    assert (anomaly.key, anomaly.actor, anomaly.occurred_at) == (f"event:{event.pk}", people.reviewer, event.at)
    assert anomaly.evidence[0] | {"at": None} == {
        "kind": "event", "id": event.pk, "summary": "启动特别程序", "case_number": case.number, "at": None,
    }  # fmt: skip


def test_an_overdue_suspension_is_found_without_a_red_card_while_it_lasts(people):
    case = under_review(people)
    suspend(case, people, at(2026, 10, 27, 10))  # no scan ran: no card
    assert detect()["late_suspension"] == 1


def test_an_extension_recorded_while_the_red_card_was_open_is_an_anomaly(people):
    """Art. 42: an extension is approved within the period; the service refuses a late one, so this
    one arrives otherwise (written directly)."""
    case = under_review(people)
    scan_deadlines(at(2026, 10, 14, 9))
    with frozen(at(2026, 10, 15, 9)):
        Event.objects.create(application=case, action="extend", from_state="under_review", to_state="under_review",
                             actor=people.approver, actor_role="approver", data={"days": 5})  # fmt: skip
    assert detect()["late_suspension"] == 1


def test_a_suspension_within_the_period_is_not_an_anomaly(people):
    case = under_review(people)
    case = suspend(case, people, at(2026, 10, 9, 10))
    resume(case, people, at(2026, 10, 20, 10))
    scan_deadlines(at(2026, 10, 21, 9))
    assert detect()["late_suspension"] == 0


# --- too many suspensions or extensions ------------------------------------------------------------


def test_more_than_two_suspensions_and_extensions_on_one_case(people):
    case = under_review(people)
    case = suspend(case, people, at(2026, 10, 8, 10))
    case = resume(case, people, at(2026, 10, 9, 10))
    case = suspend(case, people, at(2026, 10, 9, 11))
    assert detect()["repeated_suspension"] == 0  # two: allowed
    case = resume(case, people, at(2026, 10, 12, 10))
    with frozen(at(2026, 10, 12, 11)):
        case = act("recommend", case, people)
        act("extend", case, people)
    assert detect()["repeated_suspension"] == 1
    anomaly = Anomaly.objects.get(rule=R.REPEATED_SUSPENSION)
    assert anomaly.key == f"case:{case.pk}" and len(anomaly.evidence) == 3
    assert {item["summary"] for item in anomaly.evidence} == {"启动特别程序", "延长期限"}


def test_more_suspensions_by_one_person_in_a_month_than_allowed(people, settings):
    settings.ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH = 2
    cases = [under_review(people) for _ in range(3)]
    suspend(cases[0], people, at(2026, 10, 8, 10))
    suspend(cases[1], people, at(2026, 10, 9, 10))
    assert detect()["clerk_suspensions"] == 0
    suspend(cases[2], people, at(2026, 10, 12, 10))
    assert detect()["clerk_suspensions"] == 1
    anomaly = Anomaly.objects.get(rule=R.CLERK_SUSPENSIONS)
    assert (anomaly.application, anomaly.actor, anomaly.key) == (None, people.reviewer,
                                                                  f"user:{people.reviewer.pk}:2026-10")  # fmt: skip
    assert anomaly.department_id == cases[0].department_id
    assert {item["case_number"] for item in anomaly.evidence} == {c.number for c in cases}


def test_suspensions_in_two_months_are_counted_per_month(people, settings):
    settings.ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH = 1
    first, second = under_review(people), under_review(people)
    suspend(first, people, at(2026, 10, 30, 10))
    suspend(second, people, at(2026, 11, 2, 10))
    assert detect()["clerk_suspensions"] == 0


# --- off-system handling (体外循环) ------------------------------------------------------------------


def test_a_case_decided_without_an_acceptance_event_is_off_system(people):
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    Application.objects.filter(pk=case.pk).update(
        state="decided", decision="approved", decided_at=at(2026, 10, 9, 10), decided_by=people.approver
    )
    assert detect()["off_system"] == 1
    anomaly = Anomaly.objects.get(rule=R.OFF_SYSTEM)
    assert (anomaly.key, anomaly.actor) == (f"decided:{case.pk}", people.approver)
    assert [item["kind"] for item in anomaly.evidence] == ["case", "case"]


def test_a_case_accepted_without_a_receipt_or_acceptance_notice_is_off_system(people):
    case = helpers.file_case(people.applicant)  # a draft: never submitted, nothing received
    Application.objects.filter(pk=case.pk).update(
        state="accepted", accepted_at=at(2026, 10, 9, 10), accepted_by=people.clerk
    )
    assert detect()["off_system"] == 1
    anomaly = Anomaly.objects.get(rule=R.OFF_SYSTEM)
    assert anomaly.key == f"accepted:{case.pk}"
    assert anomaly.evidence[1]["summary"] == "受理前没有收件记录，也没有出具受理通知书"


# --- correction notice outside the list ------------------------------------------------------------


def test_a_correction_notice_asking_for_a_material_outside_the_list(people):
    """Art. 31: materials unrelated to the item may not be demanded."""
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    foreign = MaterialRequirement.objects.exclude(version_id=case.item_version_id).first()
    with frozen(at(2026, 10, 8, 10)):
        notice = CorrectionNotice.objects.create(application=case, round=1, issued_by=people.clerk)
        CorrectionItem.objects.create(notice=notice, requirement=foreign, reason="请补交")
    assert detect()["correction_outside_list"] == 1
    anomaly = Anomaly.objects.get(rule=R.CORRECTION_OUTSIDE_LIST)
    assert (anomaly.key, anomaly.actor) == (f"notice:{notice.pk}", people.clerk)
    assert anomaly.evidence[0]["summary"] == f"第1轮补正材料通知书要求：{foreign.name}（不在本事项材料目录）"


def test_a_correction_notice_within_the_list_is_not_an_anomaly(people):
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    with frozen(at(2026, 10, 8, 10)):
        act("request_correction", case, people)
    assert detect()["correction_outside_list"] == 0


# --- fees -----------------------------------------------------------------------------------------


def paid(case, assessment, people):
    return fees.collect_at_window(payment_code=assessment.payment_code, by=people.cashier,
                                  amount_fen=assessment.due_fen, channel="cash")  # fmt: skip


def test_a_fee_charging_item_delivered_without_an_assessment(people):
    """Art. 59: fees by the published standard, all to the treasury — none was assessed here. The
    delivery gate (issue 15) refuses this delivery; the rule guards rows written otherwise."""
    case = fee_case(people, "decided")
    with pytest.raises(TransitionNotAllowed):
        act("deliver", case, people)
    with frozen(at(2026, 10, 14, 10)):
        Event.objects.create(application=case, action="deliver", from_state="decided", to_state="delivered",
                             actor=people.clerk, actor_role="clerk")  # fmt: skip
        Application.objects.filter(pk=case.pk).update(state="delivered", delivered_at=at(2026, 10, 14, 10),
                                                       delivery_method="window")  # fmt: skip
    assert detect()["delivered_unassessed"] == 1
    anomaly = Anomaly.objects.get(rule=R.DELIVERED_UNASSESSED)
    assert (anomaly.application, anomaly.actor) == (case, people.clerk)
    assert anomaly.evidence[0]["summary"] == "送达"


def test_an_assessed_and_paid_case_delivered_is_clean(people):
    with frozen(at(2026, 9, 30, 10)):
        case, assessment = assessed_case(people)
        paid(case, assessment, people)
    with frozen(at(2026, 10, 12, 10)):
        for action in ("recommend", "approve", "deliver"):
            case = act(action, reload(case), people)
    assert sum(detect().values()) == 0 and rules_of(case) == set()


def test_a_payment_on_a_denied_case(people):
    """Arts. 58, 59, 75: no licence, no fee; the assessment made during review was paid after the denial
    — refused at the window and on callbacks since issue 15, so booked here past those checks."""
    case, assessment = assessed_case(people)
    helpers.recommended(case, people, "deny")
    act("deny", reload(case), people)
    with pytest.raises(ValidationError):
        paid(case, assessment, people)
    assessment.refresh_from_db()
    payment = fees._book(assessment, amount_fen=8000, channel="cash", transaction_id="", paid_at=timezone.now(),
                         by=people.cashier)  # fmt: skip
    assert detect()["payment_on_closed_case"] == 1
    anomaly = Anomaly.objects.get(rule=R.PAYMENT_ON_CLOSED_CASE)
    assert anomaly.key == f"payment:{payment.pk}"
    assert anomaly.evidence[0] | {"at": None} == {
        "kind": "payment", "id": payment.pk, "at": None, "summary": f"缴费，票据号码 {payment.receipt_number}",
        "amount_fen": 8000, "case_number": case.number,
    }  # fmt: skip
    assert anomaly.evidence[1]["summary"] == "办件已作出不予决定"


def test_a_paid_case_withdrawn_afterwards(people):
    """Withdrawal refunds what was paid (issue 15): clean; money kept after it is the anomaly."""
    case, assessment = assessed_case(people)
    paid(case, assessment, people)
    assert detect()["payment_on_closed_case"] == 0
    act("withdraw", reload(case), people)
    assessment.refresh_from_db()
    assert assessment.refunded_fen == assessment.paid_fen == 8000
    assert detect()["payment_on_closed_case"] == 0
    Assessment.objects.filter(pk=assessment.pk).update(refunded_fen=0)  # as if the refund had failed
    assert detect()["payment_on_closed_case"] == 1
    assert Anomaly.objects.get(rule=R.PAYMENT_ON_CLOSED_CASE).evidence[1]["summary"] == "办件已撤回"


def test_an_amount_off_the_published_standard(people):
    _, assessment = assessed_case(people)
    assert detect()["fee_off_standard"] == 0
    AssessmentLine.objects.filter(assessment=assessment).update(amount_fen=12000)
    assert detect()["fee_off_standard"] == 1
    anomaly = Anomaly.objects.get(rule=R.FEE_OFF_STANDARD)
    assert anomaly.key == f"assessment:{assessment.pk}:1" and anomaly.actor == people.clerk
    assert {k: anomaly.evidence[0][k] for k in ("kind", "amount_fen", "standard_fen", "quantity")} == {
        "kind": "assessment", "amount_fen": 12000, "standard_fen": 8000, "quantity": 1,
    }  # fmt: skip


def test_a_standard_of_another_item_is_charged(people):
    case, assessment = assessed_case(people)
    other = fee_case(people, code="ZRZYJ-QR-0001")
    foreign = type(standards(case)[0]).objects.exclude(version_id=case.item_version_id).first()
    assert foreign is not None and other
    AssessmentLine.objects.filter(assessment=assessment).update(standard=foreign)
    assert detect()["fee_off_standard"] == 1
    assert Anomaly.objects.get(rule=R.FEE_OFF_STANDARD).evidence[0]["standard_fen"] is None


# --- bad ratings on one window ----------------------------------------------------------------------


def rated(people, level: int, instant):
    case = helpers.case_in("delivered", people)
    with frozen(instant):
        services.evaluate_service(case_id=case.pk, by=people.applicant, level=level, comment="等了很久")
    return case


def test_bad_ratings_clustering_on_one_window_within_a_week(people):
    """国办发〔2019〕51号: 差评 are followed up; three in one week on the same window are a pattern."""
    window = WindowStaff.objects.filter(user=people.clerk).order_by("window_id").first().window
    rated(people, 2, at(2026, 10, 12, 10))  # Monday
    rated(people, 1, at(2026, 10, 14, 10))
    rated(people, 5, at(2026, 10, 15, 10))  # a good one does not count
    rated(people, 2, at(2026, 10, 19, 10))  # next week
    assert detect()["bad_ratings_cluster"] == 0
    rated(people, 1, at(2026, 10, 18, 20))  # Sunday: the third bad one of that week
    assert detect()["bad_ratings_cluster"] == 1
    anomaly = Anomaly.objects.get(rule=R.BAD_RATINGS_CLUSTER)
    assert (anomaly.window, anomaly.application, anomaly.key) == (window, None, f"window:{window.pk}:2026-10-12")
    assert sorted(item["summary"] for item in anomaly.evidence) == ["不满意", "非常不满意", "非常不满意"]
    assert {item["kind"] for item in anomaly.evidence} == {"rating"}


# --- repeated and incremental scans -----------------------------------------------------------------


@pytest.fixture
def everything(people, settings):
    """One case breaking each rule (the scan-level tests)."""
    settings.ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH = 0
    case = under_review(people)
    scan_deadlines(at(2026, 10, 14, 9))
    suspend(case, people, at(2026, 10, 27, 10))
    return case


def test_a_repeated_scan_adds_nothing(everything):
    first = detect()
    assert first["late_suspension"] == 1 and first["clerk_suspensions"] == 1
    assert sum(detect().values()) == 0
    assert sum(detect(since=LATER - timedelta(days=1)).values()) == 0
    total = Anomaly.objects.count()
    call_command("scan_deadlines", at="2026-12-31T12:00:00+08:00", stdout=StringIO())
    assert Anomaly.objects.count() == total


def test_the_lookback_sees_acts_since_it_and_not_before(everything):
    assert sum(detect(at(2026, 10, 28, 9), since=at(2026, 10, 28, 8)).values()) == 0  # the act was the day before
    counts = detect(at(2026, 10, 28, 9), since=at(2026, 10, 27, 9))
    assert counts["late_suspension"] == 1 and counts["clerk_suspensions"] == 1


def test_a_scan_instant_before_the_act_does_not_see_it(everything):
    assert sum(detect(at(2026, 10, 27, 9)).values()) == 0


def test_the_rules_run_a_fixed_number_of_statements_whatever_the_number_of_cases(people, django_assert_max_num_queries):
    """Set-based: no loop over cases (one statement per rule, per month or rating period touched)."""
    for _ in range(3):
        under_review(people)
    with django_assert_max_num_queries(17):
        detect(at(2026, 10, 28, 9), since=at(2026, 10, 27, 9))


def test_the_table_names_a_setting_for_every_threshold():
    from django.conf import settings

    for rule in RULES:
        for name in filter(None, (n.strip() for n in rule.threshold.split(","))):
            assert hasattr(settings, name), name
    assert BY_CODE[R.FAST_DECISION].threshold == "ANOMALY_FAST_DECISION_FRACTION"


def test_the_beat_task_runs_the_rules_after_the_clocks(everything):
    from supervision.tasks import scan_deadlines_task

    with frozen(at(2026, 10, 28, 9)):
        result = scan_deadlines_task.apply().get()
    assert result["anomalies"]["late_suspension"] == 1
    assert Anomaly.objects.filter(rule=R.LATE_SUSPENSION).count() == 1


def test_the_docs_table_is_the_rules_table():
    """docs/supervision.md, "Anomaly rules", is generated from ``supervision.rules.RULES``."""
    from pathlib import Path

    from supervision.rules import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "supervision.md").read_text()
    start = text.index("<!-- anomaly-rules-table")
    table = text[text.index("\n", start) + 1 : text.index("<!-- /anomaly-rules-table -->")]
    assert table == markdown_table()


def test_a_payment_refused_on_a_case_of_the_hall(people):
    """Issue 15's refused payments and reconciliation differences reach the supervisors: a code paid
    after the denial cancelled it (400 at the window, kept as a fees.PaymentAnomaly)."""
    case, assessment = assessed_case(people)
    assert detect()["payment_refused"] == 0
    helpers.recommended(case, people, "deny")
    act("deny", reload(case), people)
    with pytest.raises(ValidationError):
        paid(case, assessment, people)
    assert detect()["payment_refused"] == 1
    anomaly = Anomaly.objects.get(rule=R.PAYMENT_REFUSED)
    assert (anomaly.application, anomaly.department) == (case, case.department)
    assert anomaly.evidence[0]["kind"] == "payment_anomaly" and anomaly.evidence[0]["summary"] == "缴款码已作废"
    assert detect()["payment_refused"] == 0  # once


def test_a_notice_naming_no_known_code_is_not_a_case_anomaly(people):
    from fees.models import PaymentAnomaly

    PaymentAnomaly.objects.create(gateway="simulator", reason="unknown_code", payment_code="NOPE", amount_fen=100)
    assert detect()["payment_refused"] == 0
