"""Text as the catalog stores it: one line ending (``\\n``), whatever the browser or file sent."""

from django.db import models


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise_text_fields(instance: models.Model) -> None:
    """``\\r\\n`` → ``\\n`` in every text and char field of ``instance`` (a textarea sends ``\\r\\n``)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname)
            if isinstance(value, str) and "\r" in value:
                setattr(instance, field.attname, normalise_newlines(value))
