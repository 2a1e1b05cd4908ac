"""Window workbench (窗口工作台) pages, in the ``approvals`` namespace."""

from django.urls import path

from approvals import views_workbench as views
from approvals import views_workbench_case as case_views

urlpatterns = [
    path("workbench/", views.queue, name="workbench"),
    path("workbench/absence/", views.absence, name="work_absence"),
    path("workbench/file/", views.file_walk_in, name="work_file"),
    path("workbench/cases/<str:number>/", case_views.case_page, name="work_case"),
    path("workbench/cases/<str:number>/reveal/", case_views.reveal, name="work_reveal"),
    path("workbench/cases/<str:number>/materials/", case_views.upload, name="work_upload"),
    path("workbench/cases/<str:number>/materials/<int:material_id>/", case_views.material, name="work_material"),
    path("workbench/cases/<str:number>/act/<str:action>/", case_views.act, name="work_act"),
]
