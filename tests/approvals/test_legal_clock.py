"""The legal clock (中华人民共和国行政许可法), one test per rule, through the services.

The demo's 建设用地规划许可证核发 (ZRZYJ-XK-0005) promises 5 of its statutory 20 working days. Where a
test needs the full 20 days, the ``twenty_days`` fixture publishes a new version of that item with
``committed_days=20`` through the catalog's own path (start_draft → edit → submit_for_review →
publish_version); cases filed afterwards are filed under it and take its limit at acceptance.

Dates: 2026-10-01…07 is the National Day holiday and Saturday 2026-10-10 a make-up working day (调休).
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from approvals import services
from approvals.models import CorrectionNotice, Suspension
from hall import services as hall_services
from hall.errors import Conflict, NotPermitted, TransitionNotAllowed
from hall.models import AuditEntry, Department
from tests.approvals import helpers
from tests.approvals.helpers import at, end_of, frozen, reload


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return helpers.demo_people()


@pytest.fixture
def twenty_days(people):
    """ZRZYJ-XK-0005 republished with the statutory 20 working days as its committed limit."""
    return helpers.publish_revision(committed_days=20)


def accepted_on_september_30(people):
    """Filed Wednesday 2026-09-30 at 9:00, accepted the same afternoon."""
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    with frozen(at(2026, 9, 30, 15)):
        return services.accept_application(case_id=case.pk, by=people.clerk)


def under_review_from_september_30(people):
    case = accepted_on_september_30(people)
    with frozen(at(2026, 10, 8, 9)):
        return services.start_review(case_id=case.pk, by=people.reviewer)


def test_art82_periods_count_working_days_only(twenty_days, people):
    """Art. 82: periods are working days, statutory holidays excluded; the acceptance day is not
    counted and the period ends at 23:59:59 Asia/Shanghai of its 20th working day."""
    case = accepted_on_september_30(people)
    assert case.item_version == twenty_days and case.decision_days == 20
    assert case.clock_start == date(2026, 9, 30)
    assert case.decision_due.isoformat() == "2026-11-03T23:59:59+08:00"
    assert reload(case).decision_due == end_of(2026, 11, 3)
    assert case.deadline_provisional is False

    # Filed on Saturday 2026-03-07: taken as Monday 03-09, which is not counted either (DESIGN.md).
    with frozen(at(2026, 3, 7, 11)):
        weekend = helpers.submitted_case(people)
    assert weekend.accept_due == end_of(2026, 3, 16)


def test_art45_special_procedure_time_is_not_counted(twenty_days, people):
    """Art. 45: hearing, testing, expert review … are not counted; the applicant is told in writing.
    Suspended Monday 10-19, resumed Thursday 10-22: three working days, so 11-03 becomes 11-06."""
    case = under_review_from_september_30(people)
    with frozen(at(2026, 10, 19, 10)):
        case = services.suspend_for_procedure(
            case_id=case.pk, by=people.reviewer, procedure="hearing", reason="涉及相邻权利人重大利益，依申请举行听证"
        )
    assert case.state == "suspended" and case.decision_due == end_of(2026, 11, 3)
    with frozen(at(2026, 10, 22, 16)):
        case = services.resume_review(case_id=case.pk, by=people.reviewer)
    assert case.state == "under_review"
    assert case.suspended_days == 3
    assert case.decision_due == end_of(2026, 11, 6)
    suspension = Suspension.objects.get(application=case)
    assert suspension.procedure == "hearing" and suspension.reason.startswith("涉及相邻权利人")
    assert (suspension.started_at, suspension.ended_at, suspension.working_days) == (
        at(2026, 10, 19, 10), at(2026, 10, 22, 16), 3,
    )  # fmt: skip
    assert case.events.get(action="suspend").data == {"procedure": "hearing"}
    with pytest.raises(ValidationError):
        services.suspend_for_procedure(case_id=case.pk, by=people.reviewer, procedure="coffee_break", reason="x")


def test_art42_one_extension_of_at_most_ten_days_by_the_approver_with_reasons(twenty_days, people):
    """Art. 42: one extension of up to 10 working days, approved by the head, reasons told."""
    case = under_review_from_september_30(people)
    with frozen(at(2026, 10, 28, 10)):
        with pytest.raises(NotPermitted):
            services.extend_deadline(case_id=case.pk, by=people.reviewer, days=5, reason="需要现场核查")
        with pytest.raises(ValidationError, match="reason"):
            services.extend_deadline(case_id=case.pk, by=people.approver, days=5, reason="  ")
        with pytest.raises(ValidationError) as too_long:
            services.extend_deadline(case_id=case.pk, by=people.approver, days=11, reason="需要现场核查")
        assert "1 至 10" in too_long.value.message_dict["days"][0]
        assert reload(case).decision_due == end_of(2026, 11, 3)

        case = services.extend_deadline(case_id=case.pk, by=people.approver, days=10, reason="需要现场核查")
        assert (case.extension_days, case.extension_reason) == (10, "需要现场核查")
        assert case.decision_due == end_of(2026, 11, 17)
        assert case.events.get(action="extend").reason == "需要现场核查"

        with pytest.raises(Conflict) as second:
            services.extend_deadline(case_id=case.pk, by=people.approver, days=1, reason="还要再核查")
        assert second.value.status_code == 409 and "不得再次延期" in second.value.detail
    assert reload(case).decision_due == end_of(2026, 11, 17)


def test_art42_no_extension_once_the_period_has_run_out(twenty_days, people):
    """Art. 42: the extension is approved within the period; after it the case is late, not extended."""
    case = under_review_from_september_30(people)  # decision due 2026-11-03 23:59:59
    with frozen(at(2026, 11, 4, 9)), pytest.raises(Conflict, match="办理期限已过"):
        services.extend_deadline(case_id=case.pk, by=people.approver, days=5, reason="需要现场核查")
    assert reload(case).extension_days == 0
    with frozen(at(2026, 11, 3, 17)):
        extended = services.extend_deadline(case_id=case.pk, by=people.approver, days=5, reason="需要现场核查")
    assert extended.extension_days == 5


def test_art42_joint_items_may_be_extended_by_fifteen_days(people):
    """Arts. 26, 42: joint handling across departments may be extended by up to 15 working days."""
    helpers.publish_revision(committed_days=20, joint=True, joint_departments=["SCJGJ"])
    case = under_review_from_september_30(people)
    assert case.item_version.joint
    with frozen(at(2026, 10, 28, 10)):
        with pytest.raises(ValidationError):
            services.extend_deadline(case_id=case.pk, by=people.approver, days=16, reason="联合踏勘")
        case = services.extend_deadline(case_id=case.pk, by=people.approver, days=15, reason="联合踏勘")
    assert case.decision_due == end_of(2026, 11, 24)


def test_art32_one_notice_lists_every_deficiency_and_a_second_in_the_same_round_is_refused(people):
    """Art. 32: all required corrections are notified at once, in one notice (一次性告知)."""
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    required = helpers.required_materials(case)
    with frozen(at(2026, 10, 8, 10)):
        with pytest.raises(ValidationError):
            services.request_correction(case_id=case.pk, by=people.clerk, items=[])
        for garbage in ([{"requirement_id": -1, "reason": "?"}], [{"requirement_id": [], "reason": {}}], "x", 7):
            with pytest.raises(ValidationError):
                services.request_correction(case_id=case.pk, by=people.clerk, items=garbage)
        items = [{"requirement_id": r.pk, "reason": f"{r.name}：须加盖公章"} for r in required]
        items[0]["requirement_id"] = str(items[0]["requirement_id"])  # as an HTML form posts it
        case = services.request_correction(case_id=case.pk, by=people.clerk, items=items, reason="材料不齐")
        notice = CorrectionNotice.objects.get(application=case)
        assert sorted(notice.items.values_list("requirement_id", "reason")) == sorted(
            (r.pk, f"{r.name}：须加盖公章") for r in required
        )
        assert len(case.events.get(action="request_correction").data["items"]) == len(required)

        with pytest.raises(TransitionNotAllowed) as second:
            services.request_correction(case_id=case.pk, by=people.clerk, items=items[:1], reason="漏了一项")
    assert second.value.status_code == 409 and "第三十二条" in second.value.detail
    assert CorrectionNotice.objects.filter(application=case).count() == 1


def test_art32_without_a_notice_in_five_working_days_the_case_counts_as_accepted_from_receipt(twenty_days, people):
    """Art. 32: no notice within 5 working days → accepted as of the day the materials were received."""
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    assert case.correction_notice_due == case.accept_due == end_of(2026, 10, 13)
    with frozen(at(2026, 10, 14, 9)):
        with pytest.raises(TransitionNotAllowed, match="视为受理"):
            services.request_correction(
                case_id=case.pk, by=people.clerk, items=helpers.correction_notice_items(case), reason="迟到的通知"
            )
        case = services.accept_application(case_id=case.pk, by=people.clerk)
    assert case.deemed_accepted is True
    assert case.accepted_at == at(2026, 10, 14, 9)
    assert case.clock_start == date(2026, 9, 30)
    assert case.decision_due == end_of(2026, 11, 3)  # 20 working days from the receipt, not from 10-14


def test_art32_a_resubmission_restarts_the_five_day_clock(people):
    """Art. 32 and 限时办结: after a correction, counting restarts from the new receipt."""
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    with frozen(at(2026, 10, 12, 10)):
        case = services.request_correction(
            case_id=case.pk, by=people.clerk, items=helpers.correction_notice_items(case, 1)
        )
    with frozen(at(2026, 10, 16, 14)):
        requirement = CorrectionNotice.objects.get(application=case).items.get().requirement_id
        helpers.upload(case, people.applicant, requirement)
        case = services.resubmit_application(case_id=case.pk, by=people.applicant)
    assert case.received_at == at(2026, 10, 16, 14)
    assert case.accept_due == case.correction_notice_due == end_of(2026, 10, 23)
    with frozen(at(2026, 10, 22, 10)):  # past the first round's 10-13, inside the new five days
        case = services.request_correction(
            case_id=case.pk, by=people.clerk, items=helpers.correction_notice_items(case, 2)
        )
    assert case.correction_round == 2


def test_art44_the_result_is_due_ten_working_days_after_the_decision(people):
    """Art. 44: the licence is issued or delivered within 10 working days of the decision."""
    case = under_review_from_september_30(people)
    with frozen(at(2026, 10, 30, 15)):
        helpers.recommended(case, people)
        case = services.approve_application(case_id=case.pk, by=people.approver, reason="符合法定条件")
    assert case.decided_at == at(2026, 10, 30, 15)
    assert case.delivery_due == end_of(2026, 11, 13)


def test_art38_a_denial_states_its_reasons_and_the_right_to_review_or_sue(people):
    """Art. 38: a denial gives reasons and tells the applicant of reconsideration and litigation."""
    case = under_review_from_september_30(people)
    with frozen(at(2026, 10, 12, 10)):
        helpers.recommended(case, people, "deny")
        with pytest.raises(ValidationError, match="第三十八条"):
            services.deny_application(case_id=case.pk, by=people.approver, reason="")
        assert reload(case).state == "awaiting_decision"
        case = services.deny_application(case_id=case.pk, by=people.approver, reason="用地性质不符合控制性详细规划")
    assert (case.decision, case.decision_reason) == ("denied", "用地性质不符合控制性详细规划")
    event = case.events.get(action="deny")
    assert event.reason == "用地性质不符合控制性详细规划"
    assert "行政复议" in event.data["remedy"] and "行政诉讼" in event.data["remedy"]


def test_the_clerk_who_accepted_a_case_cannot_also_approve_it(people):
    """Separation of duties (审批分离): the accepting clerk, even with the approver role, may not decide."""
    zrzyj = Department.objects.get(code="ZRZYJ")
    hall_services.grant_role(user=people.clerk, role="approver", department=zrzyj)
    case = helpers.recommended(under_review_from_september_30(people), people)
    with pytest.raises(NotPermitted, match="审批分离"):
        services.approve_application(case_id=case.pk, by=helpers.fresh(people.clerk), reason="符合条件")
    assert reload(case).state == "awaiting_decision"
    assert services.approve_application(case_id=case.pk, by=people.approver).state == "decided"

    helpers.publish_revision(separation_of_duties=False)  # configurable per item
    case = helpers.recommended(under_review_from_september_30(people), people)
    assert services.approve_application(case_id=case.pk, by=helpers.fresh(people.clerk)).state == "decided"


def test_the_yellow_warning_starts_with_the_last_fifth_of_the_period(twenty_days, people):
    """DESIGN.md, warnings: yellow when the last fifth of the period starts, at the latest on the due day."""
    twenty = accepted_on_september_30(people)
    # 20 days: the last fifth is working days 17–20; the 17th after 09-30 is Thursday 10-29.
    assert twenty.decision_yellow_at.isoformat() == "2026-10-29T00:00:00+08:00"

    helpers.publish_revision(committed_days=1)
    one = accepted_on_september_30(people)
    # 1 day: the period is its own last fifth — yellow from the start of the due day, 10-08.
    assert one.decision_due == end_of(2026, 10, 8)
    assert one.decision_yellow_at.isoformat() == "2026-10-08T00:00:00+08:00"


def test_a_deadline_in_a_year_without_a_schedule_is_provisional_until_the_year_is_entered(
    twenty_days, people, django_capture_on_commit_callbacks
):
    """DESIGN.md, calendar: 2027 is unknown to chinese-calendar, so Monday–Friday is assumed and the due
    date is provisional; entering the year's holidays recomputes it and the change is audited."""
    with frozen(at(2026, 12, 15, 9)):
        case = helpers.submitted_case(people)
        case = services.accept_application(case_id=case.pk, by=people.clerk)
    assert case.deadline_provisional is True
    assert case.decision_due == end_of(2027, 1, 12)  # Friday 2027-01-01 counted as a working day

    with frozen(at(2026, 12, 16, 9)):
        with django_capture_on_commit_callbacks(execute=True):
            hall_services.set_calendar_day(day=date(2027, 1, 1), is_working=False, note="元旦", by=people.catalog_admin)
        with django_capture_on_commit_callbacks(execute=True):
            hall_services.confirm_calendar_year(year=2027, note="国办发明电〔2026〕X号", by=people.catalog_admin)

    case = reload(case)
    assert case.decision_due == end_of(2027, 1, 13)
    assert case.deadline_provisional is False
    audit = AuditEntry.objects.filter(action="approvals.recompute_deadlines")
    assert audit.count() == 2
    assert audit.filter(detail__cases=1).count() == 2


def test_a_decided_case_is_provisional_only_while_its_delivery_period_is(twenty_days, people):
    """DESIGN.md, calendar: once decided, only the delivery period (art. 44) runs; a decision period that
    reached into an unscheduled year no longer makes the case's deadline provisional."""
    with frozen(at(2026, 12, 15, 9)):
        case = helpers.submitted_case(people)
        case = services.accept_application(case_id=case.pk, by=people.clerk)
        case = services.start_review(case_id=case.pk, by=people.reviewer)
    assert case.deadline_provisional is True
    with frozen(at(2026, 12, 16, 10)):
        helpers.recommended(case, people)
        case = services.approve_application(case_id=case.pk, by=people.approver)
    assert case.delivery_due == end_of(2026, 12, 30)
    assert case.deadline_provisional is False
