"""Step 7: no seat left that day puts the request on a ranked waiting list."""

import pytest

from scheduling.errors import WaitingEntryClosed
from scheduling.models import EventKind, TokenEvent, WaitingEntry
from scheduling.selectors import position_of, with_positions
from scheduling.services.outcomes import Outcome
from scheduling.services.waiting_list import cancel_waiting
from tests.scheduling.helpers import book, event_count, fill_day, make_day, new_patient, snapshot


@pytest.fixture
def full_day(clock, db):
    """Two one-seat slots, both taken by paid tokens (nobody can be bumped)."""
    day = make_day(hours=(9, 10), capacity=1)
    fill_day(day, "priority")
    return day


def test_request_with_no_seat_left_that_day_joins_the_waiting_list(full_day):
    full_day.doctor_day.refresh_from_db()
    counter = full_day.doctor_day.token_counter
    events = event_count()
    patient = new_patient()

    allocation = book(full_day, "online", patient=patient)

    entry = allocation.waiting
    assert allocation.outcome == Outcome.WAITLISTED
    assert allocation.waitlisted and allocation.token is None
    assert entry.status == WaitingEntry.Status.WAITING
    assert (entry.patient, entry.source, entry.priority) == (patient, "online", 50)
    assert entry.doctor_day_id == full_day.doctor_day.id
    assert entry.expires_at == full_day.slots[-1].end
    full_day.doctor_day.refresh_from_db()
    assert full_day.doctor_day.token_counter == counter  # a waiting entry takes no number
    assert event_count() == events + 1
    assert TokenEvent.objects.get(waiting_entry=entry).kind == EventKind.WAITLISTED


def test_waiting_list_ranks_by_priority_then_request_time(full_day, clock):
    early_online = book(full_day, "online").waiting
    clock.advance(minutes=1)
    walk_in = book(full_day, "walk_in").waiting
    clock.advance(minutes=1)
    paid = book(full_day, "priority").waiting
    clock.advance(minutes=1)
    late_online = book(full_day, "online").waiting

    ranked = [early_online, walk_in, paid, late_online]
    positions = {entry.id: position_of(entry) for entry in ranked}
    assert positions == {paid.id: 1, early_online.id: 2, late_online.id: 3, walk_in.id: 4}
    annotated = with_positions(WaitingEntry.objects.all())
    assert {entry.id: position_of(entry) for entry in annotated} == positions


def test_position_is_computed_when_read_so_leaving_moves_everyone_up(full_day, clock):
    first = book(full_day, "online").waiting
    clock.advance(minutes=1)
    second = book(full_day, "online").waiting
    clock.advance(minutes=1)
    third = book(full_day, "online").waiting
    stored = list(WaitingEntry.objects.order_by("id").values_list("id", "status", "priority"))

    cancel_waiting(entry=first)

    assert position_of(WaitingEntry.objects.get(pk=second.pk)) == 1
    assert position_of(WaitingEntry.objects.get(pk=third.pk)) == 2
    assert position_of(WaitingEntry.objects.get(pk=first.pk)) is None
    # Nobody else's row was renumbered or touched.
    after = list(WaitingEntry.objects.order_by("id").values_list("id", "status", "priority"))
    assert after[1:] == stored[1:]


def test_patient_can_leave_the_waiting_list_once(full_day, patient_user):
    entry = book(full_day, "online").waiting
    events = event_count()

    cancel_waiting(entry=entry, actor=patient_user)

    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.CANCELLED
    assert entry.closed_at is not None
    assert event_count() == events + 1
    assert entry.events.last().kind == EventKind.WAITING_CANCELLED

    before = snapshot()
    with pytest.raises(WaitingEntryClosed) as raised:
        cancel_waiting(entry=entry)
    assert raised.value.details == {"status": "cancelled"}
    assert snapshot() == before
