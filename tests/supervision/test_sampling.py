"""办件抽查 (双随机): the draw replays from its recorded seed and covers every department that decided
cases; auditors record findings, which feed the scores and can open a 督办."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hall.errors import Conflict, OutsideScope
from hall.models import User
from hall.roles import Role
from supervision import sampling, scores
from supervision.models import Order, SampledCase
from tests.approvals.helpers import at, frozen
from tests.factories import staff
from tests.supervision import month

NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def cases(people, settings):
    settings.SAMPLING_INSTANT_RATE = 0.5
    staff("supervisor2", Role.SUPERVISOR, people.supervisor.memberships.first().department)
    return month.build()


def test_the_draw_is_reproducible_from_its_seed_and_covers_each_department(cases, people):
    with frozen(at(2026, 12, 2)):
        record = sampling.draw(month=NOVEMBER, per_department=2, by=people.supervisor)
    # decided in November: ZRZYJ A B C, XJZ D (regular) and F (即办件, its own stratum), SCJGJ G
    assert sampling.departments_covered(record) == {"ZRZYJ", "XJZ", "SCJGJ"}
    picked = list(record.cases.order_by("position"))
    assert len(picked) == 2 + 1 + 1 + 1
    assert {c.application.number for c in picked if c.stratum == "instant"} == {"T-XJZ-F"}
    assert {c.auditor_id for c in picked} <= set(record.pool) and len(record.pool) == 2
    assert sampling.verify(record)
    again = sampling.compute(record.seed, NOVEMBER, 2, record.instant_rate, record.pool)
    assert [(r["application_id"], r["auditor_id"]) for r in again] == [(c.application_id, c.auditor_id)
                                                                      for c in picked]  # fmt: skip
    # another seed would draw otherwise: the verification can fail
    SampledCase.objects.filter(pk=picked[0].pk).update(
        auditor_id=next(i for i in record.pool if i != picked[0].auditor_id)
    )
    assert not sampling.verify(record)


def test_a_given_seed_always_draws_the_same_cases(cases, people):
    first = sampling.compute("00ff" * 8, NOVEMBER, 1, 0.5, [people.supervisor.pk, 999])
    assert first == sampling.compute("00ff" * 8, NOVEMBER, 1, 0.5, [people.supervisor.pk, 999])
    zrzyj = [r for r in first if r["department_id"] == cases["A"].department_id]
    assert len(zrzyj) == 1 and zrzyj[0]["application_id"] in {cases[k].pk for k in "ABC"}


def test_one_draw_per_finished_month(cases, people):
    with frozen(at(2026, 11, 20)), pytest.raises(ValidationError):
        sampling.draw(month=NOVEMBER, per_department=2, by=people.supervisor)  # not over yet
    with frozen(at(2026, 12, 2)):
        sampling.draw(month=NOVEMBER, per_department=2, by=people.supervisor)
        with pytest.raises(Conflict):
            sampling.draw(month=NOVEMBER, per_department=2, by=people.supervisor)


def test_a_finding_with_issues_opens_an_order_and_deducts_in_the_scores(cases, people):
    with frozen(at(2026, 12, 2)):
        record = sampling.draw(month=NOVEMBER, per_department=3, by=people.supervisor, seed="seed-for-test")
    sample = record.cases.filter(department__code="ZRZYJ").first()
    auditor = User.objects.get(pk=sample.auditor_id)
    other = next(u for u in User.objects.filter(pk__in=record.pool) if u.pk != auditor.pk)
    with pytest.raises(OutsideScope):
        sampling.record_finding(sample_id=sample.pk, by=other, outcome="compliant")
    with pytest.raises(ValidationError):
        sampling.record_finding(sample_id=sample.pk, by=auditor, outcome="issues", finding="")
    with frozen(at(2026, 12, 3)):
        done = sampling.record_finding(sample_id=sample.pk, by=auditor, outcome="issues",
                                       finding="受理材料缺少授权委托书。", open_order=True)  # fmt: skip
    assert done.order is not None and Order.objects.get(pk=done.order_id).department.code == "ZRZYJ"
    december = scores.compute(date(2026, 12, 1))
    zr = next(r for r in december["department"] if r["department"].code == "ZRZYJ")
    assert {p["key"]: p["points"] for p in zr["parts"]}["audits"] == "2.50"  # 5 − 2.5 per finding with issues
    with pytest.raises(Conflict):
        sampling.record_finding(sample_id=sample.pk, by=auditor, outcome="compliant")


def test_the_pages_draw_and_show_the_verified_sample(cases, people, client):
    with frozen(at(2026, 12, 2)):
        client.force_login(people.supervisor)
        response = client.post("/supervision/sampling/draw/", {"month": "2026-11", "per_department": "2"})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "结果与记录一致" in page and "T-XJZ-F" in page
        assert client.get("/supervision/sampling/").status_code == 200
        client.force_login(people.clerk)
        assert client.get("/supervision/sampling/").status_code == 403
