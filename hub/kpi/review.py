"""Effectiveness review: the profiles whose selections find too little, and why.

A profile version is flagged when, over at least ``min_controls`` controls
in the period, its hit rate is below the configured floor
(``min_hit_rate``), or below random selection's hit rate over the same
period (``compare_with_random``; random's own rate counts only over
``min_controls`` controls too). Random selection is the baseline: it is
never flagged. Its rate is pooled over every agency that draws, since the
question is whether targeting beats chance at all.

The thresholds are hub data, ``registers/effectiveness.yaml``, read whole
or refused whole like the other registers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hub.kpi.performance import ProfilePerformance
from hub.registers import default_registers_dir, load_register

__all__ = ["ReviewThresholds", "load_review_thresholds", "random_hit_rate", "review"]


class ReviewThresholds(BaseModel):
    """When a profile is flagged for review (``registers/effectiveness.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_controls: int = Field(default=20, ge=1)
    min_hit_rate: float = Field(default=0.05, ge=0, le=1)
    compare_with_random: bool = True


def load_review_thresholds(path: Path | None = None) -> ReviewThresholds:
    """``registers/effectiveness.yaml`` (or ``path``); :class:`~hub.errors.InvalidRegister`
    names the file, line and key at fault."""
    return load_register(path or default_registers_dir() / "effectiveness.yaml", ReviewThresholds)


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def random_hit_rate(
    rows: Iterable[ProfilePerformance], thresholds: ReviewThresholds
) -> float | None:
    """Random selection's hit rate pooled over its rows; ``None`` below ``min_controls``."""
    randoms = [r for r in rows if r.random]
    controls = sum(r.controls for r in randoms)
    if controls < thresholds.min_controls:
        return None
    return sum(r.controls_with_finding for r in randoms) / controls


def review(
    rows: Iterable[ProfilePerformance], thresholds: ReviewThresholds
) -> list[ProfilePerformance]:
    """``rows`` with ``flagged_for_review`` and ``review_reason`` set, in the same order."""
    rows = list(rows)
    baseline = random_hit_rate(rows, thresholds) if thresholds.compare_with_random else None
    reviewed: list[ProfilePerformance] = []
    for row in rows:
        rate = row.hit_rate
        reasons: list[str] = []
        if not row.random and rate is not None and row.controls >= thresholds.min_controls:
            if rate < thresholds.min_hit_rate:
                reasons.append(f"below the {_percent(thresholds.min_hit_rate)} floor")
            if baseline is not None and rate < baseline:
                reasons.append(f"below random selection's {_percent(baseline)}")
        if reasons and rate is not None:
            reason = f"hit rate {_percent(rate)} over {row.controls} controls, " + " and ".join(
                reasons
            )
            row = dataclasses.replace(row, flagged_for_review=True, review_reason=reason)
        reviewed.append(row)
    return reviewed
