from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "事项目录"

    def ready(self):
        # Any change of the directory's rows renews the directory cache's token (catalog.directory).
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(_directory_row_changed, dispatch_uid=f"catalog-directory-{id(signal)}")


def _directory_row_changed(sender, **kwargs):
    meta = getattr(sender, "_meta", None)
    if meta is None:
        return
    if meta.app_label == "catalog" or (meta.app_label, meta.model_name) == ("hall", "department"):
        from catalog import directory

        directory.changed()
