"""The one hospital builder: departments, doctors with their accounts and weeks, doctor-days
with their slots, and patients.

The seed, the day simulator, the benchmark and the tests build their hospitals here. Each
function takes plans (frozen dataclasses) and writes them with ``bulk_create``: one plan builds
one row for a test, a few hundred build a simulated hospital in a handful of queries. Rows with
a natural key are found by it and brought up to the plan, so building the same hospital twice
changes nothing: departments by code, accounts by e-mail, doctors by account, weekly sessions by
doctor, weekday and start, doctor-days by doctor and date. Slots and patients are always new.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Patient, Role, Sex, User
from accounts.phones import normalise_or_keep
from accounts.services import normalise_email
from doctors.models import Department, Doctor, DoctorSchedule
from opd_site import clock
from scheduling.models import DoctorDay, Slot

BATCH_SIZE = 1000
SEAT_TERMS = (
    "capacity",
    "emergency_reserve",
    "walk_in_reserve",
    "consultation_fee",
    "priority_fee",
)
ACCOUNT_FIELDS = ("name", "phone", "role", "is_active", "is_staff", "is_superuser", "password")
PROFILE_FIELDS = (
    "specialization",
    "license_number",
    "qualifications",
    "experience_years",
    "room",
    "average_consultation_minutes",
)


def local_datetime(on: date, at: time) -> datetime:
    """The aware moment at wall-clock ``at`` on ``on`` in the hospital's zone."""
    return datetime.combine(on, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class DepartmentPlan:
    """A department, found again by its code."""

    code: str
    name: str
    location: str = ""


@dataclass(frozen=True)
class AccountPlan:
    """A sign-in account, found again by its e-mail; with no password it cannot sign in."""

    email: str
    name: str
    role: Role
    password: str | None = None
    phone: str = ""
    staff: bool = False
    superuser: bool = False


@dataclass(frozen=True)
class SlotPlan:
    """One slot of a day, from ``start`` to ``end`` on the wall clock: its seats and fees."""

    start: time
    end: time
    capacity: int
    emergency_reserve: int = 1
    walk_in_reserve: int = 0
    consultation_fee: Decimal = Decimal("0")
    priority_fee: Decimal = Decimal("0")


@dataclass(frozen=True)
class SessionPlan:
    """Consultations from ``start`` to ``end`` in slots of ``slot_minutes``, on ``weekdays``."""

    start: time
    end: time
    weekdays: tuple[int, ...] = ()
    slot_minutes: int = 60
    capacity: int = 6
    emergency_reserve: int = 1
    walk_in_reserve: int = 0
    consultation_fee: Decimal = Decimal("0")
    priority_fee: Decimal = Decimal("500")

    def slots(self) -> list[SlotPlan]:
        """The session cut into whole slots, as slot generation cuts a weekly session."""
        first, last = _minutes(self.start), _minutes(self.end)
        return [
            SlotPlan(start=_wall(at), end=_wall(at + self.slot_minutes), **_seat_terms(self))
            for at in range(first, last - self.slot_minutes + 1, self.slot_minutes)
        ]


@dataclass(frozen=True)
class DoctorPlan:
    """A doctor: an account with the doctor role, a profile in a department (by code), a week."""

    name: str
    email: str
    department: str
    token_prefix: str
    license_number: str
    specialization: str = "General Physician"
    qualifications: str = ""
    experience_years: int = 0
    room: str = ""
    average_consultation_minutes: Decimal = Decimal("10.00")
    phone: str = ""
    password: str | None = None
    sessions: tuple[SessionPlan, ...] = ()

    @property
    def account(self) -> AccountPlan:
        """The doctor's sign-in account."""
        return AccountPlan(
            email=self.email,
            name=self.name,
            role=Role.DOCTOR,
            password=self.password,
            phone=self.phone,
        )


@dataclass(frozen=True)
class DayPlan:
    """A doctor's date to open, with the slots it should hold."""

    doctor: Doctor
    on: date
    slots: tuple[SlotPlan, ...]


@dataclass(frozen=True)
class PatientPlan:
    """A patient record; an MRN is drawn unless one is given, ``user`` links an account."""

    name: str
    phone: str = ""
    email: str = ""
    date_of_birth: date | None = None
    sex: Sex = Sex.UNKNOWN
    mrn: str | None = None
    user: User | None = None


@dataclass
class OpenDay:
    """A doctor-day as built: the doctor, the day's row and its slots in start order."""

    doctor: Doctor
    doctor_day: DoctorDay
    slots: list[Slot]

    @property
    def date(self) -> date:
        """The day's date."""
        return self.doctor_day.date


def add_departments(*, plans: Sequence[DepartmentPlan]) -> dict[str, Department]:
    """Create or update departments by code; returns them by code."""
    rows = [Department(code=plan.code, name=plan.name, location=plan.location) for plan in plans]
    Department.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "location"],
        batch_size=BATCH_SIZE,
    )
    return {row.code: row for row in rows}


def add_accounts(*, plans: Sequence[AccountPlan], joined: datetime | None = None) -> list[User]:
    """Create or update sign-in accounts by e-mail (password included), in plan order."""
    joined = joined or clock.now()
    rows = [
        User(
            email=normalise_email(plan.email),
            name=plan.name,
            phone=normalise_or_keep(plan.phone),
            role=plan.role,
            is_active=True,
            is_staff=plan.staff or plan.superuser,
            is_superuser=plan.superuser,
            password=make_password(plan.password),
            date_joined=joined,
        )
        for plan in plans
    ]
    return User.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["email"],
        update_fields=ACCOUNT_FIELDS,
        batch_size=BATCH_SIZE,
    )


@transaction.atomic
def add_doctors(*, plans: Sequence[DoctorPlan], joined: datetime | None = None) -> list[Doctor]:
    """Create or update doctors with their accounts and weekly sessions, in plan order."""
    accounts = add_accounts(plans=[plan.account for plan in plans], joined=joined)
    departments = Department.objects.in_bulk({plan.department for plan in plans}, field_name="code")
    doctors = Doctor.objects.bulk_create(
        [
            Doctor(
                user=account,
                department=departments[plan.department],
                token_prefix=plan.token_prefix.upper(),
                **{name: getattr(plan, name) for name in PROFILE_FIELDS},
            )
            for plan, account in zip(plans, accounts, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["department", "token_prefix", *PROFILE_FIELDS],
        batch_size=BATCH_SIZE,
    )
    DoctorSchedule.objects.bulk_create(
        [
            DoctorSchedule(
                doctor=doctor,
                weekday=weekday,
                start_time=session.start,
                end_time=session.end,
                slot_minutes=session.slot_minutes,
                **_seat_terms(session),
            )
            for plan, doctor in zip(plans, doctors, strict=True)
            for session in plan.sessions
            for weekday in session.weekdays
        ],
        update_conflicts=True,
        unique_fields=["doctor", "weekday", "start_time"],
        update_fields=["end_time", "slot_minutes", *SEAT_TERMS],
        batch_size=BATCH_SIZE,
    )
    return doctors


@transaction.atomic
def open_days(*, plans: Sequence[DayPlan]) -> list[OpenDay]:
    """Find or create each doctor-day and add its slots; returned in plan order."""
    days = _doctor_days(plans)
    slots = [
        [
            Slot(
                doctor_day=day,
                start=local_datetime(plan.on, slot.start),
                end=local_datetime(plan.on, slot.end),
                **_seat_terms(slot),
            )
            for slot in sorted(plan.slots, key=attrgetter("start"))
        ]
        for plan, day in zip(plans, days, strict=True)
    ]
    Slot.objects.bulk_create([slot for row in slots for slot in row], batch_size=BATCH_SIZE)
    return [
        OpenDay(doctor=plan.doctor, doctor_day=day, slots=row)
        for plan, day, row in zip(plans, days, slots, strict=True)
    ]


def open_day(*, doctor: Doctor, on: date, slots: Sequence[SlotPlan]) -> OpenDay:
    """Open one doctor-day with its slots."""
    return open_days(plans=[DayPlan(doctor=doctor, on=on, slots=tuple(slots))])[0]


def add_patients(
    *, plans: Sequence[PatientPlan], registered: datetime | None = None
) -> list[Patient]:
    """Create patient records, in plan order."""
    registered = registered or clock.now()
    rows = [
        Patient(
            name=plan.name,
            phone=normalise_or_keep(plan.phone),
            email=plan.email,
            date_of_birth=plan.date_of_birth,
            sex=plan.sex,
            user=plan.user,
            created_at=registered,
            **({"mrn": plan.mrn} if plan.mrn else {}),
        )
        for plan in plans
    ]
    return Patient.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _doctor_days(plans: Sequence[DayPlan]) -> list[DoctorDay]:
    """Each plan's doctor-day, created where missing, holding the plan's doctor."""
    DoctorDay.objects.bulk_create(
        [DoctorDay(doctor=plan.doctor, date=plan.on) for plan in plans],
        ignore_conflicts=True,
        batch_size=BATCH_SIZE,
    )
    stored = DoctorDay.objects.filter(
        doctor_id__in={plan.doctor.pk for plan in plans}, date__in={plan.on for plan in plans}
    )
    by_key = {(day.doctor_id, day.date): day for day in stored}
    days = [by_key[plan.doctor.pk, plan.on] for plan in plans]
    for plan, day in zip(plans, days, strict=True):
        day.doctor = plan.doctor
    return days


def _seat_terms(plan: SlotPlan | SessionPlan) -> dict[str, object]:
    """Capacity, reserves and fees: what a session passes on to its slots."""
    return {name: getattr(plan, name) for name in SEAT_TERMS}


def _minutes(at: time) -> int:
    """Minutes since midnight."""
    return at.hour * 60 + at.minute


def _wall(minutes: int) -> time:
    """The wall-clock time ``minutes`` after midnight."""
    return time(minutes // 60, minutes % 60)
