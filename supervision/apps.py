from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "电子监察"

    def ready(self):
        from supervision import receivers  # noqa: F401
