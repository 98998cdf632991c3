"""The need-to-know policy as properties: whatever the findings, no view shows what it may not."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.access import (
    Action,
    Principal,
    Role,
    decision_view,
    finding_visible,
    may,
    may_read_declaration,
)
from hub.decision import Decision, merge
from hub.model.finding import Finding, RequestedChannel
from tests.decision.support import CHICKEN, NOW, SPECS, context

AGENCIES = ("customs", "police", "vet")
CTX = context()


def _finding(agency: str, n: int, channel: RequestedChannel, confidential: bool) -> Finding:
    return Finding(
        agency=agency,
        profile_id=f"{agency.upper()}-P-{n}",
        title=f"secret-{agency}-{n}" if confidential else f"plain-{agency}-{n}",
        channel=channel,
        confidential=confidential,
    )


_findings = st.dictionaries(
    st.sampled_from(AGENCIES),
    st.lists(
        st.tuples(st.sampled_from(list(RequestedChannel)), st.booleans()), min_size=0, max_size=3
    ),
    min_size=1,
)


def _decision(
    drawn: dict[str, list[tuple[RequestedChannel, bool]]],
) -> tuple[Decision, dict[str, list[Finding]]]:
    found = {
        agency: [_finding(agency, i, c, secret) for i, (c, secret) in enumerate(items)]
        for agency, items in drawn.items()
    }
    return merge(CHICKEN, found, context=CTX, now=NOW), found


@settings(max_examples=60, deadline=None)
@given(_findings)
def test_a_trader_never_sees_a_finding_an_agency_or_a_reason(
    drawn: dict[str, list[tuple[RequestedChannel, bool]]],
) -> None:
    decision, found = _decision(drawn)
    trader = Principal("t", Role.TRADER, parties=("XI553202734852",))
    text = json.dumps(decision_view(trader, decision, SPECS).body)
    for agency, items in found.items():
        assert f'"{agency}"' not in text
        for f in items:
            assert f.profile_id is not None and f.profile_id not in text
            assert f.title is not None and f.title not in text


@settings(max_examples=60, deadline=None)
@given(_findings, st.sampled_from((*AGENCIES, "phyto")))
def test_an_officer_sees_only_shared_findings_and_never_a_confidential_one(
    drawn: dict[str, list[tuple[RequestedChannel, bool]]], reader: str
) -> None:
    decision, found = _decision(drawn)
    officer = Principal("o", Role.OFFICER, agency=reader)
    view = decision_view(officer, decision, SPECS)
    text = json.dumps(view.body)
    for agency, items in found.items():
        shared = agency == reader or reader in SPECS[agency].findings_visible_to
        for f in items:
            title = f.title or ""
            if f.confidential:
                assert title not in text  # confidential_visible_to is only the JTC here
            elif shared:
                assert title in text
            else:
                assert title not in text
    assert view.confidential == 0


@settings(max_examples=40, deadline=None)
@given(_findings)
def test_the_jtc_sees_everything_and_counts_the_confidential_findings_it_shows(
    drawn: dict[str, list[tuple[RequestedChannel, bool]]],
) -> None:
    decision, found = _decision(drawn)
    view = decision_view(Principal("j", Role.JTC), decision, SPECS)
    text = json.dumps(view.body)
    assert all(f.title is not None and f.title in text for items in found.values() for f in items)
    assert view.confidential == sum(f.confidential for items in found.values() for f in items)


@given(st.lists(st.text(min_size=1, max_size=14), max_size=3), st.sampled_from(list(Role)))
def test_only_a_party_routed_agency_or_the_jtc_reads_a_declaration(
    parties: list[str], role: Role
) -> None:
    routed = ("customs", "police", "vet")
    principal = Principal(
        "p",
        role,
        parties=tuple(parties) or ("NOBODY",),
        agency="vet" if role is Role.OFFICER else None,
        administration="FR" if role is Role.PARTNER else None,
    )
    readable = may_read_declaration(principal, CHICKEN, routed, "GB000051")
    ours = {"XI553202734852"} & set(principal.parties)
    expected = {
        Role.JTC: True,
        Role.OFFICER: True,
        Role.TRADER: bool(ours),
        Role.PARTNER: False,
        Role.ADMIN: False,
    }[role]
    assert readable is expected
    assert may_read_declaration(principal, CHICKEN, ("customs",), None) is (
        role is Role.JTC or (role is Role.TRADER and bool(ours))
    )


def test_reports_are_for_the_jtc_and_an_officer_for_its_own_agency_only() -> None:
    jtc = Principal("a", Role.JTC)
    vet = Principal("o", Role.OFFICER, agency="vet")
    assert may(jtc, Action.READ_REPORTS) and may(jtc, Action.READ_REPORTS, agency="police")
    assert may(vet, Action.READ_REPORTS, agency="vet")
    assert not may(vet, Action.READ_REPORTS, agency="police")
    assert not may(vet, Action.READ_REPORTS)  # every agency's figures: the JTC's
    for role, extra in (
        (Role.TRADER, {"parties": ("XI553202734852",)}),
        (Role.ADMIN, {}),
        (Role.PARTNER, {"administration": "XK"}),
    ):
        other = Principal("x", role, **extra)
        assert not may(other, Action.READ_REPORTS)
        assert not may(other, Action.READ_REPORTS, agency="vet")


def test_a_report_counts_only_the_findings_its_reader_may_see() -> None:
    secret = _finding("police", 1, RequestedChannel.RED, confidential=True)
    plain = _finding("police", 2, RequestedChannel.RED, confidential=False)
    jtc = Principal("a", Role.JTC)
    police = Principal("o", Role.OFFICER, agency="police")
    trader = Principal("t", Role.TRADER, parties=("XI553202734852",))
    assert finding_visible(jtc, secret, SPECS) and finding_visible(police, plain, SPECS)
    assert finding_visible(police, secret, SPECS) == (
        "police" in SPECS["police"].confidential_visible_to
    )
    assert not finding_visible(trader, plain, SPECS)
