"""The merge: most severe channel, per-agency status, fail-safe, consolidated release."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.agency import load_agencies
from hub.assess import Assessor
from hub.decision import AgencyStatus, Lane, amend, merge
from hub.errors import DecisionError
from hub.model import Channel
from hub.model.finding import FindingSource
from tests.decision.support import CHICKEN, NOW, context, finding

CTX = context()
ROUTED = {"customs": [], "police": [], "vet": []}


def test_hpai_chicken_and_a_police_red_give_one_joint_physical_examination() -> None:
    assessment = Assessor(load_agencies()).assess(CHICKEN, at=NOW)
    found = {a.agency: list(a.findings) for a in assessment.agencies}
    assert [f.profile_id for f in found["vet"]] == ["VET-ORG-002"]
    found["police"].append(finding("police", "red", instructions="Open container AD12345"))

    decision = merge(CHICKEN, found, context=CTX, now=NOW)

    assert decision.channel is Channel.RED and not decision.released
    assert decision.agencies["customs"].status is AgencyStatus.MAY_PROCEED
    assert decision.agencies["vet"].status is AgencyStatus.EXAMINATION_REQUIRED
    joint = decision.joint_examination
    assert joint is not None and joint.agencies == ("police", "vet")
    assert joint.lane is Lane.PHYSICAL and joint.place == "goods location WPTWPTWPT"
    assert joint.instructions["police"] == ("Open container AD12345",)
    assert "regionalisation" in joint.instructions["vet"][0]
    contract = decision.to_contract()
    assert contract["joint_examination"]["agencies"] == ["police", "vet"]
    assert contract["joint_examination"]["slot"]["start"] == "2026-11-26T12:00:00Z"


def test_one_agency_alone_has_an_examination_but_no_joint_one() -> None:
    decision = merge(CHICKEN, {**ROUTED, "vet": [finding("vet", "red")]}, context=CTX, now=NOW)
    assert decision.examination is not None and decision.examination.agencies == ("vet",)
    assert decision.joint_examination is None
    contract = decision.to_contract()
    assert contract["joint_examination"] is None
    assert contract["examination"]["agencies"] == ["vet"]


def test_nothing_found_releases_the_goods() -> None:
    decision = merge(CHICKEN, ROUTED, context=CTX, now=NOW)
    assert decision.released and decision.channel is Channel.GREEN
    assert decision.examination is None and decision.version == 1


def test_blue_is_a_flag_beside_the_channel_not_a_channel() -> None:
    decision = merge(
        CHICKEN, {**ROUTED, "customs": [finding("customs", "blue")]}, context=CTX, now=NOW
    )
    assert decision.post_clearance_audit and decision.released
    assert decision.channel is Channel.GREEN


def test_statuses_follow_the_channel_and_a_mandatory_red_holds() -> None:
    decision = merge(
        CHICKEN,
        {
            "customs": [finding("customs", "yellow")],
            "police": [finding("police", "red", mandatory=True)],
            "vet": [finding("vet", "orange")],
        },
        context=CTX,
        now=NOW,
    )
    statuses = {n: a.status for n, a in decision.agencies.items()}
    assert statuses == {
        "customs": AgencyStatus.DOCUMENTARY_CHECK,
        "police": AgencyStatus.HOLD,
        "vet": AgencyStatus.EXAMINATION_REQUIRED,
    }


def test_a_pending_agency_gets_its_fail_safe_and_holds_release() -> None:
    decision = merge(CHICKEN, {"customs": [], "police": []}, pending=["vet"], context=CTX, now=NOW)
    vet = decision.agencies["vet"]
    assert vet.status is AgencyStatus.PENDING and vet.channel is Channel.YELLOW
    assert [f.source for f in vet.findings] == [FindingSource.FAIL_SAFE]
    assert "20 s" in (vet.pending_reason or "")
    assert decision.pending == ("vet",) and not decision.released
    assert decision.to_contract()["pending"] == ["vet"]


def test_a_late_answer_makes_a_new_version_that_refers_to_the_previous() -> None:
    first = merge(CHICKEN, {"customs": [], "police": []}, pending=["vet"], context=CTX, now=NOW)
    later = NOW + timedelta(minutes=2)
    second = amend(first, CHICKEN, "vet", [], context=CTX, now=later)
    assert (second.version, second.supersedes) == (2, 1)
    assert second.released and second.pending == ()
    assert second.note == "late answer from vet amends version 1"
    assert first.pending == ("vet",)  # the first version is untouched


def test_an_amendment_keeps_the_booked_slot_when_the_lane_stands() -> None:
    first = merge(CHICKEN, {**ROUTED, "vet": [finding("vet", "red")]}, context=CTX, now=NOW)
    second = amend(
        first,
        CHICKEN,
        "police",
        [finding("police", "red")],
        context=CTX,
        now=NOW + timedelta(hours=3),
    )
    assert first.examination is not None and second.examination is not None
    assert second.examination.slot == first.examination.slot
    assert second.examination.agencies == ("police", "vet")


def test_an_unknown_agency_or_another_declarations_decision_is_refused() -> None:
    with pytest.raises(DecisionError, match="customz"):
        merge(CHICKEN, {"customz": []}, context=CTX, now=NOW)
    other = merge(CHICKEN, ROUTED, context=CTX, now=NOW).model_copy(
        update={"declaration_id": "DEC-OTHER"}
    )
    with pytest.raises(DecisionError):
        merge(CHICKEN, ROUTED, context=CTX, now=NOW, previous=other)


_CHANNELS = st.sampled_from(["yellow", "orange", "red", "blue"])
_FINDINGS = st.lists(
    st.tuples(st.sampled_from(["customs", "police", "vet"]), _CHANNELS, st.booleans()),
    max_size=6,
)
_ORDER = [Channel.GREEN, Channel.YELLOW, Channel.ORANGE, Channel.RED]


def _build(rows: list[tuple[str, str, bool]]) -> dict[str, list]:
    found: dict[str, list] = {"customs": [], "police": [], "vet": []}
    for i, (agency, channel, mandatory) in enumerate(rows):
        found[agency].append(finding(agency, channel, profile=f"P{i}", mandatory=mandatory))
    return found


@settings(max_examples=150, deadline=None)
@given(
    _FINDINGS, st.tuples(st.sampled_from(["customs", "police", "vet"]), _CHANNELS, st.booleans())
)
def test_adding_a_finding_never_lowers_the_channel(
    rows: list[tuple[str, str, bool]], extra: tuple[str, str, bool]
) -> None:
    before = merge(CHICKEN, _build(rows), context=CTX, now=NOW)
    after = merge(CHICKEN, _build([*rows, extra]), context=CTX, now=NOW)
    assert _ORDER.index(after.channel) >= _ORDER.index(before.channel)
    assert after.post_clearance_audit >= before.post_clearance_audit
    assert after.released <= before.released


@settings(max_examples=150, deadline=None)
@given(_FINDINGS, st.lists(st.sampled_from(["customs", "police", "vet"]), max_size=2))
def test_released_iff_every_agency_may_proceed(
    rows: list[tuple[str, str, bool]], pending: list[str]
) -> None:
    found = {k: v for k, v in _build(rows).items() if k not in pending}
    decision = merge(CHICKEN, found, pending=pending, context=CTX, now=NOW)
    every = all(a.status is AgencyStatus.MAY_PROCEED for a in decision.agencies.values())
    assert decision.released == every
    assert decision.channel == max(
        (a.channel for a in decision.agencies.values()), key=_ORDER.index
    )
