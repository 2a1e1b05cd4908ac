"""首席代表授权 (issue 17, point 2): the department's delegations to its windows' chief representatives.

Every staff member of the department sees them (the workbench states who decides); the department's
approvers (standing for its head) grant and revoke them through ``approvals.authority``. Each POST
redirects back with the outcome (PRG)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from approvals import authority
from approvals.forms_reform import DelegationForm, RevokeDelegationForm
from catalog.models import Item, ItemVersion
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope, error_texts
from hall.models import StaffMembership, Window
from hall.roles import Role


def _granting_choices(user):
    """The windows with a chief representative and the chief-representative items of the departments
    the user approves for."""
    departments = StaffMembership.objects.filter(user=user, role=Role.APPROVER).values("department_id")
    windows = (
        Window.objects.filter(department_id__in=departments, is_active=True, chief_representative__isnull=False)
        .select_related("chief_representative")
        .order_by("number")
    )
    items = Item.objects.filter(
        department_id__in=departments,
        current_version__decision_authority=ItemVersion.Authority.CHIEF_REPRESENTATIVE,
    ).order_by("code")
    return list(windows), list(items)


def _page(request, grant_form=None, status=200):
    user = request.user
    if not user.is_authenticated or not StaffMembership.objects.filter(user=user).exists():
        raise PermissionDenied("首席代表授权只对本部门工作人员开放。")
    windows, items = _granting_choices(user)
    may_grant = bool(windows and items)
    context = {
        "rows": list(authority.delegations_for(user)[:200]),
        "may_grant": may_grant,
        "is_approver": user.has_role(Role.APPROVER),
        "form": grant_form or (DelegationForm(windows=windows, items=items) if may_grant else None),
        "revoke_form": RevokeDelegationForm(),
    }
    return render(request, "approvals/workbench/delegations.html", context, status=status)


@login_required
def delegations(request):
    """The list, and (for approvers) the grant form."""
    if request.method != "POST":
        return _page(request)
    windows, items = _granting_choices(request.user)
    form = DelegationForm(request.POST, windows=windows, items=items)
    if form.is_valid():
        try:
            delegation = authority.grant_delegation(by=request.user, ip=client_ip(request), **form.service_kwargs())
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request, f"已授权窗口 {delegation.window.number} 首席代表 {delegation.delegate.real_name}。"
            )
            return redirect("approvals:work_delegations")
    return _page(request, grant_form=form, status=400)


@login_required
@require_POST
def revoke(request, delegation_id: int):
    form = RevokeDelegationForm(request.POST)
    form.is_valid()
    try:
        delegation = authority.revoke_delegation(
            by=request.user, delegation_id=delegation_id, reason=form.cleaned_data.get("reason", ""),
            ip=client_ip(request),
        )  # fmt: skip
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except (DomainError, ValidationError) as exc:
        for text in error_texts(exc):
            messages.error(request, text)
    else:
        messages.success(request, f"已撤销授权（{delegation.document}）；首席代表自即日起不再决定这些事项。")
    return redirect("approvals:work_delegations")
