"""督办 pages: the supervisors' list with the form that issues an order and the answers to close or
send back (/supervision/orders/); the department's open orders with their answer form
(/supervision/department-orders/, linked from every staff page's navigation with a count).
Views parse and shape; ``supervision.orders`` decides and audits."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.views import material_response
from hall.audit import client_ip
from hall.errors import DomainError
from hall.models import Department
from hall.roles import DEPARTMENT_ROLES, Role
from supervision import orders
from supervision.models import Anomaly, Order, OrderAttachment
from supervision.rules import BY_CODE

LIST_SIZE = 100
OPEN_FIRST = Case(When(state=Order.State.OPEN, then=Value(0)), When(state=Order.State.ANSWERED, then=Value(1)),
                  default=Value(2), output_field=IntegerField())  # fmt: skip


class IssueForm(forms.Form):
    department_code = forms.ChoiceField(label="被督办部门", error_messages={"required": "请选择被督办部门。"})
    case_number = forms.CharField(label="办件编号（可选）", required=False, max_length=40)
    text = forms.CharField(
        label="督办内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请写明督办内容。"},
    )  # fmt: skip
    due_days = forms.IntegerField(label="答复时限（工作日）", min_value=1, max_value=orders.MAX_DUE_DAYS, initial=3)
    anomaly_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)  # 督办 of an anomaly

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.only("code", "name").order_by("sort_order", "code")
        self.fields["department_code"].choices = [("", "请选择"), *((d.code, d.name) for d in departments)]


class TextForm(forms.Form):
    text = forms.CharField(label="答复", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=2000)


def _anomaly(value) -> Anomaly | None:
    """The anomaly a 督办 is about (``?anomaly=`` from the anomalies page, or the form's hidden field)."""
    value = str(value or "")
    if not value.isdecimal():
        return None
    return Anomaly.objects.select_related("department", "application").filter(pk=int(value)).first()


def _from_anomaly(anomaly: Anomaly) -> dict:
    """The form prefilled from an anomaly: its department, its case, the rule and its reason."""
    rule = BY_CODE[anomaly.rule]
    return {
        "anomaly_id": anomaly.pk, "department_code": anomaly.department.code,
        "case_number": anomaly.application.number if anomaly.application_id else "",
        "text": f"异常行为“{rule.label}”：{rule.reason}请核查，书面说明情况并整改。",
    }  # fmt: skip


def _listed(user) -> list[Order]:
    """The orders a page lists: open ones first, then by due; their answers' files in one query."""
    listed = orders.visible_orders(user).prefetch_related("attachments").order_by(OPEN_FIRST, "due", "-id")
    return list(listed[:LIST_SIZE])


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def supervisor_orders(request):
    """督办: issue an order (prefilled from ``?case=``), and every order, open ones first."""
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("督办由监察人员发出。")
    status = 200
    if request.method == "POST":
        anomaly = _anomaly(request.POST.get("anomaly_id"))
        form = IssueForm(request.POST, auto_id="order-%s")
        if form.is_valid():
            try:
                order = orders.issue_order(by=request.user, ip=client_ip(request), **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"已发出督办（{order.department.name}，{order.due:%Y-%m-%d} 前答复）。")
                return redirect("supervision:orders")
        status = 400
    else:
        query = request.GET
        initial = {"case_number": query.get("case", "")[:40], "department_code": query.get("department", "")[:20]}
        anomaly = _anomaly(query.get("anomaly"))
        if anomaly is not None:
            initial.update(_from_anomaly(anomaly))
        form = IssueForm(initial=initial, auto_id="order-%s")
    rows = _listed(request.user)
    context = {"form": form, "orders": rows, "reason_form": ReasonForm(auto_id=None), "anomaly": anomaly}
    return render(request, "supervision/orders.html", context, status=status)


def _act(request, order_id: int, service, **kwargs):
    try:
        service(order_id=order_id, by=request.user, ip=client_ip(request), **kwargs)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        return True
    return False


@login_required
@require_POST
def close(request, order_id: int):
    if _act(request, order_id, orders.close_order):
        messages.success(request, "督办已办结。")
    return redirect("supervision:orders")


@login_required
@require_POST
def send_back(request, order_id: int):
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请说明退回理由。")
    elif _act(request, order_id, orders.return_order, reason=form.cleaned_data["reason"]):
        messages.success(request, "已退回，被督办部门须重新答复。")
    return redirect("supervision:orders")


@login_required
@require_http_methods(["GET", "POST"])
def department_orders(request):
    """本部门督办: open orders first, each with its answer form (答复)."""
    if not request.user.role_names & set(DEPARTMENT_ROLES):
        raise PermissionDenied("督办答复由被督办部门的工作人员办理。")
    rows = _listed(request.user)
    return render(request, "supervision/department_orders.html", {"orders": rows, "form": TextForm(auto_id=None)})


@login_required
@require_POST
def answer(request, order_id: int):
    form = TextForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写答复内容。")
    elif _act(request, order_id, orders.answer_order, text=form.cleaned_data["text"],
              files=request.FILES.getlist("files")):  # fmt: skip
        messages.success(request, "已答复督办。")
    return redirect("supervision:department_orders")


@login_required
@require_GET
def attachment(request, order_id: int, attachment_id: int):
    """A file of an answer, for those who may see the order (supervisors, the ordered department's
    staff); 404 for anyone else, as for an order they cannot see."""
    order = orders.visible_orders(request.user).filter(pk=order_id).first()
    row = OrderAttachment.objects.filter(order=order, pk=attachment_id).first() if order else None
    if row is None:
        raise Http404("没有这个附件。")
    return material_response(row)
