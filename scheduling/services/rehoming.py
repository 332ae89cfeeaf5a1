"""Moving tokens the hospital can no longer honour: to a later slot, else to a waiting list."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.languages import language_for
from doctors.models import Doctor, DoctorLeave
from opd_site import clock
from scheduling import policy
from scheduling.models import (
    CancelledBy,
    EventKind,
    Slot,
    Token,
    TokenStatus,
)
from scheduling.notify import notify_patient
from scheduling.services.cancellation import cancel_locked
from scheduling.services.seats import DaySeats, SlotSeats, is_emergency_priority, move_token
from scheduling.services.slips import mark_moved_slip
from scheduling.services.waiting_list import carry_over


@dataclass
class Rehomed:
    """What happened to one token: moved to a slot, or cancelled and waitlisted."""

    token: Token
    outcome: str  # "moved" | "cancelled"
    to_slot: Slot | None = None
    waiting: object | None = None


def next_working_day(*, doctor: Doctor, after: date) -> date | None:
    """The doctor's next date after ``after`` with open slots and no leave, within the window."""
    last = after + timedelta(days=policy.booking_window_days())
    days = (
        Slot.objects.filter(
            doctor_day__doctor=doctor,
            doctor_day__date__gt=after,
            doctor_day__date__lte=last,
            status=Slot.Status.OPEN,
        )
        .order_by("doctor_day__date")
        .values_list("doctor_day__date", flat=True)
        .distinct()
    )
    leaves = list(
        DoctorLeave.objects.filter(doctor=doctor, end_date__gt=after, start_date__lte=last)
    )
    for day in days:
        if not any(leave.start_date <= day <= leave.end_date for leave in leaves):
            return day
    return None


def _later_seat(seats: DaySeats, token: Token) -> SlotSeats | None:
    now = clock.now()
    if is_emergency_priority(token.priority):
        for slot_seats in seats.open_slots(now):
            if slot_seats.slot.start > token.slot.start and slot_seats.total_free > 0:
                return slot_seats
        return None
    return seats.first_free(token.source, now, after=token.slot)


def rehome_tokens(
    *,
    seats: DaySeats,
    tokens: list[Token],
    waitlist_seats: DaySeats | None,
    kind: EventKind,
    actor,
    reason: str,
) -> list[Rehomed]:
    """Move each token to a later slot of its day with room; otherwise cancel it by the hospital
    and put it on ``waitlist_seats``' waiting list with its priority and request time kept."""
    results = []
    for token in tokens:
        later = _later_seat(seats, token)
        if later is not None:
            move_token(seats=seats, token=token, to=later, kind=kind, actor=actor, reason=reason)
            notify_patient(patient=token.patient, kind=kind, token=token, detail=reason)
            results.append(Rehomed(token, "moved", to_slot=later.slot))
            continue
        seats[token.slot_id].release(token)
        cancel_locked(
            doctor_day=seats.doctor_day,
            token=token,
            by=CancelledBy.HOSPITAL,
            actor=actor,
            reason=reason,
        )
        if slip_fields := mark_moved_slip(token):
            token.save(update_fields=slip_fields)  # the patient's printed slip is void now
        entry = None
        if waitlist_seats is not None:
            entry = carry_over(
                request=token,
                doctor_day=waitlist_seats.doctor_day,
                actor=actor,
                why=f"Carried over from token {token.display_number}: {reason}",
            )
        detail = reason
        if entry:
            with translation.override(language_for(token.patient)):
                detail = gettext("%(reason)s You are on the waiting list for %(day)s.") % {
                    "reason": reason,
                    "day": date_format(waitlist_seats.doctor_day.date, "MONTH_DAY_FORMAT"),
                }
        notify_patient(patient=token.patient, kind=EventKind.CANCELLED, token=token, detail=detail)
        results.append(Rehomed(token, "cancelled", waiting=entry))
    return results


def excess_tokens(seats: DaySeats, slot_seats: SlotSeats) -> list[Token]:
    """Booked tokens a slot can no longer hold after its capacity shrank, lowest priority first."""
    now = clock.now()
    over_regular = -slot_seats.regular_free
    allowed_advance = slot_seats.capacity - slot_seats.walk_in_seats_held(now)
    over_advance = slot_seats.advance - allowed_advance
    if over_regular <= 0 and over_advance <= 0:
        return []
    candidates = list(
        Token.objects.filter(
            slot=slot_seats.slot,
            status=TokenStatus.BOOKED,
            priority__lt=policy.emergency_priority(),
        )
        .select_related("patient", "patient__user", "slot")
        .order_by("priority", "-booked_at", "-id")
    )
    chosen: list[Token] = []
    regular, advance = over_regular, over_advance
    for token in candidates:
        if regular <= 0 and advance <= 0:
            break
        is_advance = policy.is_advance(token.source)
        if regular > 0 or (advance > 0 and is_advance):
            chosen.append(token)
            regular -= 1
            advance -= 1 if is_advance else 0
    return chosen
