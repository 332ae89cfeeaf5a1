"""Requesting a token: direct seat, bump, a later slot, or the waiting list (allocation.md)."""

from collections.abc import Callable
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from accounts.models import Patient
from doctors.models import Doctor
from opd_site import clock
from scheduling import policy
from scheduling.errors import (
    DoctorNotWorking,
    NothingOwed,
    SlotNotBookable,
)
from scheduling.locking import doctor_day_locked
from scheduling.metrics import observed_allocation
from scheduling.models import (
    DoctorDay,
    EventKind,
    Slot,
    Source,
)
from scheduling.services.bumping import make_room_by_bump
from scheduling.services.emergencies import admit_emergency
from scheduling.services.estimate_notices import tell_on_insert
from scheduling.services.outcomes import Allocation, Outcome
from scheduling.services.payments import PaymentIntent, ensure_booking_payment, pay_with_booking
from scheduling.services.refusals import (
    ensure_doctor_available,
    ensure_patient_may_book,
    ensure_source_allowed,
    ensure_within_window,
    refuse_second_place,
)
from scheduling.services.seats import DaySeats, SlotSeats, issue_token
from scheduling.services.waiting_list import add_to_waiting_list


def _choose_target(
    *, seats: DaySeats, preferred_slot: Slot | None, doctor_day: DoctorDay
) -> SlotSeats:
    now = clock.now()
    if preferred_slot is not None:
        if preferred_slot.doctor_day_id != doctor_day.id:
            raise SlotNotBookable(gettext("That slot belongs to another doctor or date."))
        target = seats[preferred_slot.id]
        if target.slot.status != Slot.Status.OPEN:
            raise SlotNotBookable(gettext("That slot has been cancelled."))
        if target.slot.end <= now:
            raise SlotNotBookable(gettext("That slot has already ended."))
        return target
    target = seats.current_or_next(now)
    if target is None:
        raise DoctorNotWorking(
            gettext("%(doctor)s has no open slots left on %(day)s.")
            % {
                "doctor": doctor_day.doctor,
                "day": date_format(doctor_day.date, "SHORT_DATE_FORMAT"),
            }
        )
    return target


@observed_allocation
def request_token(
    *,
    doctor: Doctor,
    day: date,
    source: str,
    patient: Patient,
    preferred_slot: Slot | None = None,
    reason: str = "",
    actor=None,
    payment: PaymentIntent | None = None,
    inside: Callable[[Allocation], object] | None = None,
) -> Allocation:
    """Seat the patient by the allocation policy: direct, bump, later slot, or waiting list.

    A ``payment`` is recorded in the same transaction as the seat it pays for; a request that
    ends on the waiting list takes none (the fee is owed once a seat is given).
    ``inside`` runs with the allocation just before the transaction commits: the API stores its
    answer to an Idempotency-Key there, so the booking and that answer commit together.
    """
    source = Source(source)
    ensure_source_allowed(actor=actor, source=source)
    if source == Source.EMERGENCY:
        if payment is not None:
            raise NothingOwed(gettext("Emergencies carry no fee."))
        ensure_within_window(source=source, day=day)
        return admit_emergency(
            doctor=doctor, patient=patient, reason=reason, actor=actor, inside=inside
        )
    ensure_doctor_available(doctor=doctor, day=day)
    ensure_within_window(source=source, day=day)
    ensure_patient_may_book(patient=patient, doctor=doctor, source=source, actor=actor)
    ensure_booking_payment(
        actor=actor,
        patient=patient,
        doctor=doctor,
        day=day,
        source=source,
        preferred_slot=preferred_slot,
        payment=payment,
    )
    requested_at = clock.now()
    # Most requests get a token: the lock takes its number too (given back if none is issued).
    with doctor_day_locked(doctor_id=doctor.id, day=day, reserve_number=True) as doctor_day:
        allocation = _allocate(
            doctor=doctor,
            doctor_day=doctor_day,
            patient=patient,
            source=source,
            preferred_slot=preferred_slot,
            requested_at=requested_at,
            actor=actor,
            reason=reason,
        )
        if payment is not None and allocation.token is not None:
            pay_with_booking(
                doctor_day=doctor_day, token=allocation.token, payment=payment, actor=actor
            )
            # The payment has its own events: the token's history is no longer the one kept.
            allocation.token.issued_history = None
        if inside is not None:
            inside(allocation)
        return allocation


def _allocate(
    *,
    doctor: Doctor,
    doctor_day: DoctorDay,
    patient: Patient,
    source: Source,
    preferred_slot: Slot | None,
    requested_at,
    actor,
    reason: str,
) -> Allocation:
    """Steps 3 to 7 of a request, under the doctor-day's lock."""
    day = doctor_day.date
    priority = policy.priority_for(source)
    # One statement: the seats, the patient's place on the day and the day's queue (the
    # expected call the patient is told is worked out from it).
    seats = DaySeats(doctor_day, for_patient=patient)
    refuse_second_place(seats.patient_place)
    if not seats.slots:
        raise DoctorNotWorking(
            gettext("%(doctor)s has no slots on %(day)s.")
            % {"doctor": doctor, "day": date_format(day, "SHORT_DATE_FORMAT")}
        )
    target = _choose_target(seats=seats, preferred_slot=preferred_slot, doctor_day=doctor_day)
    now = clock.now()
    issue = {
        "seats": seats,
        "patient": patient,
        "source": source,
        "priority": priority,
        "requested_at": requested_at,
        "actor": actor,
        "reason": reason,
        "before_insert": lambda token: tell_on_insert(
            token=token, doctor_day=doctor_day, day_tokens=seats.tokens
        ),
    }
    if target.can_seat(source, now):
        token = issue_token(slot_seats=target, kind=EventKind.BOOKED, why=reason, **issue)
        return Allocation(Outcome.DIRECT, gettext("Seated in the requested slot."), token=token)
    bumped = make_room_by_bump(
        seats=seats,
        target=target,
        incoming_source=source,
        incoming_priority=priority,
        at=now,
        actor=actor,
        reason=f"Made room for a {source.label.lower()} token of higher priority.",
    )
    if bumped is not None:
        token = issue_token(
            slot_seats=target,
            kind=EventKind.BOOKED,
            why=f"Seated by moving token {bumped.display_number} to a later slot.",
            **issue,
        )
        return Allocation(
            Outcome.BUMPED,
            gettext(
                "Seated in the requested slot; a lower-priority token was moved to a later slot."
            ),
            token=token,
            bumped=[bumped],
        )
    # A later slot first (the policy); failing that any open slot, so that nobody waits
    # while a seat the request could take stands empty.
    later = seats.first_free(source, now, after=target.slot) or seats.first_free(source, now)
    if later is not None:
        # The history keeps the English sentence; the answer is in the asker's language.
        why = gettext_noop(
            "The requested slot was full; seated in the earliest later slot with room."
        )
        token = issue_token(
            slot_seats=later, original_slot=target.slot, kind=EventKind.MOVED, why=why, **issue
        )
        return Allocation(Outcome.MOVED, gettext(why), token=token)
    entry = add_to_waiting_list(
        doctor_day=doctor_day,
        patient=patient,
        source=source,
        priority=priority,
        requested_at=requested_at,
        actor=actor,
        reason=reason,
        why="No seat left that day; on the waiting list.",
    )
    return Allocation(
        Outcome.WAITLISTED,
        gettext("No seat left that day; added to the waiting list."),
        waiting=entry,
    )
