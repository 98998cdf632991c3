"""The decision's shapes: the contract of issue 4 and a trader view that leaks nothing."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.decision import Decision, merge, trader_view
from hub.decision.model import most_severe
from hub.model import Channel, ResponseStatus
from hub.response.cusres import write_cusres
from hub.response.xml import write_response
from tests.decision.support import CHICKEN, NOW, context, finding

CTX = context()
CONTRACT_KEYS = [
    "declaration_id",
    "version",
    "channel",
    "post_clearance_audit",
    "released",
    "random_selection",
    "agencies",
    "joint_examination",
]


def test_the_contract_has_the_issues_keys_first_and_survives_json() -> None:
    found = {"customs": [], "police": [finding("police", "red")], "vet": [finding("vet", "red")]}
    contract = merge(CHICKEN, found, context=CTX, now=NOW).to_contract()
    assert list(contract)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert list(contract)[len(CONTRACT_KEYS) :] == ["examination", "pending", "queued"]
    assert set(contract["agencies"]["vet"]) == {"status", "channel", "findings"}
    assert set(contract["joint_examination"]) == {"agencies", "place", "slot"}
    assert json.loads(json.dumps(contract)) == contract


def test_a_decision_round_trips_through_json() -> None:
    decision = merge(CHICKEN, {"vet": [finding("vet", "red")]}, context=CTX, now=NOW)
    assert Decision.model_validate_json(decision.model_dump_json()) == decision


def test_trader_statuses() -> None:
    held = merge(CHICKEN, {"customs": []}, pending=["vet"], context=CTX, now=NOW)
    assert trader_view(held, message_id="m", sender="GB").status is ResponseStatus.HELD
    checked = merge(CHICKEN, {"customs": [finding("customs", "yellow")]}, context=CTX, now=NOW)
    view = trader_view(checked, message_id="m", sender="GB")
    assert view.status is ResponseStatus.UNDER_CONTROL and view.examination_place
    free = merge(CHICKEN, {"customs": []}, context=CTX, now=NOW)
    assert trader_view(free, message_id="m", sender="GB").status is ResponseStatus.RELEASED


_ROW = st.tuples(
    st.sampled_from(["customs", "police", "vet"]),
    st.sampled_from(["yellow", "orange", "red", "blue"]),
    st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=5), st.lists(st.sampled_from(["phyto"]), max_size=1))
def test_the_trader_view_never_carries_a_finding(
    rows: list[tuple[str, str, bool]], pending: list[str]
) -> None:
    found: dict[str, list] = {}
    for i, (agency, channel, confidential) in enumerate(rows):
        found.setdefault(agency, []).append(
            finding(
                agency,
                channel,
                profile=f"SECRET-PROFILE-{i}",
                confidential=confidential,
                instructions=f"secret instruction {i}",
            )
        )
    decision = merge(CHICKEN, found, pending=pending, context=CTX, now=NOW)
    view = trader_view(decision, message_id="m", sender="GB", receiver="XI553202734852")
    texts = [view.model_dump_json(), write_response(view).decode(), write_cusres(view).decode()]
    for text in texts:
        lowered = text.lower()
        assert "secret" not in lowered and "fail-safe" not in lowered
        for name in ("police", "vet", "phyto"):
            assert name not in lowered


def test_most_severe_of_nothing_is_green() -> None:
    assert most_severe([]) is Channel.GREEN
    assert most_severe([Channel.YELLOW, Channel.RED, Channel.ORANGE]) is Channel.RED
