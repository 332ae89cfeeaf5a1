"""The policy model itself, on hand-made doctor-days: it must answer what allocation.md says."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.scheduling import policy_model as model
from tests.scheduling.policy_model import DayState, SlotState, TokenState, WaitingState

ZONE = ZoneInfo("Asia/Kolkata")
EARLY = datetime(2026, 3, 2, 7, 30, tzinfo=ZONE)
ONLINE, WALK_IN, PRIORITY, FOLLOW_UP, EMERGENCY = 50, 40, 80, 60, 100


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=ZONE)


def slot(hour: int, capacity: int, *, emergency=0, walk_in=0, cancelled=False) -> SlotState:
    """The hour-long slot starting at ``hour`` (its id is the hour)."""
    return SlotState(
        id=hour,
        start=at(hour),
        end=at(hour + 1),
        capacity=capacity,
        emergency_reserve=emergency,
        walk_in_reserve=walk_in,
        cancelled=cancelled,
    )


def token(id, hour, source="online", priority=ONLINE, *, status="booked", booked=EARLY, **more):
    """A token of the slot at ``hour``."""
    return TokenState(
        id=id,
        slot_id=hour,
        source=source,
        priority=priority,
        status=status,
        booked_at=booked,
        **more,
    )


def day(*slots, tokens=(), waiting=(), **delay) -> DayState:
    return DayState(slots=tuple(slots), tokens=tuple(tokens), waiting=tuple(waiting), **delay)


# -- seat counting ---------------------------------------------------------------------------


def test_a_slot_has_its_capacity_less_its_active_tokens():
    state = day(
        slot(9, 3),
        tokens=[token(1, 9), token(2, 9, status="cancelled"), token(3, 9, status="completed")],
    )
    assert model.free_seats(state, 9, "online", EARLY) == 1


def test_the_emergency_reserve_is_for_emergencies_only():
    state = day(slot(9, 1, emergency=1), tokens=[token(1, 9)])
    assert model.free_seats(state, 9, "walk_in", EARLY) == 0
    assert model.free_seats(state, 9, "emergency", EARLY) == 1


def test_emergencies_fill_the_reserve_before_regular_seats():
    one = day(slot(9, 2, emergency=1), tokens=[token(1, 9, "emergency", EMERGENCY)])
    assert model.free_seats(one, 9, "online", EARLY) == 2
    two = with_tokens(one, token(2, 9, "emergency", EMERGENCY))
    assert model.free_seats(two, 9, "online", EARLY) == 1


def test_a_fast_tracked_token_counts_as_an_emergency():
    state = day(slot(9, 1, emergency=1), tokens=[token(1, 9, "online", EMERGENCY)])
    assert model.free_seats(state, 9, "walk_in", EARLY) == 1


def test_the_walk_in_reserve_is_held_back_from_advance_bookings_until_its_release():
    state = day(slot(9, 2, walk_in=1), tokens=[token(1, 9)])
    assert model.free_seats(state, 9, "online", EARLY) == 0
    assert model.free_seats(state, 9, "priority", EARLY) == 0
    assert model.free_seats(state, 9, "walk_in", EARLY) == 1
    assert model.free_seats(state, 9, "online", at(8)) == 1


def test_a_walk_in_in_the_reserve_leaves_the_other_seats_to_advance_bookings():
    state = day(slot(9, 2, walk_in=1), tokens=[token(1, 9, "walk_in", WALK_IN)])
    assert model.free_seats(state, 9, "online", EARLY) == 1


def test_ended_and_cancelled_slots_have_no_seats():
    state = day(slot(9, 2), slot(10, 2, cancelled=True))
    assert model.free_seats(state, 9, "walk_in", at(10)) == 0
    assert model.free_seats(state, 9, "emergency", at(10)) == 0
    assert model.free_seats(state, 10, "emergency", EARLY) == 0


def test_a_delay_shrinks_capacity_in_proportion_rounded_down():
    state = day(slot(9, 3), slot(10, 4), delay_minutes=80, delay_from=at(9))
    assert model.effective_capacity(state, state.slot(9)) == 0
    assert model.effective_capacity(state, state.slot(10)) == 2  # 40 of 60 minutes: 2.67


def test_a_delay_never_shrinks_capacity_below_the_tokens_checked_in():
    arrived = [token(i, 9, status="checked_in", checked_in_at=at(9)) for i in (1, 2)]
    state = day(slot(9, 4), tokens=arrived, delay_minutes=45, delay_from=at(9))
    assert model.effective_capacity(state, state.slot(9)) == 2


# -- requesting a token ----------------------------------------------------------------------


def test_a_free_target_seats_the_request_directly():
    state = day(slot(9, 1), slot(10, 1))
    assert model.predict_request(state, "online", ONLINE, EARLY) == model.Outcome("direct", 9)
    preferred = model.predict_request(state, "online", ONLINE, EARLY, preferred_id=10)
    assert preferred == model.Outcome("direct", 10)


def test_the_default_target_is_the_earliest_open_slot_not_ended():
    state = day(slot(9, 1), slot(10, 1, cancelled=True), slot(11, 1))
    assert model.predict_request(state, "walk_in", WALK_IN, at(10, 5)).slot_id == 11


def test_a_full_target_bumps_its_lowest_priority_latest_booked_token():
    state = day(
        slot(9, 3),
        slot(10, 1),
        tokens=[
            token(1, 9, "walk_in", WALK_IN, booked=EARLY),
            token(2, 9, "walk_in", WALK_IN, booked=EARLY + timedelta(minutes=5)),
            token(3, 9, "online", ONLINE, booked=EARLY + timedelta(minutes=9)),
        ],
    )
    outcome = model.predict_request(state, "priority", PRIORITY, EARLY)
    assert outcome == model.Outcome("bumped", 9, bumped_token_id=2, bumped_to_slot_id=10)


def test_only_booked_unbumped_lower_priority_tokens_are_bumped():
    state = day(
        slot(9, 4),
        slot(10, 2),
        tokens=[
            token(1, 9, "walk_in", WALK_IN, status="checked_in"),
            token(2, 9, "walk_in", WALK_IN, bump_count=1),
            token(3, 9, "online", ONLINE),
            token(4, 9, "priority", PRIORITY),
        ],
    )
    assert model.predict_request(state, "online", ONLINE, EARLY).kind == "moved"
    bumped = model.predict_request(state, "follow_up", FOLLOW_UP, EARLY)
    assert bumped.bumped_token_id == 3


def test_a_bump_needs_a_later_seat_for_the_bumped_tokens_source():
    later_reserve_only = day(
        slot(9, 1),
        slot(10, 1, walk_in=1),
        tokens=[token(1, 9, "online", ONLINE)],
    )
    outcome = model.predict_request(later_reserve_only, "priority", PRIORITY, EARLY)
    assert outcome == model.Outcome("waitlisted")
    walk_in_can_go = with_tokens(later_reserve_only, token(1, 9, "walk_in", WALK_IN))
    outcome = model.predict_request(walk_in_can_go, "priority", PRIORITY, EARLY)
    assert outcome == model.Outcome("bumped", 9, bumped_token_id=1, bumped_to_slot_id=10)


def test_a_bump_that_frees_no_seat_the_request_may_take_is_passed_over():
    state = day(
        slot(9, 2, walk_in=1),
        slot(10, 2),
        tokens=[token(1, 9, "walk_in", WALK_IN), token(2, 9, "online", ONLINE)],
    )
    outcome = model.predict_request(state, "priority", PRIORITY, EARLY)
    assert outcome == model.Outcome("bumped", 9, bumped_token_id=2, bumped_to_slot_id=10)


def test_without_a_bump_the_request_goes_to_the_earliest_later_slot_with_room():
    state = day(slot(9, 1), slot(10, 0), slot(11, 1), tokens=[token(1, 9, "priority", PRIORITY)])
    assert model.predict_request(state, "online", ONLINE, EARLY) == model.Outcome("moved", 11)


def test_with_no_later_room_an_earlier_open_slot_is_taken_before_the_waiting_list():
    state = day(slot(9, 1), slot(10, 1), tokens=[token(1, 10, "priority", PRIORITY)])
    outcome = model.predict_request(state, "online", ONLINE, EARLY, preferred_id=10)
    assert outcome == model.Outcome("moved", 9)


def test_a_full_day_waitlists_and_an_ended_day_has_no_target():
    state = day(slot(9, 1), tokens=[token(1, 9, "priority", PRIORITY)])
    assert model.predict_request(state, "online", ONLINE, EARLY).kind == "waitlisted"
    assert model.predict_request(state, "online", ONLINE, at(10)).kind == "no_slot"


def test_an_emergency_takes_a_free_seat_then_the_reserve_then_bumps_then_overflows():
    state = day(slot(9, 1, emergency=1), slot(10, 1))
    assert model.predict_emergency(state, at(9, 10)) == model.Outcome("free_seat", 9)
    state = with_tokens(state, token(1, 9, "walk_in", WALK_IN))
    assert model.predict_emergency(state, at(9, 10)) == model.Outcome("emergency_reserve", 9)
    state = with_tokens(state, token(2, 9, "emergency", EMERGENCY))
    assert model.predict_emergency(state, at(9, 10)) == model.Outcome("bumped", 9, 1, 10)
    state = with_tokens(state, token(3, 10, "online", ONLINE))
    assert model.predict_emergency(state, at(9, 10)) == model.Outcome("overflow", 9)


# -- the waiting list ------------------------------------------------------------------------


def test_waiting_entries_rank_by_priority_then_request_time_then_id():
    entries = [
        WaitingState(1, "walk_in", WALK_IN, EARLY),
        WaitingState(2, "online", ONLINE, EARLY + timedelta(minutes=1)),
        WaitingState(3, "online", ONLINE, EARLY),
        WaitingState(4, "online", ONLINE, EARLY),
    ]
    assert [w.id for w in model.ranked_waiting(entries)] == [3, 4, 2, 1]


def test_promotion_seats_in_rank_order_and_passes_over_entries_that_fit_nowhere():
    state = day(
        slot(9, 2, walk_in=1),
        slot(10, 2),
        tokens=[token(1, 9, "online", ONLINE), token(2, 10, "online", ONLINE)],
        waiting=[
            WaitingState(5, "walk_in", WALK_IN, EARLY),
            WaitingState(6, "online", ONLINE, EARLY),
            WaitingState(7, "priority", PRIORITY, EARLY + timedelta(minutes=3)),
        ],
    )
    assert model.promotions(state, EARLY) == {7: 10, 5: 9}


# -- serving order ---------------------------------------------------------------------------


def test_call_next_takes_priority_then_earliest_slot_then_earliest_check_in():
    state = day(
        slot(9, 3),
        slot(10, 3),
        slot(11, 3),
        tokens=[
            token(1, 9, "walk_in", WALK_IN, status="checked_in", checked_in_at=at(8)),
            token(2, 10, "online", ONLINE, status="checked_in", checked_in_at=at(10, 5)),
            token(3, 9, "online", ONLINE, status="checked_in", checked_in_at=at(9, 20)),
            token(4, 9, "online", ONLINE, status="checked_in", checked_in_at=at(9, 10)),
            token(5, 11, "priority", PRIORITY, status="checked_in", checked_in_at=at(9)),
            token(6, 9, "priority", PRIORITY, status="booked"),
        ],
    )
    assert [t.id for t in model.serving_order(state, at(10, 30))] == [4, 3, 2, 1]
    assert model.next_to_call(state, at(11)).id == 5


def test_a_token_in_consultation_makes_call_next_a_refusal():
    tokens = [token(1, 9, status="checked_in"), token(2, 9, status="in_consultation")]
    assert model.consultation_refusal(tokens).id == 2
    assert model.consultation_refusal(tokens[:1]) is None


# -- invariants ------------------------------------------------------------------------------


def test_seat_violations_name_capacity_walk_in_reserve_and_idle_seats():
    crowded = day(
        slot(9, 1, walk_in=1),
        slot(10, 1),
        tokens=[token(1, 9), token(2, 9)],
        waiting=[WaitingState(5, "walk_in", WALK_IN, EARLY)],
    )
    problems = model.seat_violations(crowded, EARLY)
    assert [p.split(":")[0] for p in problems] == [
        "invariant 1",
        "invariant 1",
        "invariant 7",
        "invariant 3",
    ]
    overflowed = day(slot(9, 0), tokens=[token(1, 9, "emergency", EMERGENCY)])
    assert model.seat_violations(overflowed, EARLY, frozenset({1})) == []


def with_tokens(state: DayState, *tokens: TokenState) -> DayState:
    for one in tokens:
        state = model.with_token(state, one)
    return state


def test_a_waiting_emergency_may_take_the_emergency_reserve():
    state = day(
        slot(9, 1, emergency=1),
        tokens=[token(1, 9, "priority", PRIORITY)],
        waiting=[WaitingState(5, "emergency", EMERGENCY, EARLY)],
    )
    assert model.promotions(state, EARLY) == {5: 9}
    assert model.promotions(state, EARLY, reserve=False) == {}
    assert model.seat_violations(state, EARLY)[0].startswith("invariant 3")
    assert model.seat_violations(state, EARLY, reserve=False) == []
