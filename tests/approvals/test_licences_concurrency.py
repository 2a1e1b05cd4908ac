"""Licence numbers under concurrency (issue 18): one atomic counter statement per number (its own module:
a transactional test cannot share the module-scoped demo transaction)."""

import threading

import pytest
from django.db import connection, transaction

from approvals import licences


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_share_a_number():
    """Eight transactions taking numbers of one type at once: all different, none skipped."""
    numbers, errors = [], []

    def take():
        try:
            for _ in range(5):
                with transaction.atomic():
                    numbers.append(licences.licence_number("RACE", 2026))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    values = sorted(int(number[-6:]) for number in numbers)
    assert values == list(range(values[0], values[0] + 40))  # all different, none skipped
