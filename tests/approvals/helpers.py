"""Builders for the approvals tests: the demo hall, cases in any state, files, frozen clocks.

Everything goes through the real services (catalog publication, filing, uploads, transitions), so a
case built here is a case a user could have produced.
"""

import io
import zipfile
from contextlib import contextmanager
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

import catalog.demo
import hall.demo
from approvals import commitments, instant, services, workflow
from approvals.models import Application, State
from catalog import services as catalog_services
from catalog.models import Item, ItemVersion
from hall.models import Department, User
from tests import demo_snapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 建设用地规划许可证核发 (ZRZYJ): statutory 20, committed 5 working days, no fees, four required materials.
ITEM = "ZRZYJ-XK-0005"
FORM = {
    "project_name": "滨江路小学扩建工程",
    "project_code": "2026-330106-47-01-000123",
    "site_area": 12000,
    "land_supply": "出让",
    "contact_phone": "13800000001",
}
PERSON = {"type": "person", "name": "张伟", "id_number": "11010519491231002X", "phone": "13800000001",
          "address": "西湖区文三路 1 号"}  # fmt: skip
COMPANY = {"type": "organisation", "name": "杭州滨江建设有限公司", "id_number": "91350100M000100Y43",
           "phone": "13800000002", "address": "滨江区江南大道 2 号"}  # fmt: skip

# The smallest bodies the hall's content sniffing accepts (DESIGN.md, Uploads).
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 32


def ofd() -> bytes:
    """An OFD document (GB/T 33190): a ZIP container with OFD.xml at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<?xml version="1.0"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        archive.writestr("Doc_0/Document.xml", "<Document/>")
    return buffer.getvalue()


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock instant in the hall (Asia/Shanghai)."""
    return datetime(y, m, d, hour, minute, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> datetime:
    """23:59:59 Asia/Shanghai: the instant a legal period ending that day runs out."""
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def frozen(instant: datetime):
    """Stop the clock at ``instant`` (``approvals.clock.now`` reads django.utils.timezone.now)."""
    return time_machine.travel(instant, tick=False)


def load_demo(password: str = "x" * 8) -> SimpleNamespace:
    """The demo hall and catalog; the demo users by username (``people.clerk``, ``people.clerk_b`` …).

    Seeded once per session and copied back in after that (``tests.demo_snapshot``).
    """

    def seed():
        hall.demo.seed(password=password, log=lambda message: None)
        catalog.demo.seed(password=password, log=lambda message: None)

    demo_snapshot.load(seed, password=password)
    return demo_people()


def demo_people() -> SimpleNamespace:
    return SimpleNamespace(**{u.username: u for u in User.objects.all()})


@contextmanager
def demo_for_module(django_db_blocker):
    """The demo loaded once for a whole test module, in a transaction rolled back after it.

    Loading the demo takes seconds; every test of the module runs in a savepoint inside this
    transaction (pytest-django's own atomic block nests), so each sees the demo and nothing of the
    others' changes. Transactional tests (``transaction=True``) cannot use it and load their own.
    """
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        load_demo()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def fresh(user: User) -> User:
    """The same user read again (roles are cached on the instance)."""
    return User.objects.get(pk=user.pk)


def publish_revision(code: str = ITEM, **changes) -> ItemVersion:
    """Publish a new version of a demo item through the catalog's own path (draft → review → publish).

    ``changes`` are version fields (``committed_days=20``, ``joint=True``); ``joint_departments`` takes
    department codes. Cases filed afterwards are filed under this version.
    """
    admin = User.objects.get(username="catalog_admin")
    draft = catalog_services.start_draft(item=Item.objects.get(code=code), by=admin)
    joint_departments = changes.pop("joint_departments", None)
    for field, value in changes.items():
        setattr(draft, field, value)
    draft.save()
    if joint_departments is not None:
        draft.joint_departments.set(Department.objects.filter(code__in=joint_departments))
    catalog_services.submit_for_review(version=draft, by=admin)
    return catalog_services.publish_version(version=draft, by=admin, four_eyes=False)


def upload(case: Application, by: User, requirement, content: bytes = PDF, name: str = "材料.pdf"):
    return services.upload_material(
        case_id=case.pk, by=by, requirement_id=getattr(requirement, "pk", requirement),
        upload=SimpleUploadedFile(name, content),
    )  # fmt: skip


def required_materials(case: Application):
    return list(case.item_version.materials.filter(required=True).order_by("position", "id"))


def sample_form(code: str) -> dict:
    """A valid application form for any published item (each field's ``sample_value``)."""
    version = Item.objects.get(code=code).current_version
    return {f.name: f.sample_value() for f in version.fields.all()}


def file_case(by: User, *, code: str = ITEM, applicant: dict | None = None, complete: bool = True, **kw):
    """A draft, with every required material uploaded unless ``complete=False``."""
    agent = kw.pop("agent", None)
    if agent is None and by.has_role("agent"):
        agent = {"name": "王强", "id_number": "11010519491231002X", "phone": "13800000003",
                 "authorisation": "授权委托书 2026-001"}  # fmt: skip
    form = FORM if code == ITEM else sample_form(code)
    case = services.file_application(by=by, item_code=code, applicant=applicant or PERSON, form=form, agent=agent, **kw)
    if complete:
        for requirement in required_materials(case):
            upload(case, by, requirement)
    return case


def submitted_case(people, **kw) -> Application:
    case = file_case(kw.pop("by", people.applicant), **kw)
    return services.submit_application(case_id=case.pk, by=case.owner, ip="203.0.113.7")


def correction_notice_items(case: Application, count: int = 2) -> list[dict]:
    return [{"requirement_id": r.pk, "reason": f"{r.name}不清晰，请重新上传"} for r in required_materials(case)[:count]]


# A path through the diagram to each state, starting from a complete draft of the demo applicant.
PATHS = {
    State.DRAFT: [],
    State.SUBMITTED: ["submit"],
    State.CORRECTION_REQUESTED: ["submit", "request_correction"],
    State.REJECTED: ["submit", "reject_intake"],
    State.WITHDRAWN: ["withdraw"],
    State.ACCEPTED: ["submit", "accept"],
    State.TERMINATED: ["submit", "accept", "terminate"],
    State.UNDER_REVIEW: ["submit", "accept", "start_review"],
    State.SUSPENDED: ["submit", "accept", "start_review", "suspend"],
    State.AWAITING_DECISION: ["submit", "accept", "start_review", "recommend"],
    State.DECIDED: ["submit", "accept", "start_review", "recommend", "approve"],
    State.DELIVERED: ["submit", "accept", "start_review", "recommend", "approve", "deliver"],
    State.REVOKED: ["submit", "accept", "start_review", "recommend", "approve", "revoke"],
}


def case_in(state: str, people) -> Application:
    """A case of the demo applicant in ``state``, reached through the services."""
    case = file_case(people.applicant)
    for action in PATHS[state]:
        case = act(action, case, people)
    return case


# Who performs each action: the demo user of the step's first role (approvals.workflow); the filer's
# actions are the demo applicant's, the owner of the cases built here.
ACTORS = {step.name: "applicant" if step.by_filer else step.roles[0] for step in workflow.STEPS}
ACTORS["instant_approve"] = None  # the system (approvals.instant)


def act(action: str, case: Application, people, *, by: User | None = None, ip: str | None = None) -> Application:
    """Perform ``action`` with a valid body, as the person entitled to it unless ``by`` is given."""
    by = by or (getattr(people, ACTORS[action]) if ACTORS[action] else None)
    case_id = case.pk
    calls = {
        "submit": lambda: services.submit_application(case_id=case_id, by=by, ip=ip),
        "resubmit": lambda: services.resubmit_application(case_id=case_id, by=by, ip=ip),
        "withdraw": lambda: services.withdraw_application(case_id=case_id, by=by, reason="不办了", ip=ip),
        "request_correction": lambda: services.request_correction(
            case_id=case_id, by=by, items=correction_notice_items(case), reason="材料不全", ip=ip
        ),
        "accept": lambda: services.accept_application(case_id=case_id, by=by, ip=ip),
        "reject_intake": lambda: services.reject_intake(case_id=case_id, by=by, reason="不属于本机关职权范围", ip=ip),
        "decide_on_the_spot": lambda: services.decide_on_the_spot(
            case_id=case_id, by=by, decision="approve", reason="当场核验，符合条件", ip=ip
        ),
        "deliver": lambda: services.deliver_result(case_id=case_id, by=by, method="window", ip=ip),
        "dispatch": lambda: services.dispatch_by_express(case_id=case_id, by=by, ip=ip),
        "start_review": lambda: services.start_review(case_id=case_id, by=by, ip=ip),
        "suspend": lambda: services.suspend_for_procedure(
            case_id=case_id, by=by, procedure="expert_review", reason="需专家评审", ip=ip
        ),
        "resume": lambda: services.resume_review(case_id=case_id, by=by, ip=ip),
        "extend": lambda: services.extend_deadline(case_id=case_id, by=by, days=5, reason="现场核查", ip=ip),
        "recommend": lambda: services.recommend_decision(
            case_id=case_id, by=by, recommendation="approve", opinion="材料齐全，符合法定条件，建议准予", ip=ip
        ),
        "return_for_review": lambda: services.return_for_review(
            case_id=case_id, by=by, reason="请补充现场核查记录", ip=ip
        ),
        "approve": lambda: services.approve_application(case_id=case_id, by=by, reason="符合条件", ip=ip),
        "deny": lambda: services.deny_application(case_id=case_id, by=by, reason="不符合规划", ip=ip),
        "terminate": lambda: services.terminate_application(case_id=case_id, by=by, reason="申请单位已注销", ip=ip),
        "revoke": lambda: commitments.revoke_approval(case_id=case_id, by=by, reason="以欺骗手段取得许可", ip=ip),
        "instant_approve": lambda: instant.instant_approve(case_id=case_id, by=by, ip=ip),
    }
    return calls[action]()


def recommended(case: Application, people, recommendation: str = "approve") -> Application:
    """The reviewer's recommendation on a case under review, so the approver can decide (审查 → 决定)."""
    return services.recommend_decision(
        case_id=case.pk, by=people.reviewer, recommendation=recommendation, opinion="经审查，提出审查意见"
    )


def reload(case: Application) -> Application:
    return Application.objects.get(pk=case.pk)
