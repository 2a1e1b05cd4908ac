"""Application materials (DESIGN.md, Uploads): PDF, JPEG, PNG and OFD only, judged by content; at most
UPLOAD_MAX_MB; hashed; stored under names that reveal nothing; replaced versions kept."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services
from approvals.models import Material
from hall.errors import InvalidUpload, TransitionNotAllowed, UploadTooLarge
from hall.models import AuditEntry
from tests.approvals import helpers
from tests.approvals.helpers import GIF, JPEG, PDF, PNG, at, case_in, ofd, reload, upload


def test_pdf_jpeg_png_and_ofd_are_accepted_by_their_content_hashed_and_stored_anonymously(people):
    case = helpers.file_case(people.applicant, complete=False)
    files = [
        ("张伟身份证正面.pdf", PDF, "application/pdf"),
        ("营业执照.jpg", JPEG, "image/jpeg"),
        ("立项批复扫描件.pdf", PNG, "image/png"),  # the content decides, not the name
        ("用地红线图.ofd", ofd(), "application/ofd"),
    ]
    for requirement, (name, content, content_type) in zip(helpers.required_materials(case), files, strict=True):
        material = upload(case, people.applicant, requirement, content, name)
        assert (material.content_type, material.size) == (content_type, len(content)), name
        assert material.sha256 == hashlib.sha256(content).hexdigest()
        assert material.original_name == name and material.revision == 1
        assert material.file.name.startswith("cases/2026/09/")
        assert name.rsplit(".", 1)[0] not in material.file.name
        with material.file.open("rb") as stored:
            assert stored.read() == content


def test_a_file_that_is_not_pdf_jpeg_png_or_ofd_is_refused_with_415_whatever_its_name(people):
    case = helpers.file_case(people.applicant, complete=False)
    requirement = helpers.required_materials(case)[0]
    not_ofd = helpers.ofd().replace(b"OFD.xml", b"doc.xml")  # a ZIP, but not an OFD document
    for name, content in [("申请表.pdf", GIF), ("申请表.ofd", not_ofd), ("空文件.pdf", b"")]:
        with pytest.raises(InvalidUpload) as refused:
            upload(case, people.applicant, requirement, content, name)
        assert refused.value.status_code == 415, name
    assert not Material.objects.filter(application=case).exists()


def test_a_file_over_the_size_limit_is_refused_with_413(people, settings):
    settings.UPLOAD_MAX_MB = 1
    case = helpers.file_case(people.applicant, complete=False)
    requirement = helpers.required_materials(case)[0]
    with pytest.raises(UploadTooLarge) as refused:
        upload(case, people.applicant, requirement, PDF + b"\0" * (1024 * 1024))
    assert refused.value.status_code == 413 and "1 MB" in refused.value.detail
    assert upload(case, people.applicant, requirement, PDF + b"\0" * (1024 * 1024 - len(PDF))).size == 1024 * 1024


def test_after_a_correction_notice_only_the_requested_materials_are_replaced_and_old_revisions_kept(people):
    case = case_in("submitted", people)
    first, second = helpers.required_materials(case)[:2]
    with pytest.raises(TransitionNotAllowed) as locked:
        upload(case, people.applicant, first)
    assert locked.value.status_code == 409  # submitted materials stay as filed until a notice
    with helpers.frozen(at(2026, 10, 8, 10)):
        services.request_correction(
            case_id=case.pk, by=people.clerk, items=[{"requirement_id": first.pk, "reason": "复印件不清晰"}]
        )
    with helpers.frozen(at(2026, 10, 9, 10)):
        with pytest.raises(ValidationError, match="补正通知未要求"):
            upload(case, people.applicant, second, PNG, "顺便换一张.png")
        replacement = upload(case, people.applicant, first, PNG, "清晰版.png")
    old = Material.objects.get(application=case, requirement=first, revision=1)
    assert old.superseded is True and old.file.name != replacement.file.name
    assert (replacement.revision, replacement.superseded, replacement.sha256) == (
        2, False, hashlib.sha256(PNG).hexdigest(),
    )  # fmt: skip
    assert Material.objects.filter(application=case, requirement=second).count() == 1


def test_a_material_can_be_reused_from_the_owners_earlier_case_only(people):
    earlier = case_in("delivered", people)
    licence = earlier.materials.order_by("id").first()
    case = helpers.file_case(people.applicant, complete=False)
    requirement = helpers.required_materials(case)[1]
    reused = services.reuse_material(
        case_id=case.pk, by=people.applicant, requirement_id=requirement.pk, material_id=licence.pk
    )
    assert reused.reused_from == licence and reused.application == case
    assert (reused.sha256, reused.file.name, reused.original_name) == (
        licence.sha256, licence.file.name, licence.original_name,
    )  # fmt: skip

    strangers_case = helpers.file_case(people.applicant2)
    with pytest.raises(ValidationError, match="只能复用本人"):
        services.reuse_material(
            case_id=strangers_case.pk, by=people.applicant2, requirement_id=requirement.pk, material_id=licence.pk
        )
    theirs = strangers_case.materials.first()
    with pytest.raises(ValidationError, match="只能复用本人"):
        services.reuse_material(
            case_id=case.pk, by=people.applicant, requirement_id=requirement.pk, material_id=theirs.pk
        )


def test_a_case_missing_a_required_material_cannot_be_accepted(people):
    case = helpers.file_case(people.applicant, complete=False)
    *present, missing = helpers.required_materials(case)
    for requirement in present:
        upload(case, people.applicant, requirement)
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.accept_application(case_id=case.pk, by=people.clerk)
    assert refused.value.status_code == 409
    assert "材料" in refused.value.detail
    assert reload(case).state == "submitted" and not case.events.filter(action="accept").exists()
    assert missing.required


def test_uploads_and_reuses_are_written_to_the_audit_trail_with_the_address(people):
    earlier = case_in("delivered", people)
    case = helpers.file_case(people.applicant, complete=False)
    first, second = helpers.required_materials(case)[:2]
    uploaded = services.upload_material(case_id=case.pk, by=people.applicant, requirement_id=first.pk,
                                        upload=SimpleUploadedFile("a.pdf", PDF), ip="203.0.113.8")  # fmt: skip
    reused = services.reuse_material(case_id=case.pk, by=people.applicant, requirement_id=second.pk,
                                     material_id=earlier.materials.first().pk, ip="203.0.113.8")  # fmt: skip
    entries = AuditEntry.objects.filter(target=case.number, actor=people.applicant, ip="203.0.113.8")
    assert {(e.action, e.detail["material"]) for e in entries} == {
        ("approvals.upload_material", uploaded.pk), ("approvals.reuse_material", reused.pk),
    }  # fmt: skip
    assert entries.get(action="approvals.upload_material").detail["sha256"] == uploaded.sha256
