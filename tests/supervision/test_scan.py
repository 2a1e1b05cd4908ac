"""The deadline scan (电子监察 预警), one test per rule of 行政许可法, at chosen instants.

The demo's 建设用地规划许可证核发 (ZRZYJ-XK-0005) promises 5 working days. Filed or accepted on
Wednesday 2026-09-30, before the National Day holiday (10-01…07; Saturday 10-10 is a make-up working
day), its 5 working days end on Tuesday 2026-10-13 at 23:59:59 Asia/Shanghai.
"""

import pytest

from approvals import services
from approvals.models import Application
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.approvals.helpers import at, end_of, frozen, reload

NOTHING = {
    "accept_red": 0,
    "correction_notice_red": 0,
    "decision_yellow": 0,
    "decision_red": 0,
    "delivery_red": 0,
    "joint_task_red": 0,
    "verification_red": 0,
}


def raised(**counts) -> dict:
    return {**NOTHING, **counts}


def submitted_on_september_30(people, **kw) -> Application:
    with frozen(at(2026, 9, 30, 9)):
        return helpers.submitted_case(people, **kw)


def accepted_on_september_30(people) -> Application:
    case = submitted_on_september_30(people)
    with frozen(at(2026, 9, 30, 15)):
        return services.accept_application(case_id=case.pk, by=people.clerk)


def under_review_from_october_8(people) -> Application:
    case = accepted_on_september_30(people)
    with frozen(at(2026, 10, 8, 9)):
        return services.start_review(case_id=case.pk, by=people.reviewer)


def warning(case, kind, level) -> Warning:
    return Warning.objects.get(application=case, kind=kind, level=level)


def test_art32_accept_red_once_five_working_days_pass_without_acceptance(people):
    """Art. 32: accept (or notify the corrections) within 5 working days of receipt. Red from the
    first instant after 10-13 23:59:59; a complete application owes no correction notice."""
    case = submitted_on_september_30(people)
    assert case.accept_due == end_of(2026, 10, 13)

    assert scan_deadlines(end_of(2026, 10, 13)) == {"raised": NOTHING, "resolved": 0}
    assert scan_deadlines(at(2026, 10, 14, 0)) == {"raised": raised(accept_red=1), "resolved": 0}

    card = warning(case, "accept", "red")
    assert (card.department_id, card.due_at) == (case.department_id, case.accept_due)
    assert (card.raised_at, card.resolved_at) == (at(2026, 10, 14, 0), None)


def test_art32_correction_notice_red_when_materials_incomplete_and_no_notice_sent(people):
    """Art. 32: incomplete materials must be notified all at once within 5 working days; when no
    notice came the application counts as accepted from receipt — the missing notice is flagged."""
    incomplete = submitted_on_september_30(people, complete=False)
    complete = submitted_on_september_30(people)

    counts = scan_deadlines(at(2026, 10, 14, 9))

    assert counts["raised"] == raised(accept_red=2, correction_notice_red=1)
    card = warning(incomplete, "correction_notice", "red")
    assert card.due_at == incomplete.correction_notice_due == end_of(2026, 10, 13)
    assert not complete.warnings.filter(kind="correction_notice").exists()


def test_art32_a_notice_in_time_raises_nothing_and_resubmission_restarts_the_five_days(people):
    """A notice sent in time stops the 5 days (correction_requested); the resubmission is a new
    receipt with its own 5 working days: Tuesday 10-20 → Tuesday 10-27."""
    case = submitted_on_september_30(people)
    with frozen(at(2026, 10, 9, 10)):
        case = helpers.act("request_correction", case, people)
    assert scan_deadlines(at(2026, 10, 19, 10))["raised"] == NOTHING

    with frozen(at(2026, 10, 20, 10)):
        for item in helpers.correction_notice_items(case):
            helpers.upload(case, people.applicant, item["requirement_id"])
        case = services.resubmit_application(case_id=case.pk, by=people.applicant)
    assert case.accept_due == end_of(2026, 10, 27)
    assert scan_deadlines(end_of(2026, 10, 27))["raised"] == NOTHING
    assert scan_deadlines(at(2026, 10, 28, 9))["raised"] == raised(accept_red=1)


def test_art42_decision_yellow_in_the_last_fifth_then_red_once_due_passes(people):
    """Art. 42: yellow from 00:00 of the first working day of the last fifth (5 days → the due day
    itself, 10-13), red after 10-13 23:59:59; the red replaces the yellow."""
    case = under_review_from_october_8(people)
    assert (case.decision_yellow_at, case.decision_due) == (at(2026, 10, 13, 0), end_of(2026, 10, 13))

    assert scan_deadlines(at(2026, 10, 12, 23, 59))["raised"] == NOTHING
    assert scan_deadlines(at(2026, 10, 13, 0))["raised"] == raised(decision_yellow=1)
    assert scan_deadlines(at(2026, 10, 14, 0)) == {"raised": raised(decision_red=1), "resolved": 1}

    yellow, red = warning(case, "decision", "yellow"), warning(case, "decision", "red")
    # the yellow window ended when the period did, not when the scan noticed
    assert (yellow.raised_at, yellow.resolved_at) == (at(2026, 10, 13, 0), end_of(2026, 10, 13))
    assert (red.due_at, red.resolved_at) == (end_of(2026, 10, 13), None)


def test_scanning_twice_raises_nothing_new(people):
    """Warnings are unique per (case, kind, level): the same scan again changes nothing."""
    submitted_on_september_30(people, complete=False)
    under_review_from_october_8(people)
    first = scan_deadlines(at(2026, 10, 14, 9))
    rows = list(Warning.objects.values_list("id", "raised_at", "resolved_at").order_by("id"))

    assert sum(first["raised"].values()) == 4  # accept, correction notice, decision red + its passed yellow
    assert scan_deadlines(at(2026, 10, 14, 9)) == {"raised": NOTHING, "resolved": 0}
    assert scan_deadlines(at(2026, 10, 15, 9)) == {"raised": NOTHING, "resolved": 0}
    assert list(Warning.objects.values_list("id", "raised_at", "resolved_at").order_by("id")) == rows


def test_warnings_are_resolved_when_the_case_moves_on(people):
    """Accepting a case late resolves its acceptance warning; deemed accepted as of receipt (art. 32),
    its decision period has run out too, so the next scan shows the decision red."""
    case = submitted_on_september_30(people)
    scan_deadlines(at(2026, 10, 14, 9))
    with frozen(at(2026, 10, 14, 10)):
        case = services.accept_application(case_id=case.pk, by=people.clerk)
    assert case.deemed_accepted and case.decision_due == end_of(2026, 10, 13)

    # the decision's last fifth (10-13) passed too: its yellow window is recorded as a fact
    expected = {"raised": raised(decision_yellow=1, decision_red=1), "resolved": 1}
    assert scan_deadlines(at(2026, 10, 14, 10, 1)) == expected
    assert warning(case, "accept", "red").resolved_at == at(2026, 10, 14, 10)  # the acceptance itself


def test_art44_delivery_red_when_an_approved_result_is_not_delivered_in_ten_working_days(people):
    """Art. 44: the licence is issued within 10 working days of the decision; a denial raises nothing."""
    approved, denied = under_review_from_october_8(people), under_review_from_october_8(people)
    with frozen(at(2026, 10, 9, 10)):
        approved = helpers.act("approve", helpers.act("recommend", approved, people), people)
        helpers.act("deny", helpers.act("recommend", denied, people), people)
    assert approved.delivery_due == end_of(2026, 10, 22)

    assert scan_deadlines(end_of(2026, 10, 22))["raised"] == NOTHING
    assert scan_deadlines(at(2026, 10, 23, 9))["raised"] == raised(delivery_red=1)
    with frozen(at(2026, 10, 23, 10)):
        helpers.act("deliver", approved, people)
    assert scan_deadlines(at(2026, 10, 23, 11)) == {"raised": NOTHING, "resolved": 1}


def test_art45_a_suspended_case_is_not_overdue(people):
    """Art. 45: the special procedure's time is not counted — no decision warning while suspended."""
    case = under_review_from_october_8(people)
    with frozen(at(2026, 10, 9, 10)):
        helpers.act("suspend", case, people)

    assert scan_deadlines(at(2026, 10, 20, 9))["raised"] == NOTHING
    assert not Warning.objects.exists()


def test_art45_an_overdue_case_suspended_keeps_its_red_card(people):
    """Suspending after the due date does not cure the delay: the red stays open while the clock
    stands still, and after resuming (due moved by 3 working days to 10-16) the case is still late."""
    case = under_review_from_october_8(people)
    scan_deadlines(at(2026, 10, 14, 9))
    with frozen(at(2026, 10, 15, 10)):
        helpers.act("suspend", case, people)
    assert scan_deadlines(at(2026, 10, 16, 9)) == {"raised": NOTHING, "resolved": 0}
    with frozen(at(2026, 10, 20, 10)):
        case = helpers.act("resume", case, people)
    assert case.decision_due == end_of(2026, 10, 16)

    assert scan_deadlines(at(2026, 10, 20, 11)) == {"raised": NOTHING, "resolved": 0}
    assert warning(case, "decision", "red").resolved_at is None


def test_art42_an_extension_resolves_the_yellow_which_returns_when_the_extended_period_ends(people):
    """Art. 42: extended by 5 working days within the period (on the due day 10-13) the decision is
    due 10-20; the yellow card is resolved, comes back in the new last fifth (from 10-19) and the red
    follows once 10-20 has passed. A late extension is refused (approvals), so a red card stays red."""
    case = under_review_from_october_8(people)
    assert scan_deadlines(at(2026, 10, 13, 9)) == {"raised": raised(decision_yellow=1), "resolved": 0}
    with frozen(at(2026, 10, 13, 10)):
        case = helpers.act("extend", case, people)
    assert (case.decision_yellow_at, case.decision_due) == (at(2026, 10, 19, 0), end_of(2026, 10, 20))

    assert scan_deadlines(at(2026, 10, 13, 11)) == {"raised": NOTHING, "resolved": 1}
    assert scan_deadlines(at(2026, 10, 19, 9)) == {"raised": raised(decision_yellow=1), "resolved": 0}
    assert scan_deadlines(at(2026, 10, 21, 9)) == {"raised": raised(decision_red=1), "resolved": 1}
    red = warning(case, "decision", "red")
    assert (red.raised_at, red.due_at, red.resolved_at) == (at(2026, 10, 21, 9), end_of(2026, 10, 20), None)


def test_closed_cases_raise_nothing(people):
    """Withdrawn, rejected, terminated and delivered cases have no running period."""
    for state in ("withdrawn", "rejected", "terminated", "delivered", "draft"):
        with frozen(at(2026, 9, 30, 9)):
            helpers.case_in(state, people)
    assert scan_deadlines(at(2027, 6, 1, 9))["raised"] == NOTHING


@pytest.mark.parametrize("copies", [3, 30])
def test_the_scan_runs_the_same_statements_whatever_the_number_of_cases(people, copies,
                                                                         django_assert_max_num_queries):  # fmt: skip
    """Set-based (DESIGN.md, Timers): a constant number of SQL statements, never a loop over cases."""
    originals = [submitted_on_september_30(people, complete=False), under_review_from_october_8(people)]
    clone(originals, copies - 1)

    # jit off, resolve, 5 × (re-open, raise), 4 facts, 5 joint-task statements (supervision.scan._joint_tasks),
    # 2 verification statements (supervision.scan.verifications), one savepoint
    with django_assert_max_num_queries(25):
        counts = scan_deadlines(at(2026, 10, 14, 9))

    expected = raised(accept_red=copies, correction_notice_red=copies, decision_red=copies, decision_yellow=copies)
    assert counts["raised"] == expected


def clone(cases, copies: int) -> None:
    """``copies`` more rows like each case (no materials, same instants), in one bulk insert."""
    fields = [f for f in Application._meta.concrete_fields if not f.primary_key]
    rows = []
    for case in cases:
        case = reload(case)
        for n in range(copies):
            values = {f.attname: getattr(case, f.attname) for f in fields}
            rows.append(Application(**{**values, "number": f"{case.number}-{n}"}))
    Application.objects.bulk_create(rows)


def test_a_week_without_scans_records_the_yellow_windows_and_the_late_closures(people):
    """Issue 13, point 3: a red card is a record of fact. With the scheduler stopped from 10-09 to
    10-23, the scan afterwards records the yellow windows that opened in the gap and the periods that
    ended late between scans (accepted, decided and delivered after their due instants), each dated
    when it became true and resolved at the act that closed it — and nothing twice."""
    late_acceptance = submitted_on_september_30(people)  # due 10-13, accepted 10-15
    open_case = under_review_from_october_8(people)  # yellow 10-13, due 10-13, still open
    late_decision = under_review_from_october_8(people)  # decided 10-16, three working days late
    late_delivery = under_review_from_october_8(people)  # decided in time 10-09, delivered 10-26 (due 10-22)
    with frozen(at(2026, 10, 9, 10)):
        late_delivery = helpers.act("approve", helpers.act("recommend", late_delivery, people), people)
    assert scan_deadlines(at(2026, 10, 9, 11))["raised"] == NOTHING  # the last scan before the gap

    with frozen(at(2026, 10, 15, 10)):
        services.accept_application(case_id=late_acceptance.pk, by=people.clerk)
    with frozen(at(2026, 10, 16, 10)):
        helpers.act("approve", helpers.act("recommend", late_decision, people), people)
    with frozen(at(2026, 10, 26, 10)):
        helpers.act("deliver", late_delivery, people)

    counts = scan_deadlines(at(2026, 10, 27, 9))  # the first scan after the gap
    assert scan_deadlines(at(2026, 10, 27, 9, 1))["raised"] == NOTHING  # nothing twice

    def card(case, kind, level):
        found = warning(case, kind, level)
        return found.raised_at, found.resolved_at

    assert card(late_acceptance, "accept", "red") == (end_of(2026, 10, 13), at(2026, 10, 15, 10))
    assert card(open_case, "decision", "yellow") == (at(2026, 10, 13, 0), end_of(2026, 10, 13))
    assert warning(open_case, "decision", "red").resolved_at is None  # still late: the live rule
    assert card(late_decision, "decision", "yellow") == (at(2026, 10, 13, 0), end_of(2026, 10, 13))
    assert card(late_decision, "decision", "red") == (end_of(2026, 10, 13), at(2026, 10, 16, 10))
    assert card(late_delivery, "delivery", "red") == (end_of(2026, 10, 22), at(2026, 10, 26, 10))
    # the case accepted late (deemed accepted from receipt: due 10-13) is still open and late too
    assert counts["raised"]["accept_red"] == 1 and counts["raised"]["delivery_red"] == 1
    assert Warning.objects.count() == sum(counts["raised"].values())


def test_the_beat_records_only_what_closed_since_its_last_run(people):
    """The beat's scan looks back from its previous run (less a day), by the indexed closing instants;
    an explicit scan (``--at``) looks at every case."""
    case = under_review_from_october_8(people)
    with frozen(at(2026, 10, 16, 10)):
        helpers.act("approve", helpers.act("recommend", case, people), people)
    assert scan_deadlines(at(2026, 10, 27, 9), since=at(2026, 10, 20, 9))["raised"] == NOTHING
    assert scan_deadlines(at(2026, 10, 27, 9))["raised"] == raised(decision_yellow=1, decision_red=1)
