"""Reads for the front desk, the doctor's console and the waiting-hall board.

Every function here answers in a fixed number of queries however many tokens a day holds:
occupancy is counted with ``Count(filter=...)`` and the board's next numbers come from one
window query over ``queueing.selectors.serving_order_keys``, the one definition of the order.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)

from accounts.models import Patient
from doctors.models import Department, Doctor
from queueing.models import WaitingEntry
from queueing.selectors import queued_tokens, serving_rank
from scheduling import clock, policy
from scheduling.models import ACTIVE_STATUSES, HELD_STATUSES, DoctorDay, Slot, Token, TokenStatus
from scheduling.services.seating import effective_capacity


@dataclass
class SlotOccupancy:
    """One slot as the desk sees it: seats taken against its (effective) capacity."""

    slot: Slot
    capacity: int
    regular: int
    emergency: int
    emergency_reserve: int
    walk_in_reserve: int
    now: datetime

    @property
    def booked(self) -> int:
        return self.regular + self.emergency

    @property
    def free(self) -> int:
        return max(
            0, self.capacity - self.regular - max(0, self.emergency - self.emergency_reserve)
        )

    @property
    def is_open(self) -> bool:
        return self.slot.status == Slot.Status.OPEN

    @property
    def has_ended(self) -> bool:
        return self.slot.end <= self.now

    @property
    def is_current(self) -> bool:
        return self.slot.start <= self.now < self.slot.end

    @property
    def percent(self) -> int:
        """How full the slot is, for the bar (capped at 100)."""
        if self.capacity <= 0:
            return 100 if self.booked else 0
        return min(100, round(100 * self.booked / self.capacity))


@dataclass
class DoctorOverview:
    doctor: Doctor
    doctor_day: DoctorDay
    slots: list[SlotOccupancy] = field(default_factory=list)
    waiting: int = 0

    @property
    def delay_minutes(self) -> int:
        return self.doctor_day.delay_minutes

    @property
    def free_seats(self) -> int:
        return sum(seats.free for seats in self.slots if seats.is_open and not seats.has_ended)


@dataclass
class DepartmentOverview:
    department: Department
    doctors: list[DoctorOverview] = field(default_factory=list)


def _slots_with_counts(day: date) -> QuerySet:
    active = Q(tokens__status__in=ACTIVE_STATUSES)
    emergency = Q(tokens__priority__gte=policy.emergency_priority())
    return (
        Slot.objects.filter(doctor_day__date=day)
        .select_related("doctor_day__doctor__user", "doctor_day__doctor__department")
        .annotate(
            regular_count=Count("tokens", filter=active & ~emergency),
            emergency_count=Count("tokens", filter=active & emergency),
            held_count=Count("tokens", filter=~emergency & Q(tokens__status__in=HELD_STATUSES)),
        )
        .order_by("doctor_day__doctor__department__name", "doctor_day__doctor__user__name", "start")
    )


def day_overview(*, day: date | None = None) -> list[DepartmentOverview]:
    """Today's doctors by department, each slot's occupancy, waiting-list length and delay.

    Two queries: the day's slots with their token counts, and the waiting-list counts.
    """
    day = day or clock.today()
    now = clock.now()
    waiting = dict(
        WaitingEntry.objects.filter(doctor_day__date=day, status=WaitingEntry.Status.WAITING)
        .order_by()
        .values_list("doctor_day")
        .annotate(n=Count("id"))
    )
    departments: dict[int, DepartmentOverview] = {}
    doctors: dict[int, DoctorOverview] = {}
    for slot in _slots_with_counts(day):
        doctor_day = slot.doctor_day
        doctor = doctor_day.doctor
        if doctor_day.id not in doctors:
            row = DoctorOverview(
                doctor=doctor, doctor_day=doctor_day, waiting=waiting.get(doctor_day.id, 0)
            )
            doctors[doctor_day.id] = row
            departments.setdefault(
                doctor.department_id, DepartmentOverview(department=doctor.department)
            ).doctors.append(row)
        open_slot = slot.status == Slot.Status.OPEN
        doctors[doctor_day.id].slots.append(
            SlotOccupancy(
                slot=slot,
                capacity=effective_capacity(slot, doctor_day, slot.held_count),
                regular=slot.regular_count,
                emergency=slot.emergency_count,
                emergency_reserve=slot.emergency_reserve if open_slot else 0,
                walk_in_reserve=slot.walk_in_reserve,
                now=now,
            )
        )
    return list(departments.values())


@dataclass
class BoardRow:
    """What the waiting hall sees for one doctor: numbers only, never names."""

    doctor: Doctor
    doctor_day: DoctorDay
    now_serving: list[str] = field(default_factory=list)
    up_next: list[str] = field(default_factory=list)

    @property
    def delay_minutes(self) -> int:
        return self.doctor_day.delay_minutes


def board_for(
    *, department: Department, day: date | None = None, upcoming: int = 4
) -> list[BoardRow]:
    """Per doctor of the department today: the number being served and the next few (2 queries)."""
    day = day or clock.today()
    days = list(
        DoctorDay.objects.filter(doctor__department=department, date=day, slots__isnull=False)
        .distinct()
        .select_related("doctor__user")
        .order_by("doctor__user__name", "doctor_id")
    )
    rows = {
        doctor_day.id: BoardRow(doctor=doctor_day.doctor, doctor_day=doctor_day)
        for doctor_day in days
    }
    if not rows:
        return []
    ranked = (
        queued_tokens(list(rows))
        .annotate(place=serving_rank(clock.now()))
        .filter(place__lte=upcoming + 1)
        .only("id", "doctor_day_id", "number", "status")
        .order_by("doctor_day_id", "place")
    )
    for token in ranked:
        row = rows[token.doctor_day_id]
        number = f"{row.doctor.token_prefix}-{token.number:03d}"
        if token.status == TokenStatus.IN_CONSULTATION:
            row.now_serving.append(number)
        elif len(row.up_next) < upcoming:
            row.up_next.append(number)
    return list(rows.values())


@dataclass
class ConsoleStats:
    """The doctor's running figures for the console header."""

    average_minutes: float
    completed_today: int
    today_average_minutes: float | None
    checked_in: int
    booked: int


def console_stats(*, doctor: Doctor, day: date | None = None) -> ConsoleStats:
    """Completed count and mean consultation length today, beside the rolling average (1 query)."""
    day = day or clock.today()
    duration = ExpressionWrapper(F("completed_at") - F("called_at"), output_field=DurationField())
    figures = Token.objects.filter(doctor_day__doctor=doctor, doctor_day__date=day).aggregate(
        completed=Count("id", filter=Q(status=TokenStatus.COMPLETED)),
        checked_in=Count("id", filter=Q(status=TokenStatus.CHECKED_IN)),
        booked=Count("id", filter=Q(status=TokenStatus.BOOKED)),
        mean=Avg(duration, filter=Q(status=TokenStatus.COMPLETED, called_at__isnull=False)),
    )
    mean = figures["mean"]
    return ConsoleStats(
        average_minutes=float(doctor.average_consultation_minutes),
        completed_today=figures["completed"],
        today_average_minutes=round(mean.total_seconds() / 60, 1) if mean is not None else None,
        checked_in=figures["checked_in"],
        booked=figures["booked"],
    )


def find_patients(query: str, *, limit: int = 25) -> QuerySet:
    """Patients whose name, phone or MRN matches what the desk typed."""
    query = query.strip()
    if not query:
        return Patient.objects.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    match = Q(name__icontains=query) | Q(mrn__iexact=query) | Q(mrn__icontains=query)
    if len(digits) >= 4:
        match |= Q(phone__contains=digits)
    return Patient.objects.filter(match).order_by("name", "id")[:limit]


def patient_tokens(*, patient: Patient, since: date | None = None) -> QuerySet:
    """The patient's tokens from ``since`` (default today) on, with what the desk shows."""
    since = since or clock.today()
    return (
        Token.objects.filter(patient=patient, doctor_day__date__gte=since)
        .select_related("slot", "doctor_day__doctor__user", "doctor_day__doctor__department")
        .order_by("slot__start", "number")
    )


def patient_waiting(*, patient: Patient, since: date | None = None) -> QuerySet:
    since = since or clock.today()
    return WaitingEntry.objects.filter(
        patient=patient, doctor_day__date__gte=since, status=WaitingEntry.Status.WAITING
    ).select_related("doctor_day__doctor__user")
