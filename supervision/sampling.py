"""办件抽查 (双随机一公开): random sampling audits of decided cases, replayable from a recorded seed.

A supervisor draws, for a month, N decided cases per department (all of them when it decided fewer)
and each drawn case gets an auditor drawn at random from the supervisors — both draws random, hence
"double random". 即办件 (committed limit 0: decided at the window, no review period) are their own
stratum, sampled at their own rate (``SAMPLING_INSTANT_RATE``, at least one when there are any), so a
department's many on-the-spot decisions neither crowd out nor escape the sample.

Replayable and verifiable: the seed (128 random bits from ``secrets``) is stored with the draw; the
candidates are read in a fixed order (by id) and ``random.Random`` is seeded per department and per
case from it, so ``replay(draw)`` — or anyone with the seed, the month and the rules of this module —
recomputes the same cases and auditors (``verify``).

The auditor records a finding (合规 / 存在问题, with the text); a finding with issues deducts in the
month's score (``supervision.scores``, part ``audits``) and can open a 督办 (``supervision.orders``).
"""

import math
import random
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.intake import required_text
from approvals.models import Application
from hall import audit
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import Department, User
from hall.roles import Role
from supervision import orders
from supervision.models import SampledCase, SamplingDraw
from supervision.statistics import Period

MAX_PER_DEPARTMENT = 50


def supervisors() -> list[int]:
    """The pool of auditors: every active supervisor, by id (the order the draw relies on)."""
    return list(User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).order_by("id")
                .values_list("id", flat=True).distinct())  # fmt: skip


def candidates(month: date) -> dict[int, dict[str, list[int]]]:
    """Decided cases of the month per department, split into ``regular`` and ``instant`` (即办件),
    ids ascending: one statement."""
    period = Period.month(month.year, month.month)
    rows = (
        Application.objects.filter(decided_at__gte=period.start, decided_at__lt=period.end)
        .order_by("department_id", "id").values_list("department_id", "id", "decision_days")
    )  # fmt: skip
    result: dict[int, dict[str, list[int]]] = {}
    for department_id, case_id, days in rows:
        result.setdefault(department_id, {"regular": [], "instant": []})["instant" if days == 0 else "regular"].append(
            case_id
        )
    return result


def compute(seed: str, month: date, per_department: int, instant_rate: float, pool: list[int]) -> list[dict]:
    """The draw as a pure function of its inputs: ``[{department_id, application_id, stratum, auditor_id}]``
    in order (departments by id, the cases as drawn)."""
    if not pool:
        return []
    picked = []
    for department_id, strata in sorted(candidates(month).items()):
        for stratum, ids in (("regular", strata["regular"]), ("instant", strata["instant"])):
            if not ids:
                continue
            n = per_department if stratum == "regular" else max(1, math.ceil(len(ids) * instant_rate))
            if stratum == "instant" and instant_rate <= 0:
                continue
            rng = random.Random(f"{seed}:{month:%Y-%m}:{department_id}:{stratum}")
            for case_id in rng.sample(ids, min(n, len(ids))):
                auditor = random.Random(f"{seed}:auditor:{case_id}").choice(pool)
                picked.append({"department_id": department_id, "application_id": case_id, "stratum": stratum,
                               "auditor_id": auditor})  # fmt: skip
    return picked


def draw(*, month: date, per_department, by: User, seed: str | None = None, ip=None) -> SamplingDraw:
    """抽取: one draw per month, its seed recorded; every department that decided cases is covered."""
    if not by.has_role(Role.SUPERVISOR):
        raise NotPermitted("办件抽查由监察人员抽取。")
    if (
        not isinstance(per_department, int)
        or isinstance(per_department, bool)
        or not (1 <= per_department <= MAX_PER_DEPARTMENT)
    ):
        raise ValidationError({"per_department": [f"每部门抽取件数须为 1 至 {MAX_PER_DEPARTMENT}。"]})
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError({"month": ["只能抽取已经结束的月份。"]})
    pool = supervisors()
    if not pool:
        raise ValidationError({"month": ["没有可以分派的监察人员。"]})
    rate = float(settings.SAMPLING_INSTANT_RATE)
    try:
        with transaction.atomic():
            record = SamplingDraw.objects.create(
                month=month, per_department=per_department, instant_rate=rate, pool=pool, drawn_by=by,
                **({"seed": seed} if seed else {}),
            )  # fmt: skip
            rows = compute(record.seed, month, per_department, rate, pool)
            SampledCase.objects.bulk_create(
                SampledCase(draw=record, position=i, application_id=r["application_id"],
                            department_id=r["department_id"], stratum=r["stratum"], auditor_id=r["auditor_id"])
                for i, r in enumerate(rows, start=1)
            )  # fmt: skip
            audit.record("supervision.sampling_draw", f"draw {record.pk}", actor=by, ip=ip, month=f"{month:%Y-%m}",
                         seed=record.seed, cases=len(rows))  # fmt: skip
    except IntegrityError:
        raise Conflict("该月已经抽取过，同一月份只抽取一次（可用随机种子复核）。") from None
    return record


def replay(record: SamplingDraw) -> list[dict]:
    return compute(record.seed, record.month, record.per_department, record.instant_rate, record.pool)


def verify(record: SamplingDraw) -> bool:
    """The stored sample is exactly what the seed gives (the cases, their order and their auditors)."""
    stored = [{"department_id": c.department_id, "application_id": c.application_id, "stratum": c.stratum,
               "auditor_id": c.auditor_id} for c in record.cases.order_by("position")]  # fmt: skip
    return stored == replay(record)


def record_finding(*, sample_id: int, by: User, outcome: str, finding: str = "", open_order: bool = False,
                   order_due_days: int = 5, ip=None) -> SampledCase:  # fmt: skip
    """检查结论: the assigned auditor records 合规 or 存在问题 (with the text); with issues, optionally a 督办 to
    the department about the case in the same transaction."""
    if outcome not in (SampledCase.Outcome.COMPLIANT, SampledCase.Outcome.ISSUES):
        raise ValidationError({"outcome": ["结论须为合规（compliant）或存在问题（issues）。"]})
    if outcome == SampledCase.Outcome.ISSUES:
        finding = required_text(finding, "finding", "存在问题的，请写明检查发现的问题。")
    with transaction.atomic():
        sample = (SampledCase.objects.select_for_update().select_related("application", "department")
                  .filter(pk=sample_id).first())  # fmt: skip
        if sample is None or sample.auditor_id != by.pk:
            raise OutsideScope("没有分派给您的这件抽查。")
        if sample.outcome != SampledCase.Outcome.PENDING:
            raise Conflict("该件已记录检查结论。")
        sample.outcome, sample.finding, sample.recorded_at = outcome, str(finding or "").strip(), timezone.now()
        if open_order and outcome == SampledCase.Outcome.ISSUES:
            sample.order = orders.issue_order(
                by=by, department_code=sample.department.code, case_number=sample.application.number,
                text=f"办件抽查发现问题：{sample.finding}", due_days=order_due_days, ip=ip,
            )  # fmt: skip
        sample.save(update_fields=["outcome", "finding", "recorded_at", "order"])
        audit.record("supervision.sampling_finding", f"sample {sample.pk}", actor=by, ip=ip, outcome=outcome,
                     case=sample.application.number, order=sample.order_id)  # fmt: skip
    return sample


def departments_covered(record: SamplingDraw) -> set[str]:
    return set(Department.objects.filter(pk__in=record.cases.values("department_id")).values_list("code", flat=True))
