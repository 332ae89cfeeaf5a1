"""The summary block: one ``key value`` line per figure, the targets, and the saved copy."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.config import RESULTS

ENGINE_RATIO_TARGET = 0.50
HTTP_RATIO_TARGET = 0.25
HTTP_P99_TARGET_MS = 100.0
QUERY_TARGET = 12
SIM_TIME_RATIO_TARGET = 2.0  # the simulated day within 2x the baseline's time for its tokens
# The web process against the bare stack, in the production configuration.
WEB_CPU_TARGET_MS = 7.0  # web CPU per booking POST
POST_QUERY_TARGET = 8  # statements per booking POST, counted in the server
FLOOR_RATIO_TARGET = 0.80  # the booking POST against the HTTP floor, the engine against the ORM's
DB_CPU_FACTOR_TARGET = 3.0  # database CPU per booking POST within 3x the bare transaction's
# The reads at 32 clients: (figure key, requests a second, p99 in ms or None).
READ_TARGETS = (
    ("status", 1500, 100.0),
    ("token_status", 1500, 100.0),
    ("board_rows", 1000, None),
    ("queue", 1000, None),
)


@dataclass
class Summary:
    """Figures in the order they are printed; ``None`` prints as ``n/a``."""

    figures: dict[str, object] = field(default_factory=dict)

    def __setitem__(self, key: str, value: object) -> None:
        self.figures[key] = value

    def get(self, key: str):
        return self.figures.get(key)

    def targets(self) -> dict[str, bool | None]:
        """Each target: met, missed, or not measured (None)."""
        f = self.figures

        http_clients = f.get("http_clients")
        return {
            "target_engine_ratio": _at_least(f, "engine_vs_sql_ratio", ENGINE_RATIO_TARGET),
            "target_http": (
                f["http_vs_sql_ratio"] >= HTTP_RATIO_TARGET
                and f["http_p99_ms"] < HTTP_P99_TARGET_MS
                and http_clients == 32
            )
            if _known(f, "http_vs_sql_ratio", "http_p99_ms")
            else None,
            "target_storm": (
                f["storm_overbooked"] == 0 and f["storm_duplicates"] == 0 and f["storm_5xx"] == 0
            )
            if _known(f, "storm_overbooked", "storm_duplicates", "storm_5xx")
            else None,
            "target_queries": _at_most(f, "token_request_queries", QUERY_TARGET),
            "target_sim": _at_most(f, "sim_vs_sql_time_ratio", SIM_TIME_RATIO_TARGET),
            "target_web_cpu": _at_most(f, "http_web_cpu_ms_per_req", WEB_CPU_TARGET_MS),
            "target_post_queries": _at_most(f, "http_token_post_queries", POST_QUERY_TARGET),
            "target_http_vs_floor": _at_least(f, "http_vs_http_floor_ratio", FLOOR_RATIO_TARGET),
            "target_engine_vs_orm_floor": _at_least(
                f, "engine_vs_orm_floor_ratio", FLOOR_RATIO_TARGET
            ),
            "target_db_cpu": f["http_db_cpu_ms_per_req"]
            <= DB_CPU_FACTOR_TARGET * f["sql_db_cpu_ms_per_token"]
            if _known(f, "http_db_cpu_ms_per_req", "sql_db_cpu_ms_per_token")
            else None,
            "target_reads": all(_read_met(f, *target) for target in READ_TARGETS)
            if all(_known(f, f"read_{key}_req_per_s") for key, _, _ in READ_TARGETS)
            else None,
        }

    def reachable(self) -> dict[str, bool | None]:
        """Whether each speed target can be met at all on this machine: the floors (the same
        transaction through the fixed stack, no policy) held to the same thresholds. A floor
        below a target means no engine written on this stack reaches it here. Not targets:
        they do not count towards ``targets_met``."""
        f = self.figures

        return {
            "engine_target_reachable": _at_least(f, "orm_floor_vs_sql_ratio", ENGINE_RATIO_TARGET),
            # Any engine in Django, hand-written SQL included: the engine's own statements
            # through Django's connection, with no ORM and no policy Python at all.
            "engine_target_reachable_in_django": _at_least(
                f, "django_floor_vs_sql_ratio", ENGINE_RATIO_TARGET
            ),
            # The same statements in raw psycopg, outside Django altogether.
            "engine_target_reachable_without_orm": _at_least(
                f, "policy_floor_vs_sql_ratio", ENGINE_RATIO_TARGET
            ),
            "http_target_reachable": (
                f["http_floor_vs_sql_ratio"] >= HTTP_RATIO_TARGET
                and f["http_floor_p99_ms"] < HTTP_P99_TARGET_MS
                and f.get("http_clients") == 32
            )
            if _known(f, "http_floor_vs_sql_ratio", "http_floor_p99_ms")
            else None,
            # The cheapest booking POST of this stack (8 statements, no policy) and the
            # cheapest public read (one cache read, no statement), at the same thresholds.
            "web_cpu_target_reachable": _at_most(
                f, "http_floor_web_cpu_ms_per_req", WEB_CPU_TARGET_MS
            ),
            "reads_target_reachable": _read_met(f, "floor", *READ_TARGETS[0][1:])
            if _known(f, "read_floor_req_per_s", "read_floor_p99_ms")
            else None,
            # The ORM floor's time for the day's tokens against the baseline's.
            "sim_target_reachable": f["sim_orm_floor_s"]
            <= SIM_TIME_RATIO_TARGET * f["sim_baseline_s"]
            if _known(f, "sim_orm_floor_s", "sim_baseline_s")
            else None,
        }

    def all_met(self) -> bool:
        return all(met is True for met in self.targets().values())

    def render(self) -> str:
        lines = ["==== OPD bench summary ===="]
        lines += [f"{key} {_fmt(value)}" for key, value in self.figures.items()]
        for key, met in {**self.targets(), **self.reachable()}.items():
            lines.append(f"{key} {'n/a' if met is None else 'yes' if met else 'no'}")
        lines.append(f"targets_met {'yes' if self.all_met() else 'no'}")
        lines.append("==== end of summary ====")
        return "\n".join(lines)

    def save(self, text: str) -> str:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / "latest.txt"
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        path.write_text(f"# {stamp}\n{text}\n", encoding="utf-8")
        return str(path)


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def _known(figures: dict, *keys: str) -> bool:
    return all(figures.get(key) is not None for key in keys)


def _at_most(figures: dict, key: str, limit: float) -> bool | None:
    """Whether the figure is at most ``limit``; None when it was not measured."""
    value = figures.get(key)
    return None if value is None else value <= limit


def _at_least(figures: dict, key: str, limit: float) -> bool | None:
    """Whether the figure is at least ``limit``; None when it was not measured."""
    value = figures.get(key)
    return None if value is None else value >= limit


def _read_met(figures: dict, key: str, per_s: float, p99_ms: float | None) -> bool:
    rate, p99 = figures.get(f"read_{key}_req_per_s"), figures.get(f"read_{key}_p99_ms")
    return (
        rate is not None
        and rate >= per_s
        and (p99_ms is None or (p99 is not None and p99 < p99_ms))
        and figures.get("http_clients") == 32
    )
