"""The answer the hub gives a trader about one declaration.

This is the trader's view of a decision: accepted or rejected (with the
errors and where they are), and, once assessed, the channel, whether the
goods may go, and where and when a control happens. It deliberately has no
room for findings, reasons or profile names: what a trader may not know is
not in the type, so no writer can leak it. Written as the hub's WCO-aligned
XML response and as UN/EDIFACT CUSRES.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = ["Channel", "CustomsResponse", "ResponseError", "ResponseStatus"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Channel(StrEnum):
    """Control channels in order of severity for the goods; blue is a separate flag."""

    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


class ResponseStatus(StrEnum):
    ACCEPTED = "accepted"  # received and stored; assessment pending
    REJECTED = "rejected"  # not accepted: see errors
    RELEASED = "released"  # every agency may proceed
    UNDER_CONTROL = "under-control"  # a documentary check or examination is required
    HELD = "held"  # an agency holds the goods


class ResponseError(_Frozen):
    """One reason a message was rejected, with the place at fault."""

    code: str  # e.g. 'SCHEMA', 'ENVELOPE', 'MISSING'
    description: str
    pointer: str | None = None  # element path, line or EDIFACT segment position


class CustomsResponse(_Frozen):
    """The trader-facing answer about one declaration."""

    message_id: str
    issued_at: datetime
    sender: str  # the hub's administration identifier
    receiver: str | None = None  # the submitter
    declaration_id: str | None = None  # hub id; absent when nothing was accepted
    functional_reference: str | None = None  # the trader's LRN
    status: ResponseStatus
    channel: Channel | None = None
    post_clearance_audit: bool = False  # blue: released but selected for audit
    examination_place: str | None = None
    examination_time: datetime | None = None
    errors: tuple[ResponseError, ...] = ()
