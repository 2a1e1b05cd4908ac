"""Free agency service (代办制) for enterprise investment projects: the enterprise asks, the hall office
assigns an agent (代办员), the enterprise holds a contact card (企业联系卡) naming the agent and following the
project's cases and their deadlines. The agents file the cases through the approvals portal; rating their
service belongs to the ratings issue (the project and its agent are the seam)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hall import audit, notify
from hall.errors import Conflict, DomainError, NotPermitted, OutsideScope
from hall.frontdesk.models import InvestmentProject
from hall.identity import clean_id_number
from hall.models import StaffMembership, User
from hall.roles import Role


def is_hall_office(user: User) -> bool:
    """Staff of the hall office (HALL_OFFICE_DEPARTMENT, 政务服务管理办公室) run the agency service."""
    if user.is_superuser:
        return True
    return StaffMembership.objects.filter(user=user, department__code=settings.HALL_OFFICE_DEPARTMENT).exists()


def visible_projects(user: User):
    projects = InvestmentProject.objects.select_related("agent", "requested_by")
    if is_hall_office(user):
        return projects
    from django.db.models import Q

    return projects.filter(Q(requested_by=user) | Q(agent=user))


def project_for(user: User, project_id: int) -> InvestmentProject:
    project = visible_projects(user).filter(pk=project_id).first()
    if project is None:
        raise OutsideScope("没有这个代办项目。")
    return project


def request_agency(
    *, by: User, name: str, enterprise_name: str, enterprise_uscc: str, contact_name: str, contact_phone: str,
    description: str = "", ip=None,
) -> InvestmentProject:  # fmt: skip
    """申请代办: an enterprise (its applicant account) asks for a free agent for an investment project."""
    if not by.role_names & {Role.APPLICANT, Role.AGENT}:
        raise NotPermitted("请以企业办事账号申请代办服务。")
    try:
        uscc = clean_id_number("organisation", enterprise_uscc)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], fields={"enterprise_uscc": exc.messages}) from None
    with transaction.atomic():
        project = InvestmentProject.objects.create(
            name=name, enterprise_name=enterprise_name, enterprise_uscc=uscc, contact_name=contact_name,
            contact_phone=contact_phone, description=description, requested_by=by,
        )  # fmt: skip
        audit.record("agency.request", project, actor=by, ip=ip, uscc=uscc)
    return project


def assign_agent(*, project_id: int, agent: User, by: User, ip=None) -> InvestmentProject:
    """指派代办员: the hall office assigns (or re-assigns) an agent; both the agent and the enterprise hear."""
    if not is_hall_office(by):
        raise NotPermitted("只有政务服务管理办公室可以指派代办员。")
    if not agent.has_role(Role.AGENT):
        raise DomainError("所选人员不是代办员。", fields={"agent": ["请选择代办员。"]})
    with transaction.atomic():
        project = InvestmentProject.objects.select_for_update().filter(pk=project_id).first()
        if project is None:
            raise OutsideScope("没有这个代办项目。")
        if project.state == InvestmentProject.State.CLOSED:
            raise Conflict("项目代办已办结。")
        previous = project.agent_id
        project.agent, project.assigned_by, project.assigned_at = agent, by, timezone.now()
        project.state = InvestmentProject.State.ASSIGNED
        project.save()
        audit.record("agency.assign", project, actor=by, ip=ip, agent=agent.username, previous=previous)
        url = f"/frontdesk/agency/{project.pk}/"
        notify.notify(agent, kind="agency", title=f"代办指派：{project.name}", body=project.enterprise_name, url=url)
        notify.notify(
            project.requested_by, kind="agency", title=f"已为项目“{project.name}”指派代办员",
            body=f"代办员：{agent}，电话 {agent.phone or '—'}。", url=url,
        )  # fmt: skip
    return project


def close_project(*, project_id: int, by: User, ip=None) -> InvestmentProject:
    """代办办结: the project's approvals are done."""
    with transaction.atomic():
        project = InvestmentProject.objects.select_for_update().filter(pk=project_id).first()
        if project is None or not (is_hall_office(by) or project.agent_id == by.pk):
            raise OutsideScope("没有这个代办项目。")
        project.state = InvestmentProject.State.CLOSED
        project.save(update_fields=["state"])
        audit.record("agency.close", project, actor=by, ip=ip)
    return project
