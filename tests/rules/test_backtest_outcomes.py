"""Back-tests with control outcomes: hit rate and value recovered, and a draft beside the active."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.decision.model import Officer
from hub.feedback import ControlOutcome, ControlResult
from hub.ingest import read
from hub.model import Declaration
from hub.rules.backtest import BacktestResult, backtest
from hub.rules.comparison import Basis, compare, replaced
from hub.rules.outcomes import Outcome, outcome_of, outcomes_from
from hub.rules.reference import ReferenceData
from tests.conftest import CORPUS
from tests.rules._profile_factory import make_profile

DECLARATIONS = CORPUS / "wco-dec-dms" / "declarations"
AT = datetime(2026, 3, 2, 10, tzinfo=UTC)

VEGETABLES = make_profile("CUS-VEG-001", when={"commodity": ["07"]})
ONIONS = make_profile("CUS-VEG-001", version=2, when={"commodity": ["0703"]}, status="active")
BEVERAGES = make_profile("CUS-BEV-001", when={"commodity": ["22"]}, channel="red")


@pytest.fixture(scope="module")
def corpus() -> list[Declaration]:
    return [read(p.read_bytes()) for p in sorted(DECLARATIONS.rglob("*")) if p.is_file()]


@pytest.fixture(scope="module")
def ref(corpus: list[Declaration]) -> dict[str, str]:
    return {d.functional_reference or "": d.id for d in corpus}


def result(
    outcome: ControlOutcome,
    *,
    agency: str = "customs",
    duty: str | None = None,
    value: str | None = None,
) -> ControlResult:
    return ControlResult(
        declaration_id="DEC-1",
        decision_version=1,
        agency=agency,
        officer=Officer(id="officer-1", agency=agency),
        checked="documents",
        outcome=outcome,
        duty_at_stake=None if duty is None else Decimal(duty),
        value_at_stake=None if value is None else Decimal(value),
        recorded_at=AT,
    )


def test_value_recovered_is_duty_else_value_of_results_with_a_finding() -> None:
    results = [
        result(ControlOutcome.DISCREPANCY, duty="120.50", value="9999"),
        result(ControlOutcome.SEIZURE, value="300"),
        result(ControlOutcome.NO_FINDING, duty="75"),  # nothing found: nothing recovered
        result(ControlOutcome.DETENTION),
        result(ControlOutcome.SEIZURE, agency="vet", value="1000"),
    ]

    assert outcome_of(results, "customs") == Outcome(found=True, value_recovered=Decimal("420.50"))
    assert outcome_of(results) == Outcome(found=True, value_recovered=Decimal("1420.50"))
    assert outcome_of(results[2:3]) == Outcome(found=False, value_recovered=Decimal(0))
    assert outcome_of(results, "phyto") is None  # no result of phyto: unknown, not "clean"
    assert outcomes_from({"DEC-1": results[2:3], "DEC-2": results[4:]}, "customs") == {
        "DEC-1": Outcome(found=False)
    }


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(ControlOutcome)),
            st.none() | st.decimals(min_value=0, max_value=10**6, places=2),
        ),
        min_size=1,
    )
)
def test_only_results_with_a_finding_recover_anything(
    drawn: list[tuple[ControlOutcome, Decimal | None]],
) -> None:
    results = [result(o, duty=None if d is None else str(d)) for o, d in drawn]
    outcome = outcome_of(results)

    assert outcome is not None
    assert outcome.found == any(o is not ControlOutcome.NO_FINDING for o, _ in drawn)
    assert outcome.value_recovered == sum(
        (d for o, d in drawn if d is not None and o is not ControlOutcome.NO_FINDING), Decimal(0)
    )


def test_hit_rate_and_value_recovered_count_only_hit_declarations_with_a_known_outcome(
    corpus: list[Declaration], ref: dict[str, str]
) -> None:
    outcomes = {
        ref["TT_IM31a_020721_01"]: Outcome(found=False),  # beverages: nothing found
        ref["R330_419_TC1_1906_03"]: Outcome(found=True, value_recovered=Decimal("250.00")),
        ref["U.7847767ARN6T"]: Outcome(found=True, value_recovered=Decimal("1000.10")),
        ref["TT_IM14a_v2.1_2306_01"]: True,  # vegetables; a plain "found", nothing recovered
    }

    tested = backtest([VEGETABLES, BEVERAGES], corpus, ReferenceData(), outcomes=outcomes)

    beverages, vegetables = tested.hits("CUS-BEV-001"), tested.hits("CUS-VEG-001")
    assert beverages is not None and vegetables is not None
    assert (beverages.controls_known, beverages.detections) == (3, 2)
    assert beverages.hit_rate == pytest.approx(2 / 3)
    assert beverages.value_recovered == Decimal("1250.10")
    assert (vegetables.hit_rate, vegetables.value_recovered) == (1.0, Decimal(0))
    assert len(beverages.hit_ids) == beverages.declarations == 7
    assert ref["U.7847767ARN6T"] in beverages.hit_ids
    line = next(x for x in tested.lines() if x.startswith("CUS-BEV-001"))
    assert line.endswith("hit rate 66.7% (2/3), value recovered 1,250.10")
    assert BacktestResult.model_validate_json(tested.model_dump_json()) == tested


def test_an_owners_outcomes_judge_only_its_own_profiles(
    corpus: list[Declaration], ref: dict[str, str]
) -> None:
    pests = make_profile("PHY-VEG-001", owner="phyto", when={"commodity": ["07"]})
    found = {ref["TT_IM14a_v2.1_2306_01"]: Outcome(found=True, value_recovered=Decimal(80))}

    tested = backtest([VEGETABLES, pests], corpus, ReferenceData(), owner_outcomes={"phyto": found})

    customs, phyto = tested.hits("CUS-VEG-001"), tested.hits("PHY-VEG-001")
    assert customs is not None and phyto is not None
    assert (customs.controls_known, customs.hit_rate) == (0, None)
    assert (phyto.controls_known, phyto.value_recovered) == (1, Decimal(80))
    assert tested.outcomes_known == 1


def test_a_result_recorded_before_outcomes_had_values_still_reads() -> None:
    old = backtest([VEGETABLES], [], ReferenceData()).model_dump(mode="json")
    del old["profiles"][0]["value_recovered"], old["profiles"][0]["hit_ids"]

    assert BacktestResult.model_validate(old).profiles[0].value_recovered == Decimal(0)


def test_compare_sets_the_draft_beside_what_it_replaces(
    corpus: list[Declaration], ref: dict[str, str]
) -> None:
    onions = ref["TT_IM14a_v2.1_2306_01"]  # 07039000: both hit it
    others = [d for d in corpus if d.id != onions]
    outcomes = {
        onions: Outcome(found=True, value_recovered=Decimal("40")),
        ref["R330_419_TC1_1906_03"]: Outcome(found=False),
    }
    draft = make_profile("CUS-VEG-001", version=3, when={"commodity": ["07", "22"]})
    tested = backtest([draft, ONIONS], corpus, ReferenceData(), outcomes=outcomes)

    comparison = compare(tested.profiles[0], tested.profiles[1:], Basis.SAME_ID, outcomes)

    assert (comparison.draft.declarations, comparison.active[0].declarations) == (13, 2)
    assert comparison.both == 2
    assert len(comparison.only_draft.declaration_ids) == 11
    assert comparison.only_active.declaration_ids == ()
    assert comparison.only_draft.controls_known == 1  # the beverage control found nothing
    assert (comparison.draft.hit_rate, comparison.active[0].hit_rate) == (0.5, 1.0)
    assert comparison.draft.value_recovered == comparison.active[0].value_recovered == 40
    lines = comparison.lines()
    assert lines[0] == "CUS-VEG-001 v3 against what it would replace (same id)"
    assert lines[1].split() == ["draft", "CUS-VEG-001", "v3", "active", "CUS-VEG-001", "v2"]
    assert lines[2].split() == ["declarations", "hit", "13", "2"]
    assert lines[5].split()[-4:] == ["50.0%", "(1/2)", "100.0%", "(1/1)"]
    assert lines[7].split() == ["only", "this", "side", "hits", "11", "0"]
    assert "only the draft hits: 0 of 1 known control(s) found something" in lines[-1]
    narrower = backtest([ONIONS.model_copy(update={"status": "testing"}), draft], others,
                        ReferenceData())  # fmt: skip
    reverse = compare(narrower.profiles[0], narrower.profiles[1:])
    assert (len(reverse.only_draft.declaration_ids), reverse.both) == (0, 1)
    assert len(reverse.only_active.declaration_ids) == 11


def test_what_a_draft_replaces_is_its_ids_active_version_else_its_risk_area() -> None:
    v1 = make_profile("CUS-VEG-001", status="testing")
    v2 = make_profile("CUS-VEG-001", version=2, status="active")
    v3 = make_profile("CUS-VEG-001", version=3, status="draft", when={"commodity": ["07"]})
    same_area = make_profile("CUS-VAL-002", status="active")
    other_area = make_profile("CUS-ORI-003", status="active", risk_area="origin")
    other_owner = make_profile("PHY-VAL-004", owner="phyto", status="active")
    active = [v2, same_area, other_area, other_owner]

    assert replaced(v3, [v1, v2, v3], active) == ([v2], Basis.SAME_ID)
    new = make_profile("CUS-NEW-009", status="draft")
    assert replaced(new, [new], active) == ([v2, same_area], Basis.SAME_RISK_AREA)
    lonely = compare(backtest([new], [], ReferenceData()).profiles[0], [], Basis.SAME_RISK_AREA)
    assert lonely.lines()[0] == (
        "CUS-NEW-009 v1 replaces no active profile (same owner and risk area: none)"
    )
