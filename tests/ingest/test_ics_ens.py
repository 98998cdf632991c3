"""EU ICS entry summaries (IE315) and amendments (IE313) from the published samples."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MalformedMessage, SchemaInvalid, UnsupportedMessage
from hub.ingest import ics_ens
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest._xml import parse_xml
from hub.ingest.own_schemas import own_schema_set
from hub.ingest.schemas import SchemaSet
from hub.model import (
    AdditionalDocument,
    Container,
    DeclarationFunction,
    DeclarationKind,
    Packaging,
    PartyRole,
    SourceFormat,
    TransportMode,
    missing_for_assessment,
)

FEB_11_2003 = datetime(2003, 2, 11, 12, 34, tzinfo=UTC)


@pytest.fixture(scope="module")
def ics(corpus: Path) -> Path:
    return corpus / "ics1-ens"


@pytest.fixture(scope="module")
def schemas(ics: Path) -> SchemaSet:
    return SchemaSet.from_path(ics / "schemas")


def test_root_tags() -> None:
    assert {
        "{http://ics.dgtaxud.ec/CC315A}CC315A",
        "{http://ics.dgtaxud.ec/CC313A}CC313A",
    } == ics_ens.ROOT_TAGS


def test_full_entry_summary(ics: Path, schemas: SchemaSet) -> None:
    data = (ics / "CC315A-schemaValidSample-v11-2.xml").read_bytes()
    declaration = ics_ens.read(data, schemas=schemas)

    assert declaration.id == declaration_id(message_hash(data))
    assert declaration.source_format is SourceFormat.ICS_IE315
    assert declaration.kind is DeclarationKind.PRE_ARRIVAL
    assert declaration.function is DeclarationFunction.ORIGINAL
    assert declaration.function_code is None  # ICS has none: not invented
    assert declaration.type_code == "CC315A"
    assert declaration.functional_reference == "ABC123"
    assert declaration.message_id == "ABC123"
    assert declaration.issued_at == FEB_11_2003
    assert declaration.submitter == "YZ^"
    assert declaration.specific_circumstances == "A"

    transport = declaration.transport
    assert transport.mode is TransportMode.AIR  # '42': Rec. 19 mode 4
    assert transport.border_means is not None
    assert transport.border_means.id == "ABC123"
    assert transport.border_means.nationality == "EN"  # kept as sent, not corrected
    assert transport.border_means.journey_id == "ABC123"
    assert transport.transport_documents == ("ABC123",)
    assert transport.loading_place == "ABC123"
    assert transport.unloading_place == "ABC123"
    assert transport.office_of_entry == "AB3C4D5E"
    assert transport.office_of_declaration == "AB3C4D5E"
    assert transport.expected_arrival == FEB_11_2003
    assert transport.seals == ("ABC123",)
    assert transport.containers == (Container(id="ABC123"),)

    roles = [(party.role, party.id) for party in declaration.parties]
    assert roles == [
        (PartyRole.CONSIGNOR, "GB^"),
        (PartyRole.CONSIGNEE, "GB^"),
        (PartyRole.NOTIFY_PARTY, "GB^"),
        (PartyRole.REPRESENTATIVE, "YZ^"),
        (PartyRole.DECLARANT, "YZ^"),
        (PartyRole.CARRIER, "GB^"),
    ]
    consignor = declaration.party(PartyRole.CONSIGNOR)
    assert consignor is not None
    assert consignor.name == "ABC123"
    assert consignor.country == "EN"
    assert consignor.address is not None
    assert consignor.address.postcode == "ABC123"

    (item,) = declaration.goods_items
    assert item.sequence == 42
    assert item.description == "ABC123"
    assert item.gross_mass == Decimal("3.14")
    assert item.commodity_code == "12345"
    assert item.dangerous_goods_code == "1234"
    assert item.documents == (AdditionalDocument(type_code="AB12", id="ABC123"),)
    assert item.document_codes == {"AB12"}
    assert item.packaging == (Packaging(type_code="A1", quantity=42, marks="ABC123"),)
    assert item.additional_information == ("12345",)
    assert [(p.role, p.id, p.country) for p in item.parties] == [
        (PartyRole.CONSIGNOR, "GB^", "EN"),
        (PartyRole.CONSIGNEE, "GB^", "EN"),
        (PartyRole.NOTIFY_PARTY, "GB^", "EN"),
    ]

    assert declaration.totals.item_count == 42
    assert declaration.totals.package_count == 42
    assert declaration.totals.gross_mass == Decimal("3.14")


def test_entry_summary_without_optional_data(ics: Path, schemas: SchemaSet) -> None:
    declaration = ics_ens.read((ics / "315NoOptional.xml").read_bytes(), schemas=schemas)
    assert declaration.functional_reference == "refnum"
    assert declaration.message_id == "messageID"
    assert declaration.transport.mode is TransportMode.RAIL
    assert declaration.transport.border_means is None
    assert declaration.transport.transport_documents == ()
    assert declaration.transport.office_of_entry == "AB3C4D5E"
    assert [(p.role, p.id, p.address) for p in declaration.parties] == [
        (PartyRole.DECLARANT, "YZ^", None)
    ]
    assert [item.sequence for item in declaration.goods_items] == [1]
    assert declaration.totals.item_count == 1
    assert declaration.totals.gross_mass is None
    assert missing_for_assessment(declaration) == ("goods item 1: commodity code is missing",)


def test_amendment_ie313(ics: Path, schemas: SchemaSet) -> None:
    data = (ics / "validAmendment.xml").read_bytes()
    assert parse_xml(data).getroot().tag == "{http://ics.dgtaxud.ec/CC313A}CC313A"
    declaration = ics_ens.read(data, schemas=schemas)
    assert declaration.function is DeclarationFunction.AMENDMENT
    assert declaration.type_code == "CC313A"
    assert declaration.functional_reference == "12AB3C4D5E6F7G8H90"  # the MRN amended
    assert declaration.issued_at == FEB_11_2003  # the amendment's date and time
    assert declaration.submitter == "GBABC"
    assert declaration.specific_circumstances == "E"
    assert declaration.transport.mode is TransportMode.SEA
    assert declaration.transport.border_means is not None
    assert declaration.transport.border_means.id == "12345678"
    assert declaration.transport.border_means.journey_id == "XFER123-456"
    assert declaration.transport.office_of_entry == "AB3C4D5F"
    consignee = declaration.party(PartyRole.CONSIGNEE)
    assert consignee is not None
    assert (consignee.id, consignee.name, consignee.address) == ("GB^", None, None)
    assert [item.sequence for item in declaration.goods_items] == [1, 2]
    assert declaration.goods_items[1].packaging == (
        Packaging(type_code="AA", quantity=42, marks="ABC123"),
    )
    assert declaration.totals.package_count == 84


def test_invalid_sample_is_refused_by_the_ics_schemas(ics: Path, schemas: SchemaSet) -> None:
    data = (ics / "CC315A-schemaInvalidSample-v11-2.xml").read_bytes()
    with pytest.raises(SchemaInvalid) as refused:
        ics_ens.read(data, schemas=schemas)
    assert refused.value.where is not None
    assert refused.value.where.startswith("line 20,")
    assert "TotNumOfIteHEA305" in refused.value.where
    assert "XXX" in refused.value.message


def test_invalid_sample_without_schemas_fails_on_the_same_value(ics: Path) -> None:
    data = (ics / "CC315A-schemaInvalidSample-v11-2.xml").read_bytes()
    with pytest.raises(MalformedMessage) as refused:
        ics_ens.read(data)
    assert refused.value.where == "line 20, /CC315A/HEAHEA/TotNumOfIteHEA305"
    assert refused.value.expected == "digits"


def test_a_schema_set_without_the_ics_namespace_does_not_validate(ics: Path) -> None:
    data = (ics / "315NoOptional.xml").read_bytes()
    declaration = ics_ens.read(data, schemas=own_schema_set())
    assert declaration.functional_reference == "refnum"


@pytest.mark.parametrize(
    "name", ["CC315A-schemaValidSample-v11-2.xml", "315NoOptional.xml", "validAmendment.xml"]
)
def test_read_tree_matches_read(ics: Path, schemas: SchemaSet, name: str) -> None:
    data = (ics / name).read_bytes()
    tree = parse_xml(data)
    schemas.validate(tree)
    assert ics_ens.read_tree(tree, digest=message_hash(data)) == ics_ens.read(data)


def test_another_root_is_unsupported() -> None:
    data = b'<ie:CC323A xmlns:ie="http://ics.dgtaxud.ec/CC323A"/>'
    with pytest.raises(UnsupportedMessage) as refused:
        ics_ens.read(data)
    assert refused.value.where == "line 1"
    with pytest.raises(UnsupportedMessage):
        ics_ens.read_tree(parse_xml(data), digest=message_hash(data))


def _no_optional(ics: Path, old: bytes, new: bytes) -> bytes:
    data = (ics / "315NoOptional.xml").read_bytes()
    assert old in data
    return data.replace(old, new)


def test_unreadable_date_names_its_element(ics: Path) -> None:
    data = _no_optional(ics, b"<DecDatTimHEA114>200302111234<", b"<DecDatTimHEA114>2003-02-11<")
    with pytest.raises(MalformedMessage) as refused:
        ics_ens.read(data)
    assert refused.value.where == "line 13, /CC315A/HEAHEA/DecDatTimHEA114"
    assert refused.value.expected == "CCYYMMDDHHMM"


def test_unreadable_mass_and_commodity_code(ics: Path) -> None:
    mass = _no_optional(
        ics,
        b"<IteNumGDS7>1</IteNumGDS7>",
        b"<IteNumGDS7>1</IteNumGDS7><GroMasGDS46>NaN</GroMasGDS46>",
    )
    with pytest.raises(MalformedMessage, match="GroMasGDS46"):
        ics_ens.read(mass)
    code = _no_optional(
        ics,
        b"<IteNumGDS7>1</IteNumGDS7>",
        b"<IteNumGDS7>1</IteNumGDS7><COMCODGODITM><ComNomCMD1>0603 11</ComNomCMD1></COMCODGODITM>",
    )
    with pytest.raises(MalformedMessage) as refused:
        ics_ens.read(code)
    assert refused.value.where == "line 16, /CC315A/GOOITEGDS/COMCODGODITM/ComNomCMD1"


def test_goods_item_without_number(ics: Path) -> None:
    data = _no_optional(ics, b"<IteNumGDS7>1</IteNumGDS7>", b"")
    with pytest.raises(MalformedMessage) as refused:
        ics_ens.read(data)
    assert refused.value.expected == "IteNumGDS7"
