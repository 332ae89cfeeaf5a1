"""Reads for the doctor's console and the waiting-hall board.

Each answers in a fixed number of queries however many tokens a day holds: the board's next
numbers and the range of the first one's estimate come from the days' queues in serving order
(``scheduling.readcache.day_queues``, read at once); the console's figures from one
aggregate.
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
)

from doctors.models import Department, Doctor
from opd_site import clock
from scheduling import readcache, sql
from scheduling.models import (
    DoctorDay,
    Slot,
    Token,
    TokenStatus,
    WaitingEntry,
)
from scheduling.selectors import (
    DoctorOverview,
    SlotOccupancy,
    day_overview,
    with_positions,
)
from scheduling.services.seats import DaySeats


@dataclass
class BoardRow:
    """What the waiting hall sees for one doctor: numbers only, never names."""

    doctor: Doctor
    doctor_day: DoctorDay
    now_serving: list[str] = field(default_factory=list)
    up_next: list[str] = field(default_factory=list)
    next_from: datetime | None = None  # when the first of ``up_next`` is expected: the range
    next_to: datetime | None = None

    @property
    def delay_minutes(self) -> int:
        return self.doctor_day.delay_minutes


def board_days(*, department: Department, day: date | None = None) -> list[DoctorDay]:
    """The department's doctor-days with slots on the day (today), by doctor's name, with
    their versions (one query): what the board shows and what its cache is keyed by."""
    return list(
        DoctorDay.objects.filter(
            doctor__department=department, date=day or clock.today(), slots__isnull=False
        )
        .distinct()
        .select_related("doctor__user")
        .order_by("doctor__user__name", "doctor_id")
    )


def board_department_days(code: str) -> tuple[Department | None, list[DoctorDay]]:
    """The department whose code is ``code`` (any case) and its doctor-days with slots today,
    as ``board_days`` reads them; (None, []) for no such department. One hand-written statement
    (``scheduling.sql.board_days``): every poll of a waiting-hall board reads it."""
    return sql.board_days(code, clock.today())


def board_rows(days: list[DoctorDay], *, upcoming: int = 4) -> list[BoardRow]:
    """Per doctor-day: the number being served, the next few, and when the first of them is
    expected (the range of its estimate), from the days' queues (``scheduling.readcache``: no
    query when they are cached, else the queues of the missing days at once)."""
    rows = {
        doctor_day.id: BoardRow(doctor=doctor_day.doctor, doctor_day=doctor_day)
        for doctor_day in days
    }
    if not rows:
        return []
    for day_id, queue in readcache.day_queues(days).items():
        row = rows[day_id]
        for place in queue.places[: upcoming + 1]:
            number = f"{row.doctor.token_prefix}-{place.number:03d}"
            if place.status == TokenStatus.IN_CONSULTATION:
                row.now_serving.append(number)
            elif len(row.up_next) < upcoming:
                if not row.up_next:
                    row.next_from, row.next_to = place.estimated_from, place.estimated_to
                row.up_next.append(number)
    return list(rows.values())


def board_for(
    *, department: Department, day: date | None = None, upcoming: int = 4
) -> list[BoardRow]:
    """Per doctor of the department today: the number being served, the next few, and when the
    first of them is expected. A few queries for the department, whatever its queues hold."""
    return board_rows(board_days(department=department, day=day), upcoming=upcoming)


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


# The desk's overview and a doctor's day at the desk ------------------------------------------


@dataclass
class DoctorCard:
    """One doctor on the desk's compact overview: the allocation figures and who is in."""

    row: DoctorOverview
    now_serving: list[str] = field(default_factory=list)
    checked_in: int = 0

    @property
    def doctor(self) -> Doctor:
        return self.row.doctor

    @property
    def booked(self) -> int:
        return sum(seats.booked for seats in self.row.slots)


def overview_cards(*, day: date | None = None) -> list[DoctorCard]:
    """Every doctor with slots on the day, by department then name (three queries)."""
    day = day or clock.today()
    cards = {
        row.doctor_day.id: DoctorCard(row=row)
        for group in day_overview(day=day)
        for row in group.doctors
    }
    serving = (
        Token.objects.filter(
            doctor_day_id__in=list(cards),
            status__in=(TokenStatus.CHECKED_IN, TokenStatus.IN_CONSULTATION),
        )
        .order_by("doctor_day_id", "called_at", "number")
        .values_list("doctor_day_id", "number", "status")
    )
    for doctor_day_id, number, status in serving:
        card = cards[doctor_day_id]
        if status == TokenStatus.IN_CONSULTATION:
            card.now_serving.append(f"{card.doctor.token_prefix}-{number:03d}")
        else:
            card.checked_in += 1
    return list(cards.values())


@dataclass
class SlotTokens:
    """One slot of a doctor's day with every token in it, in number order."""

    seats: SlotOccupancy
    tokens: list[Token] = field(default_factory=list)

    @property
    def slot(self) -> Slot:
        return self.seats.slot


@dataclass
class DoctorDaySheet:
    """A doctor's day as the desk works it: tokens by slot and the waiting list."""

    doctor: Doctor
    day: date
    doctor_day: DoctorDay | None
    slots: list[SlotTokens] = field(default_factory=list)
    waiting: list[WaitingEntry] = field(default_factory=list)
    seats: DaySeats | None = None

    @property
    def tokens(self) -> list[Token]:
        return [token for group in self.slots for token in group.tokens]

    @property
    def now_serving(self) -> list[Token]:
        return [t for t in self.tokens if t.status == TokenStatus.IN_CONSULTATION]

    @property
    def checked_in(self) -> int:
        return sum(1 for token in self.tokens if token.status == TokenStatus.CHECKED_IN)

    @property
    def booked(self) -> int:
        return sum(group.seats.booked for group in self.slots)

    @property
    def free(self) -> int:
        return sum(group.seats.free for group in self.slots)

    @property
    def delay_minutes(self) -> int:
        return self.doctor_day.delay_minutes if self.doctor_day else 0


def doctor_day_sheet(*, doctor: Doctor, day: date) -> DoctorDaySheet:
    """Every token of the doctor's day by slot, with patient and payment, and the waiting list
    with live positions: four queries however many tokens the day holds."""
    doctor_day = DoctorDay.objects.filter(doctor=doctor, date=day).first()
    sheet = DoctorDaySheet(doctor=doctor, day=day, doctor_day=doctor_day)
    if doctor_day is None:
        return sheet
    doctor_day.doctor = doctor
    now = clock.now()
    sheet.seats = DaySeats(doctor_day, locked=False)
    groups = {
        seats.slot.id: SlotTokens(seats=SlotOccupancy(seats=seats, now=now))
        for seats in sheet.seats.slots
    }
    for seats in sheet.seats.slots:
        seats.slot.doctor_day = doctor_day
    tokens = (
        Token.objects.filter(doctor_day=doctor_day)
        .select_related("patient", "payment__taken_by", "fee_waived_by")
        .order_by("number")
    )
    for token in tokens:
        token.doctor_day = doctor_day
        group = groups[token.slot_id]
        token.slot = group.slot
        group.tokens.append(token)
    sheet.slots = list(groups.values())
    sheet.waiting = list(
        with_positions(
            WaitingEntry.objects.filter(doctor_day=doctor_day, status=WaitingEntry.Status.WAITING)
        )
        .select_related("patient")
        .order_by("-priority", "requested_at", "id")
    )
    for entry in sheet.waiting:
        entry.doctor_day = doctor_day
        entry.position = entry.ahead + 1
    return sheet


def console_day(*, doctor: Doctor, day: date | None = None) -> DoctorDay | None:
    """The doctor's day as the console heads it (its delay), or None without one (1 query)."""
    return DoctorDay.objects.filter(doctor=doctor, date=day or clock.today()).first()
