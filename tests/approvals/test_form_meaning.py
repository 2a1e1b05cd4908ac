"""Validation by meaning (issue 14, point 7): an item form's numbers, dates and codes are checked against
the ranges and formats of the item version's field definitions (catalog ``FormField``), with Chinese
messages on the field — in the portal, the workbench and the API alike (``approvals.intake.clean_form``)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from approvals import services
from approvals.models import Application
from catalog.models import FormField, Item
from tests.approvals.helpers import PERSON, sample_form

SALE = "ZRZYJ-QR-0002"  # 二手房买卖: 成交价格（元）, 原不动产权证书号
MORTGAGE = "ZRZYJ-QR-0003"  # 抵押权首次登记: 债务履行期限届满日 (not in the past)
FIRST_REGISTRATION = "ZRZYJ-QR-0001"  # 统一社会信用代码 (GB 32100 check digit)


def _api(people, code: str, **form):
    api = APIClient()
    api.force_authenticate(people.applicant)
    body = {"item_code": code, "applicant": PERSON, "form": {**sample_form(code), **form}}
    return api.post("/api/v1/applications", body, format="json")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("deal_price", -5, "不能为负数"),
        ("deal_price", 0, "成交价格（元）不能小于 1。"),
        ("deal_price", "1.005", "最多保留 2 位小数。"),
        ("deal_price", 2 * 10**10, "成交价格（元）不能大于 10000000000。"),
        ("certificate_no", "x", "原不动产权证书号格式不正确：应为证书上印制的完整编号（以“第……号”结尾）。"),
    ],
)
def test_a_deal_price_and_a_certificate_number_are_checked_by_meaning_in_the_api(people, field, value, message):
    response = _api(people, SALE, **{field: value})
    assert response.status_code == 400, response.content
    assert message in response.json()["fields"][f"form.{field}"][0]
    assert not Application.objects.exists()


def test_plausible_values_are_kept(people):
    form = {**sample_form(SALE), "deal_price": "1280000.50", "certificate_no": "浙（2024）杭州市不动产权第0123456号"}
    case = services.file_application(by=people.applicant, item_code=SALE, applicant=PERSON, form=form)
    assert case.form_data["deal_price"] == 1280000.5


def test_a_date_rule_refuses_a_past_due_date(people):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = _api(people, MORTGAGE, debt_term_end=yesterday)
    assert response.status_code == 400
    assert response.json()["fields"]["form.debt_term_end"][0].startswith("债务履行期限届满日不能早于今天")
    assert _api(people, MORTGAGE, debt_term_end=timezone.localdate().isoformat()).status_code == 201


def test_a_unified_social_credit_code_needs_its_check_digit(people):
    response = _api(people, FIRST_REGISTRATION, unified_credit_code="91350100M000100Y44")
    assert response.status_code == 400 and "form.unified_credit_code" in response.json()["fields"]
    assert _api(people, FIRST_REGISTRATION, unified_credit_code="91350100M000100Y43").status_code == 201


def test_the_portal_tells_the_range_and_format_before_and_refuses_next_to_the_field(people):
    client = Client()
    client.force_login(people.applicant)
    url = reverse("approvals:start", args=[SALE])
    page = client.get(url).content.decode()
    price = next(b for b in page.split('<div class="field')[1:] if 'name="form_deal_price"' in b)
    assert 'min="1"' in price and 'max="10000000000"' in price and 'step="0.01"' in price
    assert "不小于 1，不大于 10000000000，最多 2 位小数" in price
    certificate = next(b for b in page.split('<div class="field')[1:] if 'name="form_certificate_no"' in b)
    assert (
        "格式：证书上印制的完整编号" in certificate
        and 'placeholder="如：浙（2025）杭州市不动产权第0012345号"' in certificate
    )

    data = {
        "applicant_type": "person", "applicant_name": PERSON["name"], "applicant_id_number": PERSON["id_number"],
        "applicant_phone": PERSON["phone"],
        **{f"form_{name}": value for name, value in sample_form(SALE).items()},
        "form_deal_price": "-5", "form_certificate_no": "x",
    }  # fmt: skip
    page = client.post(url, data).content.decode()
    price = next(b for b in page.split('<div class="field')[1:] if 'name="form_deal_price"' in b)
    certificate = next(b for b in page.split('<div class="field')[1:] if 'name="form_certificate_no"' in b)
    assert "不能为负数" in price and "格式不正确" in certificate
    assert not Application.objects.exists()


def test_the_item_api_publishes_the_field_definitions(people):
    fields = {f["name"]: f for f in APIClient().get(f"/api/v1/catalog/items/{SALE}").json()["form_fields"]}
    assert fields["deal_price"]["min_value"] == 1 and fields["deal_price"]["decimal_places"] == 2
    assert fields["certificate_no"]["pattern"] == r"^.{2,30}第\d{5,12}号$"


@pytest.mark.parametrize(
    ("definition", "field", "message"),
    [
        ({"type": "number", "min_value": 10, "max_value": 1}, "max_value", "最大值不能小于最小值。"),
        ({"type": "text", "min_value": 1}, "min_value", "只有数字字段可以设置取值范围和小数位数。"),
        ({"type": "text", "date_rule": "not_past"}, "date_rule", "只有日期字段可以设置日期范围。"),
        ({"type": "text", "pattern": "^[a-", "pattern_message": "x"}, "pattern", "正则表达式有误"),
        ({"type": "text", "pattern": r"^\d+$"}, "pattern_message", "须写明格式说明"),
        ({"type": "text", "pattern": r"^\d+$", "pattern_message": "数字", "example": "a1"}, "example", "不符合"),
    ],
)
def test_a_field_definition_must_make_sense(people, definition, field, message):
    version = Item.objects.get(code=SALE).current_version
    spec = FormField(version=version, name="probe", label="探针", **definition)
    with pytest.raises(ValidationError) as raised:
        spec.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
    assert message in raised.value.message_dict[field][0]
