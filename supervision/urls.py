"""E-monitoring pages (电子监察) for supervisors, in the ``supervision`` namespace."""

from django.urls import path

from supervision import views, views_anomalies, views_cases, views_orders

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("warnings/", views.warnings, name="warnings"),
    path("cases/", views_cases.cases, name="cases"),
    path("anomalies/", views_anomalies.anomalies, name="anomalies"),
    path("orders/", views_orders.supervisor_orders, name="orders"),
    path("orders/<int:order_id>/close/", views_orders.close, name="order_close"),
    path("orders/<int:order_id>/return/", views_orders.send_back, name="order_return"),
    path("department-orders/", views_orders.department_orders, name="department_orders"),
    path("department-orders/<int:order_id>/answer/", views_orders.answer, name="order_answer"),
    path("orders/<int:order_id>/attachments/<int:attachment_id>/", views_orders.attachment, name="order_attachment"),
]
