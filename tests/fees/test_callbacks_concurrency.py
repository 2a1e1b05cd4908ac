"""Two notifications racing (issue 15, point 4), PostgreSQL and threads. Their own module: they commit,
which the shared demo transaction of test_callbacks.py would block."""

import threading

import pytest
from django.db import connections

from fees.models import Payment, PaymentAnomaly
from tests.approvals.helpers import load_demo
from tests.fees.helpers import assessed_case
from tests.fees.test_callbacks import body_for, post


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_callbacks_with_the_same_transaction_id_book_one_payment(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    people = load_demo()
    _case, assessment = assessed_case(people)
    body = body_for(assessment.payment_code, paid_at=assessment.assessed_at.isoformat())
    barrier, answers = threading.Barrier(4), []

    def deliver():
        try:
            barrier.wait()
            answers.append(post(body).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 200, 200, 201]
    assert Payment.objects.filter(transaction_id="SIM-1").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_callbacks_with_one_transaction_id_on_two_codes_book_one(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    people = load_demo()
    _a, first = assessed_case(people)
    _b, second = assessed_case(people)
    bodies = [body_for(a.payment_code, paid_at=a.assessed_at.isoformat()) for a in (first, second)]
    barrier, answers = threading.Barrier(2), []

    def deliver(body):
        try:
            barrier.wait()
            answers.append(post(body).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 400]
    assert Payment.objects.count() == 1 and PaymentAnomaly.objects.get().reason == "txn_reused"
