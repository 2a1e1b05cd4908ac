"""一件事 pages (portal and workbench), in the ``approvals`` namespace."""

from django.urls import path

from approvals import views_bundles as views

urlpatterns = [
    path("bundles/apply/<str:code>/", views.start, name="bundle_start"),
    path("bundles/cases/<str:number>/", views.case, name="bundle_case"),
    path("bundles/cases/<str:number>/materials/", views.upload, name="bundle_upload"),
    path("bundles/cases/<str:number>/submit/", views.submit, name="bundle_submit"),
    path("bundles/cases/<str:number>/resubmit/", views.resubmit, name="bundle_resubmit"),
    path("bundles/cases/<str:number>/accept/", views.accept, name="bundle_accept"),
    path("workbench/bundles/", views.work_list, name="work_bundles"),
]
