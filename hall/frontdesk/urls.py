from django.urls import path

from hall.frontdesk import views

app_name = "frontdesk"

urlpatterns = [
    path("kiosk/", views.kiosk, name="kiosk"),
    path("kiosk/ticket/<str:token>/", views.ticket, name="ticket"),
    path("board/", views.board, name="board"),
    path("windows/", views.windows, name="windows"),
    path("windows/<str:code>/", views.window_panel, name="window"),
    path("windows/<str:code>/<str:act>/", views.window_act, name="window_act"),
    path("appointments/", views.my_appointments, name="appointments"),
    path("appointments/<str:act>/", views.appointment_act, name="appointment_act"),
    path("agency/", views.agency_projects, name="agency"),
    path("agency/<int:project_id>/", views.contact_card, name="contact_card"),
    path("agency/<int:project_id>/assign/", views.agency_assign, name="agency_assign"),
    path("statistics/", views.statistics, name="statistics"),
]
