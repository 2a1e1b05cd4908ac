"""The later apps' answers the front desk needs (an item by code, a case by number, a visitor's or an
enterprise's cases), through the module the setting ``FRONTDESK_ADAPTER`` names (``approvals.frontdesk``).

``hall`` imports none of the later apps (DESIGN.md); settings are the composition root that names them.
Without an adapter (the hall alone) items and cases are unknown and the lists are empty.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_module


@cache
def _load(path: str):
    return import_module(path) if path else None


def _module():
    return _load(getattr(settings, "FRONTDESK_ADAPTER", ""))


def item(code: str) -> dict | None:
    module = _module()
    return module.item(code) if module and code else None


def case(number: str, user) -> dict | None:
    module = _module()
    return module.case(number, user) if module and number else None


def open_cases_of_visitor(user, *, phone: str = "", id_number: str = "") -> list[dict]:
    module = _module()
    return module.open_cases_of_visitor(user, phone=phone, id_number=id_number) if module else []


def cases_of_organisation(uscc: str) -> list[dict]:
    module = _module()
    return module.cases_of_organisation(uscc) if module else []
