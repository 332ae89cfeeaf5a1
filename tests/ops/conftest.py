"""Fixtures for the operations tests: a busy booking day made through the engine."""

from datetime import timedelta

import pytest

from opd_site import clock as opd_clock
from scheduling.services.cancellation import cancel_token, request_refund
from tests.scheduling.helpers import book, make_day

OPS_HOURS = (9, 10, 11)  # three one-hour slots of two seats, one kept for emergencies


@pytest.fixture
def busy_day(clock, receptionist):
    """Tomorrow, fully booked: a bump, a move, a waiting list, a cancellation with a refund.

    Also a token today (another date) that an export of tomorrow must leave out.
    """
    tomorrow = make_day(on=opd_clock.today() + timedelta(days=1), hours=OPS_HOURS)
    book(tomorrow, slot=tomorrow.slots[0])
    book(tomorrow, slot=tomorrow.slots[0])
    paid_token = book(tomorrow, "priority", slot=tomorrow.slots[0], actor=receptionist).token
    waiting = 0
    for _ in range(12):
        allocation = book(tomorrow, actor=receptionist)
        waiting += allocation.waitlisted
        if waiting == 2:
            break
    assert waiting == 2, "the day should overflow into the waiting list"
    cancel_token(token=paid_token, actor=receptionist, reason="Travel plans changed")
    request_refund(token=paid_token, actor=receptionist, reason="Cancelled a day ahead")
    today = make_day(doctor=tomorrow.doctor, on=opd_clock.today(), hours=OPS_HOURS)
    book(today, "walk_in", actor=receptionist)
    return tomorrow
