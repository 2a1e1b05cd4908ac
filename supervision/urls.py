"""E-monitoring pages (电子监察) for supervisors, in the ``supervision`` namespace."""

from django.urls import path, re_path

from supervision import (
    views,
    views_anomalies,
    views_cases,
    views_complaints,
    views_instant,
    views_orders,
    views_ratings,
    views_reports,
    views_sampling,
    views_scores,
    views_statistics,
)

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("warnings/", views.warnings, name="warnings"),
    path("cases/", views_cases.cases, name="cases"),
    path("anomalies/", views_anomalies.anomalies, name="anomalies"),
    path("statistics/", views_statistics.statistics_page, name="statistics"),
    path("sampling/", views_sampling.draws, name="sampling"),
    path("sampling/draw/", views_sampling.new_draw, name="sampling_new"),
    path("sampling/<int:draw_id>/", views_sampling.draw_detail, name="sampling_draw"),
    path("sampling/cases/<int:sample_id>/finding/", views_sampling.finding, name="sampling_finding"),
    path("reports/", views_reports.reports, name="reports"),
    path("reports/generate/", views_reports.generate, name="reports_generate"),
    path("reports/<int:report_id>.pdf", views_reports.download, name="report_download"),
    path("scores/", views_scores.ranking, name="scores"),
    path("scores/publish/", views_scores.publish, name="scores_publish"),
    re_path(r"^statistics/export\.(?P<fmt>csv|xlsx)$", views_statistics.statistics_export, name="statistics_export"),
    path("instant/", views_instant.instant_page, name="instant"),
    path("instant/<int:audit_id>/review/", views_instant.review, name="instant_review"),
    path("orders/", views_orders.supervisor_orders, name="orders"),
    path("orders/<int:order_id>/close/", views_orders.close, name="order_close"),
    path("orders/<int:order_id>/return/", views_orders.send_back, name="order_return"),
    path("department-orders/", views_orders.department_orders, name="department_orders"),
    path("department-orders/<int:order_id>/answer/", views_orders.answer, name="order_answer"),
    path("orders/<int:order_id>/attachments/<int:attachment_id>/", views_orders.attachment, name="order_attachment"),
    path("appeals/", views_ratings.appeals, name="appeals"),
    path("complaints/", views_complaints.supervisor_list, name="complaints"),
    path("complaints/new/", views_complaints.new, name="complaint_new"),
    path("complaints/track/", views_complaints.track, name="complaint_track"),
    path("complaints/<int:complaint_id>/assign/", views_complaints.assign, name="complaint_assign"),
    path("complaints/<int:complaint_id>/close/", views_complaints.close, name="complaint_close"),
    path("complaints/<int:complaint_id>/answer/", views_complaints.answer, name="complaint_answer"),
    path(
        "complaints/<int:complaint_id>/attachments/<int:attachment_id>/",
        views_complaints.attachment,
        name="complaint_attachment",
    ),
    path("department-complaints/", views_complaints.department_list, name="department_complaints"),
    path("appeals/<int:appeal_id>/review/", views_ratings.review, name="appeal_review"),
]
