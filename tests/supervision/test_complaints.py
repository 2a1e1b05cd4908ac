"""投诉 and the 12345 hotline (issue 21): the lifecycle 受理 → 派单 → 办理 → 答复 → 回访 → 评价, the public GET
without personal data, anonymous throttling, attachments checked like materials, duplicates merged, signed
work orders in and answers out through the outbox with a delivery log."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from approvals.models import State
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import AuditEntry, Department, OutboxMessage
from supervision import complaints, hotline
from supervision.models import Complaint, HotlineDelivery
from tests.approvals import helpers
from tests.approvals.helpers import at, case_in, end_of, frozen

API = "/api/v1/complaints"
SCRIPT = '<script>alert("x")</script><b>粗</b>'


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HOTLINE_BACKEND = "supervision.hotline.LoggingBackend"
    hotline.LoggingBackend.sent = []
    with frozen(at(2026, 9, 14)):  # a Monday
        yield helpers.demo_people()


def anonymous(ip: str = "198.51.100.7") -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file(**kw) -> Complaint:
    return complaints.file_complaint(**{"text": "窗口人员态度恶劣", **kw})


def department_of(case) -> Department:
    return Department.objects.get(pk=case.department_id)


# --- the lifecycle ------------------------------------------------------------------------------------------


def test_an_anonymous_complaint_goes_through_its_whole_lifecycle(people):
    case = case_in(State.DELIVERED, people)
    filed = anonymous().post(API, {"text": "材料被要求提交了三次", "case_number": case.number,
                                   "contact": {"name": "张先生", "phone": "13900000009"}}, format="json")  # fmt: skip
    assert filed.status_code == 201, filed.content
    number, code = filed.json()["tracking_number"], filed.json()["query_code"]
    complaint = Complaint.objects.get(tracking_number=number)
    assert complaint.state == "received" and complaint.department_id == case.department_id
    assert complaint.filed_by is None and complaint.client_ip == "198.51.100.7"

    shown = anonymous().get(f"{API}/{number}", {"query_code": code})
    assert shown.status_code == 200 and shown.json()["state"] == "received"
    assert "13900000009" not in shown.content.decode() and "张先生" not in shown.content.decode()
    assert "材料被要求" not in shown.content.decode()  # the text is the complainant's own, not shown publicly

    complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor,
                                department_code=department_of(case).code, due_days=5)  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.state == "assigned" and complaint.due == end_of(2026, 9, 20)  # 09-20 worked (调休)
    complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk, answer="已约谈窗口人员，一次告知全部材料")
    complaints.close_complaint(complaint_id=complaint.pk, by=people.supervisor, callback_note="电话回访，投诉人认可",
                               finding="upheld", satisfaction=4)  # fmt: skip

    body = anonymous().get(f"{API}/{number}", {"query_code": code}).json()
    assert body["state"] == "closed" and body["answer"] == "已约谈窗口人员，一次告知全部材料"
    assert body["department"]["code"] == department_of(case).code and body["closed_at"]
    assert body["finding"] == "upheld"
    actions = list(AuditEntry.objects.filter(target=number).order_by("id").values_list("action", flat=True))
    assert actions == ["supervision.complaint_filed", "supervision.complaint_assigned",
                       "supervision.complaint_answered", "supervision.complaint_closed"]  # fmt: skip


def test_a_wrong_query_code_is_404_like_an_unknown_number(people):
    complaint = file()
    wrong = anonymous().get(f"{API}/{complaint.tracking_number}", {"query_code": "WRONG123"})
    unknown = anonymous().get(f"{API}/TS00000000XXXXXX", {"query_code": complaint.query_code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() and set(wrong.json()) == {"error", "detail", "fields"}


def test_each_step_only_by_whom_and_when_it_belongs(people):
    case = case_in(State.DELIVERED, people)
    complaint = file(case_number=case.number)
    with pytest.raises(NotPermitted):
        complaints.assign_complaint(complaint_id=complaint.pk, by=people.clerk, department_code="X", due_days=5)
    with pytest.raises(Conflict):  # not assigned yet
        complaints.close_complaint(complaint_id=complaint.pk, by=people.supervisor, callback_note="x", finding="upheld")
    complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor,
                                department_code=department_of(case).code, due_days=3)  # fmt: skip
    with pytest.raises(OutsideScope):  # another department
        complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk2, answer="不是我们")
    with pytest.raises(ValidationError):
        complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor, department_code="NOPE",
                                    due_days=3)  # fmt: skip
    with pytest.raises(Conflict):
        complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor,
                                    department_code=department_of(case).code, due_days=3)  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "text"), ({"text": ""}, "text"), ({"text": "x", "case_number": "NO-SUCH"}, "case_number"),
     ({"text": "x", "department_code": "NOPE"}, "department_code"), ({"text": "x", "contact": {"phone": "abc"}},
     "contact_phone"), ({"text": "长" * 2001}, "text")],
)  # fmt: skip
def test_bad_complaints_are_400_naming_the_field(people, body, field):
    response = anonymous().post(API, body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"], response.content


# --- throttling, attachments, duplicates --------------------------------------------------------------------


def test_anonymous_complaints_are_throttled_per_client_address(people):
    first = anonymous("203.0.113.50")
    answers = [first.post(API, {"text": f"第{i}次投诉"}, format="json").status_code for i in range(6)]
    assert answers == [201] * 5 + [429]
    assert anonymous("203.0.113.51").post(API, {"text": "另一个地址"}, format="json").status_code == 201
    signed_in = APIClient(REMOTE_ADDR="203.0.113.50")
    signed_in.force_authenticate(people.applicant)
    assert signed_in.post(API, {"text": "实名投诉"}, format="json").status_code == 201


def test_the_public_form_is_throttled_too(people):
    client = Client(REMOTE_ADDR="203.0.113.60")
    codes = [client.post(reverse("supervision:complaint_new"), {"text": f"投诉{i}"}).status_code for i in range(6)]
    assert codes == [201] * 5 + [429]


def test_a_complaints_lookups_are_limited_per_tracking_number_on_the_api_and_the_page(people, monkeypatch):
    """Issue 22, point 4: guesses at one complaint's query code are capped whatever the address, one budget
    for the API and the tracking page (THROTTLE_PROGRESS_NUMBER, here 3/hour); another complaint is not."""
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "progress_number": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    complaint, other = file(), file(text="另一条投诉")
    guess = {"number": complaint.tracking_number, "query_code": "WRONG123"}
    url = f"{API}/{complaint.tracking_number}"
    assert anonymous("203.0.113.70").get(url, {"query_code": "WRONG123"}).status_code == 404
    track = reverse("supervision:complaint_track")
    assert [Client(REMOTE_ADDR=f"203.0.113.{n}").get(track, guess).status_code for n in (71, 72)] == [404, 404]
    right = {"number": complaint.tracking_number, "query_code": complaint.query_code}
    refused = Client(REMOTE_ADDR="203.0.113.73").get(track, right)
    assert refused.status_code == 429 and "查询过于频繁" in refused.content.decode()
    api = anonymous("203.0.113.74").get(url, {"query_code": complaint.query_code})
    assert api.status_code == 429 and api.json()["error"] == "throttled"
    mine = {"number": other.tracking_number, "query_code": other.query_code}
    assert Client(REMOTE_ADDR="203.0.113.73").get(track, mine).status_code == 200


def test_attachments_are_checked_like_materials(people):
    gif = SimpleUploadedFile("photo.gif", helpers.GIF, content_type="image/gif")
    refused = anonymous().post(API, {"text": "附照片", "files": [gif]}, format="multipart")
    assert refused.status_code == 415 and not Complaint.objects.filter(text="附照片").exists()
    pdf = SimpleUploadedFile("证据.pdf", helpers.PDF, content_type="application/pdf")
    filed = anonymous().post(API, {"text": "附证据", "contact_phone": "13900000001", "files": [pdf]},
                             format="multipart")  # fmt: skip
    assert filed.status_code == 201, filed.content
    complaint = Complaint.objects.get(tracking_number=filed.json()["tracking_number"])
    assert complaint.contact_phone == "13900000001"
    assert [(a.original_name, a.content_type) for a in complaint.attachments.all()] == [("证据.pdf", "application/pdf")]


def test_a_repeat_about_the_same_case_from_the_same_phone_is_merged_into_the_open_one(people):
    case = case_in(State.DELIVERED, people)
    first = file(case_number=case.number, contact_phone="13900000002")
    again = file(case_number=case.number, contact_phone="13900000002", text="还是没人处理")
    other_phone = file(case_number=case.number, contact_phone="13900000003")
    anonymous_one = file(case_number=case.number)
    assert again.state == "merged" and again.merged_into == first
    assert other_phone.merged_into is None and anonymous_one.merged_into is None

    complaints.assign_complaint(complaint_id=first.pk, by=people.supervisor,
                                department_code=department_of(case).code, due_days=5)  # fmt: skip
    complaints.answer_complaint(complaint_id=first.pk, by=people.clerk, answer="已处理")
    body = anonymous().get(f"{API}/{again.tracking_number}", {"query_code": again.query_code}).json()
    assert body["merged"] and body["handling_state"] == "answered" and body["answer"] == "已处理"

    complaints.close_complaint(
        complaint_id=first.pk, by=people.supervisor, callback_note="已回访", finding="not_upheld"
    )
    assert file(case_number=case.number, contact_phone="13900000002").merged_into is None  # closed: a new one


# --- 12345 --------------------------------------------------------------------------------------------------


def work_order(**kw) -> bytes:
    data = {"work_order_number": "GD-20260914-0001", "text": "办证窗口让群众来回跑",
            "contact": {"name": "李女士", "phone": "13900000004"}, "department_code": "ZRZYJ", **kw}  # fmt: skip
    return json.dumps(data, ensure_ascii=False).encode()


def post_work_order(body: bytes, signature: str | None = None):
    signature = hotline.sign(body) if signature is None else signature
    return APIClient().post("/api/v1/hotline/work-orders", body, content_type="application/json",
                            HTTP_X_SIGNATURE=signature)  # fmt: skip


def test_a_signed_work_order_is_received_and_dispatched_and_the_same_one_again_is_the_same(people):
    response = post_work_order(work_order())
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(work_order_number="GD-20260914-0001")
    assert (complaint.source, complaint.state, complaint.assigned_department.code) == ("hotline", "assigned", "ZRZYJ")
    assert complaint.due == end_of(2026, 9, 20)  # COMPLAINT_DUE_DAYS = 5 working days (09-20 worked)

    again = post_work_order(work_order(text="重复推送"))
    assert again.status_code == 200 and again.json()["tracking_number"] == complaint.tracking_number
    assert Complaint.objects.filter(work_order_number="GD-20260914-0001").count() == 1


@pytest.mark.parametrize("signature", ["", "00" * 32, "not-hex"])
def test_a_badly_signed_work_order_is_400_and_nothing_is_stored(people, signature):
    response = post_work_order(work_order(), signature)
    assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    assert not Complaint.objects.filter(work_order_number="GD-20260914-0001").exists()


def test_the_answer_and_the_closing_go_back_to_12345_with_a_delivery_log(people, django_capture_on_commit_callbacks):
    post_work_order(work_order())
    complaint = Complaint.objects.get(work_order_number="GD-20260914-0001")
    with django_capture_on_commit_callbacks(execute=True):
        complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk, answer="已整改，向群众致歉")
    with django_capture_on_commit_callbacks(execute=True):
        complaints.close_complaint(complaint_id=complaint.pk, by=people.supervisor, callback_note="满意",
                                   finding="partly", satisfaction=5)  # fmt: skip

    sent = hotline.LoggingBackend.sent
    assert [(d["work_order_number"], d["stage"]) for d in sent] == [("GD-20260914-0001", "answer"),
                                                                    ("GD-20260914-0001", "close")]  # fmt: skip
    assert sent[0]["answer"] == "已整改，向群众致歉" and sent[1]["satisfaction"] == 5
    assert list(HotlineDelivery.objects.filter(complaint=complaint).values_list("stage", "ok")) == [
        ("answer", True), ("close", True)]  # fmt: skip


class Down:
    def send(self, data):
        raise ConnectionError("12345 unreachable")


def test_a_failed_push_is_logged_and_queued_again(people, settings, django_capture_on_commit_callbacks):
    post_work_order(work_order())
    complaint = Complaint.objects.get(work_order_number="GD-20260914-0001")
    settings.HOTLINE_BACKEND = "tests.supervision.test_complaints.Down"
    with django_capture_on_commit_callbacks(execute=True):
        complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk, answer="已处理")

    log = HotlineDelivery.objects.get(complaint=complaint)
    assert not log.ok and "unreachable" in log.detail
    retry = OutboxMessage.objects.get(handler="supervision.hotline.push", done_at__isnull=True)
    assert retry.payload == {"complaint_id": complaint.pk, "stage": "answer", "attempt": 2}

    settings.HOTLINE_BACKEND = "supervision.hotline.LoggingBackend"
    hotline.push(**retry.payload)
    assert list(HotlineDelivery.objects.filter(complaint=complaint).values_list("ok", flat=True)) == [False, True]


# --- pages and escaping -------------------------------------------------------------------------------------


def test_html_in_a_complaint_is_escaped_on_every_page(people):
    case = case_in(State.DELIVERED, people)
    complaint = file(text=SCRIPT, case_number=case.number, contact_name=SCRIPT[:50])
    complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor,
                                department_code=department_of(case).code, due_days=5)  # fmt: skip
    complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk, answer=SCRIPT)
    pages = [
        client_for(people.supervisor).get(reverse("supervision:complaints")),
        client_for(people.clerk).get(reverse("supervision:department_complaints")),
        Client().get(reverse("supervision:complaint_track"),
                     {"number": complaint.tracking_number, "query_code": complaint.query_code}),
    ]  # fmt: skip
    for response in pages:
        text = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in text and "<b>粗</b>" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_the_supervisors_list_answers_in_a_bounded_number_of_queries(people, django_assert_max_num_queries):
    for i in range(5):
        file(text=f"投诉{i}", department_code="ZRZYJ")
    client = client_for(people.supervisor)
    client.get(reverse("supervision:complaints"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("supervision:complaints"))
    assert response.content.decode().count("投诉") >= 5


def test_the_department_sees_only_its_complaints(people):
    case = case_in(State.DELIVERED, people)
    complaint = file(case_number=case.number)
    complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor,
                                department_code=department_of(case).code, due_days=5)  # fmt: skip
    assert complaint.tracking_number in client_for(people.clerk).get(
        reverse("supervision:department_complaints")).content.decode()  # fmt: skip
    assert complaint.tracking_number not in client_for(people.clerk2).get(
        reverse("supervision:department_complaints")).content.decode()  # fmt: skip
    assert client_for(people.clerk).get(reverse("supervision:complaints")).status_code == 403


def test_closing_needs_the_finding_and_names_every_missing_field(people):
    complaint = file()
    complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor, department_code="ZRZYJ", due_days=5)
    complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk, answer="已处理")
    with pytest.raises(ValidationError) as refused:
        complaints.close_complaint(complaint_id=complaint.pk, by=people.supervisor, callback_note="", finding="maybe")
    assert set(refused.value.message_dict) == {"callback_note", "finding"}
    complaint.refresh_from_db()
    assert complaint.state == "answered" and complaint.finding == ""


def test_the_supervisors_page_assigns_and_closes_with_the_finding(people):
    complaint = file(department_code="ZRZYJ")
    supervisor = client_for(people.supervisor)
    assign = reverse("supervision:complaint_assign", args=[complaint.pk])
    close = reverse("supervision:complaint_close", args=[complaint.pk])
    assert client_for(people.clerk).post(assign, {"department_code": "ZRZYJ", "due_days": 5}).status_code == 403
    page = supervisor.post(assign, {"department_code": "ZRZYJ", "due_days": 5}, follow=True).content.decode()
    assert "已派单" in page
    complaints.answer_complaint(complaint_id=complaint.pk, by=people.clerk, answer="已处理")
    page = supervisor.post(close, {"callback_note": "已回访"}, follow=True).content.decode()
    assert "请选择核查结论" in page and 'name="finding"' in page
    page = supervisor.post(close, {"callback_note": "已回访", "finding": "partly"}, follow=True).content.decode()
    assert "已回访办结" in page and "核查结论：部分属实" in page
    unknown = reverse("supervision:complaint_close", args=[999999])
    assert supervisor.post(unknown, {"callback_note": "x", "finding": "upheld"}).status_code == 404


def test_the_complaint_lists_do_not_grow_with_the_complaints(people):
    """Issue 22: the supervisor's list and the department's, 1 complaint then 4, not more statements."""
    from tests.querycount import assert_flat

    filed = iter(range(100))

    def assigned():
        complaint = file(text=f"窗口人员态度恶劣，第 {next(filed)} 次", department_code="ZRZYJ")
        complaints.assign_complaint(complaint_id=complaint.pk, by=people.supervisor, department_code="ZRZYJ",
                                    due_days=5)  # fmt: skip

    assigned()
    supervisor = client_for(people.supervisor)
    assert_flat(
        lambda: supervisor.get(reverse("supervision:complaints")).context["complaints"],
        lambda: [assigned() for _ in range(3)],
        len,
    )
    clerk = client_for(people.clerk)
    assert_flat(
        lambda: clerk.get(reverse("supervision:department_complaints")).context["complaints"],
        lambda: [assigned() for _ in range(8)],
        len,
    )
