"""Reads for the doctor's console and the waiting-hall board.

Each answers in a fixed number of queries however many tokens a day holds: the board's next
numbers come from one window query over ``scheduling.selectors.serving_order_keys``, the one
definition of the order; the console's figures from one aggregate.
"""

from dataclasses import dataclass, field
from datetime import date

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
from scheduling.models import (
    DoctorDay,
    Token,
    TokenStatus,
)
from scheduling.selectors import queued_tokens, serving_rank


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
