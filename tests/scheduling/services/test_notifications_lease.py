"""A notification whose sender died mid-delivery is sent after the lease, once; meanwhile the
backlog gauge shows it.

A sender claims a row for a few minutes (``OPD_NOTIFICATION_LEASE_MINUTES``). If it dies while
delivering, the row stays ``sending``: ``/metrics`` counts it, and once the lease has lapsed the
next pass claims and sends it. While the lease runs, no other sender touches it.
"""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from opd_site import clock as opd_clock
from scheduling import sms
from scheduling.models import EventKind, Notification
from scheduling.services.notifications import send_due_notifications
from tests import factories

pytestmark = pytest.mark.django_db

LEASE_MINUTES = 5
METRICS_TOKEN = "scrape-secret-0123456789"


class SenderDied(BaseException):
    """The process stops in the middle of a delivery (killed, out of memory): nothing is caught."""


class DyingSMSBackend:
    def send(self, to: str, body: str) -> None:
        raise SenderDied()


class SecondSenderMeanwhileBackend:
    """Delivers, but first lets another sender run its pass while this one holds the row."""

    meanwhile: list[dict] = []

    def send(self, to: str, body: str) -> None:
        type(self).meanwhile.append(send_due_notifications())
        sms.outbox.append({"to": to, "body": body})


@pytest.fixture
def text_message(clock, outboxes):
    """One SMS due now, for a patient moved to a later slot."""
    now = opd_clock.now()
    return Notification.objects.create(
        patient=factories.PatientFactory(),
        channel=Notification.Channel.SMS,
        recipient="+919800000001",
        kind=EventKind.BUMPED,
        subject="Your OPD token has moved to a later slot",
        body="Your OPD token has moved to a later slot.",
        next_attempt_at=now,
        created_at=now,
    )


@pytest.fixture
def sender_died(text_message, settings):
    """A first pass whose process died while it was sending the message."""
    settings.OPD = {**settings.OPD, "NOTIFICATION_LEASE_MINUTES": LEASE_MINUTES}
    settings.SMS_BACKEND = f"{__name__}.DyingSMSBackend"
    with pytest.raises(SenderDied):
        send_due_notifications()
    settings.SMS_BACKEND = "scheduling.sms.LocmemSMSBackend"
    return text_message


def backlog(client, monkeypatch) -> dict[str, float]:
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200
    return {
        sample.labels["status"]: sample.value
        for family in text_string_to_metric_families(response.content.decode())
        if family.name == "opd_notifications_backlog"
        for sample in family.samples
    }


def test_a_message_whose_sender_died_is_sent_once_the_lease_has_lapsed(sender_died, clock):
    assert sms.outbox == []

    clock.advance(minutes=LEASE_MINUTES)
    result = send_due_notifications()

    assert result == {"sent": 1, "failed": 0}
    assert [text["to"] for text in sms.outbox] == ["+919800000001"]
    sender_died.refresh_from_db()
    assert sender_died.status == Notification.Status.SENT

    clock.advance(minutes=LEASE_MINUTES * 3)
    send_due_notifications()
    assert len(sms.outbox) == 1


def test_while_the_lease_runs_no_other_pass_sends_it(sender_died, clock):
    clock.advance(minutes=LEASE_MINUTES - 1)

    assert send_due_notifications() == {"sent": 0, "failed": 0}
    assert sms.outbox == []


def test_the_backlog_gauge_counts_a_message_stuck_in_sending(
    sender_died, client, monkeypatch, clock
):
    assert backlog(client, monkeypatch)["sending"] == 1

    clock.advance(minutes=LEASE_MINUTES)
    send_due_notifications()

    assert backlog(client, monkeypatch) == {"pending": 0, "sending": 0, "failed": 0}


def test_a_second_sender_running_meanwhile_does_not_send_the_message_again(text_message, settings):
    settings.SMS_BACKEND = f"{__name__}.SecondSenderMeanwhileBackend"
    SecondSenderMeanwhileBackend.meanwhile = []

    assert send_due_notifications() == {"sent": 1, "failed": 0}

    assert SecondSenderMeanwhileBackend.meanwhile == [{"sent": 0, "failed": 0}]
    assert len(sms.outbox) == 1


def test_a_sender_that_dies_on_the_last_attempt_leaves_a_failed_message(
    sender_died, settings, clock
):
    settings.OPD = {**settings.OPD, "NOTIFICATION_MAX_ATTEMPTS": 1}
    clock.advance(minutes=LEASE_MINUTES)

    send_due_notifications()

    sender_died.refresh_from_db()
    assert sender_died.status == Notification.Status.FAILED
    assert sms.outbox == []
