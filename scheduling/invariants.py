"""Check every invariant of allocation.md over the stored state.

Used by the property tests after each step and by ``simulate_day`` over its final state.
Invariant 9 (money) is checked per token: payment, refund and payment state agree.
Returns human-readable violations; an empty list means every invariant held.
"""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from opd_site import clock
from scheduling import policy
from scheduling.models import (
    ACTIVE_STATUSES,
    DoctorDay,
    EventKind,
    Payment,
    PaymentState,
    Refund,
    Slot,
    Token,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.seats import DaySeats
from scheduling.services.waiting_list import seat_for

CREATION_KINDS = {
    EventKind.BOOKED,
    EventKind.MOVED,
    EventKind.PROMOTED,
    EventKind.EMERGENCY_ADMITTED,
    EventKind.OVERFLOW,
}
SLOT_CHANGE_KINDS = CREATION_KINDS | {
    EventKind.BUMPED,
    EventKind.RESCHEDULED,
    EventKind.DELAY_MOVED,
    EventKind.FAST_TRACKED,
}
STATUS_EVENT = {
    TokenStatus.COMPLETED: EventKind.COMPLETED,
    TokenStatus.CANCELLED: EventKind.CANCELLED,
    TokenStatus.NO_SHOW: EventKind.NO_SHOW,
}
ENTRY_CLOSE_EVENT = {
    WaitingEntry.Status.ALLOCATED: EventKind.PROMOTED,
    WaitingEntry.Status.CANCELLED: EventKind.WAITING_CANCELLED,
    WaitingEntry.Status.EXPIRED: EventKind.WAITING_EXPIRED,
}


def check_invariants(doctor_days=None) -> list[str]:
    """All violations over the given doctor-days (default: every doctor-day)."""
    days = list(
        (doctor_days if doctor_days is not None else DoctorDay.objects.all()).select_related(
            "doctor"
        )
    )
    problems: list[str] = []
    for doctor_day in days:
        problems += _check_day(doctor_day)
    return problems


def _check_day(doctor_day: DoctorDay) -> list[str]:
    label = f"{doctor_day.doctor.token_prefix} {doctor_day.date}"
    now = clock.now()
    seats = DaySeats(doctor_day, locked=False)
    tokens = list(
        Token.objects.filter(doctor_day=doctor_day)
        .select_related("slot", "payment", "refund")
        .prefetch_related("events")
    )
    entries = list(WaitingEntry.objects.filter(doctor_day=doctor_day).prefetch_related("events"))
    problems = []
    problems += _capacity(label, seats, tokens, now)
    problems += _one_per_patient(label, tokens, entries)
    problems += _work_conserving(label, seats, entries, now)
    problems += _never_moved(label, tokens)
    problems += _numbers(label, doctor_day, tokens)
    problems += _history(label, tokens, entries)
    problems += _serving(label, tokens)
    problems += _money(label, tokens)
    return problems


def _capacity(label, seats: DaySeats, tokens, now) -> list[str]:
    """1 and 7: capacity, capacity plus reserve (bar recorded overflow), walk-in reserve."""
    problems = []
    overflow = Counter(t.slot_id for t in tokens if t.is_overflow and t.status in ACTIVE_STATUSES)
    for slot_seats in seats.slots:
        slot = slot_seats.slot
        name = f"{label} slot {timezone.localtime(slot.start):%H:%M}"
        if slot.status != Slot.Status.OPEN:
            stranded = [
                t
                for t in tokens
                if t.slot_id == slot.id and t.status in (TokenStatus.BOOKED, TokenStatus.CHECKED_IN)
            ]
            if stranded:
                problems.append(
                    f"{name}: cancelled slot still holds {len(stranded)} waiting tokens"
                )
            continue
        if slot_seats.regular > slot_seats.capacity:
            problems.append(
                f"{name}: {slot_seats.regular} non-emergency tokens > "
                f"capacity {slot_seats.capacity}"
            )
        total = slot_seats.regular + slot_seats.emergency - overflow[slot.id]
        if total > slot_seats.capacity + slot_seats.reserve:
            problems.append(
                f"{name}: {total} tokens > capacity + reserve without recorded overflow"
            )
        if slot_seats.regular_free < 0 and not overflow[slot.id]:
            problems.append(f"{name}: non-emergency tokens use emergency-only seats")
        held = slot_seats.walk_in_seats_held(now)
        if held and slot_seats.advance > slot_seats.capacity - held:
            problems.append(
                f"{name}: {slot_seats.advance} advance bookings sit in the walk-in reserve"
            )
    return problems


def _one_per_patient(label, tokens, entries) -> list[str]:
    """2: at most one active token or waiting entry per patient per doctor-day."""
    held = Counter(t.patient_id for t in tokens if t.status in ACTIVE_STATUSES)
    held.update(e.patient_id for e in entries if e.status == WaitingEntry.Status.WAITING)
    return [f"{label}: patient {pid} holds {n} tokens/entries" for pid, n in held.items() if n > 1]


def _work_conserving(label, seats: DaySeats, entries, now) -> list[str]:
    """3: no waiting entry beside a free seat it could take in a slot that has not ended."""
    problems = []
    for entry in entries:
        if entry.status != WaitingEntry.Status.WAITING or entry.expires_at <= now:
            continue
        free = seat_for(seats, entry, now)
        if free is not None:
            problems.append(
                f"{label}: waiting entry {entry.id} ({entry.source}) waits beside a free seat at "
                f"{timezone.localtime(free.slot.start):%H:%M}"
            )
    return problems


def _never_moved(label, tokens) -> list[str]:
    """4: emergency and checked-in tokens are never bumped; nobody beyond MAX_BUMPS."""
    problems = []
    for token in tokens:
        events = token.events.all()
        bumps = [e for e in events if e.kind in (EventKind.BUMPED, EventKind.DELAY_MOVED)]
        # Order by history, not by clock: a check-in in the same instant after a move is fine.
        arrived = min(
            ((e.at, e.id) for e in events if e.kind == EventKind.CHECKED_IN), default=None
        )
        if sum(e.kind == EventKind.BUMPED for e in bumps) != token.bump_count:
            problems.append(f"{label}: token {token.number} bump count disagrees with its history")
        if token.bump_count > policy.max_bumps():
            problems.append(f"{label}: token {token.number} bumped {token.bump_count} times")
        for event in bumps:
            if token.source == "emergency" or (
                arrived is not None and arrived < (event.at, event.id)
            ):
                problems.append(
                    f"{label}: token {token.number} moved while emergency or checked in"
                )
    return problems


def _numbers(label, doctor_day, tokens) -> list[str]:
    """5: token numbers unique and gap-free per doctor-day."""
    numbers = sorted(t.number for t in tokens)
    if numbers != list(range(1, len(numbers) + 1)) or doctor_day.token_counter != len(numbers):
        return [
            f"{label}: token numbers are not 1..{len(numbers)} (counter {doctor_day.token_counter})"
        ]
    return []


def _history(label, tokens, entries) -> list[str]:
    """6: every token's and entry's history explains where it is and what it is."""
    problems = []
    for token in tokens:
        events = sorted(token.events.all(), key=lambda e: (e.at, e.id))
        name = f"{label}: token {token.number}"
        if not events or events[0].kind not in CREATION_KINDS:
            problems.append(f"{name} has no creation event")
            continue
        placed = [e for e in events if e.kind in SLOT_CHANGE_KINDS and e.to_slot_id]
        if placed and placed[-1].to_slot_id != token.slot_id:
            problems.append(f"{name} sits in a slot its history does not explain")
        wanted = STATUS_EVENT.get(token.status)
        if wanted and not any(e.kind == wanted for e in events):
            problems.append(f"{name} is {token.status} without a {wanted} event")
        if token.checked_in_at and not any(e.kind == EventKind.CHECKED_IN for e in events):
            problems.append(f"{name} checked in without an event")
    for entry in entries:
        kinds = [e.kind for e in entry.events.all()]
        if EventKind.WAITLISTED not in kinds:
            problems.append(f"{label}: waiting entry {entry.id} has no waitlisted event")
        wanted = ENTRY_CLOSE_EVENT.get(entry.status)
        if wanted and kinds.count(wanted) != 1:
            problems.append(
                f"{label}: waiting entry {entry.id} is {entry.status} without one {wanted} event"
            )
    return problems


def _serving(label, tokens) -> list[str]:
    """8: one patient in consultation; no no-show before slot start plus grace unless called."""
    problems = []
    in_consultation = [t for t in tokens if t.status == TokenStatus.IN_CONSULTATION]
    if len(in_consultation) > 1:
        problems.append(f"{label}: {len(in_consultation)} tokens in consultation at once")
    grace = timedelta(minutes=policy.no_show_grace_minutes())
    for token in tokens:
        if (
            token.status == TokenStatus.NO_SHOW
            and token.called_at is None
            and token.no_show_at < token.slot.start + grace
        ):
            problems.append(f"{label}: token {token.number} a no-show before its grace ended")
    return problems


def _related(token: Token, name: str):
    try:
        return getattr(token, name)
    except (Payment.DoesNotExist, Refund.DoesNotExist):
        return None


def _money(label, tokens) -> list[str]:
    """9: a refund never exceeds what was paid for that token; an unpaid token is never
    refunded; the payment state agrees with the money recorded."""
    problems = []
    for token in tokens:
        name = f"{label}: token {token.number}"
        payment, refund = _related(token, "payment"), _related(token, "refund")
        paid = payment.amount if payment is not None else 0
        if refund is not None and payment is None:
            problems.append(f"{name} has a refund of {refund.amount} but nothing was paid")
        elif refund is not None and refund.amount > paid:
            problems.append(f"{name} refund {refund.amount} exceeds the {paid} paid")
        if payment is not None and payment.amount != token.fee:
            problems.append(f"{name} paid {payment.amount} for a fee of {token.fee}")
        state = token.payment_state
        if (payment is not None) != (state in (PaymentState.PAID, PaymentState.REFUNDED)):
            problems.append(f"{name} is {state} with {'a' if payment else 'no'} payment")
        refunded = refund is not None and refund.status == Refund.Status.PAID
        if refunded != (state == PaymentState.REFUNDED):
            problems.append(f"{name} is {state} but its refund is {refund and refund.status}")
    return problems
