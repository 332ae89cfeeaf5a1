"""Capacity overrides: raising promotes, lowering never strands a seated patient."""

import pytest

from scheduling.errors import CapacityBelowOccupancy
from scheduling.invariants import check_invariants
from scheduling.models import Slot
from scheduling.services.capacity import override_slot
from scheduling.services.emergencies import admit_emergency
from tests.scheduling.helpers import book, fill, new_patient, snapshot


def refused(**changes):
    before = snapshot()
    with pytest.raises(CapacityBelowOccupancy) as raised:
        override_slot(**changes)
    assert snapshot() == before
    return raised.value


def test_capacity_can_be_lowered_to_the_seats_taken(day):
    fill(day.slots[0], 1, day=day)

    override_slot(slot=day.slots[0], capacity=1, reason="Short-staffed")

    assert Slot.objects.get(pk=day.slots[0].pk).capacity == 1
    assert book(day, "online", slot=day.slots[0]).token.slot_id != day.slots[0].id


def test_capacity_below_the_seats_taken_is_refused(day):
    fill(day.slots[0], 2, day=day)

    error = refused(slot=day.slots[0], capacity=1)

    assert error.details["regular"] == 2


def test_emergency_reserve_below_the_emergencies_seated_there_is_refused(day):
    fill(day.slots[0], 2, day=day)
    admit_emergency(doctor=day.doctor, patient=new_patient())  # in the reserve

    refused(slot=day.slots[0], emergency_reserve=0)


def test_walk_in_reserve_over_seats_advance_bookings_already_hold_is_refused(day):
    fill(day.slots[2], 2, "online", day=day)  # 11:00, reserve not released before 10:00

    error = refused(slot=day.slots[2], walk_in_reserve=1)

    assert error.details["advance"] == 2
    assert check_invariants() == []


def test_walk_in_reserve_can_be_set_where_walk_ins_hold_the_seats(day):
    fill(day.slots[2], 1, "online", day=day)
    fill(day.slots[2], 1, "walk_in", day=day)

    override_slot(slot=day.slots[2], walk_in_reserve=1)

    assert Slot.objects.get(pk=day.slots[2].pk).walk_in_reserve == 1
    assert check_invariants() == []
