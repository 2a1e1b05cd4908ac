"""After each transition the applicant (and the handling clerk) are told: the transition writes outbox
rows, run after commit (inbox, then email/SMS). A failing notification never undoes the transition
and is retried, never lost."""

import pytest

from approvals.models import State
from hall import outbox
from hall.models import Notification, OutboxMessage
from tests.approvals import helpers
from tests.approvals.helpers import act, at, case_in, reload


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with helpers.frozen(at(2026, 9, 30)):
        yield helpers.demo_people()


def titles(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def test_applicant_is_told_of_each_step_and_the_clerk_of_new_work(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = case_in("submitted", people)
    assert any(t.startswith("新办件待受理") for t in titles(case.handler))
    with django_capture_on_commit_callbacks(execute=True):
        case = act("request_correction", case, people)
    note = Notification.objects.filter(user=people.applicant, kind="correction").get()
    notice = case.correction_notices.get()
    for item in notice.items.select_related("requirement"):
        assert item.requirement.name in note.body and item.reason in note.body
    with django_capture_on_commit_callbacks(execute=True):
        case = case_in("under_review", people)
        for action in ("suspend", "resume", "extend", "recommend", "approve", "deliver"):
            case = act(action, case, people)
    kinds = set(Notification.objects.filter(user=people.applicant).values_list("kind", flat=True))
    # Nobody is told of their own action: the applicant who submits gets no "submitted" message.
    assert {"correction", "accepted", "special_procedure", "extended", "decided", "delivered"} <= kinds
    extended = Notification.objects.filter(user=people.applicant, kind="extended").last()
    assert "现场核查" in extended.body  # the reason is told (art. 42)


def test_a_broken_notification_does_not_undo_the_transition(people, django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail system down")

    monkeypatch.setattr("approvals.notifications.send_for_event", broken)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_in("accepted", people)
    assert reload(case).state == State.ACCEPTED
    # the messages wait in the outbox with the error, to be retried — not lost
    failed = OutboxMessage.objects.filter(handler="approvals.notifications.send_for_event", done_at__isnull=True)
    assert failed.count() == 2 and all("mail system down" in m.last_error for m in failed)  # submit, accept
    monkeypatch.undo()
    with helpers.frozen(at(2026, 9, 30, 12)):
        assert outbox.drain() == 6  # the two messages, then the email and SMS they send
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()
    assert Notification.objects.filter(user=people.applicant, kind="accepted").exists()
