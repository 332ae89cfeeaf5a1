"""Bumping (allocation.md, step 5): a lower-priority booked token makes room by moving to a later
slot.
"""

from datetime import datetime

from scheduling import policy
from scheduling.models import (
    EventKind,
    Slot,
    Token,
    TokenStatus,
)
from scheduling.notify import notify_patient
from scheduling.services.seats import DaySeats, SlotSeats, move_token


def bump_candidates(*, slot: Slot, below_priority: int):
    """Booked, non-emergency, not-yet-bumped tokens of lower priority: lowest, latest first."""
    return (
        Token.objects.filter(
            slot=slot,
            status=TokenStatus.BOOKED,
            priority__lt=min(below_priority, policy.emergency_priority()),
            bump_count__lt=policy.max_bumps(),
        )
        .select_related("patient", "patient__user", "doctor_day__doctor__user", "slot")
        .order_by("priority", "-booked_at", "-id")
    )


def make_room_by_bump(
    *,
    seats: DaySeats,
    target: SlotSeats,
    incoming_source: str,
    incoming_priority: int,
    at: datetime,
    actor=None,
    reason: str,
    emergency: bool = False,
) -> Token | None:
    """Bump the lowest-priority bumpable token of ``target`` to the earliest later free slot.

    Returns the bumped token, or None when no token can be bumped or no later slot has room.
    The incoming request must fit in ``target`` once the bumped token has left.
    """
    for candidate in bump_candidates(slot=target.slot, below_priority=incoming_priority):
        if not emergency and not target.can_seat(incoming_source, at, freeing=candidate):
            continue
        later = seats.first_free(candidate.source, at, after=target.slot)
        if later is None:
            continue
        move_token(
            seats=seats,
            token=candidate,
            to=later,
            kind=EventKind.BUMPED,
            actor=actor,
            reason=reason,
            count_as_bump=True,
        )
        notify_patient(patient=candidate.patient, kind=EventKind.BUMPED, token=candidate)
        return candidate
    return None
