"""The database connection dropped in the middle of a transition: a clean 503 (JSON for the API, a page
for the workbench), and nothing half-written — the transition's state, event, notice and outbox rows
all roll back together (issue 12: outage tests)."""

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from approvals import notices
from approvals.models import Application, Event, Notice
from hall.models import OutboxMessage
from tests.approvals import helpers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return helpers.load_demo()


def drop_the_connection_after_the_event(monkeypatch):
    """Terminate this request's own database session right after the Event is written (from a second
    connection, as a DBA or a failover would), so the rest of the transaction hits a dead socket."""
    issue = notices.issue

    def issue_then_lose_the_database(case, kind, **kwargs):
        pid = connection.connection.info.backend_pid
        with connections.create_connection("default").cursor() as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return issue(case, kind, **kwargs)

    monkeypatch.setattr(notices, "issue", issue_then_lose_the_database)


def test_an_api_transition_losing_its_connection_answers_503_and_writes_nothing(people, monkeypatch):
    case = helpers.submitted_case(people)
    events, outbox_rows = Event.objects.count(), OutboxMessage.objects.count()
    drop_the_connection_after_the_event(monkeypatch)
    api = APIClient()
    api.force_authenticate(people.clerk)
    response = api.post(f"/api/v1/applications/{case.number}/transitions/accept", {}, format="json")
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable" and response["Retry-After"]
    connection.close()  # the next query reconnects, as the next request would
    assert Application.objects.get(pk=case.pk).state == "submitted"
    assert (Event.objects.count(), OutboxMessage.objects.count()) == (events, outbox_rows)
    assert not Notice.objects.filter(application=case).exists()
    monkeypatch.undo()
    response = api.post(f"/api/v1/applications/{case.number}/transitions/accept", {}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "accepted"  # the retry works


def test_a_workbench_action_losing_its_connection_shows_a_page_not_a_500(people, client, monkeypatch):
    case = helpers.submitted_case(people)
    client.force_login(people.clerk)
    drop_the_connection_after_the_event(monkeypatch)
    response = client.post(f"/workbench/cases/{case.number}/act/accept/")
    assert response.status_code == 503 and "暂时无法办理" in response.content.decode()
    connection.close()
    assert Application.objects.get(pk=case.pk).state == "submitted"
