"""减免 page: an approver of the case's department waives its fees with the legal reason and basis
(``fees.services.waive_fees`` decides and audits; the API is ``POST …/fees/assessment {waiver}``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fees import selectors, services
from hall import audit
from hall.errors import DomainError, OutsideScope


class WaiverForm(forms.Form):
    reason = forms.CharField(label="减免理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请写明减免理由。"})  # fmt: skip
    basis = forms.CharField(label="减免依据（法律、法规或规章条款）", max_length=500,
                            error_messages={"required": "请写明减免依据（法律、法规或规章条款）。"})  # fmt: skip


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def waive(request, number: str):
    """减免: shown to the department's approvers only (404 for anyone else, as for a case out of scope)."""
    case = selectors.staff_case(number)
    if case is None or not services.may_waive(request.user, case):
        raise Http404("没有这个办件。")
    assessment = selectors.assessment_of(case)
    blocked = services.assessment_refused(case, assessment)
    form, status = WaiverForm(request.POST or None, auto_id="waiver-%s"), 200
    if request.method == "POST" and not blocked:
        if form.is_valid():
            try:
                services.waive_fees(case_id=case.pk, by=request.user, ip=audit.client_ip(request), **form.cleaned_data)
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    form.add_error(key.removeprefix("waiver.") if key.startswith("waiver.") else None, errors)
            except OutsideScope as exc:
                raise Http404(exc.detail) from exc
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, "已批准减免：本件无需缴费，已通知申请人。")
                return redirect(reverse("approvals:work_case", args=[case.number]))
        status = 400
    context = {"case": case, "assessment": assessment, "blocked": blocked, "form": form,
               "work_case_url": reverse("approvals:work_case", args=[case.number])}  # fmt: skip
    response = render(request, "fees/waive.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
