"""Rating (好差评) and complaint (投诉) figures for supervision: per department and month for the monthly
scores, and the current figures for the dashboard's card. Each is a handful of GROUP BY queries, whatever
the number of departments, ratings or complaints (docs/ratings.md, "Figures for the scores").
"""

from datetime import datetime

from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce

from approvals import rating_stats
from approvals.models import Evaluation, FollowUp, RatingAppeal
from hall import calendar
from supervision.models import Complaint

COMPLAINT_KEYS = ("complaints", "complaints_answered", "complaints_answered_late", "complaints_overdue",
                  "complaint_satisfaction")  # fmt: skip


def department_month_metrics(month: str) -> dict[int, dict]:
    """``YYYY-MM`` → ``{department_id: {...}}`` with, for the month (Asia/Shanghai):

    - ``ratings``, ``satisfied``, ``bad``, ``satisfaction_rate`` (percent, None without ratings) — counted
      ratings only (an upheld appeal excludes one); ``excluded`` — ratings excluded by upheld appeals;
    - ``follow_ups`` opened in the month, ``follow_ups_late`` — of those, not closed by their rectification
      due (or closed after it);
    - ``complaints`` received about the department (the department it was assigned to, else the one named;
      merged duplicates not counted), ``complaints_answered``, ``complaints_answered_late`` (after the due),
      ``complaints_overdue`` (still unanswered at the month's end, past the due), ``complaint_satisfaction``
      (the complainants' mean rating, 1–5, None without any).

    This is the function the monthly scores read (``supervision`` scores, issue "stats")."""
    start, end = rating_stats.month_bounds(month)
    out = rating_stats.monthly_rating_metrics(month)
    about = Coalesce("assigned_department_id", "department_id")
    rows = (
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(state=Complaint.State.MERGED)
        .annotate(about=about)
        .filter(about__isnull=False)
        .values("about")
        .annotate(
            complaints=Count("id"),
            complaints_answered=Count("id", filter=Q(answered_at__isnull=False, answered_at__lt=end)),
            complaints_answered_late=Count("id", filter=Q(answered_at__gt=F("due"))),
            complaints_overdue=Count(
                "id", filter=Q(due__lt=end) & (Q(answered_at__isnull=True) | Q(answered_at__gte=end))
            ),
            complaint_satisfaction=Avg("satisfaction"),
        )
    )
    for row in rows:
        target = out.setdefault(row["about"], {
            "ratings": 0, "satisfied": 0, "bad": 0, "satisfaction_rate": None, "follow_ups": 0,
            "follow_ups_late": 0, "excluded": 0,
        })  # fmt: skip
        target.update({key: row[key] for key in COMPLAINT_KEYS})
        if target["complaint_satisfaction"] is not None:
            target["complaint_satisfaction"] = round(float(target["complaint_satisfaction"]), 2)
    for target in out.values():
        for key in COMPLAINT_KEYS:
            target.setdefault(key, None if key == "complaint_satisfaction" else 0)
    return out


def dashboard_card(now: datetime) -> dict:
    """The dashboard's 好差评与投诉 card: this month's ratings, 满意率 and bad ratings, open and overdue
    follow-ups, open, unassigned and overdue complaints, pending appeals — one statement of scalar
    subqueries (the dashboard's query count does not grow with it)."""
    month = f"{calendar.local_date(now):%Y-%m}"
    start, end = rating_stats.month_bounds(month)
    q, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    rating, follow_up = q(Evaluation._meta.db_table), q(FollowUp._meta.db_table)
    complaint, appeal = q(Complaint._meta.db_table), q(RatingAppeal._meta.db_table)
    month_ratings = f"SELECT COUNT(*) FROM {rating} WHERE NOT excluded AND created_at >= %s AND created_at < %s"
    open_follow_ups = f"SELECT COUNT(*) FROM {follow_up} WHERE state IN ('open', 'verified')"
    open_complaints = f"SELECT COUNT(*) FROM {complaint} WHERE state IN ('received', 'assigned', 'answered')"
    sql = (
        f"SELECT ({month_ratings}), ({month_ratings} AND level >= 3), ({month_ratings} AND level <= 2),"
        f" ({open_follow_ups}), ({open_follow_ups} AND (rectify_due < %s OR (state = 'open' AND verify_due < %s))),"
        f" ({open_complaints}), (SELECT COUNT(*) FROM {complaint} WHERE state = 'received'),"
        f" (SELECT COUNT(*) FROM {complaint} WHERE state = 'assigned' AND due < %s),"
        f" (SELECT COUNT(*) FROM {appeal} WHERE state = 'pending')"
    )
    window, at = [adapt(start), adapt(end)], adapt(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*window, *window, *window, at, at, at])
        n, ok, bad, follow_open, follow_overdue, c_open, c_received, c_overdue, appeals = cursor.fetchone()
    figures = rating_stats.Figures(n, ok, bad)
    return {
        "month": month, "ratings": n, "bad": bad, "satisfaction_rate": figures.rate,
        "follow_ups_open": follow_open, "follow_ups_overdue": follow_overdue, "complaints_open": c_open,
        "complaints_unassigned": c_received, "complaints_overdue": c_overdue, "appeals_pending": appeals,
    }  # fmt: skip
