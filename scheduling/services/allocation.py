"""Requesting a token: direct seat, bump, a later slot, or the waiting list (allocation.md)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts.models import Patient, Role
from doctors.models import Doctor, DoctorLeave
from opd_site.metrics import observed_allocation
from scheduling import clock, policy
from scheduling.errors import (
    AlreadyBooked,
    DoctorNotWorking,
    DoctorUnavailable,
    NotEligibleForFollowUp,
    OutsideBookingWindow,
    PatientBlocked,
    SlotNotBookable,
    SourceNotAllowed,
)
from scheduling.locking import doctor_day_locked
from scheduling.models import (
    ADVANCE_SOURCES,
    DoctorDay,
    EventKind,
    Slot,
    Source,
    Token,
    TokenStatus,
)
from scheduling.services.seating import DaySeats, SlotSeats, issue_token, make_room_by_bump
from scheduling.sql import places_held


class Outcome:
    DIRECT = "direct"
    BUMPED = "bumped"
    MOVED = "moved"
    WAITLISTED = "waitlisted"
    EMERGENCY = "emergency"
    RESERVE = "emergency_reserve"
    OVERFLOW = "overflow"


@dataclass
class Allocation:
    """What a request got: a token (and whom it bumped) or a waiting entry, and why."""

    outcome: str
    message: str
    token: Token | None = None
    waiting: object | None = None
    bumped: list[Token] = field(default_factory=list)

    @property
    def waitlisted(self) -> bool:
        return self.waiting is not None


def ensure_source_allowed(*, actor, source: str) -> None:
    """Patients book advance tokens for themselves; walk-ins and emergencies come from the desk."""
    if getattr(actor, "role", None) == Role.PATIENT and source not in ADVANCE_SOURCES:
        raise SourceNotAllowed()


def ensure_doctor_available(*, doctor: Doctor, day: date) -> None:
    if not doctor.is_available:
        raise DoctorUnavailable(f"{doctor} is not taking appointments at the moment.")
    if DoctorLeave.objects.filter(doctor=doctor, start_date__lte=day, end_date__gte=day).exists():
        raise DoctorUnavailable(f"{doctor} is on leave on {day:%d %b %Y}.")


def ensure_within_window(*, source: str, day: date) -> None:
    today = clock.today()
    if source in (Source.WALK_IN, Source.EMERGENCY):
        if day != today:
            raise OutsideBookingWindow(f"{Source(source).label} tokens are issued for today only.")
        return
    last = today + timedelta(days=policy.booking_window_days())
    if not today <= day <= last:
        raise OutsideBookingWindow(
            f"Bookings are open from today up to {last:%d %b %Y}.",
            details={"first": today.isoformat(), "last": last.isoformat()},
        )


def is_follow_up_eligible(*, patient: Patient, doctor: Doctor) -> bool:
    """A completed consultation with the same doctor within the follow-up window."""
    since = clock.now() - timedelta(days=policy.follow_up_days())
    return Token.objects.filter(
        patient=patient,
        doctor_day__doctor=doctor,
        status=TokenStatus.COMPLETED,
        completed_at__gte=since,
    ).exists()


def ensure_patient_may_book(*, patient: Patient, doctor: Doctor, source: str) -> None:
    if source == Source.ONLINE and patient.booking_blocked:
        raise PatientBlocked()
    if source == Source.FOLLOW_UP and not is_follow_up_eligible(patient=patient, doctor=doctor):
        raise NotEligibleForFollowUp(
            f"A follow-up needs a consultation with {doctor} completed in the last "
            f"{policy.follow_up_days()} days.",
        )


def existing_place(*, doctor_day: DoctorDay, patient: Patient) -> dict | None:
    """The patient's active token or waiting entry on this doctor-day, if any (ids only)."""
    held = {
        kind: (pk, reference)
        for kind, pk, reference in places_held(doctor_day_id=doctor_day.id, patient_id=patient.id)
    }
    if "token" in held:
        pk, reference = held["token"]
        return {"token": pk, "reference": reference}
    if "waiting" in held:
        return {"waiting": held["waiting"][0]}
    return None


def ensure_not_already_booked(*, doctor_day: DoctorDay, patient: Patient) -> None:
    """Refuse a second token or waiting entry for the same patient on the same doctor-day."""
    place = existing_place(doctor_day=doctor_day, patient=patient)
    if place is not None:
        raise AlreadyBooked(details=place)


def _choose_target(
    *, seats: DaySeats, preferred_slot: Slot | None, doctor_day: DoctorDay
) -> SlotSeats:
    now = clock.now()
    if preferred_slot is not None:
        if preferred_slot.doctor_day_id != doctor_day.id:
            raise SlotNotBookable("That slot belongs to another doctor or date.")
        target = seats[preferred_slot.id]
        if target.slot.status != Slot.Status.OPEN:
            raise SlotNotBookable("That slot has been cancelled.")
        if target.slot.end <= now:
            raise SlotNotBookable("That slot has already ended.")
        return target
    target = seats.current_or_next(now)
    if target is None:
        raise DoctorNotWorking(
            f"{doctor_day.doctor} has no open slots left on {doctor_day.date:%d %b %Y}."
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
) -> Allocation:
    """Seat the patient by the allocation policy: direct, bump, later slot, or waiting list."""
    source = Source(source)
    ensure_source_allowed(actor=actor, source=source)
    if source == Source.EMERGENCY:
        from scheduling.services.emergency import admit_emergency

        ensure_within_window(source=source, day=day)
        return admit_emergency(doctor=doctor, patient=patient, reason=reason, actor=actor)
    ensure_doctor_available(doctor=doctor, day=day)
    ensure_within_window(source=source, day=day)
    ensure_patient_may_book(patient=patient, doctor=doctor, source=source)
    priority = policy.priority_for(source)
    requested_at = clock.now()
    with doctor_day_locked(doctor_id=doctor.id, day=day) as doctor_day:
        ensure_not_already_booked(doctor_day=doctor_day, patient=patient)
        seats = DaySeats(doctor_day)
        if not seats.slots:
            raise DoctorNotWorking(f"{doctor} has no slots on {day:%d %b %Y}.")
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
        }
        if target.can_seat(source, now):
            token = issue_token(slot_seats=target, kind=EventKind.BOOKED, why=reason, **issue)
            return Allocation(Outcome.DIRECT, "Seated in the requested slot.", token=token)
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
                "Seated in the requested slot; a lower-priority token was moved to a later slot.",
                token=token,
                bumped=[bumped],
            )
        # A later slot first (the policy); failing that any open slot, so that nobody waits
        # while a seat the request could take stands empty.
        later = seats.first_free(source, now, after=target.slot) or seats.first_free(source, now)
        if later is not None:
            why = "The requested slot was full; seated in the earliest later slot with room."
            token = issue_token(
                slot_seats=later, original_slot=target.slot, kind=EventKind.MOVED, why=why, **issue
            )
            return Allocation(Outcome.MOVED, why, token=token)
        from queueing.services import add_to_waiting_list

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
            Outcome.WAITLISTED, "No seat left that day; added to the waiting list.", waiting=entry
        )
