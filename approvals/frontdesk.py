"""What the hall's front desk (``hall.frontdesk``) asks of the later apps, answered here.

``hall`` imports none of the later apps (DESIGN.md, dependency direction); the setting
``FRONTDESK_ADAPTER`` names this module (the composition root) and ``hall.frontdesk.adapter`` loads it.
Each function returns plain dicts, so the hall never touches these models.
"""

import logging

from django.dispatch import receiver

from approvals.models import Application
from approvals.scope import visible_cases
from approvals.signals import case_transitioned
from approvals.workflow import OPEN_STATES
from catalog.models import Item
from hall.errors import DomainError
from hall.models import User
from hall.prepared import OneRow

logger = logging.getLogger(__name__)

CASE_FIELDS = ("number", "state", "item__code", "item__name", "applicant_name", "decision_due", "due_at",
               "submitted_at", "department__code")  # fmt: skip


def _case(row: dict) -> dict:
    from approvals.workflow import State

    return {
        "number": row["number"],
        "state": row["state"],
        "state_label": State(row["state"]).label,
        "item_code": row["item__code"],
        "item_name": row["item__name"],
        "applicant_name": row["applicant_name"],
        "decision_due": row["decision_due"],
        "due_at": row["due_at"],
        "department_code": row["department__code"],
    }


def item(code: str) -> dict | None:
    """A published item of the directory by its code: ``{code, name, department_code}``."""
    row = (
        Item.objects.filter(code=code, status=Item.Status.PUBLISHED).values("code", "name", "department__code").first()
    )
    return row and {"code": row["code"], "name": row["name"], "department_code": row["department__code"]}


def case(number: str, user) -> dict | None:
    """A case ``user`` may see (else None: outside the scope a case does not exist)."""
    row = visible_cases(user).filter(number=number).values(*CASE_FIELDS).first()
    return row and _case(row)


def open_cases_of_visitor(user, *, phone: str = "", id_number: str = "", limit: int = 5) -> list[dict]:
    """The visitor's open cases that the clerk ``user`` may see, found by the phone or ID given at the kiosk."""
    if not phone and not id_number:
        return []
    cases = visible_cases(user).filter(state__in=OPEN_STATES)
    cases = cases.filter(applicant_id_number=id_number) if id_number else cases.filter(applicant_phone=phone)
    return [_case(row) for row in cases.order_by("-submitted_at", "-id").values(*CASE_FIELDS)[:limit]]


def cases_of_organisation(uscc: str, *, limit: int = 50) -> list[dict]:
    """An enterprise's cases (applicant's unified social credit code), newest first: the contact card's list.
    The hall decides who sees the card (the enterprise, its agent, the hall office)."""
    rows = (
        Application.objects.filter(applicant_id_number=uscc)
        .exclude(state="draft")
        .order_by("-submitted_at", "-id")
        .values(*CASE_FIELDS)[:limit]
    )
    return [_case(row) for row in rows]


# --- one visit, one record: a window act on the visitor's case links it to the ticket being served --------

VISIT_ACTIONS = frozenset({"submit", "accept", "request_correction", "reject_intake", "decide_on_the_spot", "deliver"})


@receiver(case_transitioned)
def link_case_to_the_visit(sender, case_id, action, event_id, actor_id, **kwargs):
    """After a clerk's intake or delivery act, link the case to the ticket that clerk is serving — when the
    case is the visitor's (walk-in filed at the window, or the ticket's ID number or phone is the
    applicant's). Best effort after commit: the case's act never depends on the queue."""
    if action not in VISIT_ACTIONS or actor_id is None:
        return
    from hall.frontdesk import queue
    from hall.frontdesk.models import Ticket

    # Most acts are not at a window serving a ticket: one small read tells (issue 22: compiled once, and not the
    # whole ticket with its clerk joined, which only the rare link needs).
    ticket = _CALLED_TICKET.get(queue.today(), Ticket.State.CALLED, actor_id)
    if ticket is None:
        return
    case = Application.objects.filter(pk=case_id).values("number", "channel", "applicant_id_number", "applicant_phone")
    case = case.first()
    visitor = {ticket.id_number, ticket.phone} - {""}
    if case["channel"] != Application.Channel.WINDOW and not visitor & {
        case["applicant_id_number"],
        case["applicant_phone"],
    }:
        return
    try:
        queue.link_case(number=ticket.number, case_number=case["number"], by=User.objects.get(pk=actor_id))
    except DomainError:
        logger.info("case %s not linked to ticket %s", case["number"], ticket.number)


def _called_tickets(day, state: str, served_by_id: int):
    """The tickets a clerk has called to the window on a day, the latest first (``_CALLED_TICKET``)."""
    from hall.frontdesk.models import Ticket

    return (
        Ticket.objects.filter(day=day)  # one filter per value: the parameters in the order of ``get``
        .filter(state=state)
        .filter(served_by_id=served_by_id)
        .order_by("-called_at")
        .only("number", "id_number", "phone")
    )


_CALLED_TICKET = OneRow(_called_tickets)  # compiled once (hall.prepared)
