"""Pluggable SMS delivery. ``settings.SMS_BACKEND`` names a class with ``send(to, body)``."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("opd.sms")

outbox: list[dict] = []


class ConsoleSMSBackend:
    """Development: print the message instead of sending it."""

    def send(self, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


class LocmemSMSBackend:
    """Tests: keep messages in ``scheduling.sms.outbox``."""

    def send(self, to: str, body: str) -> None:
        outbox.append({"to": to, "body": body})


def get_backend():
    return import_string(settings.SMS_BACKEND)()
