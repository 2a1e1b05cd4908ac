"""Window workbench (窗口工作台) pages."""

urlpatterns = []
