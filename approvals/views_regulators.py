"""监管推送 inbox (/regulator/): the decisions pushed to the staff's departments as regulator, each with
its webhook delivery state, an acknowledgement and a form to push a finding back."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals import regulators
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope, error_texts

INBOX_ROWS = 100


class FindingForm(forms.Form):
    text = forms.CharField(label="监管发现", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _staff(request) -> None:
    if not regulators.is_regulator_staff(request.user):
        raise PermissionDenied("监管推送仅供部门工作人员查看。")


@login_required
def inbox(request):
    _staff(request)
    rows = list(regulators.inbox_for(request.user).prefetch_related("findings")[:INBOX_ROWS])
    unread = sum(1 for row in rows if row.read_at is None)
    return render(request, "approvals/workbench/regulator_inbox.html", {"rows": rows, "unread": unread})


def _act(request, action, done: str):
    _staff(request)
    try:
        action()
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except (DomainError, ValidationError) as exc:
        for text in error_texts(exc):
            messages.error(request, text)
    else:
        messages.success(request, done)
    return redirect("approvals:regulator_inbox")


@login_required
@require_POST
def read(request, push_id: int):
    return _act(request, lambda: regulators.mark_read(push_id=push_id, by=request.user, ip=client_ip(request)),
                "已阅知。")  # fmt: skip


@login_required
@require_POST
def finding(request, push_id: int):
    form = FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请写明监管中发现的情况。")
        return redirect("approvals:regulator_inbox")
    return _act(request, lambda: regulators.record_finding(push_id=push_id, by=request.user, ip=client_ip(request),
                                                           text=form.cleaned_data["text"]),
                "监管反馈已推送至审批部门和电子监察。")  # fmt: skip
