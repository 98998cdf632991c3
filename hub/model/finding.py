"""What an agency's risk assessment says about a declaration: its findings.

A finding is produced by a risk profile that matched (or by the hub on an
agency's behalf: a fail-safe when the agency did not answer in time, a random
selection). It carries everything the merge and the officers need: which
profile and version, the indicators that matched in words, the score, the
channel asked for and what to check. Whether a trader or another agency may
read it is decided at the edges from ``agency`` and ``confidential``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Finding", "FindingSource", "RequestedChannel", "RiskRating"]


class RequestedChannel(StrEnum):
    """The treatment a finding asks for: a control channel, or blue for audit.

    yellow: documentary check; orange: non-intrusive inspection (scanner);
    red: physical examination; blue: release, then post-clearance audit.
    """

    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"
    BLUE = "blue"


class RiskRating(StrEnum):
    """High / Medium / Low from probability x consequence (WCO risk matrix)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FindingSource(StrEnum):
    PROFILE = "profile"  # a risk profile matched
    FAIL_SAFE = "fail-safe"  # the agency did not answer in time
    RANDOM = "random"  # random selection, recorded as such
    MISMATCH = "mismatch"  # the declaration disagrees with data the agency holds
    PRE_ARRIVAL = "pre-arrival"  # it disagrees with a partner administration's pre-arrival data
    WATCH = "watch"  # a partner's warning named this consignment


class Finding(BaseModel):
    """One reason an agency wants a control, with what to check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str
    source: FindingSource = FindingSource.PROFILE
    profile_id: str | None = None
    profile_version: int | None = None
    title: str | None = None
    risk_area: str | None = None
    rating: RiskRating | None = None
    item_sequences: tuple[int, ...] = ()  # empty: the declaration as a whole
    indicators: tuple[str, ...] = ()  # what matched, in words an officer reads
    score: int = Field(default=0, ge=0, le=100)
    channel: RequestedChannel
    instructions: str | None = None
    mandatory: bool = False  # a control the law requires: never lowered (AEO) or skipped
    confidential: bool = False  # e.g. police intelligence: JTC only
    # Partner administrations (ISO 3166) to warn about this consignment: copied
    # from the profile's ``share_with``, or set by an agency's own risk engine.
    share_with: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], ...] = ()
