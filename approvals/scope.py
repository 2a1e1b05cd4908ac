"""Who may see and act on a case. Outside one's scope a case does not exist (404, never 403)."""

from functools import lru_cache

from django.db import router
from django.db.models import BooleanField, Expression, Q, QuerySet

from approvals.models import Application, ApplicationUserObjectPermission, BundleCase, Referral
from approvals.workflow import ROLE_NAMES, Step  # ROLE_NAMES: also the system's steps (秒批)
from catalog.models import ItemVersion
from hall.errors import NotPermitted, OutsideScope
from hall.models import User
from hall.prepared import OneRow
from hall.roles import DEPARTMENT_ROLES, Role


def department_ids(user: User, roles=DEPARTMENT_ROLES) -> list[int]:
    """The ids of the departments where ``user`` holds one of ``roles``, sorted (``User.memberships_by_role``:
    one query per request)."""
    held = user.memberships_by_role
    return sorted(set().union(*(held.get(role, ()) for role in roles)))


def visible_cases(user: User) -> QuerySet[Application]:
    """Applicants: their own cases (an agent: the cases it filed). Staff: their departments' cases,
    joint cases of their departments, and cases granted to them by object permission (guardian).
    Supervisors: every case (read only).

    Every part of a staff scope is a semi-join (``IN (subquery)``), never a join: no duplicate rows,
    so no ``DISTINCT``, and ``FOR UPDATE`` and index-ordered ``LIMIT`` keep working at a million cases.
    The user's department ids are literals read once per request (``department_ids``), and the condition
    is built and compiled once per process for each (user, departments) (``_scope``, issue 22).
    """
    cases = Application.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if user.has_role(Role.SUPERVISOR) or user.is_superuser:
        return cases
    departments = tuple(department_ids(user)) if user.role_names & set(DEPARTMENT_ROLES) else ()
    leading = tuple(department_ids(user, roles=(Role.CLERK,))) if departments else ()
    return cases.filter(_scope(user.pk, departments, leading, router.db_for_read(Application)))


def _scope_q(user_id: int, departments: tuple[int, ...], leading: tuple[int, ...]) -> Q:
    """The scope of a user who is not a supervisor: ``departments`` where they hold a staff role,
    ``leading`` where they are a clerk (一件事 bundles they accept)."""
    scope = Q(owner_id=user_id) | Q(filed_by_id=user_id)
    if departments:
        joint_versions = ItemVersion.joint_departments.through.objects.filter(department_id__in=departments)
        granted = ApplicationUserObjectPermission.objects.filter(user_id=user_id).values("content_object_id")
        scope |= Q(department_id__in=departments) | Q(item_version_id__in=joint_versions.values("itemversion_id"))
        scope |= Q(pk__in=granted)
        # 一件事: the lead department's clerks see the sub-cases of the bundles they accept (一窗受理).
        led = BundleCase.objects.filter(lead_department_id__in=leading)
        scope |= Q(bundle_id__in=led.values("pk"))
        # 上报件: the upper-level authority that decides it (approvals.authority)
        scope |= Q(pk__in=Referral.objects.filter(to_department_id__in=departments).values("application_id"))
    return scope


class CompiledCondition(Expression):
    """A condition on the case table compiled once (``_scope``): building the scope's ``Q`` and compiling
    its five subqueries cost more than running the list's SQL (issue 22). Its text names the case table
    by its table name; used inside a subquery (where the table is aliased ``U0`` …) it names that alias.
    Everything that varies between users is in the cache key: the rest of the scope (grants, joint
    versions, bundles, referrals) is subqueries the database evaluates on every run."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, sql: str, params: tuple):
        super().__init__()
        self.sql, self.params = sql, params

    def as_sql(self, compiler, connection):
        alias, table = compiler.query.base_table, Application._meta.db_table
        if alias == table:
            return f"({self.sql})", list(self.params)
        quoted = compiler.quote_name_unless_alias
        return f"({self.sql.replace(quoted(table) + '.', quoted(alias) + '.')})", list(self.params)


@lru_cache(maxsize=4096)
def _scope(user_id: int, departments: tuple[int, ...], leading: tuple[int, ...], using: str) -> CompiledCondition:
    query = Application.objects.filter(_scope_q(user_id, departments, leading)).query
    sql, params = query.get_compiler(using=using).compile(query.where)
    return CompiledCondition(sql, tuple(params))


def may_see(user: User, case: Application) -> bool:
    """``visible_cases(user)`` for one case already read: the common answers (the filer, the case's own
    department, a supervisor) from the case's columns and the user's memberships, the rest (joint,
    granted, bundle, referred cases) by one query. A hot path reads the case by its key and asks this,
    instead of building and planning the whole scope for one row (issue 22)."""
    if not user.is_authenticated:
        return False
    if user.pk in (case.owner_id, case.filed_by_id) or user.is_superuser or user.has_role(Role.SUPERVISOR):
        return True
    if not user.role_names & set(DEPARTMENT_ROLES):
        return False
    return case.department_id in department_ids(user) or visible_cases(user).filter(pk=case.pk).exists()


def case_for(user: User, number: str, queryset: QuerySet | None = None) -> Application:
    queryset = queryset if queryset is not None else visible_cases(user)
    case = queryset.filter(number=number).first()
    if case is None:
        raise OutsideScope("没有这个办件。")
    return case


# A transition's two reads of its case by key, compiled once per process (hall.prepared; issue 22): who may
# see the case by number, then the case row-locked with what every transition reads (the widest row).
_CASE_BY_NUMBER = OneRow(
    lambda number: Application.objects.filter(number=number).only("state", "owner_id", "filed_by_id", "department_id")
)
_LOCKED_CASE = OneRow(
    lambda pk: (
        Application.objects.select_related("item_version", "department").select_for_update(of=("self",)).filter(pk=pk)
    )
)


def case_id_for(user: User, number: str) -> int:
    """The id of the case ``number`` if ``user`` may see it (404 otherwise), from the columns that say so."""
    case = _CASE_BY_NUMBER.get(number)
    if case is None or not may_see(user, case):
        raise OutsideScope("没有这个办件。")
    return case.pk


def locked_case(user: User, case_id: int) -> Application:
    """The case row-locked (``SELECT … FOR UPDATE``) if ``user`` may see it (``may_see``); 404 otherwise.
    The item version and the department come joined (not locked): every transition reads them."""
    case = _LOCKED_CASE.get(case_id)
    if case is None or not may_see(user, case):
        raise OutsideScope("没有这个办件。")
    return case


def is_staff_of(user: User, case: Application, role: str) -> bool:
    if not user.has_role(role):
        return False
    if case.department_id in user.memberships_by_role.get(role, ()):
        return True
    if ApplicationUserObjectPermission.objects.filter(user=user, content_object=case).exists():
        return True
    if role == Role.CLERK and case.bundle_id is not None:  # 一件事: the lead window takes in and hands out
        clerk_of = user.memberships_by_role.get(role, ())  # (一窗受理、一窗出件)
        if BundleCase.objects.filter(pk=case.bundle_id, lead_department_id__in=clerk_of).exists():
            return True
    # A joint case's participating departments see it and act on their own task (approvals.joint), not
    # on the case: its transitions are the lead department's.
    return False


def filer_role(user: User, channel: str) -> str:
    """The role in which the filer of a case acts: the window clerk for a walk-in, else agent or applicant."""
    if channel == Application.Channel.WINDOW and user.has_role(Role.CLERK):
        return Role.CLERK
    return Role.AGENT if user.has_role(Role.AGENT) else Role.APPLICANT


def ensure_may(user: User, case: Application, step: Step) -> str:
    """The role in which ``user`` performs ``step`` on ``case`` (``approvals.workflow``: the filer, a
    staff role of the case's department, or for a decision whoever holds the item's decision authority);
    NotPermitted (403) if the user sees the case but may not act."""
    if step.by_filer:
        if case.owner_id == user.pk or case.filed_by_id == user.pk:
            return filer_role(user, case.channel)
        raise NotPermitted("只有申请人本人（或其代理人）可以执行此操作。")
    if step.decides:  # 分级决定: the item version's decision authority says who
        from approvals.authority import decider_role

        return decider_role(user, case, step.roles)
    for role in step.roles:
        if is_staff_of(user, case, role):
            return role
    raise NotPermitted(f"此操作须由本部门{'或'.join(ROLE_NAMES.get(r, r) for r in step.roles)}办理。")
