"""A control result: per agency and examination, what was checked and what was found."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hub.decision.model import Officer

__all__ = ["ControlOutcome", "ControlResult", "Quantity"]


class ControlOutcome(StrEnum):
    NO_FINDING = "no-finding"
    DISCREPANCY = "discrepancy"  # e.g. wrong code, value or quantity: duty at stake
    SEIZURE = "seizure"  # goods taken (prohibited, counterfeit, smuggled)
    DETENTION = "detention"  # goods held for further action (tests, quarantine)


class Quantity(BaseModel):
    """A quantity declared and the one found, for one item or the whole consignment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_sequence: int | None = Field(default=None, ge=1)
    unit: str = Field(min_length=1, max_length=16)
    declared: Decimal | None = None
    found: Decimal | None = None


class ControlResult(BaseModel):
    """What one agency's control of one decision version found.

    ``findings`` names the profiles (their ids) whose findings led to the
    control, or ``random`` for a random selection: the results are counted
    against them (profile performance, issue 7).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    declaration_id: str
    decision_version: int = Field(ge=1)
    agency: str
    officer: Officer
    checked: str = Field(min_length=1, max_length=2000)
    outcome: ControlOutcome
    quantities: tuple[Quantity, ...] = ()
    duty_at_stake: Decimal | None = Field(default=None, ge=0)
    value_at_stake: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    notes: str | None = Field(default=None, max_length=10000)
    findings: tuple[str, ...] = ()
    recorded_at: datetime
