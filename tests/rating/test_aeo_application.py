"""Scoring an AEO application from the applicant's record."""

from __future__ import annotations

from hub.decision import AeoStatus, AeoType
from hub.feedback import ControlOutcome
from hub.rating import Recommendation, TraderHistory, score_aeo_application
from tests.rating.test_score import NOW, W, aeo, control, declarations


def test_a_long_clean_record_is_recommended_for_grant() -> None:
    history = TraderHistory(
        "GB1",
        declarations(40, since_days=1500),
        tuple(control(i, ControlOutcome.NO_FINDING) for i in range(10)),
    )
    score = score_aeo_application(history, NOW.date(), W)
    assert score.recommendation is Recommendation.GRANT and score.score == 100
    assert [c.criterion for c in score.criteria] == [
        "compliance record",
        "age of record",
        "control outcomes",
        "amendments",
    ]
    assert all(c.met for c in score.criteria)


def test_a_seizure_refuses() -> None:
    history = TraderHistory(
        "GB1",
        declarations(40, since_days=1500),
        (
            control(0, ControlOutcome.SEIZURE),
            *(control(i, ControlOutcome.NO_FINDING) for i in range(1, 10)),
        ),
    )
    score = score_aeo_application(history, NOW.date(), W)
    assert score.recommendation is Recommendation.REFUSE
    assert score.criteria[0].finding == "1 seizures" and not score.criteria[0].met


def test_a_young_record_goes_to_review_saying_why() -> None:
    history = TraderHistory(
        "GB1",
        declarations(25, since_days=500),
        tuple(control(i, ControlOutcome.NO_FINDING) for i in range(6)),
    )
    score = score_aeo_application(history, NOW.date(), W)
    assert score.recommendation is Recommendation.REVIEW
    age = score.criteria[1]
    assert (
        not age.met
        and age.finding == "25 declarations over 1.4 years (at least 20 over 3 years asked)"
    )


def test_a_suspended_certificate_fails_the_compliance_record() -> None:
    history = TraderHistory(
        "GB1",
        declarations(40, since_days=1500),
        (),
        (aeo(AeoType.AEOS, AeoStatus.SUSPENDED),),
    )
    score = score_aeo_application(history, NOW.date(), W)
    assert score.criteria[0].finding == "AEOS suspended"
    assert score.recommendation is not Recommendation.GRANT


def test_no_record_is_refused() -> None:
    score = score_aeo_application(TraderHistory("GB1"), NOW.date(), W)
    assert score.recommendation is Recommendation.REFUSE and score.score < W.aeo_application.refuse
