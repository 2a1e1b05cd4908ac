from django.urls import path

from approvals import urls_bundles, urls_portal, urls_ratings, urls_workbench, views, views_licences

app_name = "approvals"

urlpatterns = [
    path("cases/<str:number>/notices/<str:kind>.pdf", views.notice_pdf, name="notice"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("licences/verify/<str:number>/", views_licences.verify, name="licence_verify"),
    path("licences/<str:number>/revoke/", views_licences.revoke, name="licence_revoke"),
    path("my/licences/", views_licences.my_licences, name="my_licences"),
    path("my/licences/<str:number>.pdf", views_licences.licence_pdf, name="licence_pdf"),
    *urls_portal.urlpatterns,
    *urls_workbench.urlpatterns,
    *urls_bundles.urlpatterns,
    *urls_ratings.urlpatterns,
]
