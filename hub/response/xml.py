"""The trader-facing decision response as the hub's WCO-aligned XML, both ways.

``write_response`` produces a document valid against
``message_schemas/response/hub_decision_response.xsd``, which holds exactly
what :class:`~hub.model.CustomsResponse` holds: nothing a trader may not know
can be written because the type has no room for it. ``read_response`` is its
inverse (a partner hub's answer, a trader's tooling, the tests): it parses
safely, always validates, and gives back an equal ``CustomsResponse``.

Text is written and read exactly, white space included, so that what the hub
said is what the trader reads. Date-times must carry a zone; an offset that
``xs:dateTime`` cannot express (seconds, or beyond ±14:00) is written in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import etree

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest._xml import parse_xml, where
from hub.ingest.own_schemas import own_schema_set
from hub.model import Channel, CustomsResponse, ResponseError, ResponseStatus

__all__ = ["NAMESPACE", "ROOT_TAG", "read_response", "write_response"]

NAMESPACE = "urn:hub:message:DecisionResponse:1"
ROOT_TAG = f"{{{NAMESPACE}}}Response"

_NS = {"r": NAMESPACE}
_Q = f"{{{NAMESPACE}}}"
_MAX_OFFSET = timedelta(hours=14)


def write_response(response: CustomsResponse) -> bytes:
    """Serialise ``response`` as a UTF-8 XML document with an XML declaration.

    Raises ``ValueError`` for a date-time without a zone or for text XML 1.0
    cannot carry (control characters other than tab, line feed and carriage
    return).
    """
    root = etree.Element(ROOT_TAG, nsmap={None: NAMESPACE})  # type: ignore[dict-item]  # lxml-stubs lag lxml
    _add(root, "FunctionCode", response.status.value)
    _add(root, "FunctionalReferenceID", response.message_id)
    _add(root, "IssueDateTime", _format_datetime(response.issued_at))
    _add(etree.SubElement(root, _Q + "Sender"), "ID", response.sender)
    if response.receiver is not None:
        _add(etree.SubElement(root, _Q + "Receiver"), "ID", response.receiver)
    for error in response.errors:
        element = etree.SubElement(root, _Q + "Error")
        _add(element, "Description", error.description)
        _add(element, "ValidationCode", error.code)
        if error.pointer is not None:
            _add(etree.SubElement(element, _Q + "Pointer"), "Location", error.pointer)
    _write_control(root, response)
    if response.functional_reference is not None or response.declaration_id is not None:
        declaration = etree.SubElement(root, _Q + "Declaration")
        if response.functional_reference is not None:
            _add(declaration, "FunctionalReferenceID", response.functional_reference)
        if response.declaration_id is not None:
            _add(declaration, "ID", response.declaration_id)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def read_response(data: bytes) -> CustomsResponse:
    """Parse, validate and map a decision response.

    Raises the ingest errors of :func:`~hub.ingest._xml.parse_xml`,
    :class:`~hub.errors.UnsupportedMessage` for another root element and
    :class:`~hub.errors.SchemaInvalid` naming the line.
    """
    tree = parse_xml(data)
    root = tree.getroot()
    if root.tag != ROOT_TAG:
        raise UnsupportedMessage(
            f"root element {root.tag!r} is not a hub decision response",
            where=f"line {root.sourceline}",
            expected=ROOT_TAG,
        )
    own_schema_set().validate(tree)
    control = root.find("r:Control", _NS)
    examination = control.find("r:Examination", _NS) if control is not None else None
    channel = _text(control, "r:ChannelCode") if control is not None else None
    return CustomsResponse(
        message_id=_text(root, "r:FunctionalReferenceID") or "",
        issued_at=_required_datetime(root, "r:IssueDateTime"),
        sender=_text(root, "r:Sender/r:ID") or "",
        receiver=_text(root, "r:Receiver/r:ID"),
        declaration_id=_text(root, "r:Declaration/r:ID"),
        functional_reference=_text(root, "r:Declaration/r:FunctionalReferenceID"),
        status=ResponseStatus(_token(root, "r:FunctionCode")),
        channel=Channel(channel.strip()) if channel is not None else None,
        post_clearance_audit=(
            _token(control, "r:PostClearanceAuditIndicator") in ("true", "1")
            if control is not None
            else False
        ),
        examination_place=(
            _text(examination, "r:LocationName") if examination is not None else None
        ),
        examination_time=(
            _datetime(examination.find("r:DateTime", _NS)) if examination is not None else None
        ),
        errors=tuple(
            ResponseError(
                code=_text(error, "r:ValidationCode") or "",
                description=_text(error, "r:Description") or "",
                pointer=_text(error, "r:Pointer/r:Location"),
            )
            for error in root.iterfind("r:Error", _NS)
        ),
    )


def _write_control(root: etree._Element, response: CustomsResponse) -> None:
    place, time = response.examination_place, response.examination_time
    facts = (response.channel, place, time)
    if not response.post_clearance_audit and all(fact is None for fact in facts):
        return  # absent Control: no channel, no audit, no examination
    control = etree.SubElement(root, _Q + "Control")
    if response.channel is not None:
        _add(control, "ChannelCode", response.channel.value)
    _add(
        control, "PostClearanceAuditIndicator", "true" if response.post_clearance_audit else "false"
    )
    if place is not None or time is not None:
        examination = etree.SubElement(control, _Q + "Examination")
        if place is not None:
            _add(examination, "LocationName", place)
        if time is not None:
            _add(examination, "DateTime", _format_datetime(time))


def _add(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, _Q + name).text = text


def _format_datetime(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; a response must say which")
    if offset % timedelta(minutes=1) or abs(offset) > _MAX_OFFSET:
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def _text(element: etree._Element, path: str) -> str | None:
    """The exact text at ``path``: ``""`` for an empty element, ``None`` when absent."""
    found = element.find(path, _NS)
    if found is None:
        return None
    return found.text or ""


def _token(element: etree._Element, path: str) -> str:
    return (_text(element, path) or "").strip()


def _required_datetime(element: etree._Element, path: str) -> datetime:
    moment = _datetime(element.find(path, _NS))
    if moment is None:  # the schema requires it; kept for the type checker
        raise MalformedMessage("a date-time is missing", where=path)
    return moment


def _datetime(found: etree._Element | None) -> datetime | None:
    if found is None:
        return None
    text = (found.text or "").strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        # xs:dateTime admits a few forms Python does not, such as 24:00:00.
        raise MalformedMessage(
            f"{text!r} is not a date-time the hub can read",
            where=where(found),
            expected="YYYY-MM-DDThh:mm:ss with a zone, hours 00 to 23",
        ) from None
