"""Steps 3-4: a request is seated in its target slot when that slot has a free seat."""

from decimal import Decimal

import pytest

from scheduling.models import EventKind, Source, TokenStatus
from scheduling.services.outcomes import Outcome
from tests.scheduling.helpers import book, event_count, kinds


def test_request_is_seated_in_the_preferred_slot_when_it_has_a_free_seat(day):
    events = event_count()

    allocation = book(day, "online", slot=day.slots[2])

    token = allocation.token
    assert allocation.outcome == Outcome.DIRECT
    assert allocation.waiting is None and allocation.bumped == []
    assert token.slot_id == day.slots[2].id
    assert token.status == TokenStatus.BOOKED
    assert token.number == 1
    assert token.display_number == f"{day.doctor.token_prefix}-001"
    assert token.original_slot_id is None
    assert event_count() == events + 1
    assert kinds(token) == [EventKind.BOOKED]
    assert token.events.get().to_slot_id == day.slots[2].id


def test_request_without_preference_takes_the_earliest_slot(day):
    assert book(day, "online").token.slot_id == day.slots[0].id


def test_request_without_preference_takes_the_slot_in_progress_not_one_that_ended(day, clock):
    clock.advance(hours=2, minutes=30)  # 10:30: 09:00 is over, 10:00 is running

    assert book(day, "walk_in").token.slot_id == day.slots[1].id


@pytest.mark.parametrize(
    ("source", "priority", "fee"),
    [
        (Source.PRIORITY, 80, Decimal("500.00")),
        (Source.ONLINE, 50, Decimal("300.00")),
        (Source.WALK_IN, 40, Decimal("300.00")),
    ],
)
def test_token_carries_the_priority_and_fee_of_its_source(day, source, priority, fee):
    token = book(day, source).token

    assert token.source == source
    assert token.priority == priority
    assert token.fee == fee


def test_priorities_are_configuration_not_literals(day, settings):
    priorities = {**settings.OPD["PRIORITIES"], "online": 55}
    settings.OPD = {**settings.OPD, "PRIORITIES": priorities}

    assert book(day, "online").token.priority == 55


def test_staff_who_issued_the_token_is_recorded(day, receptionist):
    token = book(day, "walk_in", actor=receptionist, reason="Fever").token

    assert token.created_by == receptionist
    assert token.reason == "Fever"
    assert token.events.get().actor == receptionist
