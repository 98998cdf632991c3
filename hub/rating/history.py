"""What the hub knows of one trader or carrier: the record a behavioural rating is read from.

A party's history is assembled from the store (its declarations in any role,
the control results on them, the AEO certificates it holds) and is then a
plain value: the rating, the audit proposals and the AEO application score
are pure functions of it and of a day, so a rating can be explained and
recomputed, and property-tested without a database.

A control result counts against every party its declaration names: the
importer and the declarant answer for the declared data, the carrier for
what it carried. The hub does not guess whose fault a discrepancy was; the
reasons say how many controls, so an officer can look.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.decision.aeo import AeoCertificate
from hub.feedback.result import ControlOutcome
from hub.model.declaration import DeclarationFunction

__all__ = ["RATED_ROLES", "ControlSeen", "DeclarationSeen", "TraderHistory"]

# The roles a party is rated in: who declares, imports, exports, ships, receives, carries.
RATED_ROLES = (
    "submitter",
    "importer",
    "exporter",
    "declarant",
    "consignee",
    "consignor",
    "carrier",
)


@dataclass(frozen=True)
class DeclarationSeen:
    """One declaration naming the party: when, in which roles, whether it amended or cancelled."""

    declaration_id: str
    accepted_at: datetime
    roles: tuple[str, ...]
    function: DeclarationFunction = DeclarationFunction.ORIGINAL
    declared_value: Decimal = Decimal(0)  # the invoice amount, as declared


@dataclass(frozen=True)
class ControlSeen:
    """One control result on a declaration naming the party."""

    declaration_id: str
    agency: str
    outcome: ControlOutcome
    recorded_at: datetime
    duty_at_stake: Decimal | None = None
    value_at_stake: Decimal | None = None

    @property
    def found(self) -> bool:
        """The control found something: a discrepancy, a seizure or a detention."""
        return self.outcome is not ControlOutcome.NO_FINDING

    @property
    def at_stake(self) -> Decimal:
        """The duty at stake, else the value at stake, else nothing."""
        if self.duty_at_stake is not None:
            return self.duty_at_stake
        return self.value_at_stake if self.value_at_stake is not None else Decimal(0)


@dataclass(frozen=True)
class TraderHistory:
    """One party's declarations (any role), controls on them and AEO certificates."""

    party: str
    declarations: tuple[DeclarationSeen, ...] = ()
    controls: tuple[ControlSeen, ...] = ()
    certificates: tuple[AeoCertificate, ...] = ()

    @property
    def first_seen(self) -> datetime | None:
        return min((d.accepted_at for d in self.declarations), default=None)

    @property
    def last_seen(self) -> datetime | None:
        return max((d.accepted_at for d in self.declarations), default=None)

    @property
    def roles(self) -> Counter[str]:
        """How many declarations name the party in each role."""
        return Counter(role for d in self.declarations for role in d.roles)

    @property
    def amendments(self) -> int:
        return sum(d.function is DeclarationFunction.AMENDMENT for d in self.declarations)

    @property
    def cancellations(self) -> int:
        return sum(d.function is DeclarationFunction.CANCELLATION for d in self.declarations)

    @property
    def findings(self) -> tuple[ControlSeen, ...]:
        """The controls that found something."""
        return tuple(c for c in self.controls if c.found)

    def outcomes(self) -> Counter[ControlOutcome]:
        return Counter(c.outcome for c in self.controls)

    @property
    def at_stake(self) -> Decimal:
        """Duty (else value) at stake in the controls that found something."""
        return sum((c.at_stake for c in self.findings), Decimal(0))

    @property
    def declared_value(self) -> Decimal:
        """The invoice amounts declared, summed as declared (currencies are not converted)."""
        return sum((d.declared_value for d in self.declarations), Decimal(0))
