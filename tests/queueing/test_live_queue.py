"""The live queue read by patients and the desk: order, positions and estimated waits."""

from queueing.selectors import queue_for, queue_item_for
from scheduling.services.emergency import admit_emergency
from scheduling.services.lifecycle import call_next, check_in
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
