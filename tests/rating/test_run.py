"""The periodic run: due when the latest run is older than the interval, never with 0."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hub.rating import RatingSchedule, load_rating_weights
from hub.store import Store
from tests.decision.support import NOW
from tests.store.test_ratings_store import _declare


def test_the_schedule_runs_when_due_and_not_before(tmp_path: Path) -> None:
    with Store.embedded(tmp_path / "hub.db") as store:
        _declare(store, 1, "GB-IMP")
        now = [NOW]
        schedule = RatingSchedule(store, load_rating_weights(), 24, lambda: now[0])

        assert schedule.run_if_due() is not None and store.last_rated_at() == NOW
        now[0] = NOW + timedelta(hours=23)
        assert schedule.run_if_due() is None
        now[0] = NOW + timedelta(hours=24)
        done = schedule.run_if_due()
        assert done is not None and set(done.ratings) == {"GB-AGENT", "GB-IMP"}
        assert len(store.rating_history("GB-IMP")) == 2


def test_an_interval_of_0_never_runs(tmp_path: Path) -> None:
    with Store.embedded(tmp_path / "hub.db") as store:
        _declare(store, 1, "GB-IMP")
        schedule = RatingSchedule(store, load_rating_weights(), 0, lambda: datetime.now(NOW.tzinfo))
        assert schedule.run_if_due() is None and store.last_rated_at() is None
