"""Every change to a doctor-day moves its version in the same transaction (the read cache's
key); a change that rolls back leaves it where it was."""

from datetime import timedelta

import pytest

from opd_site import clock as opd_clock
from queueing.services import call_next, check_in, complete, requeue
from scheduling.locking import doctor_day_locked
from scheduling.models import DoctorDay, Source, Token, WaitingEntry
from scheduling.services.cancellation import cancel_token
from scheduling.services.capacity import override_slot
from scheduling.services.delay import set_delay
from scheduling.services.emergencies import admit_emergency, fast_track
from scheduling.services.no_show import mark_no_show
from scheduling.services.payments import waive_fee
from scheduling.services.slips import record_slip_printed
from scheduling.services.slots import generate_slots
from scheduling.services.tick import run_tick
from scheduling.services.unavailability import cancel_slot
from scheduling.services.waiting_list import cancel_waiting
from tests import factories

pytestmark = pytest.mark.django_db


def version(clinic) -> int:
    return DoctorDay.objects.get(pk=clinic.doctor_day.pk).version


def _in_consultation(clinic):
    check_in(token=clinic.book())
    return call_next(doctor=clinic.doctor)


def _waiting(clinic):
    for _ in range(12):
        clinic.book()
    return clinic.book()  # the day is full: the waiting list


def _nothing(clinic):
    return None


# Each change: what it needs first, then the change (given what was prepared).
CHANGES = {
    "book": (_nothing, lambda clinic, ready, admin: clinic.book()),
    "check in": (lambda c: c.book(), lambda clinic, token, admin: check_in(token=token)),
    "call next": (
        lambda c: check_in(token=c.book()),
        lambda clinic, token, admin: call_next(doctor=clinic.doctor),
    ),
    "requeue": (_in_consultation, lambda clinic, token, admin: requeue(token=token)),
    "complete": (_in_consultation, lambda clinic, token, admin: complete(token=token)),
    "cancel": (
        lambda c: c.book(),
        lambda clinic, token, admin: cancel_token(token=token, actor=admin),
    ),
    "no-show": (
        lambda c: c.book(),
        lambda clinic, token, admin: mark_no_show(token=token, actor=admin),
    ),
    "delay": (_nothing, lambda clinic, _, admin: set_delay(doctor=clinic.doctor, minutes=20)),
    "capacity": (
        _nothing,
        lambda clinic, _, admin: override_slot(slot=clinic.slots[0], capacity=6),
    ),
    "slot cancelled": (_nothing, lambda clinic, _, admin: cancel_slot(slot=clinic.slots[2])),
    "emergency": (
        _nothing,
        lambda clinic, _, admin: admit_emergency(
            doctor=clinic.doctor, patient=factories.PatientFactory()
        ),
    ),
    "fast track": (lambda c: c.book(), lambda clinic, token, admin: fast_track(token=token)),
    "slip printed": (
        lambda c: c.book(),
        lambda clinic, token, admin: record_slip_printed(token=token),
    ),
    "fee waived": (
        lambda c: c.book(source=Source.ONLINE),
        lambda clinic, token, admin: waive_fee(token=token, reason="Hardship", actor=admin),
    ),
    "waiting cancelled": (
        _waiting,
        lambda clinic, entry, admin: cancel_waiting(entry=entry),
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_moves_the_day_s_version(clinic, morning, admin_user, change):
    prepare, act = CHANGES[change]
    ready = prepare(clinic)
    morning.set(morning.at + timedelta(minutes=10))  # past the no-show grace
    before = version(clinic)
    act(clinic, ready, admin_user)
    assert version(clinic) > before


def test_the_periodic_tick_moves_the_version_of_a_day_it_changes(clinic, morning):
    clinic.book()
    before = version(clinic)
    morning.set(morning.at + timedelta(hours=1))  # the 09:00 patient never came
    assert run_tick()["no_shows"] == 1
    assert version(clinic) > before


def test_new_slots_move_the_day_s_version(clinic):
    factories.DoctorScheduleFactory(doctor=clinic.doctor, weekday=opd_clock.today().weekday())
    before = version(clinic)
    assert generate_slots(start=opd_clock.today(), days=1, doctors=[clinic.doctor])
    assert version(clinic) > before


def test_a_row_saved_outside_the_lock_moves_the_version(clinic):
    token = clinic.book()
    before = version(clinic)
    Token.objects.get(pk=token.pk).save()
    assert version(clinic) == before + 1


def test_a_change_that_rolls_back_leaves_the_version(clinic, morning):
    token = clinic.book()
    before = version(clinic)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), doctor_day_locked(doctor_id=clinic.doctor.pk, day=opd_clock.today()):
        Token.objects.filter(pk=token.pk).update(status="checked_in")
        raise Undo

    assert version(clinic) == before
    assert Token.objects.get(pk=token.pk).status == "booked"


def test_a_refused_change_leaves_the_version(clinic, morning):
    token = complete(token=_in_consultation(clinic))
    before = version(clinic)
    with pytest.raises(Exception):  # noqa: B017 - a completed token cannot be checked in
        check_in(token=token)
    assert version(clinic) == before
    assert WaitingEntry.objects.count() == 0
