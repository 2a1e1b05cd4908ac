"""A small hall for the front-desk tests: two windows, two categories, their clerks, an applicant."""

from datetime import datetime, time
from types import SimpleNamespace

import time_machine
from rest_framework.test import APIClient

from hall import calendar
from hall.frontdesk.models import AppointmentTemplate, CategoryWindow, HolidayItem, ServiceCategory
from hall.models import WindowStaff
from tests.factories import DepartmentFactory, UserFactory, WindowFactory, staff


def at(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=calendar.SHANGHAI)


def frozen(instant: datetime, tick: bool = False):
    return time_machine.travel(instant, tick=tick)


def small_hall() -> SimpleNamespace:
    """Windows W1 (primary for 不动产 A) and W2 (primary for 企业开办 B, backup for A)."""
    dept = DepartmentFactory(code="ZRZYJ", name="区自然资源局")
    w1 = WindowFactory(department=dept, number="W1", name="不动产窗口")
    w2 = WindowFactory(department=dept, number="W2", name="企业开办窗口")
    a = ServiceCategory.objects.create(
        code="estate", name="不动产登记", prefix="A", department=dept, average_minutes=12
    )
    b = ServiceCategory.objects.create(code="company", name="企业开办", prefix="B", sort_order=200)
    CategoryWindow.objects.create(category=a, window=w1, role=CategoryWindow.Role.PRIMARY)
    CategoryWindow.objects.create(category=b, window=w2, role=CategoryWindow.Role.PRIMARY)
    CategoryWindow.objects.create(category=a, window=w2, role=CategoryWindow.Role.BACKUP)
    clerk1, clerk2 = staff("clerk1", "clerk", dept), staff("clerk2", "clerk", dept)
    WindowStaff.objects.create(window=w1, user=clerk1, position="A")
    WindowStaff.objects.create(window=w2, user=clerk2, position="A")
    applicant = UserFactory(username="zhang", roles=["applicant"], phone="13800000001", id_number="11010519491231002X")
    applicant2 = UserFactory(username="li", roles=["applicant"], phone="13800000002")
    AppointmentTemplate.objects.create(category=a, start=time(9), end=time(10), capacity=2)
    AppointmentTemplate.objects.create(category=a, start=time(10), end=time(11), capacity=2)
    AppointmentTemplate.objects.create(category=a, start=time(9), end=time(12), capacity=1, for_holidays=True)
    HolidayItem.objects.create(item_code="HOLIDAY-ITEM", name="不动产权证书补换发", category=a)
    return SimpleNamespace(dept=dept, w1=w1, w2=w2, a=a, b=b, clerk1=clerk1, clerk2=clerk2,
                           applicant=applicant, applicant2=applicant2)  # fmt: skip


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
