"""The hub's own pre-arrival cargo report read into the canonical declaration.

A carrier reports a sea, air, road or rail consignment before it arrives
(``message_schemas/cargo_report/hub_cargo_report.xsd``, WCO Data Model names).
The hub owns this schema, so every message is validated against it before it
is mapped: the mapping may then rely on what the schema guarantees (required
elements, digits-only commodity codes, masses in kilograms) instead of
re-checking it. Text is read as the schema's ``xs:token`` defines it, with
runs of white space collapsed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lxml import etree

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest._xml import parse_xml, where
from hub.ingest.own_schemas import own_schema_set
from hub.model import (
    Address,
    Classification,
    Container,
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    GoodsItem,
    Origin,
    Packaging,
    Party,
    PartyRole,
    SourceFormat,
    Totals,
    Transport,
    TransportMeans,
    TransportMode,
)

__all__ = ["NAMESPACE", "ROOT_TAG", "read", "read_tree"]

NAMESPACE = "urn:hub:message:CargoReport:1"
ROOT_TAG = f"{{{NAMESPACE}}}Declaration"

_NS = {"c": NAMESPACE}
_FUNCTIONS = {
    "9": DeclarationFunction.ORIGINAL,
    "4": DeclarationFunction.AMENDMENT,
    "1": DeclarationFunction.CANCELLATION,
}
_ITEM_PARTIES = (
    ("c:Consignor", PartyRole.CONSIGNOR),
    ("c:Consignee", PartyRole.CONSIGNEE),
    ("c:NotifyParty", PartyRole.NOTIFY_PARTY),
)


def read(data: bytes) -> Declaration:
    """Parse, validate and map one cargo report as received.

    Raises :class:`~hub.errors.HostileInput` or :class:`~hub.errors.MalformedMessage`
    for bytes that are not safe, well-formed XML, :class:`~hub.errors.UnsupportedMessage`
    for another root element and :class:`~hub.errors.SchemaInvalid` naming the line.
    """
    return read_tree(parse_xml(data), digest=message_hash(data))


def read_tree(tree: etree._ElementTree, *, digest: str) -> Declaration:
    """Validate an already parsed cargo report and map it.

    ``digest`` is the sha256 of the bytes as received; it names the declaration.
    Validation happens here, not only in :func:`read`, so that format
    detection, which parses once and dispatches on :data:`ROOT_TAG`, cannot
    skip it.
    """
    root = tree.getroot()
    if root.tag != ROOT_TAG:
        raise UnsupportedMessage(
            f"root element {root.tag!r} is not a hub cargo report",
            where=f"line {root.sourceline}",
            expected=ROOT_TAG,
        )
    own_schema_set().validate(tree)
    function_code = _text(root, "c:FunctionCode")
    submitter = root.find("c:Submitter", _NS)
    parties = _parties(
        root,
        (
            ("c:Consignment/c:Consignor", PartyRole.CONSIGNOR),
            ("c:Consignment/c:Consignee", PartyRole.CONSIGNEE),
            ("c:Consignment/c:NotifyParty", PartyRole.NOTIFY_PARTY),
            ("c:Carrier", PartyRole.CARRIER),
            ("c:Submitter", PartyRole.DECLARANT),
        ),
    )
    return Declaration(
        id=declaration_id(digest),
        source_format=SourceFormat.HUB_CARGO_REPORT,
        message_hash=digest,
        functional_reference=_text(root, "c:FunctionalReferenceID"),
        kind=DeclarationKind.PRE_ARRIVAL,
        function=_FUNCTIONS.get(function_code or ""),
        function_code=function_code,
        submitter=_text(submitter, "c:ID") if submitter is not None else None,
        issued_at=_datetime(root, "c:IssueDateTime"),
        message_id=_text(root, "c:ID"),
        specific_circumstances=_text(root, "c:SpecificCircumstancesCodeCode"),
        parties=parties,
        transport=_transport(root),
        goods_items=tuple(
            _goods_item(item) for item in root.iterfind("c:Consignment/c:ConsignmentItem", _NS)
        ),
        totals=Totals(
            item_count=_int(root, "c:GoodsItemQuantity"),
            package_count=_int(root, "c:TotalPackageQuantity"),
            gross_mass=_decimal(root, "c:TotalGrossMassMeasure"),
        ),
    )


def _transport(root: etree._Element) -> Transport:
    means = root.find("c:BorderTransportMeans", _NS)
    mode = TransportMode.from_code(_text(means, "c:ModeCode")) if means is not None else None
    border_means = None
    if means is not None:
        border_means = TransportMeans(
            id=_text(means, "c:ID"),
            id_type=_text(means, "c:IdentificationTypeCode"),
            nationality=_text(means, "c:RegistrationNationalityCode"),
            mode=mode,
            name=_text(means, "c:Name"),
            journey_id=_text(means, "c:JourneyID"),
        )
    return Transport(
        mode=mode,
        border_means=border_means,
        containers=tuple(
            Container(
                id=_text(equipment, "c:ID") or "",
                seals=tuple(_texts(equipment, "c:Seal/c:ID")),
            )
            for equipment in root.iterfind("c:Consignment/c:TransportEquipment", _NS)
        ),
        transport_documents=tuple(_texts(root, "c:Consignment/c:TransportContractDocument/c:ID")),
        office_of_entry=_text(root, "c:FirstEntryOffice/c:ID"),
        office_of_destination=_text(root, "c:DestinationOffice/c:ID"),
        loading_place=_text(root, "c:Consignment/c:LoadingLocation/c:ID"),
        unloading_place=_text(root, "c:Consignment/c:UnloadingLocation/c:ID"),
        expected_arrival=(_datetime(means, "c:ArrivalDateTime") if means is not None else None),
    )


def _goods_item(item: etree._Element) -> GoodsItem:
    classifications = tuple(
        Classification(
            code=_text(classification, "c:ID") or "",
            type_code=_text(classification, "c:IdentificationTypeCode"),
        )
        for classification in item.iterfind("c:Commodity/c:Classification", _NS)
    )
    origin = _text(item, "c:Origin/c:CountryCode")
    return GoodsItem(
        sequence=_int(item, "c:SequenceNumeric") or 0,
        commodity_code=classifications[0].code if classifications else None,
        classifications=classifications,
        description=_text(item, "c:Commodity/c:Description"),
        origin=Origin(country=origin) if origin else None,
        gross_mass=_decimal(item, "c:Commodity/c:GoodsMeasure/c:GrossMassMeasure"),
        packaging=tuple(
            Packaging(
                type_code=_text(package, "c:TypeCode"),
                quantity=_int(package, "c:QuantityQuantity"),
                marks=_text(package, "c:MarksNumbersID"),
            )
            for package in item.iterfind("c:Packaging", _NS)
        ),
        dangerous_goods_code=_text(item, "c:Commodity/c:DangerousGoods/c:UNDGID"),
        parties=_parties(item, _ITEM_PARTIES),
    )


def _parties(
    element: etree._Element, paths: tuple[tuple[str, PartyRole], ...]
) -> tuple[Party, ...]:
    found = []
    for path, role in paths:
        party = element.find(path, _NS)
        if party is not None:
            found.append(_party(party, role))
    return tuple(found)


def _party(element: etree._Element, role: PartyRole) -> Party:
    address = element.find("c:Address", _NS)
    return Party(
        role=role,
        id=_text(element, "c:ID"),
        name=_text(element, "c:Name"),
        address=Address(
            line=_text(address, "c:Line"),
            city=_text(address, "c:CityName"),
            postcode=_text(address, "c:PostcodeID"),
            country=_text(address, "c:CountryCode"),
        )
        if address is not None
        else None,
    )


def _text(element: etree._Element, path: str) -> str | None:
    """The ``xs:token`` value at ``path``: white space collapsed, ``None`` when absent."""
    text = element.findtext(path, namespaces=_NS)
    if text is None:
        return None
    return " ".join(text.split()) or None


def _texts(element: etree._Element, path: str) -> list[str]:
    return [" ".join((found.text or "").split()) for found in element.iterfind(path, _NS)]


def _int(element: etree._Element, path: str) -> int | None:
    text = _text(element, path)
    return int(text) if text is not None else None


def _decimal(element: etree._Element, path: str) -> Decimal | None:
    text = _text(element, path)
    return Decimal(text) if text is not None else None


def _datetime(element: etree._Element, path: str) -> datetime | None:
    found = element.find(path, _NS)
    if found is None or not found.text:
        return None
    try:
        return datetime.fromisoformat(found.text.strip())
    except ValueError:
        # xs:dateTime admits a few forms Python does not, such as 24:00:00.
        raise MalformedMessage(
            f"{found.text.strip()!r} is not a date-time the hub can read",
            where=where(found),
            expected="YYYY-MM-DDThh:mm:ss with a zone, hours 00 to 23",
        ) from None
