"""The simulated day against the baseline: ``manage.py simulate_day`` timed on the bench database.

The command plays one OPD day of a synthetic hospital (its own SIM departments, doctors and
patients) through the real services, one call after another in one process, and prints a report
that ends with its timing lines::

    tokens issued       2032; seats held at the end 1815     (in the TOTALS block)
    wall_time_s 86.89
    simulation_s 82.46 report_s 4.43
    service_s request_token 30.18 calls 2444 ms_per_call 12.3
    invariants held: yes

The simulated part (``simulation_s``: building the hospital and playing the day) is held to the
time the SQL baseline needs for the same number of tokens; the report part (reading the day back
and checking the invariants) is printed but not compared.
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bench.config import REPO, RESULTS, bench_process_env

SEED = 1
OUTPUT = "simulate_day.txt"
# The day's size: the target's 300 doctors in the full run (about two minutes on two cores). The
# day's time and its tokens both grow in proportion to the doctors, so the quick run's smaller
# day gives about the same ratio.
FULL_DOCTORS = 300
QUICK_DOCTORS = 20


def default_doctors(*, quick: bool) -> int:
    return QUICK_DOCTORS if quick else FULL_DOCTORS


def timeout_s(doctors: int) -> float:
    """Generous: about a second per doctor on two busy cores, six allowed."""
    return 120 + 6 * doctors


_TOKENS = re.compile(r"^\s*tokens issued\s+(\d+)\b", re.MULTILINE)
_WALL = re.compile(r"^wall_time_s\s+([\d.]+)\s*$", re.MULTILINE)
_SPLIT = re.compile(r"^simulation_s\s+([\d.]+)\s+report_s\s+([\d.]+)\s*$", re.MULTILINE)
_SERVICE = re.compile(
    r"^service_s\s+(\w+)\s+([\d.]+)\s+calls\s+(\d+)\s+ms_per_call\s+([\d.]+)\s*$", re.MULTILINE
)
_ESTIMATE = re.compile(r"^(sim_estimate_\w+)\s+([\d.]+)\s*$", re.MULTILINE)
_VERDICT = re.compile(r"^invariants held:\s+(yes|no)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class ServiceTime:
    seconds: float
    calls: int
    ms_per_call: float


@dataclass
class SimOutput:
    """What ``simulate_day`` printed; ``None`` where a line was missing."""

    tokens: int | None = None
    wall_s: float | None = None
    simulation_s: float | None = None
    report_s: float | None = None
    invariants_held: bool | None = None
    services: dict[str, ServiceTime] = field(default_factory=dict)
    estimates: dict[str, float] = field(default_factory=dict)


def parse(text: str) -> SimOutput:
    """Read the figures the bench needs out of the command's output."""
    out = SimOutput()
    if match := _TOKENS.search(text):
        out.tokens = int(match.group(1))
    if match := _WALL.search(text):
        out.wall_s = float(match.group(1))
    if match := _SPLIT.search(text):
        out.simulation_s, out.report_s = float(match.group(1)), float(match.group(2))
    if match := _VERDICT.search(text):
        out.invariants_held = match.group(1) == "yes"
    for key, value in _ESTIMATE.findall(text):
        out.estimates[key] = float(value)
    for name, seconds, calls, per_call in _SERVICE.findall(text):
        out.services[name] = ServiceTime(float(seconds), int(calls), float(per_call))
    return out


def seconds_for(tokens: int | None, per_s: float | None) -> float | None:
    """How long ``tokens`` bookings take at ``per_s`` bookings per second."""
    if tokens is None or not per_s or per_s <= 0:
        return None
    return tokens / per_s


def time_ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator or denominator <= 0:
        return None
    return numerator / denominator


ESTIMATE_KEYS = (
    "sim_estimate_p90_error_min_checkin",
    "sim_estimate_in_range_share",
    "sim_estimate_monotone_violations",
    "sim_estimate_baseline_p90_error_min_checkin",
)


def figures(
    out: SimOutput, *, doctors: int, sql_per_s: float, orm_per_s: float, workers: int
) -> dict[str, object]:
    """The summary lines of the phase, in the order they are printed.

    The baseline's rate is that of all ``workers`` together; the simulation is one process, so
    ``sim_vs_sql_single_worker_time_ratio`` also holds it to one worker's share of that rate.
    """
    request_token = out.services.get("request_token")
    baseline_s = seconds_for(out.tokens, sql_per_s)
    single_worker_s = seconds_for(out.tokens, sql_per_s / workers if workers > 0 else None)
    orm_floor_s = seconds_for(out.tokens, orm_per_s)
    return {
        "sim_doctors": doctors,
        "sim_tokens": out.tokens,
        "sim_wall_s": out.wall_s,
        "sim_simulation_s": out.simulation_s,
        "sim_report_s": out.report_s,
        "sim_invariants_held": out.invariants_held,
        "sim_request_token_calls": request_token.calls if request_token else None,
        "sim_request_token_ms_per_call": request_token.ms_per_call if request_token else None,
        "sim_baseline_s": baseline_s,
        "sim_vs_sql_time_ratio": time_ratio(out.simulation_s, baseline_s),
        "sim_vs_sql_single_worker_time_ratio": time_ratio(out.simulation_s, single_worker_s),
        "sim_orm_floor_s": orm_floor_s,
        "sim_vs_orm_floor_time_ratio": time_ratio(out.simulation_s, orm_floor_s),
        **{key: out.estimates.get(key) for key in ESTIMATE_KEYS},
    }


KEYS = tuple(figures(SimOutput(), doctors=0, sql_per_s=0, orm_per_s=0, workers=1))


def simulated_date() -> date:
    """The command's own default day."""
    from opd_site import clock
    from queueing.simulation.hospital import next_monday

    return next_monday(clock.today())


def count_tokens(day: date) -> int:
    """Tokens on the simulated doctor-days of ``day``, when the report did not say."""
    from queueing.simulation.hospital import sim_doctor_days
    from scheduling.models import Token

    return Token.objects.filter(doctor_day__in=sim_doctor_days().filter(date=day)).count()


class SimulationFailed(Exception):
    """The command did not run to its verdict (it crashed or timed out)."""


def run(*, url: str, doctors: int, log: Callable[[str], None]) -> tuple[SimOutput, float]:
    """Run ``simulate_day`` against the bench database; what it printed and the subprocess's
    own wall time. The full output is saved to ``bench/results/simulate_day.txt``."""
    day = simulated_date()
    command = [
        sys.executable,
        "manage.py",
        "simulate_day",
        "--doctors",
        str(doctors),
        "--seed",
        str(SEED),
        "--date",
        day.isoformat(),
    ]
    log(f"simulate_day --doctors {doctors} --seed {SEED} --date {day} (one process)")
    started = time.perf_counter()
    limit = timeout_s(doctors)
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            command,
            cwd=REPO,
            env={**os.environ, **bench_process_env(url)},
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SimulationFailed(f"simulate_day did not finish in {limit:.0f}s") from exc
    took = time.perf_counter() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = RESULTS / OUTPUT
    saved.write_text(done.stdout + done.stderr, encoding="utf-8")
    out = parse(done.stdout)
    # Exit status 1 with a verdict is a day whose invariants failed: measured, not crashed.
    if out.invariants_held is None or out.simulation_s is None:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SimulationFailed(
            f"simulate_day exited {done.returncode} without its timing and verdict "
            f"(output in {saved}):\n{tail}"
        )
    if out.tokens is None:
        out.tokens = count_tokens(day)
        log(f"tokens counted in the database: {out.tokens}")
    log(f"simulate_day output saved to {saved}")
    return out, took
