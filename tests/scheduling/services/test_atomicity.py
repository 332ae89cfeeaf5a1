"""A refused or failed operation leaves no partial change: no token, event, counter or move."""

import pytest

import scheduling.notify
import scheduling.services.bumping as bumping
import scheduling.services.rehoming as rehoming
import scheduling.services.waiting_list as waiting_list
from doctors.models import DoctorLeave
from opd_site.errors import InvalidRequest
from scheduling.errors import CapacityBelowOccupancy
from scheduling.services.capacity import override_slot
from scheduling.services.unavailability import cancel_slot, record_leave
from tests.scheduling.helpers import book, fill, make_day, new_patient, snapshot


class Boom(Exception):
    pass


def explode(*args, **kwargs):
    raise Boom("failure in the middle of the operation")


def test_failure_after_a_bump_undoes_the_bump_the_token_and_the_counter(day, monkeypatch):
    fill(day.slots[0], 2, "online", day=day)
    patient = new_patient()
    before = snapshot()
    monkeypatch.setattr(bumping, "notify_patient", explode)

    with pytest.raises(Boom):
        book(day, "priority", slot=day.slots[0], patient=patient)

    assert snapshot() == before


def test_failure_while_rehoming_a_cancelled_slot_leaves_the_slot_open(clock, db, monkeypatch):
    from datetime import timedelta

    day = make_day(hours=(9,), capacity=2)
    make_day(doctor=day.doctor, on=day.date + timedelta(days=1), hours=(9,))
    fill(day.slots[0], 2, "online", day=day)
    before = snapshot()
    monkeypatch.setattr(waiting_list, "add_to_waiting_list", explode)

    with pytest.raises(Boom):
        cancel_slot(slot=day.slots[0])

    assert snapshot() == before


def test_failure_while_closing_leave_days_records_no_leave(day, monkeypatch):
    fill(day.slots[1], 1, "online", day=day)
    before = snapshot()
    monkeypatch.setattr(scheduling.notify, "notify_patient", explode)
    monkeypatch.setattr(rehoming, "notify_patient", explode)

    with pytest.raises(Boom):
        record_leave(doctor=day.doctor, start=day.date, end=day.date)

    assert snapshot() == before
    assert not DoctorLeave.objects.exists()


def test_walk_in_reserve_above_capacity_is_refused_and_nothing_changes(day):
    before = snapshot()

    with pytest.raises(InvalidRequest) as raised:
        override_slot(slot=day.slots[0], walk_in_reserve=3)

    assert "walk_in_reserve" in raised.value.details
    assert snapshot() == before


def test_capacity_below_the_seats_taken_is_refused_and_nothing_changes(day):
    fill(day.slots[0], 2, "online", day=day)
    before = snapshot()

    with pytest.raises(CapacityBelowOccupancy):
        override_slot(slot=day.slots[0], capacity=1)

    assert snapshot() == before
