"""The live queue: call next by priority, then earliest slot, then earliest check-in, among
started slots; requeue; completing feeds the doctor's rolling average."""

from decimal import Decimal

import pytest

from queueing.services import call_next, call_token, check_in, complete, requeue
from scheduling.errors import ConsultationInProgress, IllegalTransition, QueueEmpty
from scheduling.models import EventKind, TokenStatus
from tests.scheduling.helpers import at, book, event_count, kinds, reload, snapshot


def test_call_next_takes_the_highest_priority_checked_in_patient(day, clock):
    online = book(day, "online").token
    paid = book(day, "priority").token
    check_in(token=online)
    clock.advance(minutes=5)
    check_in(token=paid)
    clock.set(at(day.date, 9, 5))
    events = event_count()

    called = call_next(doctor=day.doctor)

    assert called.id == paid.id
    assert reload(paid).status == TokenStatus.IN_CONSULTATION
    assert reload(paid).called_at == clock()
    assert event_count() == events + 1
    assert kinds(paid)[-1] == EventKind.CALLED


def test_equal_priority_goes_by_earliest_slot(day, clock):
    later_slot = book(day, "online", slot=day.slots[1]).token
    earlier_slot = book(day, "online", slot=day.slots[0]).token
    check_in(token=later_slot)
    clock.advance(minutes=1)
    check_in(token=earlier_slot)
    clock.set(at(day.date, 10, 5))

    assert call_next(doctor=day.doctor).id == earlier_slot.id


def test_equal_priority_and_slot_goes_by_earliest_check_in(day, clock):
    booked_first = book(day, "online").token
    booked_second = book(day, "online").token
    check_in(token=booked_second)
    clock.advance(minutes=1)
    check_in(token=booked_first)
    clock.set(at(day.date, 9, 5))

    assert call_next(doctor=day.doctor).id == booked_second.id


def test_only_slots_that_have_started_are_called(day, clock):
    token = book(day, "online").token
    check_in(token=token)
    clock.set(at(day.date, 8, 59))

    before = snapshot()
    with pytest.raises(QueueEmpty) as raised:
        call_next(doctor=day.doctor)
    assert raised.value.code == "queue_empty"
    assert snapshot() == before

    clock.set(at(day.date, 9, 0))
    assert call_next(doctor=day.doctor).id == token.id


def test_booked_patients_who_have_not_arrived_are_not_called(day, clock):
    book(day, "priority")
    clock.set(at(day.date, 9, 5))

    with pytest.raises(QueueEmpty):
        call_next(doctor=day.doctor)


def test_requeued_patient_goes_behind_the_next_one(day, clock):
    first = book(day, "online").token
    second = book(day, "online").token
    check_in(token=first)
    clock.advance(minutes=1)
    check_in(token=second)
    clock.set(at(day.date, 9, 5))
    assert call_next(doctor=day.doctor).id == first.id
    events = event_count()

    requeue(token=first, reason="Not in the room")

    first = reload(first)
    assert first.status == TokenStatus.CHECKED_IN
    assert first.called_at is None
    assert event_count() == events + 1
    assert kinds(first)[-1] == EventKind.REQUEUED
    assert call_next(doctor=day.doctor).id == second.id
    complete(token=reload(second))
    assert call_next(doctor=day.doctor).id == first.id


def test_only_a_called_patient_can_be_requeued(day, clock):
    token = book(day, "online").token
    check_in(token=token)

    with pytest.raises(IllegalTransition):
        requeue(token=token)


def test_completing_feeds_the_doctors_rolling_average(day, clock):
    token = book(day, "online").token
    check_in(token=token)
    clock.set(at(day.date, 9, 0))
    call_next(doctor=day.doctor)
    clock.advance(minutes=20)
    events = event_count()

    complete(token=token)

    token = reload(token)
    assert token.status == TokenStatus.COMPLETED
    assert token.completed_at == clock()
    assert event_count() == events + 1
    day.doctor.refresh_from_db()
    # 10 minutes so far, weighted 0.8, plus this 20-minute consultation weighted 0.2.
    assert day.doctor.average_consultation_minutes == Decimal("12.00")


def test_estimated_wait_is_tokens_ahead_times_the_average(day, clock):
    from scheduling.selectors import queue_for

    tokens = [book(day, "online").token for _ in range(2)]
    for token in tokens:
        check_in(token=token)
    clock.set(at(day.date, 9, 0))

    queue = queue_for(doctor=day.doctor)

    assert [item.position for item in queue] == [1, 2]
    assert [item.estimated_wait_minutes for item in queue] == [0, 10]


def test_call_next_while_a_patient_is_in_consultation_is_refused_naming_them(day, clock):
    first = book(day, "online").token
    second = book(day, "online").token
    check_in(token=first)
    check_in(token=second)
    clock.set(at(day.date, 9, 5))
    call_next(doctor=day.doctor)
    before = snapshot()

    with pytest.raises(ConsultationInProgress) as refused:
        call_next(doctor=day.doctor)

    assert refused.value.status == 409
    assert refused.value.details["token"] == first.id
    assert first.display_number in refused.value.message
    assert snapshot() == before
    assert reload(second).status == TokenStatus.CHECKED_IN
    complete(token=first)
    assert call_next(doctor=day.doctor).id == second.id


def test_calling_a_particular_patient_is_refused_too_while_another_is_in(day, clock):
    first = book(day, "online").token
    second = book(day, "online").token
    check_in(token=first)
    check_in(token=second)
    clock.set(at(day.date, 9, 5))
    call_next(doctor=day.doctor)

    with pytest.raises(ConsultationInProgress):
        call_token(token=second)

    requeue(token=first)
    assert call_token(token=second).status == TokenStatus.IN_CONSULTATION


def test_a_called_patient_is_requeued_not_checked_in_a_second_time(day, clock):
    token = book(day, "online").token
    check_in(token=token)
    clock.set(at(day.date, 9, 5))
    call_next(doctor=day.doctor)

    with pytest.raises(IllegalTransition):
        check_in(token=token)

    assert reload(token).status == TokenStatus.IN_CONSULTATION
    assert kinds(token).count(EventKind.CHECKED_IN) == 1
