"""The simulated day's report, computed from the database after the run.

Seats, sources, moves, waits and events are read back from tokens, waiting entries and token
events through queries; only what leaves no row (refused requests, the desk re-routing a
patient) comes from the run itself. Text and HTML show the same numbers.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from queueing.simulation import charts
from queueing.simulation.demand import DemandPlan
from queueing.simulation.estimates import EstimateReport, Observer, summarise
from queueing.simulation.hospital import (
    EMERGENCY_RESERVE,
    SESSION_END,
    SESSION_START,
    SLOT_MINUTES,
    WALK_IN_RESERVE,
    SimHospital,
    local,
    patient_name,
    sim_doctor_days,
)
from queueing.simulation.runner import TICK_MINUTES, RunStats
from scheduling.invariants import check_invariants
from scheduling.models import (
    ACTIVE_STATUSES,
    DoctorDay,
    EventKind,
    Refund,
    Slot,
    Source,
    Token,
    TokenEvent,
    TokenStatus,
    WaitingEntry,
)
from scheduling.services.seats import effective_capacity

SOURCES = (Source.EMERGENCY, Source.PRIORITY, Source.FOLLOW_UP, Source.ONLINE, Source.WALK_IN)
SHORT = {
    Source.EMERGENCY: "emg",
    Source.PRIORITY: "pri",
    Source.FOLLOW_UP: "fup",
    Source.ONLINE: "onl",
    Source.WALK_IN: "wlk",
}
MOVE_KINDS = (EventKind.MOVED, EventKind.DELAY_MOVED, EventKind.RESCHEDULED)
ADMITTED_KINDS = (EventKind.EMERGENCY_ADMITTED, EventKind.OVERFLOW)
# Arrival is the request at the desk for those who come without a booking, else the check-in.
ARRIVES_AT_REQUEST = (Source.WALK_IN, Source.EMERGENCY)
TIMELINE_KINDS = (
    EventKind.BOOKED,
    EventKind.CHECKED_IN,
    EventKind.CALLED,
    EventKind.COMPLETED,
    EventKind.WAITLISTED,
    EventKind.PROMOTED,
    EventKind.CANCELLED,
    EventKind.NO_SHOW,
    EventKind.EMERGENCY_ADMITTED,
)
TIMELINE_FROM = time(7, 0)
TIMELINE_STEP = 15  # minutes
LEGEND = (
    "cap = capacity, eff = effective capacity (after a delay), "
    + ", ".join(f"{SHORT[s]} = {s.label.lower()}" for s in SOURCES)
    + " (seats held: booked, checked in, in consultation or completed); tot = all seats held; "
    "bmp+/bmp- = bumped in/out; mov+/mov- = moved in/out (seated later because the slot was "
    "full, doctor delayed or unavailable); can = cancelled; nos = no-show; "
    "emg+ = emergencies admitted; ovf = emergency overflow past capacity and reserve; "
    "done = consultations completed"
)


@dataclass
class SlotLine:
    start: datetime
    capacity: int
    effective: int
    cancelled_slot: bool
    held: dict[str, int]
    bumped_in: int = 0
    bumped_out: int = 0
    moved_in: int = 0
    moved_out: int = 0
    cancelled: int = 0
    no_show: int = 0
    emergencies: int = 0
    overflow: int = 0
    completed: int = 0

    @property
    def total(self) -> int:
        return sum(self.held.values())

    @property
    def occupancy(self) -> float:
        return self.total / self.capacity if self.capacity else 0.0


@dataclass
class DoctorLine:
    prefix: str
    name: str
    department: str
    mean_minutes: float
    running_average: float
    delay_minutes: int
    slots: list[SlotLine]
    busy_minutes: float = 0.0
    first_call: datetime | None = None
    last_done: datetime | None = None


@dataclass
class SourceLine:
    source: str
    tokens: int = 0
    waitlisted: int = 0
    promoted: int = 0
    gave_up: int = 0
    expired: int = 0
    cancelled: int = 0
    no_show: int = 0
    seen: int = 0
    waits: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Source(self.source).label

    @property
    def mean_wait(self) -> float | None:
        return sum(self.waits) / len(self.waits) if self.waits else None

    @property
    def p90_wait(self) -> float | None:
        return percentile(self.waits, 90)


@dataclass
class DayReport:
    header: list[tuple[str, str]]
    doctors: list[DoctorLine]
    sources: list[SourceLine]
    totals: list[tuple[str, str]]
    events: list[tuple[str, int, int]]
    refusals: list[tuple[str, str, int]]
    timeline_starts: list[datetime]
    timeline: dict[str, list[int]]
    problems: list[str]
    estimates: EstimateReport | None = None

    @property
    def invariants_held(self) -> bool:
        return not self.problems


def percentile(values: list[float], pct: int) -> float | None:
    """The nearest-rank percentile (the smallest value with pct% of values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def build_report(
    *,
    hospital: SimHospital,
    plan: DemandPlan,
    stats: RunStats,
    seed,
    observer: Observer | None = None,
) -> DayReport:
    """Read the simulated day back from the database."""
    day = hospital.day
    days = list(
        DoctorDay.objects.filter(id__in=[doctor.day.id for doctor in hospital.doctors])
        .select_related("doctor__user", "doctor__department")
        .order_by("doctor__token_prefix")
    )
    means = {doctor.day.id: doctor.design.average for doctor in hospital.doctors}
    doctors = _doctor_lines(days, means)
    sources = _source_lines(days)
    totals = _totals(hospital, days, doctors, sources)
    refusals = [(code, service, count) for (code, service), count in sorted(stats.refusals.items())]
    if stats.queue_empty:
        refusals.append(
            ("queue_empty", "call_next (the doctor found nobody waiting)", stats.queue_empty)
        )
    if stats.rerouted:
        refusals.append(
            ("(re-routed)", "the desk sent the patient to another doctor", stats.rerouted)
        )
    starts, timeline = _timeline(days, day, stats.last_event)
    return DayReport(
        header=_header(hospital, plan, stats, seed),
        doctors=doctors,
        sources=sources,
        totals=totals,
        events=_event_counts(days, day),
        refusals=refusals,
        timeline_starts=starts,
        timeline=timeline,
        problems=check_invariants(sim_doctor_days()),
        estimates=summarise(observer) if observer is not None else None,
    )


def _header(
    hospital: SimHospital, plan: DemandPlan, stats: RunStats, seed
) -> list[tuple[str, str]]:
    first, last = hospital.doctors[0].design, hospital.doctors[-1].design
    departments = len({doctor.design.department_code for doctor in hospital.doctors})
    advance = Counter(request.source for request in plan.advance)
    mix = ", ".join(
        f"{advance[source]} {Source(source).label.lower()}" for source in SOURCES if advance[source]
    )
    scenario = plan.scenario
    seats = sum(slot.capacity for doctor in hospital.doctors for slot in doctor.slots)
    lines = [
        ("date", f"{hospital.day:%A %d %b %Y}"),
        ("scenario", f"{scenario.name}: {scenario.summary}"),
        ("seed", str(seed)),
        (
            "hospital",
            f"{len(hospital.doctors)} doctors in {departments} SIM departments "
            f"({first.prefix}-{last.prefix}), {plan.total} patients "
            f"({patient_name(1, plan.total)} to {patient_name(plan.total, plan.total)})",
        ),
        (
            "slots",
            f"{SESSION_START:%H:%M}-{SESSION_END:%H:%M} in {SLOT_MINUTES}-minute slots; "
            f"emergency reserve {EMERGENCY_RESERVE}, walk-in reserve {WALK_IN_RESERVE}; "
            "a slot holds what an hour of the doctor's mean consultation allows",
        ),
        (
            "demand",
            f"booked in the week before {len(plan.advance)} ({mix or 'none'}); "
            f"walk-ins {len(plan.walk_ins)} (peak around 10:00); "
            f"emergencies {len(plan.emergencies)}; "
            f"past visits {len(plan.history)} (they make the follow-ups eligible)",
        ),
        ("load", f"{plan.total} patients for {seats} seats: {plan.total / seats:.2f} x capacity"),
    ]
    if plan.delayed_doctor is not None:
        design = hospital.doctors[plan.delayed_doctor - 1].design
        lines.append(
            ("delay", f"{design.prefix} {design.name} starts {scenario.delay_minutes} minutes late")
        )
    if plan.leave_doctor is not None:
        design = hospital.doctors[plan.leave_doctor - 1].design
        lines.append(
            (
                "leave",
                f"{design.prefix} {design.name} is unavailable from {scenario.leave_at:%H:%M}",
            )
        )
    tick = f"run_tick() every {TICK_MINUTES} simulated minutes ({stats.ticks} ticks)"
    if stats.scoped_ticks:
        tick += (
            f"; {stats.scoped_ticks} of them limited to the simulated hospital, because "
            "real bookings were within run_tick's reach"
        )
    lines += [
        ("engine", "every event goes through the engine's services at its simulated time; " + tick),
        (
            "simulated",
            f"{_when(stats.first_event)} to {_when(stats.last_event)}: {stats.events} events, "
            f"{stats.service_calls} service calls",
        ),
    ]
    return lines


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%d %b %H:%M}" if moment else "-"


def _doctor_lines(days: list[DoctorDay], means: dict[int, float]) -> list[DoctorLine]:
    slots = Slot.objects.filter(doctor_day__in=days).order_by("doctor_day_id", "start")
    tokens = defaultdict(Counter)
    for row in (
        Token.objects.filter(doctor_day__in=days)
        .values("slot_id", "source", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        tokens[row["slot_id"]][row["source"], row["status"]] += row["n"]
    moves = defaultdict(Counter)
    for row in (
        TokenEvent.objects.filter(doctor_day__in=days)
        .values("kind", "from_slot_id", "to_slot_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        moves[row["from_slot_id"]]["from", row["kind"]] += row["n"]
        moves[row["to_slot_id"]]["to", row["kind"]] += row["n"]
    lines_by_day: dict[int, list[SlotLine]] = defaultdict(list)
    by_id = {doctor_day.id: doctor_day for doctor_day in days}
    for slot in slots:
        lines_by_day[slot.doctor_day_id].append(
            _slot_line(slot, by_id[slot.doctor_day_id], tokens[slot.id], moves[slot.id])
        )
    lines = [
        DoctorLine(
            prefix=doctor_day.doctor.token_prefix,
            name=doctor_day.doctor.user.name,
            department=doctor_day.doctor.department.name,
            mean_minutes=means[doctor_day.id],
            running_average=float(doctor_day.doctor.average_consultation_minutes),
            delay_minutes=doctor_day.delay_minutes,
            slots=lines_by_day[doctor_day.id],
        )
        for doctor_day in days
    ]
    _consultation_times(days, lines)
    return lines


def _slot_line(slot: Slot, doctor_day: DoctorDay, tokens: Counter, moves: Counter) -> SlotLine:
    held = {source: sum(tokens[source, status] for status in ACTIVE_STATUSES) for source in SOURCES}
    return SlotLine(
        start=slot.start,
        capacity=slot.capacity,
        effective=effective_capacity(slot, doctor_day),
        cancelled_slot=slot.status == Slot.Status.CANCELLED,
        held=held,
        bumped_in=moves["to", EventKind.BUMPED],
        bumped_out=moves["from", EventKind.BUMPED],
        moved_in=sum(moves["to", kind] for kind in MOVE_KINDS),
        moved_out=sum(moves["from", kind] for kind in MOVE_KINDS),
        cancelled=sum(tokens[source, TokenStatus.CANCELLED] for source in SOURCES),
        no_show=sum(tokens[source, TokenStatus.NO_SHOW] for source in SOURCES),
        emergencies=sum(moves["to", kind] for kind in ADMITTED_KINDS),
        overflow=moves["to", EventKind.OVERFLOW],
        completed=sum(tokens[source, TokenStatus.COMPLETED] for source in SOURCES),
    )


def _consultation_times(days: list[DoctorDay], lines: list[DoctorLine]) -> None:
    by_prefix = {line.prefix: line for line in lines}
    prefix_of = {doctor_day.id: doctor_day.doctor.token_prefix for doctor_day in days}
    done = Token.objects.filter(doctor_day__in=days, status=TokenStatus.COMPLETED).values_list(
        "doctor_day_id", "called_at", "completed_at"
    )
    for day_id, called, completed in done.order_by("doctor_day_id", "called_at", "id"):
        line = by_prefix[prefix_of[day_id]]
        line.busy_minutes += minutes(completed - called)
        line.first_call = min(line.first_call or called, called)
        line.last_done = max(line.last_done or completed, completed)


def _source_lines(days: list[DoctorDay]) -> list[SourceLine]:
    lines = {source: SourceLine(source) for source in SOURCES}
    statuses = (
        Token.objects.filter(doctor_day__in=days).values("source", "status").annotate(n=Count("id"))
    )
    for row in statuses.order_by():
        line = lines[row["source"]]
        line.tokens += row["n"]
        line.cancelled += row["n"] if row["status"] == TokenStatus.CANCELLED else 0
        line.no_show += row["n"] if row["status"] == TokenStatus.NO_SHOW else 0
        line.seen += row["n"] if row["status"] == TokenStatus.COMPLETED else 0
    entries = (
        WaitingEntry.objects.filter(doctor_day__in=days)
        .values("source", "status")
        .annotate(n=Count("id"))
    )
    closed = {
        WaitingEntry.Status.ALLOCATED: "promoted",
        WaitingEntry.Status.CANCELLED: "gave_up",
        WaitingEntry.Status.EXPIRED: "expired",
    }
    for row in entries.order_by():
        line = lines[row["source"]]
        line.waitlisted += row["n"]
        if row["status"] in closed:
            setattr(line, closed[row["status"]], getattr(line, closed[row["status"]]) + row["n"])
    called = Token.objects.filter(doctor_day__in=days, called_at__isnull=False).values_list(
        "source", "requested_at", "checked_in_at", "called_at"
    )
    for source, requested, checked_in, called_at in called.order_by("doctor_day_id", "number"):
        arrived = requested if source in ARRIVES_AT_REQUEST else checked_in
        lines[source].waits.append(minutes(called_at - arrived))
    return [lines[source] for source in SOURCES]


def _totals(
    hospital: SimHospital, days, doctors: list[DoctorLine], sources: list[SourceLine]
) -> list[tuple[str, str]]:
    day_start = local(hospital.day, time(0, 0))
    seats = sum(line.capacity for doctor in doctors for line in doctor.slots)
    effective = sum(line.effective for doctor in doctors for line in doctor.slots)
    held = sum(line.total for doctor in doctors for line in doctor.slots)
    done = sum(line.completed for doctor in doctors for line in doctor.slots)
    busy = sum(doctor.busy_minutes for doctor in doctors)
    session = minutes(local(hospital.day, SESSION_END) - local(hospital.day, SESSION_START)) * len(
        doctors
    )
    events = TokenEvent.objects.filter(doctor_day__in=days)
    freed = Counter(
        (kind, at >= day_start)
        for kind, at in events.filter(
            kind__in=(EventKind.CANCELLED, EventKind.NO_SHOW, EventKind.PROMOTED)
        )
        .values_list("kind", "at")
        .order_by("id")
    )
    cancelled = freed[EventKind.CANCELLED, False] + freed[EventKind.CANCELLED, True]
    no_shows = freed[EventKind.NO_SHOW, False] + freed[EventKind.NO_SHOW, True]
    refilled = freed[EventKind.PROMOTED, False] + freed[EventKind.PROMOTED, True]
    refunds = Refund.objects.filter(token__doctor_day__in=days).aggregate(
        n=Count("id"), amount=Sum("amount")
    )
    carried = TokenEvent.objects.filter(
        doctor_day__in=list(hospital.next_days.values()), kind=EventKind.WAITLISTED
    ).count()
    past = Token.objects.filter(
        doctor_day__in=list(hospital.history_days.values()), status=TokenStatus.COMPLETED
    ).count()
    emergencies = next(line for line in sources if line.source == Source.EMERGENCY)
    overflow = sum(line.overflow for doctor in doctors for line in doctor.slots)
    last_done = max((doctor.last_done for doctor in doctors if doctor.last_done), default=None)
    return [
        ("seats", f"{seats} (effective {effective} after delays and cancelled slots)"),
        ("tokens issued", f"{sum(line.tokens for line in sources)}; seats held at the end {held}"),
        ("consultations", f"{done} completed; last one ended at {_when(last_done)}"),
        ("seat utilisation", f"{_pct(done, seats)} of seats ended in a completed consultation"),
        (
            "doctor utilisation",
            f"{_pct(busy, session)} of the doctors' session time spent consulting",
        ),
        (
            "seats freed",
            f"{cancelled + no_shows} ({cancelled} cancellations: "
            f"{freed[EventKind.CANCELLED, False]} before the day; {no_shows} no-shows)",
        ),
        (
            "seats refilled",
            f"{refilled} from the waiting list ({freed[EventKind.PROMOTED, False]} before the day, "
            f"{freed[EventKind.PROMOTED, True]} on the day)",
        ),
        ("refunds requested", f"{refunds['n']} ({refunds['amount'] or 0:.2f})"),
        ("carried over", f"{carried} waiting entries moved to the next working day"),
        (
            "emergencies",
            f"{emergencies.tokens} admitted, {overflow} past capacity and reserve; "
            f"request to consultation mean {_num(emergencies.mean_wait)} min, "
            f"p90 {_num(emergencies.p90_wait)} min, "
            f"max {_num(max(emergencies.waits, default=None))} min",
        ),
        ("past visits", f"{past} consultations completed in earlier weeks (follow-up eligibility)"),
    ]


def _event_counts(days, day) -> list[tuple[str, int, int]]:
    day_start = local(day, time(0, 0))
    counts = Counter(
        (kind, at >= day_start)
        for kind, at in TokenEvent.objects.filter(doctor_day__in=days)
        .values_list("kind", "at")
        .order_by("id")
    )
    return [
        (kind.value, counts[kind.value, False], counts[kind.value, True])
        for kind in EventKind
        if counts[kind.value, False] or counts[kind.value, True]
    ]


def _timeline(
    days, day, last_event: datetime | None
) -> tuple[list[datetime], dict[str, list[int]]]:
    start = local(day, TIMELINE_FROM)
    end = max(last_event or start, local(day, SESSION_END)) + timedelta(minutes=TIMELINE_STEP)
    buckets = int(minutes(end - start) // TIMELINE_STEP) + 1
    series = {kind.value: [0] * buckets for kind in TIMELINE_KINDS}
    events = TokenEvent.objects.filter(doctor_day__in=days, at__gte=start, kind__in=TIMELINE_KINDS)
    for kind, at in events.values_list("kind", "at").order_by("id"):
        index = int(minutes(at - start) // TIMELINE_STEP)
        if index < buckets:
            series[kind][index] += 1
    starts = [start + timedelta(minutes=TIMELINE_STEP * n) for n in range(buckets)]
    return starts, series


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _num(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "-"


# Text ------------------------------------------------------------------------------------------


def _is_number(cell) -> bool:
    if isinstance(cell, int | float):
        return True
    return cell in ("", "-") or cell.replace(".", "", 1).isdigit()


def table(headers: list[str], rows: list[list], indent: str = "  ") -> list[str]:
    """A plain fixed-width table: numbers right-aligned, text left-aligned."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[n]) for row in cells) for n in range(len(headers))]
    numeric = [n > 0 and all(_is_number(row[n]) for row in rows) for n in range(len(headers))]
    lines = []
    for row in cells:
        parts = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ]
        lines.append((indent + "  ".join(parts)).rstrip())
    return lines


SLOT_HEADERS = [
    "slot", "cap", "eff", *[SHORT[s] for s in SOURCES], "tot",
    "bmp+", "bmp-", "mov+", "mov-", "can", "nos", "emg+", "ovf", "done",
]  # fmt: skip


def slot_row(line: SlotLine) -> list:
    start = timezone.localtime(line.start)
    label = f"{start:%H:%M}" + (" cancelled" if line.cancelled_slot else "")
    return [
        label, line.capacity, line.effective, *[line.held.get(s, 0) for s in SOURCES],
        line.total, line.bumped_in, line.bumped_out, line.moved_in, line.moved_out,
        line.cancelled, line.no_show, line.emergencies, line.overflow, line.completed,
    ]  # fmt: skip


def doctor_title(doctor: DoctorLine) -> str:
    parts = [
        f"{doctor.prefix} {doctor.name}",
        doctor.department,
        f"mean {doctor.mean_minutes:.1f} min (running average now {doctor.running_average:.2f})",
        f"busy {doctor.busy_minutes:.0f} min",
    ]
    if doctor.first_call:
        parts.append(
            f"first call {_when(doctor.first_call)[-5:]}, last done {_when(doctor.last_done)[-5:]}"
        )
    if doctor.delay_minutes:
        parts.append(f"{doctor.delay_minutes} min late")
    return " | ".join(parts)


SOURCE_HEADERS = [
    "source", "tokens", "waitlisted", "promoted", "gave up", "expired", "cancelled", "no-show",
    "seen", "wait mean", "wait p90",
]  # fmt: skip


def source_row(line: SourceLine) -> list:
    return [
        line.label, line.tokens, line.waitlisted, line.promoted, line.gave_up, line.expired,
        line.cancelled, line.no_show, line.seen, _num(line.mean_wait), _num(line.p90_wait),
    ]  # fmt: skip


def hourly(report: DayReport) -> tuple[list[str], list[list]]:
    """The timeline folded into hours, for the terminal."""
    hours: dict[str, Counter] = {}
    for n, start in enumerate(report.timeline_starts):
        label = f"{timezone.localtime(start):%H}:00"
        bucket = hours.setdefault(label, Counter())
        for kind, counts in report.timeline.items():
            bucket[kind] += counts[n]
    kinds = [kind.value for kind in TIMELINE_KINDS]
    rows = [
        [label, *[counts[kind] for kind in kinds]]
        for label, counts in hours.items()
        if any(counts.values())
    ]
    return ["hour", *[kind.replace("_", " ") for kind in kinds]], rows


def render_text(report: DayReport) -> list[str]:
    """The deterministic body of the report (timing lines are the command's)."""
    lines = [
        "SIMULATED DAY - a synthetic hospital: every department, doctor, patient and booking",
        "below is simulated (SIM departments, doctors S.., 'Sim Patient' patients);",
        "no real row is read or changed.",
        "",
    ]
    width = max(len(label) for label, _ in report.header)
    lines += [f"{label.ljust(width)}  {value}" for label, value in report.header]
    lines += ["", "PER DOCTOR AND SLOT", f"  ({LEGEND})"]
    for doctor in report.doctors:
        lines += ["", doctor_title(doctor)]
        lines += table(SLOT_HEADERS, [slot_row(line) for line in doctor.slots])
    lines += [
        "",
        "PER SOURCE (wait = minutes from arrival to the doctor's call; arrival is the",
        "request at the desk for walk-ins and emergencies, the check-in for booked patients)",
    ]
    lines += table(SOURCE_HEADERS, [source_row(line) for line in report.sources])
    lines += ["", "TOTALS"]
    width = max(len(label) for label, _ in report.totals)
    lines += [f"  {label.ljust(width)}  {value}" for label, value in report.totals]
    lines += ["", "EVENTS (token events written)"]
    lines += table(["kind", "before the day", "on the day"], [list(row) for row in report.events])
    headers, rows = hourly(report)
    lines += ["", "TIMELINE (events per hour on the day)"]
    lines += table(headers, rows)
    lines += ["", "REFUSALS (domain errors by code and the service that refused)"]
    lines += (
        table(["code", "service", "count"], [list(row) for row in report.refusals])
        if report.refusals
        else ["  none"]
    )
    lines += [
        "",
        "INVARIANTS (scheduling.invariants.check_invariants over the simulated doctor-days)",
    ]
    lines += [f"  FAILED: {problem}" for problem in report.problems] or ["  all held"]
    if report.estimates is not None:
        lines += ["", *estimate_lines(report.estimates)]
    return lines


ESTIMATE_HEADERS = [
    "shown", "n", "mean err", "p90 err", "in range", "baseline mean", "baseline p90",
]  # fmt: skip


def estimate_row(line) -> list:
    share = f"{100 * line.in_range:.1f}%" if line.in_range is not None else "-"
    return [
        line.label, line.count, _num(line.mean), _num(line.p90), share,
        _num(line.baseline_mean), _num(line.baseline_p90),
    ]  # fmt: skip


def miss_row(miss) -> list:
    return [
        miss.token,
        _when(miss.made_at)[-5:],
        _when(miss.estimate)[-5:],
        _when(miss.called_at)[-5:],
        f"{miss.minutes:+.0f}",
        miss.cause,
    ]


MISS_HEADERS = ["token", "checked in", "estimated", "called", "min", "likely cause"]


def estimate_lines(estimates: EstimateReport) -> list[str]:
    """The ESTIMATES block: errors (minutes, absolute, estimate against the real call) of the
    forward estimate beside the earlier rule's (baseline), and the range's hit share."""
    lines = [
        "ESTIMATES (call-time estimates shown to patients against the real call; absolute error in",
        "minutes; 'in range' = calls between the range's ends; baseline = tokens ahead x average)",
    ]
    lines += table(ESTIMATE_HEADERS, [estimate_row(line) for line in estimates.by_kind])
    lines += ["", "  by how far ahead of the call the estimate was shown"]
    lines += table(ESTIMATE_HEADERS, [estimate_row(line) for line in estimates.by_ahead])
    lines += ["", "  by source"]
    lines += table(ESTIMATE_HEADERS, [estimate_row(line) for line in estimates.by_source])
    lines += [
        "",
        f"  observations {estimates.observations}; queues checked {estimates.snapshots} times",
        f"  monotonicity violations along the serving order: {estimates.violations} "
        f"(baseline {estimates.baseline_violations})",
        "",
        "  largest misses at check-in",
    ]
    lines += (
        table(MISS_HEADERS, [miss_row(miss) for miss in estimates.misses])
        if estimates.misses
        else ["  none"]
    )
    lines += ["", *[f"{key} {_figure(value)}" for key, value in estimates.figures().items()]]
    return lines


def _figure(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def invariant_lines(problems: list[str]) -> tuple[list[str], str]:
    """What failed, and the closing line."""
    failed = [f"invariant failed: {problem}" for problem in problems]
    return failed, f"invariants held: {'no' if problems else 'yes'}"


# HTML ------------------------------------------------------------------------------------------


def render_html(report: DayReport) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, every text escaped."""
    headers, rows = hourly(report)
    context = {
        "report": report,
        "legend": LEGEND,
        "slot_headers": SLOT_HEADERS,
        "doctors": [
            (doctor_title(doctor), [slot_row(line) for line in doctor.slots])
            for doctor in report.doctors
        ],
        "source_headers": SOURCE_HEADERS,
        "sources": [source_row(line) for line in report.sources],
        "hourly_headers": headers,
        "hourly": rows,
        "occupancy_svg": mark_safe(charts.occupancy(report.doctors)),  # noqa: S308 - built escaped
        "waits_svg": mark_safe(charts.waits(report.sources)),  # noqa: S308 - built escaped
        "timeline_svg": mark_safe(charts.timeline(report.timeline_starts, report.timeline)),  # noqa: S308
        "estimate_headers": ESTIMATE_HEADERS,
        "miss_headers": MISS_HEADERS,
        "estimates": _estimate_context(report.estimates),
    }
    return render_to_string("queueing/simulation_report.html", context)


def _estimate_context(estimates: EstimateReport | None) -> dict | None:
    if estimates is None:
        return None
    return {
        "by_kind": [estimate_row(line) for line in estimates.by_kind],
        "by_ahead": [estimate_row(line) for line in estimates.by_ahead],
        "by_source": [estimate_row(line) for line in estimates.by_source],
        "misses": [miss_row(miss) for miss in estimates.misses],
        "violations": estimates.violations,
        "baseline_violations": estimates.baseline_violations,
        "observations": estimates.observations,
        "snapshots": estimates.snapshots,
        "figures": [(key, _figure(value)) for key, value in estimates.figures().items()],
    }
