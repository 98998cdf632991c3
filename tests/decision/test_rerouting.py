"""Re-routing: a raise needs two officers, only the owner lowers, both are new audited versions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.decision import (
    AgencyStatus,
    Decision,
    Officer,
    ReroutingAction,
    approve_raise,
    lower,
    merge,
    request_raise,
)
from hub.errors import ReroutingRefused
from hub.model import Channel
from hub.model.finding import RequestedChannel
from tests.decision.support import CHICKEN, NOW, context, finding

CTX = context()
ALICE = Officer(id="alice", agency="jtc")
BOB = Officer(id="bob", agency="jtc")
VET = Officer(id="vera", agency="vet")
LATER = NOW + timedelta(minutes=5)


def _first() -> Decision:
    found = {"customs": [], "police": [], "vet": [finding("vet", "red", profile="VET-ORG-002")]}
    return merge(CHICKEN, found, context=CTX, now=NOW)


def test_a_raise_is_pending_until_a_second_officer_approves() -> None:
    first = merge(CHICKEN, {"customs": [], "police": [], "vet": []}, context=CTX, now=NOW)
    request = request_raise(
        first, agency="police", to=RequestedChannel.ORANGE, reason="tip-off", officer=ALICE, now=NOW
    )
    assert first.released  # a request alone changes nothing
    with pytest.raises(ReroutingRefused, match="two-person"):
        approve_raise(first, request, approver=ALICE, declaration=CHICKEN, context=CTX, now=LATER)
    second = approve_raise(
        first, request, approver=BOB, declaration=CHICKEN, context=CTX, now=LATER
    )
    assert (second.version, second.supersedes) == (2, 1)
    assert second.agencies["police"].channel is Channel.ORANGE and not second.released
    (record,) = second.reroutings
    assert (record.action, record.requested_by, record.approved_by) == (
        ReroutingAction.RAISE,
        ALICE,
        BOB,
    )
    assert (record.from_channel, record.to_channel, record.version) == (
        None,
        RequestedChannel.ORANGE,
        2,
    )
    assert record.reason == "tip-off" and record.approved_at == LATER


def test_a_raise_must_raise_and_must_say_why() -> None:
    first = _first()
    with pytest.raises(ReroutingRefused, match="not a raise"):
        request_raise(
            first, agency="vet", to=RequestedChannel.ORANGE, reason="x", officer=ALICE, now=NOW
        )
    with pytest.raises(ReroutingRefused, match="reason"):
        request_raise(
            first, agency="police", to=RequestedChannel.RED, reason=" ", officer=ALICE, now=NOW
        )


def test_a_raise_to_blue_selects_for_audit() -> None:
    first = merge(CHICKEN, {"customs": []}, context=CTX, now=NOW)
    request = request_raise(
        first, agency="customs", to=RequestedChannel.BLUE, reason="pattern", officer=ALICE, now=NOW
    )
    second = approve_raise(
        first, request, approver=BOB, declaration=CHICKEN, context=CTX, now=LATER
    )
    assert second.post_clearance_audit and second.released


def test_only_the_owning_agency_lowers_its_finding_with_a_reason() -> None:
    first = _first()
    kw = {"declaration": CHICKEN, "context": CTX, "now": LATER}
    with pytest.raises(ReroutingRefused, match="only vet"):
        lower(
            first, agency="vet", profile_id="VET-ORG-002", to=None, reason="x", officer=ALICE, **kw
        )
    with pytest.raises(ReroutingRefused, match="not lower"):
        lower(
            first,
            agency="vet",
            profile_id="VET-ORG-002",
            to=RequestedChannel.RED,
            reason="x",
            officer=VET,
            **kw,
        )
    second = lower(
        first,
        agency="vet",
        profile_id="VET-ORG-002",
        to=RequestedChannel.YELLOW,
        reason="region recognised as free",
        officer=VET,
        **kw,
    )
    assert second.agencies["vet"].status is AgencyStatus.DOCUMENTARY_CHECK
    (record,) = second.reroutings
    assert (record.from_channel, record.to_channel) == (
        RequestedChannel.RED,
        RequestedChannel.YELLOW,
    )
    assert first.agencies["vet"].channel is Channel.RED  # never overwritten


def test_a_mandatory_finding_cannot_be_lowered() -> None:
    found = {"vet": [finding("vet", "red", profile="VET-DOC-001", mandatory=True)]}
    first = merge(CHICKEN, found, context=CTX, now=NOW)
    with pytest.raises(ReroutingRefused, match="mandatory"):
        lower(
            first,
            agency="vet",
            profile_id="VET-DOC-001",
            to=None,
            reason="x",
            officer=VET,
            declaration=CHICKEN,
            context=CTX,
            now=LATER,
        )


def test_an_approved_raise_survives_a_later_amendment() -> None:
    from hub.decision import amend

    first = merge(CHICKEN, {"customs": [], "police": []}, pending=["vet"], context=CTX, now=NOW)
    request = request_raise(
        first, agency="police", to=RequestedChannel.RED, reason="intel", officer=ALICE, now=NOW
    )
    second = approve_raise(
        first, request, approver=BOB, declaration=CHICKEN, context=CTX, now=LATER
    )
    third = amend(second, CHICKEN, "vet", [], context=CTX, now=LATER + timedelta(minutes=1))
    assert third.version == 3 and third.agencies["police"].channel is Channel.RED
    assert third.reroutings == second.reroutings
