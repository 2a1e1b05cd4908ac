"""The case workflow as one table (DESIGN.md, "The workflow"; CONVENTIONS.md §2).

Each ``Step`` says, for one transition: the states it leaves from and leads to, who may perform it,
the service function that performs it, its Chinese label and hint, whether it must be confirmed
first (it starts a legal clock or cannot be undone: WCAG 3.3.4) and whether it refuses or closes the
case (shown in red), its API request body and workbench form, the notice the act issues and the article of law
behind it. The model's django-fsm decorators, the permission check (``approvals.scope.ensure_may``),
the services, the API, the workbench, the portal, ``docs/workflow.md`` and the tests all read this
table; no other list of transition names exists.

Adding a transition is one entry here, a thin decorated method on ``Application`` and its service
(docs/architecture.md shows the diff of one example).

Services, serializers and forms are named by dotted path: this module is imported by
``approvals.models`` and must not import them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.module_loading import import_string

from hall.roles import Role


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    CORRECTION_REQUESTED = "correction_requested", "待补正"
    ACCEPTED = "accepted", "已受理"
    UNDER_REVIEW = "under_review", "审查中"
    SUSPENDED = "suspended", "特别程序中"
    AWAITING_DECISION = "awaiting_decision", "待决定"
    DECIDED = "decided", "已决定"
    DELIVERED = "delivered", "已送达"
    REJECTED = "rejected", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    TERMINATED = "terminated", "已终止"
    REVOKED = "revoked", "已撤销"


# The states before a decision: the applicant may withdraw from any of them.
BEFORE_DECISION = (
    State.DRAFT, State.SUBMITTED, State.CORRECTION_REQUESTED, State.ACCEPTED, State.UNDER_REVIEW, State.SUSPENDED,
    State.AWAITING_DECISION,
)  # fmt: skip
# States in which the decision period runs (art. 42); a suspended case's clock stands still (art. 45).
DECISION_CLOCK_STATES = (State.ACCEPTED, State.UNDER_REVIEW, State.AWAITING_DECISION)
OPEN_STATES = (State.SUBMITTED, State.CORRECTION_REQUESTED, *DECISION_CLOCK_STATES, State.SUSPENDED, State.DECIDED)

# Who acts: the filer of the case (its owner, or the agent or window clerk who filed it) …
FILER = "filer"
# … or a staff role of the case's department (DESIGN.md, API: "who acts").
CLERK, REVIEWER, APPROVER = Role.CLERK.value, Role.REVIEWER.value, Role.APPROVER.value
# … or the system itself applying a published 秒批 rule (approvals.instant): no person may perform it.
SYSTEM = "system"


NO_BODY = "approvals.serializers.NoBodySerializer"
CONFIRM_FORM = "approvals.forms_workbench.ConfirmForm"


@dataclass(frozen=True)
class Step:
    name: str
    source: tuple[str, ...]
    target: str | None  # None: the state does not change (a self-loop, django-fsm's spelling)
    roles: tuple[str, ...]
    service: str
    label: str
    hint: str
    law: str = ""
    body: str = NO_BODY
    form: str = CONFIRM_FORM
    confirm: bool = False  # starts a legal clock or cannot be undone: the page says what it does and asks first
    danger: bool = False  # refuses the applicant or closes the case (the button is red)
    notice: str = ""  # the notice (文书) the act issues, dated the day of the act
    refusal: str = ""  # a named predicate ``(case) -> str``: why the act is refused now ("" if it is not)
    # a named predicate ``(case) -> bool``: whether the act exists for this case's item at all (即办件 only
    # for instant items); the workbench offers nothing otherwise, the service answers with ``refusal``
    applies: str = ""
    # a decision (or sending one back): the item version's decision authority (分级决定) says who may take
    # it — the department's approver, the chief representative with a delegation, or the upper level
    # (approvals.authority); ``roles`` are the roles that may ever hold it
    decides: bool = False

    @property
    def fsm(self) -> dict:
        """The arguments of the model's ``@transition`` decorator."""
        return {"source": list(self.source), "target": self.target}

    @property
    def by_filer(self) -> bool:
        return FILER in self.roles

    @property
    def leads_to(self) -> str:
        return self.target or "（不变）"

    def perform(self) -> Callable:
        return import_string(self.service)

    def body_class(self):
        return import_string(self.body)

    def form_class(self):
        return import_string(self.form)

    def why_refused(self, case) -> str:
        return import_string(self.refusal)(case) if self.refusal else ""

    def applies_to(self, case) -> bool:
        return import_string(self.applies)(case) if self.applies else True

    def label_for(self, item_type: str | None = None) -> str:
        """The button's words; a decision is named for what the item is (准予许可 only for licences)."""
        if self.name in ("approve", "deny") and item_type:
            terms = DECISION_TERMS.get(item_type, DEFAULT_TERMS)
            return terms.approve_label if self.name == "approve" else terms.deny_label
        return self.label


S = State
STEPS: tuple[Step, ...] = (
    Step("submit", (S.DRAFT,), S.SUBMITTED, (FILER,), "approvals.services.submit_application", "提交",
         "材料已上传、核对无误后提交；提交即为材料接收，五个工作日内须受理或一次性告知补正。",
         law="行政许可法第三十二条"),
    Step("resubmit", (S.CORRECTION_REQUESTED,), S.SUBMITTED, (FILER,), "approvals.services.resubmit_application",
         "补正后重新提交", "补正材料已全部上传后重新提交，受理期限自收到补正材料之日起重新计算。",
         law="行政许可法第三十二条"),
    Step("accept", (S.SUBMITTED,), S.ACCEPTED, (CLERK,), "approvals.services.accept_application", "受理",
         "材料齐全、符合法定形式：受理后开始计算办结时限，并出具受理通知书。",
         law="行政许可法第三十二条、第四十二条", notice="acceptance", confirm=True,
         refusal="approvals.rules.acceptance_refused"),
    Step("request_correction", (S.SUBMITTED,), S.CORRECTION_REQUESTED, (CLERK,),
         "approvals.services.request_correction", "一次性告知补正",
         "勾选每一项需要补正的材料并写明理由：本轮只能告知一次，须一次性告知全部内容。",
         law="行政许可法第三十二条", body="approvals.serializers.RequestCorrectionSerializer",
         form="approvals.forms_workbench.CorrectionForm", notice="correction",
         refusal="approvals.rules.correction_refused"),
    Step("reject_intake", (S.SUBMITTED,), S.REJECTED, (CLERK,), "approvals.services.reject_intake", "不予受理",
         "不属于本机关职权范围或依法不需取得行政许可的，出具不予受理通知书并告知救济途径。",
         law="行政许可法第三十二条", body="approvals.serializers.RejectIntakeSerializer",
         form="approvals.forms_workbench.RejectIntakeForm", confirm=True, danger=True, notice="rejection"),
    # 即办件 (GB/T 39046 A.6; committed limit 0): accepted and decided at the window in one sitting, one
    # transaction, two Events (accept, then the decision) and the decision document at once.
    Step("decide_on_the_spot", (S.SUBMITTED,), S.DECIDED, (APPROVER, CLERK), "approvals.services.decide_on_the_spot",
         "当场办结", "即办件：材料齐全、符合法定形式的，当场受理并当场作出决定，出具受理通知书和决定文书。",
         law="行政许可法第三十二条、第三十四条第二款", body="approvals.serializers.OnTheSpotSerializer",
         form="approvals.forms_workbench.OnTheSpotForm", notice="decision", confirm=True,
         refusal="approvals.rules.on_the_spot_refused", applies="approvals.rules.is_instant", decides=True),
    Step("start_review", (S.ACCEPTED,), S.UNDER_REVIEW, (REVIEWER,), "approvals.services.start_review", "开始审查",
         "由您审查本件，审查后提出准予或不予的审查意见。", law="行政许可法第三十四条"),
    Step("suspend", (S.UNDER_REVIEW,), S.SUSPENDED, (REVIEWER,), "approvals.services.suspend_for_procedure",
         "启动特别程序", "听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审的时间不计入办理时限，并书面告知申请人。",
         law="行政许可法第四十五条", body="approvals.serializers.SuspendSerializer",
         form="approvals.forms_workbench.SuspendForm", notice="special_procedure"),
    Step("resume", (S.SUSPENDED,), S.UNDER_REVIEW, (REVIEWER,), "approvals.services.resume_review", "特别程序结束",
         "特别程序结束，恢复计时；办结期限顺延特别程序所用的工作日。", law="行政许可法第四十五条"),
    Step("recommend", (S.UNDER_REVIEW,), S.AWAITING_DECISION, (REVIEWER,), "approvals.services.recommend_decision",
         "提出审查意见", "写明审查意见并建议准予或不予，提交审批人员决定（审查与决定分离）。",
         law="行政许可法第三十四条", body="approvals.serializers.RecommendSerializer",
         form="approvals.forms_workbench.RecommendForm", refusal="approvals.joint.recommend_refused"),
    Step("return_for_review", (S.AWAITING_DECISION,), S.UNDER_REVIEW, (APPROVER,),
         "approvals.services.return_for_review", "退回审查", "审查意见不足以作出决定的，写明理由退回审查人员。",
         law="行政许可法第三十四条", body="approvals.serializers.ReasonSerializer",
         form="approvals.forms_workbench.ReturnForm", decides=True),
    Step("extend", (S.UNDER_REVIEW, S.AWAITING_DECISION), None, (APPROVER,), "approvals.services.extend_deadline",
         "延长期限", "经本行政机关负责人批准可延长一次，并将延长期限的理由告知申请人。",
         law="行政许可法第四十二条", body="approvals.serializers.ExtendSerializer",
         form="approvals.forms_workbench.ExtendForm", notice="extension", refusal="approvals.rules.extension_refused"),
    Step("approve", (S.AWAITING_DECISION,), S.DECIDED, (APPROVER,), "approvals.services.approve_application", "准予",
         "依审查意见作出准予决定；应自决定之日起十个工作日内送达。", law="行政许可法第三十八条、第四十四条",
         body="approvals.serializers.ReasonSerializer", form="approvals.forms_workbench.ApproveForm",
         notice="decision", decides=True),
    Step("deny", (S.AWAITING_DECISION,), S.DECIDED, (APPROVER,), "approvals.services.deny_application", "不予",
         "不予决定须说明理由，并告知申请复议或提起诉讼的权利。", law="行政许可法第三十八条",
         body="approvals.serializers.ReasonSerializer", form="approvals.forms_workbench.DenyForm", confirm=True,
         danger=True, notice="decision", decides=True),
    Step("deliver", (S.DECIDED,), S.DELIVERED, (CLERK,), "approvals.services.deliver_result", "送达",
         "窗口领取（签收人在屏幕上签收送达回证）、邮寄送达（须填写快递单号）或电子送达（推送至申请人账号）。",
         law="行政许可法第四十四条",
         body="approvals.serializers.DeliverSerializer", form="approvals.forms_workbench.DeliverForm",
         notice="delivery_receipt", refusal="approvals.rules.delivery_refused"),
    # 交寄: the result leaves with a courier; the courier's signed report of delivery then performs
    # ``deliver`` (as the carrier, dated by the courier: art. 44 is measured to the real delivery date).
    Step("dispatch", (S.DECIDED,), None, (CLERK,), "approvals.services.dispatch_by_express", "交寄快递",
         "向快递公司下单，按申请人选择的地址邮寄；快递公司回报签收后自动送达，送达日期以签收时间为准。",
         law="行政许可法第四十四条", body="approvals.serializers.DispatchSerializer",
         form="approvals.forms_workbench.DispatchForm", refusal="approvals.shipping.dispatch_refused"),
    # 秒批: the version's published rule approves a qualifying submission at once (approvals.instant);
    # the system accepts (the ``accept`` step's event, actor "system") and then takes this step.
    Step("instant_approve", (S.ACCEPTED,), S.DECIDED, (SYSTEM,), "approvals.instant.instant_approve",
         "秒批准予", "申请符合已发布的秒批规则，由系统即时准予；规则版本和证据记入办件日志，并按比例抽查。",
         law="行政许可法第三十四条第二款、第三十八条", notice="decision"),
    # 告知承诺制 found false (国办发〔2020〕42号), or a licence revoked by law: only an approval is revoked.
    Step("revoke", (S.DECIDED, S.DELIVERED), S.REVOKED, (APPROVER,), "approvals.commitments.revoke_approval",
         "撤销准予决定",
         "申请人以虚假承诺等不正当手段取得准予的，写明理由和法律依据撤销决定，出具撤销决定书并告知申请人。",
         law="行政许可法第六十九条第二款；国办发〔2020〕42号",
         body="approvals.serializers_reform.RevokeApprovalSerializer", form="approvals.forms_reform.RevokeForm",
         confirm=True, danger=True, notice="revocation"),
    Step("withdraw", BEFORE_DECISION, S.WITHDRAWN, (FILER,), "approvals.services.withdraw_application", "撤回",
         "作出决定前，申请人可以撤回申请；撤回后本件不再办理，且不能恢复。",
         body="approvals.serializers.ReasonSerializer", confirm=True, danger=True),
    Step("terminate", tuple(s for s in BEFORE_DECISION if s != S.DRAFT), S.TERMINATED, (APPROVER,),
         "approvals.services.terminate_application", "终止办理", "申请人死亡、单位注销等情形终止办理，须写明理由。",
         body="approvals.serializers.ReasonSerializer", form="approvals.forms_workbench.TerminateForm", confirm=True,
         danger=True),
)  # fmt: skip
BY_NAME: dict[str, Step] = {step.name: step for step in STEPS}


def step(name: str) -> Step | None:
    return BY_NAME.get(name)


def label(action: str) -> str:
    """The Chinese name of an action in a timeline ("create" is the filing itself)."""
    found = BY_NAME.get(action)
    return found.label if found else OTHER_LABELS.get(action, action)


OTHER_LABELS = {
    "create": "创建办件",
    # joint cases (approvals.joint): events that do not move the state
    "joint_opinion": "联办部门出具意见",
    "joint_meeting": "安排集中会审",
    "joint_minutes": "记录会审纪要",
    # 告知承诺制 (approvals.commitments)
    "sign_commitment": "签署告知承诺书",
}


# The reviewer's recommendation in the API's words (DESIGN.md) → the decision it proposes.
RECOMMENDATIONS = (("approve", "建议准予"), ("deny", "建议不予"))
RECOMMENDED_DECISION = {"approve": "approved", "deny": "denied"}


# --- what a decision is called, by item type (GB/T 39046 A.1) --------------------------------------


@dataclass(frozen=True)
class DecisionTerms:
    approve_label: str
    deny_label: str
    approve_phrase: str  # as the document words it: 本机关决定{approve_phrase}
    deny_phrase: str
    approved_title: str
    denied_title: str
    # The article that governs the written decision; only 行政许可 items cite 行政许可法 art. 38.
    approved_basis: str
    denied_basis: str
    remedy: str


REMEDY = "申请人如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，或者六个月内依法向人民法院提起行政诉讼。"
SERVICE_REMEDY = "申请人对办理结果有异议的，可以向本机关反映，或者拨打监督投诉电话。"

LICENCE_ACT = "《中华人民共和国行政许可法》第三十八条"


def _terms(approve: str, deny: str, approve_phrase: str, deny_phrase: str, approved_title: str, denied_title: str,
           *, basis: tuple[str, str] = ("", ""), remedy: str = REMEDY) -> DecisionTerms:  # fmt: skip
    return DecisionTerms(approve, deny, approve_phrase, deny_phrase, approved_title, denied_title, *basis, remedy)


DECISION_TERMS = {
    "01": _terms("准予许可", "不予许可", "准予行政许可", "不予行政许可", "准予行政许可决定书", "不予行政许可决定书",
                 basis=(f"{LICENCE_ACT}第一款", f"{LICENCE_ACT}第二款")),
    "05": _terms("准予给付", "不予给付", "准予行政给付", "不予行政给付", "准予行政给付决定书", "不予行政给付决定书"),
    "07": _terms("予以确认", "不予确认", "予以确认（登记）", "不予确认（登记）", "行政确认决定书", "不予确认决定书"),
    "10": _terms("准予办理", "不予办理", "准予办理", "不予办理", "办理结果通知书", "办理结果通知书"),
    "20": _terms("同意办理", "不予办理", "同意办理", "不予办理", "办理结果通知书", "办理结果通知书",
                 remedy=SERVICE_REMEDY),
}  # fmt: skip
DEFAULT_TERMS = DECISION_TERMS["10"]


def decision_terms(item_type: str) -> DecisionTerms:
    return DECISION_TERMS.get(item_type, DEFAULT_TERMS)


# --- the documentation table (docs/workflow.md is generated from it; a test compares) -------------

ROLE_NAMES = {FILER: "申请人/代理人（办件提交人）", SYSTEM: "系统（秒批规则）", **{r.value: r.label for r in Role}}


def markdown_table() -> str:
    """The transitions table of docs/workflow.md, between its ``workflow-table`` markers."""
    rows = [
        "| transition | 名称 | from → to | who | service | notice | law |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in STEPS:
        sources = ", ".join(s.source)
        who = "、".join(ROLE_NAMES[r] for r in s.roles) + ("（按决定权限）" if s.decides else "")
        service = s.service.rsplit(".", 1)[1]
        rows.append(
            f"| `{s.name}` | {s.label} | {sources} → {s.leads_to} | {who} | `{service}` | {s.notice or '—'} "
            f"| {s.law or '—'} |"
        )
    return "\n".join(rows) + "\n"
