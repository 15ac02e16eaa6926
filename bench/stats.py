"""Percentiles for the benchmarks' printed figures."""

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank value at `p` percent (the largest at 100)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def p50_p99(seconds: Sequence[float]) -> str:
    """`p50 …ms  p99 …ms` of latencies given in seconds, aligned for a table."""
    p50, p99 = statistics.median(seconds), percentile(seconds, 99)
    return f"p50 {1000 * p50:6.1f} ms  p99 {1000 * p99:6.1f} ms"
