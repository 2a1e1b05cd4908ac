"""Demo data for the hall: departments, windows and the demo users of DESIGN.md (hall.yaml)."""

from pathlib import Path

import yaml
from django.db import transaction

from hall import services
from hall.demo import frontdesk
from hall.models import Department, StaffMembership, User, Window, WindowStaff

DATA = Path(__file__).with_name("hall.yaml")


@transaction.atomic
def seed(*, password: str, log) -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    services.ensure_role_groups()
    for order, row in enumerate(data["departments"]):
        Department.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "short_name": row.get("short_name", ""),
                "level": row["level"],
                "parent": Department.objects.get(code=row["parent"]) if row.get("parent") else None,
                "phone": row.get("phone", ""),
                "address": row.get("address", ""),
                "sort_order": order * 10,
            },
        )
    for row in data["windows"]:
        Window.objects.update_or_create(
            number=row["number"],
            defaults={
                "name": row["name"],
                "department": Department.objects.get(code=row["department"]),
                "location": row.get("location", ""),
                "is_comprehensive": row.get("comprehensive", False),
            },
        )
    for row in data["users"]:
        user, _ = User.objects.get_or_create(username=row["username"])
        user.real_name, user.phone = row["real_name"], row.get("phone", "")
        user.id_number = row.get("id_number", "")
        user.email = row.get("email", f"{row['username']}@hall.local")
        user.is_staff = row.get("staff", False) or row.get("superuser", False)
        user.is_superuser = row.get("superuser", False)
        user.set_password(password)
        user.save()
        for role, department_code in row["roles"]:
            department = Department.objects.get(code=department_code) if department_code else None
            services.grant_role(user=user, role=role, department=department)
        for number, position in row.get("windows", []):
            WindowStaff.objects.update_or_create(
                window=Window.objects.get(number=number), user=user, defaults={"position": position}
            )
        Window.objects.filter(number__in=row.get("chief_of", [])).update(chief_representative=user)
    frontdesk.seed(log=log)
    log(
        f"hall: {Department.objects.count()} departments, {Window.objects.count()} windows, "
        f"{len(data['users'])} demo users, {StaffMembership.objects.count()} staff roles"
    )
