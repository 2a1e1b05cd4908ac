"""好差评 "一次一评" at the window (国办发〔2019〕51号: 现场服务一次一评): every visit can be rated once.

Two ways in, both carrying a signed, one-use key (``visit_key``), so that a visit gives one rating:
- the pad (评价器) at the window: a kiosk page, logged in as the window's clerk, shows five big buttons;
  each page render carries a fresh key (the clerk may attach the case number or queue ticket);
- an SMS link: the clerk sends the visitor a signed URL that expires after ``RATING_LINK_DAYS`` days,
  through the outbox (retried until sent).

A visit is identified by window + day (+ case) and, when the front-desk queue knows it, its ticket
(``hall.Ticket``): one rating per ticket. The pad picks the ticket the window is serving (or finished in the
last ``PAD_TICKET_MINUTES``), and the case the clerk linked to that ticket (``hall.TicketCase``).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from approvals.evaluation import clean_evaluation
from approvals.models import Application, Evaluation
from hall import audit, calendar, outbox
from hall.errors import Conflict, DomainError, OutsideScope
from hall.models import StaffMembership, Ticket, TicketCase, User, Window, WindowStaff
from hall.roles import DEPARTMENT_ROLES
from hall.sms import backend

PAD_SALT = "approvals.visits.pad"
LINK_SALT = "approvals.visits.link"
PAD_MAX_AGE = timedelta(hours=12)  # a pad screen left open overnight is stale
PAD_TICKET_MINUTES = 30  # a ticket finished this recently is still the visit the pad asks about
ALREADY = "这次办事已经评价过了，感谢您的评价（一次一评）。"


class LinkExpired(DomainError):
    status_code = 410
    code = "expired"


def may_serve(user: User, window: Window) -> bool:
    """The window's own clerks (A/B roles), or staff of its department."""
    if not user.is_authenticated:
        return False
    return (
        WindowStaff.objects.filter(window=window, user=user).exists()
        or StaffMembership.objects.filter(
            user=user, department_id=window.department_id, role__in=DEPARTMENT_ROLES
        ).exists()
    )


def window_for(user: User, number: str) -> Window:
    window = Window.objects.select_related("department").filter(number=number, is_active=True).first()
    if window is None or not may_serve(user, window):
        raise OutsideScope("没有这个窗口。")
    return window


def _case_of(window: Window, case_number: str) -> Application | None:
    case_number = (case_number or "").strip()
    if not case_number:
        return None
    case = (
        Application.objects.filter(number=case_number, department_id=window.department_id)
        .only("pk", "item_id", "number").first()
    )  # fmt: skip
    if case is None:
        raise ValidationError({"case_number": ["本窗口所属部门没有这个办件编号。"]})
    return case


def _ticket_of(window: Window, ticket_number: str, *, current: bool) -> Ticket | None:
    """Today's ticket of that number served at this window; with ``current`` and no number, the ticket the
    window is serving, or the last it finished within ``PAD_TICKET_MINUTES`` — if not rated yet."""
    today = calendar.local_date(timezone.now())
    tickets = Ticket.objects.filter(day=today, window=window).exclude(
        Exists(Evaluation.objects.filter(ticket=OuterRef("pk")))
    )
    ticket_number = (ticket_number or "").strip()[:20]
    if ticket_number:
        ticket = tickets.filter(number=ticket_number).first()
        if ticket is None:
            raise ValidationError({"ticket_number": ["今天本窗口没有办理这个号码，或已评价。"]})
        return ticket
    if not current:
        return None
    serving = tickets.filter(state=Ticket.State.CALLED).order_by("-called_at", "-id").first()
    if serving is not None:
        return serving
    recent = timezone.now() - timedelta(minutes=PAD_TICKET_MINUTES)
    return tickets.filter(state=Ticket.State.FINISHED, finished_at__gte=recent).order_by("-finished_at", "-id").first()


def _linked_case(window: Window, ticket: Ticket | None) -> Application | None:
    if ticket is None:
        return None
    numbers = TicketCase.objects.filter(ticket=ticket).values("case_number")
    return (
        Application.objects.filter(number__in=numbers, department_id=window.department_id)
        .only("pk", "item_id", "number").order_by("pk").first()
    )  # fmt: skip


def _visit(window: Window, case: Application | None, ticket: Ticket | None) -> dict:
    return {
        "w": window.pk, "c": case.pk if case else None, "t": ticket.number if ticket else "",
        "tk": ticket.pk if ticket else None, "d": calendar.local_date(timezone.now()).isoformat(),
        "k": secrets.token_urlsafe(16),
    }  # fmt: skip


def pad_visit(window: Window, *, case_number: str = "", ticket_number: str = "") -> tuple[str, dict]:
    """A fresh key for one pad screen (one rating): (token, what it stands for)."""
    ticket = _ticket_of(window, ticket_number, current=True)
    case = _case_of(window, case_number) or _linked_case(window, ticket)
    visit = _visit(window, case, ticket)
    return signing.dumps(visit, salt=PAD_SALT), {"ticket": ticket, "case": case}


def pad_token(window: Window, *, case_number: str = "", ticket_number: str = "") -> str:
    return pad_visit(window, case_number=case_number, ticket_number=ticket_number)[0]


def read_token(token: str, *, salt: str, max_age: timedelta) -> dict:
    """The visit a token stands for; 404 when forged, 410 when expired."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired("评价链接已过期。") from None
    except signing.BadSignature:
        raise OutsideScope("评价链接无效。") from None


def link_max_age() -> timedelta:
    return timedelta(days=settings.RATING_LINK_DAYS)


def rate_visit(*, token: str, salt: str, level, comment: str = "", tags=None, channel: str, by: User | None = None,
               ip: str | None = None) -> Evaluation:  # fmt: skip
    """一次一评: the visitor rates the visit the token stands for, once. 不满意 / 非常不满意 open a follow-up."""
    from approvals.follow_up import open_follow_up

    visit = read_token(token, salt=salt, max_age=PAD_MAX_AGE if salt == PAD_SALT else link_max_age())
    level, comment, channel, tags = clean_evaluation(level, comment, channel, tags)
    with transaction.atomic():
        window = Window.objects.filter(pk=visit["w"]).first()
        if window is None:
            raise OutsideScope("评价链接无效。")
        case = Application.objects.filter(pk=visit["c"]).only("pk", "item_id", "number").first() if visit["c"] else None
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    stage=Evaluation.Stage.VISIT, application=case, department_id=window.department_id,
                    item_id=case.item_id if case else None, window=window, visit_on=visit["d"],
                    ticket_id=visit.get("tk"), ticket_number=visit["t"], visit_key=visit["k"], level=level,
                    comment=comment, tags=tags,
                    channel=channel, rater=by if by is not None and by.is_authenticated and salt == LINK_SALT else None,
                )  # fmt: skip
        except IntegrityError:
            raise Conflict(ALREADY, code="already_rated") from None
        audit.record(
            "approvals.evaluate_visit", f"window:{window.number}", actor=None, ip=ip, evaluation=evaluation.pk,
            level=level, channel=channel, case=case.number if case else "", ticket=visit["t"],
        )  # fmt: skip
        if evaluation.is_bad:
            open_follow_up(evaluation, by=None)
    return evaluation


def visit_rating(token: str, *, salt: str = LINK_SALT) -> Evaluation | None:
    """The rating already given through this token (the link shows it and its follow-up — for 60 days more
    than the link is valid to rate), or None; 410 when the link has expired unrated."""
    visit = read_token(token, salt=salt, max_age=link_max_age() + timedelta(days=60))
    given = Evaluation.objects.select_related("follow_up", "window").filter(visit_key=visit["k"]).first()
    if given is None:
        read_token(token, salt=salt, max_age=link_max_age())
    return given


def clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not (len(phone) == 11 and phone.isdecimal() and phone.startswith("1")):
        raise ValidationError({"phone": ["请填写 11 位手机号码。"]})
    return phone


def send_rating_link(*, window_number: str, by: User, phone: str, case_number: str = "", ticket_number: str = "",
                     ip: str | None = None) -> str:  # fmt: skip
    """The clerk sends the visitor a signed rating link by SMS (outbox: sent after commit, retried).
    Returns the URL. The phone number is kept only in the outbox message, not with the rating."""
    window = window_for(by, window_number)
    ticket = _ticket_of(window, ticket_number, current=False)
    if not str(phone or "").strip() and ticket is not None and ticket.phone:
        phone = ticket.phone  # the phone given when the ticket was taken
    phone = clean_phone(phone)
    case = _case_of(window, case_number) or _linked_case(window, ticket)
    token = signing.dumps(_visit(window, case, ticket), salt=LINK_SALT)
    url = settings.SITE_URL + reverse("approvals:rating_link", args=[token])
    with transaction.atomic():
        outbox.enqueue("approvals.visits.send_link_sms", phone=phone, url=url, window=window.number)
        audit.record("approvals.rating_link_sent", f"window:{window.number}", actor=by, ip=ip,
                     phone=phone[:3] + "****" + phone[-4:], case=case_number, ticket=ticket_number)  # fmt: skip
    return url


def send_link_sms(*, phone: str, url: str, window: str) -> None:
    """Outbox handler: the rating link by SMS (at least once; a repeat is harmless: one rating per link)."""
    backend().send(
        phone,
        f"【行政服务中心】感谢您到 {window} 号窗口办事，请对本次服务评价：{url}"
        f"（{settings.RATING_LINK_DAYS} 天内有效）",
    )
