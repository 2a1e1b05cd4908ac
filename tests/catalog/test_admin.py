"""Catalog editing in the Django admin (审改办/法制办): immutability, four-eyes publication, dynamic
management with a decision, validation messages in Chinese, and the diff between versions."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.db import transaction

from catalog import services
from catalog.models import CatalogChange, FeeStandard, Item, ItemVersion, MaterialRequirement
from hall.models import Department, User
from tests.approvals import helpers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo hall and directory, loaded once for this module and rolled back after it.

    Each test still runs in its own savepoint inside this transaction (as with ``setUpTestData``).
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            helpers.load_demo()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def admin1(demo, client):
    user = User.objects.get(username="catalog_admin")
    client.force_login(user)
    return user


@pytest.fixture
def admin2(demo):
    return User.objects.get(username="catalog_admin2")


@pytest.fixture
def item(demo):
    return Item.objects.filter(status=Item.Status.PUBLISHED).order_by("code").first()


class _FormData(HTMLParser):
    """What a browser would submit for the form with ``form_id`` (files and buttons left out)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select = self.textarea = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.add(a["name"], a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""))
        elif tag == "select":
            self.select = {"name": a["name"], "first": None, "chosen": False, "multiple": "multiple" in a}
        elif tag == "option" and self.select:
            if self.select["first"] is None:
                self.select["first"] = a.get("value", "")
            if "selected" in a:
                self.select["chosen"] = True
                self.add(self.select["name"], a.get("value", ""))
        elif tag == "textarea":
            self.textarea = [a["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            if not self.select["chosen"] and not self.select["multiple"] and self.select["first"] is not None:
                self.add(self.select["name"], self.select["first"])
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.add(name, text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None


def form_data(response, form_id="itemversion_form") -> dict[str, list[str]]:
    assert response.status_code == 200
    parser = _FormData(form_id)
    parser.feed(response.content.decode())
    assert parser.data, f"form {form_id} not found"
    return parser.data


def flash(response) -> list[str]:
    """The messages shown on the page a (followed) response ends on."""
    assert response.status_code == 200
    listing = re.search(r'<ul class="messagelist">(.*?)</ul>', response.content.decode(), re.S)
    return [html.unescape(m) for m in re.findall(r"<li[^>]*>(.*?)</li>", listing[1], re.S)] if listing else []


def change_url(version):
    return f"/admin/catalog/itemversion/{version.pk}/change/"


# --- immutability -------------------------------------------------------------------------------------


def test_published_version_page_has_no_inputs_and_a_post_changes_nothing(client, admin1, item):
    version = item.current_version
    response = client.get(change_url(version))
    html = response.content.decode()
    assert response.status_code == 200
    assert version.legal_basis[:20] in html
    for name in ('name="legal_basis"', 'name="committed_days"', 'name="materials-0-name"', 'name="_save"'):
        assert name not in html
    assert "已发布的内容不可修改" in html
    assert "<style" not in html and " style=" not in html  # the Content-Security-Policy forbids inline styles

    data = {"legal_basis": "篡改", "committed_days": "1", "statutory_days": "20"}
    assert client.post(change_url(version), data).status_code == 403
    version.refresh_from_db()
    assert version.legal_basis != "篡改"


def test_published_data_cannot_be_deleted(client, admin1, item):
    assert client.get(f"/admin/catalog/itemversion/{item.current_version_id}/delete/").status_code == 403
    assert client.get(f"/admin/catalog/item/{item.pk}/delete/").status_code == 403
    assert client.post(f"/admin/catalog/item/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Item.objects.filter(pk=item.pk).exists()


# --- the workflow ---------------------------------------------------------------------------------------


def test_draft_is_edited_submitted_and_published_by_a_second_admin(client, admin1, admin2, item):
    old = item.current_version
    # 新建草稿 first says what it does (a confirmation page, no JavaScript); the confirmed POST creates it.
    confirm = client.post(f"/admin/catalog/item/{item.pk}/start-draft/")
    assert confirm.status_code == 200 and "以现行版本为基础复制" in confirm.content.decode()
    assert 'name="_confirm"' in confirm.content.decode() and not item.versions.filter(state="draft").exists()
    response = client.post(f"/admin/catalog/item/{item.pk}/start-draft/", {"_confirm": "1"}, follow=True)
    draft = item.versions.get(state=ItemVersion.State.DRAFT)
    assert response.redirect_chain == [(change_url(draft), 302)]
    assert draft.number == old.number + 1 and flash(response) == [
        f"已新建第 {draft.number} 版草稿（复制自现行版本），修改后请提交审核。"
    ]

    data = form_data(client.get(change_url(draft)))
    data["conditions"] = ["申请人应当具备相应条件（2026 年修订）。"]
    response = client.post(change_url(draft), data, follow=True)
    assert response.redirect_chain, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.conditions == "申请人应当具备相应条件（2026 年修订）。"
    assert draft.materials.count() == old.materials.count()

    response = client.post(f"/admin/catalog/itemversion/{draft.pk}/submit/", follow=True)
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.IN_REVIEW and "已提交审核" in flash(response)[0]

    # The submitter is not offered 审核发布 and is told why; posting anyway is refused before any form.
    publish = f"/admin/catalog/itemversion/{draft.pk}/publish/"
    assert publish not in response.content.decode() and "须由另一名目录管理员审核发布" in response.content.decode()
    response = client.post(publish, follow=True)
    assert flash(response) == ["您提交了本版本，须由另一名目录管理员审核发布（审核与提交分离）。"]
    response = client.post(publish, {"_confirm": "1", "document": "", "decided_on": ""}, follow=True)
    assert flash(response) == ["您提交了本版本，须由另一名目录管理员审核发布（审核与提交分离）。"]
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.IN_REVIEW

    client.force_login(admin2)
    page = client.post(publish)
    assert page.status_code == 200 and 'name="_confirm"' in page.content.decode()
    response = client.post(
        publish, {"_confirm": "1", "document": "某审改办〔2026〕5号", "decided_on": "2026-11-20"}, follow=True
    )
    assert "已发布" in flash(response)[0]
    draft.refresh_from_db()
    old.refresh_from_db()
    item.refresh_from_db()
    assert (draft.state, old.state) == (ItemVersion.State.PUBLISHED, ItemVersion.State.SUPERSEDED)
    assert item.current_version == draft and draft.published_by == admin2
    change = CatalogChange.objects.get(version=draft)
    assert change.document == "某审改办〔2026〕5号"
    assert change.note == f"发布第 {draft.number} 版。变更内容：受理条件"


def test_saving_a_draft_as_a_browser_does_changes_nothing(client, admin1, item):
    """A textarea posts its lines ending in \r\n; the stored text and the diff stay as they were."""
    draft = services.start_draft(item=item, by=admin1)
    data = form_data(client.get(change_url(draft)))
    multiline = [name for name, values in data.items() if "\n" in values[0]]
    assert "conditions" in multiline
    for name in multiline:
        data[name] = [values.replace("\n", "\r\n") for values in data[name]]
    response = client.post(change_url(draft), data, follow=True)
    assert response.redirect_chain, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.conditions == item.current_version.conditions and "\r" not in draft.conditions
    html = client.get(f"/admin/catalog/itemversion/{draft.pk}/diff/").content.decode()
    assert "内容无变化" in html


def test_the_change_notice_names_what_changed(admin1, admin2, item):
    old = item.current_version
    draft = services.start_draft(item=item, by=admin1)
    ItemVersion.objects.filter(pk=draft.pk).update(committed_days=old.committed_days - 1, legal_basis="新的依据")
    MaterialRequirement.objects.create(version=draft, name="授权委托书", form="original", source="applicant",
                                       position=99)  # fmt: skip
    draft.fees.first().delete() if draft.fees.exists() else None
    services.submit_for_review(version=draft, by=admin1)
    services.publish_version(version=draft, by=admin2, document="某审改办〔2026〕6号", decided_on=None)
    note = CatalogChange.objects.get(version=draft).note
    assert note.startswith(f"发布第 {draft.number} 版。变更内容：")
    assert "设定依据" in note and "新的依据" not in note  # long texts are named, not quoted
    assert f"承诺办结时限（工作日）：{old.committed_days} → {old.committed_days - 1}" in note
    assert "申请材料：新增“授权委托书”" in note


def test_return_to_draft_needs_a_reason(client, admin1, admin2, item):
    draft = services.start_draft(item=item, by=admin2)
    services.submit_for_review(version=draft, by=admin2)
    url = f"/admin/catalog/itemversion/{draft.pk}/return/"
    response = client.post(url, {"_confirm": "1", "reason": " "})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    response = client.post(url, {"_confirm": "1", "reason": "收费依据已废止，请更新。"}, follow=True)
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.DRAFT and flash(response) == [f"第 {draft.number} 版已退回修改。"]


def test_submitting_an_incomplete_draft_lists_every_problem(client, admin1, item):
    draft = services.start_draft(item=item, by=admin1)
    draft.materials.all().delete()
    ItemVersion.objects.filter(pk=draft.pk).update(charges_fees=not draft.fees.exists())
    response = client.post(f"/admin/catalog/itemversion/{draft.pk}/submit/", follow=True)
    messages = flash(response)
    assert "申请材料：请至少列出一项申请材料。" in messages and len(messages) == 2
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.DRAFT


def test_new_item_then_first_version_from_the_add_forms(client, admin1):
    department = Department.objects.get(code="SCJGJ")
    data = {"code": "TEST-0001", "name": "测试事项", "department": department.pk, "type": "01", "level": "4"}
    response = client.post("/admin/catalog/item/add/", data)
    item = Item.objects.get(code="TEST-0001")
    assert response["Location"] == f"/admin/catalog/itemversion/add/?item={item.pk}"

    data = form_data(client.get(response["Location"]))
    assert data["item"] == [str(item.pk)]
    data.update(
        legal_basis=["《中华人民共和国行政许可法》"], implementing_body=["区市场监督管理局"], conditions=["无"],
        statutory_days=["20"], committed_days=["5"], handling_kind=["promise"], result_name=["批复"],
        result_type=["approval_document"], consult_phone=["0571-87011002"], state=["published"], number=["9"],
    )  # fmt: skip
    response = client.post("/admin/catalog/itemversion/add/", data)
    version = item.versions.get()
    assert response["Location"] == change_url(version)
    assert (version.number, version.state, version.created_by) == (1, ItemVersion.State.DRAFT, admin1)


def test_editing_an_item_name_keeps_public_search_in_step(client, admin1, item):
    url = f"/admin/catalog/item/{item.pk}/change/"
    data = form_data(client.get(url), "item_form")
    assert "code" not in data and "status" not in data  # fixed after creation / changed by services only
    data["name"] = ["户口迁入登记（含投靠）"]
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.name == "户口迁入登记（含投靠）" and "户口迁入登记（含投靠）" in item.search_text


# --- dynamic management ---------------------------------------------------------------------------------


def test_cancel_with_a_decision_creates_a_catalog_change(client, admin1, item):
    url = f"/admin/catalog/item/{item.pk}/cancel/"
    page = client.post(url).content.decode()
    assert "决定文号" in page and "决定日期" in page and "csrfmiddlewaretoken" in page

    response = client.post(url, {"_confirm": "1", "document": "", "decided_on": ""})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    assert not CatalogChange.objects.filter(item=item, action=CatalogChange.Action.CANCEL).exists()

    decision = {"_confirm": "1", "document": "某府发〔2026〕12号", "decided_on": "2026-11-20", "note": "依法取消"}
    response = client.post(url, decision, follow=True)
    assert "已取消" in flash(response)[0]
    change = CatalogChange.objects.get(item=item, action=CatalogChange.Action.CANCEL)
    assert (change.document, str(change.decided_on), change.by) == ("某府发〔2026〕12号", "2026-11-20", admin1)
    item.refresh_from_db()
    assert item.status == Item.Status.CANCELLED

    response = client.post(url, decision, follow=True)  # a second time: the service refuses, the admin says why
    assert flash(response) == ["只有已发布的事项可以取消。"]


def test_delegate_to_a_township(client, admin1, item):
    township = Department.objects.filter(level=Department.Level.TOWNSHIP).first()
    decision = {"_confirm": "1", "document": "某府发〔2026〕8号", "decided_on": "2026-11-20", "to": [township.pk]}
    client.post(f"/admin/catalog/item/{item.pk}/delegate/", decision)
    item.refresh_from_db()
    assert item.level == Department.Level.TOWNSHIP and list(item.delegated_to.all()) == [township]


def test_merge_is_recorded_with_related_items_chosen_by_autocomplete(client, admin1, item):
    other = Item.objects.exclude(pk=item.pk).filter(status=Item.Status.PUBLISHED).first()
    for slug in ("delegate", "convert", "merge-split"):
        assert client.post(f"/admin/catalog/item/{item.pk}/{slug}/").status_code == 200, slug
    search = {"app_label": "catalog", "model_name": "catalogchange", "field_name": "related_items", "term": other.code}
    found = client.get("/admin/autocomplete/", search).json()["results"]
    assert {"id": str(other.pk), "text": str(other)} in found

    decision = {"_confirm": "1", "document": "某府发〔2026〕9号", "decided_on": "2026-11-20", "action": "merge"}
    response = client.post(
        f"/admin/catalog/item/{item.pk}/merge-split/", {**decision, "related": [other.pk]}, follow=True
    )
    assert flash(response) == ["已记录合并（某府发〔2026〕9号）。"]
    change = CatalogChange.objects.get(item=item, action=CatalogChange.Action.MERGE)
    assert list(change.related_items.all()) == [other]


# --- validation -------------------------------------------------------------------------------------------


@pytest.fixture
def draft(admin1, item):
    return services.start_draft(item=item, by=admin1)


def test_committed_above_statutory_shows_the_chinese_error_and_saves_nothing(client, draft):
    data = form_data(client.get(change_url(draft)))
    data.update(statutory_days=["5"], committed_days=["10"], handling_kind=["promise"])
    response = client.post(change_url(draft), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("承诺办结时限不得超过法定办结时限。") == 1
    before = draft.committed_days
    draft.refresh_from_db()
    assert draft.committed_days == before


def test_negative_limit_is_a_form_error(client, draft):
    data = form_data(client.get(change_url(draft)))
    data["statutory_days"] = ["-1"]
    response = client.post(change_url(draft), data)
    assert response.status_code == 200 and "确保该值大于或等于0。" in response.content.decode()


def test_fee_without_basis_shows_the_model_error(client, draft):
    data = form_data(client.get(change_url(draft)))
    index = int(data["fees-TOTAL_FORMS"][0])
    data["fees-TOTAL_FORMS"] = [str(index + 1)]
    data.update({f"fees-{index}-name": ["工本费"], f"fees-{index}-amount_fen": ["1000"], f"fees-{index}-basis": [""]})
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    assert "收费必须有法律、行政法规依据（行政许可法第五十八条）。" in response.content.decode()
    assert not FeeStandard.objects.filter(version=draft, name="工本费").exists()


# --- diff ---------------------------------------------------------------------------------------------------


def test_diff_shows_changed_fields_and_rows(client, draft, item):
    ItemVersion.objects.filter(pk=draft.pk).update(conditions="新的受理条件", committed_days=1)
    MaterialRequirement.objects.create(
        version=draft, name="新增的承诺书", form="original", source="applicant", position=99
    )
    html = client.get(change_url(draft)).content.decode()
    assert f"/admin/catalog/itemversion/{draft.pk}/diff/" in html and "与上一版本比较" in html

    response = client.get(f"/admin/catalog/itemversion/{draft.pk}/diff/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "受理条件" in html and "新的受理条件" in html
    assert "承诺办结时限（工作日）" in html
    assert "新增" in html and "新增的承诺书" in html

    other_item = Item.objects.exclude(pk=item.pk).filter(current_version__isnull=False).first()
    for against in (other_item.current_version_id, 10**9, "abc"):
        assert client.get(f"/admin/catalog/itemversion/{draft.pk}/diff/?against={against}").status_code == 404


# --- permissions ------------------------------------------------------------------------------------------


def test_action_urls_need_staff_and_catalog_permissions(client, demo, item):
    url = f"/admin/catalog/item/{item.pk}/start-draft/"
    client.force_login(UserFactory(username="citizen"))
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    client.force_login(UserFactory(username="plain_staff", is_staff=True))
    assert client.post(url).status_code == 403
    assert client.post(f"/admin/catalog/itemversion/{item.current_version_id}/publish/").status_code == 403
    assert not item.versions.filter(state=ItemVersion.State.DRAFT).exists()


def test_get_on_an_action_url_is_not_allowed(client, admin1, item):
    assert client.get(f"/admin/catalog/item/{item.pk}/cancel/").status_code == 405
    assert client.get(f"/admin/catalog/itemversion/{item.current_version_id}/submit/").status_code == 405


def test_lists_render_in_few_queries(client, admin1, django_assert_max_num_queries):
    for url in ("/admin/catalog/item/", "/admin/catalog/itemversion/", "/admin/catalog/catalogchange/"):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url
    assert client.get("/admin/catalog/catalogchange/add/").status_code == 403
