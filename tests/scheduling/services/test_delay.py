"""Doctor delay: estimates shift, affected slots shrink in proportion (never below the patients
checked in), excess booked tokens move later or to the waiting list; revise and clear."""

import pytest

from opd_site.errors import InvalidRequest
from queueing.services import check_in
from scheduling.invariants import check_invariants
from scheduling.models import CancelledBy, EventKind, Notification, TokenStatus, WaitingEntry
from scheduling.selectors import day_availability, queue_for
from scheduling.services.delay import set_delay
from tests.scheduling.helpers import at, book, event_count, fill, kinds, make_day, reload, snapshot


def capacities(day) -> list[int]:
    day.doctor_day.refresh_from_db()
    return [row.capacity for row in day_availability(day.doctor_day)]


@pytest.fixture
def four_seats(clock, db):
    """09:00-11:00, four seats a slot (now 08:00)."""
    return make_day(hours=(9, 10), capacity=4)


def test_delay_shifts_estimated_times_at_once(four_seats):
    token = book(four_seats, "online").token
    assert queue_for(doctor=four_seats.doctor)[0].estimated_time == at(four_seats.date, 9)

    set_delay(doctor=four_seats.doctor, minutes=30, reason="Ward round")

    item = queue_for(doctor=four_seats.doctor)[0]
    assert item.token.id == token.id
    assert item.estimated_time == at(four_seats.date, 9, 30)


def test_delay_shrinks_the_slots_it_eats_into_in_proportion(four_seats):
    set_delay(doctor=four_seats.doctor, minutes=30)

    assert capacities(four_seats) == [2, 4]


def test_shrunk_capacity_rounds_down(four_seats):
    set_delay(doctor=four_seats.doctor, minutes=20)  # 40 of 60 minutes left: 2.67 seats

    assert capacities(four_seats) == [2, 4]


def test_long_delay_shrinks_several_slots(four_seats):
    set_delay(doctor=four_seats.doctor, minutes=90)

    assert capacities(four_seats) == [0, 2]


def test_delay_never_shrinks_below_the_patients_checked_in(four_seats, clock):
    tokens = fill(four_seats.slots[0], 3, "online", day=four_seats)
    for token in tokens:
        check_in(token=token)

    _, results = set_delay(doctor=four_seats.doctor, minutes=30)

    assert capacities(four_seats)[0] == 3
    assert results == []
    assert {reload(token).slot_id for token in tokens} == {four_seats.slots[0].id}


def test_excess_lowest_priority_booked_tokens_move_to_later_slots(four_seats, clock):
    paid = fill(four_seats.slots[0], 2, "priority", day=four_seats)
    walk_in = fill(four_seats.slots[0], 1, "walk_in", day=four_seats)[0]
    clock.advance(minutes=1)
    online = fill(four_seats.slots[0], 1, "online", day=four_seats)[0]
    events = event_count()

    doctor_day, results = set_delay(doctor=four_seats.doctor, minutes=30)

    assert doctor_day.delay_minutes == 30
    assert {r.token.id for r in results} == {walk_in.id, online.id}
    for token in (walk_in, online):
        token = reload(token)
        assert token.slot_id == four_seats.slots[1].id
        assert kinds(token)[-1] == EventKind.DELAY_MOVED
        assert Notification.objects.filter(token=token, kind=EventKind.DELAY_MOVED).exists()
    assert {reload(token).slot_id for token in paid} == {four_seats.slots[0].id}
    assert event_count() == events + 2
    assert check_invariants() == []


def test_excess_tokens_with_no_later_room_go_to_the_waiting_list(clock, db):
    day = make_day(hours=(9, 10), capacity=2)
    paid = fill(day.slots[0], 1, "priority", day=day)[0]
    online = fill(day.slots[0], 1, "online", day=day)[0]
    fill(day.slots[1], 2, "priority", day=day)

    _, results = set_delay(doctor=day.doctor, minutes=30)

    assert [r.outcome for r in results] == ["cancelled"]
    online = reload(online)
    assert online.status == TokenStatus.CANCELLED
    assert online.cancelled_by == CancelledBy.HOSPITAL
    entry = WaitingEntry.objects.get(patient=online.patient)
    assert (entry.doctor_day_id, entry.priority, entry.status) == (day.doctor_day.id, 50, "waiting")
    assert entry.requested_at == online.requested_at
    assert Notification.objects.filter(patient=online.patient, kind=EventKind.CANCELLED).exists()
    assert reload(paid).status == TokenStatus.BOOKED
    assert check_invariants() == []


def test_clearing_the_delay_restores_capacity_and_promotes(clock, db):
    day = make_day(hours=(9, 10), capacity=2)
    fill(day.slots[0], 2, "online", day=day)
    fill(day.slots[1], 2, "priority", day=day)
    set_delay(doctor=day.doctor, minutes=30)
    entry = WaitingEntry.objects.get()

    doctor_day, _ = set_delay(doctor=day.doctor, minutes=0)

    assert (doctor_day.delay_minutes, doctor_day.delay_from) == (0, None)
    assert capacities(day) == [2, 2]
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.ALLOCATED
    assert entry.allocated_token.slot_id == day.slots[0].id
    assert check_invariants() == []


def test_revising_the_delay_upwards_shrinks_more(four_seats):
    fill(four_seats.slots[0], 4, "online", day=four_seats)
    set_delay(doctor=four_seats.doctor, minutes=15)
    assert capacities(four_seats) == [3, 4]

    set_delay(doctor=four_seats.doctor, minutes=45)

    assert capacities(four_seats) == [1, 4]
    assert four_seats.slots[0].tokens.filter(status="booked").count() == 1
    assert check_invariants() == []


def test_revising_the_delay_downwards_promotes_the_waiting(clock, db):
    day = make_day(hours=(9,), capacity=4)
    fill(day.slots[0], 4, "online", day=day)
    set_delay(doctor=day.doctor, minutes=45)
    assert WaitingEntry.objects.filter(status="waiting").count() == 3

    set_delay(doctor=day.doctor, minutes=15)

    assert WaitingEntry.objects.filter(status="waiting").count() == 1
    assert check_invariants() == []


def test_negative_delay_is_refused(four_seats):
    before = snapshot()
    with pytest.raises(InvalidRequest):
        set_delay(doctor=four_seats.doctor, minutes=-5)
    assert snapshot() == before


def test_patient_moved_by_a_delay_may_check_in_the_same_minute(four_seats, clock):
    fill(four_seats.slots[0], 3, "priority", day=four_seats)
    online = fill(four_seats.slots[0], 1, "online", day=four_seats)[0]
    set_delay(doctor=four_seats.doctor, minutes=30)
    assert reload(online).slot_id == four_seats.slots[1].id

    check_in(token=online)  # the same instant as the move

    assert check_invariants() == []


def test_delay_never_shrinks_a_slot_below_the_emergencies_seated_in_it(clock, db):
    from scheduling.services.emergencies import admit_emergency
    from tests.scheduling.helpers import new_patient

    day = make_day(hours=(9, 10), capacity=1, emergency_reserve=0)
    emergency = admit_emergency(doctor=day.doctor, patient=new_patient()).token

    set_delay(doctor=day.doctor, minutes=60)

    assert reload(emergency).slot_id == day.slots[0].id
    assert capacities(day) == [1, 1]
    assert check_invariants() == []
