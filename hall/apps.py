from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = "服务大厅"

    def ready(self):
        from hall import receivers  # noqa: F401

        text_fields_take_only_text()


def text_fields_take_only_text() -> None:
    """A JSON number or boolean sent for a text field (a phone, a name, a reason) is a 400 on that field,
    not silently turned into text: the API does what its schema says (``type: string``; schemathesis's
    negative-data check). Form and query values are always text, so only JSON bodies are affected.
    One place for every DRF ``CharField`` and its subclasses (email, regex, slug)."""
    from rest_framework import serializers

    original = serializers.CharField.to_internal_value
    if getattr(original, "text_only", False):
        return

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return original(self, data)

    to_internal_value.text_only = True
    serializers.CharField.to_internal_value = to_internal_value
