"""Freeing a seat promotes waiting entries in rank order: cancellation, no-show, capacity,
walk-in reserve release."""

from scheduling.invariants import check_invariants
from scheduling.models import EventKind, Notification, Slot, TokenEvent, TokenStatus, WaitingEntry
from scheduling.services.cancellation import cancel_token
from scheduling.services.capacity import override_slot
from scheduling.services.no_show import mark_no_show
from scheduling.services.tick import run_tick
from tests.scheduling.helpers import at, book, event_count, fill, fill_day, make_day


def full_day(**kwargs):
    day = make_day(hours=(9, 10), capacity=1, **kwargs)
    return day, fill_day(day, "priority")


def assert_promoted(entry, slot):
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.ALLOCATED
    token = entry.allocated_token
    assert token.slot_id == slot.id
    assert (token.patient_id, token.source, token.priority) == (
        entry.patient_id,
        entry.source,
        entry.priority,
    )
    assert token.requested_at == entry.requested_at
    event = TokenEvent.objects.get(waiting_entry=entry, kind=EventKind.PROMOTED)
    assert event.token_id == token.id and event.to_slot_id == slot.id
    assert Notification.objects.filter(token=token, kind=EventKind.PROMOTED).exists()
    return token


def test_cancellation_promotes_the_first_ranked_waiting_entry(clock, db):
    day, tokens = full_day()
    waiting = book(day, "online").waiting
    clock.advance(minutes=1)
    later = book(day, "online").waiting
    events = event_count()

    cancel_token(token=tokens[1])

    token = assert_promoted(waiting, day.slots[1])
    assert token.number == 3  # the next number of the day, never a reused one
    assert event_count() == events + 2  # the cancellation and the promotion
    later.refresh_from_db()
    assert later.status == WaitingEntry.Status.WAITING
    assert check_invariants() == []


def test_promotion_follows_rank_not_arrival(clock, db):
    day, tokens = full_day()
    walk_in = book(day, "walk_in").waiting
    clock.advance(minutes=1)
    paid = book(day, "priority").waiting

    cancel_token(token=tokens[0])

    assert_promoted(paid, day.slots[0])
    walk_in.refresh_from_db()
    assert walk_in.status == WaitingEntry.Status.WAITING


def test_no_show_promotes_into_the_freed_seat_while_the_slot_is_open(clock, db):
    day, tokens = full_day()
    waiting = book(day, "walk_in").waiting
    clock.set(at(day.date, 9, 20))

    mark_no_show(token=tokens[0])

    assert_promoted(waiting, day.slots[0])


def test_capacity_increase_promotes_until_the_new_seats_run_out(clock, db):
    day, _ = full_day()
    entries = []
    for _ in range(3):
        entries.append(book(day, "online").waiting)
        clock.advance(minutes=1)

    override_slot(slot=day.slots[1], capacity=3)

    assert_promoted(entries[0], day.slots[1])
    assert_promoted(entries[1], day.slots[1])
    entries[2].refresh_from_db()
    assert entries[2].status == WaitingEntry.Status.WAITING
    assert check_invariants() == []


def test_walk_in_reserve_release_promotes_advance_entries_on_the_tick(clock, db):
    day = make_day(hours=(10, 11), capacity=1)
    fill(day.slots[0], 1, "priority", day=day)
    Slot.objects.filter(pk=day.slots[1].pk).update(walk_in_reserve=1)  # held until 10:00
    entry = book(day, "online").waiting
    assert entry is not None

    clock.set(at(day.date, 9, 59))
    run_tick()
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.WAITING

    clock.set(at(day.date, 10, 0))
    result = run_tick()

    assert result["promoted"] == 1
    assert_promoted(entry, day.slots[1])


def test_promotion_skips_an_entry_the_free_seat_cannot_take_and_seats_the_next(clock, db):
    day = make_day(hours=(10, 11), capacity=1)
    fill(day.slots[0], 1, "priority", day=day)
    Slot.objects.filter(pk=day.slots[1].pk).update(capacity=2, walk_in_reserve=1)
    fill(day.slots[1], 1, "priority", day=day)
    online = book(day, "online").waiting  # cannot take the walk-in seat before 10:00
    assert online is not None
    clock.advance(minutes=1)
    # A walk-in arrives after the slot was full and seat 2 kept for walk-ins is taken...
    walk_in_slot_token = fill(day.slots[1], 1, "walk_in", day=day)[0]
    late_walk_in = book(day, "walk_in").waiting

    cancel_token(token=walk_in_slot_token)

    assert_promoted(late_walk_in, day.slots[1])
    online.refresh_from_db()
    assert online.status == WaitingEntry.Status.WAITING
    assert check_invariants() == []


def test_cancelled_token_stays_cancelled_after_promotion(clock, db):
    day, tokens = full_day()
    book(day, "online")

    cancel_token(token=tokens[0])

    tokens[0].refresh_from_db()
    assert tokens[0].status == TokenStatus.CANCELLED
