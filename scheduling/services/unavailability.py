"""The doctor cannot see a slot (or a whole day): move its tokens, else cancel and carry over."""

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext

from doctors.models import Doctor, DoctorLeave
from opd_site import clock
from opd_site.errors import InvalidRequest
from scheduling.locking import doctor_days_locked
from scheduling.models import DoctorDay, EventKind, Slot, Token, TokenStatus, WaitingEntry
from scheduling.services.rehoming import Rehomed, next_working_day, rehome_tokens
from scheduling.services.seats import DaySeats
from scheduling.services.waiting_list import (
    carry_over,
    close_entry,
    promote_waiting,
    ranked_waiting,
)

REHOMED_STATUSES = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN)


def _close_slots_locked(
    *, locked, day: date, slot_ids: list[int], next_day, actor, reason: str, whole_day: bool
):
    doctor_day = locked[day]
    Slot.objects.filter(id__in=slot_ids).update(status=Slot.Status.CANCELLED)
    seats = DaySeats(doctor_day)
    next_seats = DaySeats(locked[next_day]) if next_day else None
    tokens = list(
        Token.objects.filter(slot_id__in=slot_ids, status__in=REHOMED_STATUSES)
        .select_related("patient", "patient__user", "slot")
        .order_by("-priority", "requested_at", "id")
    )
    for token in tokens:
        token.doctor_day = doctor_day
    results = rehome_tokens(
        seats=seats,
        tokens=tokens,
        waitlist_seats=next_seats,
        kind=EventKind.RESCHEDULED,
        actor=actor,
        reason=reason,
    )
    if whole_day and next_seats is not None:
        # Nobody will be seen today: the day's waiting list moves to the next working day.
        for entry in ranked_waiting(doctor_day):
            close_entry(
                entry=entry,
                doctor_day=doctor_day,
                status=WaitingEntry.Status.CANCELLED,
                actor=actor,
                reason=f"{reason} Carried over to {next_day:%d %b}.",
            )
            carry_over(
                request=entry,
                doctor_day=next_seats.doctor_day,
                actor=actor,
                why=f"Carried over: {reason}",
                notify=True,
            )
    if next_seats is not None:
        promote_waiting(
            seats=next_seats,
            actor=actor,
            reason="Carried over from a day the doctor was unavailable.",
        )
    return results


def cancel_slot(*, slot: Slot, actor=None, reason: str = "") -> list[Rehomed]:
    """Doctor unavailable for one slot: its tokens move to later slots, else to the next day."""
    day_row = slot.doctor_day
    doctor = day_row.doctor
    reason = reason or "The doctor is unavailable for this slot."
    next_day = next_working_day(doctor=doctor, after=day_row.date)
    days = [day_row.date] + ([next_day] if next_day else [])
    with doctor_days_locked(doctor_id=doctor.id, days=days) as locked:
        slot = Slot.objects.get(pk=slot.pk)
        if slot.status != Slot.Status.OPEN:
            return []
        return _close_slots_locked(
            locked=locked,
            day=day_row.date,
            slot_ids=[slot.id],
            next_day=next_day,
            actor=actor,
            reason=reason,
            whole_day=False,
        )


def close_days(
    *,
    doctor: Doctor,
    days: list[date],
    actor=None,
    reason: str = "",
    inside: Callable[[], object] | None = None,
) -> list[Rehomed]:
    """Doctor unavailable on these dates: close every slot not yet ended, in date order.

    ``inside`` runs first in the same transaction (recording the leave that causes it).
    """
    if not days:
        if inside is not None:
            with transaction.atomic():
                inside()
        return []
    reason = reason or "The doctor is unavailable."
    next_day = next_working_day(doctor=doctor, after=max(days))
    now = clock.now()
    results: list[Rehomed] = []
    with doctor_days_locked(
        doctor_id=doctor.id, days=[*days, *([next_day] if next_day else [])]
    ) as locked:
        if inside is not None:
            inside()
        for day in sorted(set(days)):
            slot_ids = list(
                Slot.objects.filter(
                    doctor_day=locked[day], status=Slot.Status.OPEN, end__gt=now
                ).values_list("id", flat=True)
            )
            results += _close_slots_locked(
                locked=locked,
                day=day,
                slot_ids=slot_ids,
                next_day=next_day,
                actor=actor,
                reason=reason,
                whole_day=True,
            )
    return results


def set_availability(
    *, doctor: Doctor, is_available: bool, actor=None, reason: str = ""
) -> list[Rehomed]:
    """Switch the doctor's availability; going unavailable closes the rest of today."""
    Doctor.objects.filter(pk=doctor.pk).update(is_available=is_available)
    doctor.is_available = is_available
    if is_available:
        return []
    return close_days(
        doctor=doctor,
        days=[clock.today()],
        actor=actor,
        reason=reason or "The doctor is unavailable for the rest of today.",
    )


def record_leave(
    *, doctor: Doctor, start: date, end: date, actor=None, reason: str = ""
) -> tuple[DoctorLeave, list[Rehomed]]:
    """Record leave over a date range and run the unavailable flow on every affected day."""
    if end < start:
        raise InvalidRequest(
            gettext("Leave must end on or after its first day."), details={"end": ["Before start."]}
        )
    leave = DoctorLeave(
        doctor=doctor,
        start_date=start,
        end_date=end,
        reason=reason[:200],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    days = list(
        DoctorDay.objects.filter(
            doctor=doctor, date__gte=max(start, clock.today()), date__lte=end
        ).values_list("date", flat=True)
    )
    results = close_days(
        doctor=doctor,
        days=days,
        actor=actor,
        reason=reason or f"The doctor is on leave until {end:%d %b}.",
        inside=leave.save,
    )
    return leave, results
