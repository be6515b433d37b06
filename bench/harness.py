"""Timing helpers and the output format: a table plus one JSON line per measure."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Result:
    name: str
    unit: str
    median: float
    p95: float
    runs: int
    target: str
    baseline_median: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_median in (None, 0):
            return None
        return self.median / self.baseline_median  # type: ignore[operator]

    def row(self) -> str:
        ratio = f"{self.ratio:.2f}x" if self.ratio is not None else "-"
        base = f"{self.baseline_median:.2f}" if self.baseline_median is not None else "-"
        return (f"{self.name:<44} {self.median:>9.2f} {self.p95:>9.2f} {base:>9} {ratio:>7}  "
                f"{self.unit:<3} {self.target}")

    def json_line(self) -> str:
        data = asdict(self)
        data["ratio"] = self.ratio
        return json.dumps(data)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_ms(fn: Callable[[], object], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def summarise(name: str, samples: list[float], target: str, unit: str = "ms",
              baseline: list[float] | None = None, note: str = "") -> Result:
    return Result(name=name, unit=unit, median=statistics.median(samples),
                  p95=percentile(samples, 95), runs=len(samples), target=target,
                  baseline_median=statistics.median(baseline) if baseline else None, note=note)


HEADER = (f"{'measure':<44} {'median':>9} {'p95':>9} {'baseline':>9} {'ratio':>7}  unit target")


def print_results(results: list[Result]) -> None:
    """The table people read, then one JSON line per result for ``bench/results``."""
    print(HEADER)
    for r in results:
        print(r.row())
    for r in results:
        print(r.json_line())
