"""The benchmark hospital, built through the ORM in the bench database.

Every phase gets doctor-days of its own, so each one starts from empty days and no phase sees
another's tokens. Slots are large (bookings never run out) except on the storm day, whose small
slots are the point of the storm.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

SPREAD_DOCTORS = 20
SPREAD_DAYS = 10
HOT_DAYS = 30
HTTP_USERS_PER_CLIENT = 5
PATIENTS_PER_WORKER = 2500
STORM_SLOTS = 3
STORM_CAPACITY = 20
READS_BOOKED = 40
READS_CHECKED_IN = 30
BIG_CAPACITY = 30000
PHASES = ("sql", "policy", "django", "orm", "engine", "http", "http_floor")


@dataclass(frozen=True)
class DayRef:
    """One doctor-day as workers need it: who, when, and its first slot."""

    doctor_id: int
    day: date
    doctor_day_id: int
    first_slot_id: int


@dataclass
class Hospital:
    spread: dict[str, list[DayRef]] = field(default_factory=dict)
    hot: dict[str, list[DayRef]] = field(default_factory=dict)
    patient_pools: list[list[int]] = field(default_factory=list)
    http_users: list[list[int]] = field(default_factory=list)
    storm_day: DayRef | None = None
    storm_users: list[int] = field(default_factory=list)
    storm_seats: int = 0
    reads_day: DayRef | None = None
    reads_department_code: str = ""
    reads_doctor_prefix: str = ""
    query_day: DayRef | None = None
    query_patient_id: int = 0


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=_zone())


class _Builder:
    def __init__(self, tag: str):
        from doctors.models import Department

        self.tag = tag
        self.departments = [
            Department.objects.create(name=f"Bench department {tag}{i}", code=f"bench{tag}{i}")
            for i in range(4)
        ]
        self.doctor_count = 0

    def doctor(self):
        from doctors.services import register_doctor

        n = self.doctor_count
        self.doctor_count += 1
        tag = self.tag
        return register_doctor(
            name=f"Bench Doctor {tag}{n:03d}",
            email=f"doctor{tag}{n:03d}@bench.example",
            password=None,
            department=self.departments[n % len(self.departments)],
            specialization="General Medicine",
            license_number=f"BENCH-{tag}{n:05d}",
            token_prefix=f"B{tag}{n:03d}",
        )

    def days(self, doctor, dates, slots_of) -> list[DayRef]:
        """Doctor-days with their slots; ``slots_of(day)`` gives (start, end, capacity) rows."""
        from scheduling.models import DoctorDay, Slot

        doctor_days = DoctorDay.objects.bulk_create(
            [DoctorDay(doctor=doctor, date=d) for d in dates]
        )
        rows = []
        for doctor_day in doctor_days:
            for start, end, capacity in slots_of(doctor_day.date):
                rows.append(Slot(doctor_day=doctor_day, start=start, end=end, capacity=capacity))
        Slot.objects.bulk_create(rows, batch_size=2000)
        first = {}
        for slot in Slot.objects.filter(doctor_day__in=doctor_days).order_by("start"):
            first.setdefault(slot.doctor_day_id, slot.id)
        return [DayRef(doctor.id, dd.date, dd.id, first[dd.id]) for dd in doctor_days]


def _morning(capacity: int, count: int = 4):
    def slots_of(day: date):
        return [
            (_local(day, time(9 + i)), _local(day, time(10 + i)), capacity) for i in range(count)
        ]

    return slots_of


def _whole_day(day: date):
    """Four six-hour slots covering the date, so "now" is always inside one of them."""
    cuts = [time(0), time(6), time(12), time(18)]
    ends = [*cuts[1:], time(23, 59, 59)]
    return [(_local(day, a), _local(day, b), 50) for a, b in zip(cuts, ends, strict=True)]


def _patients(count: int, prefix: str, users=None) -> list[int]:
    from accounts.models import Patient

    rows = [
        Patient(
            name=f"{prefix} {i:05d}",
            phone=f"+91{i:010d}",
            user=users[i] if users is not None else None,
        )
        for i in range(count)
    ]
    return [p.id for p in Patient.objects.bulk_create(rows, batch_size=2000)]


def _patient_users(count: int, prefix: str, tag: str) -> list:
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, User

    unusable = make_password(None)
    rows = [
        User(
            email=f"{prefix}{tag}{i:05d}@bench.example",
            name=f"{prefix} {i:05d}",
            role=Role.PATIENT,
            password=unusable,
        )
        for i in range(count)
    ]
    return User.objects.bulk_create(rows, batch_size=2000)


def build(*, workers: int, http_clients: int, storm_requests: int, tag: str = "") -> Hospital:
    """Create departments, doctors, doctor-days, slots, patients and patient accounts.

    ``tag`` (up to four characters) keeps names unique when a second hospital is built in the
    same database (the profiler does that).
    """
    from opd_site import clock

    today = clock.today()
    ahead = [today + timedelta(days=1 + i) for i in range(SPREAD_DAYS)]
    hot_dates = [today + timedelta(days=1 + i) for i in range(HOT_DAYS)]
    hospital = Hospital()
    with transaction.atomic():
        builder = _Builder(tag)
        for phase in PHASES:
            days: list[DayRef] = []
            for _ in range(SPREAD_DOCTORS):
                days += builder.days(builder.doctor(), ahead, _morning(BIG_CAPACITY))
            # Interleave doctors so that neighbouring indexes are different doctors.
            hospital.spread[phase] = sorted(days, key=lambda ref: (ref.day, ref.doctor_id))
            hospital.hot[phase] = builder.days(builder.doctor(), hot_dates, _morning(BIG_CAPACITY))
        hospital.storm_day = builder.days(
            builder.doctor(), [ahead[0]], _morning(STORM_CAPACITY, STORM_SLOTS)
        )[0]
        hospital.storm_seats = STORM_CAPACITY * STORM_SLOTS
        hospital.query_day = builder.days(builder.doctor(), [ahead[0]], _morning(BIG_CAPACITY))[0]
        reads_doctor = builder.doctor()
        hospital.reads_day = builder.days(reads_doctor, [today], _whole_day)[0]
        hospital.reads_department_code = reads_doctor.department.code
        hospital.reads_doctor_prefix = reads_doctor.token_prefix

        pool = _patients(workers * PATIENTS_PER_WORKER, "Bench patient")
        hospital.patient_pools = [
            pool[w * PATIENTS_PER_WORKER : (w + 1) * PATIENTS_PER_WORKER] for w in range(workers)
        ]
        hospital.query_patient_id = _patients(1, "Query patient")[0]
        http_users = _patient_users(http_clients * HTTP_USERS_PER_CLIENT, "http", tag)
        _patients(len(http_users), "HTTP patient", http_users)
        hospital.http_users = [
            [u.id for u in http_users[c * HTTP_USERS_PER_CLIENT : (c + 1) * HTTP_USERS_PER_CLIENT]]
            for c in range(http_clients)
        ]
        storm_users = _patient_users(storm_requests, "storm", tag)
        _patients(len(storm_users), "Storm patient", storm_users)
        hospital.storm_users = [u.id for u in storm_users]
    _fill_reads_day(hospital.reads_day)
    return hospital


def _fill_reads_day(ref: DayRef) -> None:
    """Walk-ins on today's reads day, most of them checked in: a live queue to read."""
    from accounts.models import Patient
    from doctors.models import Doctor
    from queueing.services import check_in
    from scheduling.services.requests import request_token

    doctor = Doctor.objects.select_related("user").get(pk=ref.doctor_id)
    patients = Patient.objects.filter(pk__in=_patients(READS_BOOKED, "Walk-in patient"))
    for i, patient in enumerate(patients):
        allocation = request_token(doctor=doctor, day=ref.day, source="walk_in", patient=patient)
        if i < READS_CHECKED_IN and allocation.token is not None:
            check_in(token=allocation.token)
