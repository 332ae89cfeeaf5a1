"""The day's demand: seeded, and walk-ins peaking around 10:00."""

import random
from datetime import time

from queueing.simulation.demand import SCENARIOS, plan_day
from queueing.simulation.hospital import design_doctors, local
from tests.queueing.simulation.conftest import DAY


def _plan(seed: int, total: int = 2000):
    rng = random.Random(seed)  # noqa: S311 - a repeatable simulation, not a secret
    designs = design_doctors(10, rng)
    return plan_day(scenario=SCENARIOS["normal"], designs=designs, day=DAY, total=total, rng=rng)


def _between(times, start: time, end: time) -> int:
    return sum(local(DAY, start) <= moment < local(DAY, end) for moment in times)


def test_walk_ins_arrive_through_the_morning_with_a_peak_around_ten():
    times = [arrival.at for arrival in _plan(seed=1).walk_ins]

    around_ten = _between(times, time(9, 30), time(10, 30))
    assert around_ten > 1.5 * _between(times, time(8, 0), time(9, 0))
    assert around_ten > 1.5 * _between(times, time(11, 30), time(12, 30))
    assert all(local(DAY, time(8)) <= moment <= local(DAY, time(12, 30)) for moment in times)


def test_the_same_seed_draws_the_same_demand_and_the_total_is_exact():
    first, second = _plan(seed=9, total=300), _plan(seed=9, total=300)

    assert first == second
    assert len(first.advance) + len(first.walk_ins) + len(first.emergencies) == 300
    follow_ups = [request for request in first.advance if request.source == "follow_up"]
    assert len(first.history) == len(follow_ups)
    assert all(visit.day < DAY for visit in first.history)
