"""The learning loop's figures: profile performance, effectiveness review and KPIs.

Pure functions over plain records of the declarations accepted in a period
(:class:`PeriodRecords`, which :meth:`hub.store.Store.period_records` reads
in a fixed number of queries): no store, clock or access policy in here. The
edges (``hub report``, ``/v1/reports``, GraphQL) read the records, choose
what the reader may see and write the figures out (:mod:`hub.kpi.formats`).
"""

from hub.kpi.formats import (
    PROFILE_COLUMNS,
    kpi_csv,
    kpi_text,
    profile_json,
    profiles_csv,
    profiles_text,
)
from hub.kpi.indicators import (
    CHANNELS,
    MAX_DAYS,
    AgencyCount,
    ChannelShare,
    DayMix,
    Durations,
    Kpi,
    durations,
    indicators,
    selected,
)
from hub.kpi.percentile import percentile
from hub.kpi.performance import RANDOM, ProfilePerformance, profile_performance
from hub.kpi.records import PeriodDeclaration, PeriodRecords
from hub.kpi.reports import kpi_report, performance_report
from hub.kpi.review import ReviewThresholds, load_review_thresholds, random_hit_rate, review

__all__ = [
    "CHANNELS",
    "MAX_DAYS",
    "PROFILE_COLUMNS",
    "RANDOM",
    "AgencyCount",
    "ChannelShare",
    "DayMix",
    "Durations",
    "Kpi",
    "PeriodDeclaration",
    "PeriodRecords",
    "ProfilePerformance",
    "ReviewThresholds",
    "durations",
    "indicators",
    "kpi_csv",
    "kpi_report",
    "kpi_text",
    "load_review_thresholds",
    "percentile",
    "performance_report",
    "profile_json",
    "profile_performance",
    "profiles_csv",
    "profiles_text",
    "random_hit_rate",
    "review",
    "selected",
]
