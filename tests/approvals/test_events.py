"""The audit trail (DESIGN.md, workflow): every transition writes one append-only Event — who, in which
role, from which state to which, why, from which address — and on PostgreSQL nobody can change it."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from approvals.models import Event
from hall.errors import TransitionNotAllowed
from tests.approvals import helpers
from tests.approvals.helpers import ACTORS, act, at, frozen

# The reason each action records, as helpers.act sends it (empty where none is asked for).
REASONS = {
    "withdraw": "不办了", "request_correction": "材料不全", "reject_intake": "不属于本机关职权范围",
    "suspend": "需专家评审", "extend": "现场核查", "approve": "符合条件", "deny": "不符合规划",
    "recommend": "材料齐全，符合法定条件，建议准予", "return_for_review": "请补充现场核查记录",
    "terminate": "申请单位已注销",
}  # fmt: skip
JOURNEYS = [
    ["submit", "request_correction", "resubmit", "accept", "start_review", "suspend", "resume", "extend", "recommend",
     "approve", "deliver"],
    ["submit", "reject_intake"],
    ["withdraw"],
    ["submit", "accept", "terminate"],
    ["submit", "accept", "start_review", "recommend", "deny"],
]  # fmt: skip


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with frozen(at(2026, 9, 30, 9)):
        yield helpers.demo_people()


def test_every_transition_writes_exactly_one_event_with_actor_role_states_reason_and_ip(people):
    step = 0
    for journey in JOURNEYS:
        case = helpers.file_case(people.applicant)
        created = case.events.get()
        assert (created.action, created.from_state, created.to_state, created.actor) == (
            "create", "", "draft", people.applicant,
        )  # fmt: skip
        for action in journey:
            step += 1
            with frozen(at(2026, 10, 8, 9) + timedelta(minutes=step)):
                if action == "resubmit":
                    for item in case.correction_notices.get().items.all():
                        helpers.upload(case, people.applicant, item.requirement_id)
                before, known = case.state, set(case.events.values_list("pk", flat=True))
                ip = f"198.51.100.{step}"
                case = act(action, case, people, ip=ip)
            [event] = case.events.exclude(pk__in=known)
            assert (event.action, event.from_state, event.to_state) == (action, before, case.state)
            assert (event.actor, event.actor_role) == (getattr(people, ACTORS[action]), ACTORS[action]), action
            assert (event.reason, event.ip, event.at) == (
                REASONS.get(action, ""), ip, at(2026, 10, 8, 9) + timedelta(minutes=step),
            )  # fmt: skip
        assert list(case.events.values_list("action", flat=True)) == ["create", *journey]

    count = Event.objects.count()
    with pytest.raises(TransitionNotAllowed):
        act("approve", case, people, ip="198.51.100.99")
    assert Event.objects.count() == count  # a refused transition leaves no trace in the timeline


@pytest.mark.postgres
def test_events_cannot_be_changed_or_deleted_on_postgresql(people):
    case = helpers.case_in("accepted", people)
    timeline = list(Event.objects.values_list("pk", "action", "reason", "actor_id", "at"))
    event = case.events.get(action="accept")

    def save_an_edit():
        event.reason = "事后补写的理由"
        event.save()

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [case.pk])

        return run

    attempts = {
        "queryset update": lambda: Event.objects.update(reason="改写"),
        "queryset delete": lambda: Event.objects.filter(application=case).delete(),
        "instance save": save_an_edit,
        "raw UPDATE": raw("UPDATE approvals_event SET reason = 'x' WHERE application_id = %s"),
        "raw DELETE": raw("DELETE FROM approvals_event WHERE application_id = %s"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
        assert list(Event.objects.values_list("pk", "action", "reason", "actor_id", "at")) == timeline, name
