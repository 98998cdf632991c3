"""The reports as the CLI and REST give them: JSON (the GraphQL API's names), CSV, text.

One shape per reader, written once here so ``hub report`` and
``/v1/reports`` cannot drift: JSON for programs, CSV for a spreadsheet (a KPI
report is long-form, ``section,key,value``, so every part fits one table; the
profiles one row each), text for a terminal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from hub.kpi.indicators import CHANNELS, Durations, Kpi
from hub.kpi.performance import ProfilePerformance

__all__ = [
    "PROFILE_COLUMNS",
    "kpi_csv",
    "kpi_text",
    "profile_json",
    "profiles_csv",
    "profiles_text",
]

PROFILE_COLUMNS = (
    "profileId",
    "version",
    "agency",
    "hits",
    "controls",
    "controlsWithFinding",
    "hitRate",
    "valueRecovered",
    "flaggedForReview",
    "reviewReason",
)


def profile_json(row: ProfilePerformance) -> dict[str, Any]:
    """One row, JSON-ready, with the GraphQL API's names."""
    return {
        "profileId": row.profile_id,
        "version": row.version,
        "agency": row.agency,
        "hits": row.hits,
        "controls": row.controls,
        "controlsWithFinding": row.controls_with_finding,
        "hitRate": row.hit_rate,
        "valueRecovered": float(row.value_recovered),
        "flaggedForReview": row.flagged_for_review,
        "reviewReason": row.review_reason,
    }


def _csv(rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(("" if v is None else v for v in row) for row in rows)
    return out.getvalue()


def profiles_csv(rows: Iterable[ProfilePerformance]) -> str:
    """A header, then one line per row."""
    body = (tuple(profile_json(r)[c] for c in PROFILE_COLUMNS) for r in rows)
    return _csv([PROFILE_COLUMNS, *body])


def _kpi_lines(kpi: Kpi) -> list[tuple[str, str, Any]]:
    lines: list[tuple[str, str, Any]] = [
        ("period", "from", kpi.start.isoformat()),
        ("period", "to", kpi.end.isoformat()),
        ("filter", "office", kpi.office),
        ("filter", "agency", kpi.agency),
        ("declarations", "", kpi.declarations),
    ]
    for share in kpi.channel_mix:
        lines.append(("channel", share.channel, share.count))
        lines.append(("channel share", share.channel, round(share.share, 6)))
    for day in kpi.by_day:
        lines.extend((f"day {day.day.isoformat()}", c, getattr(day, c)) for c in CHANNELS)
    for name, d in (("to decision", kpi.to_decision), ("to release", kpi.to_release)):
        lines.append((f"{name} seconds", "count", d.count))
        lines.append((f"{name} seconds", "median", d.median_seconds))
        lines.append((f"{name} seconds", "p90", d.p90_seconds))
        lines.append((f"{name} seconds", "p99", d.p99_seconds))
    lines.extend(("agency timeouts", a.agency, a.count) for a in kpi.agency_timeouts)
    lines.append(("joint examinations", "", kpi.joint_examinations))
    lines.append(("separate examinations avoided", "", kpi.separate_examinations_avoided))
    lines.append(("reroutings", "", kpi.reroutings))
    return lines


def kpi_csv(kpi: Kpi) -> str:
    """``section,key,value``, one line per figure."""
    return _csv([("section", "key", "value"), *_kpi_lines(kpi)])


def _duration(d: Durations) -> str:
    if d.count == 0:
        return "none"

    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f} s"

    return (
        f"{d.count}: median {s(d.median_seconds)}, p90 {s(d.p90_seconds)}, p99 {s(d.p99_seconds)}"
    )


def kpi_text(kpi: Kpi) -> str:
    """A few lines for a terminal (the per-day counts are in JSON and CSV)."""
    where = "".join(f", {k} {v}" for k, v in (("office", kpi.office), ("agency", kpi.agency)) if v)
    mix = ", ".join(f"{s.channel} {s.count} ({s.share * 100:.1f} %)" for s in kpi.channel_mix)
    timeouts = ", ".join(f"{a.agency} {a.count}" for a in kpi.agency_timeouts) or "none"
    return "\n".join(
        [
            f"KPI {kpi.start.isoformat()} to {kpi.end.isoformat()}{where}",
            f"  declarations: {kpi.declarations}",
            f"  channel mix: {mix}",
            f"  to decision: {_duration(kpi.to_decision)}",
            f"  to release: {_duration(kpi.to_release)}",
            f"  agency timeouts: {timeouts}",
            f"  joint examinations: {kpi.joint_examinations}"
            f" (separate examinations avoided: {kpi.separate_examinations_avoided})",
            f"  re-routings: {kpi.reroutings}",
            "",
        ]
    )


def profiles_text(rows: Iterable[ProfilePerformance]) -> str:
    """One line per row; a flagged one says why."""
    lines = []
    for r in rows:
        name = r.profile_id if r.version is None else f"{r.profile_id} v{r.version}"
        rate = "-" if r.hit_rate is None else f"{r.hit_rate * 100:.1f} %"
        line = (
            f"{r.agency:<10} {name:<24} hits {r.hits:>5}  controls {r.controls:>5}"
            f"  with finding {r.controls_with_finding:>5}  hit rate {rate:>7}"
            f"  recovered {r.value_recovered:.2f}"
        )
        if r.flagged_for_review:
            line += f"\n           REVIEW: {r.review_reason}"
        lines.append(line)
    return "\n".join(lines) + ("\n" if lines else "no profile hit or controlled\n")
