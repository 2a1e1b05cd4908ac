"""factory-boy factories shared by the tests."""

import factory
from django.contrib.auth.models import Group

from hall.models import Department, StaffMembership, User, Window

PASSWORD = "correct horse 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=role)[0])
        if create:
            self.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    department = factory.SubFactory(DepartmentFactory)
    number = factory.Sequence(lambda n: f"W{n:02d}")
    name = "测试窗口"


def staff(username: str, role: str, department: Department) -> User:
    """A staff user with a role (group) and membership in a department."""
    user = UserFactory(username=username, roles=[role])
    StaffMembership.objects.get_or_create(user=user, department=department, role=role)
    return user
