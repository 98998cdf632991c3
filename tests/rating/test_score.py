"""The behavioural rating: bounded, monotone in what controls find and in AEO status, explained."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hub.decision import AeoCertificate, AeoStatus, AeoType
from hub.feedback import ControlOutcome
from hub.model import DeclarationFunction
from hub.rating import (
    ControlSeen,
    DeclarationSeen,
    RatingBand,
    RatingWeights,
    TraderHistory,
    load_rating_weights,
    rate,
)

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
W = load_rating_weights()


def declarations(
    n: int, *, since_days: int = 1000, amended: int = 0
) -> tuple[DeclarationSeen, ...]:
    step = since_days / max(n, 1)
    return tuple(
        DeclarationSeen(
            f"D{i}",
            NOW - timedelta(days=since_days - i * step),
            ("importer",),
            DeclarationFunction.AMENDMENT if i < amended else DeclarationFunction.ORIGINAL,
            Decimal(5000),
        )
        for i in range(n)
    )


def control(i: int, outcome: ControlOutcome, at_stake: int | None = None) -> ControlSeen:
    duty = Decimal(at_stake) if at_stake is not None else None
    return ControlSeen(f"D{i}", "customs", outcome, NOW - timedelta(days=i), duty)


def aeo(kind: AeoType, status: AeoStatus = AeoStatus.GRANTED, since: int = 2021) -> AeoCertificate:
    return AeoCertificate(
        operator="GB1", type=kind, status=status, valid_from=date(since, 1, 1), issued_by="GB"
    )


def test_a_clean_long_record_with_an_aeo_is_rated_high_with_its_reasons() -> None:
    history = TraderHistory(
        "GB1",
        declarations(40),
        tuple(control(i, ControlOutcome.NO_FINDING) for i in range(12)),
        (aeo(AeoType.AEOF),),
    )

    rating = rate(history, NOW, W)

    assert rating.band is RatingBand.HIGH and rating.score >= 90
    assert "12 controls, none found anything" in rating.reasons
    assert "AEOF granted since 2021" in rating.reasons
    assert any(r.startswith("a record of 2 years") for r in rating.reasons)


def test_controls_that_found_discrepancies_and_seizures_make_it_low() -> None:
    found = [control(i, ControlOutcome.DISCREPANCY, 1200) for i in range(3)]
    found += [control(3 + i, ControlOutcome.SEIZURE) for i in range(2)]
    clean = [control(5 + i, ControlOutcome.NO_FINDING) for i in range(7)]
    history = TraderHistory("GB1", declarations(40, amended=8), tuple(found + clean))

    rating = rate(history, NOW, W)

    assert rating.band is RatingBand.LOW and rating.score < 40
    assert "5 of 12 controls found something (42 %)" in rating.reasons
    assert any(r.startswith("2 seizures, the last on") for r in rating.reasons)
    assert "8 of 40 declarations were amendments (20 %)" in rating.reasons
    assert "duty or value at stake in what controls found: 3,600.00" in rating.reasons
    assert rating.basis["findings"] == 5 and rating.basis["seizures"] == 2


def test_only_discrepancies_are_named_so() -> None:
    controls = (
        control(0, ControlOutcome.DISCREPANCY),
        *(control(i, ControlOutcome.NO_FINDING) for i in range(1, 4)),
    )
    rating = rate(TraderHistory("GB1", declarations(20), controls), NOW, W)
    assert "1 of 4 controls found a discrepancy (25 %)" in rating.reasons


def test_a_new_trader_gets_a_middle_score_never_a_top_one() -> None:
    history = TraderHistory(
        "GB1",
        declarations(2, since_days=9),
        (control(0, ControlOutcome.NO_FINDING),),
        (aeo(AeoType.AEOF),),
    )

    rating = rate(history, NOW, W)

    assert rating.band is RatingBand.MEDIUM and rating.score <= W.new_trader_cap
    assert "first declaration 9 days ago: no record yet" in rating.reasons


def test_a_party_with_no_declaration_is_neutral() -> None:
    rating = rate(TraderHistory("GB1"), NOW, W)
    assert rating.score == W.neutral and rating.band is RatingBand.MEDIUM


def test_a_suspended_certificate_costs_points() -> None:
    base = TraderHistory("GB1", declarations(30))
    suspended = TraderHistory(
        "GB1", declarations(30), (), (aeo(AeoType.AEOS, AeoStatus.SUSPENDED),)
    )
    assert rate(suspended, NOW, W).score < rate(base, NOW, W).score
    assert "AEOS certificate suspended" in rate(suspended, NOW, W).reasons


def test_a_plain_date_rates_at_midnight_utc() -> None:
    rating = rate(TraderHistory("GB1", declarations(3)), date(2026, 11, 26), W)
    assert rating.rated_at == datetime(2026, 11, 26, tzinfo=UTC)


outcomes = st.sampled_from(list(ControlOutcome))
finding_outcomes = st.sampled_from(
    [o for o in ControlOutcome if o is not ControlOutcome.NO_FINDING]
)


@st.composite
def histories(draw: st.DrawFn) -> TraderHistory:
    n = draw(st.integers(0, 30))
    since = draw(st.integers(1, 3000))
    decls = declarations(n, since_days=since, amended=draw(st.integers(0, n)))
    controls = tuple(
        control(i, draw(outcomes), draw(st.none() | st.integers(0, 10**6)))
        for i in range(draw(st.integers(0, 20)))
    )
    certificates = tuple(
        aeo(draw(st.sampled_from(list(AeoType))), draw(st.sampled_from(list(AeoStatus))))
        for _ in range(draw(st.integers(0, 2)))
    )
    return TraderHistory("GB1", decls, controls, certificates)


@given(histories())
def test_the_score_stays_within_0_and_100_with_reasons(history: TraderHistory) -> None:
    rating = rate(history, NOW, W)
    assert 0 <= rating.score <= 100
    assert rating.reasons and all(rating.reasons)
    assert rating.band is RatingBand(
        "high" if rating.score >= W.high else "medium" if rating.score >= W.medium else "low"
    )


@given(histories(), finding_outcomes, st.none() | st.integers(0, 10**6))
def test_a_control_that_found_something_never_raises_the_score(
    history: TraderHistory, outcome: ControlOutcome, at_stake: int | None
) -> None:
    worse = TraderHistory(
        history.party,
        history.declarations,
        (*history.controls, control(99, outcome, at_stake)),
        history.certificates,
    )
    assert rate(worse, NOW, W).score <= rate(history, NOW, W).score


@given(histories(), st.sampled_from(list(AeoType)), st.integers(2000, 2026))
def test_an_aeo_granted_never_lowers_the_score(
    history: TraderHistory, kind: AeoType, since: int
) -> None:
    better = TraderHistory(
        history.party,
        history.declarations,
        history.controls,
        (*history.certificates, aeo(kind, since=since)),
    )
    assert rate(better, NOW, W).score >= rate(history, NOW, W).score


def test_weights_keep_the_new_trader_cap_below_the_high_band() -> None:
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError, match="new_trader_cap"):
        RatingWeights(new_trader_cap=80)
