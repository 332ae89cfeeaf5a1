"""Fixtures for the operations tests: a busy booking day made through the engine."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from accounts.models import Patient
from doctors.models import Doctor
from scheduling import clock as opd_clock
from scheduling.models import DoctorDay, Slot
from scheduling.services.allocation import request_token
from scheduling.services.cancellation import cancel_token, request_refund
from tests import factories


@dataclass
class BookedDay:
    doctor: Doctor
    doctor_day: DoctorDay
    slots: list[Slot]

    @property
    def date(self) -> date:
        return self.doctor_day.date


def make_doctor_day(*, doctor=None, on: date, hours=(9, 10, 11), capacity=2) -> BookedDay:
    """A doctor-day with one-hour slots of ``capacity`` seats (one kept for emergencies)."""
    doctor = doctor or factories.DoctorFactory()
    doctor_day = factories.DoctorDayFactory(doctor=doctor, date=on)
    slots = [
        factories.SlotFactory(
            doctor_day=doctor_day, hour=hour, capacity=capacity, emergency_reserve=1
        )
        for hour in hours
    ]
    return BookedDay(doctor=doctor, doctor_day=doctor_day, slots=slots)


def book(day: BookedDay, patient: Patient, source="online", *, slot=None, actor=None):
    return request_token(
        doctor=day.doctor,
        day=day.date,
        source=source,
        patient=patient,
        preferred_slot=slot,
        actor=actor,
    )


@pytest.fixture
def busy_day(clock, receptionist):
    """Tomorrow, fully booked: a bump, a move, a waiting list, a cancellation with a refund.

    Also a token today (another date) that an export of tomorrow must leave out.
    """
    tomorrow = make_doctor_day(on=opd_clock.today() + timedelta(days=1))
    book(tomorrow, factories.PatientFactory(), slot=tomorrow.slots[0])
    book(tomorrow, factories.PatientFactory(), slot=tomorrow.slots[0])
    paid_token = book(
        tomorrow, factories.PatientFactory(), "priority", slot=tomorrow.slots[0], actor=receptionist
    ).token
    waiting = 0
    for _ in range(12):
        allocation = book(tomorrow, factories.PatientFactory(), actor=receptionist)
        waiting += allocation.waitlisted
        if waiting == 2:
            break
    assert waiting == 2, "the day should overflow into the waiting list"
    cancel_token(token=paid_token, actor=receptionist, reason="Travel plans changed")
    request_refund(token=paid_token, actor=receptionist, reason="Cancelled a day ahead")
    today = make_doctor_day(doctor=tomorrow.doctor, on=opd_clock.today())
    book(today, factories.PatientFactory(), "walk_in", actor=receptionist)
    return tomorrow
