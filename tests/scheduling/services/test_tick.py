"""``manage.py opd_tick``: no-shows, expiry of waiting entries, reserve release and delivery of
notifications, each exactly once however often it runs."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from scheduling.models import EventKind, Notification, TokenEvent, TokenStatus, WaitingEntry
from tests.scheduling.helpers import (
    at,
    book,
    event_count,
    fill,
    fill_day,
    make_day,
    new_patient,
    reload,
)
from tests.scheduling.services.sms_backends import FlakySMSBackend


def tick() -> str:
    from io import StringIO

    out = StringIO()
    call_command("opd_tick", stdout=out)
    return out.getvalue()


@pytest.fixture
def bumped_patient(day, clock):
    """A patient with e-mail and phone whose token was bumped: two outbox rows."""
    patient = new_patient(email="asha@example.com", phone="+919800000001")
    fill(day.slots[0], 1, "online", day=day)
    clock.advance(minutes=1)
    book(day, "online", slot=day.slots[0], patient=patient)  # the latest booked: bumped
    allocation = book(day, "priority", slot=day.slots[0])
    assert allocation.bumped[0].patient_id == patient.id
    return patient


def test_tick_marks_no_shows_after_the_grace_period(day, clock, outboxes):
    token = book(day, "online").token
    clock.set(at(day.date, 9, 16))

    output = tick()

    assert "no_shows=1" in output
    assert reload(token).status == TokenStatus.NO_SHOW
    assert "no_shows=0" in tick()


def test_tick_expires_waiting_entries_once_the_day_is_over(clock, db, outboxes):
    day = make_day(hours=(9,), capacity=1)
    from queueing.services import check_in

    check_in(token=fill_day(day, "priority")[0])  # arrived: no no-show frees the seat
    entry = book(day, "online").waiting

    clock.set(at(day.date, 9, 59))
    tick()
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.WAITING

    clock.set(at(day.date, 10, 0))
    assert "expired=1" in tick()
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.EXPIRED
    assert (
        TokenEvent.objects.filter(waiting_entry=entry, kind=EventKind.WAITING_EXPIRED).count() == 1
    )

    events = event_count()
    assert "expired=0" in tick()
    assert event_count() == events


def test_tick_sends_each_notification_once_by_email_and_sms(bumped_patient, outboxes):
    mail, texts = outboxes

    tick()

    assert [message.to for message in mail] == [["asha@example.com"]]
    assert "later slot" in mail[0].subject
    assert [text["to"] for text in texts] == ["+919800000001"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}

    tick()
    tick()

    assert len(mail) == 1
    assert len(texts) == 1


def test_failed_delivery_is_retried_later_and_never_sent_twice(
    bumped_patient, outboxes, settings, clock
):
    mail, texts = outboxes
    settings.SMS_BACKEND = "tests.scheduling.services.sms_backends.FlakySMSBackend"
    FlakySMSBackend.failures_left, FlakySMSBackend.attempts = 1, 0

    assert "failed=1" in tick()
    sms_row = Notification.objects.get(channel="sms")
    assert (sms_row.status, sms_row.attempts) == ("failed", 1)
    assert "unreachable" in sms_row.last_error
    assert len(mail) == 1 and texts == []

    tick()  # not due yet: the retry waits NOTIFICATION_RETRY_MINUTES
    assert FlakySMSBackend.attempts == 1

    clock.advance(minutes=5)
    assert "sent=1" in tick()
    assert [text["to"] for text in texts] == ["+919800000001"]

    clock.advance(minutes=30)
    tick()
    assert len(texts) == 1 and len(mail) == 1
    assert FlakySMSBackend.attempts == 2


def test_delivery_gives_up_after_the_configured_attempts(bumped_patient, outboxes, settings, clock):
    settings.SMS_BACKEND = "tests.scheduling.services.sms_backends.FlakySMSBackend"
    FlakySMSBackend.failures_left, FlakySMSBackend.attempts = 100, 0
    settings.OPD = {**settings.OPD, "NOTIFICATION_MAX_ATTEMPTS": 3}

    for _ in range(10):
        tick()
        clock.advance(hours=1)

    assert FlakySMSBackend.attempts == 3
    assert Notification.objects.get(channel="sms").status == "failed"


def test_ticking_twice_at_the_same_moment_changes_nothing_the_second_time(day, clock, outboxes):
    mail, texts = outboxes
    fill(day.slots[0], 1, "online", day=day)
    clock.advance(minutes=1)
    book(day, "online", slot=day.slots[0], patient=new_patient(email="ravi@example.com"))
    book(day, "priority", slot=day.slots[0])
    clock.set(at(day.date + timedelta(days=1), 0, 0))

    first = tick()
    state = (
        event_count(),
        len(mail),
        len(texts),
        list(Notification.objects.values_list("status", flat=True)),
    )
    second = tick()

    assert "no_shows=3" in first
    assert second.split() == [
        "no_shows=0",
        "expired=0",
        "promoted=0",
        "estimate_notices=0",
        "sent=0",
        "failed=0",
        "idempotency_keys_purged=0",
    ]
    assert (
        event_count(),
        len(mail),
        len(texts),
        list(Notification.objects.values_list("status", flat=True)),
    ) == state
