"""The live queue read by patients and the desk: order, positions and estimated waits."""

from queueing.services import call_next, check_in
from scheduling.selectors import queue_for, queue_item_for
from scheduling.services.emergencies import admit_emergency
from tests.scheduling.helpers import at, book, make_day, new_patient, reload


def test_queue_puts_the_consultation_first_then_arrivals_by_priority_then_the_rest(clock, db):
    day = make_day(capacity=4)
    waiting_online = book(day, "online").token
    arrived_online = book(day, "online").token
    arrived_paid = book(day, "priority").token
    later_slot = book(day, "priority", slot=day.slots[1]).token
    for token in (arrived_online, arrived_paid):
        check_in(token=token)
    clock.set(at(day.date, 9, 0))
    emergency = admit_emergency(doctor=day.doctor, patient=new_patient()).token
    check_in(token=emergency)
    in_room = call_next(doctor=day.doctor)

    order = [item.token.id for item in queue_for(doctor=day.doctor)]

    assert in_room.id == emergency.id
    assert order == [
        emergency.id,
        arrived_paid.id,
        arrived_online.id,
        waiting_online.id,
        later_slot.id,
    ]
    assert [item.position for item in queue_for(doctor=day.doctor)] == [1, 2, 3, 4, 5]


def test_estimate_is_never_before_the_slot_starts(day, clock):
    token = book(day, "online", slot=day.slots[2]).token

    item = queue_item_for(reload(token))

    assert item.estimated_time == at(day.date, 11)
    assert item.estimated_wait_minutes == 180


def test_token_that_left_the_queue_has_no_place_in_it(day, clock):
    from scheduling.services.cancellation import cancel_token

    token = book(day, "online").token
    cancel_token(token=token)

    assert queue_item_for(reload(token)) is None


def test_one_tokens_place_agrees_with_the_whole_queue(clock, db):
    """A slip's status page and the booking answer rank one token in the database; the desk
    lists the whole day. Every token must get the same place and estimate from both."""
    from scheduling.services.delay import set_delay

    day = make_day(capacity=3)
    booked = [
        book(day, source, slot=slot).token
        for slot in day.slots[:3]
        for source in ("online", "priority")
    ]
    for token in booked[1::2]:
        check_in(token=token)
    clock.set(at(day.date, 9, 5))
    emergency = admit_emergency(doctor=day.doctor, patient=new_patient()).token
    check_in(token=emergency)
    call_next(doctor=day.doctor)
    set_delay(doctor=day.doctor, minutes=20, reason="Ward round")
    clock.advance(minutes=3)

    whole = queue_for(doctor=day.doctor)

    assert len(whole) == len(booked) + 1
    assert len({item.estimated_time for item in whole}) > 1
    for item in whole:
        one = queue_item_for(reload(item.token))
        assert (one.position, one.estimated_time, one.estimated_wait_minutes) == (
            item.position,
            item.estimated_time,
            item.estimated_wait_minutes,
        )
