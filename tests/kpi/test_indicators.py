"""KPIs from hand-built decisions: channel mix, days, durations, timeouts, joint exams."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.kpi import CHANNELS, MAX_DAYS, PeriodDeclaration, indicators, kpi_csv, kpi_text
from hub.model.response import Channel
from tests.kpi.support import DAY, decision, declared

MONDAY = DAY.date()


def period() -> list[PeriodDeclaration]:
    s = timedelta(seconds=1)
    return [
        # Monday: green at once and released, 10 s
        declared(
            "D1",
            first=(green := decision("D1", DAY + 10 * s, released=True)),
            released=green,
        ),
        # Monday: red, joint of three, vet pending in v1, released in v3 after 3600 s
        declared(
            "D2",
            first=decision("D2", DAY + 20 * s, Channel.RED, pending=("vet",)),
            released=decision("D2", DAY + 3600 * s, version=3, released=True),
            latest=decision(
                "D2",
                DAY + 3600 * s,
                Channel.RED,
                version=3,
                released=True,
                joint=("customs", "vet", "phyto"),
                reroutings=2,
            ),
            routed=("customs", "vet", "phyto"),
        ),
        # Tuesday: yellow with the audit flag, not released, at another office
        declared(
            "D3",
            DAY + timedelta(days=1),
            first=decision("D3", DAY + timedelta(days=1, seconds=30), Channel.YELLOW, blue=True),
            office="GB000060",
        ),
        # Wednesday: still being assessed
        declared("D4", DAY + timedelta(days=2)),
        # outside the period
        declared("D5", DAY + timedelta(days=7), first=decision("D5", DAY + timedelta(days=7))),
    ]


def test_the_indicators_of_a_period() -> None:
    kpi = indicators(period(), MONDAY, MONDAY + timedelta(days=3))
    assert kpi.declarations == 4
    assert [(s.channel, s.count) for s in kpi.channel_mix] == [
        ("green", 1),
        ("yellow", 1),
        ("orange", 0),
        ("red", 1),
        ("blue", 1),
    ]
    assert kpi.channel_mix[0].share == pytest.approx(1 / 3)  # of the decided ones
    assert [(d.day, d.green, d.yellow, d.red, d.blue) for d in kpi.by_day] == [
        (MONDAY, 1, 0, 1, 0),
        (MONDAY + timedelta(days=1), 0, 1, 0, 1),
        (MONDAY + timedelta(days=2), 0, 0, 0, 0),
        (MONDAY + timedelta(days=3), 0, 0, 0, 0),
    ]
    assert (kpi.to_decision.count, kpi.to_decision.median_seconds) == (3, 20.0)
    assert (kpi.to_decision.p90_seconds, kpi.to_decision.p99_seconds) == (30.0, 30.0)
    assert (kpi.to_release.count, kpi.to_release.median_seconds) == (2, 10.0)
    assert kpi.to_release.p99_seconds == 3600.0
    assert [(a.agency, a.count) for a in kpi.agency_timeouts] == [("vet", 1)]
    assert (kpi.joint_examinations, kpi.separate_examinations_avoided) == (1, 2)
    assert kpi.reroutings == 2


def test_office_and_agency_filters() -> None:
    at_dover = indicators(period(), MONDAY, MONDAY, office="GB000060")
    assert at_dover.declarations == 0  # D3 is Tuesday's
    dover = indicators(period(), MONDAY, MONDAY + timedelta(days=6), office="GB000060")
    assert dover.declarations == 1 and dover.channel_mix[1].share == 1.0
    vet = indicators(period(), MONDAY, MONDAY + timedelta(days=6), agency="vet")
    assert vet.declarations == 1 and vet.joint_examinations == 1
    assert vet.agency == "vet" and vet.office is None


def test_an_empty_period_has_zeros_and_no_durations() -> None:
    kpi = indicators([], MONDAY, MONDAY)
    assert kpi.declarations == 0 and all(s.share == 0.0 for s in kpi.channel_mix)
    assert kpi.to_decision.median_seconds is None and len(kpi.by_day) == 1


def test_a_period_backwards_or_too_long_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        indicators([], MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(ValueError, match="at most"):
        indicators([], MONDAY, MONDAY + timedelta(days=MAX_DAYS))


def test_json_csv_and_text_say_the_same() -> None:
    kpi = indicators(period(), MONDAY, MONDAY + timedelta(days=1))
    body = kpi.to_json()
    assert body["from"] == "2026-11-02" and body["declarations"] == 3
    assert body["toRelease"]["p99Seconds"] == 3600.0
    assert body["byDay"][1] == {
        "day": "2026-11-03",
        **dict.fromkeys(CHANNELS, 0),
        "yellow": 1,
        "blue": 1,
    }
    lines = kpi_csv(kpi).splitlines()
    assert lines[0] == "section,key,value" and "declarations,,3" in lines
    assert "joint examinations,,1" in lines and "agency timeouts,vet,1" in lines
    assert "  declarations: 3" in kpi_text(kpi)


CHANNEL = st.sampled_from(list(Channel))


@given(st.lists(st.tuples(CHANNEL, st.booleans(), st.integers(0, 6)), max_size=30))
def test_the_goods_channel_shares_sum_to_one(made: list[tuple[Channel, bool, int]]) -> None:
    records = [
        declared(
            f"D{n}",
            DAY + timedelta(days=day),
            first=decision(f"D{n}", DAY + timedelta(days=day, seconds=n), channel, blue=blue),
        )
        for n, (channel, blue, day) in enumerate(made)
    ]
    kpi = indicators(records, MONDAY, MONDAY + timedelta(days=6))
    goods = [s for s in kpi.channel_mix if s.channel != "blue"]
    if made:
        assert sum(s.share for s in goods) == pytest.approx(1.0)
    assert sum(s.count for s in goods) == kpi.declarations == len(made)
    assert sum(d.green + d.yellow + d.orange + d.red for d in kpi.by_day) == len(made)
    assert sum(d.blue for d in kpi.by_day) == kpi.channel_mix[-1].count
    assert kpi.to_decision.median_seconds is None or (
        kpi.to_decision.median_seconds
        <= (kpi.to_decision.p90_seconds or 0)
        <= (kpi.to_decision.p99_seconds or 0)
    )
