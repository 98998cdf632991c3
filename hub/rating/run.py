"""A rating run: every party the store has seen, rated and recorded; and when the next is due.

The one place the rating touches the store, through the few methods of
:class:`RatingStore` (:class:`hub.store.Store` has them), so the command line
(``hub rating run``) and the running hub (its relay loop, through
:class:`RatingSchedule`) run exactly the same thing. The history read goes
back ``window_days``: an irregularity ages out of the rating.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from hub.rating.audit import AuditProposal, audit_proposals
from hub.rating.history import TraderHistory
from hub.rating.score import Rating, rate
from hub.rating.weights import RatingWeights

__all__ = [
    "RatingRun",
    "RatingSchedule",
    "RatingStore",
    "current_proposals",
    "rate_all",
    "run_rating",
]

log = logging.getLogger(__name__)

_EMPTY_RETRY = timedelta(minutes=1)


class RatingStore(Protocol):
    """What a rating run reads and writes (the store's ratings mixin)."""

    def trader_histories(self, since: datetime | None = None) -> dict[str, TraderHistory]: ...

    def latest_ratings(self) -> dict[str, Rating]: ...

    def previous_ratings(self) -> dict[str, Rating]: ...

    def record_ratings(self, ratings: Sequence[Rating], at: datetime) -> int: ...

    def last_rated_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class RatingRun:
    """What a run did: the ratings it recorded, the histories and the ratings before it."""

    at: datetime
    ratings: dict[str, Rating]
    histories: dict[str, TraderHistory]
    previous: dict[str, Rating]


def rate_all(
    histories: Mapping[str, TraderHistory], at: datetime, weights: RatingWeights
) -> dict[str, Rating]:
    """Every history rated at ``at``."""
    return {party: rate(history, at, weights) for party, history in sorted(histories.items())}


def run_rating(
    store: RatingStore, at: datetime, weights: RatingWeights, *, record: bool = True
) -> RatingRun:
    """Rate every party seen in the last ``window_days`` at ``at``; record them unless told not."""
    previous = store.latest_ratings()
    histories = store.trader_histories(at - timedelta(days=weights.window_days))
    ratings = rate_all(histories, at, weights)
    if record and ratings:
        store.record_ratings(list(ratings.values()), at)
    return RatingRun(at, ratings, histories, previous)


def current_proposals(
    store: RatingStore, at: datetime, weights: RatingWeights
) -> list[AuditProposal]:
    """The audit proposals of the latest ratings, each against the one before it."""
    histories = store.trader_histories(at - timedelta(days=weights.window_days))
    return audit_proposals(
        store.latest_ratings(), histories, weights, previous=store.previous_ratings()
    )


class RatingSchedule:
    """Runs the rating when the latest run is older than ``interval_h`` (0: never).

    Asked on every relay round; it asks the store only when its own idea of
    the next run has come (another process may have run it meanwhile), so a
    round costs nothing most of the time. Never raises: a failed run is
    logged and tried again at the next round.
    """

    def __init__(
        self,
        store: RatingStore,
        weights: RatingWeights,
        interval_h: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self.weights = weights
        self._interval = timedelta(hours=interval_h)
        self._clock = clock
        self._next: datetime | None = None

    def run_if_due(self) -> RatingRun | None:
        """The run made now, or ``None`` when none was due (or it failed)."""
        if not self._interval:
            return None
        now = self._clock()
        if self._next is not None and now < self._next:
            return None
        try:
            last = self._store.last_rated_at()
            if last is not None and now - last < self._interval:
                self._next = last + self._interval
                return None
            done = run_rating(self._store, now, self.weights)
        except Exception as exc:
            log.warning("rating run failed, will retry: %s", exc)
            return None
        # Nobody to rate yet (a fresh hub): look again soon rather than in a day.
        self._next = now + (self._interval if done.ratings else min(self._interval, _EMPTY_RETRY))
        log.info("rating run: %d parties rated", len(done.ratings))
        return done
