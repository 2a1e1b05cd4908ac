from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "办件"

    def ready(self):
        from approvals import receivers  # noqa: F401
