"""The window workbench (窗口工作台): what clerks, reviewers and approvers see and do in the browser.

Every action goes through the real services; the pages only show, collect and redirect.
"""

import re
from datetime import date, timedelta

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import Application, CorrectionNotice, State
from approvals.workflow import BY_NAME as ACTIONS
from hall.models import AuditEntry, User
from tests.approvals import helpers
from tests.approvals.helpers import FORM, ITEM, PDF, PNG, act, at, case_in, frozen, reload

QUEUE = "/workbench/"


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # A cache of this process only: another process clearing var/cache would make the calendar reload
    # its overrides in the middle of a query count.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wb"}}
    caches["default"].clear()  # a LOCATION's memory outlives the test (the queue's counts, approvals.queue_counts)
    with frozen(at(2026, 9, 14)):  # a Monday with no holiday within two weeks (中秋 is 2026-09-25)
        yield helpers.demo_people()


def as_user(client, user: User):
    client.force_login(user)
    return client


def case_url(case, *parts: str) -> str:
    return "/".join([f"/workbench/cases/{case.number}", *parts, ""]).replace("//", "/")


def html(response) -> str:
    return response.content.decode()


def buttons(response) -> set[str]:
    """The transitions the case page offers, read from the forms' action URLs."""
    return set(re.findall(r"/act/([a-z_]+)/", html(response)))


def accepted_on(day: int, people, *, by=None) -> Application:
    with frozen(at(2026, 9, day)):
        case = case_in("submitted", people)
        return act("accept", case, people, by=by)


# --- access --------------------------------------------------------------------------------------------


def test_urls_and_nav_link(people, client):
    assert reverse("approvals:workbench") == QUEUE
    assert reverse("approvals:work_case", args=["X-1"]) == "/workbench/cases/X-1/"
    assert reverse("approvals:work_act", args=["X-1", "accept"]) == "/workbench/cases/X-1/act/accept/"
    assert reverse("approvals:work_material", args=["X-1", 3]) == "/workbench/cases/X-1/materials/3/"
    page = as_user(client, people.reviewer).get("/")
    assert f'href="{QUEUE}">窗口工作台' in html(page)


def test_anonymous_users_log_in_applicants_get_403_on_the_queue_and_404_on_cases(people, client):
    case = case_in("submitted", people)
    assert client.get(QUEUE).status_code == 302
    assert client.get(case_url(case)).status_code == 302
    as_user(client, people.applicant)
    assert client.get(QUEUE).status_code == 403
    assert client.get("/workbench/file/").status_code == 403
    assert client.get(case_url(case)).status_code == 404  # even the owner: the workbench is for staff
    assert client.post(case_url(case, "act", "withdraw")).status_code == 404
    as_user(client, people.supervisor)
    assert client.get(QUEUE).status_code == 403


def test_a_clerk_of_another_department_does_not_see_our_cases(people, client):
    case = case_in("submitted", people)
    material = case.materials.first()
    as_user(client, people.clerk2)
    queue = client.get(QUEUE)
    assert queue.status_code == 200 and case.number not in html(queue)
    assert client.get(case_url(case)).status_code == 404
    assert client.post(case_url(case, "act", "accept")).status_code == 404
    assert client.post(case_url(case, "reveal")).status_code == 404
    assert client.get(case_url(case, "materials", str(material.pk))).status_code == 404
    assert reload(case).state == State.SUBMITTED
    assert not AuditEntry.objects.filter(action="approvals.reveal_identity").exists()


# --- the queue -----------------------------------------------------------------------------------------


def test_the_queue_lists_my_departments_cases_by_due_instant_with_counts_per_state(people, client):
    late = accepted_on(1, people)  # decision due 09-08: overdue on 09-14
    soon = accepted_on(9, people)  # due 09-16: two working days left
    later = accepted_on(11, people)  # due 09-18
    submitted = case_in("submitted", people)  # acceptance due 09-21
    waiting = case_in("correction_requested", people)  # the applicant's turn: nothing due from us
    elsewhere = helpers.submitted_case(people, code="SCJGJ-XK-0001")
    as_user(client, people.clerk)
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = html(response)
    positions = [page.index(c.number) for c in (late, soon, later, submitted, waiting)]
    assert positions == sorted(positions)
    assert elsewhere.number not in page
    counts = {value: n for value, _, n in response.context["states"]}
    assert counts[State.ACCEPTED] == 3 and counts[State.SUBMITTED] == 1 and counts[State.CORRECTION_REQUESTED] == 1
    assert response.context["total"] == 5
    rows = {c["number"]: c for c in response.context["rows"]}
    assert rows[late.number]["badge"]["level"] == "danger"
    assert rows[soon.number]["badge"]["level"] == "warn"
    assert rows[later.number]["badge"]["level"] == "ok"
    assert rows[submitted.number]["badge"]["level"] == "ok"
    assert rows[waiting.number]["badge"] is None
    assert "张*" in page and "张伟" not in page  # masked in the list too


def test_the_queue_filters_by_state_overdue_due_soon_and_handler(people, client):
    late = accepted_on(1, people)
    soon = accepted_on(9, people)
    by_backup = accepted_on(11, people, by=people.clerk_b)
    submitted = case_in("submitted", people)
    reviewing = case_in("under_review", people)  # handler: the reviewer
    as_user(client, people.clerk)

    def listed(**params) -> set[str]:
        response = client.get(QUEUE, params)
        assert response.status_code == 200
        return {c["number"] for c in response.context["rows"]}

    everything = {c.number for c in (late, soon, by_backup, submitted, reviewing)}
    assert listed() == everything
    assert listed(state="submitted") == {submitted.number}
    assert listed(state="accepted") == {late.number, soon.number, by_backup.number}
    assert listed(overdue="1") == {late.number}
    assert listed(due_soon="1") == {soon.number}
    assert listed(mine="1") == {late.number, soon.number, reviewing.number}  # accepted by me (首办)
    assert listed(assigned="1") == {late.number, soon.number, submitted.number}  # handler = me
    assert listed(assigned="1", state="submitted") == {submitted.number}
    response = client.get(QUEUE, {"state": "accepted", "overdue": "1"})
    assert {v: n for v, _, n in response.context["states"]}[State.ACCEPTED] == 1
    # garbage filters are dropped, never an error
    assert listed(state="bogus", page="-3") == everything
    assert listed(item="<script>", page="x" * 30) == set()


def test_the_queue_pages_by_fifty_without_counting_the_department(people, client, monkeypatch):
    base = case_in("submitted", people)
    Application.objects.bulk_create(
        Application(**{**_columns(base), "number": f"ZRZYJ-CLONE-{i:04d}"}) for i in range(55)
    )
    as_user(client, people.clerk)
    first = client.get(QUEUE)
    assert len(first.context["rows"]) == 50 and first.context["has_next"]
    assert "?page=2" in html(first)
    second = client.get(QUEUE, {"page": 2})
    assert len(second.context["rows"]) == 6 and not second.context["has_next"]
    assert not {c["id"] for c in first.context["rows"]} & {c["id"] for c in second.context["rows"]}


def _columns(case: Application) -> dict:
    skip = {"id", "number", "query_code"}
    return {f.attname: getattr(case, f.attname) for f in Application._meta.concrete_fields if f.attname not in skip}


@pytest.mark.parametrize(
    "params", [{}, {"overdue": "1"}, {"due_soon": "1"}, {"state": "under_review"}, {"assigned": "1", "page": "2"}]
)
def test_the_queue_renders_in_a_constant_number_of_queries(people, client, django_assert_max_num_queries, params):
    seeds = [case_in(state, people) for state in ("submitted", "accepted", "under_review", "suspended", "decided")]

    def bulk(numbers):
        for i in numbers:
            columns = _columns(seeds[i % len(seeds)])
            columns["handler_id"] = [people.clerk.pk, people.clerk_b.pk, people.reviewer.pk, None][i % 4]
            # due instants every 3 days from 07-16 to 11-08 (the bench spreads them ±60 days): overdue,
            # due soon and later rows; more rows over more days, not more queries
            with frozen(at(2026, 7, 16) + timedelta(days=3 * i)):
                columns["decision_due"] = columns["due_at"] = timezone.now()
            Application.objects.create(**columns, number=f"ZRZYJ-BULK-{i:04d}")

    bulk(range(15, 25))  # 08-30 … 09-26: at least one row in every variant
    as_user(client, people.approver)  # the approver page has the extra 待审批 section
    client.get(QUEUE, params)
    with CaptureQueriesContext(connection) as few:
        response = client.get(QUEUE, params)
    queries = len(few)  # now: the next request resets the connection's query log
    assert response.status_code == 200 and (response.context["rows"] or params.get("page"))
    bulk([*range(15), *range(25, 40)])
    with django_assert_max_num_queries(queries):
        response = client.get(QUEUE, params)
    if not params:
        assert len(response.context["rows"]) == 45


def test_badges_count_working_days_like_the_calendar_whatever_the_order_of_the_rows(people, client):
    from approvals.views_workbench import WorkingDaysFrom, deadline_badge
    from hall import calendar

    today = date(2026, 9, 14)
    shared = WorkingDaysFrom(today)
    # across 国庆/中秋 (2026-09-25 … 10-08, with the make-up working days) and weekends, both directions
    days = [today + timedelta(days=n) for n in (40, -3, 0, 17, -60, 1, 25, 24, -59, 12, 60)]
    for day in days:
        assert shared(day) == calendar.working_days_between(today, day), day
    now = at(2026, 9, 14)
    for day in days:
        due = calendar.end_of_day(day)
        alone = deadline_badge(due, now=now)
        assert deadline_badge(due, now=now, working_days=shared) == alone
        assert deadline_badge(due, now=now, working_days=WorkingDaysFrom(today - timedelta(days=1))) == alone
    assert deadline_badge(calendar.end_of_day(date(2026, 9, 8)), now=now)["text"] == "已超期 4 个工作日"
    assert deadline_badge(calendar.end_of_day(date(2026, 10, 9)), now=now)["text"] == "剩余 14 个工作日"


def test_approvers_see_what_waits_for_their_decision(people, client):
    waiting = case_in("awaiting_decision", people)
    case_in("under_review", people)
    case_in("accepted", people)
    response = as_user(client, people.approver).get(QUEUE)
    assert [c["number"] for c in response.context["awaiting_decision"]] == [waiting.number]
    assert response.context["awaiting_count"] == 1
    page = html(response)
    assert "待决定" in page and "建议准予" in page
    assert "awaiting-decision" not in html(as_user(client, people.clerk).get(QUEUE))  # the state chip stays


def test_the_approver_is_told_when_a_recommendation_waits(people, django_capture_on_commit_callbacks):
    from hall.models import Notification

    case = case_in("under_review", people)
    with django_capture_on_commit_callbacks(execute=True):
        act("recommend", case, people)
    message = Notification.objects.get(user=people.approver, kind="awaiting_decision")
    assert case.number in message.title and "建议准予" in message.body


def test_the_case_page_shows_the_recommendation_and_both_opinions(people, client):
    case = act("approve", case_in("awaiting_decision", people), people)
    page = html(as_user(client, people.clerk).get(case_url(case)))
    assert "审查与决定意见" in page and "材料齐全，符合法定条件，建议准予" in page and "符合条件" in page


def test_supervisors_read_the_case_page_without_any_action(people, client):
    """Supervisors read everything and change nothing: the page, masked identity, audited reveal."""
    case = case_in("awaiting_decision", people)
    as_user(client, people.supervisor)
    response = client.get(case_url(case))
    page = html(response)
    assert response.status_code == 200 and "监察人员只读查看" in page
    assert response.context["actions"] == [] and response.context["refused"] == []
    assert case.applicant_id_number not in page
    revealed = client.post(case_url(case, "reveal"))
    assert revealed.status_code == 200 and case.applicant_id_number in html(revealed)
    assert AuditEntry.objects.filter(action="approvals.reveal_identity", actor=people.supervisor).exists()
    assert client.post(case_url(case, "act", "approve"), {"reason": "x"}).status_code == 404
    assert client.get(QUEUE).status_code == 403
    assert reload(case).state == State.AWAITING_DECISION


def test_absence_routes_new_work_to_the_backup_who_is_told_and_sees_the_as_cases(people, client):
    """服务AB角: at window B01 陈静 (clerk) is A and 黄丽 (clerk_b) is B."""
    assigned_to_a = case_in("submitted", people)
    assert assigned_to_a.handler == people.clerk
    as_user(client, people.clerk)
    assert "我暂时离岗" in html(client.get(QUEUE))
    assert client.post("/workbench/absence/", {"absent": "1"}).status_code == 302
    assert reload_user(people.clerk).is_absent
    assert AuditEntry.objects.filter(action="staff.set_absent", actor=people.clerk).exists()
    routed = helpers.submitted_case(people)
    assert routed.handler == people.clerk_b

    response = as_user(client, people.clerk_b).get(QUEUE, {"assigned": "1"})
    page = html(response)
    assert "A角 陈静" in page and "离岗中，由您代为办理" in page
    rows = {c["number"]: c for c in response.context["rows"]}
    assert set(rows) == {assigned_to_a.number, routed.number}
    assert rows[assigned_to_a.number]["covering"] and "代A角办理" in page

    as_user(client, people.clerk).post("/workbench/absence/", {})
    assert not reload_user(people.clerk).is_absent
    assert "离岗中" not in html(as_user(client, people.clerk_b).get(QUEUE))
    assert as_user(client, people.reviewer).post("/workbench/absence/", {"absent": "1"}).status_code == 403


def reload_user(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- the case page -------------------------------------------------------------------------------------


def test_applicant_data_is_masked_until_revealed_and_each_reveal_is_audited(people, client):
    case = case_in("submitted", people)
    as_user(client, people.clerk)
    page = html(client.get(case_url(case)))
    assert "张*" in page and "110105********002X" in page and "138****0001" in page
    assert "11010519491231002X" not in page and "13800000001" not in page
    assert "受理/补正期限" in page and "剩余 5 个工作日" in page
    revealed = client.post(case_url(case, "reveal"), REMOTE_ADDR="198.51.100.4")
    assert revealed.status_code == 200
    assert "11010519491231002X" in html(revealed) and "13800000001" in html(revealed) and "张伟" in html(revealed)
    entry = AuditEntry.objects.get(action="approvals.reveal_identity")
    assert (entry.target, entry.actor, entry.ip) == (case.number, people.clerk, "198.51.100.4")
    assert "11010519491231002X" not in html(client.get(case_url(case)))  # for that page view only
    assert client.get(case_url(case, "reveal")).status_code == 405


@pytest.mark.parametrize(
    ("state", "who", "expected"),
    [
        ("submitted", "clerk", {"accept", "request_correction", "reject_intake"}),
        ("submitted", "reviewer", set()),
        ("submitted", "approver", {"terminate"}),
        ("submitted", "cashier", set()),
        ("accepted", "reviewer", {"start_review"}),
        ("accepted", "clerk", set()),
        ("under_review", "approver", {"extend", "terminate"}),
        ("under_review", "reviewer", {"suspend", "recommend"}),
        ("awaiting_decision", "approver", {"approve", "deny", "return_for_review", "extend", "terminate"}),
        ("awaiting_decision", "reviewer", set()),
        ("awaiting_decision", "clerk", set()),
        ("under_review", "clerk", set()),
        ("suspended", "reviewer", {"resume"}),
        ("decided", "clerk", {"deliver"}),
        ("delivered", "clerk", set()),
    ],
)
def test_the_page_offers_exactly_the_transitions_this_user_may_perform(people, client, state, who, expected):
    case = case_in(state, people)
    response = as_user(client, getattr(people, who)).get(case_url(case))
    assert response.status_code == 200
    assert buttons(response) == expected
    assert {a["name"] for a in response.context["actions"]} == expected


def test_the_case_page_shows_deadlines_materials_timeline_and_notices(people, client):
    case = accepted_on(9, people)
    response = as_user(client, people.reviewer).get(case_url(case))
    page = html(response)
    assert "办结期限" in page and "2026-09-16 23:59" in page and "剩余 2 个工作日" in page
    assert "受理/补正期限" not in page  # acceptance is behind this case: only the running clocks
    assert reverse("approvals:notice", args=[case.number, "acceptance"]) in page
    assert reverse("approvals:notice", args=[case.number, "decision"]) not in page
    assert page.count("/materials/") >= 4 and "建设用地规划许可申请表" in page
    assert "受理" in page and "陈静" in page  # the timeline names who acted
    assert "滨江路小学扩建工程" in page  # the application form


def test_a_deemed_acceptance_is_flagged(people, client):
    with frozen(at(2026, 9, 1)):
        case = case_in("submitted", people)
    case = act("accept", case, people)  # after the five working days: deemed accepted from receipt (art. 32)
    assert case.deemed_accepted
    assert "视为受理（第三十二条）" in html(as_user(client, people.clerk).get(case_url(case)))


# --- transitions ---------------------------------------------------------------------------------------


def test_one_correction_notice_lists_every_ticked_material(people, client):
    case = case_in("submitted", people)
    first, second, *_ = helpers.required_materials(case)
    as_user(client, people.clerk)
    response = client.post(case_url(case, "act", "request_correction"), {
        f"need_{first.pk}": "on", f"why_{first.pk}": "申请表缺少签章",
        f"need_{second.pk}": "on", f"why_{second.pk}": "营业执照复印件不清晰", "reason": "请一次补齐",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert reload(case).state == State.CORRECTION_REQUESTED
    notice = CorrectionNotice.objects.get(application=case)
    assert {(i.requirement_id, i.reason) for i in notice.items.all()} == {
        (first.pk, "申请表缺少签章"),
        (second.pk, "营业执照复印件不清晰"),
    }
    page = html(client.get(case_url(case)))
    assert "申请表缺少签章" in page and "营业执照复印件不清晰" in page
    assert reverse("approvals:notice", args=[case.number, "correction"]) in page


def test_a_ticked_material_without_a_reason_is_a_form_error_and_nothing_changes(people, client):
    case = case_in("submitted", people)
    first, second, *_ = helpers.required_materials(case)
    as_user(client, people.clerk)
    response = client.post(case_url(case, "act", "request_correction"), {
        f"need_{first.pk}": "on", f"why_{first.pk}": "缺少签章", f"need_{second.pk}": "on", f"why_{second.pk}": " ",
    })  # fmt: skip
    assert response.status_code == 400
    form = response.context["actions"][[a["name"] for a in response.context["actions"]].index("request_correction")]
    assert form["open"] and form["form"].errors[f"why_{second.pk}"] == ["请说明补正理由。"]
    assert "请说明补正理由。" in html(response) and 'id="act-request_correction" open' in html(response)
    assert reload(case).state == State.SUBMITTED and not CorrectionNotice.objects.filter(application=case).exists()
    nothing = client.post(case_url(case, "act", "request_correction"), {"reason": "材料不全"})
    assert nothing.status_code == 400 and "请列出需要补正的全部材料及理由。" in html(nothing)


def test_the_clerk_accepts_a_complete_case(people, client):
    case = case_in("submitted", people)
    as_user(client, people.clerk)
    response = client.post(case_url(case, "act", "accept"), {"seen": "0"}, follow=True)
    assert response.status_code == 200 and "已受理" in html(response)
    case = reload(case)
    assert case.state == State.ACCEPTED and case.accepted_by == people.clerk and case.decision_due
    assert case.events.get(action="accept").ip == "127.0.0.1"


def test_accepting_with_materials_missing_is_refused_with_the_reason(people, client):
    draft = helpers.file_case(people.applicant, complete=False)
    case = services.submit_application(case_id=draft.pk, by=people.applicant)
    response = as_user(client, people.clerk).post(case_url(case, "act", "accept"), follow=True)
    assert "必要材料尚未齐全" in html(response) and reload(case).state == State.SUBMITTED


def test_reject_intake_needs_the_confirmation_and_a_reason(people, client):
    case = case_in("submitted", people)
    as_user(client, people.clerk)
    unconfirmed = client.post(case_url(case, "act", "reject_intake"), {"reason": "不属于本机关职权"})
    assert unconfirmed.status_code == 400 and reload(case).state == State.SUBMITTED
    no_reason = client.post(case_url(case, "act", "reject_intake"), {"confirm": "on", "reason": ""})
    assert no_reason.status_code == 400 and "请填写不予受理的理由。" in html(no_reason)
    page = html(client.get(case_url(case, "act", "reject_intake")))
    assert services.REMEDY in page  # the remedy comes prefilled
    done = client.post(case_url(case, "act", "reject_intake"), {"confirm": "on", "reason": "不属于本机关职权",
                                                                  "remedy": services.REMEDY})  # fmt: skip
    assert done.status_code == 302 and reload(case).state == State.REJECTED


def test_the_reviewer_starts_review_suspends_for_a_procedure_and_resumes(people, client):
    case = case_in("accepted", people)
    as_user(client, people.reviewer)
    assert client.post(case_url(case, "act", "start_review")).status_code == 302
    assert reload(case).state == State.UNDER_REVIEW and reload(case).handler == people.reviewer
    missing = client.post(case_url(case, "act", "suspend"), {"reason": "需专家评审"})
    assert missing.status_code == 400 and reload(case).state == State.UNDER_REVIEW
    done = client.post(case_url(case, "act", "suspend"), {"procedure": "expert_review", "reason": "需专家评审"})
    assert done.status_code == 302
    assert reload(case).state == State.SUSPENDED and case.suspensions.get().procedure == "expert_review"
    page = html(client.get(case_url(case)))
    assert "计时暂停" in page and "专家评审" in page
    assert reverse("approvals:notice", args=[case.number, "special_procedure"]) in page
    with frozen(at(2026, 9, 17)):
        as_user(client, people.reviewer)  # a new day, a new session (SESSION_COOKIE_AGE is 8 hours)
        assert client.post(case_url(case, "act", "resume")).status_code == 302
    case = reload(case)
    assert case.state == State.UNDER_REVIEW and case.suspended_days == 3


def test_the_approver_extends_at_most_ten_days_once_and_approves(people, client):
    case = case_in("under_review", people)
    due = case.decision_due
    as_user(client, people.approver)
    too_long = client.post(case_url(case, "act", "extend"), {"days": "11", "reason": "需现场核查"})
    assert too_long.status_code == 400 and "延长天数须为 1 至 10 个工作日。" in html(too_long)
    assert reload(case).extension_days == 0
    not_a_number = client.post(case_url(case, "act", "extend"), {"days": "十", "reason": "需现场核查"})
    assert not_a_number.status_code == 400
    no_reason = client.post(case_url(case, "act", "extend"), {"days": "5"})
    assert no_reason.status_code == 400 and "请说明延期理由" in html(no_reason)
    assert client.post(case_url(case, "act", "extend"), {"days": "5", "reason": "需现场核查"}).status_code == 302
    case = reload(case)
    assert case.extension_days == 5 and case.decision_due > due
    again = client.post(case_url(case, "act", "extend"), {"days": "2", "reason": "再延"}, follow=True)
    assert "不得再次延期" in html(again) and reload(case).extension_days == 5
    page = client.get(case_url(case))
    assert "extend" not in {a["name"] for a in page.context["actions"]}
    assert "暂不能延长期限：本件已延期一次" in html(page)  # the service's own words, not a button
    assert client.post(case_url(case, "act", "approve"), {"reason": "符合条件"}).status_code == 302  # not yet
    assert reload(case).state == State.UNDER_REVIEW
    act("recommend", case, people)
    assert client.post(case_url(case, "act", "approve"), {"reason": "符合条件"}).status_code == 302
    case = reload(case)
    assert case.state == State.DECIDED and case.decision == Application.Decision.APPROVED and case.delivery_due


def test_a_denial_needs_reasons(people, client):
    case = case_in("awaiting_decision", people)
    as_user(client, people.approver)
    response = client.post(case_url(case, "act", "deny"), {"confirm": "on"})
    assert response.status_code == 400 and "不予决定必须说明理由" in html(response)
    assert client.post(case_url(case, "act", "deny"), {"confirm": "on", "reason": "不符合规划"}).status_code == 302
    assert reload(case).decision == Application.Decision.DENIED


def test_express_delivery_needs_a_tracking_number(people, client):
    case = case_in("decided", people)
    as_user(client, people.clerk)
    response = client.post(case_url(case, "act", "deliver"), {"method": "express"})
    assert response.status_code == 400 and "邮寄送达须填写快递单号。" in html(response)
    assert reload(case).state == State.DECIDED
    done = client.post(case_url(case, "act", "deliver"), {"method": "express", "tracking_number": "SF1234567890"})
    assert done.status_code == 302
    case = reload(case)
    assert (case.state, case.delivery_method, case.tracking_number) == (State.DELIVERED, "express", "SF1234567890")


def test_a_stale_form_says_someone_else_acted_first(people, client):
    case = case_in("submitted", people)
    as_user(client, people.clerk)
    seen = client.get(case_url(case)).context["seen"]
    services.accept_application(case_id=case.pk, by=people.clerk_b)  # the B role at the next counter was faster
    response = client.post(case_url(case, "act", "accept"), {"seen": seen}, follow=True)
    assert response.status_code == 200
    page = html(response)
    assert "办件已被他人处理" in page and "黄丽" in page
    assert response.context["case"].state == State.ACCEPTED  # the refreshed page
    assert reload(case).accepted_by == people.clerk_b
    requirement = helpers.required_materials(case)[0]
    stale = client.post(case_url(case, "act", "request_correction"), {
        "seen": seen, f"need_{requirement.pk}": "on", f"why_{requirement.pk}": "不清晰"}, follow=True)  # fmt: skip
    assert "办件已被他人处理" in html(stale) and not CorrectionNotice.objects.filter(application=case).exists()
    empty = client.post(case_url(case, "act", "request_correction"), {"seen": seen}, follow=True)
    assert "办件已被他人处理" in html(empty)  # the case moved on: no point in asking for the missing ticks


def test_unknown_actions_are_404(people, client):
    case = case_in("submitted", people)
    as_user(client, people.clerk)
    for name in ("fly", "approve_all", "__class__", "create"):
        assert client.post(case_url(case, "act", name)).status_code == 404
    assert client.get(case_url(case, "act", "accept")).status_code == 200  # the page with that form open
    assert client.get("/workbench/cases/NO-SUCH/").status_code == 404
    assert client.get("/workbench/cases/%00/").status_code == 404
    assert client.get("/workbench/cases/%00/materials/1/").status_code == 404
    assert client.post("/workbench/cases/%00/act/accept/").status_code == 404


# --- walk-in filing and materials ------------------------------------------------------------------


def filing_body(**changes) -> dict:
    body = {"item": ITEM, "applicant_type": "person", "applicant_name": "张伟",
            "applicant_id_number": "11010519491231002X", "applicant_phone": "13800000001",
            "applicant_address": "西湖区文三路 1 号", **{f"form_{k}": v for k, v in FORM.items()}}  # fmt: skip
    body.update(changes)
    return body


def test_a_clerk_files_a_walk_in_uploads_scans_and_submits(people, client):
    as_user(client, people.clerk)
    chooser = client.get("/workbench/file/")
    assert chooser.status_code == 200 and ITEM in html(chooser)
    assert "SCJGJ-XK-0001" not in html(chooser)  # only my departments' items
    form = client.get("/workbench/file/", {"item": ITEM})
    assert form.status_code == 200 and 'name="form_project_name"' in html(form)

    bad = client.post(f"/workbench/file/?item={ITEM}", filing_body(applicant_id_number="110105194912310021"))
    assert bad.status_code == 400 and "居民身份证号码无效" in html(bad)
    missing = client.post(f"/workbench/file/?item={ITEM}", filing_body(form_project_name=""))
    assert missing.status_code == 400 and "请填写" in html(missing)
    assert not Application.objects.exists()

    response = client.post(f"/workbench/file/?item={ITEM}", filing_body())
    case = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == case_url(case) + "#materials"
    assert (case.channel, case.filed_by, case.state) == ("window", people.clerk, State.DRAFT)
    page = html(client.get(case_url(case)))
    assert page.count('enctype="multipart/form-data"') == case.item_version.materials.count()
    assert case.query_code in page  # to hand to the applicant

    requirements = helpers.required_materials(case)
    refused = client.post(case_url(case, "materials"), {
        "requirement_id": requirements[0].pk, "file": SimpleUploadedFile("scan.gif", helpers.GIF)})  # fmt: skip
    assert refused.status_code == 415 and "只接受 PDF" in html(refused)
    for requirement in requirements:
        scan = SimpleUploadedFile("扫描件.pdf", PDF, content_type="application/octet-stream")
        uploaded = client.post(case_url(case, "materials"), {"requirement_id": requirement.pk, "file": scan})
        assert uploaded.status_code == 302
    assert case.materials.filter(superseded=False).count() == len(requirements)
    assert buttons(client.get(case_url(case))) == {"submit", "withdraw"}  # the filing clerk acts as the filer
    assert client.post(case_url(case, "act", "submit")).status_code == 302
    case = reload(case)
    assert case.state == State.SUBMITTED and case.received_at and case.handler == people.clerk
    # the window clerk may still add a scan before acceptance, then accept
    extra = {"requirement_id": requirements[0].pk, "file": SimpleUploadedFile("补充.png", PNG)}
    assert client.post(case_url(case, "materials"), extra).status_code == 302
    assert buttons(client.get(case_url(case))) == {"accept", "request_correction", "reject_intake", "withdraw"}


def test_filing_is_for_clerks_and_their_items(people, client):
    assert as_user(client, people.reviewer).get("/workbench/file/").status_code == 403
    as_user(client, people.clerk)
    other = client.post("/workbench/file/?item=SCJGJ-XK-0001", filing_body(item="SCJGJ-XK-0001"))
    assert other.status_code == 200 and "请选择本部门" in html(other)
    assert not Application.objects.exists()


def test_material_previews_stream_the_stored_file_to_users_in_scope_only(people, client):
    draft = helpers.file_case(people.applicant)
    requirement = helpers.required_materials(draft)[0]
    image = helpers.upload(draft, people.applicant, requirement, content=PNG, name="执照.png")
    case = services.submit_application(case_id=draft.pk, by=people.applicant)
    pdf = case.materials.filter(superseded=False, content_type="application/pdf").first()
    as_user(client, people.reviewer)
    response = client.get(case_url(case, "materials", str(image.pk)))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename")
    assert b"".join(response.streaming_content) == PNG
    assert client.get(case_url(case, "materials", str(pdf.pk)))["Content-Type"] == "application/pdf"
    page = html(client.get(case_url(case)))
    assert case_url(case, "materials", str(image.pk)) in page and "<img" in page
    for outsider in (people.clerk2, people.applicant, people.applicant2):
        assert as_user(client, outsider).get(case_url(case, "materials", str(image.pk))).status_code == 404
    as_user(client, people.clerk)
    other = case_in("submitted", people)
    assert client.get(case_url(other, "materials", str(image.pk))).status_code == 404  # not that case's file
    assert client.get(case_url(case, "materials", str(10**30))).status_code == 404


# --- robustness ------------------------------------------------------------------------------------------


def test_pages_carry_no_inline_style_or_script(people, client):
    submitted, reviewing = case_in("submitted", people), case_in("under_review", people)
    pages = [
        (people.clerk, QUEUE), (people.clerk, case_url(submitted)), (people.clerk, "/workbench/file/"),
        (people.clerk, f"/workbench/file/?item={ITEM}"), (people.approver, QUEUE),
        (people.approver, case_url(reviewing)), (people.reviewer, case_url(reviewing)),
        (people.clerk, case_url(submitted, "act", "request_correction")),
    ]  # fmt: skip
    for user, url in pages:
        page = html(as_user(client, user).get(url))
        assert 'style="' not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
        assert not re.search(r"\son[a-z]+=", page), url


GARBAGE = [
    {},
    {"days": "abc", "procedure": "x" * 500, "method": "pigeon", "seen": "9" * 40, "reason": "x" * 5000},
    {"days": "99999999999999999999999", "need_99999": "on", "why_abc": "x", "confirm": "maybe", "seen": "-1"},
    {"method": "express", "tracking_number": "x" * 500, "remedy": "", "procedure": "", "items": "[1]"},
]


def test_garbage_posts_never_answer_500(people, client):
    cases = {state: case_in(state, people) for state in ("draft", "submitted", "under_review", "suspended", "decided")}
    for who in ("clerk", "reviewer", "approver", "cashier"):
        as_user(client, getattr(people, who))
        for case in cases.values():
            for action in ACTIONS:
                for body in GARBAGE:
                    response = client.post(case_url(case, "act", action), body)
                    assert response.status_code < 500, (who, case.state, action, body)
            for body in ({}, {"requirement_id": "x"}, {"requirement_id": "99999999999999999999"},
                         {"requirement_id": "1", "file": SimpleUploadedFile("a.pdf", b"")}):  # fmt: skip
                assert client.post(case_url(case, "materials"), body).status_code < 500
            assert client.post(case_url(case, "reveal"), {"x": "y"}).status_code == 200
    as_user(client, people.clerk)
    assert client.post("/workbench/absence/", {"absent": ["1", "2"]}).status_code == 302
    assert client.post("/workbench/file/?item=" + "%00" * 40, {"applicant_type": "alien"}).status_code < 500
    assert client.post(f"/workbench/file/?item={ITEM}", {"applicant_type": "alien", "form_x": "1"}).status_code == 400


def test_a_case_awaiting_the_decision_shows_its_running_decision_deadline(people, client):
    case = case_in("awaiting_decision", people)
    deadlines = as_user(client, people.approver).get(case_url(case)).context["deadlines"]
    decision = next(row for row in deadlines if row["label"] == "办结期限")
    assert decision["badge"] is not None  # the period runs while the approver decides


def test_the_tabs_count_from_the_cache_until_a_case_of_the_department_moves(
    people, client, django_capture_on_commit_callbacks
):
    """Issue 22 (approvals.queue_counts): the unfiltered tabs are counted once per department and version;
    a committed transition renews the department's version, a filtered queue always counts."""
    case_in("submitted", people)
    moving = case_in("submitted", people)
    as_user(client, people.clerk)

    def counts(params=None) -> dict:
        response = client.get(QUEUE, params or {})
        return {value: n for value, _, n in response.context["states"] if n}

    assert counts() == {State.SUBMITTED: 2}
    # a change outside the workflow (no transition, no signal) is not seen until a transition or expiry …
    Application.objects.filter(pk=moving.pk).update(state=State.UNDER_REVIEW)
    assert counts() == {State.SUBMITTED: 2}
    assert counts({"item": ITEM}) == {State.SUBMITTED: 1, State.UNDER_REVIEW: 1}  # … filtered ones count now
    Application.objects.filter(pk=moving.pk).update(state=State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        act("accept", moving, people)
    assert counts() == {State.SUBMITTED: 1, State.ACCEPTED: 1}
