"""Behavioural ratings kept run after run, and the histories they are computed from.

Insert-only: each run adds one row per party, so a party's rating can be
shown as it was when a rule read it, and a fall between runs is visible.
The histories of every party are read in a fixed number of queries (the
declarations, the control results on them, the AEO certificates), whatever
the number of parties: a run rates thousands of traders at once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, insert, select

from hub.feedback.result import ControlOutcome
from hub.model.declaration import DeclarationFunction
from hub.rating.history import RATED_ROLES, ControlSeen, DeclarationSeen, TraderHistory
from hub.rating.score import Rating, RatingBand
from hub.store._aeo import _current
from hub.store._audit_trail import HUB_ACTOR, AuditTrailMixin
from hub.store._statements import DECLARATIONS, RESULTS
from hub.store.schema import Base, TraderRatingRecord

__all__ = ["RatingsMixin"]

RATINGS = Base.metadata.tables[TraderRatingRecord.__tablename__]
_R = RATINGS.c
_LATEST_IDS = select(func.max(_R.id)).group_by(_R.party).scalar_subquery()
LATEST_RATINGS = select(RATINGS).where(_R.id.in_(_LATEST_IDS)).order_by(_R.party)
_PREVIOUS_IDS = (
    select(func.max(_R.id)).where(_R.id.not_in(_LATEST_IDS)).group_by(_R.party).scalar_subquery()
)
PREVIOUS_RATINGS = select(RATINGS).where(_R.id.in_(_PREVIOUS_IDS)).order_by(_R.party)
RATINGS_GENERATION = select(func.coalesce(func.max(_R.id), 0))
LAST_RATED_AT = select(func.max(_R.rated_at))
_D = DECLARATIONS.c
_DECLARATIONS_SEEN = select(_D.id, _D.submitter, _D.function, _D.declaration_json, _D.accepted_at)
_RESULTS_SEEN = select(
    RESULTS.c.declaration_id,
    RESULTS.c.agency,
    RESULTS.c.outcome,
    RESULTS.c.result_json,
    RESULTS.c.recorded_at,
).join(DECLARATIONS, _D.id == RESULTS.c.declaration_id)
_ROLES = frozenset(RATED_ROLES)


class RatingsMixin(AuditTrailMixin):
    """Recording rating runs (audited) and reading ratings and the histories behind them."""

    def record_ratings(
        self, ratings: Sequence[Rating], at: datetime, *, actor: str = HUB_ACTOR
    ) -> int:
        """Keep one row per rating (history kept), audited as ``ratings.recorded``; how many."""
        if not ratings:
            return 0
        rows = [
            {
                "party": r.party,
                "score": r.score,
                "band": r.band.value,
                "reasons": list(r.reasons),
                "basis": dict(r.basis),
                "rated_at": r.rated_at,
            }
            for r in ratings
        ]
        with self._transaction() as conn:
            conn.execute(insert(RATINGS), rows)
            self._append_audit(
                conn,
                actor=actor,
                action="ratings.recorded",
                subject=None,
                detail={"count": len(rows)},
                at=at,
            )
        return len(rows)

    def latest_ratings(self) -> dict[str, Rating]:
        """Each party's latest rating, by party."""
        with self._reading() as conn:
            return {row["party"]: _rating(row) for row in conn.execute(LATEST_RATINGS).mappings()}

    def previous_ratings(self) -> dict[str, Rating]:
        """Each party's rating before its latest one (parties rated once have none)."""
        with self._reading() as conn:
            return {row["party"]: _rating(row) for row in conn.execute(PREVIOUS_RATINGS).mappings()}

    def rating_history(self, party: str) -> list[Rating]:
        """Every rating ``party`` received, oldest first."""
        query = select(RATINGS).where(_R.party == party).order_by(_R.id)
        with self._reading() as conn:
            return [_rating(row) for row in conn.execute(query).mappings()]

    def rating_scores(self) -> dict[str, int]:
        """Each party's latest score: what the rules' ``trader_rating`` reads."""
        query = select(RATINGS.c.party, RATINGS.c.score).where(_R.id.in_(_LATEST_IDS))
        with self._reading() as conn:
            return {party: int(score) for party, score in conn.execute(query)}

    def ratings_generation(self) -> int:
        """Grows with every rating recorded (rows are only added); 0 before the first run."""
        with self._reading() as conn:
            return int(conn.scalar(RATINGS_GENERATION) or 0)

    def last_rated_at(self) -> datetime | None:
        """When the latest run rated, or ``None`` before the first."""
        with self._reading() as conn:
            found: datetime | None = conn.scalar(LAST_RATED_AT)
        return found

    def trader_histories(self, since: datetime | None = None) -> dict[str, TraderHistory]:
        """Every party named by a declaration accepted since ``since`` (all if ``None``),
        with those declarations, the control results on them and its AEO certificates."""
        declarations = _DECLARATIONS_SEEN
        results = _RESULTS_SEEN
        if since is not None:
            declarations = declarations.where(_D.accepted_at >= since)
            results = results.where(_D.accepted_at >= since)
        with self._reading() as conn:
            seen = conn.execute(declarations).all()
            controls = conn.execute(results).all()
            certificates = _current(conn, None).values()
        parties_of: dict[str, list[str]] = {}
        by_party: dict[str, list[DeclarationSeen]] = defaultdict(list)
        for declaration_id, submitter, function, text, accepted_at in seen:
            body = json.loads(text)
            roles = _roles(submitter, body)
            value = _invoice_amount(body)
            kind = DeclarationFunction(function) if function else DeclarationFunction.ORIGINAL
            parties_of[declaration_id] = list(roles)
            for party, held in roles.items():
                by_party[party].append(
                    DeclarationSeen(declaration_id, accepted_at, tuple(held), kind, value)
                )
        controls_of: dict[str, list[ControlSeen]] = defaultdict(list)
        for declaration_id, agency, outcome, text, recorded_at in controls:
            result = json.loads(text)
            control = ControlSeen(
                declaration_id,
                agency,
                ControlOutcome(outcome),
                recorded_at,
                _decimal(result.get("duty_at_stake")),
                _decimal(result.get("value_at_stake")),
            )
            for party in parties_of.get(declaration_id, ()):
                controls_of[party].append(control)
        held_by: dict[str, list[Any]] = defaultdict(list)
        for certificate in certificates:
            held_by[certificate.operator].append(certificate)
        return {
            party: TraderHistory(
                party,
                tuple(sorted(found, key=lambda d: (d.accepted_at, d.declaration_id))),
                tuple(sorted(controls_of.get(party, ()), key=lambda c: c.recorded_at)),
                tuple(held_by.get(party, ())),
            )
            for party, found in sorted(by_party.items())
        }


def _roles(submitter: str | None, body: dict[str, Any]) -> dict[str, list[str]]:
    """The rated parties of a declaration body, each with the roles it holds there."""
    roles: dict[str, list[str]] = defaultdict(list)
    if submitter:
        roles[submitter].append("submitter")
    for party in body.get("parties", ()):
        role, party_id = party.get("role"), party.get("id")
        if party_id and role in _ROLES and role not in roles[party_id]:
            roles[party_id].append(role)
    return roles


def _invoice_amount(body: dict[str, Any]) -> Decimal:
    amount = ((body.get("totals") or {}).get("invoice_amount") or {}).get("amount")
    return _decimal(amount) or Decimal(0)


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _rating(row: Any) -> Rating:
    return Rating(
        party=row["party"],
        score=row["score"],
        band=RatingBand(row["band"]),
        reasons=tuple(row["reasons"]),
        rated_at=row["rated_at"],
        basis=dict(row["basis"]),
    )
