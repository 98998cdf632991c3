"""Scoring an application for AEO status from the applicant's record with the hub.

The AEO criteria (WCO SAFE Framework, UCC art. 39) start with a record of
compliance with customs legislation. What the hub can say about it, per
criterion, worth 25 points each: the compliance record (no seizure, no
detention, no suspended or revoked certificate), the age of the record, the
control outcomes (enough controls, few findings) and the amendments. The
recommendation is ``grant`` at ``grant`` points with every criterion met,
``refuse`` under ``refuse`` points or after a seizure, ``review`` otherwise:
an officer decides, the hub only reads the record.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hub.decision.aeo import AeoStatus
from hub.feedback.result import ControlOutcome
from hub.rating.history import TraderHistory
from hub.rating.weights import RatingWeights

__all__ = ["AeoApplicationScore", "CriterionFinding", "Recommendation", "score_aeo_application"]


class Recommendation(StrEnum):
    GRANT = "grant"
    REVIEW = "review"
    REFUSE = "refuse"


class CriterionFinding(BaseModel):
    """What the record says on one criterion: met or not, the points, in words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    criterion: str
    met: bool
    points: int
    finding: str


class AeoApplicationScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    party: str
    on: date
    score: int
    recommendation: Recommendation
    criteria: tuple[CriterionFinding, ...]


def score_aeo_application(
    history: TraderHistory, on: date, weights: RatingWeights | None = None
) -> AeoApplicationScore:
    """The applicant's record on ``on``, criterion by criterion (see the module docstring)."""
    w = (weights or RatingWeights()).aeo_application
    outcomes = history.outcomes()
    seizures, detentions = outcomes[ControlOutcome.SEIZURE], outcomes[ControlOutcome.DETENTION]
    lost = [c for c in history.certificates if c.status is not AeoStatus.GRANTED]
    criteria: list[CriterionFinding] = []

    if seizures or detentions or lost:
        parts = []
        if seizures:
            parts.append(f"{seizures} seizures")
        if detentions:
            parts.append(f"{detentions} detentions")
        parts += [f"{c.type.value} {c.status.value}" for c in lost]
        criteria.append(
            CriterionFinding(
                criterion="compliance record", met=False, points=0, finding=", ".join(parts)
            )
        )
    else:
        criteria.append(
            CriterionFinding(
                criterion="compliance record",
                met=True,
                points=25,
                finding="no seizure, detention, suspension or revocation on record",
            )
        )

    first = history.first_seen
    years = max(0.0, (on - first.date()).days / 365.25) if first is not None else 0.0
    declarations = len(history.declarations)
    if first is None:
        criteria.append(
            CriterionFinding(
                criterion="age of record", met=False, points=0, finding="no declaration on record"
            )
        )
    else:
        enough = years >= w.min_years and declarations >= w.min_declarations
        share = min(1.0, years / w.min_years if w.min_years else 1.0)
        criteria.append(
            CriterionFinding(
                criterion="age of record",
                met=enough,
                points=round(25 * share)
                if declarations >= w.min_declarations
                else round(12 * share),
                finding=f"{declarations} declarations over {years:.1f} years"
                f" (at least {w.min_declarations} over {w.min_years:g} years asked)",
            )
        )

    controls = len(history.controls)
    found = len(history.findings)
    rate = found / controls if controls else 0.0
    if controls < w.min_controls:
        criteria.append(
            CriterionFinding(
                criterion="control outcomes",
                met=False,
                points=10 if found == 0 else 0,
                finding=f"{controls} controls: too few to judge (at least {w.min_controls} asked)",
            )
        )
    else:
        criteria.append(
            CriterionFinding(
                criterion="control outcomes",
                met=rate <= w.max_finding_rate,
                points=round(25 * max(0.0, 1 - rate / (2 * w.max_finding_rate)))
                if w.max_finding_rate
                else (25 if found == 0 else 0),
                finding=f"{found} of {controls} controls found something ({100 * rate:.0f} %,"
                f" at most {100 * w.max_finding_rate:.0f} % asked)",
            )
        )

    amended = history.amendments
    share_amended = amended / declarations if declarations else 0.0
    criteria.append(
        CriterionFinding(
            criterion="amendments",
            met=declarations > 0 and share_amended <= w.max_amendment_rate,
            points=round(25 * max(0.0, 1 - share_amended / (2 * w.max_amendment_rate)))
            if declarations and w.max_amendment_rate
            else 0,
            finding=f"{amended} of {declarations} declarations amended"
            f" ({100 * share_amended:.0f} %, at most {100 * w.max_amendment_rate:.0f} % asked)",
        )
    )

    score = max(0, min(100, sum(c.points for c in criteria)))
    if seizures or score < w.refuse:
        recommendation = Recommendation.REFUSE
    elif score >= w.grant and all(c.met for c in criteria):
        recommendation = Recommendation.GRANT
    else:
        recommendation = Recommendation.REVIEW
    return AeoApplicationScore(
        party=history.party,
        on=on,
        score=score,
        recommendation=recommendation,
        criteria=tuple(criteria),
    )
