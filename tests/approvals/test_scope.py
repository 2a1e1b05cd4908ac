"""Who sees and who acts (DESIGN.md, Permissions), through the service layer.

Outside one's scope a case does not exist (404, never 403: no enumeration); inside it, a role that
may not perform the action gets 403.
"""

import pytest
from django.core.exceptions import ValidationError

from approvals import services
from approvals.models import Application
from approvals.scope import case_for, visible_cases
from hall import services as hall_services
from hall.errors import NotPermitted, OutsideScope
from tests.approvals import helpers
from tests.approvals.helpers import act, case_in, reload


def test_another_applicant_is_told_the_case_does_not_exist(people):
    draft = case_in("draft", people)
    submitted = case_in("submitted", people)
    stranger = people.applicant2
    assert not visible_cases(stranger).filter(pk__in=[draft.pk, submitted.pk]).exists()
    with pytest.raises(OutsideScope) as hidden:
        case_for(stranger, submitted.number)
    assert hidden.value.status_code == 404
    for action in ("submit", "withdraw"):
        with pytest.raises(OutsideScope):
            act(action, draft, people, by=stranger)
    with pytest.raises(OutsideScope):
        helpers.upload(draft, stranger, helpers.required_materials(draft)[0])
    assert reload(draft).state == "draft" and draft.materials.filter(uploaded_by=stranger).count() == 0


def test_a_clerk_of_another_department_is_told_the_case_does_not_exist(people):
    case = case_in("submitted", people)
    assert not visible_cases(people.clerk2).filter(pk=case.pk).exists()
    for action in ("accept", "request_correction", "reject_intake"):
        with pytest.raises(OutsideScope):
            act(action, case, people, by=people.clerk2)
    assert reload(case).state == "submitted"


def test_staff_of_the_department_may_only_perform_their_own_roles_actions(people):
    submitted, under_review = case_in("submitted", people), case_in("under_review", people)
    refused = [
        (submitted, "accept", people.reviewer),
        (submitted, "accept", people.approver),
        (submitted, "accept", people.cashier),
        (submitted, "withdraw", people.clerk),
        (under_review, "approve", people.reviewer),
        (under_review, "approve", people.clerk),
        (under_review, "extend", people.reviewer),
        (under_review, "suspend", people.approver),
        (under_review, "terminate", people.clerk),
    ]
    for case, action, by in refused:
        with pytest.raises(NotPermitted) as forbidden:
            act(action, case, people, by=by)
        assert forbidden.value.status_code == 403, (action, by.username)
    assert (reload(submitted).state, reload(under_review).state) == ("submitted", "under_review")


def test_the_supervisor_sees_every_case_but_cannot_move_any(people):
    ours = {state: case_in(state, people) for state in ("draft", "submitted", "under_review", "suspended", "decided")}
    elsewhere = helpers.submitted_case(people, code="SCJGJ-XK-0001")
    assert elsewhere.department.code == "SCJGJ"
    assert set(visible_cases(people.supervisor)) >= {*ours.values(), elsewhere}
    assert visible_cases(people.supervisor).count() == Application.objects.count()
    for case in (*ours.values(), elsewhere):
        for action in helpers.ACTORS:
            with pytest.raises(NotPermitted):
                act(action, case, people, by=people.supervisor)
            assert reload(case).state == case.state, action
    with pytest.raises(NotPermitted):
        helpers.upload(ours["draft"], people.supervisor, helpers.required_materials(ours["draft"])[0])


def test_an_agent_sees_only_the_cases_it_filed(people):
    with pytest.raises(ValidationError) as no_authorisation:
        helpers.file_case(people.agent, agent={})
    assert "agent" in no_authorisation.value.message_dict  # art. 29: the principal's authorisation
    filed = helpers.file_case(people.agent, applicant=helpers.COMPANY)
    filed = services.submit_application(case_id=filed.pk, by=people.agent)
    assert filed.agent_authorisation == "授权委托书 2026-001"
    assert filed.events.get(action="submit").actor_role == "agent"
    someone_elses = case_in("submitted", people)
    assert list(visible_cases(people.agent)) == [filed]
    assert filed not in visible_cases(people.applicant)
    with pytest.raises(OutsideScope):
        services.withdraw_application(case_id=someone_elses.pk, by=people.agent)


def test_new_work_goes_to_the_backup_clerk_while_the_primary_is_away(people):
    """服务AB角: at window B01 陈静 (clerk) is A and 黄丽 (clerk_b) is B (hall/demo/hall.yaml)."""
    assert helpers.submitted_case(people).handler == people.clerk
    hall_services.set_absent(user=people.clerk, absent=True, by=people.supervisor)
    routed = helpers.submitted_case(people)
    assert routed.handler == people.clerk_b
    accepted = services.accept_application(case_id=routed.pk, by=people.clerk_b)
    assert accepted.accepted_by == accepted.handler == people.clerk_b  # 首办负责: the accepting clerk stays
    hall_services.set_absent(user=people.clerk, absent=False, by=people.supervisor)
    assert helpers.submitted_case(people).handler == people.clerk


def test_may_see_agrees_with_the_scope_query_for_every_kind_of_viewer(people):
    """``may_see`` (issue 22: one case read by its key) answers as ``visible_cases`` does: the filer, the
    department's staff, a supervisor, a grant (guardian) — and nobody else."""
    from guardian.shortcuts import assign_perm

    from approvals.scope import case_id_for, may_see

    case = case_in("submitted", people)
    viewers = [people.applicant, people.clerk, people.clerk2, people.reviewer, people.approver]
    viewers += [people.supervisor, people.agent]
    for user in viewers:
        expected = visible_cases(user).filter(pk=case.pk).exists()
        assert may_see(user, case) is expected, user
        if not expected:
            with pytest.raises(OutsideScope):
                case_id_for(user, case.number)
    assert not may_see(people.clerk2, case)
    assign_perm("approvals.view_application", people.clerk2, case)  # a co-department grant
    clerk2 = helpers.fresh(people.clerk2)
    assert may_see(clerk2, case) and case_id_for(clerk2, case.number) == case.pk


def test_the_compiled_scope_selects_what_its_conditions_select_at_the_top_and_inside_a_subquery(people):
    """``visible_cases`` filters with the scope compiled once per (user, departments) (issue 22): the same
    rows as the scope's ``Q``, also where the case table is aliased (used as a subquery), and a grant
    made after it was compiled still counts (grants are a subquery, not part of the cache key)."""
    from guardian.shortcuts import assign_perm

    from approvals.scope import _scope_q, department_ids
    from hall.roles import Role

    ours, theirs = case_in("submitted", people), case_in("submitted", people)
    theirs_owner = people.applicant2
    Application.objects.filter(pk=theirs.pk).update(owner=theirs_owner, filed_by=theirs_owner)
    for user in (people.clerk, people.clerk2, people.applicant, theirs_owner):
        user = helpers.fresh(user)
        departments = tuple(department_ids(user))
        by_q = set(Application.objects.filter(
            _scope_q(user.pk, departments, tuple(department_ids(user, roles=(Role.CLERK,))))
        ).values_list("pk", flat=True))  # fmt: skip
        assert set(visible_cases(user).values_list("pk", flat=True)) == by_q, user
        nested = Application.objects.filter(pk__in=visible_cases(user).values("pk"))
        assert set(nested.values_list("pk", flat=True)) == by_q, user
    assert not visible_cases(people.clerk2).filter(pk=ours.pk).exists()
    assign_perm("approvals.view_application", people.clerk2, ours)
    assert visible_cases(helpers.fresh(people.clerk2)).filter(pk=ours.pk).exists()


def test_roles_and_memberships_are_read_in_one_statement_as_the_orm_reads_them(people):
    """``User._access`` (issue 22: written as SQL) answers what the groups and memberships say."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hall.models import StaffMembership, User

    for username in ("applicant", "clerk", "reviewer", "approver", "supervisor", "agent"):
        user = User.objects.get(username=username)
        with CaptureQueriesContext(connection) as queries:
            names, by_role = user.role_names, user.memberships_by_role
            assert user.has_role(next(iter(names), "")) and user.memberships_by_role is by_role
        assert len(queries) == 1, username
        assert names == set(user.groups.values_list("name", flat=True)), username
        expected = {}
        for role, department_id in StaffMembership.objects.filter(user=user).values_list("role", "department_id"):
            expected.setdefault(role, set()).add(department_id)
        assert by_role == expected, username
    assert User().role_names == frozenset()  # an unsaved user: nothing


def test_the_locked_read_is_the_orm_s_read_compiled_once(people):
    """``scope.locked_case`` (issue 22: compiled once per process, ``hall.prepared``): every column of the
    case, its item version and its department as the queryset reads them, row-locked by the same SQL."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from approvals.scope import locked_case

    def columns(obj) -> dict:
        return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}

    orm = Application.objects.select_related("item_version", "department").select_for_update(of=("self",))
    for state in ("submitted", "draft"):
        case = case_in(state, people)
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                locked = locked_case(people.clerk if state == "submitted" else people.applicant, case.pk)
            with CaptureQueriesContext(connection) as expected_sql:
                (expected,) = orm.filter(pk=case.pk).order_by()[:1]
        assert queries[0]["sql"] == expected_sql[0]["sql"] and len(expected_sql) == 1  # then the roles, once
        assert columns(locked) == columns(expected)
        assert columns(locked.item_version) == columns(expected.item_version)
        assert columns(locked.department) == columns(expected.department)
    with pytest.raises(OutsideScope):
        locked_case(people.clerk, 0)
