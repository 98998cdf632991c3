"""Profile performance from hand-built first decisions and control results."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hub.feedback import ControlOutcome
from hub.kpi import RANDOM, PeriodDeclaration, ProfilePerformance, profile_performance
from hub.model.response import Channel
from tests.kpi.support import DAY, decision, declared, finding, result

SEIZURE, DISCREPANCY, NOTHING = (
    ControlOutcome.SEIZURE,
    ControlOutcome.DISCREPANCY,
    ControlOutcome.NO_FINDING,
)


def records() -> list[PeriodDeclaration]:
    d1 = decision(
        "D1",
        DAY,
        Channel.ORANGE,
        findings=(finding("customs", "CUS-1", 2), finding("police", "POL-1", confidential=True)),
    )
    d2 = decision(
        "D2",
        DAY,
        Channel.YELLOW,
        findings=(
            finding("customs", "CUS-1", 2),
            finding("customs", "CUS-1", 2),
            finding("customs", None),
        ),
    )
    d3 = decision("D3", DAY, Channel.YELLOW, findings=(finding("customs", "CUS-1", 1),))
    return [
        declared(
            "D1",
            first=d1,
            results=(
                result("D1", SEIZURE, "CUS-1", duty="100.50", value="999"),
                result("D1", NOTHING, "POL-1", agency="police"),
            ),
        ),
        declared("D2", first=d2, results=(result("D2", DISCREPANCY, "CUS-1", RANDOM, value="50"),)),
        declared("D3", first=d3, results=(result("D3", NOTHING, "CUS-1"),)),
        declared("D4"),
        declared("D5", first=decision("D5", DAY), results=(result("D5", SEIZURE, "CUS-9"),)),
    ]


def test_each_profile_version_counts_hits_controls_and_value_recovered() -> None:
    rows = {(r.profile_id, r.version): r for r in profile_performance(records())}
    assert rows[("CUS-1", 2)] == ProfilePerformance(
        profile_id="CUS-1",
        version=2,
        agency="customs",
        hits=2,  # D2's two findings of it are one declaration
        controls=2,
        controls_with_finding=2,
        value_recovered=Decimal("150.50"),  # the duty at stake first, else the value
    )
    assert rows[("CUS-1", 2)].hit_rate == 1.0
    older = rows[("CUS-1", 1)]
    assert (older.hits, older.controls, older.controls_with_finding, older.hit_rate) == (
        1,
        1,
        0,
        0.0,
    )
    assert rows[("POL-1", 1)].confidential and rows[("POL-1", 1)].agency == "police"
    assert rows[("CUS-9", None)].hits == 0 and rows[("CUS-9", None)].controls == 1


def test_random_selection_is_a_row_of_its_own_per_agency() -> None:
    rows = profile_performance(records())
    randoms = [r for r in rows if r.random]
    assert [
        (r.agency, r.version, r.hits, r.controls, r.controls_with_finding) for r in randoms
    ] == [("customs", None, 1, 1, 1)]
    assert randoms[0].value_recovered == Decimal(50)
    order = [(r.agency, r.profile_id, r.version) for r in rows]
    assert order == [
        ("customs", "CUS-1", 1),
        ("customs", "CUS-1", 2),
        ("customs", "CUS-9", None),
        ("customs", RANDOM, None),
        ("police", "POL-1", 1),
    ]


def test_a_finding_the_reader_may_not_see_is_no_hit() -> None:
    rows = {
        (r.profile_id, r.version): r
        for r in profile_performance(records(), shown=lambda f: not f.confidential)
    }
    assert rows[("POL-1", 1)].hits == 0 and not rows[("POL-1", 1)].confidential
    assert rows[("POL-1", 1)].controls == 1  # its agency's result still counts
    assert rows[("CUS-1", 2)].hits == 2


def test_no_control_no_hit_rate() -> None:
    only = profile_performance(
        [declared("D1", first=decision("D1", DAY, findings=(finding("vet", "VET-1"),)))]
    )
    assert [(r.profile_id, r.hits, r.controls, r.hit_rate) for r in only] == [("VET-1", 1, 0, None)]


def test_a_result_counts_against_the_version_of_the_decision_it_refers_to() -> None:
    first = decision("D1", DAY, findings=(finding("customs", "CUS-1", 1),))
    later = decision("D1", DAY, version=2, findings=(finding("customs", "CUS-1", 2),))
    rows = profile_performance(
        [
            declared(
                "D1",
                first=first,
                latest=later,
                results=(result("D1", SEIZURE, "CUS-1", version=2),),
            )
        ]
    )
    assert [(r.version, r.hits, r.controls) for r in rows] == [(1, 1, 0), (2, 0, 1)]


PROFILES = ["A", "B", "C", RANDOM]


@st.composite
def period(draw: st.DrawFn) -> list[PeriodDeclaration]:
    made = []
    for n in range(draw(st.integers(0, 12))):
        names = draw(st.lists(st.sampled_from(PROFILES), max_size=3))
        found = tuple(finding("customs", None if p == RANDOM else p) for p in names)
        outcomes = draw(st.lists(st.sampled_from(list(ControlOutcome)), max_size=3))
        results = tuple(
            result(f"D{n}", o, *draw(st.lists(st.sampled_from(PROFILES), max_size=3)))
            for o in outcomes
        )
        made.append(
            declared(f"D{n}", first=decision(f"D{n}", DAY, findings=found), results=results)
        )
    return made


@given(period())
def test_controls_with_finding_never_exceed_controls_nor_hits_declarations(
    made: list[PeriodDeclaration],
) -> None:
    for row in profile_performance(made):
        assert 0 <= row.controls_with_finding <= row.controls
        assert row.hits <= len(made)
        assert row.hit_rate is None or 0 <= row.hit_rate <= 1
