"""Fixtures of the approvals API tests (``api_*``): the demo hall, a fee-charging item, cases, files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from approvals import services
from catalog.models import FormField, Item
from hall.models import User
from tests.approvals import helpers

API_PERSON = {
    "type": "person",
    "name": "张伟",
    "id_number": "11010519491231002X",
    "phone": "13800000001",
    "address": "浙江省杭州市西湖区文三路 1 号",
}
API_AGENT = {"name": "王强", "id_number": "11010519491231002X", "phone": "13800000003", "authorisation": "委托书 001"}
API_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_FORM_VALUES = {
    FormField.Type.TEXT: "测试内容",
    FormField.Type.TEXTAREA: "测试内容",
    FormField.Type.NUMBER: 120,
    FormField.Type.DATE: "2026-01-05",
    FormField.Type.PHONE: "13800000001",
    FormField.Type.ID_NUMBER: "11010519491231002X",
}


@pytest.fixture
def api_media(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def api_users(db):
    """The demo hall and catalog; the demo users by username."""
    return vars(helpers.load_demo())


@pytest.fixture
def api_as(api_users):
    """``api_as("clerk")``: an APIClient authenticated as a demo user; ``api_as(None)`` is anonymous."""

    def client(username: str | None) -> APIClient:
        api = APIClient()
        if username:
            api.force_authenticate(User.objects.get(username=username))
        return api

    return client


@pytest.fixture
def api_item(api_users) -> Item:
    """A published ZRZYJ item that charges fees and has required materials (clerk, reviewer, approver)."""
    items = Item.objects.filter(
        department__code="ZRZYJ", status="published", current_version__charges_fees=True,
        current_version__channel_online=True, current_version__materials__required=True,
    ).distinct()  # fmt: skip
    return items.order_by("code").first()


def _has_meaning(field: FormField) -> bool:
    """A range, date rule or format of its own: then only the field's sample value is sure to pass."""
    return bool(field.example or field.date_rule or field.pattern or field.min_value or field.max_value)


@pytest.fixture
def api_form(api_item) -> dict:
    """A valid application form for ``api_item``."""
    return {
        f.name: _FORM_VALUES[f.type] if f.type in _FORM_VALUES and not _has_meaning(f) else f.sample_value()
        for f in api_item.current_version.fields.all()
    }


@pytest.fixture
def api_body(api_item, api_form) -> dict:
    """A valid body of POST /api/v1/applications."""
    return {"item_code": api_item.code, "applicant": dict(API_PERSON), "form": dict(api_form)}


@pytest.fixture
def api_pdf():
    """``api_pdf(size=None)``: an uploadable PDF (by magic bytes), padded to ``size`` bytes."""

    def make(size: int | None = None, name: str = "a.pdf") -> SimpleUploadedFile:
        content = API_PDF if size is None else API_PDF + b"0" * (size - len(API_PDF))
        return SimpleUploadedFile(name, content, "application/pdf")

    return make


@pytest.fixture
def api_case(api_users, api_item, api_form, api_pdf, api_media):
    """``api_case(owner="applicant", complete=True, submit=False)``: a case filed through the services."""

    def make(owner: str = "applicant", *, complete: bool = True, submit: bool = False):
        by = User.objects.get(username=owner)
        agent = dict(API_AGENT) if by.has_role("agent") else None
        case = services.file_application(
            by=by, item_code=api_item.code, applicant=dict(API_PERSON), form=dict(api_form), agent=agent
        )
        if complete:
            for requirement in case.item_version.materials.filter(required=True):
                services.upload_material(case_id=case.pk, by=by, requirement_id=requirement.pk, upload=api_pdf())
        if submit:
            case = services.submit_application(case_id=case.pk, by=by)
        return case

    return make
