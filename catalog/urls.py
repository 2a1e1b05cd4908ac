from django.urls import path

from catalog import views, views_bundles

app_name = "catalog"

# "changes/" and "bundles/" come before "<code>/": a fixed path wins over an item code of the same spelling.
urlpatterns = [
    path("", views.search, name="search"),
    path("changes/", views.changes, name="changes"),
    path("bundles/", views_bundles.bundle_list, name="bundles"),
    path("bundles/<str:code>/", views_bundles.bundle, name="bundle"),
    path("<str:code>/", views.item, name="item"),
    path("<str:code>/print/", views.print_guide, name="print"),
    path("<str:code>/checklist/", views.checklist, name="checklist"),
]
