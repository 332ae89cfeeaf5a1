"""What the simulated patients were told, and how it came true.

Every estimate the system shows is recorded with the moment it was shown: at booking, at
check-in, and at each poll a waiting patient makes (every ``POLL_MINUTES`` simulated minutes,
all queues read at once). Each observation keeps the forward estimate, its range and the earlier
rule's estimate side by side. At each poll the queues are also checked for estimates that go
backwards along the serving order. After the run the real call times are read back and the
errors summed up by where the estimate was shown and how far ahead.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from scheduling.models import DoctorDay, EventKind, Source, Token, TokenEvent, TokenStatus
from scheduling.selectors import QueueItem, queue_item_for, serving_orders

POLL_MINUTES = 15
KINDS = ("booking", "check-in", "poll")
AHEAD_BUCKETS = ((0, 15, "<15 min"), (15, 60, "15-60"), (60, 120, "60-120"), (120, None, ">120"))
LARGEST_MISSES = 8


@dataclass
class Observation:
    token_id: int
    doctor_day_id: int
    kind: str
    source: str
    made_at: datetime
    estimate: datetime
    earliest: datetime
    latest: datetime
    baseline: datetime


@dataclass
class Observer:
    """Records estimates during the run; ``doctor_days`` are the simulated day's."""

    doctor_days: list[DoctorDay]
    observations: list[Observation] = field(default_factory=list)
    violations: int = 0
    baseline_violations: int = 0
    snapshots: int = 0

    def _record(self, item: QueueItem | None, kind: str, now: datetime) -> None:
        if item is None or item.token.status == TokenStatus.IN_CONSULTATION:
            return
        self.observations.append(
            Observation(
                token_id=item.token.pk,
                doctor_day_id=item.token.doctor_day_id,
                kind=kind,
                source=item.token.source,
                made_at=now,
                estimate=item.estimated_time,
                earliest=item.estimated_from,
                latest=item.estimated_to,
                baseline=item.baseline_time,
            )
        )

    def shown(self, token: Token | None, kind: str, now: datetime) -> None:
        """The token's estimate as its holder sees it now (booking or check-in)."""
        if token is None or token.doctor_day_id not in self._ids:
            return
        self._record(queue_item_for(token), kind, now)

    @property
    def _ids(self) -> set[int]:
        return {doctor_day.id for doctor_day in self.doctor_days}

    def poll(self, now: datetime) -> None:
        """Every waiting patient looks at their estimate; every queue is checked for order."""
        self.snapshots += 1
        days = list(
            DoctorDay.objects.filter(id__in=self._ids).select_related("doctor").order_by("id")
        )
        for queue in serving_orders(days).values():
            waiting = [item for item in queue if item.token.status != TokenStatus.IN_CONSULTATION]
            self.violations += _backwards(item.estimated_time for item in waiting)
            self.violations += _backwards(item.estimated_from for item in waiting)
            self.violations += _backwards(item.estimated_to for item in waiting)
            self.baseline_violations += _backwards(item.baseline_time for item in waiting)
            for item in waiting:
                if item.token.status == TokenStatus.CHECKED_IN:
                    self._record(item, "poll", now)


def _backwards(times) -> int:
    found, last = 0, None
    for at in times:
        if last is not None and at < last:
            found += 1
        last = at if last is None else max(last, at)
    return found


# After the run -------------------------------------------------------------------------------


@dataclass
class ErrorLine:
    label: str
    count: int
    mean: float | None
    p90: float | None
    baseline_mean: float | None
    baseline_p90: float | None
    in_range: float | None


@dataclass
class Miss:
    token: str
    kind: str
    made_at: datetime
    estimate: datetime
    called_at: datetime
    minutes: float
    cause: str


@dataclass
class EstimateReport:
    by_kind: list[ErrorLine]
    by_ahead: list[ErrorLine]
    by_source: list[ErrorLine]
    violations: int
    baseline_violations: int
    snapshots: int
    misses: list[Miss]
    observations: int

    def figures(self) -> dict[str, float | int | None]:
        checkin = next((line for line in self.by_kind if line.label == "check-in"), None)
        return {
            "sim_estimate_p90_error_min_checkin": checkin.p90 if checkin else None,
            "sim_estimate_in_range_share": checkin.in_range if checkin else None,
            "sim_estimate_monotone_violations": self.violations,
            "sim_estimate_baseline_p90_error_min_checkin": checkin.baseline_p90
            if checkin
            else None,
        }


def _minutes(delta) -> float:
    return delta.total_seconds() / 60


def _line(label: str, rows: list[tuple[Observation, datetime]]) -> ErrorLine:
    from queueing.simulation.report import percentile

    errors = [abs(_minutes(called - obs.estimate)) for obs, called in rows]
    baseline = [abs(_minutes(called - obs.baseline)) for obs, called in rows]
    inside = [obs.earliest <= called <= obs.latest for obs, called in rows]
    return ErrorLine(
        label=label,
        count=len(rows),
        mean=sum(errors) / len(errors) if errors else None,
        p90=percentile(errors, 90),
        baseline_mean=sum(baseline) / len(baseline) if baseline else None,
        baseline_p90=percentile(baseline, 90),
        in_range=sum(inside) / len(inside) if inside else None,
    )


def summarise(observer: Observer) -> EstimateReport:
    """Join each observation with the token's real call time (tokens never called are left
    out: a no-show or a cancellation has no call to compare with)."""
    tokens = {
        row[0]: row[1:]
        for row in Token.objects.filter(
            id__in={obs.token_id for obs in observer.observations}, called_at__isnull=False
        ).values_list("id", "called_at", "number", "doctor_day__doctor__token_prefix")
    }
    rows = [
        (obs, tokens[obs.token_id][0]) for obs in observer.observations if obs.token_id in tokens
    ]
    by_kind = [_line(kind, [r for r in rows if r[0].kind == kind]) for kind in KINDS]
    by_ahead = []
    for low, high, label in AHEAD_BUCKETS:
        chosen = [
            r
            for r in rows
            if _minutes(r[1] - r[0].made_at) >= low
            and (high is None or _minutes(r[1] - r[0].made_at) < high)
        ]
        by_ahead.append(_line(label, chosen))
    by_source = [
        _line(Source(source).label, [r for r in rows if r[0].source == source])
        for source in Source.values
        if any(r[0].source == source for r in rows)
    ]
    return EstimateReport(
        by_kind=by_kind,
        by_ahead=by_ahead,
        by_source=by_source,
        violations=observer.violations,
        baseline_violations=observer.baseline_violations,
        snapshots=observer.snapshots,
        misses=_largest_misses(rows, tokens),
        observations=len(observer.observations),
    )


def _largest_misses(rows, tokens) -> list[Miss]:
    """The worst check-in estimates, each with what happened on the doctor's day in between."""
    checkins = sorted(
        (r for r in rows if r[0].kind == "check-in"),
        key=lambda r: -abs(_minutes(r[1] - r[0].estimate)),
    )[:LARGEST_MISSES]
    day_ids = {obs.doctor_day_id for obs, _ in checkins}
    events = defaultdict(list)
    for day_id, kind, at, token_id in (
        TokenEvent.objects.filter(
            doctor_day_id__in=day_ids,
            kind__in=(
                EventKind.EMERGENCY_ADMITTED,
                EventKind.OVERFLOW,
                EventKind.NO_SHOW,
                EventKind.CANCELLED,
                EventKind.CHECKED_IN,
                EventKind.CALLED,
            ),
        )
        .values_list("doctor_day_id", "kind", "at", "token_id")
        .order_by("at", "id")
    ):
        events[day_id].append((kind, at, token_id))
    delays = dict(
        DoctorDay.objects.filter(id__in=day_ids).values_list("id", "delay_minutes").order_by()
    )
    misses = []
    for obs, called in checkins:
        late = _minutes(called - obs.estimate)
        number, prefix = tokens[obs.token_id][1:]
        misses.append(
            Miss(
                token=f"{prefix}-{number:03d}",
                kind=obs.kind,
                made_at=obs.made_at,
                estimate=obs.estimate,
                called_at=called,
                minutes=late,
                cause=_cause(obs, called, late, events[obs.doctor_day_id], delays),
            )
        )
    return misses


def _cause(obs: Observation, called: datetime, late: float, events, delays) -> str:
    between = [(kind, at, token) for kind, at, token in events if obs.made_at < at < called]
    emergencies = sum(1 for kind, _, _ in between if kind in ("emergency_admitted", "overflow"))
    missed = sum(1 for kind, _, _ in between if kind in ("no_show", "cancelled"))
    arrived_later = {token for kind, _, token in between if kind == "checked_in"}
    overtaken = sum(1 for kind, _, token in between if kind == "called" and token in arrived_later)
    if late > 0:
        if emergencies:
            return f"emergency arrived ({emergencies})"
        if overtaken:
            return f"later arrivals of higher priority called first ({overtaken})"
        if delays.get(obs.doctor_day_id):
            return f"delay ({delays[obs.doctor_day_id]} min)"
        return "pace slower than the average"
    if missed:
        return f"no-show or cancellation ahead ({missed})"
    return "pace faster than the average"
