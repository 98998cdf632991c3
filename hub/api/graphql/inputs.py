"""The JTC schema's input types: filters and what an officer sends, checked as REST checks
the same bodies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from hub.api.graphql.enums import Channel, ControlOutcome

__all__ = ["ControlResultInput", "DeclarationFilter", "QuantityInput"]


@strawberry.input(description="Narrows the declarations awaiting a decision or a control.")
class DeclarationFilter:
    office: str | None = None
    agency: str | None = strawberry.field(
        default=None, description="Routed to this agency (not for traders)."
    )
    channel: Channel | None = None
    accepted_from: datetime | None = None
    accepted_until: datetime | None = strawberry.field(default=None, description="Excluded.")


@strawberry.input(description="A quantity declared and the one found.")
class QuantityInput:
    unit: str
    item_sequence: int | None = None
    declared: Decimal | None = None
    found: Decimal | None = None


@strawberry.input(description="What a control found; checked as POST .../control-results.")
class ControlResultInput:
    decision_version: int
    checked: str
    outcome: ControlOutcome
    agency: str | None = strawberry.field(
        default=None, description="The agency whose control this was; an officer's own by default."
    )
    quantities: list[QuantityInput] = strawberry.field(default_factory=list)
    duty_at_stake: Decimal | None = None
    value_at_stake: Decimal | None = None
    currency: str | None = None
    notes: str | None = None
    findings: list[str] = strawberry.field(
        default_factory=list, description="Profile ids (or 'random') behind it."
    )
