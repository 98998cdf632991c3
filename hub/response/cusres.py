"""The trader's answer as UN/EDIFACT CUSRES (customs response), written and read back.

A declarant who sent a CUSDEC gets a CUSRES: one interchange, one message,
built only from segments of the D.99B CUSRES table (UNH, BGM, DTM, GIS, NAD,
RFF, ERP, ERC, FTX, UNT). :func:`read_cusres` reads the hub's own responses
and partners' ones through the same syntax layer as the declaration readers.

What goes where, and why:

- ``BGM``: document name 963 *error response (Customs)* for a rejection,
  962 *document response (Customs)* otherwise; the response's ``message_id``
  as document number; message function 11 *response*; response type
  ``RE`` (rejected) or ``AP`` (accepted).
- ``DTM+137``: when the response was issued, in UTC (format 204, seconds;
  a naive time is taken as UTC, microseconds are not written).
- ``GIS``: status, channel and the blue (post-clearance audit) flag, each a
  three-letter code of the hub's code lists ``STA`` and ``CHN`` under agency
  ``ZZZ`` (mutually defined). D.99B has no code list for control channels,
  and a GIS processing indicator is exactly "a code for how this is
  processed"; 4343 alone could only say accepted or rejected.
- ``NAD+MS`` / ``NAD+MR``: who issued the response and for whom;
  ``NAD+EE`` (*location of goods for customs examination*) the examination
  place, as name lines of 35 characters.
- ``DTM+ZZZ``: the examination time. No D.99B date qualifier means
  "examination", so it is mutually defined, like the GIS codes.
- ``RFF+AAE`` (*goods declaration number*): the hub's declaration id;
  ``RFF+ABO`` (*originator's reference*): the trader's LRN, as Australian
  Customs echoes it in its CUSRES.
- errors, one segment group 4 each: ``ERP`` with the segment position
  (C853) when the pointer is ``"segment 7, GIS"``, else the pointer as
  message item identifier (C701); ``ERC`` the error code; ``FTX+AAO`` the
  description in 512-character lines.

Every value is escaped with the release character. Empty strings are written
as absent, and D.99B length limits are not enforced (the hub's own codes fit).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest.edifact import datetime_of
from hub.ingest.edifact.syntax import (
    CHARSETS,
    LEVEL_A,
    Element,
    Message,
    Segment,
    Separators,
    format_segment,
    parse_interchange,
)
from hub.model.response import Channel, CustomsResponse, ResponseError, ResponseStatus

__all__ = ["read_cusres", "write_cusres"]

STATUS_CODES = {
    ResponseStatus.ACCEPTED: "ACC",
    ResponseStatus.REJECTED: "REJ",
    ResponseStatus.RELEASED: "REL",
    ResponseStatus.UNDER_CONTROL: "CTL",
    ResponseStatus.HELD: "HLD",
}
CHANNEL_CODES = {
    Channel.GREEN: "GRN",
    Channel.YELLOW: "YEL",
    Channel.ORANGE: "ORA",
    Channel.RED: "RED",
}
BLUE = "BLU"
STATUS_LIST, CHANNEL_LIST, AGENCY = "STA", "CHN", "ZZZ"
EXAMINATION = "ZZZ"  # DTM qualifier, mutually defined: examination time
_STATUSES = {code: status for status, code in STATUS_CODES.items()}
_CHANNELS = {code: channel for channel, code in CHANNEL_CODES.items()}
_RESPONSE_TYPES = {"AP": ResponseStatus.ACCEPTED, "RE": ResponseStatus.REJECTED}
_POSITION = re.compile(r"^segment ([1-9]\d{0,9}), ([A-Z0-9]{3})$")
_DIRECTORY = re.compile(r"^D\.?(\d{2}[A-Z])$")
_SYNTAX = re.compile(r"^(UNO[A-Z]):(\d)$")
_ISO_8859_C1 = re.compile("[\x80-\x9f]")


def write_cusres(
    response: CustomsResponse,
    *,
    directory: str = "D99B",
    syntax: str = "UNOC:3",
    sender: str | None = None,
    receiver: str | None = None,
    control_reference: str | None = None,
    separators: Separators = LEVEL_A,
    una: bool = True,
) -> bytes:
    """A complete interchange (UNA, UNB .. UNZ) carrying ``response`` as one CUSRES.

    ``sender`` and ``receiver`` are the interchange partners (UNB); they
    default to the response's own sender and receiver. ``control_reference``
    defaults to 14 hex digits of the hash of ``message_id``, so writing the
    same response twice gives the same bytes. Raises ``ValueError`` for a
    directory or syntax the writer does not know, a missing receiver, or
    text the declared character set cannot carry.
    """
    release = _release(directory)
    identifier, version = _syntax(syntax)
    unb_sender, unb_receiver = sender or response.sender, receiver or response.receiver
    if not unb_sender or not unb_receiver:
        raise ValueError("a CUSRES needs a sender and a receiver for its UNB")
    reference = control_reference or _control_reference(response.message_id)
    issued = _utc(response.issued_at)
    date = issued.strftime("%Y%m%d" if version >= 4 else "%y%m%d")

    def segment(tag: str, *elements: Element) -> str:
        return format_segment(tag, *elements, separators=separators)

    body = [segment("UNH", "1", ["CUSRES", "D", release, "UN"])]
    body.extend(segment(tag, *elements) for tag, elements in _message(response))
    body.append(segment("UNT", str(len(body) + 1), "1"))
    text = "".join(
        [
            separators.una if una else "",
            segment(
                "UNB",
                [identifier, str(version)],
                unb_sender,
                unb_receiver,
                [date, issued.strftime("%H%M")],
                reference,
            ),
            *body,
            segment("UNZ", "1", reference),
        ]
    )
    return _encode(text, identifier)


def read_cusres(data: bytes) -> CustomsResponse:
    """Read an interchange of exactly one CUSRES into the trader-facing response.

    Any UN directory is read: the segments used here have not changed.
    Raises ``IngestError`` for broken syntax or envelopes,
    ``UnsupportedMessage`` for anything but one CUSRES, and
    ``MalformedMessage`` when no status can be told.
    """
    interchange = parse_interchange(data)
    messages = interchange.messages
    if len(messages) != 1:
        where = messages[1].header.where if messages else interchange.trailer.where
        raise UnsupportedMessage(
            f"the interchange holds {len(messages)} messages, a response is one CUSRES",
            where=where,
            expected="one CUSRES message",
        )
    message = messages[0]
    if (message.type, message.version, message.agency) != ("CUSRES", "D", "UN"):
        raise UnsupportedMessage(
            f"{message.identifier} is not a customs response",
            where=message.header.where,
            expected="CUSRES, version D, agency UN",
        )
    fields = _Fields(message)
    issued_at = fields.issued_at or interchange.prepared_at
    if issued_at is None:
        raise MalformedMessage("no issue time: neither DTM+137 nor UNB", where=fields.bgm_where)
    return CustomsResponse(
        message_id=fields.message_id or f"{interchange.control_reference}/{message.reference}",
        issued_at=issued_at,
        sender=fields.sender or interchange.sender,
        receiver=fields.receiver or interchange.recipient,
        declaration_id=fields.declaration_id,
        functional_reference=fields.functional_reference,
        status=fields.status(),
        channel=fields.channel,
        post_clearance_audit=fields.blue,
        examination_place=fields.examination_place,
        examination_time=fields.examination_time,
        errors=tuple(fields.errors),
    )


Segments = Iterable[tuple[str, tuple[Element, ...]]]


def _message(response: CustomsResponse) -> Segments:
    rejected = response.status is ResponseStatus.REJECTED
    document = "963" if rejected else "962"  # error response / document response (Customs)
    yield "BGM", (document, response.message_id or None, "11", "RE" if rejected else "AP")
    yield "DTM", (["137", _stamp(response.issued_at), "204"],)
    if response.examination_time is not None:
        yield "DTM", ([EXAMINATION, _stamp(response.examination_time), "204"],)
    yield "GIS", ([STATUS_CODES[response.status], STATUS_LIST, AGENCY],)
    if response.channel is not None:
        yield "GIS", ([CHANNEL_CODES[response.channel], CHANNEL_LIST, AGENCY],)
    if response.post_clearance_audit:
        yield "GIS", ([BLUE, CHANNEL_LIST, AGENCY],)
    yield "NAD", ("MS", [response.sender])
    if response.receiver:
        yield "NAD", ("MR", [response.receiver])
    if response.examination_place:
        yield "NAD", ("EE", None, None, _lines(response.examination_place, 35))
    if response.declaration_id:
        yield "RFF", (["AAE", response.declaration_id],)
    if response.functional_reference:
        yield "RFF", (["ABO", response.functional_reference],)
    for error in response.errors:
        yield from _error(error)


def _error(error: ResponseError) -> Segments:
    position = _POSITION.match(error.pointer or "")
    if position is not None:
        yield "ERP", (None, [position[2], position[1]])
    elif error.pointer:
        yield "ERP", (["5", error.pointer],)  # 1049 code 5: multiple sections
    else:
        yield "ERP", ("5",)
    if error.code:
        yield "ERC", ([error.code],)
    lines = _lines(error.description, 512)
    for start in range(0, len(lines), 5):  # C108 holds five lines
        yield "FTX", ("AAO", None, None, lines[start : start + 5])


class _Fields:
    """What one CUSRES message says, read segment by segment."""

    def __init__(self, message: Message) -> None:
        self.bgm_where = message.header.where
        self.message_id: str | None = None
        self.response_type: str | None = None
        self.issued_at: datetime | None = None
        self.examination_time: datetime | None = None
        self.gis: dict[str, list[str]] = {}
        self.parties: dict[str, str] = {}
        self.references: dict[str, str] = {}
        self._errors: list[dict[str, str | None]] = []
        in_error = False
        for segment in message.body:
            if segment.tag == "ERP":
                self._open_error(segment)
                in_error = True
            elif in_error and segment.tag in ("ERC", "FTX", "RFF"):
                self._error_detail(segment)
            else:
                in_error = False
                self._header(segment)

    def _header(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "BGM":
            self.bgm_where = segment.where
            self.message_id = segment.get(1, 0)
            self.response_type = segment.get(3)
        elif tag == "DTM":
            qualifier, moment = datetime_of(segment)
            if qualifier == "137":
                self.issued_at = self.issued_at or moment
            elif qualifier == EXAMINATION:
                self.examination_time = self.examination_time or moment
        elif tag == "GIS" and segment.get(0, 0):
            self.gis.setdefault(segment.get(0, 1) or "", []).append(segment.get(0, 0) or "")
        elif tag == "NAD" and segment.get(0):
            qualifier = segment.get(0) or ""
            value = "".join(segment.components(3)) or segment.get(1, 0)
            if value:
                self.parties.setdefault(qualifier, value)
        elif tag == "RFF" and segment.get(0, 0) and segment.get(0, 1):
            self.references.setdefault(segment.get(0, 0) or "", segment.get(0, 1) or "")

    def _open_error(self, segment: Segment) -> None:
        tag, number = segment.get(1, 0), segment.get(1, 1)
        pointer = f"segment {number}, {tag}" if tag and number else segment.get(0, 1)
        self._errors.append({"code": None, "description": "", "pointer": pointer})

    def _error_detail(self, segment: Segment) -> None:
        error = self._errors[-1]
        if segment.tag == "ERC":
            error["code"] = error["code"] or segment.get(0, 0)
        elif segment.tag == "FTX" and segment.get(0) == "AAO":
            error["description"] = (error["description"] or "") + "".join(segment.components(3))

    @property
    def errors(self) -> list[ResponseError]:
        return [
            ResponseError(
                code=error["code"] or "",
                description=error["description"] or "",
                pointer=error["pointer"],
            )
            for error in self._errors
        ]

    def status(self) -> ResponseStatus:
        for code in self.gis.get(STATUS_LIST, []):
            if code in _STATUSES:
                return _STATUSES[code]
        status = _RESPONSE_TYPES.get(self.response_type or "")
        if status is None:
            raise MalformedMessage(
                "no response status: neither GIS code list STA nor BGM response type AP or RE",
                where=self.bgm_where,
            )
        return status

    @property
    def channel(self) -> Channel | None:
        codes = self.gis.get(CHANNEL_LIST, [])
        return next((_CHANNELS[code] for code in codes if code in _CHANNELS), None)

    @property
    def blue(self) -> bool:
        return BLUE in self.gis.get(CHANNEL_LIST, [])

    @property
    def sender(self) -> str | None:
        return self.parties.get("MS")

    @property
    def receiver(self) -> str | None:
        return self.parties.get("MR")

    @property
    def examination_place(self) -> str | None:
        return self.parties.get("EE")

    @property
    def declaration_id(self) -> str | None:
        return self.references.get("AAE")

    @property
    def functional_reference(self) -> str | None:
        return self.references.get("ABO")


def _lines(text: str, width: int) -> list[str]:
    return [text[start : start + width] for start in range(0, len(text), width)]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    return _utc(moment).strftime("%Y%m%d%H%M%S")


def _control_reference(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:14].upper()


def _release(directory: str) -> str:
    match = _DIRECTORY.match(directory.upper())
    if match is None:
        raise ValueError(f"directory {directory!r} is not a UN directory such as D99B")
    return match[1]


def _syntax(syntax: str) -> tuple[str, int]:
    match = _SYNTAX.match(syntax)
    if match is None or match[1] not in CHARSETS:
        raise ValueError(f"syntax {syntax!r} is not one of {', '.join(CHARSETS)} with a version")
    return match[1], int(match[2])


def _encode(text: str, identifier: str) -> bytes:
    codec = CHARSETS[identifier]
    try:
        data = text.encode(codec)
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start]
        raise ValueError(
            f"{char!r} cannot be written in {identifier} ({codec}); use UNOW or UNOY"
        ) from None
    c1 = _ISO_8859_C1.search(text) if codec.startswith(("latin", "iso8859")) else None
    if c1 is not None:
        raise ValueError(f"{c1.group()!r} is not a character of {identifier} ({codec})")
    return data
