"""The JTC's figures in GraphQL: KPIs, profile performance and the effectiveness review.

The same reports as ``/v1/reports`` (:mod:`hub.api.reports`), with the same
need to know: the JTC every agency's, an officer its own agency's
(``FORBIDDEN`` for another's), profile hits counted from the findings the
reader may see, a read counting confidential ones audited.
"""

from __future__ import annotations

from datetime import date

import strawberry

from hub.api.graphql.context import Context, refusal
from hub.api.reports import (
    audit_confidential,
    default_period,
    report_agency,
    shown_findings,
)
from hub.kpi import MAX_DAYS, ReviewThresholds, kpi_report, performance_report
from hub.kpi import Durations as HubDurations
from hub.kpi import Kpi as HubKpi
from hub.kpi import ProfilePerformance as HubPerformance

__all__ = [
    "AgencyCount",
    "ChannelShare",
    "DayMix",
    "Durations",
    "Kpi",
    "ProfilePerformance",
    "kpi_of",
    "performance_of",
]


@strawberry.type(description="One channel's count and share of the decided declarations.")
class ChannelShare:
    channel: str
    count: int
    share: float


@strawberry.type(description="The latest channels of the declarations accepted on one day.")
class DayMix:
    day: date
    green: int
    yellow: int
    orange: int
    red: int
    blue: int


@strawberry.type(description="How long something took: count, median, p90, p99 (nearest rank).")
class Durations:
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    p99_seconds: float | None


@strawberry.type(description="An agency and how many times something happened to it.")
class AgencyCount:
    agency: str
    count: int


@strawberry.type(description="The KPIs of the declarations accepted in a period.")
class Kpi:
    from_: date = strawberry.field(name="from")
    to: date
    office: str | None
    agency: str | None
    declarations: int
    channel_mix: list[ChannelShare] = strawberry.field(
        description="green, yellow, orange, red (shares of the decided), then blue (audit flag)."
    )
    by_day: list[DayMix] = strawberry.field(description="One per day of the period, zeros too.")
    to_decision: Durations = strawberry.field(description="Submission to first decision.")
    to_release: Durations = strawberry.field(description="Submission to first release.")
    agency_timeouts: list[AgencyCount] = strawberry.field(
        description="Agencies pending (their fail-safe standing in) in a first decision."
    )
    joint_examinations: int
    separate_examinations_avoided: int
    reroutings: int

    @classmethod
    def of(cls, kpi: HubKpi) -> Kpi:
        def times(d: HubDurations) -> Durations:
            return Durations(
                count=d.count,
                median_seconds=d.median_seconds,
                p90_seconds=d.p90_seconds,
                p99_seconds=d.p99_seconds,
            )

        return cls(
            from_=kpi.start,
            to=kpi.end,
            office=kpi.office,
            agency=kpi.agency,
            declarations=kpi.declarations,
            channel_mix=[
                ChannelShare(channel=s.channel, count=s.count, share=s.share)
                for s in kpi.channel_mix
            ],
            by_day=[
                DayMix(
                    day=d.day,
                    green=d.green,
                    yellow=d.yellow,
                    orange=d.orange,
                    red=d.red,
                    blue=d.blue,
                )
                for d in kpi.by_day
            ],
            to_decision=times(kpi.to_decision),
            to_release=times(kpi.to_release),
            agency_timeouts=[
                AgencyCount(agency=a.agency, count=a.count) for a in kpi.agency_timeouts
            ],
            joint_examinations=kpi.joint_examinations,
            separate_examinations_avoided=kpi.separate_examinations_avoided,
            reroutings=kpi.reroutings,
        )


@strawberry.type(description="One profile version's performance in a period; random selection too.")
class ProfilePerformance:
    profile_id: str = strawberry.field(description='"random" for random selection.')
    version: int | None = strawberry.field(description="Null for random selection.")
    agency: str
    hits: int = strawberry.field(
        description="Declarations whose first decision carries a finding of it."
    )
    controls: int = strawberry.field(description="Control results naming it.")
    controls_with_finding: int = strawberry.field(
        description="Of those, the ones whose outcome is not no-finding."
    )
    hit_rate: float | None = strawberry.field(
        description="controlsWithFinding / controls; null when no control."
    )
    value_recovered: float = strawberry.field(
        description="Duty (else value) at stake of the controls with a finding."
    )
    flagged_for_review: bool
    review_reason: str | None

    @classmethod
    def of(cls, row: HubPerformance) -> ProfilePerformance:
        return cls(
            profile_id=row.profile_id,
            version=row.version,
            agency=row.agency,
            hits=row.hits,
            controls=row.controls,
            controls_with_finding=row.controls_with_finding,
            hit_rate=row.hit_rate,
            value_recovered=float(row.value_recovered),
            flagged_for_review=row.flagged_for_review,
            review_reason=row.review_reason,
        )


def _period(start: date, end: date) -> None:
    if end < start:
        raise refusal("BAD_USER_INPUT", f"the period ends ({end}) before it starts ({start})")
    if (end - start).days + 1 > MAX_DAYS:
        raise refusal("BAD_USER_INPUT", f"a period is at most {MAX_DAYS} days")


def kpi_of(context: Context, start: date, end: date, office: str | None, agency: str | None) -> Kpi:
    """The KPIs the reader may read (``kpi``)."""
    agency = report_agency(context.principal, agency)
    _period(start, end)
    records = context.hub.store.period_records(start, end)
    return Kpi.of(kpi_report(records, office=office, agency=agency))


def performance_of(
    context: Context,
    thresholds: ReviewThresholds,
    start: date | None,
    end: date | None,
    agency: str | None,
    *,
    review_only: bool,
) -> list[ProfilePerformance]:
    """Profile performance (``profilePerformance``) or the flagged profiles
    (``effectivenessReview``) the reader may read."""
    principal, hub = context.principal, context.hub
    agency = report_agency(principal, agency)
    start, end = default_period(start, end)
    _period(start, end)
    rows = performance_report(
        hub.store.period_records(start, end),
        thresholds,
        agency=agency,
        shown=shown_findings(hub, principal),
        review_only=review_only,
    )
    audit_confidential(
        hub, principal, rows, "effectivenessReview" if review_only else "profilePerformance"
    )
    return [ProfilePerformance.of(r) for r in rows]
