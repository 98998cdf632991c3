"""Findings from partners' data in the merge: their agency's, in every version, never softened
where a partner asked for a control."""

from __future__ import annotations

from datetime import timedelta

from hub.decision import Decision, Officer, amend, approve_raise, lower, merge, request_raise
from hub.decision.aeo import lowerable
from hub.decision.merge import answered_findings, partner_findings_of
from hub.model import Channel
from hub.model.finding import Finding, FindingSource, RequestedChannel
from tests.decision.support import CHICKEN, NOW, REGISTER, context, corpus, finding

CTX = context()
GARLIC = corpus("TT_IM014a/TT_IM014a.xml")  # importer GB553202734852 holds AEOC
LATER = NOW + timedelta(minutes=5)

MISMATCH = Finding(
    agency="customs",
    source=FindingSource.PRE_ARRIVAL,
    title="Declaration disagrees with the pre-arrival data from RS (export 24RS0000000000777)",
    risk_area="pre-arrival-mismatch",
    indicators=("gross mass 9,800 kg declared against 19,800 kg sent by RS",),
    channel=RequestedChannel.ORANGE,
)
WATCHED = Finding(
    agency="customs",
    source=FindingSource.WATCH,
    title="Consignment watched at the request of RS (warning RS-RW-1)",
    risk_area="drugs",
    indicators=("container 'MSCU1234565' named in RS's warning RS-RW-1",),
    channel=RequestedChannel.RED,
)
PARTNERS = (MISMATCH, WATCHED)


def _customs(decision: Decision) -> tuple[Finding, ...]:
    return decision.agencies["customs"].findings


def _first(**kw: object) -> Decision:
    found = {"customs": [finding("customs", "yellow")], "police": [], "vet": []}
    return merge(CHICKEN, found, context=CTX, now=NOW, partner_findings=PARTNERS, **kw)  # type: ignore[arg-type]


def test_partner_findings_join_their_agencys_findings_and_reasons() -> None:
    decision = _first()
    assert _customs(decision)[1:] == PARTNERS
    assert decision.agencies["customs"].channel is Channel.RED  # the watch asks for red
    assert f"partner data: {MISMATCH.title}" in decision.reasons
    assert f"partner data: {WATCHED.title}" in decision.reasons
    assert partner_findings_of(decision) == PARTNERS
    assert answered_findings(decision)["customs"] == (finding("customs", "yellow"),)


def test_an_agencys_own_answer_never_carries_partner_findings() -> None:
    smuggled = WATCHED.model_copy(update={"title": "an agency claiming a partner's watch"})
    found = {"customs": [smuggled, finding("customs", "yellow")], "police": [], "vet": []}
    decision = merge(CHICKEN, found, context=CTX, now=NOW)
    assert smuggled not in _customs(decision)
    assert decision.agencies["customs"].channel is Channel.YELLOW
    assert partner_findings_of(decision) == ()


def test_an_agencys_own_mismatch_finding_stays_its_own() -> None:
    own = finding("customs", "orange").model_copy(
        update={"source": FindingSource.MISMATCH, "profile_id": None}
    )
    decision = merge(CHICKEN, {"customs": [own], "police": [], "vet": []}, context=CTX, now=NOW)
    assert _customs(decision) == (own,)
    assert answered_findings(decision)["customs"] == (own,)
    assert partner_findings_of(decision) == ()


def test_a_late_answer_keeps_partner_findings_once() -> None:
    first = merge(
        CHICKEN,
        {"police": [], "vet": []},
        context=CTX,
        now=NOW,
        pending=["customs"],
        partner_findings=PARTNERS,
    )
    assert [f.source for f in _customs(first)] == [
        FindingSource.FAIL_SAFE,
        FindingSource.PRE_ARRIVAL,
        FindingSource.WATCH,
    ]
    own = finding("customs", "yellow")
    second = amend(first, CHICKEN, "customs", [own], context=CTX, now=LATER)
    assert _customs(second) == (own, *PARTNERS)
    third = amend(second, CHICKEN, "vet", [finding("vet", "red")], context=CTX, now=LATER)
    assert partner_findings_of(third) == PARTNERS
    assert _customs(third) == (own, *PARTNERS)


def test_a_rerouting_keeps_partner_findings() -> None:
    alice, bob = Officer(id="alice", agency="jtc"), Officer(id="bob", agency="jtc")
    first = _first()
    request = request_raise(
        first, agency="police", to=RequestedChannel.ORANGE, reason="tip-off", officer=alice, now=NOW
    )
    raised = approve_raise(
        first, request, approver=bob, declaration=CHICKEN, context=CTX, now=LATER
    )
    assert partner_findings_of(raised) == PARTNERS

    lowered = lower(
        raised,
        agency="customs",
        profile_id="CUSTOMS-YELLOW-1",
        to=None,
        reason="documents seen",
        officer=Officer(id="carl", agency="customs"),
        declaration=CHICKEN,
        context=CTX,
        now=LATER,
    )
    assert _customs(lowered) == PARTNERS  # the officer's own finding withdrawn, the partners' stay
    assert lowered.agencies["customs"].channel is Channel.RED


def test_an_aeo_may_lower_a_mismatch_but_never_a_partners_watch() -> None:
    aeo = context(aeo=REGISTER)
    base: dict[str, list[Finding]] = {"phyto": [], "police": []}

    mismatch = merge(
        GARLIC, {**base, "customs": []}, context=aeo, now=NOW, partner_findings=[MISMATCH]
    )
    assert mismatch.agencies["customs"].channel is Channel.YELLOW  # orange, one step down
    assert lowerable(MISMATCH, REGISTER)

    for area in ("drugs", "security"):
        watch = WATCHED.model_copy(update={"risk_area": area, "channel": RequestedChannel.ORANGE})
        watched = merge(
            GARLIC, {**base, "customs": []}, context=aeo, now=NOW, partner_findings=[watch]
        )
        assert watched.agencies["customs"].channel is Channel.ORANGE, area
        assert not lowerable(watch, REGISTER)
        assert not any(r.startswith("AEO benefit") for r in watched.reasons)


def test_a_confidential_warning_is_not_quoted_in_the_reasons() -> None:
    secret = WATCHED.model_copy(update={"confidential": True})
    decision = merge(
        CHICKEN,
        {"customs": [], "police": [], "vet": []},
        context=CTX,
        now=NOW,
        partner_findings=[secret],
    )
    assert _customs(decision) == (secret,)
    assert not any("RS-RW-1" in r or str(secret.title) in r for r in decision.reasons)
    assert any(r.startswith("partner data:") for r in decision.reasons)
