"""秒批 for supervisors (/supervision/instant/): every published rule, in words, with its version; and
the sampled instant approvals to work through (抽查), pending first. Supervisors only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals import instant
from approvals.models import InstantAudit
from catalog.instant_rule import describe
from hall.audit import client_ip
from hall.errors import DomainError, error_texts
from hall.roles import Role
from supervision.views import supervisors_only

AUDIT_ROWS = 100


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(choices=[(InstantAudit.Verdict.CORRECT, "规则适用正确"),
                                         (InstantAudit.Verdict.WRONG, "规则适用有误")])  # fmt: skip
    note = forms.CharField(required=False, max_length=2000)


@supervisors_only
def instant_page(request):
    versions = list(instant.rules_in_force())
    rules = [{
        "version": v, "rule_version": instant.rule_version(v),
        "lines": describe(v.instant_rule, {f.name: f.label for f in v.fields.all()}),
    } for v in versions]  # fmt: skip
    audits = list(instant.sample_queue()[:AUDIT_ROWS])
    pending = sum(1 for a in audits if a.verdict == InstantAudit.Verdict.PENDING)
    return render(request, "supervision/instant.html", {"rules": rules, "audits": audits, "pending": pending})


@login_required
@require_POST
def review(request, audit_id: int):
    """抽查结论 (POST; the service checks the supervisor role: 403 otherwise)."""
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("秒批抽查由监察人员办理。")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择抽查结论。")
        return redirect("supervision:instant")
    try:
        instant.review_instant_audit(audit_id=audit_id, by=request.user, ip=client_ip(request), **form.cleaned_data)
    except InstantAudit.DoesNotExist:
        messages.error(request, "没有这条抽查记录。")
    except (DomainError, ValidationError) as exc:
        for text in error_texts(exc):
            messages.error(request, text)
    else:
        messages.success(request, "已记录抽查结论。")
    return redirect("supervision:instant")
