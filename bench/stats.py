"""Throughput and latency arithmetic shared by every phase."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (``pct`` in 0..100) of ``values``; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Measurement:
    """What one phase did: successes, failures by kind, wall time and per-operation latency."""

    name: str
    clients: int
    ok: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str = ""
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def ms(self, pct: float) -> float:
        return percentile(self.latencies_s, pct) * 1000

    def merge(self, other: "Measurement") -> None:
        self.ok += other.ok
        self.errors += other.errors
        self.elapsed_s = max(self.elapsed_s, other.elapsed_s)
        self.latencies_s += other.latencies_s
        for key, count in other.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + count
        self.first_error = self.first_error or other.first_error
        for key, value in other.notes.items():
            if isinstance(value, int | float) and isinstance(self.notes.get(key), int | float):
                self.notes[key] += value
            else:
                self.notes.setdefault(key, value)

    def line(self) -> str:
        """One human line for the progress log."""
        text = (
            f"{self.name}: {self.per_s:,.0f}/s ({self.ok} ok, {self.errors} errors, "
            f"{self.clients} clients, {self.elapsed_s:.1f}s) "
            f"p50 {self.ms(50):.1f} ms p95 {self.ms(95):.1f} ms p99 {self.ms(99):.1f} ms"
        )
        if self.statuses:
            text += " statuses " + ",".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        if self.first_error:
            text += f" first error: {self.first_error}"
        return text


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0
