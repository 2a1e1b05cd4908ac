"""审批与监管信息双向推送: each decision goes to the regulating department named on the item version — its
inbox and its webhook (HMAC-signed, retried with backoff through the outbox, every attempt logged) — and
the regulator's finding comes back to the deciding department and to supervision."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from approvals.models import DecisionPush, RegulatorEndpoint
from hall import outbox
from hall.models import Department, Notification
from supervision.models import FeedEntry
from tests.approvals import helpers
from tests.factories import staff

pytestmark = pytest.mark.django_db
SECRET = "regulator-shared-secret"


class Receiver:
    """A regulator's webhook on 127.0.0.1: answers the first ``failures`` requests with 500, then 200."""

    def __init__(self, failures: int):
        self.failures, self.requests = failures, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = 500 if len(receiver.requests) <= receiver.failures else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def regulator(people):
    """住建局 regulates 建设用地规划许可证核发 (the demo ITEM) from a new version on; its staff member."""
    department = Department.objects.get(code="ZJJ")
    helpers.publish_revision(regulator=department)
    return department, staff("zjj_inspector", "reviewer", department)


@pytest.fixture
def receiver():
    made = []

    def make(failures: int) -> Receiver:
        made.append(Receiver(failures))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _drain(minutes: int = 0):
    outbox.drain(now=timezone.now() + timedelta(minutes=minutes))


def test_a_decision_is_pushed_to_the_webhook_signed_and_retried_after_a_failure(people, regulator, receiver):
    department, _ = regulator
    hook = receiver(failures=1)
    RegulatorEndpoint.objects.create(department=department, url=hook.url, secret=SECRET)
    case = helpers.case_in("decided", people)
    push = DecisionPush.objects.get(application=case)
    assert push.regulator == department and push.action == "approve" and push.webhook == "pending"

    _drain()  # the first attempt: 500
    push.refresh_from_db()
    assert push.webhook == "pending" and push.attempts == 1
    _drain()  # not yet due: the retry waits for its backoff
    assert len(hook.requests) == 1
    _drain(minutes=1)  # 30 s later the outbox tries again: 200
    push.refresh_from_db()
    assert push.webhook == "delivered" and push.attempts == 2 and push.delivered_at
    log = list(push.deliveries.order_by("attempt").values_list("attempt", "status_code", "ok"))
    assert log == [(1, 500, False), (2, 200, True)]

    headers, body = hook.requests[-1]
    assert headers["X-Signature"] == hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Push-Id"] == str(push.pk) and headers["X-Delivery-Attempt"] == "2"
    payload = json.loads(body)
    assert payload["case_number"] == case.number and payload["decision"] == "approved"
    assert payload["item"]["code"] == helpers.ITEM and payload["holder"]["id_number"] == helpers.PERSON["id_number"]


def test_a_push_is_given_up_after_the_configured_attempts(people, regulator, receiver, settings):
    settings.REGULATOR_PUSH_MAX_ATTEMPTS = 2
    department, _ = regulator
    hook = receiver(failures=99)
    RegulatorEndpoint.objects.create(department=department, url=hook.url, secret=SECRET)
    case = helpers.case_in("decided", people)
    _drain()
    _drain(minutes=5)
    push = DecisionPush.objects.get(application=case)
    assert push.webhook == "failed" and push.attempts == 2 and len(hook.requests) == 2
    _drain(minutes=120)
    assert len(hook.requests) == 2


def test_without_a_regulator_nothing_is_pushed(people):
    case = helpers.case_in("decided", people)
    assert not DecisionPush.objects.filter(application=case).exists()


def test_the_regulator_reads_its_inbox_and_pushes_a_finding_back(people, regulator, client,
                                                                 django_capture_on_commit_callbacks):  # fmt: skip
    _, inspector = regulator
    case = helpers.case_in("decided", people)
    push = DecisionPush.objects.get(application=case)
    assert push.webhook == "none"  # no endpoint: the inbox only

    client.force_login(inspector)
    page = client.get("/regulator/")
    assert page.status_code == 200 and case.number in page.content.decode()

    api = APIClient()
    api.force_authenticate(inspector)
    rows = api.get("/api/v1/regulator/pushes").json()
    assert [row["case_number"] for row in rows] == [case.number]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/regulator/pushes/{push.pk}/findings",
                            {"text": "现场检查：建设用地实际用途与许可不符"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert Notification.objects.filter(user=people.approver, kind="regulator_finding").exists()
    entry = FeedEntry.objects.get(kind="finding")
    assert entry.case_number == case.number and entry.data["regulator"]["code"] == "ZJJ"
    push.refresh_from_db()
    assert push.read_at is not None

    client.force_login(people.approver)  # the deciding department sees it on the case page
    assert "建设用地实际用途与许可不符" in client.get(f"/workbench/cases/{case.number}/").content.decode()

    api.force_authenticate(people.clerk2)  # another department's staff: not theirs
    assert api.post(f"/api/v1/regulator/pushes/{push.pk}/findings", {"text": "x"}, format="json").status_code == 404
    api.force_authenticate(people.applicant)
    assert api.get("/api/v1/regulator/pushes").status_code == 403


def test_a_revocation_is_pushed_too(people, regulator):
    from approvals import commitments

    case = helpers.case_in("decided", people)
    commitments.revoke_approval(case_id=case.pk, by=people.approver, reason="以欺骗手段取得")
    assert list(DecisionPush.objects.filter(application=case).order_by("id").values_list("action", flat=True)) == [
        "approve", "revoke",
    ]  # fmt: skip


def test_the_regulators_inbox_does_not_grow_with_the_pushes(people, regulator, client):
    """Issue 22: /regulator/ and /api/v1/regulator/pushes, 1 decision then 4, not more statements."""
    from tests.querycount import assert_flat

    _, inspector = regulator
    helpers.case_in("decided", people)
    client.force_login(inspector)
    assert_flat(
        lambda: client.get("/regulator/").context["rows"],
        lambda: [helpers.case_in("decided", people) for _ in range(3)],
        len,
    )
    api = APIClient()
    api.force_authenticate(inspector)
    assert_flat(
        lambda: api.get("/api/v1/regulator/pushes").json(),
        lambda: [helpers.case_in("decided", people) for _ in range(8)],
        len,
    )
