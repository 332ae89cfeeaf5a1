"""Seating one waiting entry at the desk, by the rules automatic promotion follows."""

import pytest

from scheduling.errors import NoSeatFree, WaitingEntryClosed
from scheduling.models import EventKind, Source, TokenEvent, WaitingEntry
from scheduling.services.cancellation import cancel_and_promote
from scheduling.services.seats import DaySeats
from scheduling.services.waiting_list import cancel_waiting, may_promote_now, promote_entry
from tests.scheduling.helpers import book, make_day, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def reserve_day(clock):
    """11:00, two seats, one kept for walk-ins until 10:00; an online patient sits, a walk-in
    takes the reserve and two more online patients wait."""
    day = make_day(hours=(11,), capacity=2, walk_in_reserve=1)
    book(day, Source.ONLINE)
    day.walk_in = book(day, Source.WALK_IN).token
    day.first = book(day, Source.ONLINE).waiting
    day.second = book(day, Source.ONLINE).waiting
    return day


def test_no_seat_for_the_entry_is_refused_and_changes_nothing(reserve_day):
    before = snapshot()
    with pytest.raises(NoSeatFree):
        promote_entry(entry=reserve_day.second)
    assert snapshot() == before


def test_a_seat_the_entry_may_not_take_yet_stays_free(reserve_day, clock):
    done = cancel_and_promote(token=reserve_day.walk_in)
    assert done.promoted == []
    assert not may_promote_now(
        entry=reserve_day.first, seats=DaySeats(reserve_day.doctor_day, locked=False)
    )
    with pytest.raises(NoSeatFree):
        promote_entry(entry=reserve_day.first)


def test_once_the_reserve_opens_the_entry_is_seated_with_its_event(
    reserve_day, clock, receptionist
):
    cancel_and_promote(token=reserve_day.walk_in)
    clock.set(clock.at.replace(hour=10))
    assert may_promote_now(
        entry=reserve_day.first, seats=DaySeats(reserve_day.doctor_day, locked=False)
    )
    promotion = promote_entry(entry=reserve_day.first, actor=receptionist)
    assert promotion.token is not None
    assert promotion.token.slot_id == reserve_day.slots[0].id
    reserve_day.first.refresh_from_db()
    assert reserve_day.first.status == WaitingEntry.Status.ALLOCATED
    assert reserve_day.first.allocated_token_id == promotion.token.pk
    event = TokenEvent.objects.get(token=promotion.token, kind=EventKind.PROMOTED)
    assert event.actor == receptionist
    assert "at the desk" in event.reason


def test_an_entry_ranked_ahead_takes_the_free_seat_first(reserve_day, clock):
    cancel_and_promote(token=reserve_day.walk_in)
    clock.set(clock.at.replace(hour=10))
    promotion = promote_entry(entry=reserve_day.second)
    assert promotion.token is None
    reserve_day.first.refresh_from_db()
    assert [t.pk for t in promotion.issued] == [reserve_day.first.allocated_token_id]
    reserve_day.second.refresh_from_db()
    assert reserve_day.second.status == WaitingEntry.Status.WAITING


def test_a_closed_entry_is_refused(reserve_day):
    cancel_waiting(entry=reserve_day.first)
    with pytest.raises(WaitingEntryClosed):
        promote_entry(entry=reserve_day.first)
