"""Concurrent writers of one audit chain (issue 12, point 6): the chain head's row lock makes them
queue, so the chain never forks. Its own module: it commits, which the shared demo transaction of
test_audit_chain.py would block."""

import threading

import pytest
from django.db import connection, transaction

from hall import audit
from hall.chain_verify import verify
from hall.models import AuditEntry


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_one_chain_keep_one_chain():
    """8 threads × 10 audit entries of the same day, each entry in its own transaction held open a
    moment after the insert: all 80 rows form one chain (no fork), and verify_audit agrees."""
    threads_count, per_thread = 8, 10
    start = threading.Barrier(threads_count)
    errors = []

    def writer(n):
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record("test.concurrent", f"writer {n} entry {i}")
                    connection.cursor().execute("SELECT pg_sleep(0.005)")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(AuditEntry.objects.filter(action="test.concurrent").order_by("id").values_list("prev_hash", "row_hash"))
    assert len(rows) == threads_count * per_thread
    prevs = [prev for prev, _ in rows]
    assert len(set(prevs)) == len(prevs)  # no two rows claim the same predecessor: no fork
    assert all(prev == before for (prev, _), (_, before) in zip(rows[1:], rows[:-1], strict=True))
    report = verify()
    assert report.broken is None and report.counts["audit"]["rows"] == threads_count * per_thread
