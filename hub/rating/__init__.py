"""The behavioural rating of traders and carriers: the learning loop's verdict on a party.

From a party's record with the hub (its declarations in any role, what the
controls on them found, its amendments and cancellations, its AEO status and
the age of its record), :func:`rate` gives a score from 0 to 100, a band and
the reasons an officer reads. The same record proposes traders for
post-clearance audit (:func:`audit_proposals`) and scores an application for
AEO status (:func:`score_aeo_application`). Everything here is pure except
:mod:`hub.rating.run`, which reads and records through the store; the weights
are a register (``registers/rating.yaml``). Transactional rules read the
ratings the store holds through the CEL function ``trader_rating``.
"""

from hub.rating.aeo_application import (
    AeoApplicationScore,
    CriterionFinding,
    Recommendation,
    score_aeo_application,
)
from hub.rating.audit import AuditProposal, audit_proposals
from hub.rating.history import RATED_ROLES, ControlSeen, DeclarationSeen, TraderHistory
from hub.rating.run import (
    RatingRun,
    RatingSchedule,
    RatingStore,
    current_proposals,
    rate_all,
    run_rating,
)
from hub.rating.score import Rating, RatingBand, band_of, rate
from hub.rating.weights import (
    AeoApplicationWeights,
    AuditWeights,
    RatingWeights,
    load_rating_weights,
)

__all__ = [
    "RATED_ROLES",
    "AeoApplicationScore",
    "AeoApplicationWeights",
    "AuditProposal",
    "AuditWeights",
    "ControlSeen",
    "CriterionFinding",
    "DeclarationSeen",
    "Rating",
    "RatingBand",
    "RatingRun",
    "RatingSchedule",
    "RatingStore",
    "RatingWeights",
    "Recommendation",
    "TraderHistory",
    "audit_proposals",
    "band_of",
    "current_proposals",
    "load_rating_weights",
    "rate",
    "rate_all",
    "run_rating",
    "score_aeo_application",
]
