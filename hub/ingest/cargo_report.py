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
from typing import Any

from lxml import etree

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest._build import build_declaration
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest._plain import Node, group, groups, leaf, plain, text
from hub.ingest._xml import parse_xml, where
from hub.ingest.own_schemas import own_schema_set
from hub.model import (
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    SourceFormat,
    TransportMode,
)

__all__ = ["NAMESPACE", "ROOT_TAG", "read", "read_tree"]

NAMESPACE = "urn:hub:message:CargoReport:1"
ROOT_TAG = f"{{{NAMESPACE}}}Declaration"

_FUNCTIONS = {
    "9": DeclarationFunction.ORIGINAL,
    "4": DeclarationFunction.AMENDMENT,
    "1": DeclarationFunction.CANCELLATION,
}
_CONSIGNMENT_PARTIES = (
    ("Consignor", PartyRole.CONSIGNOR),
    ("Consignee", PartyRole.CONSIGNEE),
    ("NotifyParty", PartyRole.NOTIFY_PARTY),
)
_REPORT_PARTIES = (("Carrier", PartyRole.CARRIER), ("Submitter", PartyRole.DECLARANT))


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
    # The schema has been checked, so the mapping below reads without re-checking.
    report = plain(root)
    function_code = _token(report, "FunctionCode")
    consignment = group(report, "Consignment")
    means = group(report, "BorderTransportMeans")
    fields: dict[str, Any] = {
        "id": declaration_id(digest),
        "source_format": SourceFormat.HUB_CARGO_REPORT,
        "message_hash": digest,
        "functional_reference": _token(report, "FunctionalReferenceID"),
        "kind": DeclarationKind.PRE_ARRIVAL,
        "function": _FUNCTIONS.get(function_code or ""),
        "function_code": function_code,
        "submitter": _token(group(report, "Submitter"), "ID"),
        "issued_at": _datetime(report, "IssueDateTime"),
        "message_id": _token(report, "ID"),
        "specific_circumstances": _token(report, "SpecificCircumstancesCodeCode"),
        "parties": [
            *_parties(consignment, _CONSIGNMENT_PARTIES),
            *_parties(report, _REPORT_PARTIES),
        ],
        "transport": _transport(report, consignment, means),
        "goods_items": [_goods_item(item) for item in groups(consignment, "ConsignmentItem")],
        "totals": {
            "item_count": _token(report, "GoodsItemQuantity"),
            "package_count": _token(report, "TotalPackageQuantity"),
            "gross_mass": _token(report, "TotalGrossMassMeasure"),
        },
    }
    return build_declaration(fields, where=where(root))


def _transport(report: Node, consignment: Node | None, means: Node | None) -> dict[str, Any]:
    transport: dict[str, Any] = {
        "containers": [
            {
                "id": _token(equipment, "ID"),
                "seals": [_token(seal, "ID") for seal in groups(equipment, "Seal")],
            }
            for equipment in groups(consignment, "TransportEquipment")
        ],
        "transport_documents": [
            _token(document, "ID") for document in groups(consignment, "TransportContractDocument")
        ],
        "office_of_entry": _token(group(report, "FirstEntryOffice"), "ID"),
        "office_of_destination": _token(group(report, "DestinationOffice"), "ID"),
        "loading_place": _token(group(consignment, "LoadingLocation"), "ID"),
        "unloading_place": _token(group(consignment, "UnloadingLocation"), "ID"),
    }
    if means is not None:
        mode = TransportMode.from_code(_token(means, "ModeCode"))
        transport["mode"] = mode
        transport["border_means"] = {
            "id": _token(means, "ID"),
            "id_type": _token(means, "IdentificationTypeCode"),
            "nationality": _token(means, "RegistrationNationalityCode"),
            "mode": mode,
            "name": _token(means, "Name"),
            "journey_id": _token(means, "JourneyID"),
        }
        transport["expected_arrival"] = _datetime(means, "ArrivalDateTime")
    return transport


def _goods_item(item: Node) -> dict[str, Any]:
    commodity = group(item, "Commodity")
    classifications = [
        {"code": _token(c, "ID"), "type_code": _token(c, "IdentificationTypeCode")}
        for c in groups(commodity, "Classification")
    ]
    origin = _token(group(item, "Origin"), "CountryCode")
    return {
        "sequence": _token(item, "SequenceNumeric"),
        "commodity_code": classifications[0]["code"] if classifications else None,
        "classifications": classifications,
        "description": _token(commodity, "Description"),
        "origin": {"country": origin} if origin else None,
        "gross_mass": _token(group(commodity, "GoodsMeasure"), "GrossMassMeasure"),
        "packaging": [
            {
                "type_code": _token(package, "TypeCode"),
                "quantity": _token(package, "QuantityQuantity"),
                "marks": _token(package, "MarksNumbersID"),
            }
            for package in groups(item, "Packaging")
        ],
        "dangerous_goods_code": _token(group(commodity, "DangerousGoods"), "UNDGID"),
        "parties": _parties(item, _CONSIGNMENT_PARTIES),
    }


def _parties(node: Node | None, roles: tuple[tuple[str, PartyRole], ...]) -> list[dict[str, Any]]:
    found = []
    for name, role in roles:
        party = group(node, name)
        if party is None:
            continue
        address = group(party, "Address")
        found.append(
            {
                "role": role,
                "id": _token(party, "ID"),
                "name": _token(party, "Name"),
                "address": {
                    "line": _token(address, "Line"),
                    "city": _token(address, "CityName"),
                    "postcode": _token(address, "PostcodeID"),
                    "country": _token(address, "CountryCode"),
                }
                if address is not None
                else None,
            }
        )
    return found


def _token(node: Node | None, name: str) -> str | None:
    """The ``xs:token`` value of leaf ``name``: white space collapsed, ``None`` when absent."""
    found = text(node, name)
    return " ".join(found.split()) if found is not None else None


def _datetime(node: Node | None, name: str) -> datetime | None:
    found = leaf(node, name)
    if found is None or not found.text:
        return None
    value = found.text.strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        # xs:dateTime admits a few forms Python does not, such as 24:00:00.
        raise MalformedMessage(
            f"{value!r} is not a date-time the hub can read",
            where=where(found),
            expected="YYYY-MM-DDThh:mm:ss with a zone, hours 00 to 23",
        ) from None
