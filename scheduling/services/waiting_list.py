"""The waiting list: joining it, leaving it, expiry, and promotion into freed seats."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Max

from accounts.models import Patient
from opd_site import clock
from scheduling.errors import NoSeatFree, WaitingEntryClosed
from scheduling.events import record_event
from scheduling.locking import assert_locked, doctor_day_locked
from scheduling.models import DoctorDay, EventKind, Slot, Token, WaitingEntry
from scheduling.notify import notify_patient
from scheduling.selectors import existing_place
from scheduling.services.seats import DaySeats, SlotSeats, is_emergency_priority, issue_token


def expiry_for(doctor_day: DoctorDay) -> datetime:
    """An entry lapses when the day's last slot ends (or at the end of that date)."""
    last_end = Slot.objects.filter(doctor_day=doctor_day).aggregate(end=Max("end"))["end"]
    if last_end is not None:
        return last_end
    return clock.now().replace(hour=23, minute=59) + timedelta(
        days=(doctor_day.date - clock.today()).days
    )


def add_to_waiting_list(
    *,
    doctor_day: DoctorDay,
    patient: Patient,
    source: str,
    priority: int,
    requested_at: datetime,
    actor=None,
    reason: str = "",
    why: str = "",
    notify: bool = False,
) -> WaitingEntry:
    """Put a request on the doctor-day's waiting list, ranked by priority then request time."""
    assert_locked()
    entry = WaitingEntry.objects.create(
        doctor_day=doctor_day,
        patient=patient,
        source=source,
        priority=priority,
        requested_at=requested_at,
        expires_at=expiry_for(doctor_day),
        reason=reason[:300],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record_event(
        kind=EventKind.WAITLISTED,
        doctor_day=doctor_day,
        waiting_entry=entry,
        actor=actor,
        reason=why,
    )
    if notify:
        notify_patient(patient=patient, kind=EventKind.WAITLISTED, detail=why)
    return entry


def carry_over(*, request, doctor_day: DoctorDay, actor=None, why: str, notify: bool = False):
    """Put a token's or entry's request on another day's list, its priority and request time
    kept; a patient who already holds a place on that day keeps that one (None)."""
    if existing_place(doctor_day=doctor_day, patient=request.patient) is not None:
        return None
    return add_to_waiting_list(
        doctor_day=doctor_day,
        patient=request.patient,
        source=request.source,
        priority=request.priority,
        requested_at=request.requested_at,
        actor=actor,
        reason=request.reason,
        why=why,
        notify=notify,
    )


def close_entry(
    *, entry: WaitingEntry, doctor_day: DoctorDay, status: str, actor=None, reason: str
) -> WaitingEntry:
    """Take an entry off the list (cancelled or expired), with its event."""
    assert_locked()
    entry.status = status
    entry.closed_at = clock.now()
    entry.save(update_fields=["status", "closed_at"])
    expired = status == WaitingEntry.Status.EXPIRED
    record_event(
        kind=EventKind.WAITING_EXPIRED if expired else EventKind.WAITING_CANCELLED,
        doctor_day=doctor_day,
        waiting_entry=entry,
        actor=actor,
        reason=reason,
    )
    return entry


def ranked_waiting(doctor_day: DoctorDay):
    """Waiting entries of the day in rank order: priority, then request time."""
    return (
        WaitingEntry.objects.filter(doctor_day=doctor_day, status=WaitingEntry.Status.WAITING)
        .select_related("patient", "patient__user")
        .order_by("-priority", "requested_at", "id")
    )


def has_room(slot_seats: SlotSeats, now) -> bool:
    """A seat some waiting entry could take: a regular one, or the emergency reserve."""
    return can_seat_walk_in(slot_seats, now) or slot_seats.total_free > 0


def can_seat_walk_in(slot_seats: SlotSeats, now) -> bool:
    """A regular seat: one any waiting entry (not only an emergency) could take."""
    return slot_seats.can_seat("walk_in", now)


def seat_for(seats: DaySeats, entry: WaitingEntry, now) -> SlotSeats | None:
    """The earliest open seat this entry may take: an emergency (carried over from another
    day) may use the emergency reserve, as an admitted emergency does."""
    if is_emergency_priority(entry.priority):
        return next((slot for slot in seats.open_slots(now) if slot.total_free > 0), None)
    return seats.first_free(entry.source, now)


def promote_waiting(*, seats: DaySeats, actor=None, reason: str = "A seat became free.") -> list:
    """Seat waiting entries, in rank order, in the earliest open slots with room.

    Runs after anything that frees a seat, in the same transaction; stops when seats or
    entries run out. Returns the tokens issued.
    """
    assert_locked()
    now = clock.now()
    if not any(has_room(slot, now) for slot in seats.open_slots(now)):
        return []
    issued = []
    for entry in ranked_waiting(seats.doctor_day):
        slot_seats = seat_for(seats, entry, now)
        if slot_seats is None:
            # Emergencies rank first; an entry that takes regular seats only ends the walk once
            # no regular seat is left, since everyone after it ranks lower.
            room = has_room if is_emergency_priority(entry.priority) else can_seat_walk_in
            if not any(room(slot, now) for slot in seats.open_slots(now)):
                break
            continue
        token = issue_token(
            seats=seats,
            slot_seats=slot_seats,
            patient=entry.patient,
            source=entry.source,
            priority=entry.priority,
            requested_at=entry.requested_at,
            actor=actor,
            reason=entry.reason,
            kind=EventKind.PROMOTED,
            why=reason,
            waiting_entry=entry,
        )
        entry.status = WaitingEntry.Status.ALLOCATED
        entry.allocated_token = token
        entry.closed_at = now
        entry.save(update_fields=["status", "allocated_token", "closed_at"])
        notify_patient(patient=entry.patient, kind=EventKind.PROMOTED, token=token)
        issued.append(token)
    return issued


def promote_day(*, doctor_day: DoctorDay, actor=None, reason: str) -> list:
    """Promote on a doctor-day from outside a transaction (the periodic tick)."""
    with doctor_day_locked(doctor_id=doctor_day.doctor_id, day=doctor_day.date) as locked:
        return promote_waiting(seats=DaySeats(locked), actor=actor, reason=reason)


def may_promote_now(*, entry: WaitingEntry, seats: DaySeats) -> bool:
    """Is a seat this entry may take free now? (``seats`` may be read without the lock, for a
    page; ``promote_entry`` counts again under it.)"""
    return entry.status == WaitingEntry.Status.WAITING and (
        seat_for(seats, entry, clock.now()) is not None
    )


@dataclass(frozen=True)
class Promotion:
    """What seating one entry at the desk did: its token (None when entries ranked ahead took
    the free seats first) and every token the promotion issued."""

    entry: WaitingEntry
    token: Token | None
    issued: list[Token] = field(default_factory=list)


def promote_entry(*, entry: WaitingEntry, actor=None) -> Promotion:
    """Seat this waiting entry now, by the rules automatic promotion follows.

    Under the doctor-day lock: the entry must still be waiting and a seat it may take must be
    free (else ``NoSeatFree``, and nothing changes). Then the day's waiting list is promoted in
    rank order, so an entry ranked ahead that fits takes a seat first, as it would by itself.
    """
    day = entry.doctor_day
    with doctor_day_locked(doctor_id=day.doctor_id, day=day.date) as doctor_day:
        entry = WaitingEntry.objects.select_related("patient").get(pk=entry.pk)
        if entry.status != WaitingEntry.Status.WAITING:
            raise WaitingEntryClosed(details={"status": entry.status})
        seats = DaySeats(doctor_day)
        if seat_for(seats, entry, clock.now()) is None:
            raise NoSeatFree(details={"waiting_entry": entry.pk})
        issued = promote_waiting(
            seats=seats, actor=actor, reason="Seated from the waiting list at the desk."
        )
        token = next((t for t in issued if t.patient_id == entry.patient_id), None)
        return Promotion(entry=entry, token=token, issued=issued)


def cancel_waiting(*, entry: WaitingEntry, actor=None, reason: str = "") -> WaitingEntry:
    """The patient leaves the waiting list."""
    with doctor_day_locked(doctor_id=entry.doctor_day.doctor_id, day=entry.doctor_day.date) as dd:
        entry = WaitingEntry.objects.get(pk=entry.pk)
        if entry.status != WaitingEntry.Status.WAITING:
            raise WaitingEntryClosed(details={"status": entry.status})
        return close_entry(
            entry=entry,
            doctor_day=dd,
            status=WaitingEntry.Status.CANCELLED,
            actor=actor,
            reason=reason or "Left the waiting list.",
        )


def expire_waiting_entries(*, doctor_day_ids: Collection[int] | None = None) -> int:
    """Close entries whose day is over (on these doctor-days, or all). Idempotent; each day is
    locked on its own."""
    now = clock.now()
    lapsed = WaitingEntry.objects.filter(status=WaitingEntry.Status.WAITING, expires_at__lte=now)
    if doctor_day_ids is not None:
        lapsed = lapsed.filter(doctor_day_id__in=doctor_day_ids)
    days = lapsed.values_list("doctor_day__doctor_id", "doctor_day__date").distinct()
    expired = 0
    for doctor_id, day in sorted(set(days)):
        with doctor_day_locked(doctor_id=doctor_id, day=day) as dd:
            due = WaitingEntry.objects.filter(
                doctor_day=dd, status=WaitingEntry.Status.WAITING, expires_at__lte=now
            )
            for entry in due:
                close_entry(
                    entry=entry,
                    doctor_day=dd,
                    status=WaitingEntry.Status.EXPIRED,
                    reason="The day ended before a seat became free.",
                )
                expired += 1
    return expired
