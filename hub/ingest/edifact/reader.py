"""UN/EDIFACT declarations and cargo reports read into canonical declarations.

The hub reads CUSDEC and CUSCAR of UN directories D.96B to D.03B: the range
customs administrations built their EDIFACT services on before moving to
the WCO Data Model. Anything else (CUSREP, CUSRES, a later directory such as
D.05A) is refused with ``UnsupportedMessage`` naming the UNH segment, rather
than read with the wrong segment tables.

Identity: ``message_hash`` is the sha256 of the bytes as received. An
interchange of one message gets ``declaration_id(message_hash)``, like every
other format; when an interchange carries several messages, the n-th gets
the id of the hash of ``"<interchange hash>/<n>"``, so each is distinct and
reading the same bytes again still gives the same ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hub.errors import UnsupportedMessage
from hub.ingest._build import build_declaration
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest.edifact import cuscar, cusdec
from hub.ingest.edifact._segments import Fields
from hub.ingest.edifact.syntax import Interchange, Message, parse_interchange
from hub.ingest.limits import DEFAULT_LIMITS, MessageLimits, check_size
from hub.model import Declaration, SourceFormat

__all__ = ["SUPPORTED", "read", "read_interchange", "supports"]

SUPPORTED = "CUSDEC or CUSCAR, version D, release 96B to 03B, agency UN"

_MAPPERS: dict[str, tuple[Callable[[Message], Fields], SourceFormat]] = {
    "CUSDEC": (cusdec.declaration_fields, SourceFormat.EDIFACT_CUSDEC),
    "CUSCAR": (cuscar.declaration_fields, SourceFormat.EDIFACT_CUSCAR),
}
_RELEASE = re.compile(r"^(\d{2})([A-Z])$")
_FIRST, _LAST = (1996, "B"), (2003, "B")


def supports(message: Message) -> bool:
    """Whether the hub reads this message type and directory."""
    if message.type not in _MAPPERS or message.version != "D" or message.agency != "UN":
        return False
    release = _RELEASE.match(message.release)
    if release is None:
        return False
    two_digits = int(release[1])
    year = (1900 if two_digits >= 90 else 2000) + two_digits
    return _FIRST <= (year, release[2]) <= _LAST


def read(data: bytes, *, limits: MessageLimits = DEFAULT_LIMITS) -> Declaration:
    """Read an interchange holding exactly one CUSDEC or CUSCAR message.

    Raises ``UnsupportedMessage`` when it holds none, several, or another
    message type or directory; see :func:`read_interchange` for several.
    """
    interchange, digest = _parse(data, limits)
    messages = interchange.messages
    if len(messages) != 1:
        where = messages[1].header.where if messages else interchange.trailer.where
        raise UnsupportedMessage(
            f"the interchange holds {len(messages)} messages; one declaration is read"
            " from an interchange of exactly one message",
            where=where,
            expected="one message (read_interchange reads several)",
        )
    return _declaration(interchange, messages[0], digest, declaration_id(digest))


def read_interchange(data: bytes, *, limits: MessageLimits = DEFAULT_LIMITS) -> list[Declaration]:
    """Read every message of an interchange; each must be a supported CUSDEC or CUSCAR."""
    interchange, digest = _parse(data, limits)
    messages = interchange.messages
    if len(messages) == 1:
        return [_declaration(interchange, messages[0], digest, declaration_id(digest))]
    return [
        _declaration(
            interchange, message, digest, declaration_id(message_hash(f"{digest}/{n}".encode()))
        )
        for n, message in enumerate(messages, start=1)
    ]


def _parse(data: bytes, limits: MessageLimits) -> tuple[Interchange, str]:
    check_size(data, limits)
    interchange = parse_interchange(data, max_segments=limits.max_segments)
    for message in interchange.messages:
        if not supports(message):
            raise UnsupportedMessage(
                f"{message.identifier} is not a message the hub reads",
                where=message.header.where,
                expected=SUPPORTED,
            )
    return interchange, message_hash(data)


def _declaration(
    interchange: Interchange, message: Message, digest: str, identity: str
) -> Declaration:
    mapper, source_format = _MAPPERS[message.type]
    fields = mapper(message)
    fields.update(
        id=identity,
        source_format=source_format,
        message_hash=digest,
        submitter=interchange.sender,
        message_id=f"{interchange.control_reference}/{message.reference}",
    )
    return build_declaration(fields, where=message.header.where)
