"""RuleSet: compile once, index, evaluate; one finding per matching profile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.errors import InvalidProfile
from hub.model import Party, PartyRole, Transport
from hub.model.finding import RequestedChannel
from hub.rules import ProfileStatus, ReferenceData, RuleSet
from tests.rules.builders import AT, declaration, item, profile, references


def test_a_matching_profile_gives_one_finding_with_its_words() -> None:
    rules = RuleSet.compile(
        [profile(when={"commodity": ["0703"], "origin": ["CN", "VN"]}, channel="red")],
        references(),
    )
    [finding] = rules.evaluate(declaration(item(1), item(2, origin="IL"), item(3)), at=AT)
    assert finding.profile_id == "CUS-TST-001"
    assert finding.profile_version == 1
    assert finding.agency == "customs"
    assert finding.item_sequences == (1, 3)
    assert finding.indicators == ("commodity 07032000 starts with 0703", "origin CN in [CN, VN]")
    assert finding.channel is RequestedChannel.RED


def test_only_the_asked_statuses_are_compiled() -> None:
    profiles = [profile("CUS-TST-001"), profile("CUS-TST-002", status="testing")]
    assert len(RuleSet.compile(profiles, ReferenceData())) == 1
    both = RuleSet.compile(
        profiles, ReferenceData(), statuses={ProfileStatus.ACTIVE, ProfileStatus.TESTING}
    )
    assert [p.id for p in both.profiles] == ["CUS-TST-001", "CUS-TST-002"]


def test_validity_window_is_respected() -> None:
    rules = RuleSet.compile(
        [profile(validity={"from": "2025-03-01T12:00:00Z", "to": "2025-03-02T12:00:00Z"})],
        ReferenceData(),
    )
    decl = declaration()
    assert rules.evaluate(decl, at=AT - timedelta(seconds=1)) == []
    assert len(rules.evaluate(decl, at=AT)) == 1
    assert rules.evaluate(decl, at=AT + timedelta(days=1)) == []


def test_an_unknown_reference_list_is_refused_at_compile() -> None:
    with pytest.raises(InvalidProfile) as caught:
        RuleSet.compile(
            [profile(when={"expression": "in_list('pest_orgins', item.origin)"})], references()
        )
    assert caught.value.field == "when.expression"
    assert "pest_orgins" in caught.value.message


def test_local_profile_applies_only_at_its_office() -> None:
    rules = RuleSet.compile([profile(level="local", offices=["GB000290"])], ReferenceData())
    here = Transport(office_of_exit="GB000290")
    assert rules.evaluate(declaration(), at=AT) == []
    [finding] = rules.evaluate(declaration(transport=here), at=AT)
    assert "local profile for office GB000290 in [GB000290]" in finding.indicators


def test_declaration_scope_gives_a_finding_without_items() -> None:
    rules = RuleSet.compile(
        [profile(scope="declaration", when={"commodity": ["93"], "party": ["GB123456789000"]})],
        ReferenceData(),
    )
    decl = declaration(
        item(1),
        item(2, code="93062100"),
        parties=(Party(role=PartyRole.IMPORTER, id="GB123456789000"),),
    )
    [finding] = rules.evaluate(decl, at=AT)
    assert finding.item_sequences == ()
    assert finding.indicators == (
        "commodity 93062100 (item 2) starts with 93",
        "party GB123456789000 listed",
    )
