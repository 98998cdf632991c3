"""Effectiveness review: below the floor, below random, or too few controls to say."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import InvalidRegister
from hub.kpi import (
    RANDOM,
    ProfilePerformance,
    ReviewThresholds,
    load_review_thresholds,
    random_hit_rate,
    review,
)

THRESHOLDS = ReviewThresholds(min_controls=50, min_hit_rate=0.05, compare_with_random=True)


def row(profile: str, controls: int, found: int, agency: str = "customs") -> ProfilePerformance:
    return ProfilePerformance(
        profile_id=profile,
        version=None if profile == RANDOM else 1,
        agency=agency,
        controls=controls,
        controls_with_finding=found,
    )


def test_a_profile_below_the_floor_is_flagged_with_its_reason_in_words() -> None:
    (flagged,) = review([row("CUS-1", 50, 1)], THRESHOLDS)
    assert flagged.flagged_for_review
    assert flagged.review_reason == "hit rate 2.0 % over 50 controls, below the 5.0 % floor"


def test_a_profile_below_random_selection_is_flagged_and_random_never() -> None:
    rows = [
        row("CUS-1", 100, 5),
        row("CUS-2", 60, 30),
        row(RANDOM, 40, 3),
        row(RANDOM, 42, 2, "vet"),
    ]
    assert random_hit_rate(rows, THRESHOLDS) == pytest.approx(5 / 82)
    reviewed = review(rows, THRESHOLDS)
    assert [r.flagged_for_review for r in reviewed] == [True, False, False, False]
    assert reviewed[0].review_reason == (
        "hit rate 5.0 % over 100 controls, below random selection's 6.1 %"
    )


def test_both_reasons_are_given() -> None:
    rows = [row("CUS-1", 50, 1), row(RANDOM, 100, 10)]
    assert review(rows, THRESHOLDS)[0].review_reason == (
        "hit rate 2.0 % over 50 controls, below the 5.0 % floor and below random selection's 10.0 %"
    )


def test_too_few_controls_say_nothing() -> None:
    rows = [row("CUS-1", 49, 0), row("CUS-2", 60, 4), row(RANDOM, 49, 40)]
    assert random_hit_rate(rows, THRESHOLDS) is None  # random itself under min_controls
    assert not any(r.flagged_for_review for r in review(rows, THRESHOLDS))


def test_random_is_not_compared_unless_configured() -> None:
    rows = [row("CUS-1", 100, 8), row(RANDOM, 100, 50)]
    assert review(rows, THRESHOLDS)[0].flagged_for_review
    quiet = THRESHOLDS.model_copy(update={"compare_with_random": False})
    assert not review(rows, quiet)[0].flagged_for_review


def test_the_register_is_read_and_a_bad_one_refused_naming_the_key(tmp_path: Path) -> None:
    bundled = load_review_thresholds()
    assert bundled.compare_with_random and 0 < bundled.min_hit_rate < 1
    bad = tmp_path / "effectiveness.yaml"
    bad.write_text("min_controls: 20\nmin_hit_rate: 5\n", encoding="utf-8")
    with pytest.raises(InvalidRegister) as caught:
        load_review_thresholds(bad)
    assert caught.value.field == "min_hit_rate" and caught.value.line == 2
