"""Django admin: the calendar year overview and audited calendar edits."""

from datetime import date

import pytest

from hall import calendar
from hall.models import AuditEntry, CalendarDay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_year_overview_shows_holidays_and_makeup_days(admin_client):
    response = admin_client.get("/admin/hall/calendarday/year/2026/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026 年工作日历" in html
    assert html.count('<td class="holiday">') == len([d for d in _days(2026) if calendar.day_kind(d) == "holiday"])
    assert '<td class="makeup">' in html
    assert "尚无官方放假安排" not in html


def test_year_without_schedule_is_marked_provisional(admin_client):
    html = admin_client.get("/admin/hall/calendarday/year/2027/").content.decode()
    assert "尚无官方放假安排" in html
    assert '<td class="provisional_working">' in html


def test_adding_an_override_in_admin_is_audited(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/hall/calendarday/add/", {"date": "2026-12-31", "is_working": "", "note": "年末闭馆"}
        )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2026, 12, 31)).is_working is False
    assert not calendar.is_working_day(date(2026, 12, 31))
    entry = AuditEntry.objects.get(action="calendar.set_day")
    assert entry.actor.username == "root"


def test_audit_entries_are_read_only_in_admin(admin_client):
    AuditEntry.objects.create(action="x", target="y")
    assert admin_client.get("/admin/hall/auditentry/add/").status_code == 403


def test_staff_pages_list(admin_client):
    for url in ("/admin/hall/department/", "/admin/hall/window/", "/admin/hall/user/", "/admin/hall/staffmembership/"):
        assert admin_client.get(url).status_code == 200, url


def _days(year):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d = d.fromordinal(d.toordinal() + 1)


def test_the_admin_pages_carry_the_hall_icon_and_a_way_back_to_the_hall(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'rel="icon"' in page and "favicon" in page
    assert ">返回办事大厅</a>" in page
