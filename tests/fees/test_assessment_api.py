"""``POST/GET /api/v1/applications/{number}/fees/assessment`` (DESIGN.md, "More of the contract")."""

from rest_framework.test import APIClient

from approvals.models import Notice
from catalog.models import FeeStandard
from tests.fees.helpers import fee_case, standards


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def url(case) -> str:
    return f"/api/v1/applications/{case.number}/fees/assessment"


def test_assess_from_published_standards_with_computed_amounts(people):
    case = fee_case(people, "under_review")
    first, second = standards(case)[:2]
    answer = client(people.clerk).post(url(case), {"lines": [{"fee_id": first.pk, "quantity": 2},
                                                             {"fee_id": second.pk}]}, format="json")  # fmt: skip
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "due" and len(body["payment_code"]) == 20
    assert body["due_fen"] == first.amount_fen * 2 + second.amount_fen
    assert body["lines"][0] == {"fee_id": first.pk, "name": first.name, "quantity": 2,
                                "amount_fen": first.amount_fen * 2, "basis": first.basis}  # fmt: skip
    assert client(people.applicant).get(url(case)).json() == {**body}


def test_corrections_until_paid_each_a_new_numbered_notice(people):
    case = fee_case(people, "under_review")
    first = standards(case)[0]
    code = client(people.clerk).post(url(case), {"lines": [{"fee_id": first.pk}]}, format="json").json()["payment_code"]
    again = client(people.reviewer).post(url(case), {"lines": [{"fee_id": first.pk, "quantity": 3}]}, format="json")
    assert again.status_code == 201 and again.json()["payment_code"] == code and again.json()["revision"] == 2
    assert Notice.objects.filter(application=case, kind="payment").count() == 2
    from fees import services

    services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    paid = client(people.clerk).post(url(case), {"lines": [{"fee_id": first.pk}]}, format="json")
    assert paid.status_code == 409


def test_lines_and_quantities_are_validated(people):
    case = fee_case(people, "under_review")
    other = FeeStandard.objects.exclude(version_id=case.item_version_id).first()
    first = standards(case)[0]
    for lines, field in (
        ([{"fee_id": other.pk}], "lines.0.fee_id"),
        ([{"fee_id": "x"}], "lines.0.fee_id"),
        ([{"fee_id": first.pk, "quantity": 0}], "lines.0.quantity"),
        ([{"fee_id": first.pk, "quantity": 100}], "lines.0.quantity"),
        ([], "lines"),
    ):
        answer = client(people.clerk).post(url(case), {"lines": lines}, format="json")
        assert answer.status_code == 400 and field in answer.json()["fields"], (lines, answer.json())
    assert client(people.clerk).get(url(case)).json()["status"] == "none"


def test_others_get_404(people):
    case = fee_case(people, "under_review")
    first = standards(case)[0]
    client(people.clerk).post(url(case), {"lines": [{"fee_id": first.pk}]}, format="json")
    assert client(people.applicant2).get(url(case)).status_code == 404
    assert client(people.clerk2).get(url(case)).status_code == 404
    assert client(people.clerk2).post(url(case), {"lines": [{"fee_id": first.pk}]}, format="json").status_code == 404
    assert APIClient().get(url(case)).status_code in (401, 403)
    assert client(people.supervisor).get(url(case)).status_code == 200
    assert client(people.clerk).get(url(case)).status_code == 200


def test_the_applicant_cannot_assess(people):
    case = fee_case(people, "under_review")
    answer = client(people.applicant).post(url(case), {"lines": [{"fee_id": standards(case)[0].pk}]}, format="json")
    assert answer.status_code == 404
