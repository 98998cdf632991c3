"""DEC-DMS declarations written by a customs administration (HMRC CDS samples)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MalformedMessage, SchemaInvalid, UnsupportedMessage
from hub.ingest._fingerprint import message_hash
from hub.ingest._xml import parse_xml
from hub.ingest.schemas import SchemaSet
from hub.ingest.wco_dms import read_tree
from hub.model import (
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    TransportMode,
    missing_for_assessment,
)
from tests.conftest import CORPUS

DMS = CORPUS / "wco-dec-dms"
MANIFEST = list(csv.DictReader((DMS / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()))


def _read(path: Path) -> Declaration:
    data = path.read_bytes()
    return read_tree(parse_xml(data), digest=message_hash(data))


@pytest.fixture(scope="module")
def dms_schemas() -> SchemaSet:
    return SchemaSet.from_path(DMS / "schemas")


def test_manifest_covers_every_declaration_in_the_corpus() -> None:
    on_disk = {
        p.relative_to(DMS / "declarations").as_posix()
        for p in (DMS / "declarations").rglob("*")
        if p.suffix.lower() == ".xml"
    }
    assert on_disk == {row["file"] for row in MANIFEST}
    assert len(on_disk) >= 65


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_corpus_declaration_matches_manifest(row: dict[str, str], dms_schemas: SchemaSet) -> None:
    data = (DMS / "declarations" / row["file"]).read_bytes()
    tree = parse_xml(data)
    dms_schemas.validate(tree)
    declaration = read_tree(tree, digest=message_hash(data))

    assert declaration.type_code == row["TypeCode"]
    assert declaration.function_code == row["FunctionCode"]
    assert declaration.functional_reference == row["FunctionalReferenceID"]
    assert len(declaration.goods_items) == int(row["items"])
    codes = [item.commodity_code for item in declaration.goods_items if item.commodity_code]
    assert codes == row["hs"].split()
    origins = {item.origin_country for item in declaration.goods_items if item.origin_country}
    assert origins == set(row["origin"].split())
    documents = {doc.code for item in declaration.goods_items for doc in item.documents}
    assert set(row["agency_docs"].split()) <= documents


def test_phytosanitary_import_is_read_in_full() -> None:
    declaration = _read(DMS / "declarations/TT_IM160a/Step1_TT_IM160a.xml")

    assert declaration.kind is DeclarationKind.IMPORT
    assert declaration.function is DeclarationFunction.ORIGINAL
    assert declaration.accepted_at is not None
    assert declaration.accepted_at.isoformat() == "2025-11-11T12:31:07+01:00"
    assert declaration.submitter == "XI603202734852"
    assert declaration.responsible_country == "GB"
    exporter = declaration.party(PartyRole.EXPORTER)
    assert exporter is not None and exporter.name == "Veggy World."
    assert exporter.country == "US"
    assert declaration.transport.mode is TransportMode.SEA
    assert declaration.transport.border_means is not None
    assert declaration.transport.border_means.nationality == "US"
    assert declaration.transport.arrival_means is not None
    assert declaration.transport.arrival_means.id == "12345"
    assert [c.id for c in declaration.transport.containers] == ["AD12345"]
    assert declaration.transport.goods_location is not None
    assert declaration.transport.goods_location.id == "BELBELBEL"
    assert declaration.transport.dispatch_country == "US"
    assert declaration.transport.destination_country == "GB"
    assert declaration.totals.package_count == 50
    assert {a.type_code for a in declaration.authorisations} == {"CGU", "DPO", "SDE"}

    (item,) = declaration.goods_items
    assert item.commodity_code == "07099310"
    assert {"N851", "C085"} <= item.document_codes
    phyto = next(doc for doc in item.documents if doc.code == "N851")
    assert (phyto.id, phyto.status) == ("GBPHC012345", "AP")
    assert item.origin is not None and item.origin.country == "US"
    assert item.procedure is not None and item.procedure.current is not None
    assert item.net_mass is not None and item.net_mass > 0
    assert missing_for_assessment(declaration) == ()


def test_multi_item_declaration_keeps_item_order_and_values() -> None:
    declaration = _read(DMS / "declarations/TT_IM083a/Step1_TT_IM083a.xml")

    assert [item.sequence for item in declaration.goods_items] == [1, 2, 3]
    assert [item.commodity_code for item in declaration.goods_items] == [
        "92079010",
        "92060000",
        "92071050",
    ]
    for item in declaration.goods_items:
        assert item.gross_mass is None or isinstance(item.gross_mass, Decimal)


def test_amendment_without_goods_is_read_and_reported_incomplete() -> None:
    declaration = _read(DMS / "declarations/TT_IM082a/TT_IM002b_Amendment.xml")

    assert declaration.function is DeclarationFunction.AMENDMENT
    missing = missing_for_assessment(declaration)
    assert any("commodity code" in m or "no goods items" in m for m in missing)


def test_canonical_json_round_trips_for_the_whole_corpus() -> None:
    for row in MANIFEST:
        declaration = _read(DMS / "declarations" / row["file"])
        assert Declaration.from_json(declaration.to_json()) == declaration


def test_same_bytes_give_the_same_declaration_id() -> None:
    path = DMS / "declarations/TT_IM160a/Step1_TT_IM160a.xml"
    assert _read(path).id == _read(path).id
    data = path.read_bytes().replace(b"U.7847767O5K50", b"U.7847767O5K51")
    other = read_tree(parse_xml(data), digest=message_hash(data))
    assert other.id != _read(path).id


def test_absent_data_stays_absent() -> None:
    declaration = _read(DMS / "declarations/TT_IM061b/TT_IM061a.xml")
    assert declaration.goods_items[0].origin is None
    assert declaration.goods_items[0].commodity_code is None


def _minimal(goods: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
  xmlns="urn:wco:datamodel:WCO:DEC-DMS:2">
 <md:WCODataModelVersionCode>3.6</md:WCODataModelVersionCode>
 <Declaration>
  <FunctionCode>9</FunctionCode>
  <FunctionalReferenceID>LRN-1</FunctionalReferenceID>
  <TypeCode>IMA</TypeCode>
  <GoodsItemQuantity>1</GoodsItemQuantity>
  <GoodsShipment>{goods}</GoodsShipment>
 </Declaration>
</md:MetaData>""".encode()


def test_a_non_numeric_mass_is_an_error_naming_line_and_element() -> None:
    data = _minimal(
        "<GovernmentAgencyGoodsItem><SequenceNumeric>1</SequenceNumeric><Commodity>"
        "<GoodsMeasure>\n<GrossMassMeasure>heavy</GrossMassMeasure></GoodsMeasure>"
        "</Commodity></GovernmentAgencyGoodsItem>"
    )
    with pytest.raises(MalformedMessage) as caught:
        read_tree(parse_xml(data), digest=message_hash(data))
    assert caught.value.where is not None
    assert caught.value.where.startswith("line 11, /MetaData/Declaration/GoodsShipment/")
    assert caught.value.where.endswith("GoodsMeasure/GrossMassMeasure")
    assert "'heavy' is not a number" in str(caught.value)


def test_a_goods_item_without_sequence_is_refused() -> None:
    data = _minimal("<GovernmentAgencyGoodsItem></GovernmentAgencyGoodsItem>")
    with pytest.raises(MalformedMessage, match="without a sequence number"):
        read_tree(parse_xml(data), digest=message_hash(data))


def test_an_envelope_without_declaration_is_unsupported() -> None:
    data = (
        b'<md:MetaData xmlns:md="urn:wco:datamodel:WCO:DocumentMetaData-DMS:2">'
        b"<md:WCOTypeName>DEC</md:WCOTypeName></md:MetaData>"
    )
    with pytest.raises(UnsupportedMessage, match="no DEC-DMS Declaration"):
        read_tree(parse_xml(data), digest=message_hash(data))


def test_schema_validation_names_line_and_element(dms_schemas: SchemaSet) -> None:
    path = DMS / "declarations/TT_IM160a/Step1_TT_IM160a.xml"
    data = path.read_bytes().replace(b"<TotalPackageQuantity>50", b"<TotalPackageQuantity>fifty")
    with pytest.raises(SchemaInvalid) as caught:
        dms_schemas.validate(parse_xml(data))
    assert caught.value.where is not None
    assert "TotalPackageQuantity" in caught.value.where
    assert caught.value.where.startswith("line ")
