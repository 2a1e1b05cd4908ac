"""The project's URLs plus ``/bench/raw/<name>``: a bare view that replays, through a raw psycopg2
cursor, the SQL text a page ran (captured by ``bench/supervision.py`` and written to the JSON file
named by ``BENCH_RAW_SQL``) and answers a tiny JSON — the baseline served by the same gunicorn."""

import json
import os
from functools import cache

from django.db import connection
from django.http import Http404, JsonResponse
from django.urls import path

from hall.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


@cache
def _statements() -> dict[str, list[str]]:
    return json.loads(open(os.environ["BENCH_RAW_SQL"], encoding="utf-8").read())


def raw(request, name: str):
    statements = _statements().get(name)
    if statements is None:
        raise Http404(name)
    rows = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg2's own cursor: no Django wrapper, no ORM
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                rows += len(cursor.fetchall())
    return JsonResponse({"statements": len(statements), "rows": rows})


urlpatterns = [path("bench/raw/<str:name>", raw), *urlpatterns]
