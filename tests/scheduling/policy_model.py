"""An independent model of allocation.md's seat counting and ranking, to check the engine against.

Written from /work/shared/design/allocation.md, not from the engine: plain dataclasses describe
one doctor-day at an instant ``now``, and pure functions answer what the policy says should
happen (free seats, a request's outcome, which waiting entries a freed seat promotes, whom "call
next" calls) and which seat invariants (1, 3 and 7) a state breaks. Nothing here touches Django
or the engine, so an engine bug cannot hide by agreeing with itself.

Readings of the policy the page leaves open are marked "Reading:" where they are made.

Where the engine (read afterwards, for field names) and allocation.md disagree:
- "call next" while a token is in consultation is refused by the page (409; invariant 8); the
  engine's ``call_next`` calls the next patient anyway, leaving two in consultation.
- A booked token may not be marked no_show before slot start + NO_SHOW_GRACE_MINUTES (409;
  invariant 8); the engine's ``mark_no_show`` accepts it at any time.
- Check-in marks arrival and in_consultation -> checked_in is a requeue; the engine's
  ``check_in`` accepts a token in consultation and records it as a second check-in.
- A request with no slot of the day left open: step 7 would waitlist, the engine refuses
  (doctor_not_working). The page is silent; the model answers NO_SLOT and the test expects the
  refusal.
- Step 6 names only later slots; the engine also tries an earlier open slot before the waiting
  list (see ``predict_request``), as invariant 3 requires. The model follows invariant 3.
- An emergency waiting entry (carried over, priority kept, from a day the doctor was away) is
  never promoted into the emergency reserve by the engine, so it can wait beside a free reserve
  seat; the page lets emergencies use the reserve, and invariant 3 forbids the wait.
- The engine counts a token as an emergency by priority (>= the emergency priority), so a
  fast-tracked token uses the emergency reserve first and is never bumped; the model reads
  "under the same rules" the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

EMERGENCY = "emergency"
WALK_IN = "walk_in"
ADVANCE_SOURCES = frozenset({"online", "priority", "follow_up"})
ACTIVE_STATUSES = frozenset({"booked", "checked_in", "in_consultation", "completed"})
ARRIVED_STATUSES = frozenset({"checked_in", "in_consultation", "completed"})

# What a request gets (allocation.md, "Requesting a token" steps 4 to 7).
DIRECT = "direct"
BUMPED = "bumped"
MOVED = "moved"
WAITLISTED = "waitlisted"
NO_SLOT = "no_slot"
# Where an emergency sits ("Emergencies"); a bump is BUMPED as for a request.
EMERGENCY_SEAT = "free_seat"
RESERVE_SEAT = "emergency_reserve"
OVERFLOW = "overflow"


@dataclass(frozen=True)
class Rules:
    """The policy's numbers that seat counting and bumping depend on (allocation.md defaults)."""

    max_bumps: int = 1
    walk_in_release_minutes: int = 60
    emergency_priority: int = 100


@dataclass(frozen=True)
class SlotState:
    """One slot of the doctor-day: its window, hard capacity, reserves and whether it is open."""

    id: int
    start: datetime
    end: datetime
    capacity: int
    emergency_reserve: int = 0
    walk_in_reserve: int = 0
    cancelled: bool = False


@dataclass(frozen=True)
class TokenState:
    """A token as the policy sees it: where it sits, who it is for and how far it has got."""

    id: int
    slot_id: int
    source: str
    priority: int
    booked_at: datetime
    status: str = "booked"
    bump_count: int = 0
    checked_in_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(frozen=True)
class WaitingState:
    """A waiting entry still waiting for a seat in this doctor-day."""

    id: int
    source: str
    priority: int
    requested_at: datetime


@dataclass(frozen=True)
class DayState:
    """One doctor-day: its slots, tokens and waiting entries, and the doctor's recorded delay."""

    slots: tuple[SlotState, ...]
    tokens: tuple[TokenState, ...] = ()
    waiting: tuple[WaitingState, ...] = ()
    delay_minutes: int = 0
    delay_from: datetime | None = None
    rules: Rules = field(default_factory=Rules)

    def slot(self, slot_id: int) -> SlotState:
        return next(slot for slot in self.slots if slot.id == slot_id)

    def token(self, token_id: int) -> TokenState:
        return next(token for token in self.tokens if token.id == token_id)

    def in_order(self) -> list[SlotState]:
        return sorted(self.slots, key=lambda slot: (slot.start, slot.id))

    def active_in(self, slot_id: int) -> list[TokenState]:
        return [t for t in self.tokens if t.slot_id == slot_id and t.active]


@dataclass(frozen=True)
class Outcome:
    """What a request should get: a direct seat, a seat after a bump, a later seat or a wait."""

    kind: str
    slot_id: int | None = None
    bumped_token_id: int | None = None
    bumped_to_slot_id: int | None = None


# -- seat counting ---------------------------------------------------------------------------


def is_advance(source: str) -> bool:
    """Booked ahead (online, priority, follow-up): kept out of the walk-in reserve."""
    return source in ADVANCE_SOURCES


def is_emergency(day: DayState, source: str, priority: int | None = None) -> bool:
    """An emergency by source, or a token fast-tracked to emergency priority ("same rules")."""
    return source == EMERGENCY or (
        priority is not None and priority >= day.rules.emergency_priority
    )


def _emergency(day: DayState, token: TokenState) -> bool:
    """The token counts as an emergency: reserve first, never bumped."""
    return is_emergency(day, token.source, token.priority)


def has_ended(slot: SlotState, now: datetime) -> bool:
    """A slot has ended once its end time is reached."""
    return now >= slot.end


def has_started(slot: SlotState, now: datetime) -> bool:
    """A slot has started once its start time is reached: its patients can be called."""
    return now >= slot.start


def is_bookable(slot: SlotState, now: datetime) -> bool:
    """Open and not ended: the slots a request, a bump or a promotion may seat someone in."""
    return not slot.cancelled and not has_ended(slot, now)


def walk_in_reserve_released(day: DayState, slot: SlotState, now: datetime) -> bool:
    """Unused walk-in seats open to all from WALK_IN_RELEASE_MINUTES before the slot starts."""
    return now >= slot.start - timedelta(minutes=day.rules.walk_in_release_minutes)


def lost_minutes(day: DayState, slot: SlotState) -> float:
    """Minutes of the slot the doctor's delay eats: its overlap with [delay_from, +delay).

    Reading: a delay of N minutes recorded from ``delay_from`` (the start of the day when not
    given) means the doctor sees nobody in that window; each slot loses its overlap with it.
    """
    if day.delay_minutes <= 0:
        return 0.0
    since = day.delay_from or min(s.start for s in day.slots)
    until = since + timedelta(minutes=day.delay_minutes)
    overlap = min(slot.end, until) - max(slot.start, since)
    return max(overlap.total_seconds(), 0.0) / 60


def effective_capacity(day: DayState, slot: SlotState) -> int:
    """Capacity shrunk in proportion to the time a delay eats, rounded down.

    Never below the tokens already checked in (reading: the non-emergency ones that have
    arrived, since effective capacity bounds non-emergency tokens).
    """
    length = (slot.end - slot.start).total_seconds() / 60
    usable = length - lost_minutes(day, slot)
    if usable >= length:
        return slot.capacity
    shrunk = int(slot.capacity * usable // length)
    arrived = sum(
        1 for t in day.active_in(slot.id) if not _emergency(day, t) and t.status in ARRIVED_STATUSES
    )
    return min(slot.capacity, max(shrunk, arrived))


@dataclass(frozen=True)
class SlotCount:
    """The seats of one slot as the model counts them."""

    effective_capacity: int
    emergencies: int
    non_emergencies: int
    advance: int
    spill: int  # emergencies past the emergency reserve, sitting in regular seats
    regular_free: int
    reserve_free: int
    advance_room: int  # seats advance bookings may still take (walk-in reserve held back)


def count_slot(day: DayState, slot: SlotState, now: datetime) -> SlotCount:
    """Count a slot: emergencies fill the emergency reserve first, then regular seats."""
    active = day.active_in(slot.id)
    capacity = effective_capacity(day, slot)
    emergencies = sum(1 for t in active if _emergency(day, t))
    non_emergencies = len(active) - emergencies
    advance = sum(1 for t in active if is_advance(t.source) and not _emergency(day, t))
    spill = max(emergencies - slot.emergency_reserve, 0)
    regular_free = max(capacity - non_emergencies - spill, 0)
    reserve_free = max(slot.emergency_reserve - emergencies, 0)
    held_back = 0 if walk_in_reserve_released(day, slot, now) else slot.walk_in_reserve
    # Reading: the walk-in reserve is "the last walk_in_reserve seats" of the effective capacity;
    # advance bookings may hold at most capacity - reserve of them (invariant 7), and walk-ins or
    # spilled emergencies in the slot use the reserve first.
    advance_room = min(regular_free, max(capacity - held_back - advance, 0))
    return SlotCount(
        capacity,
        emergencies,
        non_emergencies,
        advance,
        spill,
        regular_free,
        reserve_free,
        advance_room,
    )


def free_seats(
    day: DayState, slot_id: int, source: str, now: datetime, priority: int | None = None
) -> int:
    """Seats a request of ``source`` could take in the slot now; none if cancelled or ended."""
    slot = day.slot(slot_id)
    if not is_bookable(slot, now):
        return 0
    count = count_slot(day, slot, now)
    if is_emergency(day, source, priority):
        return count.regular_free + count.reserve_free
    if is_advance(source):
        return count.advance_room
    return count.regular_free


# -- requesting a token ----------------------------------------------------------------------


def target_slot(day: DayState, now: datetime, preferred_id: int | None = None) -> SlotState | None:
    """The preferred slot, else the earliest slot of the day that has not ended.

    Reading: a cancelled slot is not a target (it could not be preferred either). This is also
    an emergency's slot: the one in progress now, or the next one if none is.
    """
    if preferred_id is not None:
        return day.slot(preferred_id)
    return next((s for s in day.in_order() if is_bookable(s, now)), None)


def with_token(day: DayState, token: TokenState) -> DayState:
    """The day with ``token`` added, or replacing the token of the same id."""
    others = tuple(t for t in day.tokens if t.id != token.id)
    return replace(day, tokens=(*others, token))


def is_bumpable(day: DayState, token: TokenState, priority: int) -> bool:
    """Booked, not emergency, bumped fewer than MAX_BUMPS times, strictly lower priority."""
    return (
        token.status == "booked"
        and not _emergency(day, token)
        and token.bump_count < day.rules.max_bumps
        and token.priority < priority
    )


def bump_order(tokens: Iterable[TokenState]) -> list[TokenState]:
    """Bump candidates, first to go first: lowest priority, then latest booked.

    Reading: among tokens booked in the same instant the later-issued (higher id) goes first.
    """
    return sorted(tokens, key=lambda t: (t.priority, -t.booked_at.timestamp(), -t.id))


def earliest_later_seat(
    day: DayState, after: SlotState, source: str, now: datetime, priority: int | None = None
) -> SlotState | None:
    """The earliest open, not-ended slot starting after ``after`` with a seat for ``source``."""
    return next(
        (
            s
            for s in day.in_order()
            if s.start > after.start and free_seats(day, s.id, source, now, priority)
        ),
        None,
    )


def bump_choice(
    day: DayState, target: SlotState, source: str, priority: int, now: datetime
) -> tuple[TokenState, SlotState] | None:
    """Which token a full target gives up for a request, and where it goes; None if no bump.

    The lowest-priority bumpable token (latest booked among equals) moves to the earliest later
    slot with a free seat for its own source. Reading: a bump must make room for the request
    (an advance request gains nothing from moving a walk-in out of the walk-in reserve), so a
    candidate that would not, or that has no later seat, is passed over for the next one. For
    an emergency any bumpable token will do.
    """
    bumpable = [t for t in day.active_in(target.id) if is_bumpable(day, t, priority)]
    for candidate in bump_order(bumpable):
        destination = earliest_later_seat(day, target, candidate.source, now, candidate.priority)
        if destination is None:
            continue
        if is_emergency(day, source, priority):
            return candidate, destination
        vacated = with_token(day, replace(candidate, status="cancelled"))
        if free_seats(vacated, target.id, source, now, priority):
            return candidate, destination
    return None


def predict_request(
    day: DayState, source: str, priority: int, now: datetime, preferred_id: int | None = None
) -> Outcome:
    """The outcome allocation.md gives an accepted non-emergency request (steps 3 to 7).

    Beyond the page's steps, two things it leaves open:
    - when no later slot has room, an earlier open slot that has not ended is tried (earliest
      first) before the waiting list. The engine does this on purpose, "so that nobody waits
      while a seat the request could take stands empty"; it is what invariant 3
      (work-conserving) demands, though step 6 only speaks of later slots.
    - with no preferred slot and no open slot left that day there is no target: the page says
      nothing (step 7 would waitlist, but such an entry could never be seated); NO_SLOT.
    """
    target = target_slot(day, now, preferred_id)
    if target is None:
        return Outcome(NO_SLOT)
    if free_seats(day, target.id, source, now, priority):
        return Outcome(DIRECT, target.id)
    bump = bump_choice(day, target, source, priority, now)
    if bump is not None:
        token, destination = bump
        return Outcome(BUMPED, target.id, token.id, destination.id)
    later = earliest_later_seat(day, target, source, now, priority)
    if later is not None:
        return Outcome(MOVED, later.id)
    other = next((s for s in day.in_order() if free_seats(day, s.id, source, now, priority)), None)
    if other is not None:
        return Outcome(MOVED, other.id)
    return Outcome(WAITLISTED)


def predict_emergency(day: DayState, now: datetime, priority: int | None = None) -> Outcome:
    """Where an emergency goes: the slot in progress (else the next), by seat, reserve, bump or
    overflow past capacity + reserve as the last resort."""
    priority = day.rules.emergency_priority if priority is None else priority
    target = target_slot(day, now)
    if target is None:
        return Outcome(NO_SLOT)
    count = count_slot(day, target, now)
    if count.regular_free:
        return Outcome(EMERGENCY_SEAT, target.id)
    if count.reserve_free:
        return Outcome(RESERVE_SEAT, target.id)
    bump = bump_choice(day, target, EMERGENCY, priority, now)
    if bump is not None:
        token, destination = bump
        return Outcome(BUMPED, target.id, token.id, destination.id)
    return Outcome(OVERFLOW, target.id)


# -- the waiting list ------------------------------------------------------------------------


def ranked_waiting(waiting: Iterable[WaitingState]) -> list[WaitingState]:
    """Waiting entries in rank order: priority (highest first), then request time, then id."""
    return sorted(waiting, key=lambda w: (-w.priority, w.requested_at, w.id))


def entry_seats(
    day: DayState, slot_id: int, entry: WaitingState, now: datetime, *, reserve: bool = True
) -> int:
    """Seats a waiting entry could take in the slot.

    An emergency entry (carried over with its priority from a day the doctor was away) may take
    the emergency reserve like any emergency. ``reserve=False`` is the other reading, in which
    waiting entries take regular seats only (the engine's); it lets a test name the difference.
    """
    slot = day.slot(slot_id)
    if not reserve and is_emergency(day, entry.source, entry.priority):
        return count_slot(day, slot, now).regular_free if is_bookable(slot, now) else 0
    return free_seats(day, slot_id, entry.source, now, entry.priority)


def promotions(day: DayState, now: datetime, *, reserve: bool = True) -> dict[int, int]:
    """Which waiting entries freed seats should take, entry id -> slot id, seated in rank order.

    Each entry in rank order takes the earliest open, not-ended slot with a free seat for its
    source. Reading: an entry that fits nowhere is passed over rather than ending the round,
    since invariant 3 forbids leaving a later entry (a walk-in, say) beside a seat it could take.
    ``reserve``: see ``entry_seats``.
    """
    seated: dict[int, int] = {}
    for entry in ranked_waiting(day.waiting):
        slot = next(
            (s for s in day.in_order() if entry_seats(day, s.id, entry, now, reserve=reserve)),
            None,
        )
        if slot is None:
            continue
        seated[entry.id] = slot.id
        promoted = TokenState(
            id=-entry.id,
            slot_id=slot.id,
            source=entry.source,
            priority=entry.priority,
            booked_at=now,
        )
        day = replace(
            day,
            tokens=(*day.tokens, promoted),
            waiting=tuple(w for w in day.waiting if w.id != entry.id),
        )
    return seated


# -- serving order ---------------------------------------------------------------------------


def serving_order(day: DayState, now: datetime) -> list[TokenState]:
    """Checked-in tokens of started slots: highest priority, earliest slot, earliest check-in."""
    starts = {s.id: s.start for s in day.slots}
    waiting_room = [t for t in day.tokens if t.status == "checked_in" and now >= starts[t.slot_id]]
    return sorted(
        waiting_room,
        key=lambda t: (-t.priority, starts[t.slot_id], t.checked_in_at or now, t.id),
    )


def next_to_call(day: DayState, now: datetime) -> TokenState | None:
    """The token "call next" should take, or None when nobody is waiting to be seen."""
    order = serving_order(day, now)
    return order[0] if order else None


# -- invariants ------------------------------------------------------------------------------


def seat_violations(
    day: DayState, now: datetime, overflow_ids: frozenset = frozenset(), *, reserve: bool = True
) -> list:
    """Broken seat invariants of a doctor-day: 1 (capacity), 7 (walk-in reserve), 3 (waiting).

    ``overflow_ids`` are the tokens recorded as emergency overflow, the only ones allowed past
    capacity + reserve. Cancelled slots hold no seats and are not counted. ``reserve``: see
    ``entry_seats``.
    """
    problems = []
    for slot in day.in_order():
        if slot.cancelled:
            continue
        count = count_slot(day, slot, now)
        name = f"slot {slot.id} ({slot.start:%a %H:%M})"
        if count.non_emergencies > count.effective_capacity:
            problems.append(
                f"invariant 1: {name} holds {count.non_emergencies} non-emergency tokens, "
                f"effective capacity {count.effective_capacity}"
            )
        within = sum(1 for t in day.active_in(slot.id) if t.id not in overflow_ids)
        if within > slot.capacity + slot.emergency_reserve:
            problems.append(
                f"invariant 1: {name} holds {within} tokens without recorded overflow, "
                f"capacity {slot.capacity} + reserve {slot.emergency_reserve}"
            )
        if not walk_in_reserve_released(day, slot, now):
            room = max(count.effective_capacity - slot.walk_in_reserve, 0)
            if count.advance > room:
                problems.append(
                    f"invariant 7: {name} holds {count.advance} advance bookings, {room} allowed "
                    f"before its walk-in reserve of {slot.walk_in_reserve} is released"
                )
    for entry in day.waiting:
        free = [s.id for s in day.in_order() if entry_seats(day, s.id, entry, now, reserve=reserve)]
        if free:
            problems.append(
                f"invariant 3: waiting entry {entry.id} ({entry.source}, priority "
                f"{entry.priority}) waits beside a free seat in slots {free}"
            )
    return problems


def consultation_refusal(tokens_of_doctor: Iterable[TokenState]) -> TokenState | None:
    """The doctor's token in consultation, which makes "call next" a refusal (409), if any."""
    return next((t for t in tokens_of_doctor if t.status == "in_consultation"), None)
