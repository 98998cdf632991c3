"""Release after control: what each outcome does to an agency's word, and when the goods go."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.decision import AgencyStatus, Decision, Officer, amend, merge, trader_view
from hub.decision.release import after_control
from hub.errors import DecisionError
from hub.feedback import ControlOutcome, ControlResult
from hub.model import ResponseStatus
from tests.decision.support import CHICKEN, NOW, context, finding

CTX = context()
LATER = NOW + timedelta(hours=3)


def _controlled() -> Decision:
    """Customs selects for documents (yellow), vet for a physical examination (red)."""
    found = {
        "customs": [finding("customs", "yellow")],
        "police": [],
        "vet": [finding("vet", "red", profile="VET-ORG-002")],
    }
    return merge(CHICKEN, found, context=CTX, now=NOW)


def _result(
    agency: str,
    outcome: ControlOutcome,
    *,
    version: int = 1,
    duty: str | None = None,
    declaration_id: str = CHICKEN.id,
) -> ControlResult:
    return ControlResult(
        declaration_id=declaration_id,
        decision_version=version,
        agency=agency,
        officer=Officer(id=f"{agency}-officer", agency=agency),
        checked="documents and goods",
        outcome=outcome,
        duty_at_stake=Decimal(duty) if duty else None,
        currency="EUR" if duty else None,
        recorded_at=LATER,
    )


def test_the_decision_selected_two_agencies_for_control() -> None:
    first = _controlled()
    assert first.agencies["customs"].status is AgencyStatus.DOCUMENTARY_CHECK
    assert first.agencies["vet"].status is AgencyStatus.EXAMINATION_REQUIRED
    assert first.agencies["police"].status is AgencyStatus.MAY_PROCEED
    assert not first.released


def test_no_finding_by_the_one_controlling_agency_releases_the_goods() -> None:
    found = {"customs": [finding("customs", "orange")], "police": [], "vet": []}
    first = merge(CHICKEN, found, context=CTX, now=NOW)
    second = after_control(first, [_result("customs", ControlOutcome.NO_FINDING)], now=LATER)

    assert second is not None
    assert (second.version, second.supersedes, second.made_at) == (2, 1, LATER)
    assert second.released
    assert second.agencies["customs"].status is AgencyStatus.MAY_PROCEED
    # Why it was controlled stays: the channel, the findings, the appointment.
    assert second.channel is first.channel
    assert second.agencies["customs"].findings == first.agencies["customs"].findings
    assert second.examination == first.examination
    assert second.reasons[-1] == "customs controlled: no finding"
    assert second.note == "released after control by customs"
    assert trader_view(second, message_id="m", sender="hub").status is ResponseStatus.RELEASED


def test_a_settled_discrepancy_lets_the_goods_go_and_says_what_was_collected() -> None:
    found = {"customs": [finding("customs", "yellow")], "vet": []}
    first = merge(CHICKEN, found, context=CTX, now=NOW)
    result = _result("customs", ControlOutcome.DISCREPANCY, duty="1250.40")
    second = after_control(first, [result], now=LATER)

    assert second is not None and second.released
    assert (
        second.reasons[-1] == "customs controlled: discrepancy settled, duty 1250.40 EUR collected"
    )


@pytest.mark.parametrize("outcome", [ControlOutcome.SEIZURE, ControlOutcome.DETENTION])
def test_a_seizure_or_a_detention_holds_the_goods(outcome: ControlOutcome) -> None:
    second = after_control(_controlled(), [_result("vet", outcome)], now=LATER)

    assert second is not None and not second.released
    assert second.agencies["vet"].status is AgencyStatus.HOLD
    assert second.agencies["customs"].status is AgencyStatus.DOCUMENTARY_CHECK  # still to control
    assert second.reasons[-1] == f"vet controlled: {outcome.value}, goods held"
    assert second.note == f"held after control by vet (vet: {outcome.value})"
    assert trader_view(second, message_id="m", sender="hub").status is ResponseStatus.HELD


def test_two_agencies_one_controlled_first_release_with_the_second() -> None:
    first = _controlled()
    customs = _result("customs", ControlOutcome.NO_FINDING)
    second = after_control(first, [customs], now=LATER)

    assert second is not None and not second.released
    assert second.agencies["customs"].status is AgencyStatus.MAY_PROCEED
    assert second.agencies["vet"].status is AgencyStatus.EXAMINATION_REQUIRED
    assert second.note == "customs may proceed after control; waiting for vet"

    vet = _result("vet", ControlOutcome.NO_FINDING, version=2)
    third = after_control(second, [customs, vet], now=LATER + timedelta(hours=1))
    assert third is not None and (third.version, third.supersedes) == (3, 2)
    assert third.released
    assert third.reasons[-2:] == ("customs controlled: no finding", "vet controlled: no finding")
    assert third.note == "released after control by customs and vet"


def test_the_same_results_again_make_no_new_version() -> None:
    first = _controlled()
    results = [
        _result("customs", ControlOutcome.NO_FINDING),
        _result("vet", ControlOutcome.SEIZURE),
    ]
    second = after_control(first, results, now=LATER)
    assert second is not None

    assert after_control(second, results, now=LATER + timedelta(hours=1)) is None
    assert after_control(second, [*results, results[0]], now=LATER) is None
    assert after_control(first, [], now=LATER) is None


def test_each_agencys_latest_result_is_its_word() -> None:
    found = {"customs": [], "vet": [finding("vet", "red")]}
    first = merge(CHICKEN, found, context=CTX, now=NOW)
    detained = _result("vet", ControlOutcome.DETENTION)
    held = after_control(first, [detained], now=LATER)
    assert held is not None and not held.released

    cleared = _result("vet", ControlOutcome.NO_FINDING, version=2)  # the laboratory found nothing
    released = after_control(held, [detained, cleared], now=LATER + timedelta(days=2))
    assert released is not None and released.released and released.version == 3


def test_a_pending_agency_keeps_the_goods_until_it_answers() -> None:
    found = {"customs": [finding("customs", "orange")]}
    first = merge(CHICKEN, found, context=CTX, now=NOW, pending=["vet"])
    second = after_control(first, [_result("customs", ControlOutcome.NO_FINDING)], now=LATER)

    assert second is not None and not second.released
    assert second.agencies["vet"].status is AgencyStatus.PENDING
    assert second.pending == ("vet",)
    assert second.agencies["vet"].pending_reason == first.agencies["vet"].pending_reason
    assert second.note == "customs may proceed after control; waiting for vet"
    assert trader_view(second, message_id="m", sender="hub").status is ResponseStatus.HELD


def test_a_result_of_an_agency_not_concerned_changes_nothing() -> None:
    found = {"customs": [finding("customs", "yellow")]}
    first = merge(CHICKEN, found, context=CTX, now=NOW)
    assert after_control(first, [_result("phyto", ControlOutcome.SEIZURE)], now=LATER) is None


def test_a_result_on_another_declaration_is_refused() -> None:
    stray = _result("customs", ControlOutcome.NO_FINDING, declaration_id="DEC-OTHER")
    with pytest.raises(DecisionError, match="DEC-OTHER"):
        after_control(_controlled(), [stray], now=LATER)


_OUTCOMES = st.sampled_from(list(ControlOutcome))
_AGENCIES = st.sampled_from(["customs", "police", "vet"])


@given(st.lists(st.tuples(_AGENCIES, _OUTCOMES), max_size=8))
def test_released_exactly_when_every_agency_may_proceed_and_applying_again_is_idempotent(
    recorded: list[tuple[str, ControlOutcome]],
) -> None:
    first = _controlled()
    results = [_result(agency, outcome) for agency, outcome in recorded]
    made = after_control(first, results, now=LATER)
    latest = made or first
    words = {a: o for a, o in recorded}
    for name, agency in latest.agencies.items():
        if name in words:
            held = words[name] in (ControlOutcome.SEIZURE, ControlOutcome.DETENTION)
            assert agency.status is (AgencyStatus.HOLD if held else AgencyStatus.MAY_PROCEED)
        else:
            assert agency.status is first.agencies[name].status
    assert latest.released == all(
        a.status is AgencyStatus.MAY_PROCEED for a in latest.agencies.values()
    )
    assert after_control(latest, results, now=LATER) is None


def test_a_later_version_keeps_what_a_control_settled_while_its_findings_stand() -> None:
    found = {"customs": [finding("customs", "orange")], "police": [], "vet": []}
    first = merge(CHICKEN, found, context=CTX, now=NOW, pending=["police"])
    released_by_customs = after_control(
        first, [_result("customs", ControlOutcome.NO_FINDING)], now=LATER
    )
    assert released_by_customs is not None
    assert released_by_customs.agencies["customs"].controlled

    # Police answers late with nothing: customs' control still stands, the goods go.
    police_late = amend(
        released_by_customs, CHICKEN, "police", [], context=CTX, now=LATER + timedelta(hours=1)
    )
    assert police_late.agencies["customs"].status is AgencyStatus.MAY_PROCEED
    assert police_late.agencies["customs"].controlled
    assert police_late.released

    # New findings for customs (its own late answer) ask for a new control.
    customs_again = amend(
        police_late,
        CHICKEN,
        "customs",
        [finding("customs", "red", profile="CUS-NEW-001")],
        context=CTX,
        now=LATER + timedelta(hours=2),
    )
    assert customs_again.agencies["customs"].status is AgencyStatus.EXAMINATION_REQUIRED
    assert not customs_again.agencies["customs"].controlled
    assert not customs_again.released
