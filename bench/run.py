"""Entry point of ``make bench``: the engine and the API measured against bare SQL, same run.

    .venv/bin/python bench/run.py            # full run, under ten minutes
    .venv/bin/python bench/run.py --quick    # about two minutes

Phases: set up the bench database and hospital; the SQL baseline (spread over many
doctor-days, then one hot doctor-day); the ORM floor (the same transaction through the Django
ORM, the same two shapes); the engine in process (the same two shapes); the query count of one
booking; the HTTP API under gunicorn (the HTTP floor, bookings, the storm, reads); a simulated
OPD day (``manage.py simulate_day``) held to the baseline's time for as many tokens. Every run
ends with one summary block of ``key value`` lines, also saved to ``bench/results/latest.txt``.
"""

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import config, database, simday, workers
from bench.report import Summary
from bench.stats import Measurement, ratio

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short phases (about two minutes)")
    parser.add_argument("--workers", type=int, help="processes for the SQL and engine phases")
    parser.add_argument("--http-clients", type=int, help="concurrent HTTP clients (default 32)")
    parser.add_argument("--skip-http", action="store_true", help="leave out the HTTP phases")
    parser.add_argument(
        "--sim-doctors",
        type=int,
        help=f"doctors of the simulated day (default {simday.FULL_DOCTORS}, "
        f"{simday.QUICK_DOCTORS} with --quick; the target's size is 300; 0 leaves it out)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 unless every target is met"
    )
    return parser.parse_args(argv)


def setup(url: str, plan: config.Plan, summary: Summary):
    log(f"recreating {config.database_name(url)} and migrating")
    database.recreate(url)
    took = database.migrate(url)
    log(f"migrated in {took:.1f}s")
    config.configure_django(url)
    from bench import hospital

    started = time.perf_counter()
    built = hospital.build(
        workers=plan.workers, http_clients=plan.http_clients, storm_requests=plan.storm_requests
    )
    log(f"hospital built in {time.perf_counter() - started:.1f}s")
    log(f"ANALYZE of the bench database: {database.analyze(url):.1f}s")
    for key, value in database.server_settings(url).items():
        summary[f"pg_{key}"] = value
    return built


def payloads(url: str, plan: config.Plan, hospital, phase: str, mode: str) -> list[dict]:
    days = hospital.spread[phase] if mode == "spread" else hospital.hot[phase]
    stride = max(1, len(days) // plan.workers)
    return [
        {
            "url": url,
            "schedule": workers.Schedule(
                mode=mode,
                days=days,
                patients=hospital.patient_pools[w],
                offset=w * stride,
                hot_day_seconds=plan.hot_day_seconds,
            ),
        }
        for w in range(plan.workers)
    ]


LOADS: list[float] = []


def note_load() -> float:
    """The 1-minute load average: on a shared machine, the context every figure needs."""
    load = os.getloadavg()[0]
    LOADS.append(load)
    return load


def measure(
    kind: str, url: str, plan: config.Plan, hospital, phase: str, mode: str, seconds: float
):
    note_load()
    result = workers.run(
        kind=kind, payloads=payloads(url, plan, hospital, phase, mode), seconds=seconds
    )
    result.name = f"{kind} {mode}"
    log(f"{result.line()} {cpu_text(result)} load {note_load():.1f}")
    return result


def cpu_per_token_ms(result: Measurement, key: str) -> float | None:
    value = result.notes.get(key)
    return 1000 * value / result.ok if value is not None and result.ok else None


def cpu_text(result: Measurement) -> str:
    client, db = cpu_per_token_ms(result, "client_cpu_s"), cpu_per_token_ms(result, "db_cpu_s")
    parts = [f"client cpu {client:.2f} ms/token" if client is not None else ""]
    parts.append(f"db cpu {db:.2f} ms/token" if db is not None else "")
    return " ".join(p for p in parts if p)


def days_with_gaps(hospital, phase: str) -> int:
    """Baseline and floor tokens must be gap-free per day too, or they are not doing the work."""
    from bench.ormbase import days_with_gaps as gaps

    return gaps(hospital.spread[phase] + hospital.hot[phase])


def engine_invariants(hospital) -> list[str]:
    from scheduling.invariants import check_invariants
    from scheduling.models import DoctorDay, Token

    days = [ref.doctor_day_id for ref in hospital.spread["engine"] + hospital.hot["engine"]]
    touched = Token.objects.filter(doctor_day_id__in=days).values("doctor_day_id").distinct()
    return check_invariants(DoctorDay.objects.filter(pk__in=touched))


def run_sql_and_engine(
    url: str, plan: config.Plan, hospital, summary: Summary
) -> dict[str, Measurement]:
    results = {
        "sql_spread": measure("sql", url, plan, hospital, "sql", "spread", plan.sql_seconds),
        "sql_hot": measure("sql", url, plan, hospital, "sql", "hot", plan.sql_seconds),
        "orm_spread": measure("orm_floor", url, plan, hospital, "orm", "spread", plan.sql_seconds),
        "orm_hot": measure("orm_floor", url, plan, hospital, "orm", "hot", plan.sql_seconds),
    }
    # The tokens table was nearly empty at the first ANALYZE; now that the phases above have
    # spread thousands of tokens over many days, refresh the statistics, as autovacuum keeps
    # them current in a database in use, before the phases that read tokens.
    log(f"ANALYZE after the baseline phases: {database.analyze(url):.1f}s")
    results["policy_spread"] = measure(
        "policy_floor", url, plan, hospital, "policy", "spread", plan.sql_seconds
    )
    results["django_spread"] = measure(
        "django_floor", url, plan, hospital, "django", "spread", plan.sql_seconds
    )
    results["engine_spread"] = measure(
        "engine", url, plan, hospital, "engine", "spread", plan.engine_seconds
    )
    results["engine_hot"] = measure(
        "engine", url, plan, hospital, "engine", "hot", plan.engine_seconds
    )
    sql, sql_hot = results["sql_spread"], results["sql_hot"]
    orm, orm_hot = results["orm_spread"], results["orm_hot"]
    engine, engine_hot = results["engine_spread"], results["engine_hot"]
    summary["sql_baseline_tokens_per_s"] = sql.per_s
    summary["sql_hot_tokens_per_s"] = sql_hot.per_s
    summary["sql_errors"] = sql.errors + sql_hot.errors
    summary["orm_floor_tokens_per_s"] = orm.per_s
    summary["orm_floor_hot_tokens_per_s"] = orm_hot.per_s
    summary["orm_floor_vs_sql_ratio"] = ratio(orm.per_s, sql.per_s)
    summary["orm_floor_hot_vs_sql_hot_ratio"] = ratio(orm_hot.per_s, sql_hot.per_s)
    summary["orm_floor_p50_ms"] = orm.ms(50)
    summary["orm_floor_p99_ms"] = orm.ms(99)
    summary["orm_floor_errors"] = orm.errors + orm_hot.errors
    policy, django = results["policy_spread"], results["django_spread"]
    for name, floor in (("policy_floor", policy), ("django_floor", django)):
        summary[f"{name}_tokens_per_s"] = floor.per_s
        summary[f"{name}_vs_sql_ratio"] = ratio(floor.per_s, sql.per_s)
        summary[f"{name}_p99_ms"] = floor.ms(99)
        summary[f"{name}_errors"] = floor.errors
    summary["engine_tokens_per_s"] = engine.per_s
    summary["engine_hot_tokens_per_s"] = engine_hot.per_s
    summary["engine_vs_sql_ratio"] = ratio(engine.per_s, sql.per_s)
    summary["engine_hot_vs_sql_hot_ratio"] = ratio(engine_hot.per_s, sql_hot.per_s)
    summary["engine_vs_orm_floor_ratio"] = ratio(engine.per_s, orm.per_s)
    summary["engine_hot_vs_orm_floor_hot_ratio"] = ratio(engine_hot.per_s, orm_hot.per_s)
    summary["engine_vs_policy_floor_ratio"] = ratio(engine.per_s, policy.per_s)
    summary["engine_p50_ms"] = engine.ms(50)
    summary["engine_p99_ms"] = engine.ms(99)
    summary["engine_hot_p99_ms"] = engine_hot.ms(99)
    summary["engine_errors"] = engine.errors + engine_hot.errors
    measured = {
        "sql": sql,
        "orm_floor": orm,
        "policy_floor": policy,
        "django_floor": django,
        "engine": engine,
    }
    for name, result in measured.items():
        summary[f"{name}_client_cpu_ms_per_token"] = cpu_per_token_ms(result, "client_cpu_s")
        summary[f"{name}_db_cpu_ms_per_token"] = cpu_per_token_ms(result, "db_cpu_s")
    # The baseline and the floors write their own tokens: each day's must be numbered 1..n.
    phases = {"sql": "sql", "orm_floor": "orm", "policy_floor": "policy", "django_floor": "django"}
    for name, phase in phases.items():
        summary[f"{name}_days_with_gaps"] = days_with_gaps(hospital, phase)
    started = time.perf_counter()
    problems = engine_invariants(hospital)
    took = time.perf_counter() - started
    log(f"engine invariants checked in {took:.1f}s: {len(problems)} problems")
    for problem in problems[:10]:
        log(f"  invariant: {problem}")
    summary["engine_invariant_violations"] = len(problems)
    return results


def count_queries(hospital, summary: Summary) -> None:
    from bench.engine import count_token_request_queries

    ref = hospital.query_day
    count, statements = count_token_request_queries(
        doctor_id=ref.doctor_id, day=ref.day, patient_id=hospital.query_patient_id
    )
    log(f"one request_token sent {count} queries:")
    for statement in statements:
        log(f"  {statement[:150]}")
    summary["token_request_queries"] = count


def run_http(
    url: str, plan: config.Plan, hospital, summary: Summary, sql_per_s: float
) -> list[str]:
    """The HTTP phases; the names of those that failed (the rest still ran)."""
    from bench import httpload

    return httpload.run_all(
        url=url, plan=plan, hospital=hospital, summary=summary, sql_per_s=sql_per_s, log=log
    )


HTTP_KEYS = (
    "http_floor_req_per_s",
    "http_floor_vs_sql_ratio",
    "http_floor_p50_ms",
    "http_floor_p99_ms",
    "http_floor_web_cpu_ms_per_req",
    "http_floor_db_cpu_ms_per_req",
    "http_vs_http_floor_ratio",
    "http_req_per_s",
    "http_vs_sql_ratio",
    "http_p50_ms",
    "http_p95_ms",
    "http_p99_ms",
    "storm_overbooked",
    "storm_duplicates",
    "storm_5xx",
    "storm_drain_s",
)


def httpload_api_available() -> bool:
    from bench import httpload

    return httpload.api_available()


def http_unmeasured(summary: Summary) -> None:
    for key in HTTP_KEYS:
        summary[key] = None


def run_simulated_day(
    url: str, plan: config.Plan, doctors: int, results: dict[str, Measurement], summary: Summary
) -> None:
    """``simulate_day`` in one process on the bench database, against the baseline's time."""
    note_load()
    out, took = simday.run(url=url, doctors=doctors, log=log)
    figures = simday.figures(
        out,
        doctors=doctors,
        sql_per_s=results["sql_spread"].per_s,
        orm_per_s=results["orm_spread"].per_s,
        workers=plan.workers,
    )
    log(
        f"simulated day: {doctors} doctors, {out.tokens} tokens, simulation "
        f"{out.simulation_s:.1f}s + report {out.report_s or 0:.1f}s (subprocess {took:.1f}s), "
        f"invariants held {'yes' if out.invariants_held else 'no'}, "
        f"{figures['sim_vs_sql_time_ratio'] or 0:.1f}x the baseline's time, "
        f"load {note_load():.1f}"
    )
    for key, value in figures.items():
        summary[key] = value


def main(argv=None) -> int:
    args = parse_args(argv)
    plan = config.Plan.make(quick=args.quick, workers=args.workers, http_clients=args.http_clients)
    sim_doctors = (
        simday.default_doctors(quick=args.quick) if args.sim_doctors is None else args.sim_doctors
    )
    url = config.database_url()
    summary = Summary()
    summary["cores"] = os.cpu_count()
    summary["workers"] = plan.workers
    summary["http_clients"] = plan.http_clients
    summary["quick"] = plan.quick
    started = time.perf_counter()
    failed: list[str] = []
    hospital = setup(url, plan, summary)
    results = run_sql_and_engine(url, plan, hospital, summary)
    count_queries(hospital, summary)
    if args.skip_http:
        log("HTTP phases skipped (--skip-http)")
        http_unmeasured(summary)
    elif not httpload_api_available():
        log("HTTP phases skipped: /api/v1/tokens is not in the URL conf")
        http_unmeasured(summary)
    else:
        try:
            failed += run_http(url, plan, hospital, summary, results["sql_spread"].per_s)
        except Exception:  # noqa: BLE001 - the summary still prints, with the HTTP figures missing
            log("HTTP phases failed:\n" + traceback.format_exc())
            failed.append("http")
            for key in HTTP_KEYS:
                summary.figures.setdefault(key, None)
    if sim_doctors <= 0:
        log("simulated day skipped (--sim-doctors 0)")
        for key in simday.KEYS:
            summary[key] = None
        summary["sim_doctors"] = 0
    else:
        try:
            run_simulated_day(url, plan, sim_doctors, results, summary)
        except Exception:  # noqa: BLE001 - the summary still prints, with the day's figures missing
            log("simulated day failed:\n" + traceback.format_exc())
            failed.append("sim")
            for key in simday.KEYS:
                summary[key] = None
            summary["sim_doctors"] = sim_doctors
    summary["failed_phases"] = ",".join(failed) or "none"
    summary["load_1m_at_start"] = LOADS[0] if LOADS else None
    summary["load_1m_peak"] = max(LOADS) if LOADS else None
    summary["bench_seconds"] = time.perf_counter() - started
    text = summary.render()
    print(text, flush=True)
    log(f"saved to {summary.save(text)}")
    if args.strict and not summary.all_met():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
