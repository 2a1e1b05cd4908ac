"""The project's URLs plus the bench's baselines — bare views served by the same gunicorn as the pages
they are compared with, never part of the app's URLs (``hall/urls.py``):

- ``/bench/hello``: a plain ``HttpResponse`` (``bench/http.py``);
- ``/bench/row/<pk>``: one ``Application`` row by primary key through the ORM, a tiny JSON (``bench/http.py``);
- ``/bench/insert`` (POST): one row into the bench-only table ``bench_http_insert`` (created by
  ``bench/http.py`` in its own database) inside a transaction, a tiny JSON;
- ``/bench/raw/<name>``: replays, through a raw psycopg2 cursor, the SQL text a page ran (captured by
  ``bench/supervision.py`` and written to the JSON file named by ``BENCH_RAW_SQL``), a tiny JSON."""

import json
import os
from functools import cache

from django.db import connection, transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

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


def hello(request):
    return HttpResponse("hello")


def row(request, pk: int):
    from approvals.models import Application

    number, state = Application.objects.values_list("number", "state").get(pk=pk)
    return JsonResponse({"number": number, "state": state})


@csrf_exempt
@require_POST
def insert(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_http_insert (note) VALUES (%s) RETURNING id", ["bench"])
        (pk,) = cursor.fetchone()
    return JsonResponse({"id": pk}, status=201)


urlpatterns = [
    path("bench/raw/<str:name>", raw),
    path("bench/hello", hello),
    path("bench/row/<int:pk>", row),
    path("bench/insert", insert),
    *urlpatterns,
]
