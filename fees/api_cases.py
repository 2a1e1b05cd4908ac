"""The case's fees API (DESIGN.md, "More of the contract"): the assessment (核定收费, 减免) and refunds.

- ``GET/POST /api/v1/applications/{number}/fees/assessment``: POST ``{lines: [{fee_id, quantity}]}``
  (published standards of the case's item version only; amounts computed) by the department's clerk,
  reviewer or cashier → 201; a correction until paid is a new revision with its own numbered
  缴款通知书. POST ``{waiver: {reason, basis}, lines?}`` by an approver of the department (403 for
  other staff of it) waives the fees (减免). GET: the owner (or filer) and staff in scope; others 404.
- ``GET/POST /api/v1/applications/{number}/fees/refunds``: POST ``{amount_fen, reason}`` by a clerk or
  cashier of the department → 201 (待审批); ``POST …/refunds/{id}/approve`` by an approver who is not
  the requester → 200, executed through the gateway.

Views parse and shape; ``fees.services`` decides (scope, roles, amounts). Applications are reached
through the app registry: fees does not import approvals.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from fees import services
from fees.models import Assessment, RefundRequest
from hall.audit import client_ip
from hall.errors import OutsideScope
from hall.models import StaffMembership
from hall.roles import Role
from hall.schema import errors

ERRORS = errors(409)

LINE = inline_serializer("AssessedLine", {
    "fee_id": serializers.IntegerField(), "name": serializers.CharField(), "quantity": serializers.IntegerField(),
    "amount_fen": serializers.IntegerField(), "basis": serializers.CharField(),
})  # fmt: skip
ASSESSMENT = inline_serializer("FeeAssessment", {
    "payment_code": serializers.CharField(allow_null=True), "due_fen": serializers.IntegerField(),
    "paid_fen": serializers.IntegerField(), "refunded_fen": serializers.IntegerField(),
    "lines": LINE.__class__(many=True), "status": serializers.CharField(), "revision": serializers.IntegerField(),
    "waiver": serializers.DictField(allow_null=True),
})  # fmt: skip
ASSESS_BODY = inline_serializer("FeeAssessmentBody", {
    "lines": serializers.ListField(child=serializers.DictField(), required=False),
    "waiver": serializers.DictField(required=False),
})  # fmt: skip
REFUND = inline_serializer("FeeRefund", {
    "id": serializers.IntegerField(), "amount_fen": serializers.IntegerField(), "reason": serializers.CharField(),
    "status": serializers.CharField(), "automatic": serializers.BooleanField(),
    "requested_at": serializers.DateTimeField(), "approved_at": serializers.DateTimeField(allow_null=True),
    "receipt_number": serializers.CharField(allow_null=True), "refund_id": serializers.CharField(allow_null=True),
})  # fmt: skip
REFUND_BODY = inline_serializer("FeeRefundBody", {"amount_fen": serializers.IntegerField(),
                                                  "reason": serializers.CharField()})  # fmt: skip


def _case(user, number: str):
    """The case if the caller may read its fees: its owner or filer, staff of its department, a
    supervisor; 404 otherwise (outside one's scope a case does not exist)."""
    case = (
        apps.get_model("approvals", "Application").objects.select_related("item_version")
        .filter(number=number).first()
    )  # fmt: skip
    if case is None or not user.is_authenticated:
        raise OutsideScope("没有这个办件。")
    if user.pk in (case.owner_id, case.filed_by_id) or user.is_superuser or user.has_role(Role.SUPERVISOR):
        return case
    if StaffMembership.objects.filter(user=user, department_id=case.department_id).exists():
        return case
    raise OutsideScope("没有这个办件。")


def assessment_data(assessment: Assessment | None) -> dict:
    if assessment is None:
        return {"payment_code": None, "due_fen": 0, "paid_fen": 0, "refunded_fen": 0, "lines": [], "status": "none",
                "revision": 0, "waiver": None}  # fmt: skip
    waiver = None
    if assessment.status == Assessment.Status.WAIVED:
        waiver = {"waived_fen": assessment.waived_fen, "reason": assessment.waiver_reason,
                  "basis": assessment.waiver_basis, "approved_by": str(assessment.waived_by),
                  "approved_at": assessment.waived_at.isoformat() if assessment.waived_at else None}  # fmt: skip
    return {
        "payment_code": assessment.payment_code, "due_fen": assessment.due_fen, "paid_fen": assessment.paid_fen,
        "refunded_fen": assessment.refunded_fen, "status": assessment.status, "revision": assessment.revision,
        "lines": [{"fee_id": line.standard_id, "name": line.name, "quantity": line.quantity,
                   "amount_fen": line.amount_fen, "basis": line.basis} for line in assessment.lines.all()],
        "waiver": waiver,
    }  # fmt: skip


def _lines(raw) -> list[dict]:
    """API lines (``fee_id``) → the service's (``standard_id``); a rule-based standard also takes
    ``amount_fen`` and ``note`` (its calculation), as on the workbench form."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValidationError({"lines": ["lines 须为数组：[{fee_id, quantity}]。"]})
    out = []
    for line in raw:
        line = line if isinstance(line, dict) else {}
        out.append({"standard_id": line.get("fee_id"), "quantity": line.get("quantity"),
                    "amount_fen": line.get("amount_fen"), "note": line.get("note") or ""})  # fmt: skip
    return out


def _renamed(exc: ValidationError) -> ValidationError:
    """Service error keys ``lines.<n>.standard_id`` are ``lines.<n>.fee_id`` in the API's words."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({key.replace("standard_id", "fee_id"): value for key, value in exc.message_dict.items()})


class FeeAssessmentView(APIView):
    """核定收费 and 减免 of one case (see the module docstring)."""

    @extend_schema(responses={200: ASSESSMENT, **ERRORS})
    def get(self, request, number: str):
        case = _case(request.user, number)
        assessment = Assessment.objects.filter(application=case).prefetch_related("lines").first()
        return Response(assessment_data(assessment))

    @extend_schema(request=ASSESS_BODY, responses={201: ASSESSMENT, **ERRORS})
    def post(self, request, number: str):
        case = _case(request.user, number)
        body = request.data if isinstance(request.data, dict) else {}
        try:
            if "waiver" in body:
                waiver = body.get("waiver") if isinstance(body.get("waiver"), dict) else {}
                assessment = services.waive_fees(
                    case_id=case.pk, by=request.user, reason=waiver.get("reason"), basis=waiver.get("basis"),
                    lines=_lines(body.get("lines")) or None, ip=client_ip(request),
                )  # fmt: skip
            else:
                assessment = services.assess_fees(case_id=case.pk, by=request.user, lines=_lines(body.get("lines")),
                                                  ip=client_ip(request))  # fmt: skip
        except ValidationError as exc:
            raise _renamed(exc) from None
        return Response(assessment_data(assessment), status=status.HTTP_201_CREATED)


def refund_data(request: RefundRequest) -> dict:
    refund = getattr(request, "refund", None) if request.status == RefundRequest.Status.EXECUTED else None
    return {
        "id": request.pk, "amount_fen": request.amount_fen, "reason": request.reason, "status": request.status,
        "automatic": request.automatic, "requested_at": request.requested_at.isoformat(),
        "approved_at": request.approved_at.isoformat() if request.approved_at else None,
        "receipt_number": refund.receipt_number if refund else None, "refund_id": refund.refund_id if refund else None,
    }  # fmt: skip


class FeeRefundsView(APIView):
    """退费: the list (owner and staff in scope) and a new request (clerk or cashier of the department)."""

    @extend_schema(responses={200: REFUND.__class__(many=True), **ERRORS})
    def get(self, request, number: str):
        case = _case(request.user, number)
        rows = RefundRequest.objects.filter(assessment__application=case).select_related("refund").order_by("id")
        return Response([refund_data(row) for row in rows])

    @extend_schema(request=REFUND_BODY, responses={201: REFUND, **ERRORS})
    def post(self, request, number: str):
        case = _case(request.user, number)
        body = request.data if isinstance(request.data, dict) else {}
        made = services.request_refund(case_id=case.pk, by=request.user, amount_fen=body.get("amount_fen"),
                                       reason=body.get("reason"), ip=client_ip(request))  # fmt: skip
        return Response(refund_data(made), status=status.HTTP_201_CREATED)


class FeeRefundApproveView(APIView):
    """审批退费: an approver of the department who did not request it; executed through the gateway."""

    @extend_schema(request=None, responses={200: REFUND, **ERRORS})
    def post(self, request, number: str, refund_id: int):
        case = _case(request.user, number)
        done = services.approve_refund(case_id=case.pk, request_id=refund_id, by=request.user, ip=client_ip(request))
        done = RefundRequest.objects.select_related("refund").get(pk=done.pk)
        return Response(refund_data(done))
