"""``hall.prepared.OneRow`` (issue 22): a one-row read compiled once per process answers exactly what the
queryset answers — the same SQL, the same instances with their related objects, None for no row — and
refuses what Django refuses."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from hall.models import User
from hall.prepared import OneRow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_same_sql_and_the_same_instances_as_the_queryset():
    tokens = [Token.objects.create(user=UserFactory(username=f"u{n}", real_name=f"用户{n}")) for n in range(3)]
    build = lambda key: Token.objects.select_related("user").filter(key=key)  # noqa: E731
    read = OneRow(build)
    for token in tokens:  # the first compiles, the others reuse
        with CaptureQueriesContext(connection) as queries:
            found = read.get(token.key)
        expected = build(token.key).order_by()[:1].get()
        with CaptureQueriesContext(connection) as orm:
            list(build(token.key).order_by()[:1])
        assert [q["sql"] for q in queries] == [q["sql"] for q in orm]
        assert _fields(found) == _fields(expected) and not found._state.adding and found._state.db == "default"
        with CaptureQueriesContext(connection) as more:
            assert _fields(found.user) == _fields(expected.user) and found.user.real_name == token.user.real_name
        assert len(more) == 0  # the user came joined, as select_related brings it
    assert read.get("no-such-key") is None


def test_deferred_columns_stay_deferred():
    user = UserFactory(username="li", real_name="李四")
    read = OneRow(lambda username: User.objects.filter(username=username).only("real_name"))
    for _ in range(2):
        found = read.get("li")
        assert found.pk == user.pk and found.real_name == "李四"
        assert found.get_deferred_fields() == User.objects.only("real_name").get(pk=user.pk).get_deferred_fields()


@pytest.mark.postgres  # SQLite has no FOR UPDATE: nothing to refuse
@pytest.mark.django_db(transaction=True)
def test_a_locking_read_outside_a_transaction_is_refused_as_django_refuses_it():
    user = UserFactory(username="wang")
    read = OneRow(lambda pk: User.objects.select_for_update().filter(pk=pk))
    with transaction.atomic():
        assert read.get(user.pk) == user  # compiled here
    with pytest.raises(TransactionManagementError):
        read.get(user.pk)
    with pytest.raises(TransactionManagementError):
        list(User.objects.select_for_update().filter(pk=user.pk))


def test_a_statement_that_depends_on_more_than_the_values_is_not_kept_and_the_queryset_reads():
    user = UserFactory(username="li", real_name="李四")
    constant = OneRow(lambda username: User.objects.filter(username=username, real_name="李四"))
    # one filter call sorts its keywords: real_name's parameter comes first
    swapped = OneRow(lambda username, real_name: User.objects.filter(username=username, real_name=real_name))
    converted = OneRow(lambda pk: User.objects.filter(pk=pk))  # Django converts "12" to 12
    for _ in range(2):
        assert constant.get("li") == user and not constant.kept()
        assert swapped.get("li", "李四") == user and not swapped.kept()
        assert converted.get(str(user.pk)) == user and not converted.kept()
    chained = OneRow(lambda username, real_name: User.objects.filter(username=username).filter(real_name=real_name))
    assert chained.get("li", "李四") == user and chained.kept()


@pytest.mark.postgres
def test_the_hot_reads_are_kept_on_postgresql():
    """Each read of the hot paths passes its values unconverted, in order: PostgreSQL runs the kept SQL."""
    from approvals import frontdesk, notices, scope
    from hall import authentication
    from hall.frontdesk.models import Ticket

    with transaction.atomic():
        scope._LOCKED_CASE.get(0)
    scope._CASE_BY_NUMBER.get("ZRZYJ-20260101-0001")
    authentication._TOKEN.get("0" * 40)
    frontdesk._CALLED_TICKET.get(date(2026, 1, 5), Ticket.State.CALLED, 0)
    notices._ISSUED.get(0, "acceptance", 1)
    reads = [scope._LOCKED_CASE, scope._CASE_BY_NUMBER, authentication._TOKEN, frontdesk._CALLED_TICKET,
             notices._ISSUED]  # fmt: skip
    assert [read.kept() for read in reads] == [True] * len(reads)


def test_values_that_would_compile_otherwise_are_read_by_the_queryset():
    user = UserFactory(username="li", real_name="")
    read = OneRow(lambda username, email: User.objects.filter(username=username).filter(email=email))
    assert read.get("li", user.email) == user  # compiled: "email" = %s
    with CaptureQueriesContext(connection) as queries:
        assert read.get("li", None) is None  # IS NULL, not = NULL
    assert "IS NULL" in queries[0]["sql"]
    by_pk = OneRow(lambda pk: User.objects.filter(pk=pk))
    assert by_pk.get(user.pk) == user
    assert by_pk.get(str(user.pk)) == user  # another type than the first: Django converts it


def test_each_thread_compiles_its_own():
    """The compiler and converters belong to the thread's connection."""
    user = UserFactory(username="zhao")
    read = OneRow(lambda pk: User.objects.filter(pk=pk))
    assert read.get(user.pk) == user
    seen = []
    worker = threading.Thread(target=lambda: seen.append(read.kept()))
    worker.start()
    worker.join()
    assert seen == [False] and read.kept()
