"""Token statuses: the legal moves succeed, every other one is refused naming the allowed ones."""

import itertools

import pytest

from queueing.services import call_token, change_status, check_in, complete
from scheduling.errors import IllegalTransition
from scheduling.models import TokenStatus
from scheduling.services.cancellation import cancel_token
from tests.scheduling.helpers import at, book, reload, snapshot

S = TokenStatus
LEGAL = {
    (S.BOOKED, S.CHECKED_IN),
    (S.CHECKED_IN, S.IN_CONSULTATION),
    (S.IN_CONSULTATION, S.COMPLETED),
    (S.BOOKED, S.CANCELLED),
    (S.CHECKED_IN, S.CANCELLED),
    (S.BOOKED, S.NO_SHOW),
    (S.IN_CONSULTATION, S.CHECKED_IN),
    (S.IN_CONSULTATION, S.NO_SHOW),
}
ALLOWED = {status: sorted(to for frm, to in LEGAL if frm == status) for status in S}


def token_in(status, day, clock, staff):
    """A real token brought to ``status`` through the engine (slot 09:00 is past its grace)."""
    token = book(day, "walk_in").token
    clock.set(at(day.date, 9, 20))
    if status == S.CANCELLED:
        cancel_token(token=token, actor=staff)
    elif status == S.NO_SHOW:
        change_status(token=token, status=S.NO_SHOW)
    elif status != S.BOOKED:
        check_in(token=token)
        if status in (S.IN_CONSULTATION, S.COMPLETED):
            call_token(token=token)
        if status == S.COMPLETED:
            complete(token=token)
    return reload(token)


def move(token, to, receptionist):
    if to == S.CANCELLED:
        return cancel_token(token=token, actor=receptionist)
    return change_status(token=token, status=to, actor=receptionist)


@pytest.mark.parametrize(("start", "to"), list(itertools.product(S, S)), ids=lambda s: s.value)
def test_status_change(day, clock, receptionist, start, to):
    token = token_in(start, day, clock, receptionist)
    assert token.status == start

    if (start, to) in LEGAL:
        move(token, to, receptionist)
        assert reload(token).status == to
        return
    before = snapshot()
    with pytest.raises(IllegalTransition) as raised:
        move(token, to, receptionist)
    error = raised.value
    assert (error.code, error.status) == ("illegal_transition", 409)
    assert sorted(error.details["allowed"]) == ALLOWED[start]
    assert error.details["status"] == start
    names = ", ".join(ALLOWED[start]) or "none"
    assert all(name in error.message for name in ALLOWED[start]) or names == "none"
    assert "Allowed:" in error.message
    assert snapshot() == before


def test_status_endpoint_does_not_cancel(day, clock):
    token = book(day, "online").token

    with pytest.raises(IllegalTransition) as raised:
        change_status(token=token, status=S.CANCELLED)

    assert "cancel" in raised.value.message
    assert reload(token).status == S.BOOKED


def test_check_in_only_on_the_day_of_the_token(day, clock):
    from datetime import timedelta

    from tests.scheduling.helpers import make_day

    tomorrow = make_day(doctor=day.doctor, on=day.date + timedelta(days=1))
    token = book(tomorrow, "online").token

    with pytest.raises(IllegalTransition):
        check_in(token=token)
