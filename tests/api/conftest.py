"""Fixtures for the API tests: a small hospital on Monday 08:00 and signed-in clients."""

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Patient, Role, User
from doctors.models import Department, Doctor, Weekday
from opd_site import clock as opd_clock
from scheduling.models import CancelledBy, DoctorDay, Slot, Source, Token, TokenStatus
from scheduling.services.slots import generate_slots
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def signed_in(user: User | None) -> APIClient:
    """An API client carrying a real access JWT for ``user`` (anonymous for None)."""
    client = APIClient()
    if user is not None:
        access = RefreshToken.for_user(user).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def client_for():
    return signed_in


def patient_account(**fields) -> User:
    user = factories.UserFactory(role=Role.PATIENT, **fields)
    factories.PatientFactory(user=user, name=user.name, email=user.email, phone=user.phone)
    return user


@dataclass
class Hospital:
    """Two doctors working Monday and Tuesday 09:00-13:00 (four slots of 6 seats a day)."""

    department: Department
    doctor: Doctor
    other_doctor: Doctor
    patient_user: User
    other_patient_user: User
    receptionist: User
    admin: User

    @property
    def patient(self) -> Patient:
        return self.patient_user.patient

    @property
    def other_patient(self) -> Patient:
        return self.other_patient_user.patient

    def slots(self, doctor: Doctor | None = None, day=None) -> list[Slot]:
        return list(
            Slot.objects.filter(
                doctor_day__doctor=doctor or self.doctor, doctor_day__date=day or opd_clock.today()
            ).order_by("start")
        )

    def doctor_day(self, doctor: Doctor | None = None, day=None) -> DoctorDay:
        return DoctorDay.objects.get(doctor=doctor or self.doctor, date=day or opd_clock.today())

    def token(self, *, patient: Patient | None = None, slot: Slot | None = None, **fields) -> Token:
        """A booked token straight from the factory (for setting up state quickly)."""
        slot = slot or self.slots()[0]
        return factories.TokenFactory(slot=slot, patient=patient or self.patient, **fields)

    def cancelled_paid_token(self, *, patient: Patient | None = None) -> Token:
        """A paid token cancelled by the hospital: eligible for a refund."""
        return self.token(
            patient=patient,
            slot=self.slots()[1],
            source=Source.PRIORITY,
            fee=Decimal("500.00"),
            status=TokenStatus.CANCELLED,
            cancelled_by=CancelledBy.HOSPITAL,
            cancelled_at=opd_clock.now(),
            cancellation_reason="Doctor unavailable",
        )


def build_hospital() -> Hospital:
    department = factories.DepartmentFactory(name="Cardiology", code="CARD")
    doctors = []
    for prefix in ("CARD1", "CARD2"):
        doctor = factories.DoctorFactory(department=department, token_prefix=prefix)
        for weekday in (Weekday.MONDAY, Weekday.TUESDAY):
            factories.DoctorScheduleFactory(
                doctor=doctor, weekday=weekday, start_time=time(9), end_time=time(13)
            )
        doctors.append(doctor)
    generate_slots(start=opd_clock.today(), days=2, doctors=doctors)
    admin = factories.UserFactory(role=Role.ADMIN, is_superuser=True)
    return Hospital(
        department=department,
        doctor=doctors[0],
        other_doctor=doctors[1],
        patient_user=patient_account(),
        other_patient_user=patient_account(),
        receptionist=factories.UserFactory(role=Role.RECEPTIONIST),
        admin=admin,
    )


@pytest.fixture
def hospital(db, clock) -> Hospital:
    return build_hospital()


def tomorrow():
    return opd_clock.today() + timedelta(days=1)
