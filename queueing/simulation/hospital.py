"""The simulated hospital: its own departments, doctors, patients, doctor-days and slots.

Everything it creates is marked as simulated, so it can be found again and removed without
touching anything real: department codes start with ``SIM``, doctors sign in as
``sim-doctor-01@sim.opd.example`` and print tokens as ``S01-001``, patients are called
"Sim Patient 0001" and carry MRNs starting with ``SIM-``. Rows are written with
``bulk_create``: a 300-doctor hospital is a few dozen queries.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from accounts.models import Patient, Role, User
from doctors.models import Department, Doctor, DoctorLeave, DoctorSchedule
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


class HospitalInUse(Exception):
    """Real patients hold bookings with the simulated doctors: refuse to remove them."""


def next_monday(today: date) -> date:
    """The first Monday after today (a week ahead when today is a Monday)."""
    return today + timedelta(days=7 - today.weekday())


def local(day: date, at: time) -> datetime:
    """An aware datetime at wall-clock ``at`` on ``day`` in the hospital's zone."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


def slot_starts(day: date) -> list[datetime]:
    """The starts of the simulated day's slots (09:00, 10:00, 11:00, 12:00)."""
    start, end = local(day, SESSION_START), local(day, SESSION_END)
    step = timedelta(minutes=SLOT_MINUTES)
    starts = []
    while start + step <= end:
        starts.append(start)
        start += step
    return starts


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
class SimDoctor:
    design: DoctorDesign
    doctor: Doctor
    day: DoctorDay
    slots: list[Slot]

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
    with transaction.atomic():
        departments = _departments(designs)
        desk, doctors = _doctors(
            designs, departments, joined=local(day, time(8)) - timedelta(days=60)
        )
        patients = _patients(patient_count, created=local(day, time(8)) - timedelta(days=30))
        next_day = day + timedelta(days=1)
        wanted = [(d.index, day) for d in designs] + [(d.index, next_day) for d in designs]
        wanted += sorted(history)
        days = _doctor_days(doctors, wanted)
        slots = _slots(designs, days, day, next_day, history)
    sim = [
        SimDoctor(
            design=design,
            doctor=doctors[design.index],
            day=days[design.index, day],
            slots=slots[design.index],
        )
        for design in designs
    ]
    return SimHospital(
        day=day,
        doctors=sim,
        patients=patients,
        desk=desk,
        history_days={key: days[key] for key in sorted(history)},
        next_days={design.index: days[design.index, next_day] for design in designs},
    )


def _departments(designs: list[DoctorDesign]) -> dict[str, Department]:
    used = {design.department_code for design in designs}
    names = dict(DEPARTMENTS)
    Department.objects.bulk_create(
        [
            Department(code=code, name=names[code], location="Simulation wing")
            for code in DEPARTMENT_CODES
            if code in used
        ],
        ignore_conflicts=True,
    )
    return {row.code: row for row in Department.objects.filter(code__in=used)}


def _doctors(designs, departments, *, joined: datetime) -> tuple[User, dict[int, Doctor]]:
    unusable = make_password(None)
    desk = User(
        email=DESK_EMAIL,
        name="Sim Front Desk",
        role=Role.RECEPTIONIST,
        password=unusable,
        date_joined=joined,
    )
    users = [
        User(email=d.email, name=d.name, role=Role.DOCTOR, password=unusable, date_joined=joined)
        for d in designs
    ]
    User.objects.bulk_create([desk, *users], batch_size=1000)
    by_email = {
        user.email: user for user in User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
    }
    Doctor.objects.bulk_create(
        [
            Doctor(
                user=by_email[d.email],
                department=departments[d.department_code],
                specialization=departments[d.department_code].name.removeprefix("Simulated "),
                license_number=f"SIM-LIC-{d.index:05d}",
                token_prefix=d.prefix,
                room=f"SIM-{d.index}",
                average_consultation_minutes=Decimal(str(d.average)),
            )
            for d in designs
        ],
        batch_size=1000,
    )
    by_prefix = {
        doctor.token_prefix: doctor for doctor in sim_doctors().select_related("user", "department")
    }
    return by_email[DESK_EMAIL], {d.index: by_prefix[d.prefix] for d in designs}


def _patients(count: int, *, created: datetime) -> list[Patient]:
    Patient.objects.bulk_create(
        [
            Patient(
                mrn=f"{MRN_PREFIX}{number:07d}",
                name=patient_name(number, count),
                created_at=created,
            )
            for number in range(1, count + 1)
        ],
        batch_size=2000,
    )
    return list(sim_patients().order_by("mrn"))


def _doctor_days(
    doctors: dict[int, Doctor], wanted: list[tuple[int, date]]
) -> dict[tuple[int, date], DoctorDay]:
    DoctorDay.objects.bulk_create(
        [DoctorDay(doctor=doctors[index], date=on) for index, on in wanted], batch_size=2000
    )
    index_of = {doctor.id: index for index, doctor in doctors.items()}
    rows = DoctorDay.objects.filter(doctor__in=doctors.values()).select_related(
        "doctor", "doctor__user"
    )
    return {(index_of[row.doctor_id], row.date): row for row in rows}


def _slots(designs, days, day: date, next_day: date, history) -> dict[int, list[Slot]]:
    step = timedelta(minutes=SLOT_MINUTES)
    rows = []
    for design in designs:
        for on in (day, next_day):
            for start in slot_starts(on):
                rows.append(
                    _slot(
                        days[design.index, on],
                        start,
                        start + step,
                        design.capacity,
                        WALK_IN_RESERVE,
                    )
                )
    for (index, on), visits in sorted(history.items()):
        # A past clinic: one long session, wide enough for the visits it records.
        rows.append(
            _slot(days[index, on], local(on, SESSION_START), local(on, SESSION_END), visits + 5, 0)
        )
    Slot.objects.bulk_create(rows, batch_size=2000)
    by_day: dict[int, list[Slot]] = {}
    wanted = [days[design.index, day].id for design in designs]
    for slot in Slot.objects.filter(doctor_day_id__in=wanted).order_by("doctor_day_id", "start"):
        by_day.setdefault(slot.doctor_day_id, []).append(slot)
    return {design.index: by_day[days[design.index, day].id] for design in designs}


def _slot(
    doctor_day: DoctorDay, start: datetime, end: datetime, capacity: int, walk_in_reserve: int
) -> Slot:
    return Slot(
        doctor_day=doctor_day,
        start=start,
        end=end,
        capacity=capacity,
        emergency_reserve=EMERGENCY_RESERVE,
        walk_in_reserve=walk_in_reserve,
        consultation_fee=CONSULTATION_FEE,
        priority_fee=PRIORITY_FEE,
    )
