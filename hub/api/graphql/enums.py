"""The hub's enums as GraphQL enums, registered once before any type or input uses them:
Strawberry would otherwise make a second ``Channel`` of its own and refuse the schema."""

from __future__ import annotations

import strawberry

from hub.feedback import ControlOutcome
from hub.model.finding import RequestedChannel
from hub.model.response import Channel

__all__ = ["Channel", "ControlOutcome", "RequestedChannel"]

strawberry.enum(Channel, description="The goods channel: green, yellow, orange, red.")
strawberry.enum(RequestedChannel, description="What a finding or a raise asks for; blue: audit.")
strawberry.enum(ControlOutcome, description="What a control found.")
