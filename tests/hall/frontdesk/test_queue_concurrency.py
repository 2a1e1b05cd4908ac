"""Kiosks and windows racing (PostgreSQL, threads): numbers never repeat, a ticket is called once.
Their own module: the threads commit, which a test transaction would hide from them."""

import threading

import pytest
from django.db import connections

from hall.frontdesk import queue
from hall.frontdesk.models import Ticket
from tests.hall.frontdesk.helpers import at, frozen, small_hall

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers: int, work) -> list:
    barrier, results, errors = threading.Barrier(workers), [], []

    def run(index):
        try:
            barrier.wait()
            results.extend(work(index))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_concurrent_kiosks_never_issue_the_same_number():
    with frozen(at(2026, 9, 30, 9, 0), tick=True):
        h = small_hall()
        numbers = race(8, lambda i: [queue.issue_ticket(category_code=h.a.code).number for _ in range(15)])
    assert len(numbers) == 120
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 121)]
    assert Ticket.objects.filter(category=h.a).values("seq").distinct().count() == 120


def test_two_windows_calling_at_once_never_take_the_same_ticket():
    with frozen(at(2026, 9, 30, 9, 0), tick=True):
        h = small_hall()
        for _ in range(20):
            queue.issue_ticket(category_code=h.a.code)
        # W1 closed: W2 backs category A up, so both windows draw from the same queue
        from hall.frontdesk.models import CategoryWindow

        CategoryWindow.objects.filter(window=h.w2).update(role=CategoryWindow.Role.PRIMARY)
        clerks = {0: ("W1", h.clerk1), 1: ("W2", h.clerk2)}

        def calls(index):
            window, clerk = clerks[index]
            taken = []
            while (ticket := queue.call_next(window_code=window, by=clerk)) is not None:
                taken.append(ticket.number)
            return taken

        numbers = race(2, calls)
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 21)]
