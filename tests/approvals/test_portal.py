"""The applicant portal (网上办事大厅) as a browser sees it: register, file online, upload or reuse
materials, answer the one-time correction notice (行政许可法 art. 32), withdraw, follow progress.

Pages only call the services; every refused action comes back as a message on the refreshed page,
never as a 500.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from approvals import services
from approvals.models import Application, Event, Material
from hall.models import AuditEntry, User
from tests.approvals import helpers
from tests.approvals.helpers import FORM, GIF, ITEM, PDF, PERSON, act, at, case_in, file_case, reload

PASSWORD = "Hall-portal-2026!x"


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def field_block(page: str, name: str) -> str:
    """The ``<div class="field">`` that holds the input called ``name``: where its errors must be."""
    for block in page.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def case_url(case: Application, action: str = "") -> str:
    return reverse(f"approvals:{action or 'case'}", args=[case.number])


def start_data(**overrides) -> dict:
    data = {
        "applicant_type": "person", "applicant_name": PERSON["name"], "applicant_id_number": PERSON["id_number"],
        "applicant_phone": PERSON["phone"], "applicant_address": PERSON["address"],
        **{f"form_{name}": value for name, value in FORM.items()},
    }  # fmt: skip
    data.update(overrides)
    return data


def pdf(name: str = "材料.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


# --- registration ------------------------------------------------------------------------------------------------

REGISTRATION = {
    "username": "zhaolei", "real_name": "赵磊", "phone": "13900000009", "id_number": "11010519491231002X",
    "email": "", "password1": PASSWORD, "password2": PASSWORD,
}  # fmt: skip


def test_registration_creates_a_logged_in_applicant_and_opens_my_cases(people):
    client = client_for(None)
    assert 'href="/accounts/register/"' in html(client.get(reverse("login")))
    response = client.post(reverse("register"), REGISTRATION)
    assert response.status_code == 302 and response["Location"] == reverse("approvals:my_cases")
    user = User.objects.get(username="zhaolei")
    assert (user.real_name, user.phone) == ("赵磊", "13900000009") and user.has_role("applicant")
    assert AuditEntry.objects.filter(action="hall.register", target="zhaolei", actor=user).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["user"] == user
    assert "您还没有办件" in html(page) and 'href="/my/cases/"' in html(page)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "居民身份证号码无效"),
        ({"phone": "1380000"}, "phone", "请输入 11 位手机号码"),
        ({"password2": PASSWORD + "?"}, "password2", "两个密码不一致"),
        ({"password1": "12345678", "password2": "12345678"}, "password2", "这个密码太常见了"),
        ({"real_name": ""}, "real_name", "该字段是必填项"),
        ({"username": "applicant"}, "username", "已存在"),
    ],
)
def test_registration_errors_are_shown_in_chinese_next_to_the_field_and_create_nobody(people, change, field, message):
    users = User.objects.count()
    response = client_for(None).post(reverse("register"), {**REGISTRATION, **change})
    assert response.status_code == 200
    block = field_block(html(response), field)
    assert "has-error" in block.split(">", 1)[0] and message in block, block
    assert User.objects.count() == users


# --- filing online ---------------------------------------------------------------------------------------------


def test_the_start_page_shows_the_one_time_checklist_and_the_items_own_fields(people):
    client = client_for(people.applicant)
    response = client.get(reverse("approvals:start", args=[ITEM]))
    assert response.status_code == 200
    page = html(response)
    version = response.context["version"]
    for material in version.materials.all():
        assert material.name in page
    assert page.index("一次性告知") < page.index('name="applicant_name"') < page.index('name="form_project_name"')
    for spec in version.fields.all():
        assert spec.label in page and f'name="form_{spec.name}"' in page
    assert '<select name="form_land_supply"' in page and '<option value="划拨">' in page
    assert 'type="number"' in field_block(page, "form_site_area")
    assert 'type="tel"' in field_block(page, "form_contact_phone")
    assert 'value="张伟"' in field_block(page, "applicant_name")  # prefilled from the account
    assert 'name="agent_authorisation"' not in page  # not an agent


def test_items_that_take_no_filings_have_no_start_page(people):
    client = client_for(people.applicant)
    assert client.get(reverse("approvals:start", args=["NO-SUCH-ITEM"])).status_code == 404
    assert client_for(None).get(reverse("approvals:start", args=[ITEM])).status_code == 302  # log in first


def test_a_bad_id_number_is_shown_next_to_its_field_and_nothing_is_filed(people):
    cases = Application.objects.count()
    response = client_for(people.applicant).post(
        reverse("approvals:start", args=[ITEM]),
        start_data(applicant_id_number="110105194912310021", form_site_area="", form_land_supply="租赁"),
    )
    assert response.status_code == 200
    page = html(response)
    assert "居民身份证号码无效（校验位不符），请核对后重新输入" in field_block(page, "applicant_id_number")
    assert "checksum" not in page
    assert "请填写用地面积" in field_block(page, "form_site_area")
    assert "请从 出让、划拨 中选择" in page
    assert "居民身份证号码无效" not in field_block(page, "applicant_phone")
    assert Application.objects.count() == cases


def test_a_valid_filing_creates_an_online_draft_and_opens_its_case_page(people):
    response = client_for(people.applicant).post(reverse("approvals:start", args=[ITEM]), start_data())
    case = Application.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert (case.state, case.channel, case.owner, case.applicant_name) == ("draft", "online", people.applicant, "张伟")
    assert case.form_data["site_area"] == 12000 and case.form_data["land_supply"] == "出让"
    page = html(client_for(people.applicant).get(response["Location"]))
    assert case.number in page and case.query_code in page and "提交申请" in page and "撤回申请" in page


def test_an_agent_must_give_the_authorisation(people):
    client = client_for(people.agent)
    page = html(client.get(reverse("approvals:start", args=[ITEM])))
    assert 'name="agent_authorisation"' in page and 'value="王强"' in field_block(page, "agent_name")
    agent = {"agent_name": "王强", "agent_id_number": "11010519491231002X", "agent_phone": "13800000003"}
    cases = Application.objects.count()
    refused = client.post(reverse("approvals:start", args=[ITEM]), start_data(**agent))
    assert refused.status_code == 200
    assert "请提供授权委托书" in field_block(html(refused), "agent_authorisation")
    assert Application.objects.count() == cases
    filed = client.post(reverse("approvals:start", args=[ITEM]), start_data(**agent, agent_authorisation="委托书 007"))
    case = Application.objects.latest("id")
    assert filed.status_code == 302 and case.agent_authorisation == "委托书 007" and case.owner == people.agent


# --- materials -------------------------------------------------------------------------------------------------


def test_upload_a_pdf_on_the_case_page(people):
    case = file_case(people.applicant, complete=False)
    requirement = helpers.required_materials(case)[0]
    client = client_for(people.applicant)
    response = client.post(case_url(case, "upload"), {"requirement_id": requirement.pk, "file": pdf("申请表.pdf")})
    assert response.status_code == 302 and response["Location"] == case_url(case) + "#materials"
    material = Material.objects.get(application=case, requirement=requirement)
    assert (material.original_name, material.revision, material.content_type) == ("申请表.pdf", 1, "application/pdf")
    page = client.get(response["Location"])
    assert any("已上传" in m for m in messages_of(page))
    assert "申请表.pdf" in html(page) and "第 1 版" in html(page)


def material_row(page: str, requirement) -> str:
    """The ``<li>`` of one material requirement on the case page."""
    return page.split(f'id="material-{requirement.pk}"', 1)[1].split("</li>", 1)[0]


def test_a_refused_file_is_shown_on_its_material_row_with_the_reason(people, settings):
    """A GIF renamed .pdf or an oversized file: the page names the material and the reason on its row
    (and in a summary announced to screen readers), and the row says the upload did not succeed."""
    case = file_case(people.applicant, complete=False)
    requirement, other = helpers.required_materials(case)[:2]
    client = client_for(people.applicant)
    url = case_url(case, "upload")
    gif = client.post(url, {"requirement_id": requirement.pk, "file": SimpleUploadedFile("照片.pdf", GIF)})
    assert gif.status_code == 415
    page = html(gif)
    row = material_row(page, requirement)
    assert "上传未成功" in row and "照片.pdf" in row and "只接受 PDF、JPEG、PNG 或 OFD" in row and "本项仍未上传" in row
    assert 'aria-invalid="true"' in row and "已上传" not in row
    assert "照片.pdf" not in material_row(page, other)
    summary = page.split('id="upload-errors"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in page.split('id="upload-errors"', 1)[0][-80:]
    assert f'href="#material-{requirement.pk}">{requirement.name}</a>' in summary
    settings.UPLOAD_MAX_MB = 1
    big = client.post(url, {"requirement_id": requirement.pk, "file": pdf(content=PDF + b"0" * 2**20)})
    assert big.status_code == 413 and "超过 1 MB" in material_row(html(big), requirement)
    empty = client.post(url, {"requirement_id": requirement.pk})
    assert empty.status_code == 400 and "请选择要上传的文件" in material_row(html(empty), requirement)
    assert not Material.objects.filter(application=case).exists()


def test_the_owner_opens_an_uploaded_file_and_nobody_else_can(people):
    case = file_case(people.applicant, complete=False)
    requirement = helpers.required_materials(case)[0]
    owner = client_for(people.applicant)
    owner.post(case_url(case, "upload"), {"requirement_id": requirement.pk, "file": pdf("申请表.pdf")})
    material = Material.objects.get(application=case, requirement=requirement)
    url = reverse("approvals:material", args=[case.number, material.pk])
    assert f'href="{url}"' in material_row(html(owner.get(case_url(case))), requirement)
    response = owner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF and response["X-Content-Type-Options"] == "nosniff"
    assert "inline" in response["Content-Disposition"]
    for someone in (people.applicant2, people.clerk, people.supervisor):  # staff read files on the workbench
        assert client_for(someone).get(url).status_code == 404
    other = file_case(people.applicant, complete=False)
    assert owner.get(reverse("approvals:material", args=[other.number, material.pk])).status_code == 404
    assert owner.get(reverse("approvals:material", args=[case.number, 10**30])).status_code == 404


def test_reuse_a_material_from_an_earlier_case(people):
    earlier = file_case(people.applicant)
    source = earlier.materials.order_by("-id").first()  # one option per file content: the newest
    case = file_case(people.applicant, complete=False)
    requirement = helpers.required_materials(case)[1]
    client = client_for(people.applicant)
    page = html(client.get(case_url(case)))
    assert "复用以往材料" in page and f'<option value="{source.pk}">' in page
    foreign = file_case(people.applicant2).materials.first()
    refused = client.post(case_url(case, "reuse"), {"requirement_id": requirement.pk, "material_id": foreign.pk},
                          follow=True)  # fmt: skip
    assert any("只能复用本人以往办件中的材料" in m for m in messages_of(refused))
    response = client.post(case_url(case, "reuse"), {"requirement_id": requirement.pk, "material_id": source.pk},
                           follow=True)  # fmt: skip
    reused = Material.objects.get(application=case, requirement=requirement)
    assert reused.reused_from == source and reused.sha256 == source.sha256
    assert any("已复用" in m for m in messages_of(response)) and "复用</span>" in html(response)


# --- the workflow from the applicant's side ----------------------------------------------------------------------


def test_submit_and_a_second_submit_reads_as_a_conflict(people):
    case = file_case(people.applicant)
    client = client_for(people.applicant)
    response = client.post(case_url(case, "submit"), follow=True)
    assert reload(case).state == "submitted" and any("申请已提交" in m for m in messages_of(response))
    event = Event.objects.get(application=case, action="submit")
    assert event.ip == "127.0.0.1"
    again = client.post(case_url(case, "submit"), follow=True)
    assert again.status_code == 200 and reload(case).state == "submitted"
    assert any("不能执行“提交”" in m and "最新状态" in m for m in messages_of(again))
    assert "提交申请</button>" not in html(again) and "等待窗口受理" in html(again)


def test_the_applicant_answers_the_correction_notice_and_resubmits(people):
    case = case_in("submitted", people)
    with helpers.frozen(at(2026, 9, 30, 15)):
        asked = helpers.required_materials(case)[:2]
        items = [{"requirement_id": r.pk, "reason": f"{r.name}须加盖公章"} for r in asked]
        services.request_correction(case_id=case.pk, by=people.clerk, items=items, reason="材料不全")
        client = client_for(people.applicant)
        page = html(client.get(case_url(case)))
        assert "补正材料通知（第 1 轮）" in page and "材料不全" in page
        for requirement in asked:
            assert f"{requirement.name}须加盖公章" in page and f'id="file-{requirement.pk}"' in page
        others = [r for r in case.item_version.materials.all() if r not in asked]
        assert not any(f'id="file-{r.pk}"' in page for r in others)
        assert "补正后重新提交" in page and reverse("approvals:notice", args=[case.number, "correction"]) in page

        early = client.post(case_url(case, "resubmit"), follow=True)
        assert reload(case).state == "correction_requested"
        assert any("还有 2 项补正材料未上传" in m for m in messages_of(early))
        not_asked = client.post(case_url(case, "upload"), {"requirement_id": others[0].pk, "file": pdf()})
        assert not_asked.status_code == 400
        assert "补正通知未要求更换这项材料" in material_row(html(not_asked), others[0])

        for requirement in asked:
            client.post(case_url(case, "upload"), {"requirement_id": requirement.pk, "file": pdf("盖章件.pdf")})
        assert case.materials.filter(superseded=False, requirement__in=asked, revision=2).count() == 2
        done = client.post(case_url(case, "resubmit"), follow=True)
    assert reload(case).state == "submitted" and any("补正材料已提交" in m for m in messages_of(done))


def test_withdraw_asks_for_confirmation_then_withdraws(people):
    case = case_in("submitted", people)
    client = client_for(people.applicant)
    confirm = client.get(case_url(case, "withdraw"))
    assert confirm.status_code == 200 and "确认撤回" in html(confirm) and reload(case).state == "submitted"
    too_long = client.post(case_url(case, "withdraw"), {"reason": "长" * 5000})
    assert too_long.status_code == 200 and "has-error" in html(too_long) and reload(case).state == "submitted"
    draft = case_in("draft", people)
    assert client.post(case_url(draft, "withdraw")).status_code == 302 and reload(draft).state == "withdrawn"
    response = client.post(case_url(case, "withdraw"), {"reason": "项目取消"}, follow=True)
    assert reload(case).state == "withdrawn" and any("已撤回" in m for m in messages_of(response))
    assert Event.objects.get(application=case, action="withdraw").reason == "项目取消"
    decided = case_in("decided", people)
    refused = client.get(case_url(decided, "withdraw"), follow=True)
    assert any("不能撤回" in m for m in messages_of(refused)) and reload(decided).state == "decided"


def test_another_applicant_is_told_the_case_does_not_exist(people):
    case = case_in("draft", people)
    stranger = client_for(people.applicant2)
    requirement = helpers.required_materials(case)[0]
    assert stranger.get(case_url(case)).status_code == 404
    assert stranger.get(case_url(case, "withdraw")).status_code == 404
    for action in ("submit", "resubmit", "withdraw"):
        assert stranger.post(case_url(case, action)).status_code == 404
    assert stranger.post(case_url(case, "upload"), {"requirement_id": requirement.pk, "file": pdf()}).status_code == 404
    assert reload(case).state == "draft" and not case.materials.filter(uploaded_by=people.applicant2).exists()


def test_staff_are_sent_to_the_workbench_or_see_the_case_read_only(people):
    case = case_in("submitted", people)
    response = client_for(people.clerk).get(case_url(case))
    try:
        workbench = reverse("approvals:work_case", args=[case.number])
    except NoReverseMatch:
        assert response.status_code == 200 and "只读" in html(response)
        assert "撤回申请" not in html(response) and case.query_code not in html(response)
    else:
        assert response.status_code == 302 and response["Location"] == workbench


def test_the_acceptance_notice_link_appears_once_accepted_and_downloads_a_pdf(people):
    case = case_in("submitted", people)
    client = client_for(people.applicant)
    link = reverse("approvals:notice", args=[case.number, "acceptance"])
    assert link not in html(client.get(case_url(case)))
    act("accept", case, people)
    page = html(client.get(case_url(case)))
    assert link in page and "下载受理通知书" in page and "办结期限" in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_case_page_runs_in_constant_queries(people, django_assert_max_num_queries):
    for _ in range(3):
        file_case(people.applicant)  # earlier materials to reuse: one query for all of them
    case = case_in("correction_requested", people)
    client = client_for(people.applicant)
    client.get(case_url(case))
    # +1 since notices are issued by their acts (one query reads which were); +1 for the ratings per stage;
    # +1 for the wallet's e-licences (免证办)
    with django_assert_max_num_queries(16):
        response = client.get(case_url(case))
    assert len(response.context["reuse_choices"]) >= 1


# --- my cases ------------------------------------------------------------------------------------------------------


def test_my_cases_lists_own_cases_with_the_next_step_in_constant_queries(people, django_assert_max_num_queries):
    client = client_for(people.applicant2)
    file_case(people.applicant2, complete=False)
    client.get(reverse("approvals:my_cases"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("approvals:my_cases"))
    for state in ("submitted", "correction_requested", "accepted", "decided"):
        case = file_case(people.applicant2)
        for action in helpers.PATHS[state]:
            case = act(action, case, people, by=people.applicant2 if helpers.ACTORS[action] == "applicant" else None)
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("approvals:my_cases"))
    page = html(response)
    assert len(response.context["rows"]) == 5
    for text in ("继续填写", "等待窗口受理", "待补正", "请领取结果", "已受理"):
        assert text in page
    assert case_in("draft", people).number not in page  # the other applicant's


def test_my_cases_pages_by_twenty_from_where_the_page_stopped_without_counting(people):
    first_case = file_case(people.applicant2, complete=False)
    fields = [f.attname for f in Application._meta.concrete_fields if f.attname not in {"id", "number", "query_code"}]
    columns = {name: getattr(first_case, name) for name in fields}
    # Same created_at for all (the clock is frozen): the id breaks the tie, no case is shown twice or skipped.
    Application.objects.bulk_create(Application(**columns, number=f"MINE-{i:04d}") for i in range(40))
    newest_first = Application.objects.filter(owner=people.applicant2).order_by("-created_at", "-id")
    everything = list(newest_first.values_list("number", flat=True))
    client = client_for(people.applicant2)
    url, pages, counts, last_page = reverse("approvals:my_cases"), [], [], ""
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        pages.append([row.number for row in response.context["rows"]])
        counts.append(len(queries))
        assert not [q for q in queries if "COUNT(" in q["sql"] and "approvals_application" in q["sql"]]
        assert "OFFSET" not in " ".join(q["sql"] for q in queries)
        last_page = html(response)
        found = re.search(r'href="\?(after=[0-9_]+)" rel="next"', last_page)
        url = f"{reverse('approvals:my_cases')}?{found[1]}" if found else ""
    assert [len(p) for p in pages] == [20, 20, 1] and [n for page in pages for n in page] == everything
    assert len(set(counts)) == 1  # the same queries on every page
    assert 'rel="prev"' not in html(client.get(reverse("approvals:my_cases")))
    previous = re.search(r'href="\?before=([0-9_]+)" rel="prev"', last_page)
    back = client.get(reverse("approvals:my_cases"), {"before": previous[1]})
    assert [row.number for row in back.context["rows"]] == pages[1]
    assert 'rel="prev"' in html(back) and 'rel="next"' in html(back)
    # a forged, stale or past-the-end cursor (or an old page number) shows the first page, never an error
    for params in ({"after": "x"}, {"before": "9" * 18 + "_1"}, {"after": "1_1"}, {"after": "9" * 19}, {"page": "x"}):
        response = client.get(reverse("approvals:my_cases"), params)
        assert response.status_code == 200 and [row.number for row in response.context["rows"]] == pages[0]


def test_my_cases_shows_only_my_cases_on_every_page(people):
    mine = file_case(people.applicant2, complete=False)
    theirs = file_case(people.applicant, complete=False)
    response = client_for(people.applicant2).get(reverse("approvals:my_cases"), {"after": "9" * 17 + "_9"})
    numbers = [row.number for row in response.context["rows"]]
    assert mine.number in numbers and theirs.number not in numbers


# --- public progress -----------------------------------------------------------------------------------------------


def test_progress_with_the_right_code_shows_the_timeline_without_personal_data(people):
    case = case_in("accepted", people)
    client = client_for(None)
    assert "办件进度查询" in html(client.get(reverse("home")))
    response = client.post(
        reverse("approvals:progress"), {"number": case.number, "query_code": case.query_code.lower()}
    )
    page = html(response)
    assert response.status_code == 200 and case.item.name in page and "已受理" in page and "提交" in page
    for personal in ("张伟", "张*", PERSON["id_number"], PERSON["id_number"][-4:], PERSON["phone"], "文三路"):
        assert personal not in page, personal


def test_progress_with_a_wrong_code_or_number_reads_not_found(people):
    case = case_in("submitted", people)
    client = client_for(None)
    wrong_code = html(client.post(reverse("approvals:progress"), {"number": case.number, "query_code": "AAAAAAAA"}))
    wrong_number = html(client.post(reverse("approvals:progress"), {"number": "X-1", "query_code": case.query_code}))
    assert "未找到" in wrong_code and "未找到" in wrong_number and case.item.name not in wrong_code


def test_progress_lookups_are_limited_per_address(people, settings, monkeypatch):
    """The API's budget per address (THROTTLE_PROGRESS), here 5/min."""
    # A cache of this process only: the shared file cache may be cleared by another test run meanwhile.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "progress": "5/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = Client(REMOTE_ADDR="203.0.113.99")
    statuses = [client.post(reverse("approvals:progress"), {"number": f"X{n}", "query_code": "Y"}).status_code
                for n in range(6)]  # fmt: skip
    assert statuses == [200] * 5 + [429]
    refused = client.post(reverse("approvals:progress"), {"number": "X", "query_code": "Y"})
    assert "查询过于频繁，请 1 分钟后再试。" in html(refused) and refused["Retry-After"] == "60"
    assert Client(REMOTE_ADDR="203.0.113.100").get(reverse("approvals:progress")).status_code == 200
    other = Client(REMOTE_ADDR="203.0.113.100").post(reverse("approvals:progress"), {"number": "X", "query_code": "Y"})
    assert other.status_code == 200 and "未找到" in html(other)


def test_a_numbers_lookups_are_limited_whatever_the_address_and_shared_with_the_api(people, settings, monkeypatch):
    """THROTTLE_PROGRESS_NUMBER, here 3/hour: page and API spend one budget per number."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "number"}}
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "progress_number": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    case = case_in("accepted", people)
    guess = {"number": case.number, "query_code": "AAAAAAAA"}
    assert APIClient(REMOTE_ADDR="203.0.113.1").get("/api/v1/progress", guess).status_code == 404
    pages = [Client(REMOTE_ADDR=f"203.0.113.{n}").post(reverse("approvals:progress"), guess) for n in (2, 3)]
    assert [page.status_code for page in pages] == [200, 200] and all("未找到" in html(page) for page in pages)
    right = {"number": case.number, "query_code": case.query_code}
    refused = Client(REMOTE_ADDR="203.0.113.4").post(reverse("approvals:progress"), right)
    assert refused.status_code == 429 and "查询过于频繁，请 1 小时后再试。" in html(refused)
    assert case.item.name not in html(refused)
    other = case_in("accepted", people)
    found = Client(REMOTE_ADDR="203.0.113.4").post(
        reverse("approvals:progress"), {"number": other.number, "query_code": other.query_code}
    )
    assert found.status_code == 200 and other.item.name in html(found)


# --- robustness ---------------------------------------------------------------------------------------------------


def test_garbage_posts_never_answer_500(people):
    case = file_case(people.applicant, complete=False)
    huge = "测" * 20_000
    client = client_for(people.applicant)
    empty = client.post(reverse("approvals:start", args=[ITEM]), {})
    assert "请填写姓名或名称" in field_block(html(empty), "applicant_name")
    requests = [
        (reverse("approvals:start", args=[ITEM]), {}),
        (reverse("approvals:start", args=[ITEM]), {key: huge for key in start_data()}),
        (
            reverse("approvals:start", args=[ITEM]),
            start_data(applicant_type="alien", form_site_area="1e999", form_unknown="x", applicant_name="名" * 101),
        ),
        (reverse("approvals:start", args=[ITEM]), start_data(form_site_area="1.5e308", form_project_code=huge)),
        (case_url(case, "upload"), {}),
        (case_url(case, "upload"), {"requirement_id": "99999999999999999999999", "file": pdf()}),
        (case_url(case, "upload"), {"requirement_id": "abc", "file": pdf()}),
        (case_url(case, "upload"), {"requirement_id": huge, "file": pdf()}),
        (case_url(case, "reuse"), {"requirement_id": "1", "material_id": "-5"}),
        (case_url(case, "reuse"), {}),
        (case_url(case, "submit"), {"junk": huge}),
        (case_url(case, "resubmit"), {}),
        (case_url(case, "withdraw"), {"reason": huge}),
        (reverse("approvals:progress"), {}),
        (reverse("approvals:progress"), {"number": huge, "query_code": huge}),
        (reverse("register"), {key: huge for key in REGISTRATION}),
    ]
    cases = Application.objects.count()
    for url, data in requests:
        response = client.post(url, data)
        assert response.status_code < 500, (url, response.status_code)
    assert client.get("/cases/" + "x" * 500 + "/").status_code == 404
    assert Application.objects.count() == cases
    assert not case.materials.exists()


def test_no_page_uses_inline_styles_or_scripts(people):
    draft = file_case(people.applicant)
    corrected = case_in("correction_requested", people)
    applicant, anonymous = client_for(people.applicant), client_for(None)
    pages = [
        applicant.get(reverse("approvals:start", args=[ITEM])),
        applicant.post(reverse("approvals:start", args=[ITEM]), start_data(applicant_id_number="1")),
        applicant.get(case_url(draft)),
        applicant.get(case_url(corrected)),
        applicant.get(case_url(draft, "withdraw")),
        applicant.get(reverse("approvals:my_cases")),
        applicant.get(reverse("home")),
        anonymous.get(reverse("approvals:progress")),
        anonymous.post(reverse("approvals:progress"), {"number": draft.number, "query_code": draft.query_code}),
        anonymous.get(reverse("register")),
        anonymous.post(reverse("register"), {"username": "x"}),
    ]
    for response in pages:
        page = html(response)
        assert response.status_code == 200
        assert 'style="' not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert not re.search(r"\son[a-z]+=", page)
