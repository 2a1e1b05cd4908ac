"""Fee pages: the applicant's pay page, the department's assessment form, the collection window, the
reconciliation report and the treasury view."""

from django.urls import path

from fees import views, views_finance, views_refunds, views_staff, views_waiver

app_name = "fees"

urlpatterns = [
    path("pay/<str:number>/", views.pay, name="pay"),
    path("pay/<str:number>/simulator/", views.pay_simulator, name="pay_simulator"),
    path("assess/<str:number>/", views_staff.assess, name="assess"),
    path("waive/<str:number>/", views_waiver.waive, name="waive"),
    path("cashier/", views_staff.cashier, name="cashier"),
    path("reconciliation/", views_finance.reconciliation, name="reconciliation"),
    path("reconciliation/<str:day>/", views_finance.reconciliation, name="reconciliation_day"),
    path("treasury/", views_finance.treasury_view, name="treasury"),
    path("refunds/<str:number>/", views_refunds.refunds, name="refunds"),
    path("refunds/<str:number>/<int:refund_id>/approve/", views_refunds.approve, name="refund_approve"),
]
