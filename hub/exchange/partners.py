"""Partner administrations, the certificates they sign with, and the agreements in force.

A partner may send or receive a message kind only under an agreement in
force on the day: mutual administrative assistance covers pre-arrival data
and risk information, kind by kind and direction by direction; a mutual
recognition arrangement (MRA) covers AEO data and makes the partner's AEOs
count like our own (:func:`Partner.mra_arrangement` feeds
:class:`~hub.decision.aeo.MraArrangements`). Pure data: the store keeps
partners, the CLI and API change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.decision.aeo import AeoType, MraArrangement, MraArrangements
from hub.exchange.messages import ADMINISTRATION, MessageKind

__all__ = [
    "Direction",
    "MutualAssistance",
    "MutualRecognition",
    "Partner",
    "with_partner_arrangements",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Direction = Literal["send", "receive"]  # we send to them, or they send to us


class MutualAssistance(_Frozen):
    """A mutual administrative assistance agreement: which kinds travel which way."""

    title: str | None = None
    valid_from: date
    valid_to: date | None = None
    sends: tuple[MessageKind, ...] = ()  # kinds we may send to the partner
    receives: tuple[MessageKind, ...] = ()  # kinds the partner may send to us

    @model_validator(mode="after")
    def _no_aeo(self) -> MutualAssistance:
        if MessageKind.AEO_LIST in (*self.sends, *self.receives):
            raise ValueError("AEO lists travel under a mutual recognition arrangement")
        return self

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class MutualRecognition(_Frozen):
    """A mutual recognition arrangement: AEO data both ways, the partner's AEOs count here."""

    title: str | None = None
    valid_from: date
    valid_to: date | None = None
    recognises: tuple[AeoType, ...] = (AeoType.AEOS, AeoType.AEOF)

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Partner(_Frozen):
    """A partner administration: who it is, how to reach it, what it signs with, what is agreed.

    ``certificates`` are PEM X.509 certificates; a message is trusted when
    signed by one of them valid at the message's creation. ``endpoint`` is
    its ``/v1/exchange`` URL; ``amqp`` an AMQP URL and ``queue`` the queue
    to deliver to instead. ``tls_ca`` names a CA bundle file that verifies
    the endpoint's TLS certificate (unset: the system's).
    """

    code: str = Field(pattern=ADMINISTRATION)
    name: str
    certificates: tuple[str, ...] = Field(min_length=1)
    endpoint: str | None = None
    amqp: str | None = None
    queue: str | None = None
    tls_ca: str | None = None
    assistance: MutualAssistance | None = None
    mra: MutualRecognition | None = None

    def allows(self, kind: MessageKind, direction: Direction, day: date) -> str | None:
        """``None`` when an agreement in force covers ``kind`` in ``direction``, else why not."""
        if kind.needs_mra:
            if self.mra is None:
                return f"no mutual recognition arrangement with {self.code} covers AEO data"
            if not self.mra.in_force(day):
                return f"the MRA with {self.code} is not in force on {day}"
            return None
        agreement = self.assistance
        if agreement is None:
            return f"no mutual administrative assistance agreement with {self.code}"
        if not agreement.in_force(day):
            return f"the assistance agreement with {self.code} is not in force on {day}"
        covered = agreement.sends if direction == "send" else agreement.receives
        if kind not in covered:
            way = "to" if direction == "send" else "from"
            return f"the agreement with {self.code} does not cover {kind.value} {way} {self.code}"
        return None

    def mra_arrangement(self) -> MraArrangement | None:
        """The MRA as the decision's AEO benefit reads it."""
        if self.mra is None:
            return None
        return MraArrangement(
            partner=self.code,
            title=self.mra.title,
            valid_from=self.mra.valid_from,
            valid_to=self.mra.valid_to,
            recognises=self.mra.recognises,
        )


def with_partner_arrangements(
    registered: MraArrangements | None, partners: Sequence[Partner]
) -> MraArrangements | None:
    """The arrangements the AEO benefit reads: ``registers/mra.yaml``'s, each replaced by
    the one configured with its partner (the exchange's agreement is the one in force)."""
    configured = {a.partner: a for p in partners if (a := p.mra_arrangement()) is not None}
    if registered is None and not configured:
        return None
    listed = registered.arrangements if registered else ()
    kept = [a for a in listed if a.partner not in configured]
    return MraArrangements(arrangements=(*kept, *configured.values()))
