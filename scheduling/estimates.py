"""When each queued token is expected to be called: one forward walk along the serving order.

``scheduling.selectors`` defines the serving order and hands this module a day's queued tokens
in it; nothing here orders tokens. The walk follows the doctor through the queue:

- a token is never called before its slot opens (the slot's start, the doctor's delay taken
  into account: ``seats.estimated_start``), nor before the patient ahead is done;
- whenever the doctor is free, "call next"'s rule picks among the patients of the slots begun:
  so a booked patient of higher priority who has not arrived yet overtakes a checked-in walk-in
  once their slot opens, in the walk as at the desk;
- a consultation takes the doctor's pace (the rolling average blended with the day's
  consultations so far), plus an allowance for the emergencies this doctor gets (at the rate of
  recent days, each taking a little longer than usual);
- a booked patient who has not arrived yet occupies the doctor only with the chance that they
  come: one minus the hospital's recent no-show share for their source; once their slot has
  begun without them, the share of such absent patients who still came on recent days (the
  late share), falling to nothing over the no-show grace (what is known now, not later).

The range is the expected call give or take ``RANGE_SPREADS`` standard deviations of it, and a
few minutes: the walk adds up the variance of each consultation before the call (its length's
spread, whether the patient comes, the chance of an emergency), and an idle doctor waiting for a
slot to open absorbs what the wait can hold. The estimate and each end of its range are made
non-decreasing along the serving order.

The queries are per request, never per token: the day's consultations so far (the doctor's
pace and spread) and the hospital's recent no-shows and emergencies (kept for
``HISTORY_MINUTES``).
"""

import heapq
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q

from opd_site import clock
from scheduling import policy
from scheduling.models import DoctorDay, Source, Token, TokenStatus
from scheduling.services.seats import estimated_start

HISTORY_DAYS = 14  # recent days whose booked tokens give the no-show share and emergency rate
HISTORY_MINUTES = 15  # how long one reading of that history is kept
PRIOR_WEIGHT = 20  # bookings the default share counts as, blended with the hospital's own
DEFAULT_NO_SHOW_SHARE = {
    Source.EMERGENCY: 0.0,
    Source.PRIORITY: 0.05,
    Source.FOLLOW_UP: 0.08,
    Source.ONLINE: 0.1,
    Source.WALK_IN: 0.0,
}
# Of the booked patients not here when their slot begins, the share who still come (late): the
# rest are the no-shows. Blended with the hospital's own days as the no-show share is.
DEFAULT_LATE_SHARE = 0.5
EMERGENCY_LENGTH = 1.3  # an emergency takes this many of the doctor's usual consultations
DEFAULT_SPREAD = 0.3  # the consultations' relative spread until the day has enough of them
RECENT_CONSULTATIONS = 12  # the doctor's last consultations that give the spread
MIN_REMAINING = 0.2  # a consultation running past the average has this share of one left
RANGE_SPREADS = 1.28  # the range: the expected call, this many standard deviations either way...
CALL_MARGIN_MINUTES = 3.0  # ...and a few minutes more (the doctor may call a little either way)


@dataclass(frozen=True)
class Pace:
    """The doctor's consultation time now: the rolling average and its relative spread."""

    average: float
    spread: float = DEFAULT_SPREAD


@dataclass(frozen=True)
class History:
    """What the hospital's recent days say: no-show share by source, emergencies per doctor
    (as a share of the doctor's seated tokens)."""

    no_show_share: dict[str, float]
    emergency_share: dict[int, float]
    late_share: dict[str, float] = field(default_factory=dict)

    def no_show(self, source: str) -> float:
        return self.no_show_share.get(source, DEFAULT_NO_SHOW_SHARE.get(source, 0.1))

    def late(self, source: str) -> float:
        """Of the patients of ``source`` absent when their slot began, the share who came."""
        return self.late_share.get(source, DEFAULT_LATE_SHARE)

    def emergencies(self, doctor_id: int) -> float:
        return self.emergency_share.get(doctor_id, 0.0)


@dataclass(frozen=True)
class Estimate:
    """A token's expected call time and the range it should fall in."""

    at: datetime
    earliest: datetime
    latest: datetime

    def wait_minutes(self, now: datetime) -> int:
        return max(0, math.ceil((self.at - now).total_seconds() / 60))


# What the hospital's recent days say ----------------------------------------------------------

_history_cache: dict[tuple[date, int], History] = {}


def forget_history() -> None:
    """Drop the kept reading (tests that build a history, or a long-running process)."""
    _history_cache.clear()


def history(now: datetime | None = None) -> History:
    """The recent no-show shares and emergency rates, read at most once per ``HISTORY_MINUTES``.

    Booked tokens count once their fate is known: their slot began more than the no-show grace
    ago (a no-show, or a patient who came), cancelled ones are left out. Each source's share is
    blended with a default worth ``PRIOR_WEIGHT`` bookings, so a quiet hospital starts from it.
    """
    now = now or clock.now()
    bucket = int(now.timestamp() // (HISTORY_MINUTES * 60))
    key = (clock.today(), bucket)
    cached = _history_cache.get(key)
    if cached is None:
        _history_cache.clear()
        cached = _history_cache[key] = _read_history(now)
    return cached


def _read_history(now: datetime) -> History:
    settled_before = now - timedelta(minutes=policy.no_show_grace_minutes())
    rows = (
        Token.objects.filter(
            doctor_day__date__gte=clock.today() - timedelta(days=HISTORY_DAYS),
            doctor_day__date__lte=clock.today(),
            slot__start__lte=settled_before,
        )
        .exclude(status=TokenStatus.CANCELLED)
        .values("doctor_day__doctor_id", "source")
        .annotate(
            n=Count("id"),
            missed=Count("id", filter=Q(status=TokenStatus.NO_SHOW)),
            late=Count("id", filter=Q(checked_in_at__gt=F("slot__start"))),
        )
        .order_by()
    )
    booked, missed, late = defaultdict(int), defaultdict(int), defaultdict(int)
    seated, emergencies = defaultdict(int), defaultdict(int)
    for row in rows:
        source, doctor_id = row["source"], row["doctor_day__doctor_id"]
        booked[source] += row["n"]
        missed[source] += row["missed"]
        late[source] += row["late"] if source not in (Source.WALK_IN, Source.EMERGENCY) else 0
        seated[doctor_id] += row["n"]
        if source == Source.EMERGENCY:
            emergencies[doctor_id] += row["n"]
    shares = {
        source: (missed[source] + PRIOR_WEIGHT * default) / (booked[source] + PRIOR_WEIGHT)
        for source, default in DEFAULT_NO_SHOW_SHARE.items()
    }
    late_shares = {
        source: (late[source] + PRIOR_WEIGHT * DEFAULT_LATE_SHARE)
        / (late[source] + missed[source] + PRIOR_WEIGHT)
        for source in DEFAULT_NO_SHOW_SHARE
    }
    return History(
        no_show_share=shares,
        late_share=late_shares,
        emergency_share={
            doctor_id: emergencies[doctor_id] / count for doctor_id, count in seated.items()
        },
    )


# The doctor's pace ----------------------------------------------------------------------------


def paces(doctor_days: Sequence[DoctorDay], done: Iterable[Token]) -> dict[int, Pace]:
    """Each doctor-day's pace from the doctor's rolling average as the day opened and the day's
    consultations so far (``done``: the days' completed tokens, read with their queues;
    emergencies, which the walk allows for apart, are left out).

    The rolling average is as uncertain as the mean of ``(2 - w) / w`` consultations (``w`` its
    weight): the average is it and the day's consultations blended by what each is worth. The
    prior is the average before the day's first consultation counted
    (``DoctorDay.opening_average_minutes``): the one the doctor has now already holds the day's
    consultations, and counting them twice would chase the last few. The spread is that of the
    day's last consultations (the default until a day has three).
    """
    lengths: dict[int, list[float]] = defaultdict(list)
    for token in sorted(done, key=lambda token: token.completed_at, reverse=True):
        if token.called_at is None or token.source == Source.EMERGENCY:
            continue
        lengths[token.doctor_day_id].append(
            (token.completed_at - token.called_at).total_seconds() / 60
        )
    weight = policy.rolling_average_weight()
    worth = (2 - weight) / weight if 0 < weight < 1 else 1.0
    found = {}
    for day in doctor_days:
        seen = lengths[day.id]
        opened = day.opening_average_minutes
        rolling = float(day.doctor.average_consultation_minutes if opened is None else opened)
        average = (worth * rolling + sum(seen)) / (worth + len(seen))
        spread = DEFAULT_SPREAD
        recent = seen[:RECENT_CONSULTATIONS]
        if len(recent) >= 3:
            spread = statistics.pstdev(recent) / max(statistics.fmean(recent), 0.5)
        found[day.id] = Pace(average=average, spread=min(spread, 1.0))
    return found


# The walk -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seat:
    """One queued token as the walk sees it."""

    opens: datetime  # its slot's start, the delay taken into account
    key: tuple  # whom "call next" takes first among those present: the serving order's rule
    chance: float  # that the patient is seen at all (1 once they are here)


def _coming(token: Token, *, now: datetime, past: History) -> float:
    """The chance that a booked patient not here yet comes: the source's show share; once
    their slot has begun without them, the share of such patients who came late, falling to
    nothing over the no-show grace."""
    if now <= token.slot.start:
        return 1.0 - past.no_show(token.source)
    grace = timedelta(minutes=policy.no_show_grace_minutes())
    return past.late(token.source) * max(0.0, 1 - (now - token.slot.start) / grace)


def _walk(seats: list[_Seat], *, free: datetime, spread: float, pace: float, lumps: float):
    """When the doctor calls each seat, and how uncertain that is (a standard deviation in
    minutes): whenever free, the first present by the serving order's rule among the started
    slots, or wait for the next slot to open. Each seat adds its chance of a consultation of
    ``pace`` minutes; the uncertainty grows by that consultation's variance (its length's
    spread, whether the patient comes, ``lumps``: an emergency's share of it), and an idle
    doctor waiting for a slot to open absorbs as much of it as the wait."""
    by_opening = sorted(range(len(seats)), key=lambda n: seats[n].opens)
    present: list[tuple[tuple, int]] = []
    calls: list[datetime] = [free] * len(seats)
    spreads: list[float] = [spread] * len(seats)
    variance = spread**2
    following = 0
    while following < len(seats) or present:
        if not present and seats[by_opening[following]].opens > free:
            idle = (seats[by_opening[following]].opens - free).total_seconds() / 60
            variance = max(0.0, math.sqrt(variance) - idle) ** 2
            free = seats[by_opening[following]].opens
        while following < len(seats) and seats[by_opening[following]].opens <= free:
            index = by_opening[following]
            heapq.heappush(present, (seats[index].key, index))
            following += 1
        _, index = heapq.heappop(present)
        chance = seats[index].chance
        calls[index], spreads[index] = free, math.sqrt(variance)
        free += timedelta(minutes=chance * pace)
        variance += chance * (pace**2 * (1 + lumps) - chance * pace**2)
    return calls, spreads


def _isotonic(values: list[float]) -> list[float]:
    """The closest non-decreasing sequence (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [sum, count]
    for value in values:
        blocks.append([value, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [total / count for total, count in blocks for _ in range(count)]


def estimate_queue(
    tokens: Iterable[Token],
    *,
    doctor_day: DoctorDay,
    now: datetime,
    pace: Pace,
    past: History,
) -> list[Estimate]:
    """Each token's estimate, ``tokens`` being the day's queue in serving order.

    One walk follows the doctor with the expected pace and chances. Patients of higher priority
    overtake when their slot begins, so the walk's call times need not follow today's serving
    order: the estimate is the closest non-decreasing sequence to the walk, and the range reaches
    from the earliest call of anyone at or behind the token to the latest of anyone at or ahead
    of it, so it holds both the walk's own answer and the order shown. Reads ``token.slot``,
    ``status``, ``source``, ``priority``, ``checked_in_at``, ``called_at``; no query.
    """
    tokens = list(tokens)
    emergencies = past.emergencies(doctor_day.doctor_id)
    average = pace.average * (1 + emergencies * EMERGENCY_LENGTH)
    # A consultation's relative variance: its length's spread, and the emergencies among them.
    lumps = pace.spread**2 + emergencies * EMERGENCY_LENGTH**2
    free, spread = now, 0.0
    seats, waiting = [], []
    called: dict[int, datetime] = {}
    for position, token in enumerate(tokens):
        if token.status == TokenStatus.IN_CONSULTATION:
            began = token.called_at or now
            called[position] = began
            free = max(
                free,
                began + timedelta(minutes=average),
                now + timedelta(minutes=MIN_REMAINING * average),
            )
            spread = pace.spread * average
            continue
        arrived = token.status == TokenStatus.CHECKED_IN
        slot_start = token.slot.start
        seats.append(
            _Seat(
                opens=estimated_start(token.slot, doctor_day),
                key=(-token.priority, slot_start, token.checked_in_at or slot_start, position),
                chance=1.0 if arrived else _coming(token, now=now, past=past),
            )
        )
        waiting.append(position)
    calls, spreads = _walk(seats, free=free, spread=spread, pace=average, lumps=lumps)
    points = _isotonic([(at - now).total_seconds() for at in calls])
    widths = [timedelta(minutes=CALL_MARGIN_MINUTES + RANGE_SPREADS * spread) for spread in spreads]
    earliest = [max(now, at - width) for at, width in zip(calls, widths, strict=True)]
    for n in range(len(earliest) - 2, -1, -1):
        earliest[n] = min(earliest[n], earliest[n + 1])
    latest = [at + width for at, width in zip(calls, widths, strict=True)]
    for n in range(1, len(latest)):
        latest[n] = max(latest[n], latest[n - 1])
    # Pooling must not pull a call before its slot opens: the floors move forward only.
    found: dict[int, Estimate] = {}
    point_floor = earliest_floor = now
    for n, position in enumerate(waiting):
        opens = seats[n].opens
        point_floor = max(point_floor, now + timedelta(seconds=points[n]), opens)
        earliest_floor = max(earliest_floor, earliest[n], opens)
        at = point_floor
        found[position] = Estimate(
            at=at, earliest=min(earliest_floor, at), latest=max(latest[n], at)
        )
    estimates = []
    for position in range(len(tokens)):
        if position in called:
            began = called[position]
            estimates.append(Estimate(at=began, earliest=began, latest=began))
        else:
            estimates.append(found[position])
    return estimates


def baseline_estimate(
    token: Token, *, ahead: int, in_slot: int, now: datetime, doctor_day: DoctorDay
) -> datetime:
    """The earlier rule, kept for comparison (the day simulation reports both): the tokens ahead
    times the rolling average, never before the slot's start (the delay taken into account)."""
    average = float(doctor_day.doctor.average_consultation_minutes)
    by_queue = now + timedelta(minutes=ahead * average)
    by_slot = estimated_start(token.slot, doctor_day) + timedelta(minutes=in_slot * average)
    return max(by_queue, by_slot)
