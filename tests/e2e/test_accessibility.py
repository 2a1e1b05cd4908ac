"""Accessibility in a real browser (issue 14; WCAG 2.1 AA, GB/T 37668-2019 level 2, 适老化 MIIT 2021).

Every journey page passes ``assert_accessible`` when the journey takes its screenshot (conftest.shot);
here: the pages no journey photographs, an applicant who files and pays with the keyboard only, and
the elderly-friendly mode's sizes on a phone (with the screenshots of the user guide)."""

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from approvals.models import Application, State
from catalog.models import Item
from fees import services as fee_services
from fees.models import Assessment
from tests.approvals import helpers
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import shot
from tests.fees.helpers import assessed_case, standards

FEE_ITEM = "ZRZYJ-QR-0001"  # 不动产首次登记: online filing, five required materials, a published fee


def test_pages_no_journey_photographs_pass_axe(open_as, browser):
    """Public, applicant, staff and catalog-admin pages outside the journeys' screenshots, and a few in
    the elderly mode: 0 serious or critical axe violations, one h1, a title that names the page."""
    people = helpers.demo_people()
    case, _assessment = assessed_case(people)
    draft = helpers.file_case(people.applicant, complete=False)
    public = browser.new_page()
    for path in ("/accounts/login/", "/accounts/register/", "/progress/", "/no-such-page/"):
        public.goto(open_as.url + path)
        assert_accessible(public)
    public.goto(open_as.url + "/progress/")
    public.fill("[name=number]", case.number)
    public.fill("[name=query_code]", case.query_code)
    with public.expect_navigation():
        public.press("[name=query_code]", "Enter")
    assert_accessible(public)
    public.close()

    applicant = open_as("applicant")
    for path in ("/my/cases/", "/inbox/", f"/cases/{draft.number}/", f"/cases/{draft.number}/withdraw/"):
        applicant.goto(open_as.url + path)
        assert_accessible(applicant)
    applicant.click("#elder-toggle")  # the same pages in the elderly mode (larger text, other colours)
    for path in ("/", f"/cases/{case.number}/", "/items/"):
        applicant.goto(open_as.url + path)
        assert_accessible(applicant)

    clerk = open_as("clerk")
    for path in ("/workbench/file/", f"/workbench/cases/{case.number}/act/accept/"):
        clerk.goto(open_as.url + path)
        assert_accessible(clerk)

    admin = open_as("catalog_admin")
    item = Item.objects.get(code=FEE_ITEM)
    for path in ("/admin/", "/admin/catalog/item/", f"/admin/catalog/item/{item.pk}/change/",
                 "/admin/hall/calendarday/year/2026/"):  # fmt: skip
        admin.goto(open_as.url + path)
        assert_accessible(admin, h1=path != "/admin/")
    admin.goto(f"{open_as.url}/admin/catalog/item/{item.pk}/change/")
    with admin.expect_navigation():
        admin.click("input[value=新建草稿]")  # 新建草稿 says what it does first (issue 14, point 4)
    assert "以现行版本为基础复制" in admin.content()
    assert_accessible(admin)


FOCUSED = """([s, text]) => { const e = document.activeElement;
  return !!e && e.matches(s) && (!text || e.innerText.includes(text)); }"""


def tab_to(page, selector: str, text: str = "", *, limit: int = 150) -> None:
    """Press Tab until the focused element matches ``selector`` (and shows ``text``), the way a keyboard
    user gets there; the element must show that it has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, [selector, text]):
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle !== 'none' && s.outlineWidth !== '0px' || s.boxShadow !== 'none'; }"
            )
            assert outline, f"{selector} has no visible focus indicator"
            return
    raise AssertionError(f"Tab never reached {selector} {text} on {page.url}")


def enter(page) -> None:
    """Enter on the focused link or button, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_file(page, path) -> None:
    """Space on the focused file input opens the chooser (Enter on a second try, as some builds want).
    Twice each, with a generous wait: on a loaded machine Chromium sometimes let the first key pass
    without opening it (seen once in a full CI run, never alone)."""
    for key in ("Space", "Enter", "Space", "Enter"):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(path))
        return
    raise AssertionError("the file input did not open a chooser from the keyboard")


def test_keyboard_only_an_applicant_files_uploads_submits_and_pays(open_as, tmp_path):
    """No mouse: Tab, typing, Space and Enter only, from the item's guide to the paid fee."""
    scan = tmp_path / "申请书.pdf"
    scan.write_bytes(helpers.PDF)
    version = Item.objects.get(code=FEE_ITEM).current_version
    people = helpers.demo_people()
    page = open_as("applicant")
    page.bring_to_front()  # keyboard activation opens a file chooser only on the page in front
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{open_as.url}/items/{FEE_ITEM}/")
    tab_to(page, "a", "在线申办")
    enter(page)
    values = {"applicant_id_number": "11010519491231002X", "applicant_address": "浙江省杭州市西湖区文三路 1 号"}
    values.update({f"form_{f.name}": f.sample_value() for f in version.fields.all() if f.type != "choice"})
    for name, value in values.items():
        tab_to(page, f"[name={name}]")
        page.keyboard.press("Control+A")
        page.keyboard.type(str(value))
    for field in version.fields.filter(type="choice"):
        tab_to(page, f"select[name=form_{field.name}]")
        page.keyboard.press("ArrowDown")  # the first choice
        assert page.input_value(f"select[name=form_{field.name}]") == field.choices[0]
    tab_to(page, "button", "保存并继续")
    enter(page)
    case = Application.objects.get(owner=people.applicant, item__code=FEE_ITEM)

    for requirement in version.materials.filter(required=True):
        tab_to(page, f"#file-{requirement.pk}")
        choose_file(page, scan)
        tab_to(page, f"form:has(#file-{requirement.pk}) button[type=submit]")
        enter(page)
    assert "材料已齐全" in page.inner_text("#next-step")
    tab_to(page, "#next-action")  # 提交申请, the first action on the page
    enter(page)
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    case = helpers.act("accept", case, people)  # the window accepts and assesses the fee
    fee_services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": standards(case)[0].pk}])
    page.goto(f"{open_as.url}/cases/{case.number}/")
    assert "缴纳费用" in page.inner_text("#next-step")
    tab_to(page, "#next-action")  # 缴费
    enter(page)
    tab_to(page, "button", "网上缴费")
    enter(page)
    assert "缴费成功" in page.content()
    assert Assessment.objects.get(application=case).status == "paid"
    assert dialogs == []  # no pop-ups on the way


SIZES = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(e).visibility !== 'hidden'; };
  const texts = [...document.querySelectorAll('main p, main li, main td, main dd, main label, main a, main button')]
    .filter(visible).filter(e => e.innerText.trim());
  const targets = [...document.querySelectorAll(
      'button, .button, summary.button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]
    .filter(visible).filter(e => !e.closest('.visually-hidden'));
  const px = (v) => parseFloat(v);
  return {
    smallestText: Math.min(...texts.map(e => px(getComputedStyle(e).fontSize))),
    tightestLine: Math.min(...texts.map(e => { const s = getComputedStyle(e);
      return s.lineHeight === 'normal' ? 1.2 : px(s.lineHeight) / px(s.fontSize); })),
    smallTargets: targets.map(e => [e.outerHTML.slice(0, 60), Math.round(e.getBoundingClientRect().width),
      Math.round(e.getBoundingClientRect().height)]),
    elder: document.documentElement.classList.contains('elder'),
    scrollsSideways: document.documentElement.scrollWidth > window.innerWidth + 1,
  };
}"""


def sizes(page, minimum: int) -> dict:
    found = page.evaluate(SIZES)
    found["smallTargets"] = [t for t in found["smallTargets"] if t[1] < minimum or t[2] < minimum]
    return found


def test_the_elderly_mode_on_a_phone_has_large_text_and_targets_and_reads_aloud(open_as):
    """长辈模式 (MIIT 2021): main text ≥ 18 px, line height ≥ 1.3, targets ≥ 60×60 px (≥ 44×44 normally),
    one column without the secondary panels, remembered across pages, and 朗读 speaks the page in zh-CN."""
    people = helpers.demo_people()
    case, _assessment = assessed_case(people)
    page = open_as("applicant", width=390, height=844)
    page.add_init_script(  # record what the page asks the browser's speech synthesis to say
        "window.__spoken = []; if (window.speechSynthesis) { window.speechSynthesis.speak ="
        " (u) => window.__spoken.push({lang: u.lang, text: u.text}); }"
    )
    page.goto(f"{open_as.url}/cases/{case.number}/")
    normal = sizes(page, 44)
    assert not normal["elder"] and normal["smallTargets"] == [], normal["smallTargets"]

    page.click("#elder-toggle")  # one click, on every page
    page.wait_for_load_state()
    elder = sizes(page, 60)
    assert elder["elder"] and elder["smallestText"] >= 18 and elder["tightestLine"] >= 1.3, elder
    assert elder["smallTargets"] == [] and not elder["scrollsSideways"], elder["smallTargets"]
    assert "缴纳费用" in page.inner_text("#next-step")
    shot(page, "elder-mode-case-phone")

    page.goto(f"{open_as.url}/")  # remembered (a cookie), and the staff entries are left out
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert not page.is_visible("#workbench") and not page.is_visible("#monitoring")
    home = sizes(page, 60)
    assert home["smallestText"] >= 18 and home["smallTargets"] == [], home
    shot(page, "elder-mode-home-phone")

    assert page.is_visible("#read-aloud")
    page.click("#read-aloud")
    spoken = page.evaluate("window.__spoken")
    assert spoken and {u["lang"] for u in spoken} == {"zh-CN"}
    assert "只进一扇门" in "".join(u["text"] for u in spoken)
