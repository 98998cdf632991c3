"""The exchange messages as XML: what travels between administrations, and is signed.

The models of :mod:`hub.exchange.messages` are the hub's canonical form; a
partner sees only the XML of ``message_schemas/exchange/hub_exchange.xsd``
(namespace :data:`NAMESPACE`, WCO Data Model names). Writing is plain; reading
is guarded three times, each refusal naming the line and element at fault:
:func:`hub.ingest._xml.parse_xml` refuses DTDs, oversize and over-deep input,
the XSD refuses what is shaped wrong, and the model refuses what the schema
cannot say (a delta AEO list without its start, more hits than controls).

Each root may end with one ``ds:Signature`` (XML Signature). The schema lets
it through unread and so does this module: :mod:`hub.exchange.signing` checks
it. Text the schema types as ``xs:token`` (identifiers, codes, names, dates)
is read collapsed, as the schema validated it; prose (``Description`` of a
warning, ``Indicator``, ``Remarks``) is kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from lxml import etree
from pydantic import ValidationError

from hub.errors import MalformedMessage, SchemaInvalid, UnsupportedMessage
from hub.exchange.messages import (
    AeoList,
    ExchangeMessage,
    Header,
    MessageKind,
    PreArrival,
    RiskFeedback,
    RiskWarning,
    SeizureReport,
    SuspectConsignment,
    WarnedProfile,
)
from hub.ingest._xml import parse_xml, where
from hub.ingest.limits import DEFAULT_LIMITS, MessageLimits
from hub.ingest.own_schemas import messages_dir
from hub.ingest.schemas import SchemaSet

__all__ = [
    "NAMESPACE",
    "ROOT_NAMES",
    "SCHEMA_PATH",
    "SIGNATURE_NAMESPACE",
    "from_bytes",
    "from_element",
    "header_of",
    "kind_of",
    "to_bytes",
    "to_element",
]

NAMESPACE = "urn:hub:exchange:1"
SCHEMA_PATH = messages_dir() / "exchange" / "hub_exchange.xsd"
SIGNATURE_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"

ROOT_NAMES: dict[MessageKind, str] = {
    MessageKind.PRE_ARRIVAL: "PreArrival",
    MessageKind.RISK_WARNING: "RiskWarning",
    MessageKind.RISK_FEEDBACK: "RiskFeedback",
    MessageKind.SEIZURE_REPORT: "SeizureReport",
    MessageKind.AEO_LIST: "AeoList",
}
_KIND_OF_TAG = {f"{{{NAMESPACE}}}{name}": kind for kind, name in ROOT_NAMES.items()}
_SIGNATURE_TAG = f"{{{SIGNATURE_NAMESPACE}}}Signature"
_XML_SPACE = re.compile(r"[ \t\n\r]+")

Loc = tuple[str | int, ...]  # a pydantic error location: ("items", 0, "commodity_code")


@cache
def _schemas() -> SchemaSet:
    """The exchange schema, compiled on first use and then kept."""
    return SchemaSet({NAMESPACE: SCHEMA_PATH})


# ---------------------------------------------------------------- reading


def kind_of(root: etree._Element) -> MessageKind:
    """The kind a root element announces, or :class:`UnsupportedMessage`."""
    kind = _KIND_OF_TAG.get(root.tag) if isinstance(root.tag, str) else None
    if kind is None:
        raise UnsupportedMessage(
            f"root element {root.tag!r} is not an exchange message",
            where=where(root),
            expected=", ".join(f"{{{NAMESPACE}}}{name}" for name in ROOT_NAMES.values()),
        )
    return kind


def header_of(root: etree._Element) -> Header:
    """The header alone, read without validating the rest of the message.

    Cheap, for naming sender and message in a refusal (an unknown partner, a
    bad signature) before the message is read in full; the header's own values
    are still checked by the model.
    """
    kind_of(root)
    reading = _Reading(root)
    element = root.find(_q("Header"))
    if element is None:
        raise SchemaInvalid("the message has no Header", where=where(root))
    fields = _header(reading, element)
    try:
        return Header.model_validate(fields)
    except ValidationError as exc:
        raise reading.refusal(exc, prefix=("header",)) from None


def from_bytes(raw: bytes, limits: MessageLimits = DEFAULT_LIMITS) -> ExchangeMessage:
    """Parse safely, validate against the XSD and read one exchange message.

    Raises :class:`~hub.errors.HostileInput` or :class:`~hub.errors.MalformedMessage`
    for bytes that are not safe, well-formed XML, then as :func:`from_element`.
    """
    return from_element(parse_xml(raw, limits).getroot())


def from_element(root: etree._Element) -> ExchangeMessage:
    """Validate and read the root element of a parsed exchange message.

    Raises :class:`~hub.errors.UnsupportedMessage` for another root or
    namespace, :class:`~hub.errors.SchemaInvalid` for a document the XSD
    refuses and :class:`~hub.errors.MalformedMessage` for one the model
    refuses; each names the line and the element path. A trailing
    ``ds:Signature`` is left unread.
    """
    kind = kind_of(root)
    _schemas().validate(etree.ElementTree(root))
    for last in root.iterchildren(etree.Element, reversed=True):
        # the schema admits any one xmldsig element here; only a Signature makes sense
        if last.tag != _SIGNATURE_TAG and last.tag.startswith(f"{{{SIGNATURE_NAMESPACE}}}"):
            raise SchemaInvalid("only a ds:Signature may end the message", where=where(last))
        break
    reading = _Reading(root)
    model, read_fields = _READERS[kind]
    fields = read_fields(reading, root)
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise reading.refusal(exc) from None


class _Reading:
    """Fields as read from one message, and the element each came from."""

    def __init__(self, root: etree._Element) -> None:
        self.places: dict[Loc, etree._Element] = {(): root}

    def token(self, parent: etree._Element, path: str, loc: Loc) -> str | None:
        """An ``xs:token`` value (whitespace collapsed), or None if absent."""
        element = self.element(parent, path, loc)
        return None if element is None else _collapse(_text(element))

    def prose(self, parent: etree._Element, path: str, loc: Loc) -> str | None:
        """An ``xs:string`` value, as written."""
        element = self.element(parent, path, loc)
        return None if element is None else _text(element)

    def attribute(self, parent: etree._Element, path: str, name: str, loc: Loc) -> str | None:
        element = self.element(parent, path, loc)
        value = None if element is None else element.get(name)
        return None if value is None else _collapse(value)

    def tokens(self, parent: etree._Element, path: str, loc: Loc) -> list[str]:
        values = []
        for index, element in enumerate(parent.iterfind(_q(path))):
            self.places[(*loc, index)] = element
            values.append(_collapse(_text(element)))
        return values

    def element(self, parent: etree._Element, path: str, loc: Loc) -> etree._Element | None:
        element = parent.find(_q(path))
        if element is not None:
            self.places[loc] = element
        return element

    def each(self, parent: etree._Element, path: str, loc: Loc) -> Iterable[etree._Element]:
        """The elements at ``path``, each recorded as ``loc + (index,)``."""
        for index, element in enumerate(parent.iterfind(_q(path))):
            self.places[(*loc, index)] = element
            yield element

    def refusal(self, exc: ValidationError, prefix: Loc = ()) -> MalformedMessage:
        """The model's first objection, placed at the deepest element it concerns."""
        error = exc.errors()[0]
        loc: Loc = (*prefix, *error["loc"])
        while loc not in self.places:
            loc = loc[:-1]
        message = str(error["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in (*prefix, *error["loc"]))
        if field:
            message = f"{field}: {message}"
        return MalformedMessage(message, where=where(self.places[loc]))


def _header(reading: _Reading, header: etree._Element) -> dict[str, Any]:
    loc: Loc = ("header",)
    reading.places[loc] = header
    return _present(
        message_id=reading.token(header, "MessageID", (*loc, "message_id")),
        sender=reading.token(header, "SenderID", (*loc, "sender")),
        receiver=reading.token(header, "ReceiverID", (*loc, "receiver")),
        created_at=reading.token(header, "CreationDateTime", (*loc, "created_at")),
        refers_to=reading.tokens(header, "ReferenceMessageID", (*loc, "refers_to")),
    )


def _read_pre_arrival(reading: _Reading, root: etree._Element) -> dict[str, Any]:
    token = reading.token
    items = []
    for index, item in enumerate(reading.each(root, "ConsignmentItem", ("items",))):
        at: Loc = ("items", index)
        items.append(
            _present(
                sequence=token(item, "SequenceNumeric", (*at, "sequence")),
                commodity_code=token(item, "Commodity/Classification/ID", (*at, "commodity_code")),
                description=token(item, "Commodity/Description", (*at, "description")),
                origin=token(item, "Origin/CountryCode", (*at, "origin")),
                gross_mass=token(
                    item, "Commodity/GoodsMeasure/GrossMassMeasure", (*at, "gross_mass")
                ),
            )
        )
    return _present(
        header=_header(reading, _child(root, "Header")),
        declaration_reference=token(root, "Declaration/ID", ("declaration_reference",)),
        procedure=token(root, "Declaration/TypeCode", ("procedure",)),
        means_id=token(root, "BorderTransportMeans/ID", ("means_id",)),
        means_type=token(root, "BorderTransportMeans/IdentificationTypeCode", ("means_type",)),
        departed_at=token(root, "BorderTransportMeans/DepartureDateTime", ("departed_at",)),
        departure_office=token(root, "DepartureOffice/ID", ("departure_office",)),
        destination_office=token(root, "DestinationOffice/ID", ("destination_office",)),
        consignor_name=token(root, "Consignor/Name", ("consignor_name",)),
        consignor_id=token(root, "Consignor/ID", ("consignor_id",)),
        consignee_name=token(root, "Consignee/Name", ("consignee_name",)),
        consignee_id=token(root, "Consignee/ID", ("consignee_id",)),
        gross_mass=token(root, "TotalGrossMassMeasure", ("gross_mass",)),
        containers=reading.tokens(root, "TransportEquipment/ID", ("containers",)),
        items=items,
    )


def _read_risk_warning(reading: _Reading, root: etree._Element) -> dict[str, Any]:
    token = reading.token
    profile = reading.element(root, "Profile", ("profile",))
    consignment = reading.element(root, "Consignment", ("consignment",))
    return _present(
        header=_header(reading, _child(root, "Header")),
        risk_area=token(root, "RiskAreaCode", ("risk_area",)),
        summary=reading.prose(root, "Description", ("summary",)),
        requested_action=token(root, "RequestedChannelCode", ("requested_action",)),
        profile=None if profile is None else _profile(reading, profile),
        consignment=None if consignment is None else _suspect(reading, consignment),
        valid_to=token(root, "ExpiryDate", ("valid_to",)),
        confidential=token(root, "ConfidentialIndicator", ("confidential",)),
    )


def _profile(reading: _Reading, profile: etree._Element) -> dict[str, Any]:
    at: Loc = ("profile",)
    return _present(
        title=reading.token(profile, "Title", (*at, "title")),
        risk_area=reading.token(profile, "RiskAreaCode", (*at, "risk_area")),
        hs_prefixes=reading.tokens(profile, "Classification/ID", (*at, "hs_prefixes")),
        origins=reading.tokens(profile, "Origin/CountryCode", (*at, "origins")),
        routes=reading.tokens(profile, "RoutingCountryCode", (*at, "routes")),
        parties=reading.tokens(profile, "Party/ID", (*at, "parties")),
        indicators=[
            _text(element) for element in reading.each(profile, "Indicator", (*at, "indicators"))
        ],
        valid_to=reading.token(profile, "ExpiryDate", (*at, "valid_to")),
    )


def _suspect(reading: _Reading, consignment: etree._Element) -> dict[str, Any]:
    at: Loc = ("consignment",)
    token = reading.token
    return _present(
        means_id=token(consignment, "BorderTransportMeans/ID", (*at, "means_id")),
        container=token(consignment, "TransportEquipment/ID", (*at, "container")),
        transport_document=token(
            consignment, "TransportContractDocument/ID", (*at, "transport_document")
        ),
        declaration_reference=token(consignment, "Declaration/ID", (*at, "declaration_reference")),
        party_id=token(consignment, "Party/ID", (*at, "party_id")),
        expected_arrival=token(consignment, "ArrivalDate", (*at, "expected_arrival")),
    )


def _read_risk_feedback(reading: _Reading, root: etree._Element) -> dict[str, Any]:
    token = reading.token
    return _present(
        header=_header(reading, _child(root, "Header")),
        outcome=token(root, "OutcomeCode", ("outcome",)),
        controls=token(root, "ControlQuantity", ("controls",)),
        hits=token(root, "HitQuantity", ("hits",)),
        declaration_reference=token(root, "Declaration/ID", ("declaration_reference",)),
        notes=reading.prose(root, "Remarks", ("notes",)),
    )


def _read_seizure_report(reading: _Reading, root: etree._Element) -> dict[str, Any]:
    token = reading.token
    return _present(
        header=_header(reading, _child(root, "Header")),
        seized_at=token(root, "SeizureDateTime", ("seized_at",)),
        office=token(root, "SeizureOffice/ID", ("office",)),
        declaration_reference=token(root, "Declaration/ID", ("declaration_reference",)),
        description=token(root, "Commodity/Description", ("description",)),
        commodity_code=token(root, "Commodity/Classification/ID", ("commodity_code",)),
        quantity=token(root, "Commodity/QuantityQuantity", ("quantity",)),
        unit=reading.attribute(root, "Commodity/QuantityQuantity", "unitCode", ("unit",)),
        value=token(root, "Commodity/ValueAmount", ("value",)),
        currency=reading.attribute(root, "Commodity/ValueAmount", "currencyID", ("currency",)),
        means_id=token(root, "BorderTransportMeans/ID", ("means_id",)),
    )


def _read_aeo_list(reading: _Reading, root: etree._Element) -> dict[str, Any]:
    token = reading.token
    entries = []
    for index, party in enumerate(reading.each(root, "AEOMutualRecognitionParty", ("entries",))):
        at: Loc = ("entries", index)
        entries.append(
            _present(
                operator=token(party, "ID", (*at, "operator")),
                name=token(party, "Name", (*at, "name")),
                type=token(party, "TypeCode", (*at, "type")),
                status=token(party, "StatusCode", (*at, "status")),
                valid_from=token(party, "EffectiveDate", (*at, "valid_from")),
                valid_to=token(party, "ExpiryDate", (*at, "valid_to")),
                issued_by=token(party, "IssuingCountryCode", (*at, "issued_by")),
                reference=token(party, "AuthorisationID", (*at, "reference")),
            )
        )
    return _present(
        header=_header(reading, _child(root, "Header")),
        scope=token(root, "ScopeCode", ("scope",)),
        as_of=token(root, "AsOfDate", ("as_of",)),
        since=token(root, "SinceDate", ("since",)),
        entries=entries,
    )


_Model = type[PreArrival] | type[RiskWarning] | type[RiskFeedback] | type[SeizureReport]
_READERS: dict[
    MessageKind,
    tuple[_Model | type[AeoList], Callable[[_Reading, etree._Element], dict[str, Any]]],
] = {
    MessageKind.PRE_ARRIVAL: (PreArrival, _read_pre_arrival),
    MessageKind.RISK_WARNING: (RiskWarning, _read_risk_warning),
    MessageKind.RISK_FEEDBACK: (RiskFeedback, _read_risk_feedback),
    MessageKind.SEIZURE_REPORT: (SeizureReport, _read_seizure_report),
    MessageKind.AEO_LIST: (AeoList, _read_aeo_list),
}


# ---------------------------------------------------------------- writing


def to_bytes(message: ExchangeMessage) -> bytes:
    """The unsigned document: UTF-8 with an XML declaration."""
    return etree.tostring(
        to_element(message), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def to_element(message: ExchangeMessage) -> etree._Element:
    """The unsigned document's root element, children in the schema's order.

    Raises ``ValueError`` for the one model state the XML cannot carry: a
    seizure report with a currency but no value (``ValueAmount@currencyID``).
    """
    root = etree.Element(_q(ROOT_NAMES[message.kind]), nsmap={None: NAMESPACE})  # type: ignore[dict-item]  # lxml-stubs lag lxml
    _write_header(root, message.header)
    if isinstance(message, PreArrival):
        _write_pre_arrival(root, message)
    elif isinstance(message, RiskWarning):
        _write_risk_warning(root, message)
    elif isinstance(message, RiskFeedback):
        _write_risk_feedback(root, message)
    elif isinstance(message, SeizureReport):
        _write_seizure_report(root, message)
    else:
        _write_aeo_list(root, message)
    return root


def _write_header(root: etree._Element, header: Header) -> None:
    element = _add(root, "Header")
    _add(element, "MessageID", header.message_id)
    _add(element, "SenderID", header.sender)
    _add(element, "ReceiverID", header.receiver)
    _add(element, "CreationDateTime", header.created_at)
    for reference in header.refers_to:
        _add(element, "ReferenceMessageID", reference)


def _write_pre_arrival(root: etree._Element, message: PreArrival) -> None:
    _add_path(root, "Declaration", ID=message.declaration_reference, TypeCode=message.procedure)
    means = _add(root, "BorderTransportMeans")
    _add(means, "ID", message.means_id)
    _opt(means, "IdentificationTypeCode", message.means_type)
    _add(means, "DepartureDateTime", message.departed_at)
    _add_path(root, "DepartureOffice", ID=message.departure_office)
    if message.destination_office is not None:
        _add_path(root, "DestinationOffice", ID=message.destination_office)
    _add_path(root, "Consignor", Name=message.consignor_name, ID=message.consignor_id)
    _add_path(root, "Consignee", Name=message.consignee_name, ID=message.consignee_id)
    _add(root, "TotalGrossMassMeasure", message.gross_mass).set("unitCode", "KGM")
    for container in message.containers:
        _add_path(root, "TransportEquipment", ID=container)
    for item in message.items:
        element = _add(root, "ConsignmentItem")
        _add(element, "SequenceNumeric", item.sequence)
        commodity = _add(element, "Commodity")
        _opt(commodity, "Description", item.description)
        _add_path(commodity, "Classification", ID=item.commodity_code)
        if item.gross_mass is not None:
            measure = _add(commodity, "GoodsMeasure")
            _add(measure, "GrossMassMeasure", item.gross_mass).set("unitCode", "KGM")
        if item.origin is not None:
            _add_path(element, "Origin", CountryCode=item.origin)


def _write_risk_warning(root: etree._Element, message: RiskWarning) -> None:
    _add(root, "RiskAreaCode", message.risk_area)
    _add(root, "Description", message.summary)
    _add(root, "RequestedChannelCode", message.requested_action.value)
    if message.profile is not None:
        _write_profile(_add(root, "Profile"), message.profile)
    if message.consignment is not None:
        _write_suspect(_add(root, "Consignment"), message.consignment)
    _opt(root, "ExpiryDate", message.valid_to)
    _add(root, "ConfidentialIndicator", message.confidential)


def _write_profile(element: etree._Element, profile: WarnedProfile) -> None:
    _add(element, "Title", profile.title)
    _opt(element, "RiskAreaCode", profile.risk_area)
    for prefix in profile.hs_prefixes:
        _add_path(element, "Classification", ID=prefix)
    for origin in profile.origins:
        _add_path(element, "Origin", CountryCode=origin)
    for route in profile.routes:
        _add(element, "RoutingCountryCode", route)
    for party in profile.parties:
        _add_path(element, "Party", ID=party)
    for indicator in profile.indicators:
        _add(element, "Indicator", indicator)
    _opt(element, "ExpiryDate", profile.valid_to)


def _write_suspect(element: etree._Element, consignment: SuspectConsignment) -> None:
    for name, value in (
        ("BorderTransportMeans", consignment.means_id),
        ("TransportEquipment", consignment.container),
        ("TransportContractDocument", consignment.transport_document),
        ("Declaration", consignment.declaration_reference),
        ("Party", consignment.party_id),
    ):
        if value is not None:
            _add_path(element, name, ID=value)
    _opt(element, "ArrivalDate", consignment.expected_arrival)


def _write_risk_feedback(root: etree._Element, message: RiskFeedback) -> None:
    _add(root, "OutcomeCode", message.outcome.value)
    _add(root, "ControlQuantity", message.controls)
    _add(root, "HitQuantity", message.hits)
    if message.declaration_reference is not None:
        _add_path(root, "Declaration", ID=message.declaration_reference)
    _opt(root, "Remarks", message.notes)


def _write_seizure_report(root: etree._Element, message: SeizureReport) -> None:
    if message.currency is not None and message.value is None:
        raise ValueError("a seizure report's currency cannot be written without its value")
    _add(root, "SeizureDateTime", message.seized_at)
    _add_path(root, "SeizureOffice", ID=message.office)
    if message.declaration_reference is not None:
        _add_path(root, "Declaration", ID=message.declaration_reference)
    commodity = _add(root, "Commodity")
    _add(commodity, "Description", message.description)
    if message.commodity_code is not None:
        _add_path(commodity, "Classification", ID=message.commodity_code)
    _add(commodity, "QuantityQuantity", message.quantity).set("unitCode", message.unit)
    if message.value is not None:
        amount = _add(commodity, "ValueAmount", message.value)
        if message.currency is not None:
            amount.set("currencyID", message.currency)
    if message.means_id is not None:
        _add_path(root, "BorderTransportMeans", ID=message.means_id)


def _write_aeo_list(root: etree._Element, message: AeoList) -> None:
    _add(root, "ScopeCode", message.scope)
    _add(root, "AsOfDate", message.as_of)
    _opt(root, "SinceDate", message.since)
    for entry in message.entries:
        party = _add(root, "AEOMutualRecognitionParty")
        _add(party, "ID", entry.operator)
        _add(party, "Name", entry.name)
        _add(party, "TypeCode", entry.type.value)
        _add(party, "StatusCode", entry.status.value)
        _add(party, "EffectiveDate", entry.valid_from)
        _opt(party, "ExpiryDate", entry.valid_to)
        _add(party, "IssuingCountryCode", entry.issued_by)
        _opt(party, "AuthorisationID", entry.reference)


# ---------------------------------------------------------------- helpers

_Value = str | int | bool | Decimal | date | datetime | None


def _add(parent: etree._Element, name: str, value: _Value = None, /) -> etree._Element:
    """Append ``<name>`` with ``value`` as its text, if any."""
    element = etree.SubElement(parent, _q(name))
    if value is not None:
        element.text = _lexical(value)
    return element


def _opt(parent: etree._Element, name: str, value: _Value, /) -> None:
    """Append ``<name>value</name>`` unless the value is absent."""
    if value is not None:
        _add(parent, name, value)


def _add_path(parent: etree._Element, name: str, **children: str | None) -> etree._Element:
    """Append ``<name>`` with one child per present value: ``Consignor/Name``, ``.../ID``."""
    element = _add(parent, name)
    for child, value in children.items():
        _opt(element, child, value)
    return element


def _lexical(value: str | int | bool | Decimal | date | datetime) -> str:
    """The XSD lexical form: ``true``, ``18250.5`` (never ``1.8E+4``), ISO 8601."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value)


def _q(path: str) -> str:
    """``Consignor/Name`` in the exchange namespace, for ``find``."""
    return "/".join(f"{{{NAMESPACE}}}{name}" for name in path.split("/"))


def _child(parent: etree._Element, name: str) -> etree._Element:
    element = parent.find(_q(name))
    if element is None:  # the schema has required it already
        raise SchemaInvalid(f"no {name}", where=where(parent))
    return element


def _text(element: etree._Element) -> str:
    """The element's own text, comments and processing instructions left out."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def _collapse(text: str) -> str:
    """Whitespace as ``xs:token`` reads it: runs become one space, ends trimmed."""
    return _XML_SPACE.sub(" ", text).strip(" ")


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that were in the message; absent ones take the model's default."""
    return {name: value for name, value in fields.items() if value is not None}
