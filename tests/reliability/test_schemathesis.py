"""schemathesis over the whole OpenAPI schema, in-process (WSGI), as four callers (issue 12, point 7).

Every operation of ``/api/schema/`` is called with positive and negative data generated from the
schema, anonymously and with the tokens of an applicant, a window clerk and a supervisor, against the
demo hall with its cases in every state (so case numbers in paths are real half of the time). Each
response must be:

- not a 5xx (``not_a_server_error``);
- conformant: a documented status code, content type and body (``status_code_conformance``,
  ``content_type_conformance``, ``response_schema_conformance``);
- a refusal (4xx) of data the schema calls invalid (``negative_data_rejection``);
- for every 4xx with a body, the error shape ``{"error", "detail", "fields"}`` (DESIGN.md, API).

Bounded for CI: ``SCHEMATHESIS_EXAMPLES`` examples per operation, role and generation mode (default 8),
and a per-example deadline. A longer run (docs/reliability.md)::

    SCHEMATHESIS_EXAMPLES=100 DATABASE_URL=... .venv/bin/pytest tests/reliability/test_schemathesis.py -s

Failures are collected, not shrunk, and reported together with a curl line to reproduce each.
"""

import json
import os
import time
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

import approvals.demo
import catalog.demo
import hall.demo
from approvals.models import Application
from hall.models import User
from hall.wsgi import application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
DEADLINE_MS = int(os.environ.get("SCHEMATHESIS_DEADLINE_MS", "5000"))
ROLES = (None, "applicant", "clerk", "supervisor")


def error_shape(ctx, response, case):
    """Every 4xx with a body is the hall's JSON error ``{"error": code, "detail": message, "fields": {}}``."""
    if not 400 <= response.status_code < 500 or not response.content:
        return True
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from None
    ok = (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("detail"), str)
        and isinstance(body.get("fields"), dict)
    )
    assert ok, f"{response.status_code} body is not the error shape: {str(body)[:300]}"
    return True


def _first_line(failure) -> str:
    message = getattr(failure, "message", None) or str(failure)
    return next((line.strip() for line in message.splitlines() if line.strip()), "")[:160]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    error_shape,
]


@pytest.fixture
def hall_api(db, settings, tmp_path):
    """The demo hall, catalog and cases; tokens of the three roles; throttles out of the way."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ALLOWED_HOSTS = ["*"]
    hall.demo.seed(password="x" * 8, log=lambda message: None)
    catalog.demo.seed(password="x" * 8, log=lambda message: None)
    approvals.demo.seed(password="x" * 8, log=lambda message: None)
    cache.clear()
    # Throttles answer 429 (documented, checked elsewhere); here they would only starve the run.
    rates = {scope: "1000000/min" for scope in SimpleRateThrottle.THROTTLE_RATES}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    tokens = {name: Token.objects.get_or_create(user=User.objects.get(username=name))[0].key for name in ROLES if name}
    numbers = {
        "applicant": list(Application.objects.filter(owner__username="applicant").values_list("number", flat=True)),
        "clerk": list(Application.objects.filter(department__code="ZRZYJ").values_list("number", flat=True)[:20]),
        "supervisor": list(Application.objects.values_list("number", flat=True)[:20]),
        None: list(Application.objects.values_list("number", flat=True)[:5]),
    }
    # As django.test.Client does: the test's transaction is the app's, so requests must not close it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application), tokens, numbers
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        SimpleRateThrottle.THROTTLE_RATES = original


def test_every_operation_answers_as_its_schema_says_for_every_role(hall_api):
    schema, tokens, numbers = hall_api
    calls, statuses, kinds, failures, unsatisfiable = Counter(), Counter(), Counter(), [], []
    started = time.monotonic()

    def explore(operation, role, mode):
        headers = {"Authorization": f"Token {tokens[role]}"} if role else {}
        real = st.sampled_from(numbers[role]) if numbers[role] else st.none()

        @settings(
            max_examples=EXAMPLES,
            deadline=DEADLINE_MS,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,  # the same examples every run: a CI result is reproducible
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), number=st.one_of(st.none(), real))
        def run(case, number):
            if number and "number" in (case.path_parameters or {}):
                case.path_parameters["number"] = number
            response = case.call(headers=headers)
            calls[operation.label] += 1
            statuses[response.status_code // 100] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup
                for failure in getattr(exc, "exceptions", [exc]):
                    where = f"{operation.label} [{role or 'anonymous'}, {mode.value}]"
                    kinds[f"{operation.label}: {getattr(failure, 'title', 'error shape')}: {_first_line(failure)}"] += 1
                    failures.append(f"{where}: {str(failure)[:800]}\n{case.as_curl_command(headers=headers)}")

        try:
            run()
        except Unsatisfiable:  # nothing in this operation can be made invalid (no parameters, no body)
            unsatisfiable.append(f"{operation.label} ({mode.value})")

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for role in ROLES:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                explore(operation, role, mode)

    total = sum(calls.values())
    print(
        f"\nschemathesis: {total} requests over {len(operations)} operations × {len(ROLES)} callers in "
        f"{time.monotonic() - started:.0f} s; by class {dict(sorted(statuses.items()))}; {len(failures)} failures; "
        f"nothing invalid to generate for: {', '.join(sorted(set(unsatisfiable))) or 'none'}"
    )
    summary = "\n".join(f"{count:4d} × {kind}" for kind, count in kinds.most_common())
    assert not failures, f"{len(failures)} failures:\n{summary}\n\nFirst ones:\n\n" + "\n\n".join(failures[:10])
