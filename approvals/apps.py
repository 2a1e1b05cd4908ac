from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "办件"

    def ready(self):
        from approvals import rating_stats, receivers  # noqa: F401
        from catalog import figures

        figures.register(rating_stats.public_figures)  # 好差评 满意率 on the catalog's pages
