"""The forward estimate: never before the slot opens, monotone along the serving order."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doctors.models import Doctor
from scheduling.estimates import History, Pace, estimate_queue
from scheduling.models import DoctorDay, Slot, Token, TokenStatus

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NO_HISTORY = History(no_show_share={}, emergency_share={})


def _day(delay: int = 0) -> DoctorDay:
    doctor = Doctor(id=1, average_consultation_minutes=Decimal("10"))
    return DoctorDay(id=1, doctor=doctor, delay_minutes=delay, delay_from=NINE if delay else None)


def _slot(day: DoctorDay, hour: int) -> Slot:
    start = NINE.replace(hour=hour)
    return Slot(id=hour, doctor_day=day, start=start, end=start + timedelta(hours=1))


def _token(slot: Slot, status=TokenStatus.CHECKED_IN, priority=50, source="online") -> Token:
    return Token(
        slot=slot,
        status=status,
        source=source,
        priority=priority,
        checked_in_at=slot.start - timedelta(minutes=20) if status == "checked_in" else None,
    )


def _estimates(tokens, *, day, now, past=NO_HISTORY):
    return estimate_queue(tokens, doctor_day=day, now=now, pace=Pace(10.0), past=past)


def test_a_token_is_never_expected_before_its_slot_opens_and_the_delay_ends():
    day = _day(delay=30)
    tokens = [_token(_slot(day, 9)), _token(_slot(day, 11))]
    first, second = _estimates(tokens, day=day, now=NINE - timedelta(hours=1))
    assert first.at == first.earliest == NINE + timedelta(minutes=30)
    assert second.earliest >= NINE.replace(hour=11)


def test_the_no_show_share_brings_the_estimate_forward():
    day = _day()
    slot = _slot(day, 9)
    ahead = _token(slot, TokenStatus.BOOKED, priority=80, source="priority")
    tokens = [ahead, _token(slot)]
    certain = History(no_show_share={"priority": 0.0}, emergency_share={})
    likely_absent = History(no_show_share={"priority": 0.5}, emergency_share={})
    now = NINE - timedelta(minutes=30)
    assert (
        _estimates(tokens, day=day, now=now, past=likely_absent)[1].at
        < _estimates(tokens, day=day, now=now, past=certain)[1].at
    )


def test_a_patient_absent_once_their_slot_began_counts_as_the_late_ones_came():
    """At 09:05 the priority patient of 09:00 is not here: as likely to come as such patients
    were on recent days (the late share), not as likely as any booked patient."""
    day = _day()
    slot = _slot(day, 9)
    tokens = [_token(slot, TokenStatus.BOOKED, priority=80, source="priority"), _token(slot)]
    shows = {"priority": 0.0}
    mostly_came = History(no_show_share=shows, emergency_share={}, late_share={"priority": 0.9})
    rarely_came = History(no_show_share=shows, emergency_share={}, late_share={"priority": 0.1})
    now = NINE + timedelta(minutes=5)
    assert (
        _estimates(tokens, day=day, now=now, past=rarely_came)[1].at
        < _estimates(tokens, day=day, now=now, past=mostly_came)[1].at
    )


def test_a_delay_shifts_every_estimate():
    slot_day, late_day = _day(), _day(delay=20)
    on_time = _estimates([_token(_slot(slot_day, 9))] * 3, day=slot_day, now=NINE)
    late = _estimates([_token(_slot(late_day, 9))] * 3, day=late_day, now=NINE)
    assert [b.at - a.at for a, b in zip(on_time, late, strict=True)] == [timedelta(minutes=20)] * 3


queues = st.lists(
    st.tuples(
        st.sampled_from([9, 10, 11, 12]),
        st.sampled_from([TokenStatus.CHECKED_IN, TokenStatus.BOOKED]),
        st.sampled_from([40, 50, 60, 80, 100]),
    ),
    max_size=25,
)


@given(queue=queues, minutes_past_nine=st.integers(-60, 200), delay=st.sampled_from([0, 25]))
def test_estimates_never_go_backwards_along_the_serving_order(queue, minutes_past_nine, delay):
    day = _day(delay)
    slots = {hour: _slot(day, hour) for hour in (9, 10, 11, 12)}
    now = NINE + timedelta(minutes=minutes_past_nine)
    tokens = [_token(slots[hour], status, priority) for hour, status, priority in queue]
    # The serving order: checked in of started slots by priority, then the rest by slot.
    tokens.sort(
        key=lambda t: (
            0 if t.status == TokenStatus.CHECKED_IN and t.slot.start <= now else 1,
            -t.priority if t.status == TokenStatus.CHECKED_IN and t.slot.start <= now else 0,
            t.slot.start,
        )
    )
    found = _estimates(tokens, day=day, now=now)
    for name in ("at", "earliest", "latest"):
        times = [getattr(estimate, name) for estimate in found]
        assert times == sorted(times)
    assert all(e.earliest <= e.at <= e.latest and e.at >= now for e in found)


def test_the_late_share_is_read_from_the_hospital_s_recent_days(clock, db):
    """Yesterday 30 online patients were absent when their slot began: 27 came late, 3 never
    did. Blended with the default as the no-show share is, today's estimate expects most."""
    from datetime import timedelta as days_delta

    from scheduling.estimates import DEFAULT_LATE_SHARE, PRIOR_WEIGHT, history
    from tests import factories

    yesterday = factories.DoctorDayFactory(date=clock.at.date() - days_delta(days=1))
    slot = factories.SlotFactory(doctor_day=yesterday, capacity=40)
    for n in range(30):
        came = n < 27
        factories.TokenFactory(
            slot=slot,
            status=TokenStatus.COMPLETED if came else TokenStatus.NO_SHOW,
            checked_in_at=slot.start + timedelta(minutes=10) if came else None,
        )

    share = history().late("online")

    assert share == (27 + PRIOR_WEIGHT * DEFAULT_LATE_SHARE) / (30 + PRIOR_WEIGHT)


def test_the_day_s_consultations_move_the_pace_once_not_twice(clock, db):
    """The doctor usually takes 10 minutes; today's first patient took 30. The rolling average
    has moved to 14 already, so starting from it would count that consultation twice: the
    estimates start from the 10 the day opened with and add the 30 once."""
    from queueing.services import call_token, check_in, complete
    from scheduling.estimates import paces
    from tests import factories
    from tests.scheduling.helpers import at, book, make_day

    day = make_day(doctor=factories.DoctorFactory(average_consultation_minutes=Decimal("10")))
    token = book(day, "online").token
    clock.set(at(clock().date(), 9))
    check_in(token=token)
    call_token(token=token)
    clock.advance(minutes=30)
    complete(token=token)
    day.refresh()

    pace = paces([day.doctor_day], [Token.objects.get(pk=token.pk)])[day.doctor_day.id]

    assert day.doctor.average_consultation_minutes == Decimal("14.00")
    assert day.doctor_day.opening_average_minutes == Decimal("10.00")
    worth = (2 - 0.2) / 0.2  # the rolling average's weight is 0.2: worth nine consultations
    assert pace.average == pytest.approx((worth * 10 + 30) / (worth + 1))
