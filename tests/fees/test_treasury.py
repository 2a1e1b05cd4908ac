"""Treasury view (国库报表, issue 15 point 7): totals per department, item, channel and day with the
legal basis per fee line; CSV and XLSX exports."""

import io
from datetime import date

from openpyxl import load_workbook

from fees import reconcile, treasury
from tests.fees.helpers import assessed_case
from tests.fees.test_pages import CASHIER, client_for

DAY = date(2026, 9, 30)
URL = "/fees/treasury/?from=2026-09-30&to=2026-09-30"


def _two_payments(people):
    _a, online = assessed_case(people)
    reconcile.simulator_pay(online.payment_code, 8000)
    _b, window = assessed_case(people)
    client_for(people.cashier).post(CASHIER, {"payment_code": window.payment_code, "channel": "cash", "amount": "80"})


def test_totals_per_department_item_channel_and_day_with_the_basis(people):
    _two_payments(people)
    rows = treasury.rows(DAY, DAY)
    assert {(r["channel"], r["count"], r["amount_fen"]) for r in rows} == {("simulator", 1, 8000), ("cash", 1, 8000)}
    assert all(r["basis"] and r["line"] == "不动产登记费（住宅类）" and r["day"] == DAY for r in rows)
    totals = treasury.totals(rows)
    assert totals["total_fen"] == 16000 and [v["amount_fen"] for _k, v in totals["department"]] == [16000]


def test_the_page_and_its_csv_and_xlsx_exports(people):
    _two_payments(people)
    client = client_for(people.supervisor)
    page = client.get(URL)
    assert page.status_code == 200 and "收费依据" in page.content.decode() and "160.00" in page.content.decode()
    csv = client.get(URL + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("日期,执收单位编码") and text.count("不动产登记费（住宅类）") == 2
    xlsx = client.get(URL + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][0] == "日期" and len(values) == 3 and sum(row[-1] for row in values[1:]) == 160.0
    assert client_for(people.applicant).get(URL).status_code == 403
