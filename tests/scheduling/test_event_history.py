"""Every change of a token or waiting entry writes exactly one event, and a token's history
explains where it is."""

from datetime import timedelta

import pytest

from queueing.services import call_token, check_in, complete, requeue
from scheduling.invariants import check_invariants
from scheduling.models import EventKind
from scheduling.selectors import token_history
from scheduling.services.cancellation import cancel_token, request_refund
from scheduling.services.emergencies import admit_emergency, fast_track
from scheduling.services.no_show import mark_no_show
from scheduling.services.waiting_list import cancel_waiting
from tests.scheduling.helpers import (
    at,
    book,
    event_count,
    fill,
    fill_day,
    make_day,
    new_patient,
    reload,
)


def _arrived(day, clock):
    token = book(day, "online").token
    clock.set(at(day.date, 9, 5))
    check_in(token=token)
    return token


def _past_grace(day, clock):
    """A booked token whose slot started more than the grace ago: it may become a no-show."""
    token = book(day, "online").token
    clock.set(at(day.date, 9, 20))
    return token


def _called(day, clock):
    token = _arrived(day, clock)
    call_token(token=token)
    return token


def _full(day):
    fill_day(day, "priority")
    return day


SCENARIOS = {
    # name: (setup(day, clock) -> subject, operation(subject, day), events written)
    "direct booking": (lambda day, clock: None, lambda _, day: book(day, "online"), 1),
    "moved booking": (
        lambda day, clock: fill(day.slots[0], 2, "priority", day=day),
        lambda _, day: book(day, "online", slot=day.slots[0]),
        1,
    ),
    "waitlisted": (lambda day, clock: _full(day), lambda _, day: book(day, "online"), 1),
    "bump": (
        lambda day, clock: fill(day.slots[0], 2, "online", day=day),
        lambda _, day: book(day, "priority", slot=day.slots[0]),
        2,
    ),
    "emergency": (
        lambda day, clock: None,
        lambda _, day: admit_emergency(doctor=day.doctor, patient=new_patient()),
        1,
    ),
    "check-in": (
        lambda day, clock: book(day, "online").token,
        lambda token, _: check_in(token=token),
        1,
    ),
    "call": (_arrived, lambda token, _: call_token(token=token), 1),
    "requeue": (_called, lambda token, _: requeue(token=token), 1),
    "complete": (_called, lambda token, _: complete(token=token), 1),
    "no-show": (
        _past_grace,
        lambda token, _: mark_no_show(token=token),
        1,
    ),
    "cancel": (
        lambda day, clock: book(day, "online").token,
        lambda token, _: cancel_token(token=token),
        1,
    ),
    "cancel and promote": (
        lambda day, clock: (_full(day), book(day, "online"))[0].slots[0].tokens.first(),
        lambda token, _: cancel_token(token=token),
        2,
    ),
    "fast-track": (
        lambda day, clock: book(day, "online", slot=day.slots[2]).token,
        lambda token, _: fast_track(token=token),
        1,
    ),
    "leave the waiting list": (
        lambda day, clock: (_full(day), book(day, "online").waiting)[1],
        lambda entry, _: cancel_waiting(entry=entry),
        1,
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_change_writes_exactly_one_event(day, clock, name):
    setup, operation, expected = SCENARIOS[name]
    subject = setup(day, clock)
    before = event_count()

    operation(subject, day)

    assert event_count() - before == expected
    assert check_invariants() == []


def test_refund_request_is_one_event(day, clock, pay):
    tuesday = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    token = pay(book(tuesday, "priority").token)
    cancel_token(token=token)
    before = event_count()

    request_refund(token=reload(token))

    assert event_count() - before == 1


def test_history_explains_where_a_token_is(day, clock, receptionist):
    fill(day.slots[0], 1, "online", day=day)
    clock.advance(minutes=1)
    token = book(day, "online", slot=day.slots[0], actor=receptionist).token
    book(day, "priority", slot=day.slots[0], actor=receptionist)  # bumps ``token`` to 10:00
    clock.set(at(day.date, 9, 50))
    check_in(token=token, actor=receptionist)

    history = list(token_history(reload(token)))

    assert [(e.kind, e.from_slot_id, e.to_slot_id) for e in history] == [
        (EventKind.BOOKED, None, day.slots[0].id),
        (EventKind.BUMPED, day.slots[0].id, day.slots[1].id),
        (EventKind.CHECKED_IN, None, None),
    ]
    assert {e.actor for e in history} == {receptionist}
    assert "higher priority" in history[1].reason
