"""领取方式: the applicant chooses how to receive the result (window, express, electronic)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render

from approvals import services
from approvals.delivery import CHOOSABLE_STATES, may_choose_delivery
from approvals.forms_portal import DeliveryForm
from approvals.models import Application
from approvals.views_portal import DELIVERY_CHOICES, _back, _own_case, _report
from hall.audit import client_ip
from hall.errors import DomainError


def offered_methods(case: Application) -> list[tuple[str, str, str]]:
    """(value, label, explanation) of the methods this item offers; express only where it is offered."""
    return [c for c in DELIVERY_CHOICES if c[0] != "express" or case.item_version.channel_express]


def _initial(case: Application) -> dict:
    """The current choice, else the applicant's own contact data as a starting point."""
    return {
        "method": case.delivery_choice or Application.Delivery.WINDOW,
        "recipient": case.delivery_recipient or case.applicant_name,
        "phone": case.delivery_phone or case.applicant_phone,
        "address": case.delivery_address or case.applicant_address,
    }


@login_required
def choose_delivery(request, number: str):
    """GET: the form; POST: services.choose_delivery, errors next to their fields, then back to the case."""
    case = _own_case(request, number)
    if not may_choose_delivery(request.user, case) or case.state not in CHOOSABLE_STATES:
        messages.error(request, f"办件当前状态为“{case.get_state_display()}”，不能更改领取方式。")
        return _back(case)
    methods = offered_methods(case)
    choices = [(value, label) for value, label, _ in methods]
    form = DeliveryForm(request.POST or None, initial=_initial(case), choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_delivery(case_id=case.pk, by=request.user, ip=client_ip(request), **form.cleaned_data)
        except ValidationError as exc:
            for field, texts in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, texts)
        except DomainError as exc:
            _report(request, exc)
            return _back(case)
        else:
            label = dict(choices)[form.cleaned_data["method"]]
            messages.success(request, f"领取方式已设为“{label}”。")
            return _back(case, "delivery")
    explanations = {value: text for value, _, text in methods}
    return render(request, "approvals/portal/delivery.html",
                  {"case": case, "form": form, "explanations": explanations})  # fmt: skip
