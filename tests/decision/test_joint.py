"""Joint examination: one appointment in the most demanding lane for every agency needing it."""

from __future__ import annotations

from hub.decision import Lane, merge
from hub.model import Channel
from tests.decision.support import CHICKEN, NOW, context, finding

CTX = context()


def test_orange_and_red_share_one_physical_examination_at_the_goods_location() -> None:
    found = {
        "customs": [finding("customs", "yellow")],
        "police": [finding("police", "orange", instructions="Scan for concealment")],
        "vet": [finding("vet", "red")],
    }
    decision = merge(CHICKEN, found, context=CTX, now=NOW)
    exam = decision.joint_examination
    assert exam is not None and exam.lane is Lane.PHYSICAL
    assert exam.agencies == ("police", "vet")  # customs checks documents, no appointment
    assert exam.instructions["police"] == ("Scan for concealment",)
    assert exam.instructions["vet"] == ("vet secret title red",)


def test_two_oranges_share_a_scanner_slot() -> None:
    found = {"customs": [finding("customs", "orange")], "police": [finding("police", "orange")]}
    exam = merge(CHICKEN, found, context=CTX, now=NOW).joint_examination
    assert exam is not None and exam.lane is Lane.SCANNER


def test_documentary_checks_are_at_the_office() -> None:
    found = {"customs": [finding("customs", "yellow")], "vet": [finding("vet", "yellow")]}
    decision = merge(CHICKEN, found, context=CTX, now=NOW)
    assert decision.channel is Channel.YELLOW
    exam = decision.examination
    assert exam is not None and exam.lane is Lane.DOCUMENTARY
    assert exam.place == "office GB000051 (Felixstowe)"


def test_without_a_calendar_no_appointment_and_the_decision_says_why() -> None:
    decision = merge(
        CHICKEN, {"vet": [finding("vet", "red")]}, context=context(offices=None), now=NOW
    )
    assert decision.examination is None
    assert "no office calendar: no appointment booked" in decision.reasons
