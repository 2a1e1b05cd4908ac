"""Read queries of the front desk shared by the pages and the API (constant statement counts)."""

from django.db.models import Count, Q
from django.utils import timezone

from hall.frontdesk.models import CategoryWindow, ServiceCategory, Ticket, WindowState
from hall.frontdesk.queue import today
from hall.models import User, Window


def categories_with_waiting(day=None):
    """Active categories, each with ``waiting`` (tickets of the day still waiting): one query."""
    day = day or today()
    return (
        ServiceCategory.objects.filter(is_active=True)
        .annotate(waiting=Count("tickets", filter=Q(tickets__day=day, tickets__state=Ticket.State.WAITING)))
        .order_by("sort_order", "code")
    )


def board(now=None) -> dict:
    """The display board: the ticket being served at each window (last called first) and the waiting
    counts per category. ``at`` changes on every (re)call: the board chimes when it sees a new one."""
    now = now or timezone.now()
    day = today(now)
    calls = (
        Ticket.objects.filter(day=day, state=Ticket.State.CALLED)
        .select_related("window", "category")
        .order_by("-called_at", "window__number")
    )
    return {
        "calls": [
            {
                "window": t.window.number,
                "window_name": t.window.name,
                "ticket": t.number,
                "category": t.category.name,
                "at": timezone.localtime(t.called_at).isoformat(),
                "count": t.call_count,
            }
            for t in calls
        ],
        "waiting": [{"category": c.name, "code": c.code, "count": c.waiting} for c in categories_with_waiting(day)],
        "now": timezone.localtime(now).isoformat(),
    }


def windows_of(user: User):
    """The windows a staff member serves (A/B role or chief representative), in number order."""
    if user.is_superuser:
        return Window.objects.filter(is_active=True).order_by("number")
    return (
        Window.objects.filter(Q(staff__user=user) | Q(chief_representative=user), is_active=True)
        .distinct()
        .order_by("number")
    )


def window_panel(window: Window) -> dict:
    """What the clerk's window panel shows besides the current ticket: its categories (primary/backup and
    whether it takes them now), the waiting count of each, whether it is open."""
    from hall.frontdesk.queue import served_categories

    state = WindowState.objects.filter(window=window).first()
    taking = set(served_categories(window).values_list("category_id", flat=True))
    counts = {c.pk: c.waiting for c in categories_with_waiting()}
    links = CategoryWindow.objects.filter(window=window).select_related("category").order_by("category__sort_order")
    return {
        "is_open": bool(state and state.is_open),
        "categories": [
            {
                "category": link.category,
                "role": link.get_role_display(),
                "taking": link.category_id in taking,
                "waiting": counts.get(link.category_id, 0),
            }
            for link in links
        ],
        "transferred": Ticket.objects.filter(day=today(), state=Ticket.State.WAITING, target_window=window).count(),
    }
