"""Risk information in and out: warnings become profiles and watches, and back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.exchange.messages import Header, RiskWarning, SuspectConsignment, WarnedProfile
from hub.exchange.risk import (
    consignment_watch,
    findings_to_share,
    share_targets,
    warning_from_finding,
    warning_from_profile,
    warning_profile,
    warning_profile_id,
)
from hub.exchange.watches import watch_findings
from hub.model.declaration import (
    Container,
    GoodsItem,
    Origin,
    Party,
    PartyRole,
    Transport,
    TransportMeans,
)
from hub.model.finding import Finding, FindingSource, RequestedChannel
from hub.rules import ProfileStatus, ReferenceData, RiskProfile, RuleSet, Scope, parse_profile
from hub.rules.lifecycle import rules_hash
from hub.rules.registry import check_profile_id
from tests.exchange.pre_arrival_builders import import_of, pre_arrival
from tests.rules._profile_factory import make_profile

SENT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _header(message_id: str = "RS:RIF:2026.0481") -> Header:
    return Header(message_id=message_id, sender="RS", receiver="ME", created_at=SENT)


def profile_warning(**changes: Any) -> RiskWarning:
    warned: dict[str, Any] = {
        "title": "Cigarettes declared as car parts",
        "risk_area": "high-duty",
        "hs_prefixes": ("8708", "2402 20"),
        "origins": ("ae",),
        "routes": ("TR",),
        "parties": ("ME 02001234", "Shadow Traders FZE"),
        "indicators": ("new consignee, first import", "cash payment"),
        "valid_to": date(2026, 11, 30),
    }
    warned.update(changes)
    return RiskWarning(
        header=_header(),
        risk_area="revenue",
        summary="Cigarettes hidden in car-part consignments.",
        requested_action=RequestedChannel.RED,
        profile=WarnedProfile(**warned),
        confidential=True,
    )


def _declaration(code: str, origin: str, dispatch: str, importer: str) -> Any:
    pre = pre_arrival()
    return import_of(
        pre,
        parties=(Party(role=PartyRole.IMPORTER, id=importer),),
        transport=Transport(
            border_means=TransportMeans(id=pre.means_id), dispatch_country=dispatch
        ),
        goods_items=(GoodsItem(sequence=1, commodity_code=code, origin=Origin(country=origin)),),
    )


def test_a_profile_warning_becomes_a_testing_profile_of_structured_indicators() -> None:
    profile = warning_profile(profile_warning())
    check_profile_id(profile.id)
    assert profile.status is ProfileStatus.TESTING
    assert profile.owner == "customs"
    assert profile.channel is RequestedChannel.RED
    assert profile.risk_area == "high-duty"
    assert profile.confidential
    assert profile.scope is Scope.ITEM
    assert profile.when.commodity == ("8708", "240220")
    assert profile.when.origin == ("AE",)
    assert profile.when.dispatch == ("TR",)
    assert profile.when.party == ("ME02001234",)
    assert "new consignee, first import; cash payment" in profile.rationale
    assert "party named: Shadow Traders FZE" in profile.rationale
    assert profile.validity.from_ == SENT
    assert profile.validity.to == datetime(2026, 12, 1, tzinfo=UTC)


def test_the_profile_compiles_and_selects_only_what_the_warning_describes() -> None:
    profile = warning_profile(profile_warning(), agency="customs")
    # Through a file too: what the registry writes, the loader reads back.
    text = json.dumps(profile.model_dump(mode="json", by_alias=True))
    assert parse_profile(text, file="warning.json") == profile
    rules = RuleSet.compile([profile], ReferenceData(), statuses=(ProfileStatus.TESTING,))
    at = SENT + timedelta(days=2)
    hit = _declaration("87089997", "AE", "TR", "ME02001234")
    (finding,) = rules.evaluate(hit, at=at)
    assert finding.profile_id == profile.id
    assert finding.channel is RequestedChannel.RED
    assert finding.item_sequences == (1,)
    for miss in (
        _declaration("87032310", "AE", "TR", "ME02001234"),  # not the goods
        _declaration("87089997", "CN", "TR", "ME02001234"),  # another origin
        _declaration("87089997", "AE", "BG", "ME02001234"),  # another route
        _declaration("87089997", "AE", "TR", "ME09999999"),  # another importer
    ):
        assert rules.evaluate(miss, at=at) == []
    assert rules.evaluate(hit, at=datetime(2026, 12, 1, tzinfo=UTC)) == []  # expired


def test_a_warning_naming_only_parties_gives_a_declaration_scope_profile() -> None:
    warning = profile_warning(hs_prefixes=(), origins=(), routes=())
    profile = warning_profile(warning, agency="police")
    assert profile.scope is Scope.DECLARATION
    assert profile.owner == "police"
    rules = RuleSet.compile([profile], ReferenceData(), statuses=(ProfileStatus.TESTING,))
    at = SENT + timedelta(hours=1)
    assert len(rules.evaluate(_declaration("01", "FR", "FR", "ME02001234"), at=at)) == 1
    assert rules.evaluate(_declaration("01", "FR", "FR", "ME00000001"), at=at) == []


def test_a_warning_with_indicators_in_words_only_makes_no_profile() -> None:
    warning = profile_warning(hs_prefixes=("x",), origins=(), routes=(), parties=("Shadow Ltd",))
    with pytest.raises(ValueError, match="no indicator a rule can test"):
        warning_profile(warning)


def test_a_consignment_warning_makes_no_profile_and_a_profile_warning_no_watch() -> None:
    consignment = RiskWarning(
        header=_header(),
        risk_area="drugs",
        summary="Cocaine in the trailer floor.",
        requested_action=RequestedChannel.RED,
        consignment=SuspectConsignment(means_id="BG-123-AB"),
    )
    with pytest.raises(ValueError, match="becomes a watch"):
        warning_profile(consignment)
    with pytest.raises(ValueError, match="becomes a profile"):
        consignment_watch(profile_warning())


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,69}", fullmatch=True))
def test_any_message_id_gives_a_valid_and_stable_profile_id(message_id: str) -> None:
    header = _header(message_id)
    check_profile_id(warning_profile_id(header))
    assert warning_profile_id(header) == warning_profile_id(_header(message_id))


def test_ids_that_differ_only_in_punctuation_stay_apart() -> None:
    assert warning_profile_id(_header("RIF-1.2")) != warning_profile_id(_header("RIF-1-2"))
    assert warning_profile_id(_header("RIF-1.2")).startswith("RIF-RS-RIF-1-2-")


def test_a_consignment_warning_becomes_a_watch_that_hits_the_declaration() -> None:
    warning = RiskWarning(
        header=_header(),
        risk_area="drugs",
        summary="Cocaine in the trailer floor.",
        requested_action=RequestedChannel.RED,
        consignment=SuspectConsignment(container="MSKU 123456-7", party_id="ME99"),
        valid_to=date(2026, 11, 25),
        confidential=True,
    )
    watch = consignment_watch(warning)
    assert (watch.partner, watch.warning_message_id) == ("RS", "RS:RIF:2026.0481")
    assert watch.valid_to == date(2026, 11, 25)
    declaration = import_of(
        pre_arrival(), transport=Transport(containers=(Container(id="MSKU1234567"),))
    )
    (finding,) = watch_findings(declaration, [watch])
    assert finding.confidential and finding.channel is RequestedChannel.RED


def _police_finding(confidential: bool) -> Finding:
    return Finding(
        agency="police",
        profile_id="POL-DRG-001",
        title="Known courier vehicle",
        risk_area="drugs",
        indicators=("vehicle BG123AB on the watchlist",),
        channel=RequestedChannel.RED,
        confidential=confidential,
    )


@pytest.mark.parametrize("confidential", [True, False])
def test_a_finding_becomes_a_consignment_warning_with_the_declarations_identifiers(
    confidential: bool,
) -> None:
    pre = pre_arrival(containers=("MSKU1234567",))
    declaration = import_of(pre, functional_reference="26ME000000000042")
    warning = warning_from_finding(
        declaration,
        _police_finding(confidential),
        sender="ME",
        receiver="RS",
        message_id="ME-RIF-7",
        created_at=SENT,
    )
    assert warning.consignment == SuspectConsignment(
        means_id="BG-123-AB",
        container="MSKU1234567",
        declaration_reference="26ME000000000042",
        party_id="ME02001234",
    )
    assert warning.confidential is confidential
    assert warning.requested_action is RequestedChannel.RED
    assert warning.summary == "Known courier vehicle: vehicle BG123AB on the watchlist"
    orange = warning_from_finding(
        declaration,
        _police_finding(confidential),
        sender="ME",
        receiver="RS",
        message_id="ME-RIF-8",
        created_at=SENT,
        requested_action=RequestedChannel.ORANGE,
    )
    assert orange.requested_action is RequestedChannel.ORANGE


def test_a_declaration_without_identifiers_cannot_be_warned_about() -> None:
    bare = import_of(pre_arrival(), parties=(), transport=Transport())
    with pytest.raises(ValueError, match="no identifier a partner could watch"):
        warning_from_finding(
            bare,
            _police_finding(False),
            sender="ME",
            receiver="RS",
            message_id="M1",
            created_at=SENT,
        )


def test_a_profile_becomes_a_warning_with_its_indicators() -> None:
    profile = make_profile(
        "CUS-ALR-002",
        title="E-cigarettes by sea",
        rationale="Undervalued e-cigarettes.",
        risk_area="high-duty",
        channel="orange",
        when={
            "commodity": ["854340", "240412"],
            "origin": ["CN"],
            "dispatch": ["AE"],
            "party": ["GB553202734852"],
            "transport_mode": ["sea"],
            "documents_missing": ["N935"],
            "expression": "item.net_mass > 100.0",
            "expression_says": "more than 100 kg net",
        },
        validity={"from": "2026-11-24T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        confidential=True,
    )
    warning = warning_from_profile(
        profile, sender="ME", receiver="RS", message_id="ME-RIF-9", created_at=SENT
    )
    assert warning.profile is not None
    assert warning.profile.hs_prefixes == ("854340", "240412")
    assert warning.profile.origins == ("CN",)
    assert warning.profile.routes == ("AE",)
    assert warning.profile.parties == ("GB553202734852",)
    assert warning.profile.indicators == (
        "transport by sea",
        "documents N935 missing",
        "more than 100 kg net",
    )
    assert warning.valid_to == date(2026, 11, 30)
    assert warning.requested_action is RequestedChannel.ORANGE
    assert warning.confidential
    # And back: the partner's profile selects what ours selects on the structured indicators.
    theirs = warning_profile(warning)
    assert theirs.when.commodity == profile.when.commodity
    assert theirs.when.origin == profile.when.origin
    assert theirs.validity.to == profile.validity.to


def test_share_with_marks_the_partners_and_leaves_the_rules_hash_alone() -> None:
    plain = make_profile("CUS-VAL-009")
    shared = plain.model_copy(update={"share_with": ("RS", "BA")})
    assert share_targets(plain) == ()
    assert share_targets(shared) == ("RS", "BA")
    assert rules_hash(shared) == rules_hash(plain)
    with pytest.raises(ValueError):
        RiskProfile.model_validate({**plain.model_dump(by_alias=True), "share_with": ["serbia"]})


def test_only_findings_marked_for_partners_are_shared() -> None:
    of_shared = Finding(
        agency="customs",
        profile_id="CUS-VAL-009",
        channel=RequestedChannel.YELLOW,
        share_with=("RS", "BA"),
    )
    of_home = Finding(agency="customs", profile_id="CUS-VAL-010", channel=RequestedChannel.YELLOW)
    random = Finding(
        agency="customs",
        source=FindingSource.RANDOM,
        channel=RequestedChannel.YELLOW,
        share_with=("RS",),
    )
    assert findings_to_share([of_home, of_shared, random]) == [
        ("RS", of_shared),
        ("BA", of_shared),
    ]


def test_a_profile_marks_its_findings_for_its_partners() -> None:
    ours = warning_profile(profile_warning(), agency="customs")
    shared = ours.model_copy(update={"share_with": ("RS", "BA")})
    rules = RuleSet.compile([shared], ReferenceData(), statuses=(ProfileStatus.TESTING,))
    hit = _declaration("87089997", "AE", "TR", "ME02001234")
    (finding,) = rules.evaluate(hit, at=SENT + timedelta(days=2))
    assert finding.share_with == ("RS", "BA")
    assert findings_to_share([finding]) == [("RS", finding), ("BA", finding)]
