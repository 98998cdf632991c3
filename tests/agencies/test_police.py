"""Police: watchlist screening of parties and means, weapons, precursors, confidential findings."""

from __future__ import annotations

import pytest

from hub.assess import Assessor
from hub.errors import IncompleteDeclaration
from hub.ingest import read
from hub.model import (
    Container,
    DeclarationKind,
    Party,
    PartyRole,
    Transport,
    TransportMeans,
    TransportMode,
)
from hub.model.finding import RequestedChannel
from tests.agencies.support import DECLARATIONS, TODAY, corpus, declaration, fired, item

IMPORTER = Party(role=PartyRole.IMPORTER, id="GB553202734852")


@pytest.mark.parametrize(
    "name",
    [
        "Muhammad Yousef Alhassan",
        "Mohamed Youssef El-Hassan",
        "AL HASSAN Mohammed Yusuf",
        "Abdulrahman Kassem",
        "Dmitriy Volkonski",
        "Bluewater Crest Trading FZE",
    ],
)
def test_a_watchlisted_party_under_another_spelling_is_a_confidential_finding(
    assessor: Assessor, name: str
) -> None:
    d = declaration(
        item("85109000", "US"),
        parties=(IMPORTER, Party(role=PartyRole.CONSIGNEE, name=name)),
    )
    finding = fired(assessor.assess(d, at=TODAY), "police")["POL-WL-001"]
    assert finding.confidential
    assert finding.channel is RequestedChannel.RED
    assert finding.item_sequences == ()
    assert any("consignee" in i and "watchlist entry" in i for i in finding.indicators)


@pytest.mark.parametrize("name", ["Ahmed Hassan Trading", "John Smith", "Veggy World."])
def test_other_names_are_not_selected(assessor: Assessor, name: str) -> None:
    d = declaration(
        item("85109000", "US"), parties=(IMPORTER, Party(role=PartyRole.EXPORTER, name=name))
    )
    assert fired(assessor.assess(d, at=TODAY), "police") == {}


@pytest.mark.parametrize(
    "transport",
    [
        Transport(
            mode=TransportMode.SEA,
            border_means=TransportMeans(id="IMO 9999997", id_type="10", mode=TransportMode.SEA),
        ),
        Transport(mode=TransportMode.SEA, containers=(Container(id="TSTU 123456-5"),)),
        Transport(
            mode=TransportMode.ROAD,
            arrival_means=TransportMeans(id="TST 4471 X", id_type="30", mode=TransportMode.ROAD),
        ),
    ],
    ids=["vessel", "container", "vehicle"],
)
def test_a_watchlisted_vessel_container_or_vehicle(
    assessor: Assessor, transport: Transport
) -> None:
    d = declaration(item("85109000", "US"), transport=transport)
    finding = fired(assessor.assess(d, at=TODAY), "police")["POL-WL-002"]
    assert finding.confidential


def test_no_corpus_party_or_means_is_on_the_watchlist(assessor: Assessor) -> None:
    screened = 0
    for path in sorted(DECLARATIONS.rglob("*.xml")) + sorted(DECLARATIONS.rglob("*.XML")):
        try:
            result = assessor.assess(read(path.read_bytes()), at=TODAY)
        except IncompleteDeclaration:
            continue
        found = fired(result, "police")
        assert not {"POL-WL-001", "POL-WL-002"} & set(found), path
        screened += 1
    assert screened >= 50


def test_shotgun_cartridges_from_the_corpus_are_a_mandatory_weapons_control(
    assessor: Assessor,
) -> None:
    result = assessor.assess(corpus("TT_IM008a/Step1_TT_IM008a.xml"), at=TODAY)
    finding = fired(result, "police")["POL-WPN-001"]
    assert finding.mandatory and not finding.confidential


@pytest.mark.parametrize(
    ("code", "profile", "channel"),
    [
        ("29143100", "POL-PRE-001", RequestedChannel.RED),  # phenylacetone (BMK)
        ("29329200", "POL-PRE-001", RequestedChannel.RED),  # PMK
        ("29394100", "POL-PRE-001", RequestedChannel.RED),  # ephedrine
        ("29152400", "POL-PRE-002", RequestedChannel.ORANGE),  # acetic anhydride
        ("28416100", "POL-PRE-002", RequestedChannel.ORANGE),  # potassium permanganate
    ],
)
def test_drug_precursors_in_any_direction(
    assessor: Assessor, code: str, profile: str, channel: RequestedChannel
) -> None:
    for kind in (DeclarationKind.IMPORT, DeclarationKind.EXPORT):
        d = declaration(item(code, "IN"), kind=kind)
        assert fired(assessor.assess(d, at=TODAY), "police")[profile].channel is channel


def test_bananas_by_sea_from_a_cocaine_source_country(assessor: Assessor) -> None:
    bananas = declaration(item("08039010", "EC"))
    finding = fired(assessor.assess(bananas, at=TODAY), "police")["POL-DRG-001"]
    assert finding.confidential and finding.channel is RequestedChannel.ORANGE
    by_air = declaration(item("08039010", "EC"), transport=Transport(mode=TransportMode.AIR))
    assert "POL-DRG-001" not in fired(assessor.assess(by_air, at=TODAY), "police")
