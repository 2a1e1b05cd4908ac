"""Window workbench (窗口工作台) pages, in the ``approvals`` namespace."""

from django.urls import path

from approvals import views_delegations, views_joint, views_reform, views_regulators, views_shipping
from approvals import views_workbench as views
from approvals import views_workbench_case as case_views

urlpatterns = [
    path("workbench/", views.queue, name="workbench"),
    path("workbench/absence/", views.absence, name="work_absence"),
    path("workbench/verifications/", views_reform.verifications, name="work_verifications"),
    path("regulator/", views_regulators.inbox, name="regulator_inbox"),
    path("regulator/<int:push_id>/read/", views_regulators.read, name="regulator_read"),
    path("regulator/<int:push_id>/finding/", views_regulators.finding, name="regulator_finding"),
    path("workbench/verifications/<int:verification_id>/", views_reform.verify, name="work_verify"),
    path("workbench/delegations/", views_delegations.delegations, name="work_delegations"),
    path("workbench/delegations/<int:delegation_id>/revoke/", views_delegations.revoke, name="work_delegation_revoke"),
    path("workbench/file/", views.file_walk_in, name="work_file"),
    path("workbench/cases/<str:number>/", case_views.case_page, name="work_case"),
    path("workbench/cases/<str:number>/reveal/", case_views.reveal, name="work_reveal"),
    path("workbench/cases/<str:number>/materials/", case_views.upload, name="work_upload"),
    path("workbench/cases/<str:number>/materials/<int:material_id>/", case_views.material, name="work_material"),
    path("workbench/cases/<str:number>/act/<str:action>/", case_views.act, name="work_act"),
    # 联合审批: the departments' tasks, opinions, 集中会审
    path("workbench/tasks/", views_joint.tasks_page, name="work_tasks"),
    path("workbench/cases/<str:number>/tasks/<int:task_id>/opinion/", views_joint.give_opinion, name="work_opinion"),
    path("workbench/cases/<str:number>/meetings/", views_joint.schedule_meeting, name="work_meeting"),
    path(
        "workbench/cases/<str:number>/meetings/<int:meeting_id>/minutes/",
        views_joint.record_minutes,
        name="work_minutes",
    ),
    path(
        "workbench/cases/<str:number>/attachments/<int:attachment_id>/", views_joint.attachment, name="work_attachment"
    ),
    path("workbench/cases/<str:number>/receipt/", views_shipping.receipt_scan, name="work_receipt_scan"),
    path("workbench/cases/<str:number>/carrier/<str:status>/", views_shipping.simulate_carrier, name="work_carrier"),
]
