"""Read queries on 一件事 bundle cases: who sees which, one bundle with its sub-cases, its progress.

Who sees a bundle case: its applicant (owner, or the agent or clerk who filed it); the clerks of its
lead department (they accept it at one window); staff of a department that has one of its sub-cases
(they see the bundle around their sub-case); supervisors, read only. Outside that it does not exist
(404).
"""

import secrets
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from approvals.bundle_models import BundleCase, BundleMaterial
from approvals.bundles import CLOSED_WITHOUT_DECISION, is_finished
from approvals.models import Application, CorrectionNotice, Event, Material, State
from approvals.scope import department_ids
from hall.errors import OutsideScope
from hall.models import User
from hall.roles import DEPARTMENT_ROLES, Role


def visible_bundle_cases(user: User) -> QuerySet[BundleCase]:
    cases = BundleCase.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if user.is_superuser or user.has_role(Role.SUPERVISOR):
        return cases
    scope = Q(owner=user) | Q(filed_by=user)
    if user.role_names & set(DEPARTMENT_ROLES):
        scope |= Q(lead_department_id__in=department_ids(user, roles=(Role.CLERK,)))
        members = Application.objects.filter(department_id__in=department_ids(user), bundle__isnull=False)
        scope |= Q(pk__in=members.values("bundle_id"))
    return cases.filter(scope)


def _sub_cases_prefetch() -> Prefetch:
    sub_cases = (
        Application.objects.select_related("item", "item_version", "department")
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.filter(superseded=False), to_attr="current_materials"),
            Prefetch(
                "correction_notices",
                queryset=CorrectionNotice.objects.order_by("round").prefetch_related("items__requirement"),
            ),
            Prefetch("events", queryset=Event.objects.order_by("at", "id")),
            "item_version__materials",
        )
        .order_by("pk")
    )
    return Prefetch("sub_cases", queryset=sub_cases)


def bundle_case_detail(user: User, number: str) -> BundleCase:
    """One bundle case with its sub-cases, their materials, notices and timelines (constant queries)."""
    bundle_case = (
        visible_bundle_cases(user)
        .select_related("bundle__theme", "bundle_version", "lead_department", "accepted_by")
        .prefetch_related(
            _sub_cases_prefetch(),
            Prefetch("materials", queryset=BundleMaterial.objects.filter(superseded=False), to_attr="current"),
        )
        .filter(number=(number or "")[:40])
        .first()
    )
    if bundle_case is None:
        raise OutsideScope("没有这个一件事办件。")
    return bundle_case


def bundle_cases_for(user: User) -> QuerySet[BundleCase]:
    """A list page: the user's bundle cases (applicants) or those their department leads or takes part in."""
    return (
        visible_bundle_cases(user)
        .select_related("bundle", "lead_department")
        .prefetch_related(Prefetch("sub_cases", queryset=Application.objects.select_related("item").order_by("pk")))
        .order_by("-created_at", "-id")
    )


# --- progress (one bundle across departments) ----------------------------------------------------------

STATUS_NAMES = {
    "draft": "草稿（尚未提交）",
    "submitted": "已提交，待牵头部门一窗受理",
    "correction_requested": "待补正",
    "in_progress": "各部门办理中",
    "done": "已办结",
}


@dataclass(frozen=True)
class Progress:
    status: str
    total: int
    finished: int
    decided: int

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


def progress(bundle_case: BundleCase) -> Progress:
    """One progress across departments, read from the (prefetched) sub-cases. Done (办结) when every
    sub-case is decided or closed without a decision (refused at intake, withdrawn, terminated)."""
    sub_cases = list(bundle_case.sub_cases.all())
    finished = sum(is_finished(c) for c in sub_cases)
    decided = sum(c.decided_at is not None for c in sub_cases)
    states = {c.state for c in sub_cases}
    if sub_cases and finished == len(sub_cases):
        status = "done"
    elif states <= {State.DRAFT}:
        status = "draft"
    elif State.CORRECTION_REQUESTED in states:
        status = "correction_requested"
    elif bundle_case.accepted_at is None and states & {State.SUBMITTED}:
        status = "submitted"
    else:
        status = "in_progress"
    return Progress(status=status, total=len(sub_cases), finished=finished, decided=decided)


def results(bundle_case: BundleCase) -> list[Application]:
    """The sub-cases with a decision, whose decision documents make the bundle's result set."""
    return [c for c in bundle_case.sub_cases.all() if c.decided_at is not None]


def closed_without_decision(bundle_case: BundleCase) -> list[Application]:
    return [c for c in bundle_case.sub_cases.all() if c.state in CLOSED_WITHOUT_DECISION]


def bundle_by_query_code(number: str, code: str) -> BundleCase | None:
    """The bundle case whose number and query code both match (public progress); compared in constant
    time, a wrong number and a wrong code look the same."""
    number = (number or "").strip()[:40]
    code = (code or "").strip().upper()[:40]
    bundle_case = (
        BundleCase.objects.select_related("bundle")
        .prefetch_related(
            Prefetch(
                "sub_cases",
                queryset=Application.objects.select_related("item", "department")
                .prefetch_related(Prefetch("events", queryset=Event.objects.order_by("at", "id")))
                .order_by("pk"),
            )
        )
        .filter(number=number)
        .first()
        if number
        else None
    )
    expected = bundle_case.query_code if bundle_case is not None else secrets.token_hex(4)
    if bundle_case is None or not code or not secrets.compare_digest(code.encode(), expected.encode()):
        return None
    return bundle_case
