"""Key performance indicators of the single window for a period, an office or an agency.

Over the declarations accepted from ``start`` to ``end`` (dates inclusive,
UTC), optionally those handled at one office (their examination's office,
else :func:`~hub.decision.random.office_of`) or routed to one agency:

- the channel mix of their latest decision versions: the shares of green,
  yellow, orange and red (summing to 1 over the decided ones), and blue,
  the post-clearance audit flag, which travels alongside a channel and so
  is a share of its own; the same counts per day of acceptance;
- time from submission (acceptance) to the first decision, and to the first
  version that released the goods: median, p90, p99 by nearest rank
  (:func:`~hub.kpi.percentile.percentile`);
- agency timeouts: the agencies pending (their fail-safe standing in) in a
  first decision;
- joint examinations held (latest versions whose examination two or more
  agencies share) and the separate examinations they avoided (agencies - 1
  each);
- re-routings: approved raises and lowerings, as the versions record them.

A declaration still being assessed counts in ``declarations`` only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.kpi.percentile import percentile
from hub.kpi.records import PeriodDeclaration
from hub.model.response import Channel

__all__ = [
    "CHANNELS",
    "MAX_DAYS",
    "AgencyCount",
    "ChannelShare",
    "DayMix",
    "Durations",
    "Kpi",
    "durations",
    "indicators",
    "selected",
]

BLUE = "blue"
CHANNELS: tuple[str, ...] = (*(c.value for c in Channel), BLUE)
"""The channels of the mix, in order: green, yellow, orange, red, then blue (the audit flag)."""
MAX_DAYS = 366
"""The longest period one report covers (one row per day in ``by_day``)."""


@dataclass(frozen=True)
class ChannelShare:
    channel: str
    count: int
    share: float


@dataclass(frozen=True)
class DayMix:
    """Latest channels of the declarations accepted on ``day``."""

    day: date
    green: int = 0
    yellow: int = 0
    orange: int = 0
    red: int = 0
    blue: int = 0


@dataclass(frozen=True)
class Durations:
    """How long something took, in seconds, over ``count`` declarations."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None
    p99_seconds: float | None


@dataclass(frozen=True)
class AgencyCount:
    agency: str
    count: int


@dataclass(frozen=True)
class Kpi:
    """The indicators of one period (see the module docstring)."""

    start: date
    end: date
    office: str | None
    agency: str | None
    declarations: int
    channel_mix: tuple[ChannelShare, ...]
    by_day: tuple[DayMix, ...]
    to_decision: Durations
    to_release: Durations
    agency_timeouts: tuple[AgencyCount, ...]
    joint_examinations: int
    separate_examinations_avoided: int
    reroutings: int

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, with the GraphQL API's names (camelCase)."""

        def times(d: Durations) -> dict[str, Any]:
            return {
                "count": d.count,
                "medianSeconds": d.median_seconds,
                "p90Seconds": d.p90_seconds,
                "p99Seconds": d.p99_seconds,
            }

        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "office": self.office,
            "agency": self.agency,
            "declarations": self.declarations,
            "channelMix": [
                {"channel": s.channel, "count": s.count, "share": s.share} for s in self.channel_mix
            ],
            "byDay": [
                {"day": d.day.isoformat(), **{c: getattr(d, c) for c in CHANNELS}}
                for d in self.by_day
            ],
            "toDecision": times(self.to_decision),
            "toRelease": times(self.to_release),
            "agencyTimeouts": [
                {"agency": a.agency, "count": a.count} for a in self.agency_timeouts
            ],
            "jointExaminations": self.joint_examinations,
            "separateExaminationsAvoided": self.separate_examinations_avoided,
            "reroutings": self.reroutings,
        }


def durations(seconds: Iterable[float]) -> Durations:
    """Count, median, p90 and p99 (nearest rank) of ``seconds``."""
    ordered = sorted(seconds)
    return Durations(
        count=len(ordered),
        median_seconds=percentile(ordered, 50),
        p90_seconds=percentile(ordered, 90),
        p99_seconds=percentile(ordered, 99),
    )


def selected(
    records: Iterable[PeriodDeclaration],
    start: date,
    end: date,
    *,
    office: str | None = None,
    agency: str | None = None,
) -> list[PeriodDeclaration]:
    """Those accepted from ``start`` to ``end`` (UTC dates, inclusive), at ``office``,
    routed to ``agency``."""
    return [
        r
        for r in records
        if start <= r.accepted_at.astimezone(UTC).date() <= end
        and (office is None or r.office == office)
        and (agency is None or agency in r.routed)
    ]


def _day(day: date, counts: Counter[str]) -> DayMix:
    return DayMix(
        day,
        green=counts["green"],
        yellow=counts["yellow"],
        orange=counts["orange"],
        red=counts["red"],
        blue=counts[BLUE],
    )


def _seconds(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds()


def indicators(
    records: Iterable[PeriodDeclaration],
    start: date,
    end: date,
    *,
    office: str | None = None,
    agency: str | None = None,
) -> Kpi:
    """The :class:`Kpi` of the declarations accepted from ``start`` to ``end``."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"a period is at most {MAX_DAYS} days, not {(end - start).days + 1}")
    chosen: Sequence[PeriodDeclaration] = selected(
        records, start, end, office=office, agency=agency
    )
    mix: Counter[str] = Counter()
    days: dict[date, Counter[str]] = {}
    timeouts: Counter[str] = Counter()
    joint = avoided = reroutings = decided = 0
    for record in chosen:
        latest = record.latest
        if latest is None:
            continue
        decided += 1
        day = days.setdefault(record.accepted_at.astimezone(UTC).date(), Counter())
        for counter in (mix, day):
            counter[latest.channel.value] += 1
            counter[BLUE] += latest.post_clearance_audit
        exam = latest.joint_examination
        if exam is not None:
            joint += 1
            avoided += len(exam.agencies) - 1
        reroutings += len(latest.reroutings)
        if record.first is not None:
            timeouts.update(record.first.pending)
    empty: Counter[str] = Counter()
    return Kpi(
        start=start,
        end=end,
        office=office,
        agency=agency,
        declarations=len(chosen),
        channel_mix=tuple(
            ChannelShare(c, mix[c], mix[c] / decided if decided else 0.0) for c in CHANNELS
        ),
        by_day=tuple(
            _day(start + timedelta(days=n), days.get(start + timedelta(days=n), empty))
            for n in range((end - start).days + 1)
        ),
        to_decision=durations(
            _seconds(r.accepted_at, r.first.made_at) for r in chosen if r.first is not None
        ),
        to_release=durations(
            _seconds(r.accepted_at, r.released.made_at) for r in chosen if r.released is not None
        ),
        agency_timeouts=tuple(AgencyCount(a, n) for a, n in sorted(timeouts.items())),
        joint_examinations=joint,
        separate_examinations_avoided=avoided,
        reroutings=reroutings,
    )
