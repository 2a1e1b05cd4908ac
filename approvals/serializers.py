"""The case shapes of DESIGN.md (API) and the request bodies of the approvals API.

Request serializers check types and structure only; the legal rules (checksums, reasons, limits)
live in ``approvals.services`` and answer 400 with ``fields`` from there.

Material ``status`` (one row per requirement of the filed item version):
``missing`` required and nothing uploaded · ``not_provided`` optional and nothing uploaded ·
``uploaded`` first upload · ``replaced`` a later revision replaced an earlier upload ·
``reused`` 复用 from an earlier case of the same account · ``committed`` replaced by a signed
告知承诺书 (国办发〔2020〕42号) · ``correction_requested`` the open
correction notice (补正材料通知书) asks for it and no new file has come since the notice.

Personal data is masked in every shape (张*, 110105********002X, 138****0001).
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals import selectors, workflow
from approvals.materials import clean_name
from approvals.models import Application, Procedure, State
from approvals.rules import MAX_JOINT_EXTENSION
from approvals.serializers_evaluation import EvaluationSerializer
from approvals.serializers_joint import TaskSerializer
from approvals.serializers_reform import CommitmentBodySerializer, CommitmentSerializer, VerificationSerializer
from fees.services import summary as fee_summary
from hall.selectors import department_refs
from hall.serializers import DepartmentRefSerializer

MAX_ID = 2**63 - 1  # larger ids are not ids; SQLite would overflow on them


# --- masking -----------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    return f"{name[:1]}{'*' * max(len(name) - 1, 1)}" if name else ""


def mask_id_number(number: str) -> str:
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) >= 14 else "*" * len(number)


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 11 else "*" * len(phone)


def mask_address(address: str) -> str:
    return f"{address[:6]}****" if len(address) > 6 else address


# --- output shapes -------------------------------------------------------------------------------------


class BlankAsNullField(serializers.CharField):
    """Blank model text (no decision yet, no delivery method) reads as ``null``."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PartySerializer(serializers.Serializer):
    type = serializers.CharField()
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()


class AgentSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    authorisation = serializers.CharField()


class MaterialRowSerializer(serializers.Serializer):
    """One requirement of the case with its current upload (``id`` is null when nothing is uploaded)."""

    id = serializers.IntegerField(allow_null=True)
    requirement_id = serializers.IntegerField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    status = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)
    file_name = serializers.CharField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)
    content_type = serializers.CharField(allow_null=True)
    uploaded_at = serializers.DateTimeField(allow_null=True)
    reused_from = serializers.IntegerField(allow_null=True)
    source = serializers.CharField(help_text="applicant, government (a certificate a government body issues), …")
    accepts_licence = serializers.BooleanField(help_text="an e-licence may stand for it (免证办)")
    licence_type = serializers.CharField(allow_null=True, help_text="the e-licence type it accepts (null: any)")
    licence_number = serializers.CharField(allow_null=True, help_text="the e-licence standing for it, if any")


def material_row(case: Application, requirement, current) -> dict:
    return {
        "id": current.pk if current else None,
        "requirement_id": requirement.pk,
        "name": requirement.name,
        "required": requirement.required,
        "status": selectors.material_status(case, requirement, current),
        "revision": current.revision if current else None,
        "file_name": clean_name(current.original_name) if current else None,
        "sha256": current.sha256 if current else None,
        "size": current.size if current else None,
        "content_type": current.content_type if current else None,
        "uploaded_at": current.uploaded_at if current else None,
        "reused_from": current.reused_from_id if current else None,
        "source": requirement.source,
        "accepts_licence": requirement.e_licence,
        "licence_type": requirement.licence_type_code or None,
        "licence_number": current.licence.number if current and current.licence_id else None,
    }


class TimelineSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_name = serializers.SerializerMethodField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    at = serializers.DateTimeField()
    actor_role = serializers.CharField()
    reason = serializers.CharField()

    def get_action_name(self, event) -> str:
        return workflow.label(event.action)


class CorrectionItemOutSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField()
    name = serializers.CharField(source="requirement.name")
    reason = serializers.CharField()


class CorrectionNoticeSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    reason = serializers.CharField()
    issued_at = serializers.DateTimeField()
    items = CorrectionItemOutSerializer(many=True)


class SuspensionSerializer(serializers.Serializer):
    procedure = serializers.CharField()
    procedure_name = serializers.CharField(source="get_procedure_display")
    reason = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    working_days = serializers.IntegerField()


class RecommendationSerializer(serializers.Serializer):
    """审查意见: the reviewer's recommendation waiting for (or behind) the approver's decision."""

    recommendation = serializers.ChoiceField(choices=workflow.RECOMMENDATIONS)
    opinion = serializers.CharField()
    at = serializers.DateTimeField()


class FeesSerializer(serializers.Serializer):
    due_fen = serializers.IntegerField()
    paid_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField(help_text="refunded of what was paid (退费)")
    waived_fen = serializers.IntegerField(help_text="waived by an approver (减免)")
    payment_code = serializers.CharField(allow_null=True)
    status = serializers.CharField(help_text="none, due, paid, waived or cancelled")


class CaseSerializer(serializers.Serializer):
    """The case shape of DESIGN.md (API), plus more; needs ``selectors.case_detail`` and the request."""

    number = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField(source="get_state_display")
    query_code = serializers.SerializerMethodField()
    item_code = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    item_version = serializers.IntegerField(source="item_version.number")
    department = DepartmentRefSerializer()
    channel = serializers.CharField()
    applicant = serializers.SerializerMethodField()
    agent = serializers.SerializerMethodField()
    handler = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    deemed_accepted = serializers.BooleanField()
    decided_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    accept_due = serializers.DateTimeField(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True)
    decision_yellow_at = serializers.DateTimeField(allow_null=True)
    delivery_due = serializers.DateTimeField(allow_null=True)
    deadline_provisional = serializers.BooleanField()
    overdue = serializers.SerializerMethodField()
    extension_days = serializers.IntegerField()
    extension_reason = serializers.CharField()
    suspended_days = serializers.IntegerField()
    correction_round = serializers.IntegerField()
    recommendation = serializers.SerializerMethodField()
    decision = BlankAsNullField()
    decision_name = serializers.CharField(source="decision_label", help_text="the decision in the item type's words")
    decision_reason = serializers.CharField(help_text="the approver's opinion (决定意见)")
    delivery_method = BlankAsNullField()
    delivery_choice = BlankAsNullField(help_text="the applicant's chosen delivery method, until delivered")
    closed_reason = serializers.CharField()
    materials = serializers.SerializerMethodField()
    correction_notices = CorrectionNoticeSerializer(many=True)
    suspensions = SuspensionSerializer(many=True)
    timeline = TimelineSerializer(source="events", many=True)
    fees = serializers.SerializerMethodField()
    evaluation = serializers.SerializerMethodField()
    bundle = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField(help_text="joint cases: one task per participating department")
    evaluations = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField()
    licence_status = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="电子证照 number, once issued"))
    def get_licence(self, case):
        licence = getattr(case, "licence", None)  # joined by selectors.case_detail
        return licence.number if licence is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="valid, revoked or expired"))
    def get_licence_status(self, case):
        licence = getattr(case, "licence", None)
        return licence.status if licence is not None else None

    commitments = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField()

    @extend_schema_field(CommitmentSerializer(many=True, help_text="告知承诺书 signed on this case"))
    def get_commitments(self, case):
        signed = getattr(case, "signed_commitments", None)  # read by selectors.case_detail
        return CommitmentSerializer(case.commitments.all() if signed is None else signed, many=True).data

    @extend_schema_field(VerificationSerializer(allow_null=True, help_text="事后核查 of the commitments"))
    def get_verification(self, case):
        verification = getattr(case, "verification", None)
        return VerificationSerializer(verification).data if verification is not None else None

    def _viewer_is_party(self, case) -> bool:
        user = self.context["request"].user
        return user.pk in (case.owner_id, case.filed_by_id)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="查询码; only for the applicant"))
    def get_query_code(self, case):
        return case.query_code if self._viewer_is_party(case) else None

    @extend_schema_field(PartySerializer)
    def get_applicant(self, case):
        return {
            "type": case.applicant_type,
            "name": mask_name(case.applicant_name),
            "id_number": mask_id_number(case.applicant_id_number),
            "phone": mask_phone(case.applicant_phone),
            "address": mask_address(case.applicant_address),
        }

    @extend_schema_field(AgentSerializer(allow_null=True))
    def get_agent(self, case):
        if not case.agent_name:
            return None
        return {
            "name": mask_name(case.agent_name),
            "id_number": mask_id_number(case.agent_id_number),
            "phone": mask_phone(case.agent_phone),
            "authorisation": case.agent_authorisation,
        }

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="首办负责: the case's contact"))
    def get_handler(self, case):
        return str(case.handler) if case.handler_id else None

    def get_overdue(self, case) -> bool:
        return selectors.is_overdue(case)

    @extend_schema_field(
        RecommendationSerializer(allow_null=True, help_text="审查意见; the applicant sees it once decided")
    )
    def get_recommendation(self, case):
        if not case.recommendation or (self._viewer_is_party(case) and not case.decided_at):
            return None
        word = "approve" if case.recommendation == Application.Decision.APPROVED else "deny"
        return {"recommendation": word, "opinion": case.review_opinion, "at": case.reviewed_at}

    @extend_schema_field(MaterialRowSerializer(many=True))
    def get_materials(self, case):
        current = {m.requirement_id: m for m in case.current_materials}
        return [material_row(case, r, current.get(r.pk)) for r in case.item_version.materials.all()]

    @extend_schema_field(FeesSerializer)
    def get_fees(self, case):
        return fee_summary(case)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="一件事 number when part of a bundle"))
    def get_bundle(self, case):
        return case.bundle.number if case.bundle_id else None  # joined by selectors.case_detail

    @extend_schema_field(TaskSerializer(many=True))
    def get_tasks(self, case):
        if not case.item_version.joint:  # an ordinary case costs no query
            return []
        from approvals.joint import tasks_of

        return TaskSerializer(tasks_of(case), many=True).data

    @extend_schema_field(EvaluationSerializer(allow_null=True, help_text="好差评 of the result; null until rated"))
    def get_evaluation(self, case):
        evaluation = case.evaluation  # prefetched by selectors.case_detail
        return EvaluationSerializer(evaluation).data if evaluation is not None else None

    @extend_schema_field(EvaluationSerializer(many=True, help_text="好差评 per stage (受理, 办结)"))
    def get_evaluations(self, case):
        return EvaluationSerializer(case.evaluations.all(), many=True).data


class CaseRowSerializer(serializers.Serializer):
    """One row of the case list: the schema of ``case_rows``, which builds the rows."""

    number = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField(source="get_state_display")
    item_code = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    department = DepartmentRefSerializer()
    applicant_name = serializers.CharField(help_text="masked (张*)")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True)
    deadline_provisional = serializers.BooleanField()
    overdue = serializers.BooleanField()


STATE_NAMES = dict(State.choices)


def _instant(value):
    """What DRF's ``DateTimeField`` writes (ISO 8601 in the current time zone, Asia/Shanghai), at a
    fraction of its cost per value."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def case_rows(rows: list[dict], now) -> list[dict]:
    """``CaseRowSerializer``'s shape from ``selectors.case_rows`` values in one pass (issue 22: a list
    page of 20 rows cost more in DRF fields and model instances than in SQL)."""
    departments = department_refs({row["department_id"] for row in rows})
    return [
        {
            "number": row["number"],
            "state": row["state"],
            "state_name": STATE_NAMES.get(row["state"], row["state"]),
            "item_code": row["item__code"],
            "item_name": row["item__name"],
            "department": departments.get(row["department_id"]),
            "applicant_name": mask_name(row["applicant_name"]),
            "created_at": _instant(row["created_at"]),
            "submitted_at": _instant(row["submitted_at"]),
            "decision_due": _instant(row["decision_due"]),
            "deadline_provisional": row["deadline_provisional"],
            "overdue": selectors.is_overdue_row(row["state"], row["decision"], row["due_at"], now),
        }
        for row in rows
    ]


class TransitionResultSerializer(serializers.Serializer):
    """A transition's answer: the case's new state and its due instants (``?expand=case``: the case shape)."""

    number = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField()
    decision = serializers.CharField(allow_null=True, help_text="approved or denied once decided")
    accept_due = serializers.DateTimeField(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True)
    decision_yellow_at = serializers.DateTimeField(allow_null=True)
    delivery_due = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="the running period's due instant, if any")
    deadline_provisional = serializers.BooleanField()
    overdue = serializers.BooleanField()


def transition_result(row: dict, now) -> dict:
    """``TransitionResultSerializer``'s shape from ``selectors.case_state``."""
    instants = ("accept_due", "decision_due", "decision_yellow_at", "delivery_due", "due_at")
    return {
        "number": row["number"],
        "state": row["state"],
        "state_name": STATE_NAMES.get(row["state"], row["state"]),
        "decision": row["decision"] or None,
        **{name: _instant(row[name]) for name in instants},
        "deadline_provisional": row["deadline_provisional"],
        "overdue": selectors.is_overdue_row(row["state"], row["decision"], row["due_at"], now),
    }


class CreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField()
    query_code = serializers.CharField()


class ProgressEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    at = serializers.DateTimeField()
    to_state = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    """Public progress (办件进度查询): no personal data, not even masked."""

    number = serializers.CharField()
    state = serializers.CharField()
    state_name = serializers.CharField(source="get_state_display")
    item_name = serializers.CharField(source="item.name")
    department = DepartmentRefSerializer()
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True)
    timeline = ProgressEventSerializer(source="events", many=True)


# --- request bodies ------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.ANY)
class FormValueField(serializers.Field):
    """A value of the item's application form: text, a number or a boolean, never a nested structure."""

    default_error_messages = {"invalid": "须为文本或数字。"}

    def to_internal_value(self, data):
        if data is None or isinstance(data, str | int | float | bool):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class PartyInSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Application.ApplicantType.choices)
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=40, help_text="居民身份证号码 (person) or 统一社会信用代码")
    phone = serializers.CharField(max_length=20)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AgentInSerializer(serializers.Serializer):
    """代理人 (行政许可法 art. 29) with the principal's authorisation."""

    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=40)
    phone = serializers.CharField(max_length=20)
    authorisation = serializers.CharField(max_length=200)


class ApplicationCreateSerializer(serializers.Serializer):
    item_code = serializers.CharField(max_length=36)
    applicant = PartyInSerializer()
    agent = AgentInSerializer(required=False, allow_null=True)
    form = serializers.DictField(child=FormValueField(), required=False, default=dict)
    channel = serializers.ChoiceField(choices=Application.Channel.choices, required=False)
    commitment = CommitmentBodySerializer(required=False, help_text="告知承诺书 signed with the filing")
    department_code = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text="两级大厅: for an item delegated to townships, the township that handles it (else the one "
                  "named in the applicant's address)",
    )  # fmt: skip


class MaterialUploadSerializer(serializers.Serializer):
    """Multipart ``requirement_id`` + ``file``, or ``material_id`` of an earlier case's material to reuse,
    or ``licence_number`` of a valid e-licence of the applicant (免证办; ``consent`` when staff or an
    agent use it for the applicant)."""

    requirement_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    file = serializers.FileField(required=False)
    material_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    licence_number = serializers.CharField(required=False, max_length=40)
    consent = serializers.BooleanField(required=False, default=False, help_text="the applicant agreed (staff, agent)")

    def validate(self, attrs):
        if sum(name in attrs for name in ("file", "material_id", "licence_number")) != 1:
            raise serializers.ValidationError(
                {"file": ["请上传一个文件，或填写复用的材料 material_id，或电子证照编号 licence_number（三选一）。"]}
            )
        return attrs


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False, allow_blank=True)
    item = serializers.CharField(required=False, allow_blank=True, max_length=36, help_text="item code")
    department = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="staff only")
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="its running legal period has passed (approvals.selectors.overdue_q)"
    )


# Transition bodies (DESIGN.md, API). Reasons are optional here: the services say where the law
# requires one (deny art. 38, reject_intake, terminate, suspend, extend) and answer 400 in Chinese.


class NoBodySerializer(serializers.Serializer):
    pass


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RecommendSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=workflow.RECOMMENDATIONS)
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    dissent_response = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text="joint cases: how the recommendation answers a department's disagreeing opinion (required then)",
    )  # fmt: skip


class OnTheSpotSerializer(ReasonSerializer):
    """当场办结 (即办件): ``{decision: approve|deny, reason}``; a denial states its reason (art. 38)."""

    decision = serializers.ChoiceField(choices=[("approve", "准予"), ("deny", "不予")])


class RejectIntakeSerializer(ReasonSerializer):
    remedy = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class CorrectionItemInSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=300)


class RequestCorrectionSerializer(ReasonSerializer):
    items = CorrectionItemInSerializer(many=True, required=False, default=list)


class SuspendSerializer(ReasonSerializer):
    procedure = serializers.ChoiceField(choices=Procedure.choices)


class ExtendSerializer(ReasonSerializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_JOINT_EXTENSION)


class DeliverSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=Application.Delivery.choices)
    tracking_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    recipient_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50,
                                           help_text="window: who signed the 送达回证")  # fmt: skip
    signature = serializers.CharField(required=False, allow_blank=True, default="", max_length=700_000,
                                      help_text="window: the signature drawn on screen, a PNG data URL")  # fmt: skip


class DispatchSerializer(serializers.Serializer):
    """交寄快递: through which carrier (``approvals.carriers``; the built-in ``simulator``)."""

    carrier = serializers.CharField(required=False, default="simulator", max_length=20)


class DeliveryChoiceSerializer(serializers.Serializer):
    """领取方式: ``recipient``, ``phone`` and ``address`` are required for express."""

    method = serializers.ChoiceField(choices=Application.Delivery.choices)
    recipient = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
