"""E-monitoring pages (电子监察) for supervisors, in the ``supervision`` namespace."""

from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
