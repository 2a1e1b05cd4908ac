"""告知承诺制 pages: the applicant signs on the case page; the department's verification list."""

import functools

import pytest
from django.urls import reverse

from approvals import commitments, services
from approvals.models import Verification
from tests.approvals import helpers
from tests.approvals.helpers import reload

ITEM = "ZRZYJ-XK-0006"
pytestmark = pytest.mark.django_db


def _draft(people):
    case = helpers.file_case(people.applicant, code=ITEM, complete=False)
    waived = list(case.item_version.materials.filter(commitment_allowed=True))
    for requirement in helpers.required_materials(case):
        if requirement not in waived:
            helpers.upload(case, people.applicant, requirement)
    return case, waived


def _approved_on_commitment(people):
    """A case approved on a signed 告知承诺书: its verification task (事后核查) waits for the reviewer."""
    case, waived = _draft(people)
    commitments.sign_commitment(case_id=case.pk, by=people.applicant, requirement_ids=[r.pk for r in waived])
    services.submit_application(case_id=case.pk, by=people.applicant)
    services.accept_application(case_id=case.pk, by=people.clerk)
    services.start_review(case_id=case.pk, by=people.reviewer)
    helpers.recommended(case, people)
    services.approve_application(case_id=case.pk, by=people.approver)


def test_the_applicant_reads_and_signs_the_commitment_on_the_case_page(client, people):
    case, waived = _draft(people)
    client.force_login(people.applicant)
    page = client.get(reverse("approvals:case", args=[case.number]))
    text = page.content.decode()
    assert "告知承诺书" in text and case.item_version.commitment_text.splitlines()[0] in text
    assert "签署告知承诺书" in text
    url = reverse("approvals:sign_commitment", args=[case.number])
    refused = client.post(url, {"requirement_ids": [waived[0].pk]}, follow=True)  # no agreement ticked
    assert "签署前请确认" in refused.content.decode() and not reload(case).commitments.exists()
    done = client.post(url, {"requirement_ids": [r.pk for r in waived], "agree": "on"}, follow=True)
    assert "已签署告知承诺书" in done.content.decode()
    assert reload(case).commitments.count() == 1
    assert "告知承诺" in done.content.decode()  # the material's row says it is committed


def test_the_verification_list_shows_the_departments_tasks_in_constant_queries(
    client, people, django_assert_max_num_queries
):
    for _ in range(3):
        _approved_on_commitment(people)
    client.force_login(people.reviewer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("approvals:work_verifications"))
    assert page.status_code == 200 and page.content.decode().count("记录核查结论") == 3
    first = Verification.objects.order_by("id").first()
    client.post(reverse("approvals:work_verify", args=[first.pk]), {"outcome": "false", "finding": "现场核查不符"})
    assert reload(first.application).verification.outcome == "false"
    client.force_login(people.clerk2)
    assert client.get(reverse("approvals:work_verifications")).status_code == 403


def test_the_verification_lists_do_not_grow_with_the_tasks(client, people):
    """Issue 22: the page and /api/v1/verifications, 1 task then 4, not more statements."""
    from rest_framework.test import APIClient

    from tests.querycount import assert_flat

    verified_later = functools.partial(_approved_on_commitment, people)
    verified_later()
    client.force_login(people.reviewer)
    assert_flat(
        lambda: client.get(reverse("approvals:work_verifications")).content.decode(),
        lambda: [verified_later() for _ in range(3)],
        lambda html: html.count("记录核查结论"),
    )
    api = APIClient()
    api.force_authenticate(people.reviewer)
    assert_flat(lambda: api.get("/api/v1/verifications").json(), lambda: [verified_later() for _ in range(8)], len)
