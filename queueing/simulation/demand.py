"""A day's demand, drawn from one seeded ``random.Random``: who asks for which doctor, when.

Advance bookings (online, paid priority, follow-up) are made over the week before; follow-up
patients first get a completed consultation a fortnight earlier. Walk-ins arrive through the
morning with a peak around 10:00: the arrival times of a non-homogeneous Poisson process,
given their number, drawn by thinning a homogeneous stream (a candidate time ``t`` is kept with
probability ``rate(t) / peak rate``). Emergencies come at random through the morning.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from queueing.simulation.hospital import DoctorDesign, local, slot_starts
from scheduling.models import Source


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    load: float  # default demand, as a multiple of the day's seats
    advance_share: float = 0.55  # of non-emergency demand, booked in the days before
    emergency_share: float = 0.015  # of all demand
    emergencies_per_doctor: int = 0  # when set, replaces the share
    emergency_window: tuple[time, time] = (time(9, 5), time(12, 40))
    peak_sigma_minutes: float = 45.0
    baseline: float = 0.25  # the walk-in rate away from the peak, relative to the peak
    delay_minutes: int = 0
    leave_at: time | None = None
    cancel_rate: float = 0.10  # of advance bookings, cancelled before the slot
    early_cancel_share: float = 0.6  # of those, more than a day ahead; the rest that morning


SCENARIOS = {
    "normal": Scenario("normal", "an ordinary day (default demand 1.1 x the day's seats)", 1.1),
    "rush": Scenario(
        "rush",
        "a rush (default demand 1.7 x the seats), walk-ins bunched around 10:00",
        1.7,
        advance_share=0.5,
        peak_sigma_minutes=35.0,
        baseline=0.15,
    ),
    "doctor-leave": Scenario(
        "doctor-leave",
        "one doctor is unavailable from 11:00 (slots cancelled)",
        1.1,
        leave_at=time(11, 0),
    ),
    "delay": Scenario("delay", "one doctor starts 45 minutes late", 1.1, delay_minutes=45),
    "emergencies": Scenario(
        "emergencies",
        "three emergencies per doctor through a full morning (default demand 1.3 x the seats)",
        1.3,
        emergencies_per_doctor=3,
        emergency_window=(time(9, 10), time(11, 50)),
    ),
    "mass-cancellation": Scenario(
        "mass-cancellation",
        "heavy rain: 40% of the advance bookings cancel on the morning itself",
        1.1,
        cancel_rate=0.4,
        early_cancel_share=0.0,
    ),
}

ADVANCE_MIX = ((Source.ONLINE, 0.6), (Source.PRIORITY, 0.2), (Source.FOLLOW_UP, 0.2))
PREFERRED_SLOT_WEIGHTS = (0.35, 0.30, 0.20, 0.15)
BOOKING_DAYS = 7  # advance bookings are made over the week before the day
HISTORY_DAYS_AGO = (9, 13)  # follow-up patients were seen this many days before
NO_SHOW_RATE = 0.08
WALK_IN_WINDOW = (time(8, 0), time(12, 30))
WALK_IN_PEAK = time(10, 0)
PATIENCE_MINUTES = (45.0, 120.0)


@dataclass
class HistoryVisit:
    """A completed consultation in the past that makes a follow-up possible."""

    patient: int
    doctor: int
    day: date
    at: datetime


@dataclass
class AdvanceRequest:
    patient: int
    doctor: int
    source: str
    slot_index: int
    at: datetime
    cancel_at: datetime | None = None
    no_show: bool = False
    arrival_offset: float = 0.0  # minutes from the slot start
    patience: float = 60.0
    seen_ago: int | None = None  # follow-ups: days since the visit they follow


@dataclass
class Arrival:
    """A walk-in or an emergency arriving at the OPD desk."""

    patient: int
    doctor: int
    at: datetime
    source: str
    patience: float = 60.0


@dataclass
class DemandPlan:
    scenario: Scenario
    total: int
    history: list[HistoryVisit] = field(default_factory=list)
    advance: list[AdvanceRequest] = field(default_factory=list)
    walk_ins: list[Arrival] = field(default_factory=list)
    emergencies: list[Arrival] = field(default_factory=list)
    delayed_doctor: int | None = None
    leave_doctor: int | None = None

    def history_counts(self) -> dict[tuple[int, date], int]:
        counts: dict[tuple[int, date], int] = {}
        for visit in self.history:
            counts[visit.doctor, visit.day] = counts.get((visit.doctor, visit.day), 0) + 1
        return counts


def default_total(scenario: Scenario, designs: list[DoctorDesign], day: date) -> int:
    seats = sum(design.capacity for design in designs) * len(slot_starts(day))
    return max(1, round(scenario.load * seats))


def plan_day(
    *, scenario: Scenario, designs: list[DoctorDesign], day: date, total: int, rng: random.Random
) -> DemandPlan:
    """Draw the whole day's demand; patients are numbered in the order they first ask."""
    plan = DemandPlan(scenario=scenario, total=total)
    indices = [design.index for design in designs]
    weights = [design.capacity for design in designs]
    if scenario.emergencies_per_doctor:
        emergencies = min(scenario.emergencies_per_doctor * len(designs), total // 3)
    else:
        emergencies = min(total, max(1, round(total * scenario.emergency_share)))
    rest = total - emergencies
    advance = round(rest * scenario.advance_share)
    plan.advance = _advance_requests(advance, indices, weights, day, rng, scenario)
    for number, request in enumerate(plan.advance, start=1):
        request.patient = number
    plan.history = [
        _history_visit(request, day, rng)
        for request in plan.advance
        if request.source == Source.FOLLOW_UP
    ]
    walk_times = thinned_arrivals(rest - advance, day, scenario, rng)
    doctors = rng.choices(indices, weights, k=len(walk_times))
    first = advance + 1
    plan.walk_ins = [
        Arrival(first + n, doctor, at, Source.WALK_IN, rng.uniform(*PATIENCE_MINUTES))
        for n, (at, doctor) in enumerate(zip(walk_times, doctors, strict=True))
    ]
    plan.emergencies = _emergencies(
        emergencies, scenario, indices, weights, day, rng, first=first + len(walk_times)
    )
    if scenario.delay_minutes:
        plan.delayed_doctor = rng.choice(indices)
    if scenario.leave_at is not None:
        plan.leave_doctor = rng.choice(indices)
    return plan


def _advance_requests(
    count, indices, weights, day: date, rng: random.Random, scenario: Scenario
) -> list[AdvanceRequest]:
    sources = [source for source, _ in ADVANCE_MIX]
    mix = [share for _, share in ADVANCE_MIX]
    requests = []
    for _ in range(count):
        doctor = rng.choices(indices, weights)[0]
        source = rng.choices(sources, mix)[0]
        slot_index = rng.choices(range(len(PREFERRED_SLOT_WEIGHTS)), PREFERRED_SLOT_WEIGHTS)[0]
        seen_ago = rng.randint(*HISTORY_DAYS_AGO) if source == Source.FOLLOW_UP else None
        # A follow-up is booked after the visit it follows; others over the week before.
        first_day = day - timedelta(days=seen_ago - 1 if seen_ago else BOOKING_DAYS)
        at = _daytime(rng, first_day, day - timedelta(days=1))
        request = AdvanceRequest(0, doctor, source, slot_index, at, seen_ago=seen_ago)
        request.arrival_offset = min(10.0, max(-40.0, rng.gauss(-12.0, 9.0)))
        request.patience = rng.uniform(*PATIENCE_MINUTES)
        slot_start = slot_starts(day)[slot_index]
        if rng.random() < scenario.cancel_rate:
            request.cancel_at = _cancel_time(rng, at, slot_start, day, scenario.early_cancel_share)
        elif rng.random() < NO_SHOW_RATE:
            request.no_show = True
        requests.append(request)
    requests.sort(key=lambda r: r.at)
    return requests


def _history_visit(request: AdvanceRequest, day: date, rng: random.Random) -> HistoryVisit:
    seen = day - timedelta(days=request.seen_ago)
    at = local(seen, time(9, 0)) + timedelta(seconds=rng.randint(0, 90 * 60))
    return HistoryVisit(request.patient, request.doctor, seen, at)


def _daytime(rng: random.Random, first: date, last: date) -> datetime:
    """A moment between 08:00 and 21:00 on a day from ``first`` to ``last``."""
    on = first + timedelta(days=rng.randint(0, (last - first).days))
    return local(on, time(8, 0)) + timedelta(seconds=rng.randint(0, 13 * 3600 - 1))


def _cancel_time(
    rng: random.Random, booked: datetime, slot_start: datetime, day: date, early_share: float
) -> datetime:
    """Early (more than a day before the slot: refundable) or on the morning itself."""
    early_from, early_to = booked + timedelta(minutes=30), slot_start - timedelta(hours=25)
    if rng.random() < early_share and early_to > early_from:
        span = int((early_to - early_from).total_seconds())
        return early_from + timedelta(seconds=rng.randint(0, span))
    late_from = local(day, time(7, 0))
    span = int((slot_start - timedelta(minutes=10) - late_from).total_seconds())
    return late_from + timedelta(seconds=rng.randint(0, max(0, span)))


def walk_in_rate(scenario: Scenario):
    """The walk-in arrival rate at minute ``m`` after the window opens, peak 1 at 10:00."""
    peak = (WALK_IN_PEAK.hour - WALK_IN_WINDOW[0].hour) * 60 + WALK_IN_PEAK.minute
    sigma = scenario.peak_sigma_minutes

    def rate(minute: float) -> float:
        return scenario.baseline + (1 - scenario.baseline) * math.exp(
            -0.5 * ((minute - peak) / sigma) ** 2
        )

    return rate


def thinned_arrivals(
    count: int, day: date, scenario: Scenario, rng: random.Random
) -> list[datetime]:
    """``count`` arrival times with density proportional to the rate, by thinning."""
    start, end = local(day, WALK_IN_WINDOW[0]), local(day, WALK_IN_WINDOW[1])
    span = (end - start).total_seconds() / 60
    rate = walk_in_rate(scenario)
    times = []
    while len(times) < count:
        minute = rng.random() * span
        if rng.random() <= rate(minute):  # the peak rate is 1
            times.append(start + timedelta(seconds=round(minute * 60)))
    return sorted(times)


def _emergencies(count, scenario, indices, weights, day, rng, *, first: int) -> list[Arrival]:
    start, end = (local(day, moment) for moment in scenario.emergency_window)
    span = int((end - start).total_seconds())
    if scenario.emergencies_per_doctor:
        doctors = [indices[n % len(indices)] for n in range(count)]
    else:
        doctors = rng.choices(indices, weights, k=count)
    arrivals = sorted(
        ((start + timedelta(seconds=rng.randint(0, span)), doctor) for doctor in doctors),
        key=lambda pair: pair[0],
    )
    return [
        Arrival(first + n, doctor, at, Source.EMERGENCY) for n, (at, doctor) in enumerate(arrivals)
    ]
