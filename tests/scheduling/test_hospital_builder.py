"""The hospital builder: what it builds can be signed in to, booked and found again."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Patient, Role
from doctors.models import Doctor, DoctorSchedule, Weekday
from scheduling.hospital import (
    DayPlan,
    DepartmentPlan,
    DoctorPlan,
    PatientPlan,
    SessionPlan,
    SlotPlan,
    add_departments,
    add_doctors,
    add_patients,
    open_day,
    open_days,
)
from scheduling.models import DoctorDay, Slot
from scheduling.services.slots import generate_slots
from tests.scheduling.helpers import book

pytestmark = pytest.mark.django_db

CARDIOLOGY = DepartmentPlan(code="CARD", name="Cardiology", location="First floor, Block B")
MORNING = SessionPlan(
    start=time(9),
    end=time(13),
    weekdays=(Weekday.MONDAY, Weekday.THURSDAY),
    capacity=4,
    walk_in_reserve=1,
    consultation_fee=Decimal("300.00"),
)


def cardiologist(number: int = 1, **fields) -> DoctorPlan:
    """A cardiologist's plan; ``fields`` override its defaults."""
    plan = {
        "name": f"Cardiologist {number}",
        "email": f"cardiologist.{number}@opd.example",
        "department": "CARD",
        "token_prefix": f"card{number}",
        "license_number": f"KMC-{number:05d}",
    }
    return DoctorPlan(**{**plan, **fields})


def signs_in(email: str, password: str) -> bool:
    """Sign in as the admin login form does (the lockout backend needs the request)."""
    request = RequestFactory().post("/admin/login/")
    return authenticate(request, username=email, password=password) is not None


def slot_rows(doctor: Doctor) -> list[tuple]:
    """The doctor's slots as stored, read back as (date, plan) in start order."""
    return [
        (
            slot.doctor_day.date,
            SlotPlan(
                start=timezone.localtime(slot.start).time(),
                end=timezone.localtime(slot.end).time(),
                capacity=slot.capacity,
                emergency_reserve=slot.emergency_reserve,
                walk_in_reserve=slot.walk_in_reserve,
                consultation_fee=slot.consultation_fee,
                priority_fee=slot.priority_fee,
            ),
        )
        for slot in Slot.objects.filter(doctor_day__doctor=doctor)
        .select_related("doctor_day")
        .order_by("start")
    ]


def test_a_built_doctor_signs_in_with_their_email(clock):
    add_departments(plans=[CARDIOLOGY])

    [doctor] = add_doctors(plans=[cardiologist(email="Asha.Rao@OPD.example", password="pw-42x!")])

    assert signs_in("asha.rao@opd.example", "pw-42x!")
    assert (doctor.user.role, doctor.user.is_staff) == (Role.DOCTOR, False)
    assert (doctor.token_prefix, doctor.department.name) == ("CARD1", "Cardiology")


def test_a_doctor_built_without_a_password_cannot_sign_in(clock):
    add_departments(plans=[CARDIOLOGY])

    [doctor] = add_doctors(plans=[cardiologist()])

    assert not doctor.user.has_usable_password()


def test_an_opened_day_holds_the_slots_asked_for_and_takes_bookings(clock):
    add_departments(plans=[CARDIOLOGY])
    [doctor] = add_doctors(plans=[cardiologist()])
    today, tomorrow = clock.at.date(), clock.at.date() + timedelta(days=1)
    shape = (
        SlotPlan(start=time(9), end=time(10), capacity=3, emergency_reserve=0),
        SlotPlan(start=time(10), end=time(11), capacity=1, walk_in_reserve=1),
        SlotPlan(start=time(11), end=time(12), capacity=2, consultation_fee=Decimal("300")),
    )

    days = open_days(plans=[DayPlan(doctor=doctor, on=on, slots=shape) for on in (today, tomorrow)])

    assert [day.date for day in days] == [today, tomorrow]
    assert slot_rows(doctor) == [(on, plan) for on in (today, tomorrow) for plan in shape]
    allocation = book(days[0], "online")
    assert allocation.token.slot == days[0].slots[0]


def test_bulk_and_single_builds_give_the_same_rows(clock):
    plans = [cardiologist(n, sessions=(MORNING,)) for n in (1, 2, 3)]
    patients = [PatientPlan(name=f"Patient {n}", phone=f"+9198000000{n:02d}") for n in (1, 2)]

    def rows() -> dict[str, list]:
        return {
            "doctors": sorted(
                Doctor.objects.values_list(
                    "user__email", "user__name", "department__code", "token_prefix", "room"
                )
            ),
            "schedules": sorted(
                DoctorSchedule.objects.values_list(
                    "doctor__token_prefix", "weekday", "start_time", "end_time", "capacity"
                )
            ),
            "slots": sorted(
                Slot.objects.values_list(
                    "doctor_day__doctor__token_prefix",
                    "start",
                    "end",
                    "capacity",
                    "walk_in_reserve",
                )
            ),
            "patients": sorted(Patient.objects.values_list("name", "phone")),
        }

    with transaction.atomic():
        add_departments(plans=[CARDIOLOGY])
        doctors = add_doctors(plans=plans)
        open_days(
            plans=[
                DayPlan(doctor=doctor, on=clock.at.date(), slots=tuple(MORNING.slots()))
                for doctor in doctors
            ]
        )
        add_patients(plans=patients)
        in_bulk = rows()
        transaction.set_rollback(True)

    add_departments(plans=[CARDIOLOGY])
    for plan in plans:
        [doctor] = add_doctors(plans=[plan])
        open_day(doctor=doctor, on=clock.at.date(), slots=MORNING.slots())
    for plan in patients:
        add_patients(plans=[plan])

    assert rows() == in_bulk
    assert len(in_bulk["slots"]) == 3 * 4


def test_building_a_hospital_again_changes_nothing_but_what_the_plan_changed(clock):
    add_departments(plans=[CARDIOLOGY])
    add_doctors(plans=[cardiologist(password="first-pw-1", sessions=(MORNING,))])
    counts = (Doctor.objects.count(), DoctorSchedule.objects.count())

    add_departments(plans=[CARDIOLOGY])
    later = SessionPlan(start=time(9), end=time(12), weekdays=MORNING.weekdays)
    add_doctors(plans=[cardiologist(password="second-pw-2", sessions=(later,))])

    assert (Doctor.objects.count(), DoctorSchedule.objects.count()) == counts
    assert set(DoctorSchedule.objects.values_list("end_time", flat=True)) == {time(12)}
    assert signs_in("cardiologist.1@opd.example", "second-pw-2")
    assert not signs_in("cardiologist.1@opd.example", "first-pw-1")


def test_a_weekly_session_generates_the_slots_a_day_opened_from_it_holds(clock):
    add_departments(plans=[CARDIOLOGY])
    weekly, opened = add_doctors(plans=[cardiologist(1, sessions=(MORNING,)), cardiologist(2)])
    monday = clock.at.date()

    generate_slots(start=monday, days=1, doctors=[weekly])
    open_day(doctor=opened, on=monday, slots=MORNING.slots())

    assert len(slot_rows(weekly)) == 4
    assert slot_rows(weekly) == slot_rows(opened)


def test_opening_a_day_that_exists_keeps_its_row_and_adds_the_slots(clock):
    add_departments(plans=[CARDIOLOGY])
    [doctor] = add_doctors(plans=[cardiologist()])
    existing = DoctorDay.objects.create(doctor=doctor, date=clock.at.date(), token_counter=7)

    day = open_day(doctor=doctor, on=clock.at.date(), slots=MORNING.slots())

    assert day.doctor_day.pk == existing.pk
    assert day.doctor_day.token_counter == 7
    assert [slot.doctor_day_id for slot in day.slots] == [existing.pk] * 4


def test_patients_keep_a_given_mrn_and_otherwise_get_one(clock):
    marked, plain = add_patients(
        plans=[PatientPlan(name="Sim Patient 0001", mrn="SIM-0000001"), PatientPlan(name="Ravi")]
    )

    assert Patient.objects.get(pk=marked.pk).mrn == "SIM-0000001"
    assert Patient.objects.get(pk=plain.pk).mrn.startswith("MRN-")
