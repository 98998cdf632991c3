"""WCO Data Model declarations (DEC-DMS 2) read into the canonical declaration.

The message is a ``DocumentMetaData-DMS:2`` ``MetaData`` envelope around a
``DEC-DMS:2`` ``Declaration``, as used by the UK Customs Declaration Service
and other WCO DM 3.x customisations. Schema validation is optional (an
administration configures its own XSDs) and happens before this mapping.

The reader walks each element it needs exactly once, picks children by local
name and builds plain dicts; the canonical model validates the whole result in
one call at the end. Leaf groups (address, document, means of transport) are
read through tables from WCO element name to canonical field, so the mapping
is visible at a glance. Unknown elements are ignored: a customisation may add
them. A schema-valid declaration that lacks what an assessment needs (the XSD
makes ``GoodsShipment`` optional) is still read; ``missing_for_assessment``
says what is missing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest._build import build_declaration
from hub.ingest._dates import parse_un_datetime
from hub.ingest._fingerprint import declaration_id
from hub.ingest._xml import where
from hub.model import (
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    SourceFormat,
    TransportMode,
)

__all__ = ["DEC_NS", "METADATA_NS", "ROOT_TAGS", "read_tree"]

METADATA_NS = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DEC_NS = "urn:wco:datamodel:WCO:DEC-DMS:2"
ROOT_TAGS = frozenset({f"{{{METADATA_NS}}}MetaData", f"{{{DEC_NS}}}Declaration"})

_DS = "{urn:wco:datamodel:WCO:Declaration_DS:DMS:2}"

Fields = dict[str, Any]

# WCO element name -> canonical field, for groups whose children are plain text.
_ADDRESS = {"Line": "line", "CityName": "city", "PostcodeID": "postcode", "CountryCode": "country"}
_DOCUMENT = {
    "CategoryCode": "category",
    "TypeCode": "type_code",
    "ID": "id",
    "LPCOExemptionCode": "status",
    "Name": "name",
}
_MEANS = {
    "ID": "id",
    "IdentificationTypeCode": "id_type",
    "RegistrationNationalityCode": "nationality",
    "ModeCode": "mode",
    "Name": "name",
}
_PARTY = {"ID": "id", "Name": "name"}
_HEADER_PARTIES = {
    "Declarant": PartyRole.DECLARANT,
    "Exporter": PartyRole.EXPORTER,
    "Agent": PartyRole.REPRESENTATIVE,
}
_SHIPMENT_PARTIES = {
    "Importer": PartyRole.IMPORTER,
    "Consignee": PartyRole.CONSIGNEE,
    "Consignor": PartyRole.CONSIGNOR,
    "Buyer": PartyRole.BUYER,
    "Seller": PartyRole.SELLER,
}
_CONSIGNMENT_PARTIES = {"Carrier": PartyRole.CARRIER, "Consignor": PartyRole.CONSIGNOR}
_ITEM_PARTIES = {
    "Consignee": PartyRole.CONSIGNEE,
    "Consignor": PartyRole.CONSIGNOR,
    "Buyer": PartyRole.BUYER,
    "Seller": PartyRole.SELLER,
}
# Classification schemes that carry the tariff code itself, best first.
_PRIMARY_SCHEMES = ("TSP", "CN", "HS")
# Previous-document types that are transport documents (UN/EDIFACT 1001 and CDS codes).
_TRANSPORT_DOCUMENTS = frozenset(
    {"704", "705", "714", "720", "722", "730", "740", "741", "750", "760", "785", "MCR"}
)
# Procedure codes (DE 1/10, first two digits) that send goods out of the territory.
_EXPORT_PROCEDURES = frozenset({"10", "11", "21", "22", "23", "31"})
_FUNCTIONS = {
    "9": DeclarationFunction.ORIGINAL,
    "1": DeclarationFunction.CANCELLATION,
    "4": DeclarationFunction.AMENDMENT,
    "5": DeclarationFunction.AMENDMENT,
    "13": DeclarationFunction.AMENDMENT,  # CDS: a request to amend (type COR)
}


def read_tree(tree: etree._ElementTree, *, digest: str) -> Declaration:
    """Map a parsed (and, if configured, validated) DEC-DMS document.

    ``digest`` is the sha256 of the bytes as received; it names the declaration.
    """
    root = tree.getroot()
    metadata = root if root.tag == f"{{{METADATA_NS}}}MetaData" else None
    declaration = root.find(f"{{{DEC_NS}}}Declaration") if metadata is not None else root
    if declaration is None or declaration.tag != f"{{{DEC_NS}}}Declaration":
        raise UnsupportedMessage(
            "no DEC-DMS Declaration in the MetaData envelope",
            where=where(root),
            expected=f"{{{DEC_NS}}}Declaration",
        )
    fields = _Reader().declaration(declaration)
    fields["id"] = declaration_id(digest)
    fields["message_hash"] = digest
    if metadata is not None:
        country = metadata.find(f"{{{METADATA_NS}}}ResponsibleCountryCode")
        fields["responsible_country"] = _text(country) if country is not None else None
    return build_declaration(fields, where=where(declaration))


class _LocalNames(dict[str, str]):
    """Clark tag -> local name, computed once per tag; this lookup is the hot spot."""

    def __missing__(self, tag: object) -> str:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(self) < 4096 and isinstance(tag, str):  # hostile input cannot grow it
            self[tag] = name
        return name


_NAME = _LocalNames()


def _text(element: etree._Element) -> str | None:
    text = element.text
    if text is None:
        return None
    text = text.strip()
    return text or None


def _leaves(element: etree._Element, table: dict[str, str]) -> Fields:
    """The text of each child named in ``table``, under its canonical field name."""
    fields: Fields = {}
    names = _NAME
    for child in element:
        key = table.get(names[child.tag])
        if key is not None:
            text = child.text
            fields[key] = (text.strip() or None) if text else None
    return fields


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if _NAME[child.tag] == name:
            return _text(child)
    return None


def _decimal(element: etree._Element) -> Decimal | None:
    text = _text(element)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MalformedMessage(
            f"{text!r} is not a number", where=where(element), expected="a decimal"
        ) from None
    if not value.is_finite():
        raise MalformedMessage(f"{text!r} is not a finite number", where=where(element))
    return value


def _int(element: etree._Element) -> int | None:
    text = _text(element)
    if text is None:
        return None
    if not text.isdigit():
        raise MalformedMessage(
            f"{text!r} is not a whole number", where=where(element), expected="digits"
        )
    return int(text)


def _money(element: etree._Element) -> Fields | None:
    amount = _decimal(element)
    return None if amount is None else {"amount": amount, "currency": element.get("currencyID")}


def _datetime(element: etree._Element) -> datetime | None:
    stamp = element.find(f"{_DS}DateTimeString")
    value = _text(stamp) if stamp is not None else None
    if stamp is None or value is None:
        return None
    try:
        return parse_un_datetime(value, stamp.get("formatCode"))
    except ValueError as exc:
        raise MalformedMessage(str(exc), where=where(stamp)) from None


def _party(role: PartyRole, element: etree._Element) -> Fields:
    fields = _leaves(element, _PARTY)
    fields["role"] = role
    for child in element:
        if _NAME[child.tag] == "Address":
            fields["address"] = _leaves(child, _ADDRESS)
    return fields


def _means(element: etree._Element) -> Fields:
    fields = _leaves(element, _MEANS)
    if "mode" in fields:
        fields["mode"] = TransportMode.from_code(fields["mode"])
    return fields


def _container(element: etree._Element) -> Fields | None:
    fields: Fields = {"seals": []}
    for child in element:
        name = _NAME[child.tag]
        if name == "ID":
            fields["id"] = _text(child)
        elif name == "Seal":
            seal = _child_text(child, "ID")
            if seal:
                fields["seals"].append(seal)
    return fields if fields.get("id") else None


def _packaging(element: etree._Element) -> Fields:
    fields: Fields = {}
    for child in element:
        name = _NAME[child.tag]
        if name == "TypeCode":
            fields["type_code"] = _text(child)
        elif name == "QuantityQuantity":
            fields["quantity"] = _int(child)
        elif name == "MarksNumbersID":
            fields["marks"] = _text(child)
    return fields


class _Reader:
    """Collects parties and transport, which DEC-DMS spreads over three levels."""

    def __init__(self) -> None:
        self.parties: list[Fields] = []
        self.transport: Fields = {"containers": []}
        self.previous_documents: list[Fields] = []

    def consignment(self, element: etree._Element) -> None:
        """GoodsShipment/Consignment and Declaration/Consignment share this shape."""
        transport = self.transport
        for child in element:
            name = _NAME[child.tag]
            if name in ("ArrivalTransportMeans", "DepartureTransportMeans"):
                means = _means(child)
                key = "arrival_means" if name[0] == "A" else "departure_means"
                transport[key] = means
                transport.setdefault("inland_mode", means.get("mode"))
            elif name == "GoodsLocation":
                location = _leaves(child, {"Name": "id", "ID": "id", "TypeCode": "type_code"})
                for part in child:
                    if _NAME[part.tag] == "Address":
                        location["country"] = _child_text(part, "CountryCode")
                transport["goods_location"] = location
            elif name == "LoadingLocation":
                transport["loading_place"] = _child_text(child, "ID")
            elif name == "TransportEquipment":
                container = _container(child)
                if container:
                    transport["containers"].append(container)
            elif name in _CONSIGNMENT_PARTIES:
                self.parties.append(_party(_CONSIGNMENT_PARTIES[name], child))

    def goods_shipment(self, element: etree._Element, items: list[Fields]) -> None:
        transport = self.transport
        for child in element:
            name = _NAME[child.tag]
            if name == "GovernmentAgencyGoodsItem":
                items.append(_item(child))
            elif name == "Consignment":
                self.consignment(child)
            elif name in _SHIPMENT_PARTIES:
                self.parties.append(_party(_SHIPMENT_PARTIES[name], child))
            elif name == "ExportCountry":
                transport["dispatch_country"] = _child_text(child, "ID")
            elif name == "Destination":
                transport["destination_country"] = _child_text(child, "CountryCode")
            elif name == "PreviousDocument":
                self.previous_documents.append(_leaves(child, _DOCUMENT))

    def declaration(self, element: etree._Element) -> Fields:
        head: Fields = {"source_format": SourceFormat.WCO_DEC_DMS}
        totals: Fields = {}
        documents: list[Fields] = []
        authorisations: list[Fields] = []
        items: list[Fields] = []
        submitter: str | None = None
        transport = self.transport
        for child in element:
            name = _NAME[child.tag]
            if name == "FunctionCode":
                head["function_code"] = _text(child)
            elif name == "FunctionalReferenceID":
                head["functional_reference"] = _text(child)
            elif name == "TypeCode":
                head["type_code"] = _text(child)
            elif name == "AcceptanceDateTime":
                head["accepted_at"] = _datetime(child)
            elif name == "IssueDateTime":
                head["issued_at"] = _datetime(child)
            elif name == "ID":
                head["message_id"] = _text(child)
            elif name == "SpecificCircumstancesCodeCode":
                head["specific_circumstances"] = _text(child)
            elif name == "GoodsItemQuantity":
                totals["item_count"] = _int(child)
            elif name == "TotalPackageQuantity":
                totals["package_count"] = _int(child)
            elif name == "TotalGrossMassMeasure":
                totals["gross_mass"] = _decimal(child)
            elif name == "InvoiceAmount":
                totals["invoice_amount"] = _money(child)
            elif name == "DeclarationOfficeID":
                transport["office_of_declaration"] = _text(child)
            elif name in ("SupervisingOffice", "PresentationOffice"):
                transport.setdefault("office_of_declaration", _child_text(child, "ID"))
            elif name == "ExitOffice":
                transport["office_of_exit"] = _child_text(child, "ID")
            elif name == "Submitter":
                submitter = _child_text(child, "ID")
            elif name in _HEADER_PARTIES:
                party = _party(_HEADER_PARTIES[name], child)
                if party.get("id") or party.get("name"):  # an Agent may carry only its status
                    self.parties.append(party)
            elif name == "AdditionalDocument":
                documents.append(_leaves(child, _DOCUMENT))
            elif name == "AuthorisationHolder":
                holder = _leaves(child, {"CategoryCode": "type_code", "ID": "holder_id"})
                if holder.get("type_code"):
                    authorisations.append(holder)
            elif name == "BorderTransportMeans":
                means = _means(child)
                transport["border_means"] = means
                transport["mode"] = means.get("mode")
            elif name == "Consignment":
                self.consignment(child)
            elif name == "GoodsShipment":
                self.goods_shipment(child, items)

        items.sort(key=lambda item: item["sequence"])
        transport["transport_documents"] = [
            doc["id"]
            for doc in self.previous_documents
            if doc.get("type_code") in _TRANSPORT_DOCUMENTS and doc.get("id")
        ]
        declarant = next((p for p in self.parties if p["role"] is PartyRole.DECLARANT), None)
        type_code = head.get("type_code")
        head.update(
            kind=_kind(type_code, items),
            function=_function(head.get("function_code"), type_code),
            submitter=submitter or (declarant.get("id") if declarant else None),
            parties=self.parties,
            authorisations=authorisations,
            transport=transport,
            goods_items=items,
            documents=documents,
            previous_documents=self.previous_documents,
            totals=totals,
        )
        return head


def _item(element: etree._Element) -> Fields:
    item: Fields = {}
    classifications: list[Fields] = []
    documents: list[Fields] = []
    previous: list[Fields] = []
    packaging: list[Fields] = []
    information: list[str] = []
    origins: list[Fields] = []
    procedures: list[Fields] = []
    parties: list[Fields] = []
    for child in element:
        name = _NAME[child.tag]
        if name == "SequenceNumeric":
            item["sequence"] = _int(child)
        elif name == "AdditionalDocument":
            documents.append(_leaves(child, _DOCUMENT))
        elif name == "Commodity":
            _commodity(child, item, classifications)
        elif name == "GovernmentProcedure":
            procedures.append(
                _leaves(child, {"CurrentCode": "current", "PreviousCode": "previous"})
            )
        elif name == "Origin":
            origins.append(_leaves(child, {"CountryCode": "country", "TypeCode": "type_code"}))
        elif name == "Packaging":
            packaging.append(_packaging(child))
        elif name == "PreviousDocument":
            previous.append(_leaves(child, _DOCUMENT))
        elif name == "AdditionalInformation":
            code = _child_text(child, "StatementCode")
            if code:
                information.append(code)
        elif name == "CustomsValueAmount":
            item["customs_value"] = _money(child)
        elif name == "StatisticalValueAmount":
            item["statistical_value"] = _money(child)
        elif name == "CustomsValuation":
            item["valuation_method"] = _child_text(child, "MethodCode")
        elif name in _ITEM_PARTIES:
            parties.append(_party(_ITEM_PARTIES[name], child))
    if item.get("sequence") is None:
        raise MalformedMessage(
            "goods item without a sequence number",
            where=where(element),
            expected="SequenceNumeric",
        )
    preference = item.pop("preference_code", None)
    item.update(
        classifications=classifications,
        commodity_code=_primary_code(classifications),
        documents=documents,
        previous_documents=previous,
        packaging=packaging,
        additional_information=information,
        procedure=_procedure(procedures),
        origin=_origin(origins, preference),
        parties=parties,
    )
    return item


def _commodity(element: etree._Element, item: Fields, classifications: list[Fields]) -> None:
    for child in element:
        name = _NAME[child.tag]
        if name == "Description":
            item["description"] = _text(child)
        elif name == "Classification":
            code = _leaves(child, {"ID": "code", "IdentificationTypeCode": "type_code"})
            digits = "".join(ch for ch in (code.get("code") or "").upper() if ch.isalnum())
            if digits:
                code["code"] = digits
                classifications.append(code)
        elif name == "GoodsMeasure":
            for measure in child:
                kind = _NAME[measure.tag]
                if kind == "GrossMassMeasure":
                    item["gross_mass"] = _decimal(measure)
                elif kind == "NetNetWeightMeasure":
                    item["net_mass"] = _decimal(measure)
                elif kind == "TariffQuantity":
                    value = _decimal(measure)
                    if value is not None:
                        item["quantity"] = {"value": value, "unit": measure.get("unitCode")}
        elif name == "DutyTaxFee":
            regime = _child_text(child, "DutyRegimeCode")
            if regime and "preference_code" not in item:
                item["preference_code"] = regime
        elif name == "InvoiceLine":
            for part in child:
                if _NAME[part.tag] == "ItemChargeAmount":
                    item["item_price"] = _money(part)
        elif name == "DangerousGoods":
            item["dangerous_goods_code"] = _child_text(child, "UNDGID")


def _primary_code(classifications: list[Fields]) -> str | None:
    for scheme in _PRIMARY_SCHEMES:
        for classification in classifications:
            if classification.get("type_code") == scheme:
                code: str = classification["code"]
                return code
    return None


def _procedure(procedures: list[Fields]) -> Fields | None:
    """Split DE 1/10 (two-digit current + previous) from DE 1/11 additional codes."""
    if not procedures:
        return None
    fields: Fields = {"additional": []}
    for procedure in procedures:
        code = procedure.get("current")
        if code and len(code) == 2 and "current" not in fields:
            fields["current"] = code
            fields["previous"] = procedure.get("previous")
        elif code:
            fields["additional"].append(code)
    return fields


def _origin(origins: list[Fields], preference: str | None) -> Fields | None:
    """The non-preferential origin (type 1) when given, else the first one."""
    if not origins and preference is None:
        return None
    chosen = next((o for o in origins if o.get("type_code") == "1"), origins[0] if origins else {})
    return {**chosen, "preference_code": preference} if preference else chosen


def _kind(type_code: str | None, items: list[Fields]) -> DeclarationKind | None:
    """IM/EX by the type code; CO (special fiscal territories) by the procedure code."""
    prefix = (type_code or "")[:2].upper()
    if prefix == "IM":
        return DeclarationKind.IMPORT
    if prefix in ("EX", "EU"):
        return DeclarationKind.EXPORT
    if prefix in ("T1", "T2", "TI"):
        return DeclarationKind.TRANSIT
    currents = {
        item["procedure"].get("current")
        for item in items
        if item.get("procedure") and item["procedure"].get("current")
    }
    if prefix == "CO" and currents:
        return DeclarationKind.EXPORT if currents <= _EXPORT_PROCEDURES else DeclarationKind.IMPORT
    return None


def _function(function_code: str | None, type_code: str | None) -> DeclarationFunction | None:
    if function_code == "13" and (type_code or "").upper() == "INV":
        return DeclarationFunction.CANCELLATION  # CDS: invalidation request
    return _FUNCTIONS.get(function_code or "")
