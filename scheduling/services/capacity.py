"""Changing what a day can hold: capacity overrides and doctor delays."""

from datetime import date, timedelta

from doctors.models import Doctor
from scheduling import clock, policy
from scheduling.errors import CapacityBelowOccupancy, InvalidRequest
from scheduling.locking import doctor_day_locked
from scheduling.models import ACTIVE_STATUSES, DoctorDay, EventKind, Slot
from scheduling.services.rehoming import Rehomed, excess_tokens, rehome_tokens
from scheduling.services.seating import DaySeats, SlotSeats, effective_capacity


def override_slot(
    *,
    slot: Slot,
    capacity: int | None = None,
    emergency_reserve: int | None = None,
    walk_in_reserve: int | None = None,
    actor=None,
    reason: str = "",
) -> Slot:
    """Set a slot's capacity or reserves; an increase promotes from the waiting list."""
    from queueing.services import promote_waiting

    day_row = slot.doctor_day
    with doctor_day_locked(doctor_id=day_row.doctor_id, day=day_row.date) as doctor_day:
        seats = DaySeats(doctor_day)
        slot = seats[slot.id].slot
        if capacity is not None:
            slot.capacity = capacity
        if emergency_reserve is not None:
            slot.emergency_reserve = emergency_reserve
        if walk_in_reserve is not None:
            slot.walk_in_reserve = walk_in_reserve
        if slot.walk_in_reserve > slot.capacity:
            raise InvalidRequest(
                "The walk-in reserve cannot exceed the capacity.",
                details={"walk_in_reserve": ["Must not exceed the capacity."]},
            )
        current = seats[slot.id]
        proposed = SlotSeats(
            slot=slot,
            capacity=effective_capacity(slot, doctor_day),
            regular=current.regular,
            advance=current.advance,
            emergency=current.emergency,
        )
        overflow = slot.tokens.filter(is_overflow=True, status__in=ACTIVE_STATUSES).count()
        held_for_walk_ins = proposed.walk_in_seats_held(clock.now())
        if (
            proposed.regular_free < 0
            or proposed.total_free + overflow < 0
            or proposed.advance > proposed.capacity - held_for_walk_ins
        ):
            raise CapacityBelowOccupancy(
                f"{current.regular + current.emergency} seats of this slot are taken.",
                details={
                    "regular": current.regular,
                    "emergency": current.emergency,
                    "advance": current.advance,
                },
            )
        slot.save(update_fields=["capacity", "emergency_reserve", "walk_in_reserve"])
        promote_waiting(
            seats=DaySeats(doctor_day),
            actor=actor,
            reason=reason or "The slot's capacity was raised.",
        )
        return slot


def set_delay(
    *, doctor: Doctor, day: date | None = None, minutes: int, actor=None, reason: str = ""
) -> tuple[DoctorDay, list[Rehomed]]:
    """Record (or revise, or with 0 clear) that the doctor runs ``minutes`` late.

    The lost time shrinks the slots it falls in; their excess lowest-priority booked tokens move
    to later slots, else to the day's waiting list. A shorter delay promotes from the list.
    """
    from queueing.services import promote_waiting

    if minutes < 0:
        raise InvalidRequest(
            "A delay cannot be negative.", details={"minutes": ["Must be 0 or more."]}
        )
    day = day or clock.today()
    if day < clock.today() or day > clock.today() + timedelta(days=policy.booking_window_days()):
        raise InvalidRequest(
            "A delay can be recorded for today or a day within the booking window.",
            details={"date": ["Outside today and the booking window."]},
        )
    with doctor_day_locked(doctor_id=doctor.id, day=day) as doctor_day:
        now = clock.now()
        if minutes == 0:
            doctor_day.delay_minutes, doctor_day.delay_from, doctor_day.delay_reason = 0, None, ""
        else:
            if doctor_day.delay_from is None:
                first = Slot.objects.filter(doctor_day=doctor_day).order_by("start").first()
                doctor_day.delay_from = max(first.start, now) if first else now
            doctor_day.delay_minutes = minutes
            doctor_day.delay_reason = reason[:200]
        doctor_day.save(update_fields=["delay_minutes", "delay_from", "delay_reason"])
        seats = DaySeats(doctor_day)
        results: list[Rehomed] = []
        why = reason or f"The doctor is running {minutes} minutes late."
        for slot_seats in seats.open_slots(now):
            tokens = excess_tokens(seats, slot_seats)
            for token in tokens:
                token.doctor_day = doctor_day
            results += rehome_tokens(
                seats=seats,
                tokens=tokens,
                waitlist_seats=seats,
                kind=EventKind.DELAY_MOVED,
                actor=actor,
                reason=why,
            )
        promote_waiting(seats=seats, actor=actor, reason="The doctor's delay was reduced.")
        return doctor_day, results
