"""SMS channel. ``settings.SMS_BACKEND`` names the class; the default only logs.

To plug in a real gateway (an operator's SMS platform, 12345 hotline system …), write a class with
``send(phone, text)`` that raises on failure (the Celery task retries) and point SMS_BACKEND at it.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("hall.sms")


class LoggingBackend:
    """Writes the message to the log instead of sending it (embedded default, tests)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)
        self.sent.append((phone, text))


def backend():
    return import_string(settings.SMS_BACKEND)()
