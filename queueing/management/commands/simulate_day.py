"""Simulate one OPD day on a synthetic hospital through the real engine, and report on it."""

import time as wallclock
from argparse import BooleanOptionalAction
from datetime import date, time, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max

from opd_site import clock
from queueing.simulation.demand import SCENARIOS
from queueing.simulation.hospital import HospitalInUse, local, next_monday, sim_doctor_days
from queueing.simulation.report import build_report, invariant_lines, render_html, render_text
from queueing.simulation.runner import simulate
from scheduling.invariants import check_invariants
from scheduling.management.arguments import iso_date, positive_int
from scheduling.models import TokenEvent

HISTORY_START = timedelta(days=14)  # the clock starts before the first past visit


def _relax_commit_flush() -> None:
    """On PostgreSQL, this connection's commits stop waiting for the WAL flush.

    The simulated rows are synthetic: losing the last moments of them in a server crash costs
    nothing, and each of the day's thousands of one-change transactions no longer waits for the
    disk. Atomicity, isolation and the engine's locks are unchanged.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


class Command(BaseCommand):
    help = (
        "Simulate one OPD day on a synthetic hospital (SIM departments, doctors S01.., patients "
        "'Sim Patient 0001'..) through the real engine, with the clock moved to each event's "
        "simulated time, then report on it from the database. Real bookings are never touched; "
        "the previous simulated hospital is removed first. Exits 1 if an invariant fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--doctors", type=positive_int, default=3, help="Number of doctors (default 3)."
        )
        parser.add_argument(
            "--date",
            type=iso_date,
            default=None,
            help="The simulated date, YYYY-MM-DD (default: the next Monday after today).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same report."
        )
        parser.add_argument(
            "--patients",
            type=positive_int,
            default=None,
            help="Total demand in patients (default: the scenario's load times the day's seats; "
            "1.1 for normal).",
        )
        parser.add_argument(
            "--scenario",
            choices=sorted(SCENARIOS),
            default="normal",
            help="; ".join(f"{name}: {scenario.summary}" for name, scenario in SCENARIOS.items()),
        )
        parser.add_argument(
            "--html", type=Path, default=None, help="Also write a self-contained HTML report here."
        )
        parser.add_argument(
            "--timing",
            action=BooleanOptionalAction,
            default=True,
            help="Print wall time and events per second at the end (default on; --no-timing for "
            "a repeatable report).",
        )
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="Only re-check the invariants of the simulated hospital already in the database.",
        )

    def handle(self, *args, **options):
        began = wallclock.perf_counter()
        day = options["date"] or next_monday(clock.today())
        if options["check_only"]:
            return self._check_only(day, options["timing"], began)
        _relax_commit_flush()
        with clock.frozen(local(day - HISTORY_START, time(7, 0))) as frozen:
            try:
                run = simulate(
                    day=day,
                    doctors=options["doctors"],
                    patients=options["patients"],
                    scenario=options["scenario"],
                    seed=options["seed"],
                    clock=frozen,
                )
            except HospitalInUse as exc:
                raise CommandError(str(exc)) from exc
            simulated = wallclock.perf_counter() - began
            report = build_report(
                hospital=run.hospital,
                plan=run.plan,
                stats=run.stats,
                seed=options["seed"],
                observer=run.observer,
            )
            lines = render_text(report)
            if options["html"] is not None:
                options["html"].write_text(render_html(report), encoding="utf-8")
                lines.append(f"html report written to {options['html']}")
        failed, verdict = invariant_lines(report.problems)
        for line in [*lines, *failed]:
            self.stdout.write(line)
        if options["timing"]:
            wall = wallclock.perf_counter() - began
            self.stdout.write(f"wall_time_s {wall:.2f}")
            self.stdout.write(f"events_per_s {run.stats.events / wall:.1f}")
            self.stdout.write(f"service_calls_per_s {run.stats.service_calls / wall:.1f}")
            self.stdout.write(f"simulation_s {simulated:.2f} report_s {wall - simulated:.2f}")
            for name, seconds in run.stats.seconds.most_common():
                calls = run.stats.calls[name]
                per_call = 1000 * seconds / calls
                self.stdout.write(
                    f"service_s {name} {seconds:.2f} calls {calls} ms_per_call {per_call:.1f}"
                )
        self._verdict(verdict, report.problems)

    def _check_only(self, day: date, timing: bool, began: float) -> None:
        days = sim_doctor_days()
        if not days.filter(date=day).exists():
            raise CommandError(f"No simulated hospital on {day:%Y-%m-%d}; run simulate_day first.")
        ended = TokenEvent.objects.filter(doctor_day__in=days).aggregate(at=Max("at"))["at"]
        with clock.frozen(ended or local(day, time(14, 0))):
            problems = check_invariants(days)
        failed, verdict = invariant_lines(problems)
        for line in failed:
            self.stdout.write(line)
        if timing:
            self.stdout.write(f"wall_time_s {wallclock.perf_counter() - began:.2f}")
        self._verdict(verdict, problems)

    def _verdict(self, verdict: str, problems: list[str]) -> None:
        self.stdout.write(verdict)
        if problems:
            raise CommandError(f"{len(problems)} invariant(s) failed.", returncode=1)
