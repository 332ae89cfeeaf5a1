"""Walk-in reserve: seats advance bookings cannot take until WALK_IN_RELEASE_MINUTES before the
slot; walk-ins and emergencies always can."""

import pytest

from scheduling.services.emergencies import admit_emergency
from scheduling.services.outcomes import Outcome
from tests.scheduling.helpers import at, book, fill, make_day, new_patient


@pytest.fixture
def reserved(clock, db):
    """11:00 and 12:00, two seats each, one of them kept for walk-ins (released at 10:00/11:00)."""
    return make_day(hours=(11, 12), capacity=2, walk_in_reserve=1)


@pytest.mark.parametrize("source", ["online", "priority"])
def test_advance_booking_cannot_take_the_walk_in_seat_before_release(reserved, source):
    fill(reserved.slots[0], 1, "online", day=reserved)

    book(reserved, source, slot=reserved.slots[0])

    # Whoever moved (the request, or the token it bumped), the seat kept for walk-ins is free.
    assert book(reserved, "walk_in", slot=reserved.slots[0]).outcome == Outcome.DIRECT


def test_online_request_for_a_slot_with_only_the_walk_in_seat_left_moves_on(reserved):
    fill(reserved.slots[0], 1, "online", day=reserved)

    allocation = book(reserved, "online", slot=reserved.slots[0])

    assert allocation.outcome == Outcome.MOVED
    assert allocation.token.slot_id == reserved.slots[1].id


def test_walk_in_takes_the_walk_in_seat(reserved):
    fill(reserved.slots[0], 1, "online", day=reserved)

    allocation = book(reserved, "walk_in", slot=reserved.slots[0])

    assert allocation.outcome == Outcome.DIRECT


def test_walk_in_reserve_opens_to_everyone_at_release_time(reserved, clock):
    fill(reserved.slots[0], 1, "online", day=reserved)

    clock.set(at(reserved.date, 9, 59))
    assert book(reserved, "online", slot=reserved.slots[0]).outcome == Outcome.MOVED
    clock.set(at(reserved.date, 10, 0))
    assert book(reserved, "online", slot=reserved.slots[0]).outcome == Outcome.DIRECT


def test_release_time_is_configuration(reserved, clock, settings):
    settings.OPD = {**settings.OPD, "WALK_IN_RELEASE_MINUTES": 180}  # 11:00 releases at 08:00
    fill(reserved.slots[0], 1, "online", day=reserved)

    assert book(reserved, "online", slot=reserved.slots[0]).outcome == Outcome.DIRECT


def test_emergency_may_take_the_walk_in_seat(clock, db):
    clock.set(at(clock().date(), 7, 30))
    day = make_day(hours=(9,), capacity=2, emergency_reserve=0, walk_in_reserve=1)
    fill(day.slots[0], 1, "online", day=day)

    allocation = admit_emergency(doctor=day.doctor, patient=new_patient())

    assert allocation.outcome == Outcome.EMERGENCY
    assert allocation.token.is_overflow is False


def test_advance_bookings_waitlist_rather_than_sit_in_the_reserve(reserved):
    for slot in reserved.slots:
        fill(slot, 1, "online", day=reserved)

    allocation = book(reserved, "online")

    assert allocation.outcome == Outcome.WAITLISTED
    assert book(reserved, "walk_in").outcome == Outcome.DIRECT
