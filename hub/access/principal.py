"""A principal: who a request acts for, as its token names it.

Five roles, each with what scopes it:

- ``trader``: acts for the parties (EORI, TIN) in ``parties``; reads the
  declarations it submitted or is a party to, in the trader's view only.
- ``officer``: of one ``agency``, at ``offices`` (none named: every office);
  reads the declarations routed to its agency at those offices.
- ``jtc``: an analyst of the joint targeting centre; reads everything,
  confidential findings included (each such read is audited).
- ``partner``: a partner administration (``administration``); reaches only the
  exchange, never a declaration.
- ``admin``: runs the hub (health, metrics, audit verification); reads no
  declaration content.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Principal", "Role"]


class Role(StrEnum):
    TRADER = "trader"
    OFFICER = "officer"
    JTC = "jtc"
    PARTNER = "partner"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who a request acts for; ``token_id`` is the token's ``jti`` (audited on use)."""

    subject: str
    role: Role
    parties: tuple[str, ...] = ()
    agency: str | None = None
    offices: tuple[str, ...] = ()
    administration: str | None = None
    token_id: str | None = None

    def __post_init__(self) -> None:
        if self.role is Role.TRADER and not self.parties:
            raise ValueError("a trader acts for at least one party identifier")
        if self.role is Role.OFFICER and not self.agency:
            raise ValueError("an officer belongs to an agency")
        if self.role is Role.PARTNER and not self.administration:
            raise ValueError("a partner is an administration")

    @property
    def actor(self) -> str:
        """How the audit trail names this principal: role, agency, subject."""
        scope = f"{self.role.value}:{self.agency}" if self.agency else self.role.value
        return f"{scope}:{self.subject}"
