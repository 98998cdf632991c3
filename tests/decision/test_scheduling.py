"""Moving an examination: a calendar slot, capacity as the merge books it, a new version."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest

from hub.decision import (
    CapacityState,
    Decision,
    Lane,
    OfficeCalendar,
    Officer,
    amend,
    calendar_slot,
    merge,
    move_examination,
)
from hub.errors import SchedulingRefused
from tests.decision.support import CHICKEN, NOW, OFFICE, context, finding

TOMORROW = date(2026, 11, 27)
NINE = datetime(2026, 11, 27, 9, tzinfo=UTC)  # 09:00 in London (GMT in November)
JTC = Officer(id="analyst-1", agency="jtc")
FULL_TOMORROW = CapacityState(booked={("GB000051", Lane.PHYSICAL, TOMORROW): 12})


def _decided(*, mandatory: bool = False, capacity: CapacityState | None = None) -> Decision:
    found = {
        "customs": [finding("customs", "yellow")],
        "police": [finding("police", "orange", instructions="Scan for concealment")],
        "vet": [finding("vet", "red", mandatory=mandatory)],
    }
    return merge(CHICKEN, found, context=context(capacity=capacity or CapacityState()), now=NOW)


def _move(
    decision: Decision,
    to: datetime = NINE,
    *,
    office: OfficeCalendar = OFFICE,
    capacity: CapacityState | None = None,
    reason: str = "vet team free on Friday morning",
) -> Decision:
    return move_examination(
        decision,
        declaration=CHICKEN,
        to=to,
        office=office,
        capacity=capacity or CapacityState(),
        officer=JTC,
        reason=reason,
        now=NOW,
    )


def test_a_move_within_capacity_makes_the_next_version_with_the_new_slot() -> None:
    before = _decided()
    assert before.examination is not None
    moved = _move(before)
    exam = moved.examination
    assert (moved.version, moved.supersedes, moved.made_at) == (2, 1, NOW)
    assert exam is not None and exam.slot.start == NINE and exam.slot.end.hour == 10
    assert exam.agencies == before.examination.agencies == ("police", "vet")
    assert exam.instructions == before.examination.instructions and not exam.over_capacity
    assert moved.agencies == before.agencies and moved.channel == before.channel
    assert moved.reroutings == before.reroutings
    (record,) = moved.moves
    assert (record.from_slot, record.to_slot, record.version) == (
        before.examination.slot,
        exam.slot,
        2,
    )
    assert moved.note == (
        f"examination moved from {before.examination.slot.start.isoformat()} to"
        f" {exam.slot.start.isoformat()} by analyst-1 (jtc): vet team free on Friday morning"
    )


def test_a_move_into_a_full_lane_is_refused() -> None:
    with pytest.raises(SchedulingRefused, match="physical lane at GB000051 is full on 2026-11-27"):
        _move(_decided(), capacity=FULL_TOMORROW)


def test_a_mandatory_control_moves_over_capacity_marked_so() -> None:
    moved = _move(_decided(mandatory=True), capacity=FULL_TOMORROW)
    assert moved.examination is not None and moved.examination.over_capacity
    assert moved.moves[0].over_capacity
    assert "mandatory control moved over capacity in the physical lane" in moved.reasons
    assert moved.note is not None and "(over capacity)" in moved.note


@pytest.mark.parametrize(
    "to",
    [
        datetime(2026, 11, 27, 9, 30, tzinfo=UTC),  # off the hourly grid
        datetime(2026, 11, 27, 19, tzinfo=UTC),  # the office has closed
        datetime(2026, 11, 27, 6, tzinfo=UTC),  # not open yet
        datetime(2026, 11, 27, 9),  # no time zone: which 09:00?
    ],
)
def test_a_time_that_is_not_a_slot_of_the_calendar_is_refused(to: datetime) -> None:
    with pytest.raises(SchedulingRefused):
        _move(_decided(), to)


def test_a_closed_day_has_no_slot() -> None:
    weekdays = OFFICE.model_copy(update={"open_days": (1, 2, 3, 4, 5)})
    sunday = datetime(2026, 11, 29, 9, tzinfo=UTC)
    assert calendar_slot(weekdays, sunday) is None
    assert calendar_slot(OFFICE, sunday) is not None
    with pytest.raises(SchedulingRefused, match="not a slot of office GB000051"):
        _move(_decided(), sunday, office=weekdays)


def test_a_slot_in_another_zone_is_the_same_instant() -> None:
    tokyo = OfficeCalendar(
        code="JP1", timezone="Asia/Tokyo", opens=time(9), closes=time(17), slot_minutes=30
    )
    slot = calendar_slot(tokyo, datetime(2026, 11, 27, 0, 30, tzinfo=UTC))  # 09:30 in Tokyo
    assert slot is not None and slot.start.hour == 9 and slot.start.minute == 30


def test_a_slot_that_has_begun_is_refused() -> None:
    with pytest.raises(SchedulingRefused, match="already begun"):
        _move(_decided(), datetime(2026, 11, 26, 11, tzinfo=UTC))


def test_a_move_needs_a_reason() -> None:
    with pytest.raises(SchedulingRefused, match="needs a reason"):
        _move(_decided(), reason="  ")


def test_the_slot_already_held_is_no_move() -> None:
    before = _decided()
    assert before.examination is not None
    with pytest.raises(SchedulingRefused, match="already at"):
        _move(before, before.examination.slot.start)


def test_nothing_to_schedule_when_all_is_green() -> None:
    green = merge(CHICKEN, {"customs": []}, context=context(), now=NOW)
    with pytest.raises(SchedulingRefused, match="no examination"):
        _move(green)


def test_another_office_is_refused() -> None:
    dover = OFFICE.model_copy(update={"code": "GB000060"})
    with pytest.raises(SchedulingRefused, match="for office GB000051, not GB000060"):
        _move(_decided(), office=dover)


def test_a_queued_selection_scheduled_becomes_the_examination() -> None:
    full_today = CapacityState(booked={("GB000051", Lane.PHYSICAL, NOW.date()): 12})
    queued = _decided(capacity=full_today)
    assert queued.examination is None and queued.queued
    booked = _decided()  # what the merge gives with room: agencies, place, instructions
    assert booked.examination is not None
    moved = _move(queued)
    exam = moved.examination
    assert exam is not None and moved.queued == ()
    assert exam.slot.start == NINE and exam.lane is Lane.PHYSICAL
    assert (exam.agencies, exam.place, exam.instructions) == (
        booked.examination.agencies,
        booked.examination.place,
        booked.examination.instructions,
    )
    assert not any("queued at position" in r for r in moved.reasons)
    assert moved.moves[0].from_slot is None
    assert moved.note is not None and moved.note.startswith("queued examination scheduled for")


def test_a_later_version_keeps_the_moved_slot_and_the_record() -> None:
    moved = _move(_decided())
    late = amend(
        moved, CHICKEN, "customs", [finding("customs", "yellow")], context=context(), now=NOW
    )
    assert late.version == 3 and late.examination is not None
    assert late.examination.slot.start == NINE and late.moves == moved.moves


def test_a_decision_stored_before_moves_existed_still_loads() -> None:
    stored = json.loads(_decided().model_dump_json())
    del stored["moves"]
    assert Decision.model_validate_json(json.dumps(stored)).moves == ()
