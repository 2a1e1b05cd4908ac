from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = "服务大厅"

    def ready(self):
        from hall import receivers  # noqa: F401
