"""Percentiles by nearest rank: the value below which a share of observations fall.

Nearest rank (no interpolation) because a reported duration should be one
that happened: the p-th percentile of n sorted values is the value at rank
``ceil(p / 100 * n)`` (1-based), so p50 of [1, 2, 3, 4] is 2 and p99 of
fewer than 100 values is the largest. Monotone in ``p`` by construction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["percentile"]


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of values sorted ascending;
    ``None`` for no values."""
    if not 0 < p <= 100:
        raise ValueError(f"a percentile is in (0, 100], not {p}")
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p * len(sorted_values) / 100))  # p * n first: exact for whole p
    return sorted_values[rank - 1]
