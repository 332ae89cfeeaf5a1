"""A small clinic for the desk and browser tests: Cardiology, one doctor, three morning slots."""

from datetime import timedelta

from accounts.models import Role
from opd_site import clock as opd_clock
from scheduling.models import Source
from scheduling.services.requests import request_token
from tests import factories


class Clinic:
    """Cardiology today: Dr Asha Rao (CARD1, room B-12), slots 09, 10 and 11 of 4 seats."""

    def __init__(self, capacity: int = 4):
        self.department = factories.DepartmentFactory(
            code="CARD", name="Cardiology", location="First floor, Block B"
        )
        self.doctor = factories.DoctorFactory(
            department=self.department,
            token_prefix="CARD1",
            room="B-12",
            user__name="Asha Rao",
            user__role=Role.DOCTOR,
        )
        self.doctor_day = factories.DoctorDayFactory(doctor=self.doctor)
        self.slots = [
            factories.SlotFactory(doctor_day=self.doctor_day, hour=hour, capacity=capacity)
            for hour in (9, 10, 11)
        ]

    def book(self, *, source=Source.WALK_IN, patient=None, actor=None, **fields):
        """Issue a token through the engine (as the desk would) and return it."""
        patient = patient or factories.PatientFactory(**fields)
        allocation = request_token(
            doctor=self.doctor, day=opd_clock.today(), source=source, patient=patient, actor=actor
        )
        return allocation.token or allocation.waiting


def later(clock, minutes: int):
    """Move the frozen clock on by ``minutes``."""
    clock.set(clock.at + timedelta(minutes=minutes))
