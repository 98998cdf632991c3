"""Hand-built decisions and control results for the KPI tests: plain values, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hub.decision import (
    AgencyDecision,
    AgencyStatus,
    Decision,
    JointExamination,
    Lane,
    Officer,
    Rerouting,
    ReroutingAction,
    Slot,
)
from hub.feedback import ControlOutcome, ControlResult
from hub.kpi import PeriodDeclaration
from hub.model.finding import Finding, FindingSource, RequestedChannel
from hub.model.response import Channel

DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
OFFICER = Officer(id="officer-1", agency="customs")


def finding(
    agency: str, profile: str | None, version: int = 1, *, confidential: bool = False
) -> Finding:
    if profile is None:
        return Finding(agency=agency, source=FindingSource.RANDOM, channel=RequestedChannel.YELLOW)
    return Finding(
        agency=agency,
        profile_id=profile,
        profile_version=version,
        channel=RequestedChannel.YELLOW,
        confidential=confidential,
    )


def decision(
    declaration_id: str,
    made_at: datetime,
    channel: Channel = Channel.GREEN,
    *,
    version: int = 1,
    released: bool = False,
    findings: tuple[Finding, ...] = (),
    pending: tuple[str, ...] = (),
    blue: bool = False,
    joint: tuple[str, ...] = (),
    reroutings: int = 0,
) -> Decision:
    agencies: dict[str, AgencyDecision] = {}
    for f in findings:
        before = agencies.get(f.agency)
        agencies[f.agency] = AgencyDecision(
            agency=f.agency,
            status=AgencyStatus.DOCUMENTARY_CHECK,
            channel=Channel.YELLOW,
            findings=(*(before.findings if before else ()), f),
        )
    for name in pending:
        agencies[name] = AgencyDecision(
            agency=name, status=AgencyStatus.PENDING, channel=Channel.YELLOW
        )
    exam = None
    if joint:
        start = made_at + timedelta(days=1)
        exam = JointExamination(
            agencies=joint,
            office="GB000051",
            place="Felixstowe",
            lane=Lane.PHYSICAL,
            slot=Slot(start=start, end=start + timedelta(hours=1)),
        )
    records = tuple(
        Rerouting(
            action=ReroutingAction.LOWER,
            agency="customs",
            profile_id="CUS-1",
            from_channel=RequestedChannel.YELLOW,
            to_channel=None,
            reason="revised",
            requested_by=OFFICER,
            requested_at=made_at,
            version=version,
        )
        for _ in range(reroutings)
    )
    return Decision(
        declaration_id=declaration_id,
        version=version,
        supersedes=version - 1 if version > 1 else None,
        made_at=made_at,
        channel=channel,
        released=released,
        post_clearance_audit=blue,
        agencies=agencies,
        examination=exam,
        reroutings=records,
    )


def result(
    declaration_id: str,
    outcome: ControlOutcome,
    *names: str,
    agency: str = "customs",
    version: int = 1,
    duty: str | None = None,
    value: str | None = None,
) -> ControlResult:
    return ControlResult(
        declaration_id=declaration_id,
        decision_version=version,
        agency=agency,
        officer=Officer(id="officer-1", agency=agency),
        checked="documents",
        outcome=outcome,
        duty_at_stake=None if duty is None else Decimal(duty),
        value_at_stake=None if value is None else Decimal(value),
        findings=names,
        recorded_at=DAY + timedelta(days=1),
    )


def declared(
    declaration_id: str,
    accepted_at: datetime = DAY,
    *,
    first: Decision | None = None,
    released: Decision | None = None,
    latest: Decision | None = None,
    results: tuple[ControlResult, ...] = (),
    routed: tuple[str, ...] = ("customs",),
    office: str | None = "GB000051",
) -> PeriodDeclaration:
    return PeriodDeclaration(
        declaration_id=declaration_id,
        accepted_at=accepted_at,
        office=office,
        routed=routed,
        first=first,
        released=released,
        latest=latest if latest is not None else first,
        results=results,
    )
