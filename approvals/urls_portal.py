"""Applicant portal (网上办事大厅) pages."""

urlpatterns = []
