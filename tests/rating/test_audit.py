"""Post-clearance audit proposals: low and trading, or fallen since the last run."""

from __future__ import annotations

from datetime import timedelta

from hub.feedback import ControlOutcome
from hub.rating import TraderHistory, audit_proposals, rate
from tests.rating.test_score import NOW, W, control, declarations


def test_a_low_rated_trader_moving_goods_of_value_is_proposed() -> None:
    bad = TraderHistory(
        "GB-BAD", declarations(30), tuple(control(i, ControlOutcome.SEIZURE) for i in range(4))
    )
    good = TraderHistory("GB-GOOD", declarations(30))
    histories = {"GB-BAD": bad, "GB-GOOD": good}
    ratings = {p: rate(h, NOW, W) for p, h in histories.items()}

    proposals = audit_proposals(ratings, histories, W)

    assert [p.party for p in proposals] == ["GB-BAD"]
    assert proposals[0].reasons[0].startswith(f"rated {ratings['GB-BAD'].score} (low)")
    assert proposals[0].declared_value == 150000


def test_a_low_rated_trader_with_nothing_declared_is_not_proposed() -> None:
    bad = TraderHistory("GB-BAD", (), tuple(control(i, ControlOutcome.SEIZURE) for i in range(4)))
    rating = rate(bad, NOW, W)
    assert audit_proposals({"GB-BAD": rating}, {"GB-BAD": bad}, W) == []


def test_a_rating_that_fell_is_proposed_with_both_scores() -> None:
    before = TraderHistory("GB1", declarations(30))
    after = TraderHistory(
        "GB1", declarations(30), tuple(control(i, ControlOutcome.DISCREPANCY) for i in range(2))
    )
    old = rate(before, NOW - timedelta(days=1), W)
    new = rate(after, NOW, W)
    assert old.score - new.score >= W.audit.fall

    proposals = audit_proposals({"GB1": new}, {"GB1": after}, W, previous={"GB1": old})

    assert len(proposals) == 1 and proposals[0].previous_score == old.score
    assert f"rating fell from {old.score} to {new.score} since 2026-11-25" in proposals[0].reasons
