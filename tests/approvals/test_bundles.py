"""一件事 bundles end to end through the API: one filing → one sub-case per member item on its own legal
clock, each shared material uploaded once and referred to by every sub-case, one-window acceptance by
the lead department, a member department's correction notice on the bundle page, and the bundle's
progress in the public progress query."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from approvals import bundle_selectors as selectors
from approvals import services
from approvals.bundle_models import BundleCase, BundleMaterial
from approvals.models import Application, Material, State
from catalog import bundles as catalog_bundles
from hall import calendar
from hall.models import Department, User
from supervision import statistics
from tests.approvals import helpers
from tests.factories import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

COMPANY = {"type": "organisation", "name": "杭州云帆科技有限公司", "id_number": "91350100M000100Y43",
           "phone": "13800000002", "address": "滨江区江南大道 2 号"}  # fmt: skip
PERSON = helpers.PERSON


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_user(username: str | None) -> APIClient:
    api = APIClient()
    if username:
        api.force_authenticate(User.objects.get(username=username))
    return api


def form_for(code: str) -> dict:
    return {f.name: f.sample_value() for f in catalog_bundles.guide(code).fields if f.required}


def file_bundle(code="YJS-ESFMM", applicant=PERSON, username="applicant", **headers) -> dict:
    response = as_user(username).post(
        "/api/v1/bundles", {"bundle_code": code, "applicant": applicant, "form": form_for(code)}, format="json",
        **headers,
    )  # fmt: skip
    assert response.status_code in (200, 201), response.json()
    return response.json()


def upload(number: str, key: str, username="applicant", name="材料.pdf"):
    pdf = SimpleUploadedFile(name, helpers.PDF, "application/pdf")
    return as_user(username).post(f"/api/v1/bundles/{number}/materials", {"key": key, "file": pdf})


def upload_required(number: str, code: str) -> None:
    for merged in catalog_bundles.guide(code).materials:
        if merged.required:
            assert upload(number, merged.key).status_code == 201


def filed_and_submitted(code: str, at) -> dict:
    with helpers.frozen(at):
        created = file_bundle(code, COMPANY if code == "YJS-KBQY" else PERSON)
        upload_required(created["number"], code)
        assert as_user("applicant").post(f"/api/v1/bundles/{created['number']}/submit").status_code == 200
    return created


def sub_cases(number: str) -> dict[str, Application]:
    return {c.item.code: c for c in Application.objects.filter(bundle__number=number).select_related("item")}


def test_one_filing_creates_one_sub_case_per_member_item_linked_to_the_bundle():
    created = file_bundle("YJS-KBQY", COMPANY)
    cases = sub_cases(created["number"])
    assert set(cases) == {"SCJGJ-XK-0001", "GAFJ-QT-0005", "SWJ-QT-0001", "RSJ-GG-0004"}
    assert {c.department.code for c in cases.values()} == {"SCJGJ", "GAFJ", "SWJ", "RSJ"}
    assert all(c.state == State.DRAFT and c.query_code == created["query_code"] for c in cases.values())
    assert [row["number"] for row in created["sub_cases"]] == [c.number for c in sorted(cases.values(), key=lambda c:
                                                                                         c.pk)]  # fmt: skip
    detail = as_user("applicant").get(f"/api/v1/applications/{cases['SWJ-QT-0001'].number}").json()
    assert detail["bundle"] == created["number"]  # the case shape names its bundle


def test_a_refused_form_creates_nothing_and_names_every_field():
    form = form_for("YJS-KBQY") | {"employees": "-3", "no_such_field": "x"}
    response = as_user("applicant").post(
        "/api/v1/bundles", {"bundle_code": "YJS-KBQY", "applicant": COMPANY, "form": form}, format="json"
    )
    assert response.status_code == 400
    assert {"form.employees", "form.no_such_field"} <= set(response.json()["fields"])
    assert not BundleCase.objects.exists() and not Application.objects.filter(item__code="RSJ-GG-0004").exists()


def test_the_same_idempotency_key_returns_the_same_bundle():
    first = file_bundle(HTTP_IDEMPOTENCY_KEY="bundle-key-1")
    again = as_user("applicant").post(
        "/api/v1/bundles", {"bundle_code": "YJS-ESFMM", "applicant": PERSON, "form": form_for("YJS-ESFMM")},
        format="json", HTTP_IDEMPOTENCY_KEY="bundle-key-1",
    )  # fmt: skip
    assert again.status_code == 200 and again.json()["number"] == first["number"]
    assert BundleCase.objects.count() == 1 and Application.objects.filter(bundle__isnull=False).count() == 2


def test_a_shared_material_uploaded_once_appears_in_each_sub_case_by_reference():
    """买卖双方身份证明 is required by both 转移登记 and 水电气过户: one upload, one stored file, and a
    current material on each sub-case pointing at it (same stored name and digest, never copied)."""
    created = file_bundle()
    response = upload(created["number"], "key:parties_id", name="身份证.pdf")
    assert response.status_code == 201
    row = next(m for m in response.json()["materials"] if m["key"] == "key:parties_id")
    assert row["status"] == "uploaded" and len(row["sub_cases"]) == 2
    stored = BundleMaterial.objects.get(bundle_case__number=created["number"], key="key:parties_id")
    shared = Material.objects.filter(bundle_material=stored, superseded=False)
    assert shared.count() == 2 and {m.application.number for m in shared} == set(row["sub_cases"])
    assert {m.file.name for m in shared} == {stored.file.name} and {m.sha256 for m in shared} == {stored.sha256}
    assert len([p for p in (helpers_media_files())]) == 1  # one stored file for both sub-cases
    for case in sub_cases(created["number"]).values():
        case_shape = as_user("applicant").get(f"/api/v1/applications/{case.number}").json()
        identity = next(m for m in case_shape["materials"] if m["name"] == "买卖双方身份证明")
        assert identity["status"] == "uploaded" and identity["sha256"] == stored.sha256


def helpers_media_files():
    from django.conf import settings

    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


def test_an_unknown_material_key_is_refused():
    created = file_bundle()
    response = upload(created["number"], "key:no_such_material")
    assert response.status_code == 400 and "key" in response.json()["fields"]


def test_one_window_acceptance_starts_each_sub_case_on_its_own_clock():
    """Filed Monday 2026-03-02, accepted at the lead window Tuesday 03-03 (art. 42: each decision period
    from the day after acceptance): 转移登记 committed 3 → Friday 03-06; 水电气过户 committed 5 →
    Tuesday 03-10."""
    created = filed_and_submitted("YJS-ESFMM", helpers.at(2026, 3, 2))
    for case in sub_cases(created["number"]).values():
        assert case.state == State.SUBMITTED and case.accept_due == helpers.end_of(2026, 3, 9)
    with helpers.frozen(helpers.at(2026, 3, 3)):
        assert as_user("clerk2").post(f"/api/v1/bundles/{created['number']}/accept").status_code == 404  # not lead
        response = as_user("clerk").post(f"/api/v1/bundles/{created['number']}/accept")
    assert response.status_code == 200, response.json()
    body = response.json()
    due = {row["item_code"]: row["decision_due"] for row in body["sub_cases"]}
    assert due == {"ZRZYJ-QR-0002": "2026-03-06T23:59:59+08:00", "GYSY-GG-0001": "2026-03-10T23:59:59+08:00"}
    assert body["progress"]["status"] == "in_progress" and body["accepted_at"] and body["committed_days"] == 5
    cases = sub_cases(created["number"])
    assert all(c.accepted_by.username == "clerk" for c in cases.values())
    assert cases["GYSY-GG-0001"].decision_due == calendar.deadline_instant(helpers.at(2026, 3, 3), 5)
    again = as_user("clerk").post(f"/api/v1/bundles/{created['number']}/accept")
    assert again.status_code == 409


def test_a_member_departments_correction_notice_reaches_the_applicant_on_the_bundle_page(client):
    created = filed_and_submitted("YJS-ESFMM", helpers.at(2026, 3, 2))
    utilities = sub_cases(created["number"])["GYSY-GG-0001"]
    gysy_clerk = staff("gysy_clerk", "clerk", Department.objects.get(code="GYSY"))
    contract = utilities.item_version.materials.get(share_key="sale_contract")
    with helpers.frozen(helpers.at(2026, 3, 3)):
        services.request_correction(case_id=utilities.pk, by=gysy_clerk, reason="合同页不全",
                                    items=[{"requirement_id": contract.pk, "reason": "缺少第 3 页签字页"}])  # fmt: skip
        refused = as_user("clerk").post(f"/api/v1/bundles/{created['number']}/accept")
    assert refused.status_code == 409 and "二手房供水、供电、燃气过户" in refused.json()["detail"]
    shape = as_user("applicant").get(f"/api/v1/bundles/{created['number']}").json()
    assert shape["progress"]["status"] == "correction_requested"
    row = next(r for r in shape["sub_cases"] if r["item_code"] == "GYSY-GG-0001")
    assert row["correction"]["items"] == [{"requirement_id": contract.pk, "key": "key:sale_contract",
                                           "name": "存量房买卖合同", "reason": "缺少第 3 页签字页"}]  # fmt: skip
    client.force_login(User.objects.get(username="applicant"))
    page = client.get(f"/bundles/cases/{created['number']}/").content.decode()
    assert "缺少第 3 页签字页" in page and "补正材料通知" in page
    with helpers.frozen(helpers.at(2026, 3, 4)):
        assert upload(created["number"], "key:sale_contract", name="合同补正.pdf").status_code == 201
        assert as_user("applicant").post(f"/api/v1/bundles/{created['number']}/resubmit").status_code == 200
    cases = sub_cases(created["number"])
    transfer = cases["ZRZYJ-QR-0002"].materials.get(requirement__share_key="sale_contract", superseded=False)
    replaced = cases["GYSY-GG-0001"].materials.get(requirement__share_key="sale_contract", superseded=False)
    assert transfer.revision == 1 and replaced.revision == 2  # only the sub-case the notice asked
    assert cases["GYSY-GG-0001"].state == State.SUBMITTED
    with helpers.frozen(helpers.at(2026, 3, 5)):
        assert as_user("clerk").post(f"/api/v1/bundles/{created['number']}/accept").status_code == 200


def _decide(case: Application, reviewer, approver) -> None:
    services.start_review(case_id=case.pk, by=reviewer)
    services.recommend_decision(case_id=case.pk, by=reviewer, recommendation="approve", opinion="符合条件")
    services.approve_application(case_id=case.pk, by=approver, reason="同意")


def test_the_public_progress_query_shows_the_bundle_progress(django_capture_on_commit_callbacks):
    created = filed_and_submitted("YJS-ESFMM", helpers.at(2026, 3, 2))
    anonymous = as_user(None)
    query = {"number": created["number"], "query_code": created["query_code"]}
    assert anonymous.get("/api/v1/progress", query | {"query_code": "WRONG123"}).status_code == 404
    body = anonymous.get("/api/v1/progress", query).json()
    assert body["kind"] == "bundle" and body["progress"]["status"] == "submitted"
    assert len(body["sub_cases"]) == 2 and "applicant" not in str(body)
    people = helpers.demo_people()
    gysy = Department.objects.get(code="GYSY")
    gysy_reviewer, gysy_approver = staff("gysy_reviewer", "reviewer", gysy), staff("gysy_approver", "approver", gysy)
    cases = sub_cases(created["number"])
    with helpers.frozen(helpers.at(2026, 3, 3)), django_capture_on_commit_callbacks(execute=True):
        as_user("clerk").post(f"/api/v1/bundles/{created['number']}/accept")
        _decide(cases["GYSY-GG-0001"], gysy_reviewer, gysy_approver)
    body = anonymous.get("/api/v1/progress", query).json()
    assert body["progress"] | {"status_name": ""} == {"status": "in_progress", "status_name": "", "total": 2,
                                                     "finished": 1, "decided": 1}  # fmt: skip
    sub = anonymous.get("/api/v1/progress", {"number": cases["ZRZYJ-QR-0002"].number,
                                              "query_code": created["query_code"]}).json()  # fmt: skip
    assert sub["bundle"]["number"] == created["number"] and sub["bundle"]["progress"]["finished"] == 1
    with helpers.frozen(helpers.at(2026, 3, 4)), django_capture_on_commit_callbacks(execute=True):
        _decide(cases["ZRZYJ-QR-0002"], people.reviewer, people.approver)
    body = anonymous.get("/api/v1/progress", query).json()
    assert body["progress"]["status"] == "done" and body["done_at"] is not None
    assert BundleCase.objects.get(number=created["number"]).done_at is not None
    march = statistics.Period.month(2026, 3)
    assert statistics.figures(march)["bundles"] == {"received": 1, "done": 1}
    assert statistics.bundles(march, department="SCJGJ") == {"received": 0, "done": 0}  # led by ZRZYJ


def test_others_cannot_see_a_bundle_and_lists_stay_constant(django_assert_max_num_queries):
    created = file_bundle()
    assert as_user("applicant2").get(f"/api/v1/bundles/{created['number']}").status_code == 404
    assert upload(created["number"], "key:parties_id", username="applicant2").status_code == 404
    assert as_user("clerk2").get(f"/api/v1/bundles/{created['number']}").status_code == 404
    assert as_user("clerk").get(f"/api/v1/bundles/{created['number']}").status_code == 200  # the lead window
    for _ in range(3):
        file_bundle("YJS-KBQY", COMPANY)
    api = as_user("applicant")
    with django_assert_max_num_queries(12):
        listing = api.get("/api/v1/bundles").json()
    assert len(listing["results"]) == 4
    with django_assert_max_num_queries(20):
        assert api.get(f"/api/v1/bundles/{created['number']}").status_code == 200


def test_the_demo_has_one_bundle_in_progress_led_by_the_demo_clerks_department():
    from approvals.demo import _at, _working_days_ago
    from approvals.demo.bundles import seed_bundles

    seed_bundles(pdf=helpers.PDF, at=_at, working_days_ago=_working_days_ago, log=lambda message: None)
    house = BundleCase.objects.get(bundle__code="YJS-ESFMM")
    assert house.lead_department.code == "ZRZYJ" and house.accepted_by.username == "clerk"
    house = selectors.bundle_case_detail(house.owner, house.number)
    assert selectors.progress(house).status == "in_progress"
    assert {c.state for c in house.sub_cases.all()} == {State.UNDER_REVIEW, State.ACCEPTED}
    company = BundleCase.objects.get(bundle__code="YJS-KBQY")
    assert company.accepted_at is None and company.lead_department.code == "SCJGJ"
    assert all(c.state == State.SUBMITTED for c in company.sub_cases.all())


# Who may read a bundle and act on it (DESIGN.md, Permissions): outside the scope 404, in the scope
# another role 403, anonymous 401. The 二手房买卖 bundle is led by ZRZYJ (clerk, reviewer, approver,
# cashier) and filed by `applicant`; clerk2 (market regulation), applicant2, agent, catalog_admin are outsiders.
READ = {"anonymous": 401, "applicant": 200, "applicant2": 404, "agent": 404, "clerk": 200, "clerk2": 404,
        "reviewer": 200, "approver": 200, "cashier": 200, "supervisor": 200, "catalog_admin": 404}  # fmt: skip
ACCEPT = READ | {"applicant": 403, "reviewer": 403, "approver": 403, "cashier": 403, "supervisor": 403}
SUBMIT = READ | {"clerk": 403, "reviewer": 403, "approver": 403, "cashier": 403, "supervisor": 403}


@pytest.mark.parametrize("role", list(READ))
def test_who_reads_and_acts_on_a_bundle(role):
    created = file_bundle()
    number = created["number"]
    upload_required(number, "YJS-ESFMM")
    api = as_user(None if role == "anonymous" else role)
    assert api.get(f"/api/v1/bundles/{number}").status_code == READ[role]
    submitted = api.post(f"/api/v1/bundles/{number}/submit")
    assert submitted.status_code == SUBMIT[role]
    if submitted.status_code != 200:
        as_user("applicant").post(f"/api/v1/bundles/{number}/submit")
    assert api.post(f"/api/v1/bundles/{number}/accept").status_code == ACCEPT[role]


def test_the_lead_window_lists_its_bundles_and_the_applicant_finds_them_on_my_cases(client):
    created = file_bundle()
    client.force_login(User.objects.get(username="clerk"))
    assert created["number"] in client.get("/workbench/bundles/").content.decode()
    assert "一件事（一窗受理）" in client.get("/workbench/").content.decode()
    client.force_login(User.objects.get(username="clerk2"))
    assert created["number"] not in client.get("/workbench/bundles/").content.decode()
    client.force_login(User.objects.get(username="applicant"))
    assert client.get("/workbench/bundles/").status_code == 404
    mine = client.get("/my/cases/").content.decode()
    assert "我的一件事" in mine and created["number"] in mine
    sub_case = sub_cases(created["number"])["GYSY-GG-0001"]
    assert f"/bundles/cases/{created['number']}/" in client.get(f"/cases/{sub_case.number}/").content.decode()


def test_the_one_form_page_offers_the_applicant_fields_and_files_by_post(client):
    client.force_login(User.objects.get(username="applicant2"))
    page = client.get("/bundles/apply/YJS-KBQY/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="applicant_type"' in html and 'name="township"' not in html  # a bundle has no one township
    refused = client.post("/bundles/apply/YJS-KBQY/", {"applicant_type": "organisation"})
    assert refused.status_code == 200 and "提交的内容有误" in refused.content.decode()
    assert not BundleCase.objects.filter(applicant_name="").exists()


def test_the_bundle_lists_run_in_constant_queries(client):
    """Issue 22: the applicant's API list and the window's 一件事 page, 1 bundle then 4, not more statements."""
    from tests.querycount import assert_flat

    file_bundle()
    api = as_user("applicant")
    assert_flat(
        lambda: api.get("/api/v1/bundles").json()["results"],
        lambda: [file_bundle() for _ in range(3)],
        len,
    )
    client.force_login(User.objects.get(username="clerk"))
    assert_flat(
        lambda: client.get("/workbench/bundles/").context["bundle_cases"],
        lambda: [file_bundle() for _ in range(12)],
        len,
    )
