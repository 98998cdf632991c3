"""Nearest-rank percentiles: a value that happened, monotone in p."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.kpi import durations, percentile


def test_nearest_rank_takes_a_value_that_happened() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 50) == 2.0
    assert percentile(values, 75) == 3.0
    assert percentile(values, 90) == 4.0
    assert percentile(list(map(float, range(1, 101))), 7) == 7.0  # not 8 by rounding
    assert percentile(list(map(float, range(1, 101))), 99) == 99.0
    assert percentile([5.0], 99) == 5.0
    assert percentile([], 50) is None


@pytest.mark.parametrize("p", [0, -1, 100.5])
def test_a_percentile_outside_0_100_is_refused(p: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], p)


@given(st.lists(st.floats(min_value=0, max_value=1e7), min_size=1))
def test_median_p90_p99_are_monotone_and_among_the_values(values: list[float]) -> None:
    d = durations(values)
    assert d.count == len(values)
    assert d.median_seconds is not None and d.p90_seconds is not None
    assert d.p99_seconds is not None
    assert min(values) <= d.median_seconds <= d.p90_seconds <= d.p99_seconds <= max(values)
    assert {d.median_seconds, d.p90_seconds, d.p99_seconds} <= set(values)
