"""好差评 pages in the ``approvals`` namespace: the workbench's follow-ups and ratings, the window pad,
the SMS rating link and the rater's change of a rating (issue 21)."""

from django.urls import path

from approvals import views_follow_up, views_visits

urlpatterns = [
    path("workbench/follow-ups/", views_follow_up.follow_ups, name="follow_ups"),
    path("workbench/follow-ups/<int:follow_up_id>/", views_follow_up.follow_up, name="follow_up"),
    path("workbench/follow-ups/<int:follow_up_id>/verify/", views_follow_up.verify, name="follow_up_verify"),
    path("workbench/follow-ups/<int:follow_up_id>/rectify/", views_follow_up.rectify, name="follow_up_rectify"),
    path("workbench/follow-ups/<int:follow_up_id>/appeal/", views_follow_up.appeal, name="follow_up_appeal"),
    path("workbench/ratings/", views_follow_up.ratings, name="ratings"),
    path("workbench/ratings/export.<str:fmt>", views_visits.export, name="ratings_export"),
    path("workbench/windows/<str:window>/rating-link/", views_visits.send_link, name="rating_link_send"),
    path("pad/<str:window>/", views_visits.pad, name="rating_pad"),
    path("r/<str:token>/", views_visits.link, name="rating_link"),
]
