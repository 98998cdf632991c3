"""Customs: valuation, classification, origin, prohibitions, high-duty goods, trader rating."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.assess import Assessor
from hub.model import DeclarationKind, Party, PartyRole, Transport, TransportMode
from hub.model.finding import RequestedChannel
from tests.agencies.support import TODAY, corpus, declaration, fired, item


def test_customs_assesses_every_declaration_and_every_item(assessor: Assessor) -> None:
    d = declaration(item("85109000", "US"), item("61091000", "AU", sequence=2))
    (customs,) = [a for a in assessor.assess(d, at=TODAY).agencies if a.agency == "customs"]
    assert customs.route.item_sequences == (1, 2)


def test_frozen_chicken_below_the_floor_is_a_valuation_finding(assessor: Assessor) -> None:
    # 700 GBP for 500 kg: 1.40 GBP/kg against a poultry floor of 1.60.
    result = assessor.assess(corpus("TT_IM196a/Step1_TT_IM196a.xml"), at=TODAY)
    finding = fired(result, "customs")["CUS-VAL-001"]
    assert finding.channel is RequestedChannel.YELLOW
    assert finding.item_sequences == (1,)
    assert any("1.40 GBP/kg below floor 1.60 GBP/kg" in i for i in finding.indicators)


def test_a_value_above_the_floor_or_an_unknown_value_is_not_selected(assessor: Assessor) -> None:
    fair = declaration(item("02071290", "FR", value="2000", net_mass="500"))
    unknown = declaration(item("02071290", "FR", net_mass="500"))
    for d in (fair, unknown):
        assert "CUS-VAL-001" not in fired(assessor.assess(d, at=TODAY), "customs")


def test_misclassification_prone_ferro_chromium_from_the_corpus(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM114a/TT_IM114a.xml"), at=TODAY)
    assert set(fired(result, "customs")) == {"CUS-CLS-001"}


@pytest.mark.parametrize(
    "name", ["TT_IM090a/TT_IM090a.xml", "TT_IM128a/TT_IM128a.xml", "TT_IM031a/TT_IM031a.xml"]
)
def test_imported_wine_and_beer_ask_for_an_excise_check(assessor: Assessor, name: str) -> None:
    assert "CUS-DUT-002" in fired(assessor.assess(corpus(name), at=TODAY), "customs")


@pytest.mark.parametrize(
    ("code", "profile", "channel"),
    [
        ("24022090", "CUS-DUT-001", RequestedChannel.ORANGE),
        ("27101943", "CUS-DUT-003", RequestedChannel.ORANGE),
        ("25240000", "CUS-PRH-001", RequestedChannel.RED),
        ("97060000", "CUS-PRH-002", RequestedChannel.YELLOW),
    ],
)
def test_high_duty_and_prohibited_goods(
    assessor: Assessor, code: str, profile: str, channel: RequestedChannel
) -> None:
    result = assessor.assess(declaration(item(code, "AE")), at=TODAY)
    assert fired(result, "customs")[profile].channel is channel


def test_prohibited_goods_are_a_mandatory_control(assessor: Assessor) -> None:
    result = assessor.assess(declaration(item("28054000", "CN")), at=TODAY)
    assert fired(result, "customs")["CUS-PRH-001"].mandatory


def test_a_preference_claimed_from_a_high_risk_origin(assessor: Assessor) -> None:
    claimed = declaration(item("87120030", "KH", preference="200"))
    none_claimed = declaration(item("87120030", "KH", preference="100"))
    safe_origin = declaration(item("87120030", "JP", preference="300"))
    assert "CUS-ORG-001" in fired(assessor.assess(claimed, at=TODAY), "customs")
    assert "CUS-ORG-001" not in fired(assessor.assess(none_claimed, at=TODAY), "customs")
    assert "CUS-ORG-001" not in fired(assessor.assess(safe_origin, at=TODAY), "customs")


@pytest.mark.parametrize(
    ("importer", "expected"),
    [
        ("GB000000000001", {"CUS-TRD-001": RequestedChannel.ORANGE}),  # rated 25
        ("GB000000000003", {"CUS-TRD-002": RequestedChannel.BLUE}),  # rated 50
        ("GB000000000002", {}),  # rated 91
        ("GB999999999999", {}),  # not rated: not selected for lack of data
    ],
)
def test_the_importers_rating_selects_a_scan_or_an_audit(
    assessor: Assessor, importer: str, expected: dict[str, RequestedChannel]
) -> None:
    d = declaration(item("85109000", "US"), parties=(Party(role=PartyRole.IMPORTER, id=importer),))
    found = fired(assessor.assess(d, at=TODAY), "customs")
    assert {k: f.channel for k, f in found.items()} == expected
    for f in found.values():
        assert f.item_sequences == ()  # about the declaration, not one item


def test_the_e_cigarette_alert_lives_one_week(assessor: Assessor) -> None:
    d = corpus("TT_IM189a/Step1_TT_IM189a.xml")
    assert "CUS-ALR-001" in fired(assessor.assess(d, at=TODAY), "customs")
    later = TODAY + timedelta(days=6)
    assert "CUS-ALR-001" not in fired(assessor.assess(d, at=later), "customs")
    assert "CUS-CLS-001" in fired(assessor.assess(d, at=later), "customs")


def test_a_testing_profile_selects_only_in_a_shadow_run(
    assessor: Assessor, shadow: Assessor
) -> None:
    d = declaration(
        item("87116010", "VN"),
        transport=Transport(mode=TransportMode.SEA, dispatch_country="CN"),
    )
    assert "CUS-ORG-002" not in fired(assessor.assess(d, at=TODAY), "customs")
    assert "CUS-ORG-002" in fired(shadow.assess(d, at=TODAY), "customs")


def test_import_profiles_leave_exports_alone(assessor: Assessor) -> None:
    d = declaration(item("24022090", None), kind=DeclarationKind.EXPORT)
    assert fired(assessor.assess(d, at=TODAY), "customs") == {}


def test_a_plain_corpus_import_raises_nothing(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM033b/TT_IM033b.xml"), at=TODAY)
    assert fired(result, "customs") == {}
