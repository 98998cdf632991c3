"""The behavioural rating: a score from 0 (worst record) to 100, its band, and why.

:func:`rate` is pure: a party's :class:`~hub.rating.history.TraderHistory`,
the day and the weights give the same rating every time. The score starts at
``start`` and moves with the record: clean controls, a long record and an AEO
certificate in force raise it; controls that found something (more so a
seizure or a detention), amendments, cancellations and a suspended or revoked
certificate lower it. A record too young or too thin to be trusted (fewer
than ``established_declarations`` or younger than ``established_days``) is
pulled towards ``neutral`` in proportion and capped below the high band: a
new trader earns a middle score, never a top one; what it did badly still
counts in full.

Each term that moved the score gives a reason an officer can read, both why
it is high and why it is low; there is always at least one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.decision.aeo import AeoCertificate, AeoStatus
from hub.feedback.result import ControlOutcome
from hub.rating.history import TraderHistory
from hub.rating.weights import RatingWeights

__all__ = ["Rating", "RatingBand", "band_of", "rate"]


class RatingBand(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Rating(BaseModel):
    """One party's rating on a day; ``basis`` the counts it was computed from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party: str = Field(min_length=1)
    score: int = Field(ge=0, le=100)
    band: RatingBand
    reasons: Annotated[tuple[str, ...], Field(min_length=1)]
    rated_at: datetime
    basis: dict[str, int] = Field(default_factory=dict)


def band_of(score: int, weights: RatingWeights) -> RatingBand:
    if score >= weights.high:
        return RatingBand.HIGH
    return RatingBand.MEDIUM if score >= weights.medium else RatingBand.LOW


def _moment(on: date) -> datetime:
    if isinstance(on, datetime):
        return on if on.tzinfo is not None else on.replace(tzinfo=UTC)
    return datetime.combine(on, time(), tzinfo=UTC)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %"


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def rate(history: TraderHistory, on: date, weights: RatingWeights) -> Rating:
    """``history``'s rating on ``on`` (a date, or the moment of the run), with its reasons."""
    at = _moment(on)
    w = weights
    reasons: list[str] = []
    raw = float(w.start)

    declarations = len(history.declarations)
    first = history.first_seen
    days = max(0, (at - first).days) if first is not None else 0
    if first is None:
        reasons.append("no declaration on record: no record yet")
    else:
        roles = ", ".join(f"{role} {n}" for role, n in sorted(history.roles.items()))
        reasons.append(f"{declarations} declarations since {first.date().isoformat()} ({roles})")

    controls = len(history.controls)
    found = history.findings
    outcomes = history.outcomes()
    if controls == 0:
        reasons.append("no control on its declarations yet")
    elif not found:
        reasons.append(f"{controls} controls, none found anything")
    else:
        what = (
            "a discrepancy" if outcomes[ControlOutcome.DISCREPANCY] == len(found) else "something"
        )
        reasons.append(
            f"{len(found)} of {controls} controls found {what} ({_percent(len(found), controls)})"
        )
    clean = controls - len(found)
    if clean:
        raw += min(w.clean_control_cap, clean * w.clean_control)
    if controls:
        raw -= w.finding_rate * len(found) / controls
    seizures = outcomes[ControlOutcome.SEIZURE]
    if seizures:
        last = max(c.recorded_at for c in found if c.outcome is ControlOutcome.SEIZURE)
        reasons.append(f"{seizures} seizures, the last on {last.date().isoformat()}")
        raw -= min(w.seizure_cap, seizures * w.seizure)
    detentions = outcomes[ControlOutcome.DETENTION]
    if detentions:
        reasons.append(f"{detentions} detentions of its goods")
        raw -= min(w.detention_cap, detentions * w.detention)
    if history.at_stake > 0:
        reasons.append(f"duty or value at stake in what controls found: {_money(history.at_stake)}")

    if declarations:
        amended, cancelled = history.amendments, history.cancellations
        if amended:
            reasons.append(
                f"{amended} of {declarations} declarations were amendments"
                f" ({_percent(amended, declarations)})"
            )
            raw -= w.amendment_rate * amended / declarations
        if cancelled:
            reasons.append(f"{cancelled} of {declarations} declarations were cancellations")
            raw -= w.cancellation_rate * cancelled / declarations

    raw += _aeo(history.certificates, at.date(), w, reasons)

    years = days / 365.25
    if years >= 1:
        reasons.append(f"a record of {int(years)} years")
        raw += min(w.record_cap, int(years) * w.record_year)

    confidence = min(1.0, declarations / w.established_declarations, days / w.established_days)
    if confidence < 1.0:
        if raw > w.neutral:
            raw = w.neutral + (raw - w.neutral) * confidence
        raw = min(raw, float(w.new_trader_cap))
        if first is not None and days < 30:
            reasons.append(f"first declaration {days} days ago: no record yet")
        elif first is not None:
            reasons.append(
                f"{declarations} declarations over {days} days:"
                " too short a record for a high rating"
            )

    score = max(0, min(100, round(raw)))
    basis = {
        "declarations": declarations,
        "controls": controls,
        "findings": len(found),
        "seizures": seizures,
        "detentions": detentions,
        "amendments": history.amendments,
        "cancellations": history.cancellations,
        "aeo_in_force": sum(c.valid_on(at.date()) for c in history.certificates),
        "record_days": days,
        "at_stake": int(history.at_stake),
    }
    return Rating(
        party=history.party,
        score=score,
        band=band_of(score, w),
        reasons=tuple(reasons),
        rated_at=at,
        basis=basis,
    )


def _aeo(
    certificates: tuple[AeoCertificate, ...], day: date, w: RatingWeights, reasons: list[str]
) -> float:
    """Points for the best certificate in force, less the worst suspension or revocation."""
    bonus = 0.0
    for cert in certificates:
        if cert.valid_on(day):
            reasons.append(f"{cert.type.value} granted since {cert.valid_from.year}")
            bonus = max(bonus, w.aeo.get(cert.type.value, 0.0))
        elif cert.status is AeoStatus.GRANTED:
            reasons.append(f"{cert.type.value} granted but not in force on {day.isoformat()}")
    penalty = 0.0
    for cert in certificates:
        if cert.status is AeoStatus.SUSPENDED:
            reasons.append(f"{cert.type.value} certificate suspended")
            penalty = max(penalty, w.aeo_suspended)
        elif cert.status is AeoStatus.REVOKED:
            reasons.append(f"{cert.type.value} certificate revoked")
            penalty = max(penalty, w.aeo_revoked)
    return bonus - penalty
