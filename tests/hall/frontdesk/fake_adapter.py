"""A stand-in for ``approvals.frontdesk`` in the front-desk unit tests (settings.FRONTDESK_ADAPTER)."""

ITEMS = {
    "HOLIDAY-ITEM": {"code": "HOLIDAY-ITEM", "name": "不动产权证书补换发", "department_code": "ZRZYJ"},
    "WORKDAY-ITEM": {"code": "WORKDAY-ITEM", "name": "国有建设用地使用权首次登记", "department_code": "ZRZYJ"},
}
CASES = {"ZRZYJ-2026-000001": {"number": "ZRZYJ-2026-000001", "state": "submitted", "state_label": "已提交"}}


def item(code):
    return ITEMS.get(code)


def case(number, user):
    return CASES.get(number)


def open_cases_of_visitor(user, *, phone="", id_number=""):
    return list(CASES.values()) if id_number == "11010519491231002X" else []


def cases_of_organisation(uscc):
    return list(CASES.values())
