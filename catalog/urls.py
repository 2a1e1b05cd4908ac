from django.urls import path

from catalog import views

app_name = "catalog"

# "changes/" comes before "<code>/": a fixed path wins over an item code of the same spelling.
urlpatterns = [
    path("", views.search, name="search"),
    path("changes/", views.changes, name="changes"),
    path("<str:code>/", views.item, name="item"),
    path("<str:code>/print/", views.print_guide, name="print"),
    path("<str:code>/checklist/", views.checklist, name="checklist"),
]
