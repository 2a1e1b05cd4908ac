"""免证办: a valid e-licence of the applicant stands for a material instead of an upload (issue 18).

The applicant chooses one of the licences in its wallet; a window clerk (or an agent) may look one up
by number for the applicant, with the applicant's consent recorded (个人信息保护法 art. 13: use of a
licence of the holder with the holder's consent). A revoked or expired licence, one of another holder
or of a type the requirement does not accept is refused with 400 and ``fields``. Materials whose source
is a government certificate (``source = government``) are offered the licence first.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals import licences
from approvals.filing import _audit, _case_for_upload, _requirement, _store
from approvals.models import Application, Licence, LicenceEvent, Material
from catalog.models import MaterialRequirement
from hall.models import User
from hall.roles import Role


def refusal(licence: Licence | None, case: Application, requirement: MaterialRequirement, by: User,
            consent: bool) -> str:  # fmt: skip
    """Why this licence cannot stand for this material now ("" if it can)."""
    if licence is None:
        return "没有这个编号的电子证照。"
    if not requirement.e_licence:
        return "这项材料不能用电子证照代替，请上传文件。"
    if requirement.licence_type_code and licence.type_code != requirement.licence_type_code:
        return f"这项材料须使用“{requirement.licence_type_code}”类电子证照，所选证照类型不符。"
    if licence.holder_id_number != case.applicant_id_number:
        return "该证照的持证主体不是本件申请人。"
    if licence.holder_account_id != by.pk:
        if not (by.role_names & {Role.CLERK, Role.AGENT}):
            return "请从本人“我的证照”中选择证照。"
        if not consent:
            return "调用申请人的电子证照须经申请人同意，请确认已取得同意。"
    expired = licence.expires_at is not None and licence.expires_at < timezone.now()
    if licence.status == Licence.Status.REVOKED:
        return "该证照已被撤销，不能使用。"
    if licence.status == Licence.Status.EXPIRED or expired:
        return "该证照已过有效期，不能使用。"
    return ""


def use_licence(*, case_id: int, by: User, requirement_id, licence_number: str, consent: bool = False,
                ip=None) -> Material:  # fmt: skip
    """用证: the licence becomes the case's current material for the requirement (its PDF, hash and
    reference kept), with a log row on the licence and an audit entry naming the consent."""
    number = str(licence_number or "").strip()[:40]
    with transaction.atomic():
        case = _case_for_upload(case_id, by)
        requirement_id = _requirement(case, requirement_id)
        requirement = case.item_version.materials.get(pk=requirement_id)
        licence = Licence.objects.select_for_update().filter(number=number).first() if number else None
        if reason := refusal(licence, case, requirement, by, consent):
            raise ValidationError({"licence_number": [reason]})
        licence = licences.render(licence)
        material = _store(case, requirement_id, by, original_name=f"{licence.name}（电子证照 {licence.number}）.pdf",
                          content_type="application/pdf", size=licence.size, sha256=licence.sha256,
                          file=licence.pdf.name, licence=licence)  # fmt: skip
        consent_by = "holder" if licence.holder_account_id == by.pk else "recorded"
        data = {"case": case.number, "requirement": requirement_id, "consent": consent_by}
        LicenceEvent.objects.create(licence=licence, action="use", actor=by, data=data)
        _audit("approvals.use_licence", case, material, by, ip)
    return material


def options_for(case: Application, user: User) -> dict[int, list[Licence]]:
    """For each requirement of the case that accepts an e-licence, the valid licences of the account
    that fit it (the portal offers them before the upload field). One query for the wallet."""
    requirements = [r for r in case.item_version.materials.all() if r.e_licence]
    if not requirements:
        return {}
    wallet = [
        licence for licence in licences.wallet(user).filter(status=Licence.Status.VALID,
                                                             holder_id_number=case.applicant_id_number)
        if licence.expires_at is None or licence.expires_at >= timezone.now()
    ]  # fmt: skip
    return {
        r.pk: [x for x in wallet if not r.licence_type_code or x.type_code == r.licence_type_code] for r in requirements
    }
