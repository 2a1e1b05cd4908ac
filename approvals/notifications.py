"""What the applicant and the staff are told after each transition (inbox, email, SMS)."""

from django.urls import reverse
from django.utils import timezone

from approvals.models import Application, Event, Licence
from hall.models import User
from hall.notify import notify
from hall.roles import Role


def _when(instant) -> str:
    return timezone.localtime(instant).strftime("%Y年%m月%d日 %H:%M") if instant else ""


def _case_url(case: Application) -> str:
    return reverse("approvals:case", args=[case.number])  # staff are redirected to the workbench page


def _correction_list(case: Application) -> str:
    notice = case.correction_notices.filter(round=case.correction_round).prefetch_related("items__requirement").first()
    if notice is None:
        return ""
    lines = [f"{i}. {item.requirement.name}：{item.reason}" for i, item in enumerate(notice.items.all(), 1)]
    return "需要补正的材料（一次性告知）：\n" + "\n".join(lines)


def _approvers(case: Application) -> list[User]:
    """The approvers of the case's department: a recommendation waits in their 待决定 queue."""
    return list(
        User.objects.filter(memberships__department_id=case.department_id, memberships__role=Role.APPROVER).distinct()
    )


def _licence_line(case: Application) -> str:
    """电子送达: the licence and the decision document wait in the portal (issue 18)."""
    licence = Licence.objects.filter(application=case).only("number", "name").first()
    if licence is None:
        return ""
    return f"\n电子证照《{licence.name}》（{licence.number}）已放入“我的证照”，决定书可在办件页下载。"


def messages_for(case: Application, event: Event) -> list[tuple]:
    """(recipient, kind, title, body) for one transition."""
    item, number = case.item.name, case.number
    owner = case.owner
    data = event.data or {}
    table = {
        "submit": [
            (owner, "submitted", f"申请已提交：{item}", f"办件编号 {number}，查询码 {case.query_code}。"
             f"窗口将在 {_when(case.accept_due)} 前受理或一次性告知补正。"),
            (case.handler, "new_case", f"新办件待受理：{number}", f"{item}，申请人 {case.applicant_name}。"),
        ],
        "resubmit": [(case.handler, "resubmitted", f"补正材料已提交：{number}", item)],
        "request_correction": [(owner, "correction", f"请补正材料：{item}", _correction_list(case))],
        "accept": [(owner, "accepted", f"申请已受理：{item}",
                    f"办件编号 {number}，承诺办结期限 {_when(case.decision_due)}。")],
        "reject_intake": [(owner, "rejected", f"不予受理：{item}", f"理由：{event.reason}\n{data.get('remedy', '')}")],
        "suspend": [(owner, "special_procedure", f"特别程序告知：{item}",
                     f"因{data.get('procedure', '')}，办理期限暂停计算。理由：{event.reason}")],
        "resume": [(owner, "resumed", f"特别程序结束：{item}", f"新的办结期限 {_when(case.decision_due)}。")],
        "extend": [(owner, "extended", f"延期通知：{item}",
                    f"经批准延长 {data.get('days')} 个工作日，理由：{event.reason}。"
                    f"新的办结期限 {_when(case.decision_due)}。")],
        "recommend": [
            (approver, "awaiting_decision", f"待决定：{number}",
             f"{item}，审查意见：{case.get_recommendation_display()}。请在“待决定”中作出决定。")
            for approver in (_approvers(case) if event.action == "recommend" else [])
        ],
        "return_for_review": [(case.handler, "returned", f"退回审查：{number}", f"{item}，退回理由：{event.reason}")],
        "approve": [(owner, "decided", f"{case.decision_label}：{item}",
                     f"请按选择的方式领取结果，送达期限 {_when(case.delivery_due)}。")],
        "deny": [(owner, "decided", f"{case.decision_label}：{item}",
                  f"理由：{event.reason}\n{data.get('remedy', '')}")],
        "decide_on_the_spot": [(owner, "decided", f"当场办结（{case.decision_label}）：{item}",
                                f"办件编号 {number}。" + (f"理由：{event.reason}\n{data.get('remedy', '')}"
                                                          if data.get("remedy") else "请按选择的方式领取结果。"))],
        "deliver": [(owner, "delivered", f"结果已送达：{item}",
                     f"送达方式：{case.get_delivery_method_display()} {case.tracking_number}".strip()
                     + (_licence_line(case) if event.action == "deliver" else ""))],
        "terminate": [(owner, "terminated", f"终止办理：{item}", f"理由：{event.reason}")],
        "instant_approve": [(owner, "decided", f"{case.decision_label}（秒批）：{item}",
                             "申请符合秒批规则，已即时作出决定。"
                             f"请按选择的方式领取结果，送达期限 {_when(case.delivery_due)}。")],
        "revoke": [(owner, "revoked", f"准予决定已撤销：{item}",
                    f"理由：{event.reason}\n依据：{data.get('basis', '')}\n请查看撤销决定书。")],
        "withdraw": [(case.handler, "withdrawn", f"申请人已撤回：{number}", item)],
    }  # fmt: skip
    return table.get(event.action, [])


def send_for_event(*, case_id: int, event_id: int) -> int:
    """Outbox handler (written by the transition, run after commit): the inbox messages of one event."""
    case = Application.objects.select_related("item", "owner", "handler").get(pk=case_id)
    event = Event.objects.get(pk=event_id)
    url = _case_url(case)
    sent = 0
    for user, kind, title, body in messages_for(case, event):
        if user is not None and user.pk != event.actor_id:
            notify(user, kind=kind, title=title, body=body, url=url)
            sent += 1
    return sent
