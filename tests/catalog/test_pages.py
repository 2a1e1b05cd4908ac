"""The public catalog pages (办事指南): search, item guide, printable guide, one-time notice, changes."""

import re
from datetime import date

import pytest
from django.db import transaction
from django.urls import NoReverseMatch

from catalog import services
from catalog.flowchart import flowchart_svg, wrap
from catalog.models import CatalogChange, Item, ProcessStep
from catalog.templatetags.catalog_tags import working_days, yuan
from hall.models import Department
from tests.approvals import helpers
from tests.factories import UserFactory

FOOD = "SCJGJ-XK-0003"  # 食品经营许可（新办）: 5 steps, 7 materials, no fees
FEES = "ZRZYJ-QR-0001"  # 不动产首次登记: 80.00 / 550.00 / 10.00 元
CANCELLED = "HXJD-QT-0002"  # 居住证明出具, cancelled by 区政办发〔2026〕15号 of 2026-04-30
CONVERTED = "WJJ-XK-0002"  # 诊所设置审批, converted to a filing by 区政办发〔2026〕9号
DELEGATED = "MZJ-GF-0005"  # 最低生活保障审核确认, delegated to XJZ and HXJD by 区政发〔2026〕12号
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)", re.I)


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo hall and catalog, seeded once per module in a transaction rolled back at its end.

    Like Django's ``setUpTestData``: each test still runs in its own savepoint (pytest-django's
    ``db``), so tests stay isolated, nothing leaks into a reused test database, and the ~40-item
    import (seconds) runs once instead of once per test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        helpers.load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_once, db):
    """Use the seeded demo catalog inside this test's savepoint."""


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def codes_of(response) -> list[str]:
    return [item.code for item in response.context["page_obj"]]


# --- search ------------------------------------------------------------------------------------------------------


def test_search_for_shipin_lists_the_food_licences_and_not_unrelated_items(client, demo):
    response = client.get("/items/", {"q": "食品"})
    html = html_of(response)
    codes = codes_of(response)
    assert {"SCJGJ-XK-0003", "SCJGJ-XK-0004", "SCJGJ-BA-0005"} <= set(codes)
    names = [item.name for item in response.context["page_obj"]]
    assert all("食品" in name for name in names[:3]), "name hits come first"
    assert "食品经营许可（新办）" in html
    for unrelated in ("户口迁入登记", "普通护照签发", "内地居民结婚登记"):
        assert unrelated not in html
    assert f"共 <strong>{len(codes)}</strong> 项" in html


def test_search_by_pinyin_initials_finds_the_item(client, demo):
    assert FOOD in codes_of(client.get("/items/", {"q": "spjyxk"}))
    assert "GAFJ-XK-0002" in codes_of(client.get("/items/", {"q": "pthz"}))  # 普通护照签发


@pytest.mark.parametrize(
    ("params", "holds"),
    [
        ({"department": "SCJGJ"}, lambda item: item.department.code == "SCJGJ"),
        ({"type": "07"}, lambda item: item.type == "07"),
        ({"theme": "shipin_anquan"}, lambda item: item.themes.filter(code="shipin_anquan").exists()),
        ({"audience": "legal"}, lambda item: item.for_legal),
        ({"department": "SCJGJ", "type": "01"}, lambda item: item.department.code == "SCJGJ" and item.type == "01"),
    ],
)
def test_search_filters_narrow_the_results(client, demo, params, holds):
    response = client.get("/items/", params)
    items = list(response.context["page_obj"])
    assert items and all(holds(item) for item in items)
    assert len(items) < Item.objects.filter(status=Item.Status.PUBLISHED).count()
    html = html_of(response)
    for value in params.values():
        assert f'value="{value}" selected' in html, "the chosen filter stays selected"


def test_a_township_lists_the_items_delegated_to_it(client, demo):
    response = client.get("/items/", {"department": "XJZ"})
    assert DELEGATED in codes_of(response)
    assert "已下放至" in html_of(response)


def test_cancelled_items_show_only_when_asked_and_are_marked(client, demo):
    assert CANCELLED not in codes_of(client.get("/items/", {"q": "居住证明"}))
    response = client.get("/items/", {"q": "居住证明", "all": "1"})
    assert CANCELLED in codes_of(response)
    html = html_of(response)
    assert '<span class="badge danger">已取消</span>' in html
    assert 'name="all" value="1" checked' in html


def test_search_without_results_explains_what_to_try(client, demo):
    html = html_of(client.get("/items/", {"q": "没有这种事项", "theme": "budongchan"}))
    assert "没有找到符合条件的事项" in html
    assert "减少筛选条件" in html
    assert "拼音首字母" in html


@pytest.mark.parametrize("page", ["abc", "999", "-1", "0", ""])
def test_a_bad_page_number_is_never_a_server_error(client, demo, page):
    response = client.get("/items/", {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].object_list


def test_search_shows_limits_badges_and_pages_of_twenty(client, demo):
    response = client.get("/items/", {"all": "1"})
    html = html_of(response)
    assert len(response.context["page_obj"]) == 20
    pages = response.context["page_obj"].paginator.num_pages
    assert pages >= 2 and f"第 1 / {pages} 页" in html and "page=2" in html
    # the badges of the whole directory, whichever page an item falls on as the catalog grows
    html += "".join(html_of(client.get("/items/", {"all": "1", "page": n})) for n in range(2, pages + 1))
    for badge in ("即办件", "联合审批", "不见面审批", "节假日可办", "收费", "不收费"):
        assert badge in html
    assert "法定时限" in html and "承诺时限" in html


def test_search_query_count_does_not_grow_with_the_results(client, demo, django_assert_max_num_queries):
    """count + page + delegated townships + departments + themes + the page's 满意率 (one GROUP BY), whether
    1 row or 20."""
    with django_assert_max_num_queries(6):
        many = client.get("/items/", {"all": "1"})
    with django_assert_max_num_queries(6):
        few = client.get("/items/", {"q": "spjyxkxb"})
    assert len(many.context["page_obj"]) == 20
    assert len(few.context["page_obj"]) == 1


# --- item page ---------------------------------------------------------------------------------------------------


def test_item_page_shows_the_flowchart_and_every_material(client, demo):
    version = Item.objects.get(code=FOOD).current_version
    html = html_of(client.get(f"/items/{FOOD}/"))
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-label="办理流程图：申请 → ' in svg
    svg_text = re.sub(r"<[^>]+>", "", svg)
    steps = list(version.steps.all())
    assert len(steps) == 5
    for step in steps:
        assert step.name in svg_text
    assert "申请" in svg_text and "办结" in svg_text
    for material in version.materials.all():
        assert material.name in html
    assert "可用电子证照替代" in html
    assert "10 个工作日" in html and "3 个工作日" in html and "70%" in html  # 1 − 3/10
    assert "本事项不收取任何费用" in html
    assert "打印办事指南" in html and f"/items/{FOOD}/print/" in html
    assert "一次性告知单" in html and f"/items/{FOOD}/checklist/" in html
    assert "第 1 版" in html and "0571-8701 2345" in html


def test_item_page_shows_fees_in_yuan_with_their_basis(client, demo):
    html = html_of(client.get(f"/items/{FEES}/"))
    for amount in ("80.00 元", "550.00 元", "10.00 元"):
        assert amount in html
    assert "发改价格规〔2016〕2559号" in html
    assert "83%" in html  # 30 → 5 working days


def test_item_page_query_count_is_bounded(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):  # 9, +1 for 满意率 of the item and its department (issue 21)
        html_of(client.get(f"/items/{FOOD}/"))


def test_a_filing_item_links_to_online_application_when_approvals_offers_it(client, demo, monkeypatch):
    monkeypatch.setattr("catalog.views.reverse", lambda name, args: f"/apply/{args[0]}/")
    html = html_of(client.get(f"/items/{FOOD}/"))
    assert f'href="/apply/{FOOD}/">在线申办</a>' in html


def test_without_online_filing_the_apply_button_is_disabled(client, demo, monkeypatch):
    def no_route(name, args):
        raise NoReverseMatch(name)

    monkeypatch.setattr("catalog.views.reverse", no_route)
    html = html_of(client.get(f"/items/{FOOD}/"))
    assert "在线申办" not in html
    assert re.search(r"<button[^>]*disabled>网上申报即将开放</button>", html)


def test_a_cancelled_item_shows_its_banner_and_decision_and_takes_no_filings(client, demo):
    html = html_of(client.get(f"/items/{CANCELLED}/"))
    assert "本事项已取消" in html
    assert "区政办发〔2026〕15号" in html and "2026年4月30日" in html
    assert "在线申办" not in html and "网上申报即将开放" not in html
    assert "居住证明出具" in html, "the guide stays readable"


def test_a_converted_item_links_to_the_filing_that_replaces_it(client, demo):
    Item.objects.filter(code=CONVERTED).update(replaced_by=Item.objects.get(code="WJJ-BA-0004"))
    html = html_of(client.get(f"/items/{CONVERTED}/"))
    assert "已改为备案" in html
    assert "区政办发〔2026〕9号" in html
    assert 'href="/items/WJJ-BA-0004/">诊所备案' in html


def test_a_delegated_item_names_the_townships_and_the_decision(client, demo):
    html = html_of(client.get(f"/items/{DELEGATED}/"))
    for code in ("XJZ", "HXJD"):
        assert Department.objects.get(code=code).name in html
    assert "已下放至" in html and "区政发〔2026〕12号" in html


def test_an_older_version_stays_readable_and_is_marked_historic(client, demo):
    item = Item.objects.get(code=FOOD)
    admin = UserFactory(username="catalog_editor")
    draft = services.start_draft(item=item, by=admin)
    services.submit_for_review(version=draft, by=admin)
    services.publish_version(version=draft, by=None, four_eyes=False)

    current = html_of(client.get(f"/items/{FOOD}/"))
    assert "第 2 版（正在查看）" in current
    assert f'href="/items/{FOOD}/?version=1"' in current

    old = html_of(client.get(f"/items/{FOOD}/", {"version": "1"}))
    assert "您正在查看历史版本：第 1 版" in old
    assert "网上申报即将开放" not in old and "在线申办" not in old
    assert f"/items/{FOOD}/print/?version=1" in old

    services.start_draft(item=item, by=admin)  # version 3: a draft is never public
    assert client.get(f"/items/{FOOD}/", {"version": "3"}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"/items/{FOOD}/?version=999",
        f"/items/{FOOD}/?version=abc",
        f"/items/{FOOD}/?version=-1",
        f"/items/{FOOD}/?version=0",
        f"/items/{FOOD}/?version=1.0",
        f"/items/{FOOD}/?version=99999999999999999999",
        f"/items/{FOOD}/print/?version=abc",
        f"/items/{FOOD}/checklist/?version=999",
        "/items/NO-SUCH-0001/",
        "/items/NO-SUCH-0001/print/",
        "/items/NO-SUCH-0001/checklist/",
    ],
)
def test_unknown_items_and_versions_are_404(client, demo, url):
    assert client.get(url).status_code == 404


# --- printable sheets --------------------------------------------------------------------------------------------


def test_the_printable_guide_has_the_content_without_the_navigation(client, demo):
    html = html_of(client.get(f"/items/{FOOD}/print/"))
    assert "食品经营许可（新办）" in html and "<svg" in html and "申请材料" in html
    assert 'class="nav"' not in html and "topbar" not in html
    assert "catalog.css" in html and "打印日期" in html


def test_the_one_time_notice_lists_every_material_with_a_checkbox(client, demo):
    version = Item.objects.get(code=FOOD).current_version
    materials = list(version.materials.all())
    html = html_of(client.get(f"/items/{FOOD}/checklist/"))
    assert "一次性告知单" in html
    assert html.count("☐</td>") == len(materials)
    for number, material in enumerate(materials, start=1):
        assert material.name in html
        assert f'<td data-label="序号">{number}</td>' in html
    assert "第三十二条" in html and "一次性告知申请人需要补正的全部内容" in html
    assert version.location in html and version.consult_phone in html
    assert "3 个工作日" in html and "本事项不收费" in html


def test_the_one_time_notice_lists_fees(client, demo):
    html = html_of(client.get(f"/items/{FEES}/checklist/"))
    assert "不动产登记费（住宅类）：80.00 元" in html


# --- changes -----------------------------------------------------------------------------------------------------


def test_the_changes_page_lists_cancel_delegate_and_convert_decisions(client, demo):
    response = client.get("/items/changes/")
    html = html_of(response)
    for label, document, code in (
        ("取消", "区政办发〔2026〕15号", CANCELLED),
        ("下放", "区政发〔2026〕12号", DELEGATED),
        ("改为备案", "区政办发〔2026〕9号", CONVERTED),
    ):
        assert f">{label}</span>" in html
        assert document in html
        assert f'href="/items/{code}/"' in html
    rows = list(response.context["page_obj"])
    assert [(c.at, c.pk) for c in rows] == sorted(((c.at, c.pk) for c in rows), reverse=True), "newest first"


def test_the_changes_page_filters_by_action(client, demo):
    response = client.get("/items/changes/", {"action": "cancel"})
    rows = list(response.context["page_obj"])
    assert [c.item.code for c in rows] == [CANCELLED]
    assert client.get("/items/changes/", {"action": "nonsense", "page": "x"}).status_code == 200


def test_changes_query_count_does_not_grow_with_the_rows(client, demo, django_assert_max_num_queries):
    """count + rows (with item and version) + related items, for 3 rows or a full page of 50."""
    with django_assert_max_num_queries(3):
        few = client.get("/items/changes/", {"action": "convert"})
    item = Item.objects.get(code=FOOD)
    merged = CatalogChange.objects.create(
        item=item, action=CatalogChange.Action.MERGE, document="区政办发〔2026〕99号", decided_on=date(2026, 5, 6)
    )
    merged.related_items.set(Item.objects.filter(code__in=["SCJGJ-XK-0004", "SCJGJ-BA-0005"]))
    CatalogChange.objects.bulk_create(
        CatalogChange(item=item, action=CatalogChange.Action.REVISE, note=f"第 {n} 次调整") for n in range(60)
    )
    with django_assert_max_num_queries(3):
        many = client.get("/items/changes/")
    assert len(few.context["page_obj"]) >= 1
    assert len(many.context["page_obj"]) == 50
    assert "page=2" in html_of(many)


# --- no inline styles or scripts (Content-Security-Policy) -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/items/",
        "/items/?q=食品&all=1",
        "/items/?q=没有这种事项",
        f"/items/{FOOD}/",
        f"/items/{FEES}/",
        f"/items/{CANCELLED}/",
        f"/items/{CONVERTED}/",
        f"/items/{DELEGATED}/",
        f"/items/{FOOD}/print/",
        f"/items/{FEES}/checklist/",
        "/items/changes/",
    ],
)
def test_pages_have_no_inline_styles_or_scripts(client, demo, url):
    html = html_of(client.get(url))
    assert ' style="' not in html and "<style" not in html
    assert not INLINE_SCRIPT.search(html)
    assert " onclick=" not in html


# --- units -------------------------------------------------------------------------------------------------------


def _steps(count: int) -> list[ProcessStep]:
    roles = ["clerk", "reviewer", "inspector", "approver", "cashier"]
    return [ProcessStep(name=f"环节{n}", role=roles[n % 5], days=n % 2) for n in range(count)]


def _height(svg: str) -> int:
    return int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))


def test_flowchart_without_steps_joins_start_and_end():
    svg = flowchart_svg([])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="fc-terminal"') == 2 and svg.count('class="fc-arrow"') == 1
    assert 'class="fc-step"' not in svg
    assert ">申请</text>" in svg and ">办结</text>" in svg
    assert 'aria-label="办理流程图：申请 → 办结"' in svg


def test_flowchart_with_one_step_shows_its_role_and_days():
    svg = flowchart_svg([ProcessStep(name="受理并当场办结", role="clerk", days=2)])
    assert svg.count('class="fc-step"') == 1 and svg.count('class="fc-arrow"') == 2
    assert "受理并当场办结" in svg and "窗口受理 · 2 个工作日" in svg
    assert "个工作日" not in flowchart_svg([ProcessStep(name="受理", role="clerk", days=0)])


def test_flowchart_with_five_steps_grows_downwards_in_order():
    steps = _steps(5)
    svg = flowchart_svg(steps)
    assert svg.count('class="fc-step"') == 5 and svg.count('class="fc-arrow"') == 6
    positions = [svg.index(f">{step.name}</text>") for step in steps]
    assert positions == sorted(positions)
    assert _height(svg) > _height(flowchart_svg(steps[:1])) > _height(flowchart_svg([]))
    assert f'height="{_height(svg)}"' in svg
    assert "审查" in svg and "现场核查" in svg


def test_flowchart_escapes_labels_and_uses_no_inline_style():
    svg = flowchart_svg([ProcessStep(name='<script>alert("x")</script>&', role="clerk", days=1)])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg
    assert "style" not in svg


def test_long_step_names_wrap_in_balanced_lines_without_a_lone_bracket():
    assert wrap("申请与受理") == ["申请与受理"]
    lines = wrap("制证与送达（同步生成电子证书）")
    assert len(lines) == 2 and not lines[1].startswith("）")
    svg = flowchart_svg([ProcessStep(name="现场核查（告知承诺办理的转为事后核查）", role="inspector", days=1)])
    assert svg.count(' font-size="15" font-weight="bold" fill="#1f2933"') == 2


def test_money_and_limits_are_shown_in_yuan_and_working_days():
    assert yuan(8000) == "80.00"
    assert yuan(55000) == "550.00"
    assert yuan(5) == "0.05"
    assert yuan(123456789) == "1,234,567.89"
    assert yuan(None) == ""
    assert working_days(20) == "20 个工作日"
    assert working_days(0) == "即时办结"
