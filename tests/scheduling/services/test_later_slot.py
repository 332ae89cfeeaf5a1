"""Step 6: a full target with nobody to bump seats the request in the earliest later slot."""

from scheduling.models import EventKind
from scheduling.services.outcomes import Outcome
from tests.scheduling.helpers import book, event_count, fill, kinds, make_day


def test_full_slot_moves_the_request_to_the_earliest_later_slot_with_room(day):
    fill(day.slots[0], 2, "online", day=day)
    fill(day.slots[1], 2, "online", day=day)
    events = event_count()

    allocation = book(day, "online", slot=day.slots[0])

    token = allocation.token
    assert allocation.outcome == Outcome.MOVED
    assert "full" in allocation.message and "later slot" in allocation.message
    assert token.slot_id == day.slots[2].id
    assert token.original_slot_id == day.slots[0].id
    assert event_count() == events + 1
    assert kinds(token) == [EventKind.MOVED]
    moved = token.events.get()
    assert (moved.from_slot_id, moved.to_slot_id) == (day.slots[0].id, day.slots[2].id)


def test_request_without_preference_moves_past_a_full_first_slot(day):
    fill(day.slots[0], 2, "priority", day=day)

    allocation = book(day, "walk_in")

    assert allocation.outcome == Outcome.MOVED
    assert allocation.token.slot_id == day.slots[1].id


def test_no_later_room_takes_an_earlier_open_seat_rather_than_wait_beside_it(clock, db):
    # Work-conserving (invariant 3): nobody waits while a seat they could take is free.
    day = make_day(hours=(9, 10), capacity=1)
    fill(day.slots[1], 1, "priority", day=day)

    allocation = book(day, "online", slot=day.slots[1])

    assert allocation.outcome == Outcome.MOVED
    assert allocation.token.slot_id == day.slots[0].id
