"""The hub's own cargo report, read from the samples shipped beside its schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from hub.errors import HostileInput, MalformedMessage, SchemaInvalid, UnsupportedMessage
from hub.ingest import cargo_report
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest._xml import parse_xml
from hub.model import (
    Container,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    SourceFormat,
    TransportMode,
    missing_for_assessment,
)
from tests.conftest import MESSAGE_SCHEMAS

SAMPLES = MESSAGE_SCHEMAS / "cargo_report" / "samples"
CET = timezone(timedelta(hours=1))


def _sample(name: str) -> bytes:
    return (SAMPLES / "valid" / name).read_bytes()


def test_root_tag_is_the_schema_root() -> None:
    assert cargo_report.ROOT_TAG == "{urn:hub:message:CargoReport:1}Declaration"
    root = parse_xml(_sample("road_truck_istanbul_sofia.xml")).getroot()
    assert root.tag == cargo_report.ROOT_TAG


def test_sea_container_report() -> None:
    data = _sample("sea_container_shanghai_rotterdam.xml")
    declaration = cargo_report.read(data)

    assert declaration.id == declaration_id(message_hash(data))
    assert declaration.message_hash == message_hash(data)
    assert declaration.source_format is SourceFormat.HUB_CARGO_REPORT
    assert declaration.kind is DeclarationKind.PRE_ARRIVAL
    assert declaration.function is DeclarationFunction.ORIGINAL
    assert declaration.function_code == "9"
    assert declaration.functional_reference == "NSL-CR-2024-004711"
    assert declaration.message_id == "MSG-20240304-0001"
    assert declaration.issued_at == datetime(2024, 3, 4, 9, 15, tzinfo=CET)
    assert declaration.submitter == "NL812345670"

    transport = declaration.transport
    assert transport.mode is TransportMode.SEA
    assert transport.border_means is not None
    assert transport.border_means.id == "9387421"
    assert transport.border_means.id_type == "10"
    assert transport.border_means.name == "NORDIC STAR"
    assert transport.border_means.nationality == "MT"
    assert transport.border_means.journey_id == "NS0424E"
    assert transport.expected_arrival == datetime(2024, 3, 9, 5, 0, tzinfo=UTC)
    assert transport.containers == (
        Container(id="NSLU4471105", seals=("CN2024881203", "NSL0098812")),
        Container(id="TGHU8812346", seals=("CN2024881204",)),
    )
    assert transport.transport_documents == ("NSLU24SHA0047110",)
    assert transport.office_of_entry == "NL000396"
    assert transport.office_of_destination == "NL000396"
    assert transport.loading_place == "CNSHA"
    assert transport.unloading_place == "NLRTM"

    consignor = declaration.party(PartyRole.CONSIGNOR)
    assert consignor is not None
    assert consignor.id is None
    assert consignor.name == "Shanghai Bright Electronics Co. Ltd"
    assert consignor.country == "CN"
    notify = declaration.party(PartyRole.NOTIFY_PARTY)
    assert notify is not None
    assert notify.name == "Maas Forwarding & Customs BV"
    carrier = declaration.party(PartyRole.CARRIER)
    assert carrier is not None
    assert carrier.address is not None
    assert carrier.address.postcode == "VLT 1117"
    declarant = declaration.party(PartyRole.DECLARANT)
    assert declarant is not None
    assert declarant.id == "NL812345670"

    assert [item.sequence for item in declaration.goods_items] == [1, 2, 3]
    phones, shoes, thinner = declaration.goods_items
    assert phones.commodity_code == "85171300"
    assert phones.classifications[0].type_code == "CN"
    assert phones.origin_country == "CN"
    assert phones.gross_mass == Decimal("6200")
    assert phones.packaging[0].type_code == "CT"
    assert phones.packaging[0].quantity == 800
    assert phones.packaging[0].marks == "HRI/RTM/001-800"
    assert shoes.commodity_code == "640411"
    assert shoes.origin_country == "VN"
    assert shoes.gross_mass == Decimal("4250.5")
    assert thinner.dangerous_goods_code == "1263"
    assert [(p.role, p.id) for p in thinner.parties] == [(PartyRole.CONSIGNEE, "NL004455667B01")]

    assert declaration.totals.item_count == 3
    assert declaration.totals.package_count == 1260
    assert declaration.totals.gross_mass == Decimal("18450.5")
    assert sum(item.gross_mass or 0 for item in declaration.goods_items) == Decimal("18450.5")
    assert missing_for_assessment(declaration) == ()


def test_air_report() -> None:
    declaration = cargo_report.read(_sample("air_waybill_nairobi_amsterdam.xml"))
    transport = declaration.transport
    assert transport.mode is TransportMode.AIR
    assert transport.border_means is not None
    assert transport.border_means.journey_id == "KQ0116"
    assert transport.border_means.id_type is None
    assert transport.transport_documents == ("706-12345675",)
    assert transport.containers == (Container(id="AKE12345KQ"),)
    assert transport.office_of_destination is None
    assert declaration.issued_at == datetime(2024, 3, 5, 19, 40, tzinfo=UTC)
    assert declaration.submitter == "KE-P051234567X"
    roses = declaration.goods_items[0]
    assert (roses.commodity_code, roses.origin_country) == ("06031100", "KE")
    assert roses.description == "Fresh cut roses"


def test_road_report() -> None:
    declaration = cargo_report.read(_sample("road_truck_istanbul_sofia.xml"))
    means = declaration.transport.border_means
    assert means is not None
    assert (means.mode, means.id, means.id_type, means.nationality) == (
        TransportMode.ROAD,
        "34 ABC 123",
        "30",
        "TR",
    )
    assert declaration.transport.containers == (
        Container(id="34 TR 4567", seals=("TR-GM-0044512",)),
    )
    assert declaration.totals.item_count is None  # not in the message: not invented
    assert declaration.goods_items[0].commodity_code == "070200"


def test_rail_report() -> None:
    declaration = cargo_report.read(_sample("rail_container_chongqing_malaszewicze.xml"))
    assert declaration.transport.mode is TransportMode.RAIL
    consignee = declaration.party(PartyRole.CONSIGNEE)
    assert consignee is not None
    assert (consignee.id, consignee.name, consignee.country) == ("DE123456789012345", None, "DE")
    assert declaration.party(PartyRole.CARRIER) is None
    assert declaration.goods_items[0].gross_mass == Decimal("9120.250")


def test_amendment_keeps_the_reference_and_changes_what_it_says() -> None:
    original = cargo_report.read(_sample("sea_container_shanghai_rotterdam.xml"))
    amendment = cargo_report.read(_sample("sea_container_amendment.xml"))
    assert amendment.function is DeclarationFunction.AMENDMENT
    assert amendment.function_code == "4"
    assert amendment.functional_reference == original.functional_reference
    assert amendment.id != original.id
    assert amendment.issued_at == datetime(2024, 3, 6, 16, 45, 12, 250000, tzinfo=CET)
    assert amendment.transport.expected_arrival == datetime(2024, 3, 9, 18, 30, tzinfo=CET)
    assert amendment.goods_items[1].gross_mass == Decimal("4200.5")


def test_cancellation_carries_only_its_header() -> None:
    declaration = cargo_report.read(_sample("sea_container_cancellation.xml"))
    assert declaration.function is DeclarationFunction.CANCELLATION
    assert declaration.functional_reference == "NSL-CR-2024-004711"
    assert declaration.goods_items == ()
    assert declaration.transport.border_means is None
    assert declaration.transport.mode is None
    assert missing_for_assessment(declaration) == ()


def test_reading_is_idempotent() -> None:
    data = _sample("air_waybill_nairobi_amsterdam.xml")
    assert cargo_report.read(data) == cargo_report.read(data)


def test_read_tree_validates_too() -> None:
    data = (SAMPLES / "invalid" / "gross_mass_in_tonnes.xml").read_bytes()
    with pytest.raises(SchemaInvalid) as refused:
        cargo_report.read_tree(parse_xml(data), digest=message_hash(data))
    assert refused.value.where is not None
    assert refused.value.where.startswith("line 76,")
    assert "TNE" in refused.value.message


def test_schema_invalid_report_names_line_and_element() -> None:
    with pytest.raises(SchemaInvalid) as refused:
        cargo_report.read((SAMPLES / "invalid" / "missing_first_entry_office.xml").read_bytes())
    assert refused.value.where == "line 89, /Declaration/DestinationOffice"
    assert "FirstEntryOffice" in refused.value.message


def test_another_root_is_unsupported() -> None:
    data = b'<Declaration xmlns="urn:wco:datamodel:WCO:DEC-DMS:2"><FunctionCode/></Declaration>'
    with pytest.raises(UnsupportedMessage) as refused:
        cargo_report.read(data)
    assert refused.value.expected == cargo_report.ROOT_TAG


def test_hostile_and_malformed_input_are_refused_before_mapping() -> None:
    with pytest.raises(HostileInput):
        cargo_report.read(b'<!DOCTYPE x [<!ENTITY e "boom">]><Declaration>&e;</Declaration>')
    with pytest.raises(MalformedMessage):
        cargo_report.read(b"<Declaration xmlns='urn:hub:message:CargoReport:1'>")


def test_hour_24_passes_the_schema_but_is_refused_by_name() -> None:
    data = _sample("sea_container_cancellation.xml").replace(
        b"2024-03-07T08:00:00+01:00", b"2024-03-07T24:00:00+01:00"
    )
    with pytest.raises(MalformedMessage) as refused:
        cargo_report.read(data)
    assert refused.value.where == "line 7, /Declaration/IssueDateTime"


def test_white_space_is_read_as_the_schema_reads_tokens() -> None:
    data = _sample("road_truck_istanbul_sofia.xml").replace(
        b"<Description>Tomatoes, fresh or chilled</Description>",
        b"<Description>\n   Tomatoes,   fresh\tor chilled  </Description>",
    )
    declaration = cargo_report.read(data)
    assert declaration.goods_items[0].description == "Tomatoes, fresh or chilled"


@pytest.mark.parametrize("path", sorted((SAMPLES / "valid").glob("*.xml")), ids=lambda p: p.name)
def test_every_valid_sample_reads(path: Path) -> None:
    declaration = cargo_report.read(path.read_bytes())
    assert declaration.kind is DeclarationKind.PRE_ARRIVAL
    assert declaration.functional_reference
    assert etree.QName(cargo_report.ROOT_TAG).namespace == cargo_report.NAMESPACE
