from django.urls import path

from approvals import urls_portal, urls_workbench, views

app_name = "approvals"

urlpatterns = [
    path("cases/<str:number>/notices/<str:kind>.pdf", views.notice_pdf, name="notice"),
    path("verify/<str:code>/", views.verify, name="verify"),
    *urls_portal.urlpatterns,
    *urls_workbench.urlpatterns,
]
