"""Emergencies: always admitted now (free seat, reserve, bump, overflow), first to be seen."""

import pytest

from queueing.services import call_next, check_in, complete
from scheduling.errors import IllegalTransition
from scheduling.invariants import check_invariants
from scheduling.models import EventKind, Slot, TokenStatus
from scheduling.services.emergencies import admit_emergency, fast_track
from scheduling.services.outcomes import Outcome
from tests.scheduling.helpers import book, event_count, fill, kinds, make_day, new_patient, reload


def admit(day, **kwargs):
    return admit_emergency(doctor=day.doctor, patient=new_patient(), **kwargs)


def test_emergency_goes_to_the_slot_in_progress_even_when_later_slots_have_room(day, clock):
    clock.advance(hours=2, minutes=15)  # 10:15
    events = event_count()

    allocation = admit(day, reason="Chest pain")

    token = allocation.token
    assert allocation.outcome == Outcome.EMERGENCY
    assert token.slot_id == day.slots[1].id
    assert (token.source, token.priority, token.fee) == ("emergency", 100, 0)
    assert token.reason == "Chest pain"
    assert event_count() == events + 1
    assert kinds(token) == [EventKind.EMERGENCY_ADMITTED]


def test_emergency_before_the_first_slot_goes_to_the_next_slot(day):
    assert admit(day).token.slot_id == day.slots[0].id


def test_emergency_through_request_token_is_admitted_the_same_way(day):
    allocation = book(day, "emergency")

    assert allocation.outcome == Outcome.EMERGENCY
    assert allocation.token.slot_id == day.slots[0].id


def test_emergency_takes_the_emergency_reserve_when_the_slot_is_full(day):
    seated = fill(day.slots[0], 2, "walk_in", day=day)

    allocation = admit(day)

    assert allocation.outcome == Outcome.RESERVE
    assert allocation.token.slot_id == day.slots[0].id
    assert allocation.bumped == []
    assert all(reload(token).slot_id == day.slots[0].id for token in seated)


def test_emergency_bumps_the_lowest_priority_token_when_the_reserve_is_used(day, clock):
    fill(day.slots[0], 1, "online", day=day)
    walk_in = fill(day.slots[0], 1, "walk_in", day=day)[0]
    admit(day)  # the reserve seat
    events = event_count()

    allocation = admit(day)

    assert allocation.outcome == Outcome.BUMPED
    assert [token.id for token in allocation.bumped] == [walk_in.id]
    assert reload(walk_in).slot_id == day.slots[1].id
    assert allocation.token.slot_id == day.slots[0].id
    assert allocation.token.is_overflow is False
    assert event_count() == events + 2


def test_emergency_overflows_past_capacity_only_as_a_last_resort(clock, db):
    day = make_day(hours=(9, 10), capacity=1)
    fill(day.slots[1], 1, "online", day=day)
    fill(day.slots[0], 1, "online", day=day)  # nobody can be bumped: 10:00 is full too
    admit(day)  # the reserve seat
    events = event_count()

    allocation = admit(day, reason="Road accident")

    token = allocation.token
    assert allocation.outcome == Outcome.OVERFLOW
    assert token.slot_id == day.slots[0].id
    assert token.is_overflow is True
    assert event_count() == events + 1
    assert kinds(token) == [EventKind.OVERFLOW]
    assert check_invariants() == []  # the overflow is recorded, so capacity still holds


def test_emergency_never_bumps_another_emergency(clock, db):
    day = make_day(hours=(9, 10), capacity=1, emergency_reserve=0)
    first = admit(day).token

    allocation = admit(day)

    assert allocation.outcome == Outcome.OVERFLOW
    assert reload(first).slot_id == day.slots[0].id


def test_emergency_is_admitted_when_the_slot_only_has_a_walk_in_reserve(clock, db):
    clock.advance(minutes=-30)  # 07:30: the 09:00 walk-in reserve is still held
    day = make_day(hours=(9,), capacity=2, walk_in_reserve=1)
    fill(day.slots[0], 1, "online", day=day)

    allocation = admit(day)

    assert allocation.outcome == Outcome.EMERGENCY
    assert allocation.token.slot_id == day.slots[0].id


def test_emergency_goes_to_the_head_of_the_serving_queue(day, clock):
    paid = fill(day.slots[0], 1, "priority", day=day)[0]
    check_in(token=paid)
    clock.advance(hours=1, minutes=5)  # 09:05
    emergency = admit(day).token
    check_in(token=emergency)

    assert call_next(doctor=day.doctor).id == emergency.id


def test_fast_track_raises_a_token_to_emergency_and_seats_it_in_the_slot_in_progress(day, clock):
    token = book(day, "online", slot=day.slots[2]).token
    clock.advance(hours=1, minutes=30)  # 09:30
    events = event_count()

    fast_track(token=token, reason="Breathless")

    token = reload(token)
    assert token.priority == 100
    assert token.source == "online"
    assert token.slot_id == day.slots[0].id
    assert event_count() == events + 1
    assert kinds(token)[-1] == EventKind.FAST_TRACKED
    event = token.events.last()
    assert (event.from_slot_id, event.to_slot_id) == (day.slots[2].id, day.slots[0].id)


def test_fast_track_in_the_slot_in_progress_keeps_the_seat(day, clock):
    token = book(day, "walk_in").token
    clock.advance(hours=1, minutes=10)
    check_in(token=token)

    fast_track(token=token)

    token = reload(token)
    assert (token.priority, token.slot_id, token.status) == (
        100,
        day.slots[0].id,
        TokenStatus.CHECKED_IN,
    )


def test_fast_track_follows_the_emergency_rules_up_to_overflow(clock, db):
    day = make_day(hours=(9, 10), capacity=1)
    check_in(token=fill(day.slots[0], 1, "priority", day=day)[0])  # checked in: never bumped
    admit(day)  # 09:00 reserve taken
    later = fill(day.slots[1], 1, "online", day=day)[0]

    fast_track(token=later)

    later = reload(later)
    assert later.slot_id == day.slots[0].id
    assert later.is_overflow is True
    assert check_invariants() == []


@pytest.mark.parametrize("status", [TokenStatus.COMPLETED, TokenStatus.CANCELLED])
def test_only_booked_or_checked_in_tokens_can_be_fast_tracked(day, clock, status):
    token = book(day, "walk_in").token
    if status == TokenStatus.CANCELLED:
        from scheduling.services.cancellation import cancel_token

        cancel_token(token=token)
    else:
        from queueing.services import call_token

        clock.advance(hours=1)
        check_in(token=token)
        call_token(token=token)
        complete(token=token)

    with pytest.raises(IllegalTransition):
        fast_track(token=reload(token))


def test_fast_tracking_twice_is_refused(day):
    token = book(day, "walk_in").token
    fast_track(token=token)

    with pytest.raises(IllegalTransition):
        fast_track(token=reload(token))


def test_cancelled_slot_is_never_the_emergency_slot(day):
    Slot.objects.filter(pk=day.slots[0].pk).update(status=Slot.Status.CANCELLED)

    assert admit(day).token.slot_id == day.slots[1].id
