"""The benchmark hospital, built in the bench database with the hospital builder.

Every phase gets doctor-days of its own, so each one starts from empty days and no phase sees
another's tokens. Slots are large (bookings never run out) except on the storm day, whose small
slots are the point of the storm.
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db import transaction

DEPARTMENTS = 4
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


def _morning(capacity: int, count: int = 4):
    """``count`` one-hour slots from 09:00 of ``capacity`` seats each."""
    from scheduling.hospital import SlotPlan

    return tuple(
        SlotPlan(start=time(9 + i), end=time(10 + i), capacity=capacity) for i in range(count)
    )


def _whole_day():
    """Four six-hour slots covering the date, so "now" is always inside one of them."""
    from scheduling.hospital import SlotPlan

    cuts = [time(0), time(6), time(12), time(18)]
    ends = [*cuts[1:], time(23, 59, 59)]
    return tuple(SlotPlan(start=a, end=b, capacity=50) for a, b in zip(cuts, ends, strict=True))


def _doctor_plan(tag: str, n: int):
    from scheduling.hospital import DoctorPlan

    return DoctorPlan(
        name=f"Bench Doctor {tag}{n:03d}",
        email=f"doctor{tag}{n:03d}@bench.example",
        department=f"bench{tag}{n % DEPARTMENTS}",
        specialization="General Medicine",
        license_number=f"BENCH-{tag}{n:05d}",
        token_prefix=f"B{tag}{n:03d}",
    )


def _open_days(roster, *, tag: str) -> tuple[dict[str, list[DayRef]], list]:
    """One doctor per ``(role, dates, slots)`` of the roster, with those days open."""
    from scheduling.hospital import DayPlan, DepartmentPlan, add_departments, add_doctors, open_days

    add_departments(
        plans=[
            DepartmentPlan(code=f"bench{tag}{i}", name=f"Bench department {tag}{i}")
            for i in range(DEPARTMENTS)
        ]
    )
    doctors = add_doctors(plans=[_doctor_plan(tag, n) for n in range(len(roster))])
    plans = [
        DayPlan(doctor=doctor, on=on, slots=slots)
        for doctor, (_, dates, slots) in zip(doctors, roster, strict=True)
        for on in dates
    ]
    role_of = {doctor.id: role for doctor, (role, _, _) in zip(doctors, roster, strict=True)}
    refs: dict[str, list[DayRef]] = {}
    for day in open_days(plans=plans):
        ref = DayRef(day.doctor.id, day.date, day.doctor_day.id, day.slots[0].id)
        refs.setdefault(role_of[day.doctor.id], []).append(ref)
    return refs, doctors


def _patients(count: int, prefix: str, users=None) -> list[int]:
    from scheduling.hospital import PatientPlan, add_patients

    plans = [
        PatientPlan(
            name=f"{prefix} {i:05d}",
            phone=f"+91{i:010d}",
            user=users[i] if users is not None else None,
        )
        for i in range(count)
    ]
    return [patient.id for patient in add_patients(plans=plans)]


def _patient_users(count: int, prefix: str, tag: str) -> list:
    from accounts.models import Role
    from scheduling.hospital import AccountPlan, add_accounts

    return add_accounts(
        plans=[
            AccountPlan(
                email=f"{prefix}{tag}{i:05d}@bench.example",
                name=f"{prefix} {i:05d}",
                role=Role.PATIENT,
            )
            for i in range(count)
        ]
    )


def build(*, workers: int, http_clients: int, storm_requests: int, tag: str = "") -> Hospital:
    """Create departments, doctors, doctor-days, slots, patients and patient accounts.

    ``tag`` (up to four characters) keeps names unique when a second hospital is built in the
    same database (the profiler does that).
    """
    from opd_site import clock

    today = clock.today()
    ahead = [today + timedelta(days=1 + i) for i in range(SPREAD_DAYS)]
    hot_dates = [today + timedelta(days=1 + i) for i in range(HOT_DAYS)]
    big = _morning(BIG_CAPACITY)
    roster = []
    for phase in PHASES:
        roster += [(f"spread {phase}", ahead, big)] * SPREAD_DOCTORS
        roster.append((f"hot {phase}", hot_dates, big))
    roster.append(("storm", ahead[:1], _morning(STORM_CAPACITY, STORM_SLOTS)))
    roster.append(("query", ahead[:1], big))
    roster.append(("reads", [today], _whole_day()))
    hospital = Hospital()
    with transaction.atomic():
        refs, doctors = _open_days(roster, tag=tag)
        for phase in PHASES:
            # Interleave doctors so that neighbouring indexes are different doctors.
            spread = refs[f"spread {phase}"]
            hospital.spread[phase] = sorted(spread, key=lambda ref: (ref.day, ref.doctor_id))
            hospital.hot[phase] = refs[f"hot {phase}"]
        hospital.storm_day = refs["storm"][0]
        hospital.storm_seats = STORM_CAPACITY * STORM_SLOTS
        hospital.query_day = refs["query"][0]
        hospital.reads_day = refs["reads"][0]
        reads_doctor = doctors[-1]  # the roster's last
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
