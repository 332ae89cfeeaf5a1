"""The simulated hospital: its own departments, doctors, patients, doctor-days and slots.

Everything it creates is marked as simulated, so it can be found again and removed without
touching anything real: department codes start with ``SIM``, doctors sign in as
``sim-doctor-01@sim.opd.example`` and print tokens as ``S01-001``, patients are called
"Sim Patient 0001" and carry MRNs starting with ``SIM-``. Rows are written with
``bulk_create``: a 300-doctor hospital is a few dozen queries.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from accounts.models import Patient, Role, User
from doctors.models import Department, Doctor, DoctorLeave, DoctorSchedule
from scheduling.hospital import (
    AccountPlan,
    DayPlan,
    DepartmentPlan,
    DoctorPlan,
    OpenDay,
    PatientPlan,
    SessionPlan,
    SlotPlan,
    add_accounts,
    add_departments,
    add_doctors,
    add_patients,
    open_days,
)
from scheduling.hospital import local_datetime as local
from scheduling.models import DoctorDay, Notification, Refund, Slot, Token, WaitingEntry

EMAIL_DOMAIN = "sim.opd.example"
MRN_PREFIX = "SIM-"
DESK_EMAIL = f"sim-desk@{EMAIL_DOMAIN}"
DEPARTMENTS = (
    ("SIMGEN", "Simulated General Medicine"),
    ("SIMCARD", "Simulated Cardiology"),
    ("SIMORTH", "Simulated Orthopaedics"),
    ("SIMPAED", "Simulated Paediatrics"),
    ("SIMDERM", "Simulated Dermatology"),
    ("SIMENT", "Simulated ENT"),
)
DEPARTMENT_CODES = tuple(code for code, _ in DEPARTMENTS)

SESSION_START = time(9, 0)
SESSION_END = time(13, 0)
SLOT_MINUTES = 60
EMERGENCY_RESERVE = 1
WALK_IN_RESERVE = 1
CONSULTATION_FEE = Decimal("200.00")
PRIORITY_FEE = Decimal("500.00")
AVERAGE_RANGE = (8.0, 15.0)
SESSION = SessionPlan(
    start=SESSION_START,
    end=SESSION_END,
    slot_minutes=SLOT_MINUTES,
    emergency_reserve=EMERGENCY_RESERVE,
    walk_in_reserve=WALK_IN_RESERVE,
    consultation_fee=CONSULTATION_FEE,
    priority_fee=PRIORITY_FEE,
)


class HospitalInUse(Exception):
    """Real patients hold bookings with the simulated doctors: refuse to remove them."""


def next_monday(today: date) -> date:
    """The first Monday after today (a week ahead when today is a Monday)."""
    return today + timedelta(days=7 - today.weekday())


def slot_starts(day: date) -> list[datetime]:
    """The starts of the simulated day's slots (09:00, 10:00, 11:00, 12:00)."""
    return [local(day, slot.start) for slot in SESSION.slots()]


@dataclass(frozen=True)
class DoctorDesign:
    """One simulated doctor before it exists: who, which department, how fast."""

    index: int
    prefix: str
    name: str
    email: str
    department_code: str
    average: float
    capacity: int


def design_doctors(count: int, rng: random.Random) -> list[DoctorDesign]:
    """Doctors with averages between 8 and 15 minutes; a slot holds what an hour allows."""
    width = max(2, len(str(count)))
    departments = DEPARTMENT_CODES[: max(1, min(len(DEPARTMENT_CODES), count))]
    designs = []
    for index in range(1, count + 1):
        average = rng.randint(int(AVERAGE_RANGE[0] * 2), int(AVERAGE_RANGE[1] * 2)) / 2
        designs.append(
            DoctorDesign(
                index=index,
                prefix=f"S{index:0{width}d}",
                name=f"Sim Doctor {index:0{width}d}",
                email=f"sim-doctor-{index:0{width}d}@{EMAIL_DOMAIN}",
                department_code=departments[(index - 1) % len(departments)],
                average=average,
                capacity=max(3, min(7, int(SLOT_MINUTES // average))),
            )
        )
    return designs


def patient_name(number: int, count: int) -> str:
    return f"Sim Patient {number:0{max(4, len(str(count)))}d}"


@dataclass
class SimDoctor(OpenDay):
    """A simulated doctor's day as the builder opened it, with the design it was drawn from."""

    design: DoctorDesign

    @property
    def day(self) -> DoctorDay:
        return self.doctor_day

    @property
    def index(self) -> int:
        return self.design.index


@dataclass
class SimHospital:
    """What the runner needs: the doctors with their day and slots, the patients, the desk."""

    day: date
    doctors: list[SimDoctor]
    patients: list[Patient]
    desk: User
    history_days: dict[tuple[int, date], DoctorDay] = field(default_factory=dict)
    next_days: dict[int, DoctorDay] = field(default_factory=dict)


def sim_doctors():
    return Doctor.objects.filter(
        department__code__in=DEPARTMENT_CODES, user__email__endswith=f"@{EMAIL_DOMAIN}"
    )


def sim_patients():
    return Patient.objects.filter(mrn__startswith=MRN_PREFIX)


def sim_doctor_days():
    return DoctorDay.objects.filter(doctor__in=sim_doctors())


def remove_previous() -> int:
    """Delete the previous simulated hospital, every date of it; real rows are never touched.

    The whole hospital goes, not one date: its doctors' running averages and its patients'
    no-show counts would otherwise carry into the next run and break repeatability.
    """
    days = sim_doctor_days()
    patients = sim_patients()
    foreign = (
        Token.objects.filter(doctor_day__in=days).exclude(patient__in=patients).exists()
        or WaitingEntry.objects.filter(doctor_day__in=days).exclude(patient__in=patients).exists()
        or Token.objects.filter(patient__in=patients).exclude(doctor_day__in=days).exists()
    )
    if foreign:
        raise HospitalInUse(
            "Real patients hold bookings with the simulated doctors (or the reverse); "
            "the simulated hospital was left in place."
        )
    with transaction.atomic():
        removed = Token.objects.filter(doctor_day__in=days).count()
        Notification.objects.filter(
            Q(patient__in=patients) | Q(token__doctor_day__in=days)
        ).delete()
        Refund.objects.filter(token__doctor_day__in=days).delete()
        # Token events are append-only; they leave with their tokens and entries (CASCADE).
        WaitingEntry.objects.filter(doctor_day__in=days).delete()
        Token.objects.filter(doctor_day__in=days).delete()
        Slot.objects.filter(doctor_day__in=days).delete()
        days.delete()
        DoctorLeave.objects.filter(doctor__in=sim_doctors()).delete()
        DoctorSchedule.objects.filter(doctor__in=sim_doctors()).delete()
        sim_doctors().delete()
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
        Department.objects.filter(code__in=DEPARTMENT_CODES, doctors__isnull=True).delete()
        patients.delete()
    return removed


def build_hospital(
    *,
    day: date,
    designs: list[DoctorDesign],
    patient_count: int,
    history: dict[tuple[int, date], int],
) -> SimHospital:
    """Create departments, doctors, patients and their days' slots in bulk.

    ``history`` maps (doctor index, past date) to the number of consultations that day holds:
    the completed visits that make patients eligible for a follow-up.
    """
    next_day = day + timedelta(days=1)
    joined = local(day, time(8)) - timedelta(days=60)
    used = {design.department_code for design in designs}
    with transaction.atomic():
        add_departments(
            plans=[
                DepartmentPlan(code=code, name=name, location="Simulation wing")
                for code, name in DEPARTMENTS
                if code in used
            ]
        )
        desk_plan = AccountPlan(email=DESK_EMAIL, name="Sim Front Desk", role=Role.RECEPTIONIST)
        desk = add_accounts(plans=[desk_plan], joined=joined)[0]
        doctors = add_doctors(plans=[_doctor_plan(design) for design in designs], joined=joined)
        patients = add_patients(
            plans=[
                PatientPlan(
                    name=patient_name(number, patient_count), mrn=f"{MRN_PREFIX}{number:07d}"
                )
                for number in range(1, patient_count + 1)
            ],
            registered=local(day, time(8)) - timedelta(days=30),
        )
        days = _open_days(dict(zip(designs, doctors, strict=True)), (day, next_day), history)
    today = [(design, days[design.index, day]) for design in designs]
    return SimHospital(
        day=day,
        doctors=[
            SimDoctor(
                design=design,
                doctor=opened.doctor,
                doctor_day=opened.doctor_day,
                slots=opened.slots,
            )
            for design, opened in today
        ],
        patients=patients,
        desk=desk,
        history_days={key: days[key].doctor_day for key in sorted(history)},
        next_days={design.index: days[design.index, next_day].doctor_day for design in designs},
    )


def _open_days(
    doctors: dict[DoctorDesign, Doctor],
    dates: tuple[date, date],
    history: dict[tuple[int, date], int],
) -> dict[tuple[int, date], OpenDay]:
    """The simulated dates and the past clinics, by (doctor index, date)."""
    wanted = {
        (design.index, on): DayPlan(doctor=doctor, on=on, slots=_day_slots(design.capacity))
        for on in dates
        for design, doctor in doctors.items()
    }
    by_index = {design.index: doctor for design, doctor in doctors.items()}
    wanted |= {
        (index, on): DayPlan(doctor=by_index[index], on=on, slots=(_past_clinic(visits),))
        for (index, on), visits in sorted(history.items())
    }
    return dict(zip(wanted, open_days(plans=list(wanted.values())), strict=True))


def _day_slots(capacity: int) -> tuple[SlotPlan, ...]:
    """A simulated doctor's day: the session cut into slots of ``capacity`` seats."""
    return tuple(replace(SESSION, capacity=capacity).slots())


def _past_clinic(visits: int) -> SlotPlan:
    """A past clinic: one long session, wide enough for the visits it records."""
    return SlotPlan(
        start=SESSION_START,
        end=SESSION_END,
        capacity=visits + 5,
        emergency_reserve=EMERGENCY_RESERVE,
        walk_in_reserve=0,
        consultation_fee=CONSULTATION_FEE,
        priority_fee=PRIORITY_FEE,
    )


def _doctor_plan(design: DoctorDesign) -> DoctorPlan:
    department = dict(DEPARTMENTS)[design.department_code]
    return DoctorPlan(
        name=design.name,
        email=design.email,
        department=design.department_code,
        token_prefix=design.prefix,
        license_number=f"SIM-LIC-{design.index:05d}",
        specialization=department.removeprefix("Simulated "),
        room=f"SIM-{design.index}",
        average_consultation_minutes=Decimal(str(design.average)),
    )
