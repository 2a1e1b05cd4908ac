"""Query-count checks for lists (issue 22): a list's statements do not grow with its rows."""

import os
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(call: Callable[[], object]) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), result


def assert_flat(call: Callable[[], object], grow: Callable[[], object], rows: Callable[[object], int]) -> tuple:
    """Warm ``call`` once (per-request caches), count its statements, ``grow`` the data, count again: at least
    three times the rows, not more statements. Answers ``(few, many)`` statement counts."""
    call()
    few, first = queries_of(call)
    grow()
    many, second = queries_of(call)
    assert rows(second) >= 3 * max(rows(first), 1), (rows(first), rows(second))
    assert many <= few, (few, many)
    if log := os.environ.get("QUERYCOUNT_LOG"):  # the figures of docs/PERFORMANCE.md
        with open(log, "a", encoding="utf-8") as out:
            test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
            out.write(f"{test}\t{rows(first)}\t{few}\t{rows(second)}\t{many}\n")
    return few, many
