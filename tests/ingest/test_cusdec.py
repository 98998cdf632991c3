"""CUSDEC read into the canonical declaration: the corpus sample and D.96B, D.01B, D.03B."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest import edifact
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest.edifact.cusdec import kind_of
from hub.model import (
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    SourceFormat,
    TransportMode,
)

DATA = Path(__file__).parent / "data"
AU_EXPORT = "edifact/CUSDEC_D99B_AU-ICS-export_ts-edifact.edi"


def read_data(name: str) -> Declaration:
    return edifact.read((DATA / name).read_bytes())


# --- the Australian ICS export in the corpus --------------------------------


def test_corpus_export_declaration(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes()
    declaration = edifact.read(data)
    assert declaration.source_format is SourceFormat.EDIFACT_CUSDEC
    assert declaration.message_hash == message_hash(data)
    assert declaration.id == declaration_id(message_hash(data))
    assert declaration.functional_reference == "200401270001"
    assert (declaration.type_code, declaration.kind) == ("EXD", DeclarationKind.EXPORT)
    assert declaration.function is DeclarationFunction.ORIGINAL
    assert declaration.function_code == "9"
    assert declaration.submitter == "AAA676Y"
    assert declaration.message_id == "200401270001/1"
    transport = declaration.transport
    assert (transport.loading_place, transport.unloading_place) == ("AUMEL", "USLAX")
    assert transport.destination_country == "US"
    assert transport.goods_location is not None and transport.goods_location.id == "ABC123"
    assert transport.mode is None  # TDT+20+++11: no Rec. 19 mode, and '11' is not guessed at
    consignee = declaration.party(PartyRole.CONSIGNEE)
    assert consignee is not None and consignee.name == "DHL"
    assert consignee.address is not None and consignee.address.city == "MELBOURNE"
    assert declaration.totals.package_count == 25
    assert declaration.totals.invoice_amount is None  # MOA+39::AUD has no amount

    (item,) = declaration.goods_items
    assert item.sequence == 1
    assert item.commodity_code == "03026200"
    assert item.description == "GOODS DESCRIPTION"
    assert item.origin_country == "US"
    assert item.gross_mass == Decimal("10")
    assert item.net_mass is None  # MEA+ABW is the invoiced quantity, not a mass
    assert item.quantity is not None and (item.quantity.value, item.quantity.unit) == (
        Decimal("10"),
        "KG",
    )
    assert item.document_codes == frozenset({"EP"})
    assert item.documents[0].id == "PIF9999999"


def test_reading_twice_gives_the_same_declaration(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes()
    assert edifact.read(data) == edifact.read(data)
    assert edifact.read_interchange(data) == [edifact.read(data)]


def test_the_corpus_cusrep_is_refused_by_name(corpus: Path) -> None:
    data = (corpus / "edifact/CUSREP_D99B_AU-ICS-departure_ts-edifact.edi").read_bytes()
    with pytest.raises(UnsupportedMessage) as exc:
        edifact.read(data)
    assert exc.value.where == "segment 2, UNH"
    assert str(exc.value) == (
        "segment 2, UNH: CUSREP:D:99B:UN is not a message the hub reads"
        " (expected CUSDEC or CUSCAR, version D, release 96B to 03B, agency UN)"
    )


@pytest.mark.parametrize("identifier", [b"CUSDEC:D:05A:UN", b"CUSDEC:D:96A:UN", b"CUSDEC:S:99B:UN"])
def test_directories_outside_the_range_are_refused(corpus: Path, identifier: bytes) -> None:
    data = (corpus / AU_EXPORT).read_bytes().replace(b"CUSDEC:D:99B:UN", identifier)
    with pytest.raises(UnsupportedMessage, match=identifier.decode()):
        edifact.read(data)


# --- D.96B import, UN forms -------------------------------------------------


def test_d96b_import_header() -> None:
    declaration = read_data("cusdec_d96b_import.edi")
    assert declaration.kind is DeclarationKind.IMPORT
    assert declaration.type_code == "IM"
    assert declaration.functional_reference == "LRN-2024-0001"
    assert declaration.issued_at == datetime(1996, 3, 15, 9, 15, tzinfo=UTC)
    assert declaration.message_id == "IMP0001/1"
    assert declaration.submitter == "GB123456789000"
    assert [doc.code for doc in declaration.documents] == ["N853"]
    totals = declaration.totals
    assert totals.invoice_amount is not None
    assert (totals.invoice_amount.amount, totals.invoice_amount.currency) == (
        Decimal("15000.50"),
        "USD",
    )
    assert (totals.item_count, totals.package_count, totals.gross_mass) == (2, 60, Decimal("770.5"))


def test_d96b_import_parties_with_released_characters() -> None:
    declaration = read_data("cusdec_d96b_import.edi")
    importer = declaration.party(PartyRole.IMPORTER)
    assert importer is not None and importer.id == "GB123456789000"
    assert importer.address is not None
    assert importer.address.line == "Unit 4, Dock Road"
    assert (importer.address.postcode, importer.country) == ("IP11 3AA", "GB")
    consignor = declaration.party(PartyRole.CONSIGNOR)
    assert consignor is not None and consignor.name == "Naivasha Roses+Co"
    representative = declaration.party(PartyRole.REPRESENTATIVE)
    assert representative is not None and representative.name == "Brokers & Sons"
    declarants = [p for p in declaration.parties if p.role is PartyRole.DECLARANT]
    assert [p.id for p in declarants] == ["GB987654321000"]  # NAD+DE is a depositor


def test_d96b_import_transport() -> None:
    transport = read_data("cusdec_d96b_import.edi").transport
    assert (transport.mode, transport.inland_mode) == (TransportMode.SEA, TransportMode.ROAD)
    means = transport.border_means
    assert means is not None
    assert (means.id, means.name, means.nationality) == ("9321483", "MAERSK KENSINGTON", "DK")
    assert means.journey_id == "VOY12E"
    assert transport.dispatch_country == "KE"
    assert transport.office_of_declaration == "GB000085"
    assert transport.goods_location is not None and transport.goods_location.id == "FXTWHS01"
    assert [c.id for c in transport.containers] == ["MSKU1234565"]
    assert transport.seals == ("SEAL-001",)
    assert transport.transport_documents == ("MAEU123456789",)


def test_d96b_import_goods_items() -> None:
    first, second = read_data("cusdec_d96b_import.edi").goods_items
    assert (first.sequence, first.commodity_code) == (1, "0603110000")
    assert first.classifications[0].type_code == "122"
    assert first.description == "Fresh cut roses: red, long stem (bunches of 20)"
    assert first.origin_country == "KE"  # from the header LOC+27
    assert (first.gross_mass, first.net_mass) == (Decimal("520.5"), Decimal("480"))
    assert first.customs_value is not None and first.customs_value.amount == Decimal("9000")
    assert first.statistical_value is not None
    assert first.statistical_value.amount == Decimal("9100")
    assert first.item_price is not None and first.item_price.currency == "USD"
    assert first.document_codes == frozenset({"EP", "N851"})
    (package,) = first.packaging
    assert (package.type_code, package.quantity, package.marks) == ("CT", 40, "ROSES 1-40")
    assert (second.sequence, second.commodity_code) == (2, "0603199000")
    assert second.description == "Chrysanthèmes"  # UNOC is ISO 8859-1
    assert second.origin_country == "TZ"
    assert second.gross_mass == Decimal("250")  # 0.25 TNE


# --- D.01B export in UTF-8, an amendment ------------------------------------


def test_d01b_export_amendment_in_utf_8() -> None:
    declaration = read_data("cusdec_d01b_export.edi")
    assert (declaration.kind, declaration.function) == (
        DeclarationKind.EXPORT,
        DeclarationFunction.AMENDMENT,
    )
    assert declaration.issued_at == datetime(
        2001, 9, 20, 11, 59, tzinfo=timezone(timedelta(hours=2))
    )
    exporter = declaration.party(PartyRole.EXPORTER)
    assert exporter is not None and exporter.name == "Müller Maschinenbau GmbH"
    assert exporter.address is not None and exporter.address.city == "München"
    assert declaration.transport.mode is TransportMode.AIR
    assert declaration.transport.destination_country == "US"
    (item,) = declaration.goods_items
    assert (item.sequence, item.commodity_code, item.description) == (1, "84798997", "Prüfmaschine")


# --- D.03B transit, custom separators, two messages -------------------------


def test_d03b_interchange_of_two_transit_messages() -> None:
    data = (DATA / "cusdec_d03b_transit.edi").read_bytes()
    cancellation, tir = edifact.read_interchange(data)
    assert cancellation.functional_reference == "MRN-03BE000123^X"  # released '^'
    assert (cancellation.kind, cancellation.function) == (
        DeclarationKind.TRANSIT,
        DeclarationFunction.CANCELLATION,
    )
    assert (tir.type_code, tir.kind) == ("952", DeclarationKind.TRANSIT)
    assert tir.goods_items[0].commodity_code == "870323"
    assert [d.message_id for d in (cancellation, tir)] == ["TRN5/T1", "TRN5/T2"]
    assert len({cancellation.id, tir.id}) == 2
    assert cancellation.message_hash == tir.message_hash == message_hash(data)


def test_read_takes_exactly_one_message() -> None:
    with pytest.raises(UnsupportedMessage) as exc:
        edifact.read((DATA / "cusdec_d03b_transit.edi").read_bytes())
    assert exc.value.where == "segment 8, UNH"
    assert "the interchange holds 2 messages" in str(exc.value)


# --- mapping rules ----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("830", None, DeclarationKind.EXPORT),
        ("929", None, DeclarationKind.IMPORT),
        ("950", None, DeclarationKind.TRANSIT),
        ("830", "EXD", DeclarationKind.EXPORT),
        ("999", "IMA", DeclarationKind.IMPORT),
        (None, "T2F", DeclarationKind.TRANSIT),
        ("123", None, None),
        (None, None, None),
    ],
)
def test_kind_from_bgm(code: str | None, name: str | None, kind: DeclarationKind | None) -> None:
    assert kind_of(code, name) is kind


def test_an_unknown_qualifier_leaves_the_field_empty(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes()
    data = data.replace(b"MEA+WT++KG:10", b"MEA+ZZZ++KG:10").replace(b"RFF+HS:", b"RFF+ZZ:")
    (item,) = edifact.read(data).goods_items
    assert (item.gross_mass, item.commodity_code) == (None, None)


def test_a_mass_in_an_unknown_unit_is_not_converted(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes().replace(b"MEA+WT++KG:10", b"MEA+WT++LBR:10")
    assert edifact.read(data).goods_items[0].gross_mass is None


def test_a_number_that_is_not_one_names_its_segment(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes().replace(b"MEA+WT++KG:10", b"MEA+WT++KG:1O")
    with pytest.raises(MalformedMessage) as exc:
        edifact.read(data)
    assert str(exc.value) == "segment 23, MEA: '1O' is not a number"


def test_a_date_that_does_not_fit_its_format_names_its_segment(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes().replace(b"DTM+129:20030128:102", b"DTM+137:2003:102")
    with pytest.raises(MalformedMessage) as exc:
        edifact.read(data)
    assert str(exc.value) == "segment 8, DTM: DTM 137 value '2003' does not fit format 102"


def test_a_package_count_must_be_whole(corpus: Path) -> None:
    data = (corpus / AU_EXPORT).read_bytes().replace(b"CNT+11:25", b"CNT+11:2.5")
    with pytest.raises(MalformedMessage) as exc:
        edifact.read(data)
    assert str(exc.value) == "segment 28, CNT: '2.5' is not a whole number"
