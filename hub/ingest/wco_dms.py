"""WCO Data Model declarations (DEC-DMS 2) read into the canonical declaration.

The message is a ``DocumentMetaData-DMS:2`` ``MetaData`` envelope around a
``DEC-DMS:2`` ``Declaration``, as used by the UK Customs Declaration Service
and other WCO DM 3.x customisations. The reader walks each element's children
once and picks what it knows by local name; unknown elements are ignored, as a
customisation may add them. Schema validation is optional (an administration
configures its own XSDs) and happens before this mapping.

A declaration that is schema-valid but lacks data for an assessment (the XSD
makes ``GoodsShipment`` optional) is still read: ``missing_for_assessment``
reports what is missing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest._dates import parse_un_datetime
from hub.ingest._fingerprint import declaration_id
from hub.ingest._xml import where as _where
from hub.model import (
    AdditionalDocument,
    Address,
    Authorisation,
    Classification,
    Container,
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    GoodsItem,
    GoodsLocation,
    Money,
    Origin,
    Packaging,
    Party,
    PartyRole,
    Procedure,
    Quantity,
    SourceFormat,
    Totals,
    Transport,
    TransportMeans,
    TransportMode,
)

__all__ = ["DEC_NS", "METADATA_NS", "ROOT_TAGS", "read_tree"]

METADATA_NS = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DEC_NS = "urn:wco:datamodel:WCO:DEC-DMS:2"
ROOT_TAGS = frozenset({f"{{{METADATA_NS}}}MetaData", f"{{{DEC_NS}}}Declaration"})

_DEC = f"{{{DEC_NS}}}"
_DS = "{urn:wco:datamodel:WCO:Declaration_DS:DMS:2}"

# Classification schemes that carry the tariff code itself, best first.
_PRIMARY_SCHEMES = ("TSP", "CN", "HS")
# Previous-document types that are transport documents (UN/EDIFACT 1001 and CDS codes).
_TRANSPORT_DOCUMENTS = frozenset(
    {"704", "705", "714", "720", "722", "730", "740", "741", "750", "760", "785", "MCR"}
)
# Procedure codes (DE 1/10, first two digits) that send goods out of the territory.
_EXPORT_PROCEDURES = frozenset({"10", "11", "21", "22", "23", "31"})
_ITEM_PARTIES = {
    "Consignee": PartyRole.CONSIGNEE,
    "Consignor": PartyRole.CONSIGNOR,
    "Buyer": PartyRole.BUYER,
    "Seller": PartyRole.SELLER,
}
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
    declaration = root.find(f"{_DEC}Declaration") if metadata is not None else root
    if declaration is None or declaration.tag != f"{_DEC}Declaration":
        raise UnsupportedMessage(
            "no DEC-DMS Declaration in the MetaData envelope",
            where=_where(root),
            expected=f"{{{DEC_NS}}}Declaration",
        )
    return _Reader(digest, metadata).declaration(declaration)


def _kids(element: etree._Element) -> list[tuple[str, etree._Element]]:
    """Each child element with its local name.

    The parser strips comments and processing instructions and never creates
    entity references, so every child is an element. Local names are cached:
    a schema has few of them and this loop is the reader's hot spot.
    """
    names = _LOCAL_NAMES
    kids = []
    for child in element:
        tag = child.tag
        name = names.get(tag)
        if name is None:
            name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
            if len(names) < 4096:
                names[tag] = name
        kids.append((name, child))
    return kids


_LOCAL_NAMES: dict[object, str] = {}


def _text(element: etree._Element) -> str | None:
    text = element.text
    if text is None:
        return None
    text = text.strip()
    return text or None


class _Reader:
    """Collects the parts of one declaration while its tree is walked once."""

    def __init__(self, digest: str, metadata: etree._Element | None):
        self.digest = digest
        self.metadata = metadata
        self.parties: list[Party] = []
        self.transport: dict[str, object] = {}
        self.containers: list[Container] = []
        self.previous_documents: list[AdditionalDocument] = []

    # -- scalar conversions that name the place at fault -------------------

    def _decimal(self, element: etree._Element) -> Decimal | None:
        text = _text(element)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise MalformedMessage(
                f"{text!r} is not a number", where=_where(element), expected="a decimal"
            ) from None
        if not value.is_finite():
            raise MalformedMessage(f"{text!r} is not a finite number", where=_where(element))
        return value

    def _int(self, element: etree._Element) -> int | None:
        text = _text(element)
        if text is None:
            return None
        if not text.isdigit():
            raise MalformedMessage(
                f"{text!r} is not a whole number", where=_where(element), expected="digits"
            )
        return int(text)

    def _money(self, element: etree._Element) -> Money | None:
        amount = self._decimal(element)
        if amount is None:
            return None
        return Money(amount=amount, currency=element.get("currencyID"))

    def _datetime(self, element: etree._Element) -> datetime | None:
        stamp = element.find(f"{_DS}DateTimeString")
        if stamp is None or not _text(stamp):
            return None
        try:
            return parse_un_datetime(_text(stamp) or "", stamp.get("formatCode"))
        except ValueError as exc:
            raise MalformedMessage(str(exc), where=_where(stamp)) from None

    # -- the parts ----------------------------------------------------------

    def _party(self, role: PartyRole, element: etree._Element) -> Party:
        fields: dict[str, object] = {"role": role}
        for name, child in _kids(element):
            if name == "ID":
                fields["id"] = _text(child)
            elif name == "Name":
                fields["name"] = _text(child)
            elif name == "Address":
                fields["address"] = self._address(child)
        return Party.model_validate(fields)

    @staticmethod
    def _address(element: etree._Element) -> Address:
        fields = {}
        for name, child in _kids(element):
            key = {"Line": "line", "CityName": "city", "PostcodeID": "postcode"}.get(name)
            if name == "CountryCode":
                key = "country"
            if key:
                fields[key] = _text(child)
        return Address.model_validate(fields)

    @staticmethod
    def _means(element: etree._Element) -> TransportMeans:
        fields: dict[str, object] = {}
        for name, child in _kids(element):
            if name == "ID":
                fields["id"] = _text(child)
            elif name == "IdentificationTypeCode":
                fields["id_type"] = _text(child)
            elif name == "RegistrationNationalityCode":
                fields["nationality"] = _text(child)
            elif name == "ModeCode":
                fields["mode"] = TransportMode.from_code(_text(child))
            elif name == "Name":
                fields["name"] = _text(child)
        return TransportMeans.model_validate(fields)

    @staticmethod
    def _document(element: etree._Element) -> AdditionalDocument:
        fields = {}
        for name, child in _kids(element):
            key = {
                "CategoryCode": "category",
                "TypeCode": "type_code",
                "ID": "id",
                "LPCOExemptionCode": "status",
                "Name": "name",
            }.get(name)
            if key:
                fields[key] = _text(child)
        return AdditionalDocument.model_validate(fields)

    @staticmethod
    def _id_of(element: etree._Element) -> str | None:
        for name, child in _kids(element):
            if name in ("ID", "CountryCode"):
                return _text(child)
        return None

    def _consignment(self, element: etree._Element) -> None:
        """GoodsShipment/Consignment and Declaration/Consignment share this shape."""
        for name, child in _kids(element):
            if name == "ArrivalTransportMeans":
                means = self._means(child)
                self.transport["arrival_means"] = means
                self.transport.setdefault("inland_mode", means.mode)
            elif name == "DepartureTransportMeans":
                means = self._means(child)
                self.transport["departure_means"] = means
                self.transport.setdefault("inland_mode", means.mode)
            elif name == "GoodsLocation":
                self.transport["goods_location"] = self._goods_location(child)
            elif name == "LoadingLocation":
                self.transport["loading_place"] = self._id_of(child)
            elif name == "TransportEquipment":
                self.containers.extend(self._container(child))
            elif name == "Carrier":
                self.parties.append(self._party(PartyRole.CARRIER, child))
            elif name == "Consignor":
                self.parties.append(self._party(PartyRole.CONSIGNOR, child))

    def _goods_location(self, element: etree._Element) -> GoodsLocation:
        fields: dict[str, object] = {}
        for name, child in _kids(element):
            if name in ("Name", "ID"):
                fields.setdefault("id", _text(child))
            elif name == "TypeCode":
                fields["type_code"] = _text(child)
            elif name == "Address":
                fields["country"] = self._address(child).country
        return GoodsLocation.model_validate(fields)

    @staticmethod
    def _container(element: etree._Element) -> list[Container]:
        container_id = None
        seals = []
        for name, child in _kids(element):
            if name == "ID":
                container_id = _text(child)
            elif name == "Seal":
                seal = next((_text(c) for n, c in _kids(child) if n == "ID"), None)
                if seal:
                    seals.append(seal)
        return [Container(id=container_id, seals=tuple(seals))] if container_id else []

    def _item(self, element: etree._Element) -> GoodsItem:
        fields: dict[str, object] = {}
        classifications: list[Classification] = []
        documents: list[AdditionalDocument] = []
        previous: list[AdditionalDocument] = []
        packaging: list[Packaging] = []
        information: list[str] = []
        origins: list[Origin] = []
        procedures: list[tuple[str | None, str | None]] = []
        parties: list[Party] = []
        preference: str | None = None
        for name, child in _kids(element):
            if name == "SequenceNumeric":
                fields["sequence"] = self._int(child)
            elif name == "CustomsValueAmount":
                fields["customs_value"] = self._money(child)
            elif name == "StatisticalValueAmount":
                fields["statistical_value"] = self._money(child)
            elif name == "AdditionalDocument":
                documents.append(self._document(child))
            elif name == "PreviousDocument":
                previous.append(self._document(child))
            elif name == "AdditionalInformation":
                code = next((_text(c) for n, c in _kids(child) if n == "StatementCode"), None)
                if code:
                    information.append(code)
            elif name == "Commodity":
                preference = self._commodity(child, fields, classifications)
            elif name == "CustomsValuation":
                method = next((_text(c) for n, c in _kids(child) if n == "MethodCode"), None)
                fields["valuation_method"] = method
            elif name == "GovernmentProcedure":
                codes = {n: _text(c) for n, c in _kids(child)}
                procedures.append((codes.get("CurrentCode"), codes.get("PreviousCode")))
            elif name == "Origin":
                codes = {n: _text(c) for n, c in _kids(child)}
                origins.append(
                    Origin(country=codes.get("CountryCode"), type_code=codes.get("TypeCode"))
                )
            elif name == "Packaging":
                packaging.append(self._packaging(child))
            elif name in _ITEM_PARTIES:
                parties.append(self._party(_ITEM_PARTIES[name], child))
        if fields.get("sequence") is None:
            raise MalformedMessage(
                "goods item without a sequence number",
                where=_where(element),
                expected="SequenceNumeric",
            )
        fields["classifications"] = tuple(classifications)
        fields["commodity_code"] = _primary_code(classifications)
        fields["documents"] = tuple(documents)
        fields["previous_documents"] = tuple(previous)
        fields["packaging"] = tuple(packaging)
        fields["additional_information"] = tuple(information)
        fields["procedure"] = _procedure(procedures)
        fields["parties"] = tuple(parties)
        origin = _origin(origins, preference)
        if origin is not None:
            fields["origin"] = origin
        return GoodsItem.model_validate(fields)

    def _commodity(
        self,
        element: etree._Element,
        fields: dict[str, object],
        classifications: list[Classification],
    ) -> str | None:
        """Fill the item's commodity fields; return the preference code claimed."""
        preference = None
        for name, child in _kids(element):
            if name == "Description":
                fields["description"] = _text(child)
            elif name == "Classification":
                codes = {n: _text(c) for n, c in _kids(child)}
                code = "".join(ch for ch in (codes.get("ID") or "").upper() if ch.isalnum())
                if code:
                    classifications.append(
                        Classification(code=code, type_code=codes.get("IdentificationTypeCode"))
                    )
            elif name == "GoodsMeasure":
                for measure, value in _kids(child):
                    if measure == "GrossMassMeasure":
                        fields["gross_mass"] = self._decimal(value)
                    elif measure == "NetNetWeightMeasure":
                        fields["net_mass"] = self._decimal(value)
                    elif measure == "TariffQuantity":
                        quantity = self._decimal(value)
                        if quantity is not None:
                            fields["quantity"] = Quantity(
                                value=quantity, unit=value.get("unitCode")
                            )
            elif name == "DutyTaxFee":
                for part, value in _kids(child):
                    if part == "DutyRegimeCode" and preference is None:
                        preference = _text(value)
            elif name == "InvoiceLine":
                for part, value in _kids(child):
                    if part == "ItemChargeAmount":
                        fields["item_price"] = self._money(value)
            elif name == "DangerousGoods":
                fields["dangerous_goods_code"] = next(
                    (_text(c) for n, c in _kids(child) if n == "UNDGID"), None
                )
        return preference

    def _packaging(self, element: etree._Element) -> Packaging:
        fields: dict[str, object] = {}
        for name, child in _kids(element):
            if name == "TypeCode":
                fields["type_code"] = _text(child)
            elif name == "QuantityQuantity":
                fields["quantity"] = self._int(child)
            elif name == "MarksNumbersID":
                fields["marks"] = _text(child)
        return Packaging.model_validate(fields)

    def _goods_shipment(self, element: etree._Element, items: list[GoodsItem]) -> None:
        for name, child in _kids(element):
            if name == "GovernmentAgencyGoodsItem":
                items.append(self._item(child))
            elif name == "Consignment":
                self._consignment(child)
            elif name == "Importer":
                self.parties.append(self._party(PartyRole.IMPORTER, child))
            elif name == "Consignee":
                self.parties.append(self._party(PartyRole.CONSIGNEE, child))
            elif name == "Consignor":
                self.parties.append(self._party(PartyRole.CONSIGNOR, child))
            elif name == "Buyer":
                self.parties.append(self._party(PartyRole.BUYER, child))
            elif name == "Seller":
                self.parties.append(self._party(PartyRole.SELLER, child))
            elif name == "ExportCountry":
                self.transport["dispatch_country"] = self._id_of(child)
            elif name == "Destination":
                self.transport["destination_country"] = self._id_of(child)
            elif name == "PreviousDocument":
                self.previous_documents.append(self._document(child))

    def declaration(self, element: etree._Element) -> Declaration:
        head: dict[str, object] = {}
        totals: dict[str, object] = {}
        documents: list[AdditionalDocument] = []
        authorisations: list[Authorisation] = []
        items: list[GoodsItem] = []
        submitter: str | None = None
        for name, child in _kids(element):
            if name == "FunctionCode":
                head["function_code"] = _text(child)
            elif name == "FunctionalReferenceID":
                head["functional_reference"] = _text(child)
            elif name == "TypeCode":
                head["type_code"] = _text(child)
            elif name == "AcceptanceDateTime":
                head["accepted_at"] = self._datetime(child)
            elif name == "IssueDateTime":
                head["issued_at"] = self._datetime(child)
            elif name == "ID":
                head["message_id"] = _text(child)
            elif name == "GoodsItemQuantity":
                totals["item_count"] = self._int(child)
            elif name == "TotalPackageQuantity":
                totals["package_count"] = self._int(child)
            elif name == "TotalGrossMassMeasure":
                totals["gross_mass"] = self._decimal(child)
            elif name == "InvoiceAmount":
                totals["invoice_amount"] = self._money(child)
            elif name == "SpecificCircumstancesCodeCode":
                head["specific_circumstances"] = _text(child)
            elif name == "DeclarationOfficeID":
                self.transport["office_of_declaration"] = _text(child)
            elif name in ("SupervisingOffice", "PresentationOffice"):
                self.transport.setdefault("office_of_declaration", self._id_of(child))
            elif name == "ExitOffice":
                self.transport["office_of_exit"] = self._id_of(child)
            elif name == "Submitter":
                submitter = self._party(PartyRole.DECLARANT, child).id
            elif name == "Declarant":
                self.parties.append(self._party(PartyRole.DECLARANT, child))
            elif name == "Exporter":
                self.parties.append(self._party(PartyRole.EXPORTER, child))
            elif name == "Agent":
                agent = self._party(PartyRole.REPRESENTATIVE, child)
                if agent.id or agent.name:
                    self.parties.append(agent)
            elif name == "AdditionalDocument":
                documents.append(self._document(child))
            elif name == "AuthorisationHolder":
                codes = {n: _text(c) for n, c in _kids(child)}
                if codes.get("CategoryCode"):
                    authorisations.append(
                        Authorisation(
                            type_code=codes["CategoryCode"] or "", holder_id=codes.get("ID")
                        )
                    )
            elif name == "BorderTransportMeans":
                means = self._means(child)
                self.transport["border_means"] = means
                self.transport["mode"] = means.mode
            elif name == "Consignment":
                self._consignment(child)
            elif name == "GoodsShipment":
                self._goods_shipment(child, items)
        declarant = next((p for p in self.parties if p.role is PartyRole.DECLARANT), None)
        type_code = head.get("type_code")
        function_code = head.get("function_code")
        assert type_code is None or isinstance(type_code, str)
        assert function_code is None or isinstance(function_code, str)
        items.sort(key=lambda item: item.sequence)
        self.transport["containers"] = tuple(self.containers)
        self.transport["transport_documents"] = tuple(
            doc.id
            for doc in self.previous_documents
            if doc.type_code in _TRANSPORT_DOCUMENTS and doc.id
        )
        return Declaration.model_validate(
            {
                **head,
                "id": declaration_id(self.digest),
                "source_format": SourceFormat.WCO_DEC_DMS,
                "message_hash": self.digest,
                "kind": _kind(type_code, items),
                "function": _function(function_code, type_code),
                "submitter": submitter or (declarant.id if declarant else None),
                "responsible_country": self._metadata_text("ResponsibleCountryCode"),
                "parties": tuple(self.parties),
                "authorisations": tuple(authorisations),
                "transport": Transport.model_validate(self.transport),
                "goods_items": tuple(items),
                "documents": tuple(documents),
                "previous_documents": tuple(self.previous_documents),
                "totals": Totals.model_validate(totals),
            }
        )

    def _metadata_text(self, name: str) -> str | None:
        if self.metadata is None:
            return None
        element = self.metadata.find(f"{{{METADATA_NS}}}{name}")
        return _text(element) if element is not None else None


def _primary_code(classifications: list[Classification]) -> str | None:
    for scheme in _PRIMARY_SCHEMES:
        for classification in classifications:
            if classification.type_code == scheme:
                return classification.code
    return None


def _procedure(procedures: list[tuple[str | None, str | None]]) -> Procedure | None:
    """Split DE 1/10 (two-digit current + previous) from DE 1/11 additional codes."""
    if not procedures:
        return None
    current = previous = None
    additional: list[str] = []
    for code, previous_code in procedures:
        if code and len(code) == 2 and current is None:
            current, previous = code, previous_code
        elif code:
            additional.append(code)
    return Procedure(current=current, previous=previous, additional=tuple(additional))


def _origin(origins: list[Origin], preference: str | None) -> Origin | None:
    """The non-preferential origin (type 1) when given, else the first one."""
    if not origins and preference is None:
        return None
    chosen = next((o for o in origins if o.type_code == "1"), origins[0] if origins else Origin())
    return chosen.model_copy(update={"preference_code": preference}) if preference else chosen


def _kind(type_code: str | None, items: list[GoodsItem]) -> DeclarationKind | None:
    """IM/EX by the type code; CO (special fiscal territories) by the procedure code."""
    prefix = (type_code or "")[:2].upper()
    if prefix == "IM":
        return DeclarationKind.IMPORT
    if prefix in ("EX", "EU"):
        return DeclarationKind.EXPORT
    if prefix in ("T1", "T2", "TI"):
        return DeclarationKind.TRANSIT
    currents = {i.procedure.current for i in items if i.procedure and i.procedure.current}
    if prefix == "CO" and currents:
        return DeclarationKind.EXPORT if currents <= _EXPORT_PROCEDURES else DeclarationKind.IMPORT
    return None


def _function(function_code: str | None, type_code: str | None) -> DeclarationFunction | None:
    if function_code == "13" and (type_code or "").upper() == "INV":
        return DeclarationFunction.CANCELLATION  # CDS: invalidation request
    return _FUNCTIONS.get(function_code or "")
