"""Emergencies: always admitted to the slot in progress (free seat, reserve, bump, overflow)."""

from collections.abc import Callable

from django.utils.translation import gettext, gettext_noop

from accounts.models import Patient
from doctors.models import Doctor
from opd_site import clock
from scheduling import policy
from scheduling.errors import DoctorNotWorking, IllegalTransition
from scheduling.events import record_event
from scheduling.locking import doctor_day_locked
from scheduling.models import EventKind, Source, Token, TokenStatus
from scheduling.services.bumping import make_room_by_bump
from scheduling.services.outcomes import Allocation, Outcome
from scheduling.services.refusals import ensure_doctor_available, ensure_not_already_booked
from scheduling.services.seats import (
    DaySeats,
    SlotSeats,
    is_emergency_priority,
    issue_token,
    move_token,
)
from scheduling.services.waiting_list import promote_waiting


def _make_emergency_room(
    *, seats: DaySeats, target: SlotSeats, actor, reason: str
) -> tuple[str, list]:
    """Find an emergency seat in ``target``: free, reserve, bump, else overflow."""
    if target.regular_free > 0:
        return Outcome.EMERGENCY, []
    if target.total_free > 0:
        return Outcome.RESERVE, []
    bumped = make_room_by_bump(
        seats=seats,
        target=target,
        incoming_source=Source.EMERGENCY,
        incoming_priority=policy.emergency_priority(),
        at=clock.now(),
        actor=actor,
        reason=f"Made room for an emergency. {reason}".strip(),
        emergency=True,
    )
    if bumped is not None:
        return Outcome.BUMPED, [bumped]
    return Outcome.OVERFLOW, []


# English in the token's history; translated (gettext) in the answer to whoever asked.
MESSAGES = {
    Outcome.EMERGENCY: gettext_noop("Emergency admitted to the slot in progress."),
    Outcome.RESERVE: gettext_noop("Emergency admitted to the slot's emergency reserve."),
    Outcome.BUMPED: gettext_noop(
        "Emergency admitted; a lower-priority token was moved to a later slot."
    ),
    Outcome.OVERFLOW: gettext_noop("Emergency admitted past capacity (overflow recorded)."),
}


def admit_emergency(
    *,
    doctor: Doctor,
    patient: Patient,
    reason: str = "",
    actor=None,
    inside: Callable[[Allocation], object] | None = None,
) -> Allocation:
    """Admit an emergency today, to the slot in progress now or the next one.

    ``inside`` runs with the allocation just before the transaction commits (the API's
    Idempotency-Key answer is stored there).
    """
    ensure_doctor_available(doctor=doctor, day=clock.today())
    requested_at = clock.now()
    with doctor_day_locked(doctor_id=doctor.id, day=clock.today()) as doctor_day:
        ensure_not_already_booked(doctor_day=doctor_day, patient=patient)
        seats = DaySeats(doctor_day)
        target = seats.current_or_next(clock.now())
        if target is None:
            raise DoctorNotWorking(
                gettext("%(doctor)s has no slot in progress or later today.") % {"doctor": doctor}
            )
        outcome, bumped = _make_emergency_room(
            seats=seats, target=target, actor=actor, reason=reason
        )
        token = issue_token(
            seats=seats,
            slot_seats=target,
            patient=patient,
            source=Source.EMERGENCY,
            priority=policy.emergency_priority(),
            requested_at=requested_at,
            actor=actor,
            reason=reason,
            is_overflow=outcome == Outcome.OVERFLOW,
            kind=EventKind.OVERFLOW
            if outcome == Outcome.OVERFLOW
            else EventKind.EMERGENCY_ADMITTED,
            why=f"{MESSAGES[outcome]} {reason}".strip(),
        )
        allocation = Allocation(outcome, gettext(MESSAGES[outcome]), token=token, bumped=bumped)
        if inside is not None:
            inside(allocation)
        return allocation


def fast_track(*, token: Token, actor=None, reason: str = "") -> Token:
    """Raise a token to emergency priority and seat it in the slot in progress, as an emergency."""
    doctor_day = token.doctor_day
    with doctor_day_locked(doctor_id=doctor_day.doctor_id, day=doctor_day.date) as doctor_day:
        token = Token.objects.select_related("slot", "patient").get(pk=token.pk)
        if token.status not in (TokenStatus.BOOKED, TokenStatus.CHECKED_IN):
            raise IllegalTransition(
                gettext(
                    "Only booked or checked-in tokens can be fast-tracked, not %(status)s ones."
                )
                % {"status": token.get_status_display().lower()},
                details={"status": token.status},
            )
        if is_emergency_priority(token.priority):
            raise IllegalTransition(gettext("This token already has emergency priority."))
        if doctor_day.date != clock.today():
            raise IllegalTransition(gettext("Only today's tokens can be fast-tracked."))
        seats = DaySeats(doctor_day)
        target = seats.current_or_next(clock.now())
        if target is None:
            raise DoctorNotWorking(gettext("No slot is in progress or later today."))
        seats[token.slot_id].release(token)
        token.priority = policy.emergency_priority()
        seats[token.slot_id].take(token)
        token.save(update_fields=["priority"])
        if target.slot.id == token.slot_id:
            record_event(
                kind=EventKind.FAST_TRACKED,
                doctor_day=doctor_day,
                token=token,
                from_slot=token.slot,
                to_slot=token.slot,
                actor=actor,
                reason=reason or "Raised to emergency priority.",
            )
        else:
            outcome, _ = _make_emergency_room(
                seats=seats, target=target, actor=actor, reason=reason
            )
            why = reason or "Raised to emergency priority and moved to the slot in progress."
            if outcome == Outcome.OVERFLOW:
                token.is_overflow = True
                token.save(update_fields=["is_overflow"])
                why = f"{why} {MESSAGES[Outcome.OVERFLOW]}"
            move_token(
                seats=seats,
                token=token,
                to=target,
                kind=EventKind.FAST_TRACKED,
                actor=actor,
                reason=why,
            )
        promote_waiting(seats=seats, actor=actor, reason="A seat was freed by a fast-track.")
        return token
