"""Back-tests on real declarations from the corpus: hits, shares, offices, commodities."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.agency import AgencySpec
from hub.ingest import read
from hub.model import Declaration
from hub.rules.backtest import BacktestResult, backtest
from hub.rules.lifecycle import rules_hash
from hub.rules.reference import ReferenceData
from tests.conftest import CORPUS
from tests.rules._profile_factory import make_profile

DECLARATIONS = CORPUS / "wco-dec-dms" / "declarations"

VEGETABLES = make_profile("CUS-VEG-001", when={"commodity": ["07"]}, channel="yellow")
BEVERAGES = make_profile("CUS-BEV-001", when={"commodity": ["22"]}, channel="red")
EXPORTS = make_profile(
    "CUS-EXP-001", when={"kind": ["export"]}, scope="declaration", channel="blue", status="draft"
)


@pytest.fixture(scope="module")
def corpus_declarations() -> list[Declaration]:
    paths = sorted(p for p in DECLARATIONS.rglob("*") if p.is_file())
    return [read(path.read_bytes()) for path in paths]


@pytest.fixture(scope="module")
def result(corpus_declarations: list[Declaration]) -> BacktestResult:
    return backtest([VEGETABLES, BEVERAGES, EXPORTS], corpus_declarations, ReferenceData())


def test_every_declaration_and_item_is_counted(result: BacktestResult) -> None:
    assert (result.declarations, result.items) == (66, 70)
    assert result.by_office["WLALONBTW"] == 15


def test_item_profile_counts_per_office_and_commodity(result: BacktestResult) -> None:
    # The six declarations of the corpus with a goods code in chapter 07 (MANIFEST.csv).
    vegetables = result.hits("CUS-VEG-001")

    assert vegetables is not None
    assert (vegetables.declarations, vegetables.items) == (6, 6)
    assert vegetables.hit_share == pytest.approx(6 / 66)
    assert vegetables.item_share == pytest.approx(6 / 70)
    assert vegetables.by_office == {
        "WLALONBTW": 2,
        "BELBELBEL": 1,
        "GBBEL004": 1,
        "GBIPS001": 1,
        "WPTWPTWPT": 1,
    }
    assert vegetables.by_commodity == dict.fromkeys(
        ["07032000", "07039000", "07069030", "07070005", "07099310", "07123400"], 1
    )
    assert vegetables.rules_hash == rules_hash(VEGETABLES)


def test_two_items_of_one_declaration_count_once_as_a_declaration(result: BacktestResult) -> None:
    beverages = result.hits("CUS-BEV-001")

    assert beverages is not None
    assert (beverages.declarations, beverages.items) == (7, 8)
    assert beverages.by_commodity["22043098"] == 2  # TT_IM217a, two items
    assert beverages.by_office == {
        "WLALONBTW": 3,
        "GB000290": 1,
        "GBBEL004": 1,
        "GBBTH001": 1,
        "WPTWPTWPT": 1,
    }


def test_a_declaration_scope_draft_profile_counts_all_items(result: BacktestResult) -> None:
    exports = result.hits("CUS-EXP-001")

    assert exports is not None
    assert (exports.declarations, exports.items) == (14, 15)
    assert exports.by_commodity["46021910"] == 9  # TT_EX041a counts twice
    assert exports.by_commodity["unknown"] == 1  # TT_EX044a declares no code


def test_channel_mix_is_the_most_severe_request_with_blue_alongside(
    result: BacktestResult,
) -> None:
    assert result.channel_mix == {"green": 53, "yellow": 6, "orange": 0, "red": 7}
    assert result.audit == 14


def test_the_hit_rate_is_unknown_without_control_results(result: BacktestResult) -> None:
    vegetables = result.hits("CUS-VEG-001")

    assert vegetables is not None
    assert vegetables.hit_rate is None
    assert vegetables.hit_rate_text == "unknown"
    assert result.outcomes_known == 0


def test_the_hit_rate_counts_only_controls_with_known_results(
    corpus_declarations: list[Declaration],
) -> None:
    found = {d.functional_reference: d.id for d in corpus_declarations}
    outcomes = {
        found["TT_IM31a_020721_01"]: False,
        found["R330_419_TC1_1906_03"]: False,
        found["U.7847767ARN6T"]: True,
        found["TT_IM14a_v2.1_2306_01"]: True,
    }

    result = backtest(
        [VEGETABLES, BEVERAGES], corpus_declarations, ReferenceData(), outcomes=outcomes
    )

    beverages, vegetables = result.hits("CUS-BEV-001"), result.hits("CUS-VEG-001")
    assert beverages is not None and vegetables is not None
    assert (beverages.controls_known, beverages.detections) == (3, 1)
    assert beverages.hit_rate == pytest.approx(1 / 3)
    assert beverages.hit_rate_text == "33.3% (1/3)"
    assert (vegetables.hit_rate, result.outcomes_known) == (1.0, 4)


def test_validity_windows_count_only_when_a_moment_is_given(
    corpus_declarations: list[Declaration],
) -> None:
    future = make_profile(
        "CUS-VEG-002", when={"commodity": ["07"]}, validity={"from": "2030-01-01T00:00:00Z"}
    )

    ignored = backtest([future], corpus_declarations, ReferenceData())
    judged = backtest(
        [future], corpus_declarations, ReferenceData(), at=datetime(2026, 1, 1, tzinfo=UTC)
    )

    assert [h.declarations for h in ignored.profiles] == [6]
    assert [h.declarations for h in judged.profiles] == [0]


def test_the_result_survives_json(result: BacktestResult) -> None:
    assert BacktestResult.model_validate_json(result.model_dump_json()) == result


def test_with_agencies_a_profile_sees_only_what_routing_shows_its_owner(
    corpus_declarations: list[Declaration],
) -> None:
    vet = AgencySpec.model_validate(
        {
            "name": "vet",
            "title": "Veterinary",
            "concerns": {"commodity": ["02"]},
            "queue": "agency.vet",
            "deadline_s": 20,
            "fail_safe": "yellow",
        }
    )
    # Origin US on its own: customs would see many such items, vet only its meat.
    american = make_profile("VET-USA-001", owner="vet", when={"origin": ["US"]})

    whole = backtest([american], corpus_declarations, ReferenceData())
    routed = backtest([american], corpus_declarations, ReferenceData(), agencies={"vet": vet})

    whole_hits, routed_hits = whole.hits("VET-USA-001"), routed.hits("VET-USA-001")
    assert whole_hits is not None and routed_hits is not None
    assert whole_hits.declarations > 5
    assert routed_hits.declarations == 0  # no US meat in the corpus: vet never sees these


def test_a_profile_of_an_unknown_agency_is_refused_when_routing(
    corpus_declarations: list[Declaration],
) -> None:
    with pytest.raises(ValueError, match="no agency here"):
        backtest([VEGETABLES], corpus_declarations[:1], ReferenceData(), agencies={})
