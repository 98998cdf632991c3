"""The three reports the edges give, each from one period's records.

``hub report``, ``/v1/reports`` and GraphQL answer the same questions: the
KPIs of a period (an office, an agency), the performance of every profile
with its review, and the flagged ones alone. Composed once here so the three
cannot count differently; what a reader may see is the edge's ``agency``
and ``shown``.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.kpi.indicators import Kpi, indicators
from hub.kpi.performance import ProfilePerformance, profile_performance
from hub.kpi.records import PeriodRecords
from hub.kpi.review import ReviewThresholds, review
from hub.model.finding import Finding

__all__ = ["kpi_report", "performance_report"]


def kpi_report(
    records: PeriodRecords, *, office: str | None = None, agency: str | None = None
) -> Kpi:
    """The KPIs of the period ``records`` cover."""
    return indicators(
        records.declarations, records.start, records.end, office=office, agency=agency
    )


def performance_report(
    records: PeriodRecords,
    thresholds: ReviewThresholds,
    *,
    agency: str | None = None,
    shown: Callable[[Finding], bool] | None = None,
    review_only: bool = False,
) -> list[ProfilePerformance]:
    """Every profile's performance, reviewed against ``thresholds``; ``agency``'s rows only
    when given, the flagged ones only with ``review_only``. Random selection's rate is
    pooled over every agency before ``agency`` narrows the rows."""
    rows = review(profile_performance(records.declarations, shown=shown), thresholds)
    return [
        r
        for r in rows
        if (agency is None or r.agency == agency) and (r.flagged_for_review or not review_only)
    ]
