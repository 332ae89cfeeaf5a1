"""The summary block: one ``key value`` line per figure, the targets, and the saved copy."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.config import RESULTS

ENGINE_RATIO_TARGET = 0.50
HTTP_RATIO_TARGET = 0.25
HTTP_P99_TARGET_MS = 100.0
QUERY_TARGET = 12
SIM_TIME_RATIO_TARGET = 2.0  # the simulated day within 2x the baseline's time for its tokens


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

        def known(*keys):
            return all(f.get(k) is not None for k in keys)

        http_clients = f.get("http_clients")
        return {
            "target_engine_ratio": f["engine_vs_sql_ratio"] >= ENGINE_RATIO_TARGET
            if known("engine_vs_sql_ratio")
            else None,
            "target_http": (
                f["http_vs_sql_ratio"] >= HTTP_RATIO_TARGET
                and f["http_p99_ms"] < HTTP_P99_TARGET_MS
                and http_clients == 32
            )
            if known("http_vs_sql_ratio", "http_p99_ms")
            else None,
            "target_storm": (
                f["storm_overbooked"] == 0 and f["storm_duplicates"] == 0 and f["storm_5xx"] == 0
            )
            if known("storm_overbooked", "storm_duplicates", "storm_5xx")
            else None,
            "target_queries": f["token_request_queries"] <= QUERY_TARGET
            if known("token_request_queries")
            else None,
            "target_sim": f["sim_vs_sql_time_ratio"] <= SIM_TIME_RATIO_TARGET
            if known("sim_vs_sql_time_ratio")
            else None,
        }

    def reachable(self) -> dict[str, bool | None]:
        """Whether each speed target can be met at all on this machine: the floors (the same
        transaction through the fixed stack, no policy) held to the same thresholds. A floor
        below a target means no engine written on this stack reaches it here. Not targets:
        they do not count towards ``targets_met``."""
        f = self.figures

        def known(*keys):
            return all(f.get(k) is not None for k in keys)

        return {
            "engine_target_reachable": f["orm_floor_vs_sql_ratio"] >= ENGINE_RATIO_TARGET
            if known("orm_floor_vs_sql_ratio")
            else None,
            # Any engine in Django, hand-written SQL included: the engine's own statements
            # through Django's connection, with no ORM and no policy Python at all.
            "engine_target_reachable_in_django": f["django_floor_vs_sql_ratio"]
            >= ENGINE_RATIO_TARGET
            if known("django_floor_vs_sql_ratio")
            else None,
            # The same statements in raw psycopg, outside Django altogether.
            "engine_target_reachable_without_orm": f["policy_floor_vs_sql_ratio"]
            >= ENGINE_RATIO_TARGET
            if known("policy_floor_vs_sql_ratio")
            else None,
            "http_target_reachable": (
                f["http_floor_vs_sql_ratio"] >= HTTP_RATIO_TARGET
                and f["http_floor_p99_ms"] < HTTP_P99_TARGET_MS
                and f.get("http_clients") == 32
            )
            if known("http_floor_vs_sql_ratio", "http_floor_p99_ms")
            else None,
            # The ORM floor's time for the day's tokens against the baseline's.
            "sim_target_reachable": f["sim_orm_floor_s"]
            <= SIM_TIME_RATIO_TARGET * f["sim_baseline_s"]
            if known("sim_orm_floor_s", "sim_baseline_s")
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
