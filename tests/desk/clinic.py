"""A small clinic for the desk and browser tests: Cardiology, one doctor, three morning slots."""

from datetime import timedelta

from opd_site import clock as opd_clock
from scheduling.hospital import DepartmentPlan, DoctorPlan, add_departments, add_doctors
from scheduling.models import Source
from scheduling.services.requests import request_token
from tests import factories
from tests.scheduling.helpers import make_day

CARDIOLOGY = DepartmentPlan(code="CARD", name="Cardiology", location="First floor, Block B")
ASHA_RAO = DoctorPlan(
    name="Asha Rao",
    email="asha.rao@opd.example",
    password=factories.PASSWORD,
    department="CARD",
    token_prefix="CARD1",
    room="B-12",
    license_number="MCI-CARD1",
)


class Clinic:
    """Cardiology today: Dr Asha Rao (CARD1, room B-12), slots 09, 10 and 11 of 4 seats."""

    def __init__(self, capacity: int = 4):
        self.department = add_departments(plans=[CARDIOLOGY])[CARDIOLOGY.code]
        [self.doctor] = add_doctors(plans=[ASHA_RAO])
        day = make_day(doctor=self.doctor, hours=(9, 10, 11), capacity=capacity)
        self.doctor_day, self.slots = day.doctor_day, day.slots

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
