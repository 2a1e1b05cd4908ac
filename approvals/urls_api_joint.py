"""API routes of joint cases (联合审批), included under ``/api/v1/`` by ``hall.urls``."""

from django.urls import path

from approvals import api_joint

urlpatterns = [
    path("applications/<str:number>/tasks", api_joint.TasksView.as_view(), name="api-joint-tasks"),
    path(
        "applications/<str:number>/tasks/<int:task_id>/opinion",
        api_joint.OpinionView.as_view(),
        name="api-joint-opinion",
    ),
    path("applications/<str:number>/meetings", api_joint.MeetingsView.as_view(), name="api-joint-meetings"),
    path(
        "applications/<str:number>/meetings/<int:meeting_id>/minutes",
        api_joint.MinutesView.as_view(),
        name="api-joint-minutes",
    ),
    path("me/tasks", api_joint.MyTasksView.as_view(), name="api-joint-my-tasks"),
]
