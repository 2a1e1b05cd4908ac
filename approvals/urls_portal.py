"""Applicant portal (网上办事大厅) pages."""

from django.urls import path

from approvals import views_delivery, views_evaluation, views_licences, views_reform
from approvals import views_portal as views

urlpatterns = [
    path("my/cases/", views.my_cases, name="my_cases"),
    path("apply/<str:code>/", views.start, name="start"),
    path("cases/<str:number>/", views.case, name="case"),
    path("cases/<str:number>/materials/", views.upload, name="upload"),
    path("cases/<str:number>/materials/reuse/", views.reuse, name="reuse"),
    path("cases/<str:number>/materials/licence/", views_licences.use_licence, name="use_licence"),
    path("cases/<str:number>/materials/<int:material_id>/", views.material, name="material"),
    path("cases/<str:number>/submit/", views.submit, name="submit"),
    path("cases/<str:number>/commitment/", views_reform.sign_commitment, name="sign_commitment"),
    path("cases/<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("cases/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<str:number>/evaluate/", views_evaluation.evaluate, name="evaluate"),
    path("cases/<str:number>/delivery/", views_delivery.choose_delivery, name="choose_delivery"),
    path("progress/", views.progress, name="progress"),
]
