"""Capacity: slots fill in order; a full lane queues by score; mandatory controls always stand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.decision import Booking, CapacityState, Lane, Waiting, load_offices, merge, schedule
from hub.errors import InvalidRegister
from tests.decision.support import CHICKEN, NOW, OFFICE, context, finding

DAY = date(2026, 11, 26)
KEY = ("GB000051", Lane.PHYSICAL, DAY)


def test_the_next_free_slot_is_never_in_the_past() -> None:
    booked = schedule(
        OFFICE, Lane.PHYSICAL, now=NOW, state=CapacityState(), mandatory=False, score=1
    )
    assert isinstance(booked, Booking)
    assert booked.slot.start == datetime(2026, 11, 26, 12, tzinfo=UTC)
    early = datetime(2026, 11, 26, 5, tzinfo=UTC)
    first = schedule(
        OFFICE, Lane.PHYSICAL, now=early, state=CapacityState(), mandatory=False, score=1
    )
    assert isinstance(first, Booking) and first.slot.start.time() == time(7)


def test_slots_fill_in_order_of_bookings() -> None:
    early = datetime(2026, 11, 26, 6, tzinfo=UTC)
    state = CapacityState(booked={KEY: 5})  # 12 a day over 12 slots: one per slot
    got = schedule(OFFICE, Lane.PHYSICAL, now=early, state=state, mandatory=False, score=1)
    assert isinstance(got, Booking) and got.slot.start.time() == time(12)


def test_after_closing_the_next_open_day() -> None:
    late = datetime(2026, 11, 26, 20, tzinfo=UTC)
    got = schedule(OFFICE, Lane.PHYSICAL, now=late, state=CapacityState(), mandatory=False, score=1)
    assert isinstance(got, Booking) and got.day == date(2026, 11, 27)


def test_a_full_lane_queues_by_score_and_a_mandatory_control_stands() -> None:
    state = CapacityState(booked={KEY: 12}, waiting={KEY: [90, 40, 70]})
    waiting = schedule(OFFICE, Lane.PHYSICAL, now=NOW, state=state, mandatory=False, score=60)
    assert waiting == Waiting(DAY, 3)
    forced = schedule(OFFICE, Lane.PHYSICAL, now=NOW, state=state, mandatory=True, score=0)
    assert isinstance(forced, Booking) and forced.over_capacity
    assert forced.slot.start.time() == time(18)


def test_the_decision_says_queued_with_its_position() -> None:
    full = context(capacity=CapacityState(booked={KEY: 12}))
    found = {"customs": [], "police": [], "vet": [finding("vet", "red", score=80)]}
    decision = merge(CHICKEN, found, context=full, now=NOW)
    assert decision.examination is None and not decision.released
    (queued,) = decision.queued
    assert (queued.lane, queued.position, queued.agencies) == (Lane.PHYSICAL, 1, ("vet",))
    assert decision.to_contract()["queued"][0]["position"] == 1
    assert any("queued at position 1" in r for r in decision.reasons)


@settings(max_examples=200, deadline=None)
@given(
    booked=st.integers(0, 40),
    hour=st.integers(0, 23),
    mandatory=st.booleans(),
    score=st.integers(0, 100),
    waiting=st.lists(st.integers(0, 100), max_size=5),
)
def test_a_selection_is_never_dropped_and_a_mandatory_one_always_booked(
    booked: int, hour: int, mandatory: bool, score: int, waiting: list[int]
) -> None:
    now = datetime(2026, 11, 26, hour, tzinfo=UTC)
    state = CapacityState(booked={KEY: booked}, waiting={KEY: waiting})
    got = schedule(OFFICE, Lane.PHYSICAL, now=now, state=state, mandatory=mandatory, score=score)
    assert isinstance(got, Booking | Waiting)
    if mandatory:
        assert isinstance(got, Booking) and got.slot.start >= now
    if isinstance(got, Waiting):
        assert 1 <= got.position <= len(waiting) + 1


def test_the_sample_calendar_loads_and_a_bad_zone_is_refused(tmp_path: Path) -> None:
    offices = load_offices()
    assert offices.get("GB000060").name == "Dover"
    assert offices.get(None).default and offices.get("nowhere").code == "GB000051"
    bad = tmp_path / "offices.yaml"
    bad.write_text(
        "offices:\n  - code: X\n    timezone: Mars/Olympus\n"
        "    opens: '07:00'\n    closes: '19:00'\n    slot_minutes: 60\n"
    )
    with pytest.raises(InvalidRegister, match="unknown time zone"):
        load_offices(bad)
