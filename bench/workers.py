"""Run one booking loop in N separate processes, started together, for a fixed time.

Processes are forked from the bench process after it has closed its database connections, so
each opens its own; setup happens before a barrier, so connecting and loading are not timed.
"""

import multiprocessing as mp
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from bench.hospital import DayRef
from bench.stats import Measurement

SETUP_TIMEOUT_S = 180


class PoolExhausted(Exception):
    """The worker booked every patient of its pool on the current hot day."""


@dataclass(frozen=True)
class Schedule:
    """Which doctor-day and patient a worker books next.

    ``spread``: each worker walks the day list from its own offset, so workers rarely meet on
    a day. ``hot``: every worker books the same day; the hot day rolls over to a fresh one every
    ``hot_day_seconds`` so no day grows past what a busy doctor sees in a morning.
    """

    mode: str
    days: list[DayRef]
    patients: list[int]
    offset: int
    hot_day_seconds: float

    def picker(self):
        days, patients, count = self.days, self.patients, len(self.days)
        if self.mode == "spread":
            j = 0

            def pick(elapsed: float) -> tuple[DayRef, int]:
                nonlocal j
                ref = days[(self.offset + j) % count]
                patient = patients[(j // count) % len(patients)]
                j += 1
                return ref, patient

            return pick
        state = {"epoch": -1, "k": 0}

        def pick_hot(elapsed: float) -> tuple[DayRef, int]:
            epoch = min(int(elapsed / self.hot_day_seconds), count - 1)
            if epoch != state["epoch"]:
                state["epoch"], state["k"] = epoch, 0
            if state["k"] >= len(patients):
                raise PoolExhausted()
            state["k"] += 1
            return days[epoch], patients[state["k"] - 1]

        return pick_hot


def process_cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) a local process has used, from /proc; None if unreadable.

    CPU per booking is the figure a shared machine disturbs least: other load stretches wall
    time, not the work each booking costs.
    """
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_main(kind, index, payload, barriers, start_at, seconds, queue):
    result = Measurement(name=kind, clients=1)
    try:
        if kind.startswith("policy"):
            from bench.sqlpolicy import prepare
        elif kind.startswith("django"):
            from bench.djangopolicy import prepare
        elif kind.startswith("sql"):
            from bench.sqlbase import prepare
        elif kind.startswith("orm"):
            from bench.ormbase import prepare
        else:
            from bench.engine import prepare
        book, backend_pid = prepare(index=index, payload=payload)
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the phase
        result.first_error = traceback.format_exc()
        barriers[0].abort()
        queue.put(result)
        return
    try:
        barriers[0].wait(SETUP_TIMEOUT_S)
        barriers[1].wait(SETUP_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - another worker failed its setup: stop too
        result.first_error = "setup aborted"
        queue.put(result)
        return
    start = start_at.value
    time.sleep(max(0.0, start - time.time()))
    deadline = start + seconds
    pick = payload["schedule"].picker()
    latencies = result.latencies_s
    exhausted = 0
    cpu_started, db_cpu_started = time.process_time(), process_cpu_s(backend_pid)
    while (now := time.time()) < deadline:
        try:
            ref, patient_id = pick(now - start)
        except PoolExhausted:
            exhausted += 1
            time.sleep(0.005)
            continue
        began = time.perf_counter()
        try:
            book(ref, patient_id)
        except Exception as exc:  # noqa: BLE001 - counted; the first one is shown
            result.errors += 1
            if not result.first_error:
                result.first_error = f"{type(exc).__name__}: {exc}"
            key = type(exc).__name__
            result.statuses[key] = result.statuses.get(key, 0) + 1
        else:
            result.ok += 1
        latencies.append(time.perf_counter() - began)
    result.elapsed_s = time.time() - start
    result.notes["client_cpu_s"] = time.process_time() - cpu_started
    db_cpu = process_cpu_s(backend_pid)
    if db_cpu is not None and db_cpu_started is not None:
        result.notes["db_cpu_s"] = db_cpu - db_cpu_started
    if exhausted:
        result.notes["pool_exhausted_waits"] = exhausted
    queue.put(result)


def run(*, kind: str, payloads: list[dict], seconds: float) -> Measurement:
    """Start one process per payload, release them together, and merge what they measured."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    # Two barriers: everyone is ready; then the start time is set and everyone goes.
    barriers = (ctx.Barrier(len(payloads) + 1), ctx.Barrier(len(payloads) + 1))
    start_at = ctx.Value("d", 0.0)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker_main,
            args=(kind, i, payload, barriers, start_at, seconds, queue),
            name=f"bench-{kind}-{i}",
        )
        for i, payload in enumerate(payloads)
    ]
    for proc in procs:
        proc.start()
    total = Measurement(name=kind, clients=len(payloads))
    failed = False
    try:
        barriers[0].wait(SETUP_TIMEOUT_S)
        start_at.value = time.time() + 0.05
        barriers[1].wait(SETUP_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - a worker failed during setup; collect its report
        failed = True
        barriers[1].abort()
    results = [queue.get(timeout=SETUP_TIMEOUT_S + seconds + 60) for _ in procs]
    for proc in procs:
        proc.join(30)
    if failed:
        reports = [
            r.first_error for r in results if r.first_error and r.first_error != "setup aborted"
        ]
        raise RuntimeError(f"{kind} workers failed to start:\n" + "\n".join(reports))
    for result in results:
        total.merge(result)
    total.clients = len(payloads)
    return total
