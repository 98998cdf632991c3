"""Agencies, registers and findings for the decision tests: pure values, built once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from hub.agency import AgencySpec, load_agencies
from hub.decision import (
    AeoCertificate,
    AeoRegister,
    AeoStatus,
    AeoType,
    DecisionContext,
    Lane,
    MraArrangement,
    MraArrangements,
    OfficeCalendar,
    Offices,
)
from hub.ingest import read
from hub.model import Declaration
from hub.model.finding import Finding, RequestedChannel
from tests.conftest import CORPUS

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)  # a Thursday
DECLARATIONS = CORPUS / "wco-dec-dms/declarations"
SPECS: dict[str, AgencySpec] = {n: a.spec for n, a in load_agencies().items()}

OFFICE = OfficeCalendar(
    code="GB000051",
    name="Felixstowe",
    timezone="Europe/London",
    opens=time(7),
    closes=time(19),
    slot_minutes=60,
    lanes={Lane.DOCUMENTARY: 24, Lane.SCANNER: 12, Lane.PHYSICAL: 12},
    default=True,
)
OFFICES = Offices(offices=(OFFICE,))

REGISTER = AeoRegister(
    administration="GB",
    certificates=(
        AeoCertificate(
            operator="GB553202734852",
            type=AeoType.AEOC,
            status=AeoStatus.GRANTED,
            valid_from=date(2019, 6, 1),
            issued_by="GB",
        ),
        AeoCertificate(
            operator="JP1234567890123",
            type=AeoType.AEOS,
            status=AeoStatus.GRANTED,
            valid_from=date(2022, 2, 1),
            issued_by="JP",
        ),
    ),
)
MRA = MraArrangements(arrangements=(MraArrangement(partner="JP", valid_from=date(2021, 1, 1)),))


def corpus(name: str) -> Declaration:
    return read((DECLARATIONS / name).read_bytes())


CHICKEN = corpus("TT_IM026a/TT_IM026a.xml")  # frozen chicken from Brazil, N853


def context(**kw: Any) -> DecisionContext:
    """The starter agencies' specs and a one-office calendar; no AEO, no random."""
    return DecisionContext(**{"agencies": SPECS, "offices": OFFICES, **kw})


def finding(
    agency: str,
    channel: str,
    *,
    profile: str | None = None,
    mandatory: bool = False,
    risk_area: str | None = None,
    score: int = 50,
    confidential: bool = False,
    instructions: str | None = None,
) -> Finding:
    return Finding(
        agency=agency,
        profile_id=profile or f"{agency.upper()}-{channel.upper()}-1",
        profile_version=1,
        title=f"{agency} secret title {channel}",
        risk_area=risk_area,
        indicators=(f"{agency} secret indicator",),
        score=score,
        channel=RequestedChannel(channel),
        mandatory=mandatory,
        confidential=confidential,
        instructions=instructions,
    )
