"""Traders proposed for post-clearance audit (the blue channel's work list).

Two reasons to look at a trader after release, across its declarations,
rather than consignment by consignment: a low rating while it still moves
goods of some value (the revenue at stake is where an audit pays), or a
rating that fell by ``audit.fall`` points or more since the last run (its
behaviour changed: find out why before it settles). Pure, like the rating.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from hub.rating.history import TraderHistory
from hub.rating.score import Rating, RatingBand
from hub.rating.weights import RatingWeights

__all__ = ["AuditProposal", "audit_proposals"]


class AuditProposal(BaseModel):
    """One trader proposed for post-clearance audit, with why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party: str
    score: int
    previous_score: int | None = None
    declared_value: Decimal = Decimal(0)
    at_stake: Decimal = Decimal(0)
    reasons: tuple[str, ...] = Field(min_length=1)


def audit_proposals(
    ratings: Mapping[str, Rating],
    histories: Mapping[str, TraderHistory],
    weights: RatingWeights,
    *,
    previous: Mapping[str, Rating] | None = None,
) -> list[AuditProposal]:
    """The parties of ``ratings`` to audit, lowest score first.

    ``previous`` are the ratings before this run (the store's latest before
    recording); without them only low ratings are proposed.
    """
    w = weights.audit
    found: list[AuditProposal] = []
    for party, rating in ratings.items():
        history = histories.get(party, TraderHistory(party))
        value = history.declared_value
        why: list[str] = []
        if rating.band is RatingBand.LOW and value >= Decimal(str(w.min_declared_value)):
            why.append(f"rated {rating.score} (low) while declaring {value:,.2f} in invoice value")
        before = previous.get(party) if previous is not None else None
        if before is not None and before.score - rating.score >= w.fall:
            why.append(
                f"rating fell from {before.score} to {rating.score}"
                f" since {before.rated_at.date().isoformat()}"
            )
        if not why:
            continue
        found.append(
            AuditProposal(
                party=party,
                score=rating.score,
                previous_score=before.score if before is not None else None,
                declared_value=value,
                at_stake=history.at_stake,
                reasons=(*why, *rating.reasons),
            )
        )
    return sorted(found, key=lambda p: (p.score, p.party))
