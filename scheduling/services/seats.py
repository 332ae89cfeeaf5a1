"""Seat arithmetic of one locked doctor-day, and the helpers that seat and move tokens.

Everything here runs under ``doctor_day_locked``: seats are counted from the token rows after
the lock is taken, never from a value read before it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q

from accounts.models import Patient
from opd_site import clock
from opd_site.rows import insert
from scheduling import policy
from scheduling.events import record_event
from scheduling.locking import assert_locked
from scheduling.models import (
    ADVANCE_SOURCES,
    DoctorDay,
    EventKind,
    Slot,
    Source,
    Token,
)
from scheduling.services.slips import mark_moved_slip
from scheduling.sql import booking_day, slots_with_seat_counts


def is_emergency_priority(priority: int) -> bool:
    return priority >= policy.emergency_priority()


def emergency_q() -> Q:
    return Q(priority__gte=policy.emergency_priority())


def walk_in_release_time(slot: Slot) -> datetime:
    """From this moment a slot's unused walk-in reserve is open to advance bookings."""
    return slot.start - timedelta(minutes=policy.walk_in_release_minutes())


def lost_window(doctor_day: DoctorDay) -> tuple[datetime, datetime] | None:
    """The stretch of the day a recorded delay eats, or None without a delay."""
    if not doctor_day.delay_minutes or doctor_day.delay_from is None:
        return None
    return doctor_day.delay_from, doctor_day.delay_from + timedelta(
        minutes=doctor_day.delay_minutes
    )


def delay_overlap(slot: Slot, doctor_day: DoctorDay) -> timedelta:
    window = lost_window(doctor_day)
    if window is None:
        return timedelta(0)
    start, end = max(slot.start, window[0]), min(slot.end, window[1])
    return max(end - start, timedelta(0))


def estimated_start(slot: Slot, doctor_day: DoctorDay) -> datetime:
    """When the doctor is expected to begin the slot, the delay taken into account."""
    window = lost_window(doctor_day)
    if window is None or not delay_overlap(slot, doctor_day):
        return slot.start
    return max(slot.start, window[1])


def effective_capacity(slot: Slot, doctor_day: DoctorDay, held: int = 0) -> int:
    """The slot's capacity after a delay shrinks its usable time, never below seats held."""
    if slot.status != Slot.Status.OPEN:
        return held
    overlap = delay_overlap(slot, doctor_day)
    if not overlap:
        return slot.capacity
    length = slot.end - slot.start
    shrunk = int(slot.capacity * ((length - overlap) / length))
    return max(shrunk, held)


@dataclass
class SlotSeats:
    """What one slot holds, counted under the lock."""

    slot: Slot
    capacity: int
    regular: int = 0
    advance: int = 0
    emergency: int = 0

    @classmethod
    def counted(cls, slot: Slot, doctor_day: DoctorDay) -> "SlotSeats":
        """The seats of a slot read with its counts (``n_regular``, ``n_advance``,
        ``n_emergency``, ``n_held``: see ``scheduling.sql`` and ``selectors.counted_slots``)."""
        held = slot.n_held
        # Emergencies past the reserve sit in regular seats and are never moved, so a delay
        # cannot take those seats away either (up to the slot's nominal capacity).
        unmovable = held + max(0, slot.n_emergency - slot.emergency_reserve)
        floor = max(held, min(unmovable, slot.capacity))
        return cls(
            slot=slot,
            capacity=effective_capacity(slot, doctor_day, floor),
            regular=slot.n_regular,
            advance=slot.n_advance,
            emergency=slot.n_emergency,
        )

    @property
    def reserve(self) -> int:
        return self.slot.emergency_reserve if self.slot.status == Slot.Status.OPEN else 0

    @property
    def regular_free(self) -> int:
        """Seats a non-emergency token may take. Emergencies fill the reserve first."""
        return self.capacity - self.regular - max(0, self.emergency - self.reserve)

    @property
    def total_free(self) -> int:
        """Seats an emergency may take: capacity plus the emergency reserve."""
        return self.capacity + self.reserve - self.regular - self.emergency

    def is_open_at(self, at: datetime) -> bool:
        return self.slot.status == Slot.Status.OPEN and self.slot.end > at

    def walk_in_seats_held(self, at: datetime) -> int:
        """Seats kept back from advance bookings before the reserve's release time."""
        if at >= walk_in_release_time(self.slot):
            return 0
        return min(self.slot.walk_in_reserve, self.capacity)

    def can_seat(self, source: str, at: datetime, *, freeing: Token | None = None) -> bool:
        """Could a non-emergency token of this source sit here now (after ``freeing`` leaves)?"""
        if not self.is_open_at(at):
            return False
        regular, advance = self.regular, self.advance
        if freeing is not None:
            regular -= 1
            advance -= 1 if freeing.source in ADVANCE_SOURCES else 0
        free = self.capacity - regular - max(0, self.emergency - self.reserve)
        if free <= 0:
            return False
        if source in ADVANCE_SOURCES:
            return advance < self.capacity - self.walk_in_seats_held(at)
        return True

    def take(self, token: Token) -> None:
        if is_emergency_priority(token.priority):
            self.emergency += 1
        else:
            self.regular += 1
            self.advance += 1 if token.source in ADVANCE_SOURCES else 0

    def release(self, token: Token) -> None:
        if is_emergency_priority(token.priority):
            self.emergency -= 1
        else:
            self.regular -= 1
            self.advance -= 1 if token.source in ADVANCE_SOURCES else 0


class DaySeats:
    """The seats of every slot of a locked doctor-day, in slot order."""

    def __init__(
        self, doctor_day: DoctorDay, *, locked: bool = True, for_patient: Patient | None = None
    ):
        """With ``for_patient`` (a booking), the same statement also reads the day's active
        tokens (``tokens``) and the place the patient already holds on the day
        (``patient_place``, as ``selectors.existing_place``)."""
        if locked:
            assert_locked()
        self.doctor_day = doctor_day
        self.patient_place: dict | None = None
        # The day's active tokens as read, each with its slot, while they are still the day's:
        # a token moved (``move_token``) makes them None; a token issued joins them.
        self.tokens: list[Token] | None = None
        if for_patient is None:
            slots = slots_with_seat_counts(doctor_day.id)
        else:
            read = booking_day(doctor_day.id, for_patient.pk)
            slots, self.tokens, self.patient_place = read.slots, read.tokens, read.place
        self.slots: list[SlotSeats] = [SlotSeats.counted(slot, doctor_day) for slot in slots]
        self.by_id = {seats.slot.id: seats for seats in self.slots}

    def __getitem__(self, slot_id: int) -> SlotSeats:
        return self.by_id[slot_id]

    def open_slots(self, at: datetime) -> list[SlotSeats]:
        return [seats for seats in self.slots if seats.is_open_at(at)]

    def first_free(
        self, source: str, at: datetime, *, after: Slot | None = None
    ) -> SlotSeats | None:
        """The earliest open slot (later than ``after``, if given) with a seat for ``source``."""
        for seats in self.slots:
            if after is not None and seats.slot.start <= after.start:
                continue
            if seats.can_seat(source, at):
                return seats
        return None

    def current_or_next(self, at: datetime) -> SlotSeats | None:
        """The slot in progress at ``at``, else the next one to start."""
        for seats in self.open_slots(at):
            return seats
        return None


def issue_token(
    *,
    seats: DaySeats,
    slot_seats: SlotSeats,
    patient: Patient,
    source: str,
    priority: int,
    requested_at: datetime,
    kind: EventKind,
    why: str,
    actor=None,
    reason: str = "",
    original_slot: Slot | None = None,
    is_overflow: bool = False,
    waiting_entry=None,
    before_insert: Callable[[Token], object] | None = None,
) -> Token:
    """Give the patient the next number of the day and a seat in ``slot_seats``, and record
    it: a ``kind`` event saying ``why`` (from ``original_slot`` when the request asked for
    another slot; with the ``waiting_entry`` it came from, if any). ``before_insert`` may set
    more of the token's fields before it is written."""
    doctor_day = seats.doctor_day
    if getattr(doctor_day, "reserved_number", None) is None:
        DoctorDay.objects.filter(pk=doctor_day.pk).update(token_counter=F("token_counter") + 1)
        doctor_day.token_counter += 1
    else:  # taken with the lock (``doctor_day_locked(reserve_number=True)``)
        doctor_day.reserved_number = None
    slot = slot_seats.slot
    token = Token(
        doctor_day=doctor_day,
        slot=slot,
        patient=patient,
        number=doctor_day.token_counter,
        source=source,
        priority=priority,
        reason=reason[:300],
        fee=fee_for(source=source, slot=slot),
        original_slot=original_slot,
        is_overflow=is_overflow,
        requested_at=requested_at,
        booked_at=clock.now(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if before_insert is not None:
        before_insert(token)
    insert(token)  # as ``token.save(force_insert=True)``, with the statement built once
    slot_seats.take(token)
    if seats.tokens is not None:
        seats.tokens.append(token)
    event = record_event(
        kind=kind,
        doctor_day=doctor_day,
        token=token,
        waiting_entry=waiting_entry,
        from_slot=original_slot,
        to_slot=slot,
        actor=actor,
        reason=why,
    )
    # A token just issued has this one event for its whole history: the answer shows it as is.
    token.issued_history = [event]
    return token


def fee_for(*, source: str, slot: Slot):
    """What a token costs: the paid-priority fee, nothing for follow-ups and emergencies."""
    if source == Source.PRIORITY:
        return slot.priority_fee
    if source in (Source.FOLLOW_UP, Source.EMERGENCY):
        return 0
    return slot.consultation_fee


def move_token(
    *,
    seats: DaySeats,
    token: Token,
    to: SlotSeats,
    kind: EventKind,
    actor=None,
    reason: str = "",
    count_as_bump: bool = False,
) -> Token:
    """Move a token to another slot of the same day, with its event; a printed slip of it is
    marked out of date."""
    origin = token.slot
    seats[origin.id].release(token)
    seats.tokens = None  # the instances read before no longer say where this token sits
    token.slot = to.slot
    fields = ["slot"]
    if token.original_slot_id is None:
        token.original_slot = origin
        fields.append("original_slot")
    if count_as_bump:
        token.bump_count += 1
        fields.append("bump_count")
    fields += mark_moved_slip(token)
    token.save(update_fields=fields)
    to.take(token)
    record_event(
        kind=kind,
        doctor_day=seats.doctor_day,
        token=token,
        from_slot=origin,
        to_slot=to.slot,
        actor=actor,
        reason=reason,
    )
    return token
