"""Fixtures for the engine's tests: a frozen Monday with a small doctor-day, and outboxes."""

import pytest

from scheduling import sms
from tests.scheduling.helpers import make_day


@pytest.fixture
def day(clock, db):
    """Today (Monday 2 March 2026, now 08:00): one doctor, slots 09-13, two seats each."""
    return make_day()


@pytest.fixture
def outboxes(settings, mailoutbox):
    """E-mail in ``django.core.mail.outbox`` and SMS in ``scheduling.sms.outbox``."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "scheduling.sms.LocmemSMSBackend"
    sms.outbox.clear()
    yield mailoutbox, sms.outbox
    sms.outbox.clear()
