"""Step 5: a full target slot makes room by bumping one lower-priority token to a later slot."""

import pytest

from scheduling.models import EventKind, Notification, Slot
from scheduling.services.emergencies import fast_track
from scheduling.services.outcomes import Outcome
from tests.scheduling.helpers import book, event_count, fill, kinds, make_day, reload


def test_paid_token_bumps_latest_online_token_to_next_free_slot(day, clock):
    first = book(day, "online", slot=day.slots[0]).token
    clock.advance(minutes=1)
    latest = book(day, "online", slot=day.slots[0]).token
    events = event_count()

    allocation = book(day, "priority", slot=day.slots[0])

    assert allocation.outcome == Outcome.BUMPED
    assert allocation.token.slot_id == day.slots[0].id
    assert [token.id for token in allocation.bumped] == [latest.id]
    latest = reload(latest)
    assert latest.slot_id == day.slots[1].id
    assert latest.original_slot_id == day.slots[0].id
    assert latest.bump_count == 1
    assert reload(first).slot_id == day.slots[0].id
    # Both moves are events: the bump and the new booking.
    assert event_count() == events + 2
    assert kinds(latest) == [EventKind.BOOKED, EventKind.BUMPED]
    bump = latest.events.get(kind=EventKind.BUMPED)
    assert (bump.from_slot_id, bump.to_slot_id) == (day.slots[0].id, day.slots[1].id)
    assert kinds(allocation.token) == [EventKind.BOOKED]


def test_bumped_patient_is_notified(day, clock):
    fill(day.slots[0], 2, day=day)

    allocation = book(day, "priority", slot=day.slots[0])

    bumped = allocation.bumped[0]
    notice = Notification.objects.get(patient=bumped.patient)
    assert notice.kind == EventKind.BUMPED
    assert notice.token_id == bumped.id
    assert bumped.reference in notice.body
    assert not Notification.objects.filter(patient=allocation.token.patient).exists()


def test_lowest_priority_token_is_bumped_before_a_later_booked_higher_one(day, clock):
    walk_in = book(day, "walk_in", slot=day.slots[0]).token
    clock.advance(minutes=5)
    online = book(day, "online", slot=day.slots[0]).token

    allocation = book(day, "priority", slot=day.slots[0])

    assert [token.id for token in allocation.bumped] == [walk_in.id]
    assert reload(online).slot_id == day.slots[0].id


def test_equal_priority_is_never_bumped_the_request_moves_instead(day):
    seated = fill(day.slots[0], 2, "online", day=day)

    allocation = book(day, "online", slot=day.slots[0])

    assert allocation.outcome == Outcome.MOVED
    assert allocation.bumped == []
    assert all(reload(token).slot_id == day.slots[0].id for token in seated)


def test_higher_priority_token_is_never_bumped_by_a_lower_one(day):
    fill(day.slots[0], 2, "priority", day=day)

    allocation = book(day, "online", slot=day.slots[0])

    assert allocation.outcome == Outcome.MOVED
    assert allocation.token.slot_id == day.slots[1].id


def test_fast_tracked_token_is_never_bumped(day, clock):
    fill(day.slots[0], 1, "online", day=day)
    walk_in = fill(day.slots[0], 1, "walk_in", day=day)[0]
    fast_track(token=walk_in)  # emergency priority now, in the same slot's emergency reserve
    clock.advance(minutes=1)
    online = fill(day.slots[0], 1, "online", day=day)[0]

    allocation = book(day, "priority", slot=day.slots[0])

    assert [token.id for token in allocation.bumped] == [online.id]
    assert reload(walk_in).slot_id == day.slots[0].id


def test_a_token_is_bumped_at_most_once(day, clock):
    fill(day.slots[0], 1, "online", day=day)
    clock.advance(minutes=1)
    twice = book(day, "online", slot=day.slots[0]).token
    book(day, "priority", slot=day.slots[0])  # bumps ``twice`` from 09:00 to 10:00
    assert reload(twice).slot_id == day.slots[1].id
    clock.advance(minutes=1)
    other = book(day, "online", slot=day.slots[1]).token  # booked after ``twice``

    allocation = book(day, "priority", slot=day.slots[1])

    assert [token.id for token in allocation.bumped] == [other.id]
    assert reload(twice).slot_id == day.slots[1].id
    assert reload(twice).bump_count == 1


def test_max_bumps_is_configuration(day, settings):
    settings.OPD = {**settings.OPD, "MAX_BUMPS": 0}
    fill(day.slots[0], 2, "online", day=day)

    allocation = book(day, "priority", slot=day.slots[0])

    assert allocation.outcome == Outcome.MOVED
    assert allocation.token.slot_id == day.slots[1].id


def test_bumped_token_goes_to_the_earliest_later_slot_with_a_free_seat(day):
    bumpable = fill(day.slots[0], 2, "walk_in", day=day)
    fill(day.slots[1], 2, "priority", day=day)

    allocation = book(day, "priority", slot=day.slots[0])

    assert reload(allocation.bumped[0]).slot_id == day.slots[2].id
    assert allocation.bumped[0].id in {token.id for token in bumpable}


def test_no_bump_when_no_later_slot_has_a_free_seat(clock, db):
    day = make_day(hours=(9, 10), capacity=1)
    online = fill(day.slots[1], 1, "online", day=day)[0]
    fill(day.slots[0], 1, "priority", day=day)

    allocation = book(day, "priority", slot=day.slots[1])

    assert allocation.outcome == Outcome.WAITLISTED
    assert allocation.bumped == []
    assert reload(online).slot_id == day.slots[1].id
    assert kinds(online) == [EventKind.BOOKED]


def test_checked_in_token_is_never_bumped(day, clock):
    from queueing.services import check_in

    tokens = fill(day.slots[0], 2, "online", day=day)
    check_in(token=tokens[0])
    check_in(token=tokens[1])

    allocation = book(day, "priority", slot=day.slots[0])

    assert allocation.outcome == Outcome.MOVED
    assert all(reload(token).slot_id == day.slots[0].id for token in tokens)


def test_bump_never_puts_an_advance_booking_in_a_walk_in_reserve(clock, db):
    day = make_day(hours=(9, 12), capacity=1, walk_in_reserve=0)
    Slot.objects.filter(pk=day.slots[1].pk).update(walk_in_reserve=1)  # 12:00 releases at 11:00
    online = fill(day.slots[0], 1, "online", day=day)[0]

    allocation = book(day, "priority", slot=day.slots[0])

    assert allocation.bumped == []
    assert reload(online).slot_id == day.slots[0].id
    assert allocation.outcome == Outcome.WAITLISTED


@pytest.mark.parametrize("source", ["priority", "follow_up"])
def test_every_higher_priority_source_may_bump(day, source, clock):
    if source == "follow_up":
        _give_completed_consultation(day, clock)
    fill(day.slots[1], 2, "walk_in", day=day)
    from tests.scheduling.helpers import new_patient

    patient = day.returning if source == "follow_up" else new_patient()
    from scheduling.services.requests import request_token

    allocation = request_token(
        doctor=day.doctor, day=day.date, source=source, patient=patient, preferred_slot=day.slots[1]
    )

    assert allocation.outcome == Outcome.BUMPED


def _give_completed_consultation(day, clock):
    """A patient seen by this doctor this morning at 09:00 (a follow-up is then allowed)."""
    from datetime import timedelta

    from queueing.services import call_token, check_in, complete
    from tests.scheduling.helpers import at, new_patient

    patient = new_patient()
    earlier = make_day(doctor=day.doctor, on=day.date - timedelta(days=7), hours=(9,))
    clock.set(at(earlier.date, 8))
    token = book(earlier, "online", patient=patient).token
    clock.set(at(earlier.date, 9, 5))
    check_in(token=token)
    call_token(token=token)
    clock.advance(minutes=10)
    complete(token=token)
    clock.set(at(day.date, 8))
    day.returning = patient
