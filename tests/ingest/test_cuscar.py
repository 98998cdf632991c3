"""CUSCAR read as a pre-arrival declaration: the corpus sample, D.96B sea and D.03B air."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hub.ingest import edifact
from hub.model import (
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    SourceFormat,
    TransportMode,
)

DATA = Path(__file__).parent / "data"


def read_data(name: str) -> Declaration:
    return edifact.read((DATA / name).read_bytes())


def test_corpus_warehouse_release(corpus: Path) -> None:
    data = (corpus / "edifact/CUSCAR_D99B_AU-ICS-warehouse-release_ts-edifact.edi").read_bytes()
    report = edifact.read(data)
    assert report.source_format is SourceFormat.EDIFACT_CUSCAR
    assert report.kind is DeclarationKind.PRE_ARRIVAL
    assert (report.type_code, report.functional_reference) == ("WARREL", "200401270003")
    assert report.function is DeclarationFunction.ORIGINAL
    assert (report.submitter, report.message_id) == ("AAA676Y", "200401270003/1")
    assert report.transport.goods_location is not None
    assert report.transport.goods_location.id == "ABC123"  # LOC+4, goods receipt place
    (item,) = report.goods_items
    # RFF+HS, QTY and FTX sit on the consignment, whose only goods item is GID+1.
    assert (item.sequence, item.commodity_code) == (1, "03026200")
    assert item.description == "GOODS DESCRIPTION"
    assert item.quantity is not None and (item.quantity.value, item.quantity.unit) == (
        Decimal("10"),
        "KG",
    )


def test_sea_report_means_and_route() -> None:
    transport = read_data("cuscar_d96b_sea.edi").transport
    assert transport.mode is TransportMode.SEA
    means = transport.arrival_means
    assert means is not None
    assert (means.id, means.name, means.nationality, means.journey_id) == (
        "9321483",
        "MAERSK KENSINGTON",
        "DK",
        "123E",
    )
    assert (transport.loading_place, transport.unloading_place) == ("KEMBA", "GBFXT")
    assert transport.expected_arrival == datetime(1996, 2, 3, 12, 0, tzinfo=UTC)
    assert transport.transport_documents == ("MAEU123456789",)


def test_sea_report_containers_keep_their_seals() -> None:
    transport = read_data("cuscar_d96b_sea.edi").transport
    assert [(c.id, c.seals) for c in transport.containers] == [
        ("MSKU1234565", ("SEAL-A", "SEAL-B")),
        ("TGHU7654321", ("SEAL-C",)),
    ]
    assert transport.seals == ()
    assert transport.goods_location is None  # LOC+147 inside EQD is a stowage cell


def test_sea_report_header_and_totals() -> None:
    report = read_data("cuscar_d96b_sea.edi")
    assert report.issued_at == datetime(1996, 2, 1, 6, 0, tzinfo=UTC)
    carrier = report.party(PartyRole.CARRIER)
    assert carrier is not None and (carrier.id, carrier.name) == ("MAEU", "Maersk Line")
    assert (report.totals.gross_mass, report.totals.package_count) == (Decimal("2500"), 15)


def test_sea_report_goods_items() -> None:
    roses, parts, bananas = read_data("cuscar_d96b_sea.edi").goods_items
    assert [i.sequence for i in (roses, parts, bananas)] == [1, 2, 3]
    assert (roses.commodity_code, roses.description) == ("0603110000", "FRESH CUT ROSES")
    assert roses.classifications[0].type_code == "HS"  # PIA item type HS
    assert (roses.origin_country, roses.gross_mass) == ("KE", Decimal("500"))
    assert [(p.type_code, p.quantity) for p in roses.packaging] == [("CT", 10)]
    assert {p.role for p in roses.parties} == {PartyRole.CONSIGNOR, PartyRole.CONSIGNEE}
    assert (parts.commodity_code, parts.dangerous_goods_code) == ("84099900", "1263")
    # The second consignment's RFF+HS, QTY and FTX describe its only goods item.
    assert (bananas.commodity_code, bananas.description) == ("08039010", "BANANAS")
    assert bananas.quantity is not None and bananas.quantity.value == Decimal("2000")
    assert [p.role for p in bananas.parties] == [PartyRole.NOTIFY_PARTY]


def test_consignment_data_is_not_spread_over_several_goods_items() -> None:
    data = (DATA / "cuscar_d96b_sea.edi").read_bytes()
    data = data.replace(b"UNT+38+C1'", b"GID+2+1:BX'MEA+AAE+AAB+KGM:5'UNT+40+C1'")
    items = edifact.read(data).goods_items
    assert [(i.sequence, i.commodity_code, i.description) for i in items[2:]] == [
        (3, None, None),
        (4, None, None),
    ]


def test_air_report_with_custom_separators_and_decimal_comma() -> None:
    report = read_data("cuscar_d03b_air.edi")
    assert (report.kind, report.type_code) == (DeclarationKind.PRE_ARRIVAL, "785")
    transport = report.transport
    assert transport.mode is TransportMode.AIR
    means = transport.arrival_means
    assert means is not None and (means.id, means.journey_id) == ("D-ABYA", "LH400")
    assert (transport.unloading_place, transport.transport_documents) == (
        "USJFK",
        ("020-12345675",),
    )
    (item,) = report.goods_items
    assert (item.description, item.gross_mass) == ("SPARE PARTS ^ TOOLS", Decimal("12.5"))
