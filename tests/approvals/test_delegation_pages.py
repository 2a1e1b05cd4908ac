"""The 首席代表授权 page (issue 17, point 2): the department's approver grants and revokes the chief
representative's authority in the workbench; every staff member sees it; nobody else does."""

import pytest
from django.test import Client

from approvals.models import Delegation
from hall.models import AuditEntry

INSTANT = "ZRZYJ-GG-0007"  # 不动产登记资料查询: decided by window B01's chief representative
PAGE = "/workbench/delegations/"
pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grant_body(**changes):
    return {"window": "B01", "item_codes": [INSTANT], "document": "区自然资源局授〔2026〕3号",
            "valid_from": "2026-09-30", **changes}  # fmt: skip


def test_the_approver_grants_and_the_chief_representative_then_decides(people):
    approver = as_user(people.approver)
    page = approver.get(PAGE).content.decode()
    assert "新增授权" in page and INSTANT in page and "B01" in page
    response = approver.post(PAGE, grant_body())
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert delegation.delegate == people.clerk and list(delegation.items.values_list("code", flat=True)) == [INSTANT]
    assert AuditEntry.objects.filter(action="approvals.grant_delegation").count() == 1
    clerk_page = as_user(people.clerk).get(PAGE).content.decode()
    assert "区自然资源局授〔2026〕3号" in clerk_page and "有效" in clerk_page
    assert "新增授权" not in clerk_page and "撤销授权" not in clerk_page  # a clerk only reads


def test_bad_grants_are_form_errors_and_write_nothing(people):
    approver = as_user(people.approver)
    response = approver.post(PAGE, grant_body(document="", item_codes=[]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写授权书文号" in html and "请选择授权的事项" in html
    response = approver.post(PAGE, grant_body(valid_until="2026-09-01"))
    assert response.status_code == 400 and "截止日期不能早于生效日期" in response.content.decode()
    # a clerk has no window to offer: the choice is refused, nothing is written
    assert as_user(people.clerk).post(PAGE, grant_body()).status_code == 400
    assert not Delegation.objects.exists()


def test_revocation_needs_a_reason_and_other_departments_get_404(people):
    approver = as_user(people.approver)
    approver.post(PAGE, grant_body())
    delegation = Delegation.objects.get()
    revoke = f"/workbench/delegations/{delegation.pk}/revoke/"
    assert "请填写撤销授权的理由" in approver.post(revoke, {"reason": ""}, follow=True).content.decode()
    assert as_user(people.clerk2).post(revoke, {"reason": "不是本部门"}).status_code == 404
    assert "本部门暂无首席代表授权" in as_user(people.clerk2).get(PAGE).content.decode()
    assert as_user(people.applicant).get(PAGE).status_code == 403
    response = approver.post(revoke, {"reason": "授权期满"}, follow=True)
    assert "已撤销授权" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.revoked_by == people.approver and delegation.revoke_reason == "授权期满"


def test_the_list_runs_in_constant_queries(people, django_assert_max_num_queries):
    approver = as_user(people.approver)
    for n in range(3):
        approver.post(PAGE, grant_body(document=f"授〔2026〕{n}号"))
    with django_assert_max_num_queries(20):
        assert approver.get(PAGE).status_code == 200


def test_the_list_does_not_grow_with_the_delegations(people):
    """Issue 22: /workbench/delegations/, 1 grant then 4, not more statements."""
    from tests.querycount import assert_flat

    approver = as_user(people.approver)

    def grant(n: int) -> None:
        assert approver.post(PAGE, grant_body(document=f"授〔2026〕{n}号")).status_code == 302

    grant(0)
    assert_flat(
        lambda: approver.get(PAGE).content.decode(),
        lambda: [grant(n) for n in range(1, 4)],
        lambda html: html.count("授〔2026〕"),
    )
