"""Workbench actions of delivery (送达): the scan of the hand-signed 送达回证, and the courier simulator's
reports (揽收 → 运输中, 签收) that a real courier would post to ``/api/v1/delivery/callback/<carrier>``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from approvals import carriers, services
from approvals.models import Shipment
from approvals.scope import is_staff_of
from approvals.views_workbench import staff_only
from approvals.views_workbench_case import _case_or_404
from hall import audit
from hall.errors import DomainError
from hall.roles import Role


@staff_only(hidden=True)
@require_POST
def receipt_scan(request, number: str):
    case = _case_or_404(request.user, number)
    try:
        services.record_delivery_receipt(case_id=case.pk, by=request.user, upload=request.FILES.get("file"),
                                         recipient_name=request.POST.get("recipient_name", ""),
                                         ip=audit.client_ip(request))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (DomainError, AttributeError) as exc:
        messages.error(request, getattr(exc, "detail", "请选择送达回证扫描件。"))
    else:
        messages.success(request, "送达回证扫描件已保存。")
    return redirect("approvals:work_case", number=case.number)


@staff_only(hidden=True)
@require_POST
def simulate_carrier(request, number: str, status: str):
    """The simulator's courier reports an event for the case's live simulator waybill (demo and tests)."""
    case = _case_or_404(request.user, number)
    shipment = Shipment.objects.filter(application=case, carrier="simulator").exclude(status="failed").first()
    if shipment is None or status not in ("in_transit", "delivered") or not is_staff_of(request.user, case, Role.CLERK):
        messages.error(request, "没有可回报的模拟运单。")
        return redirect("approvals:work_case", number=case.number)
    try:
        carriers.get("simulator").report(shipment, status)
    except (ValidationError, DomainError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "快递公司已回报：" + dict(Shipment.Status.choices)[status] + "。")
    return redirect("approvals:work_case", number=case.number)
