"""The catalog editor in a real browser (issue 14, point 5): a draft saved unchanged stays unchanged
(browsers send textarea line endings as \\r\\n), the editor fits a 1,366 px screen, and the admin who
submitted a version is not offered 审核发布."""

from catalog import services
from catalog.models import Item, ItemVersion
from hall.models import User
from tests.e2e.conftest import shot

ITEM = "ZRZYJ-QR-0002"  # multi-line conditions, materials, fees and form fields


def test_catalog_admin_saves_a_draft_unchanged_and_cannot_publish_it_alone(open_as):
    item = Item.objects.get(code=ITEM)
    draft = services.start_draft(item=item, by=User.objects.get(username="catalog_admin"))
    admin = open_as("catalog_admin")
    assert admin.url.endswith("/admin/catalog/item/")  # catalog admins land on the directory (point 6)
    admin.goto(f"{open_as.url}/admin/catalog/itemversion/{draft.pk}/change/")
    width = admin.evaluate("document.documentElement.scrollWidth")
    shot(admin, "catalog-version-editor")
    assert width <= 1366, f"the version editor is {width} px wide"

    admin.click("input[name=_continue]")
    admin.wait_for_load_state()
    admin.goto(f"{open_as.url}/admin/catalog/itemversion/{draft.pk}/diff/")
    assert "内容无变化" in admin.inner_text("#content-main")

    admin.goto(f"{open_as.url}/admin/catalog/itemversion/{draft.pk}/change/")
    admin.click("input[value=提交审核]")
    admin.wait_for_load_state()
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.IN_REVIEW
    assert admin.locator("input[value=审核发布]").count() == 0
    assert "须由另一名目录管理员审核发布" in admin.inner_text(".catalog-refusal")
