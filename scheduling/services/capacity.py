"""The capacity override: a slot's capacity and reserves change only here; an increase promotes."""

from django.utils.translation import gettext

from opd_site import clock
from opd_site.errors import InvalidRequest
from scheduling.errors import CapacityBelowOccupancy
from scheduling.locking import doctor_day_locked
from scheduling.models import ACTIVE_STATUSES, Slot
from scheduling.services.seats import DaySeats, SlotSeats, effective_capacity
from scheduling.services.waiting_list import promote_waiting


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
                gettext("The walk-in reserve cannot exceed the capacity."),
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
                gettext("%(taken)s seats of this slot are taken.")
                % {"taken": current.regular + current.emergency},
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
