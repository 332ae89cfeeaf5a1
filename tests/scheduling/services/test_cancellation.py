"""Cancellation: a patient until the slot starts, staff any token not yet completed."""

import pytest

from queueing.services import call_token, check_in, complete
from scheduling.errors import CancellationNotAllowed, IllegalTransition
from scheduling.models import CancelledBy, EventKind, TokenStatus
from scheduling.services.cancellation import cancel_token, cancellation_check
from tests.scheduling.helpers import at, book, event_count, kinds, reload, snapshot


def test_patient_cancels_their_token_before_the_slot_starts(day, patient_user):
    token = book(day, "online", patient=patient_user.patient).token
    events = event_count()

    cancel_token(token=token, actor=patient_user, reason="Feeling better")

    token = reload(token)
    assert token.status == TokenStatus.CANCELLED
    assert token.cancelled_by == CancelledBy.PATIENT
    assert token.cancellation_reason == "Feeling better"
    assert token.cancelled_at is not None
    assert event_count() == events + 1
    assert kinds(token) == [EventKind.BOOKED, EventKind.CANCELLED]
    assert token.events.last().from_slot_id == token.slot_id


def test_cancelled_seat_is_free_again(day):
    first = book(day, "online", slot=day.slots[0]).token
    book(day, "online", slot=day.slots[0])

    cancel_token(token=first)

    assert book(day, "online", slot=day.slots[0]).token.slot_id == day.slots[0].id


def test_patient_cannot_cancel_once_the_slot_has_started(day, clock, patient_user):
    token = book(day, "online", patient=patient_user.patient).token
    clock.set(at(day.date, 9, 0))

    check = cancellation_check(token=token, actor=patient_user)
    before = snapshot()
    with pytest.raises(CancellationNotAllowed) as raised:
        cancel_token(token=token, actor=patient_user)

    assert check.allowed is False
    assert raised.value.code == "cancellation_not_allowed"
    assert snapshot() == before


def test_staff_may_cancel_a_checked_in_token_after_the_slot_started(day, clock, receptionist):
    token = book(day, "walk_in").token
    clock.set(at(day.date, 9, 10))
    check_in(token=token)

    cancel_token(token=token, actor=receptionist)

    token = reload(token)
    assert token.status == TokenStatus.CANCELLED
    assert token.cancelled_by == CancelledBy.STAFF


@pytest.mark.parametrize("stage", ["in_consultation", "completed"])
def test_staff_cannot_cancel_a_token_already_with_the_doctor_or_completed(
    day, clock, receptionist, stage
):
    token = book(day, "walk_in").token
    clock.set(at(day.date, 9, 10))
    check_in(token=token)
    call_token(token=token)
    if stage == "completed":
        complete(token=token)

    before = snapshot()
    with pytest.raises(IllegalTransition) as raised:
        cancel_token(token=reload(token), actor=receptionist)

    assert raised.value.details["status"] == stage
    assert snapshot() == before


def test_cancelling_twice_is_refused(day):
    token = book(day, "online").token
    cancel_token(token=token)

    with pytest.raises(IllegalTransition):
        cancel_token(token=reload(token))


def test_cancellation_check_says_who_may_cancel_and_whether_it_is_refunded(day, receptionist, pay):
    token = pay(book(day, "online").token)

    check = cancellation_check(token=token)

    assert check.allowed is True
    assert check.refund_eligible is False  # today: less than 24 hours before the slot
    assert "no refund" in check.reason
