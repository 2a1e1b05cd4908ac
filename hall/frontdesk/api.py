"""Front-desk API (DESIGN.md, "More of the contract"): the kiosk, the window, the board, appointments.
Views parse and shape; ``hall.frontdesk.queue`` and ``hall.frontdesk.appointments`` decide."""

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.audit import client_ip
from hall.errors import DomainError, NotPermitted, OutsideScope
from hall.frontdesk import appointments, queue, selectors
from hall.frontdesk.models import Appointment, AppointmentSlot, ServiceCategory
from hall.schema import error, errors
from hall.throttling import AnonRateThrottle, UserRateThrottle


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "09:00"})
class HourMinuteField(serializers.TimeField):
    """A slot's clock time as ``HH:MM`` (the schema's ``format: time`` would promise seconds, RFC 3339)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class KioskThrottle(AnonRateThrottle):
    scope = "kiosk"


class BoardThrottle(AnonRateThrottle):
    """The hall's TVs poll the board every few seconds all day (several may share one address)."""

    scope = "board"


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    description = serializers.CharField()
    waiting = serializers.IntegerField()


class TicketRequestSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=20, help_text="a category code (GET /api/v1/queue/categories)")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    green_lane = serializers.BooleanField(required=False, default=False, help_text="绿色通道")
    appointment_code = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")


class TicketSerializer(serializers.Serializer):
    number = serializers.CharField()
    category = serializers.CharField(source="category.name")
    category_code = serializers.CharField(source="category.code")
    state = serializers.CharField()
    green_lane = serializers.BooleanField()
    appointment = serializers.BooleanField(source="appointment_id", help_text="checked in for an appointment")
    issued_at = serializers.DateTimeField()


class IssuedTicketSerializer(TicketSerializer):
    ahead = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()


def issued(ticket) -> dict:
    ahead = queue.people_ahead(ticket)
    data = TicketSerializer(ticket).data
    return {**data, "ahead": ahead, "estimated_wait_minutes": queue.estimated_wait_minutes(ticket, ahead)}


class CategoriesView(APIView):
    """The kiosk's categories with how many wait in each."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: CategorySerializer(many=True)})
    def get(self, request):
        return Response(CategorySerializer(selectors.categories_with_waiting().order_by("sort_order"), many=True).data)


class TicketsView(APIView):
    """取号: a ticket for a category (the kiosk; anonymous, throttled)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [KioskThrottle, UserRateThrottle]

    @extend_schema(request=TicketRequestSerializer, responses={201: IssuedTicketSerializer})
    def post(self, request):
        body = TicketRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ticket = queue.issue_ticket(
            category_code=data["category"], phone=data["phone"], id_number=data["id_number"],
            green_lane=data["green_lane"], appointment_code=data["appointment_code"],
            by=request.user if request.user.is_authenticated else None,
        )  # fmt: skip
        return Response(issued(ticket), status=status.HTTP_201_CREATED)


class TransferSerializer(serializers.Serializer):
    to_window = serializers.CharField(max_length=10)


class WindowActView(APIView):
    """叫号 at a window: ``call`` (next; 204 when nobody waits), ``recall``, ``skip``, ``transfer``
    (``{to_window}``), ``open``, ``close`` — the window's own staff only."""

    ACTS = ("call", "recall", "skip", "transfer", "open", "close")

    @extend_schema(request=TransferSerializer, responses={200: TicketSerializer, 204: None})
    def post(self, request, code: str, act: str):
        by, ip = request.user, client_ip(request)
        if act not in self.ACTS:
            raise OutsideScope("没有这个叫号操作。")
        if act in ("open", "close"):
            state = queue.set_window_open(window_code=code, is_open=act == "open", by=by, ip=ip)
            return Response({"window": code, "is_open": state.is_open})
        if act == "call":
            ticket = queue.call_next(window_code=code, by=by, ip=ip)
            if ticket is None:
                return Response(status=status.HTTP_204_NO_CONTENT)
        elif act == "transfer":
            body = TransferSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            ticket = queue.transfer(window_code=code, to_window_code=body.validated_data["to_window"], by=by, ip=ip)
        else:
            ticket = getattr(queue, act)(window_code=code, by=by, ip=ip)
        return Response({"ticket": TicketSerializer(ticket).data, "window": code})


class TicketFinishView(APIView):
    """办结: the ticket being served at the caller's window is finished (serving time recorded)."""

    @extend_schema(request=None, responses={200: TicketSerializer})
    def post(self, request, number: str):
        ticket = queue.finish(number=number, by=request.user, ip=client_ip(request))
        return Response({"ticket": TicketSerializer(ticket).data})


class CaseLinkSerializer(serializers.Serializer):
    case_number = serializers.CharField(max_length=40)


class TicketCasesView(APIView):
    """One visit, one record: link the case filed or handled at this visit to the ticket."""

    @extend_schema(request=CaseLinkSerializer, responses={201: CaseLinkSerializer})
    def post(self, request, number: str):
        body = CaseLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = queue.link_case(
            number=number, case_number=body.validated_data["case_number"], by=request.user, ip=client_ip(request)
        )
        return Response({"ticket": number, "case_number": link.case_number}, status=status.HTTP_201_CREATED)


class BoardCallSerializer(serializers.Serializer):
    window = serializers.CharField()
    window_name = serializers.CharField()
    ticket = serializers.CharField()
    category = serializers.CharField()
    at = serializers.DateTimeField(help_text="the last (re)call: a new value means chime and read it out")
    count = serializers.IntegerField(help_text="how many times it was called")


class BoardWaitingSerializer(serializers.Serializer):
    category = serializers.CharField()
    code = serializers.CharField()
    count = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):
    calls = BoardCallSerializer(many=True)
    waiting = BoardWaitingSerializer(many=True)
    now = serializers.DateTimeField()


class BoardView(APIView):
    """The display board's data (polled every few seconds by the board page)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [BoardThrottle]

    @extend_schema(responses={200: BoardSerializer})
    def get(self, request):
        return Response(selectors.board())


# --- appointments ---------------------------------------------------------------------------------------


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    date = serializers.DateField()
    start = HourMinuteField()
    end = HourMinuteField()
    capacity = serializers.IntegerField()
    available = serializers.IntegerField()
    for_holidays = serializers.BooleanField()


class SlotListingSerializer(serializers.Serializer):
    date = serializers.DateField()
    working_day = serializers.BooleanField()
    category = serializers.CharField()
    slots = SlotSerializer(many=True)
    reason = serializers.CharField(help_text="why nothing can be booked (empty when slots are listed)")


class SlotsView(APIView):
    """Bookable slots of a day for a category or an item (``{date, working_day, slots, reason}``): on a
    non-working day only holiday slots, and only for items on the holiday item list."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("category", str), OpenApiParameter("item_code", str),
                    OpenApiParameter("date", str, description="YYYY-MM-DD")],
        responses={200: SlotListingSerializer},
    )  # fmt: skip
    def get(self, request):
        try:
            day = date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            raise DomainError("请给出日期（YYYY-MM-DD）。", fields={"date": ["日期格式应为 YYYY-MM-DD。"]}) from None
        params = request.query_params
        return Response(
            appointments_listing(day, category=params.get("category", ""), item_code=params.get("item_code", ""))
        )


def appointments_listing(day: date, *, category: str = "", item_code: str = "") -> dict:
    from hall import calendar
    from hall.frontdesk import adapter

    if item_code:
        item = adapter.item(item_code)
        if item is None:
            raise DomainError("没有这个已发布的事项。", fields={"item_code": ["事项编码不存在或未发布。"]})
        found = appointments.category_for_item(item)
    else:
        found = ServiceCategory.objects.filter(code=category, is_active=True).first()
    if found is None:
        raise DomainError("请选择业务类别或事项。", fields={"category": ["没有这个业务类别。"]})
    slots = list(AppointmentSlot.objects.filter(category=found, date=day).select_related("category").order_by("start"))
    working = calendar.is_working_day(day)
    reason = ""
    bookable = []
    for slot in slots:
        refusal = appointments.holiday_refusal(slot, item_code)
        if refusal:
            reason = reason or refusal
        else:
            bookable.append(slot)
    if not slots:
        reason = "这一天没有开放的预约时段。" if working else "这一天是节假日，没有开放的节假日预约时段。"
    return {
        "date": day,
        "working_day": working,
        "category": found.code,
        "slots": SlotSerializer(bookable, many=True).data,
        "reason": "" if bookable else reason,
    }


class BookingSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(min_value=1)
    item_code = serializers.CharField(max_length=36, required=False, allow_blank=True, default="")


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField(source="slot.date")
    start = HourMinuteField(source="slot.start")
    end = HourMinuteField(source="slot.end")
    category = serializers.CharField(source="slot.category.code")
    item_code = serializers.CharField()
    item_name = serializers.CharField()
    code = serializers.CharField(help_text="签到码: given at the kiosk to check in")
    state = serializers.CharField()


class AppointmentsView(APIView):
    """预约: book a slot (applicants and agents); list one's own bookings."""

    @extend_schema(responses={200: AppointmentSerializer(many=True)})
    def get(self, request):
        mine = Appointment.objects.filter(user=request.user).select_related("slot__category").order_by("-slot__date")
        return Response(AppointmentSerializer(mine[:100], many=True).data)

    @extend_schema(
        request=BookingSerializer,
        responses={201: AppointmentSerializer, 404: error(404, "no such appointment slot"), **errors(409)},
    )
    def post(self, request):
        body = BookingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = appointments.book(**body.validated_data, by=request.user, ip=client_ip(request))
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class RescheduleSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField(min_value=1)


class AppointmentActView(APIView):
    """``cancel`` (before the slot begins) or ``reschedule`` (``{slot_id}``) one's own booking."""

    @extend_schema(
        request=RescheduleSerializer,
        responses={200: AppointmentSerializer, **errors(409)},
        operation_id="v1_appointments_act",
    )
    def post(self, request, appointment_id: int, act: str):
        by, ip = request.user, client_ip(request)
        if act == "cancel":
            appointment = appointments.cancel(appointment_id=appointment_id, by=by, ip=ip)
        elif act == "reschedule":
            body = RescheduleSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            appointment = appointments.reschedule(appointment_id=appointment_id, by=by, ip=ip, **body.validated_data)
        else:
            raise OutsideScope("没有这个预约操作。")
        return Response(AppointmentSerializer(appointment).data)


class StatisticsView(APIView):
    """前台统计 (``hall.frontdesk.stats.front_desk_statistics``) for supervisors and the hall office:
    ``?from=YYYY-MM-DD&to=YYYY-MM-DD&department=<code>`` (at most 366 days)."""

    @extend_schema(
        parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str), OpenApiParameter("department", str)],
        responses={200: dict},
    )
    def get(self, request):
        from hall.frontdesk import agency, stats
        from hall.roles import Role

        user = request.user
        if not (user.is_superuser or Role.SUPERVISOR in user.role_names or agency.is_hall_office(user)):
            raise NotPermitted("只有监察人员和政务服务管理办公室可以查看前台统计。")
        params = request.query_params
        try:
            first, last = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
        except ValueError:
            raise DomainError(
                "请给出统计的起止日期（YYYY-MM-DD）。", fields={"from": ["日期格式应为 YYYY-MM-DD。"]}
            ) from None
        if first > last or (last - first).days > 366:
            raise DomainError(
                "起止日期有误（最长 366 天）。", fields={"to": ["结束日期应不早于开始日期，且不超过 366 天。"]}
            )
        return Response(
            stats.front_desk_statistics(first=first, last=last, department_code=params.get("department", ""))
        )
