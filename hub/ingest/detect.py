"""Which wire format a message is in, and which reader takes it.

Detection looks at the first bytes only: UN/EDIFACT interchanges begin with
``UNA`` or ``UNB``; XML begins with ``<`` (after an optional byte order mark
and white space). An XML message is then dispatched on its root element, so
a message is parsed exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from lxml import etree

from hub.errors import UnsupportedMessage
from hub.ingest import cargo_report, edifact, ics_ens, wco_dms
from hub.ingest._fingerprint import message_hash
from hub.ingest._xml import parse_xml
from hub.ingest.limits import DEFAULT_LIMITS, MessageLimits, check_size
from hub.ingest.schemas import SchemaSet
from hub.model import Declaration, missing_for_assessment

__all__ = ["Reading", "WireFormat", "detect", "read", "read_with_warnings"]

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class WireFormat(StrEnum):
    XML = "xml"
    EDIFACT = "edifact"


@dataclass(frozen=True)
class Reading:
    """A declaration with what ``hub check`` should warn about."""

    declaration: Declaration
    warnings: tuple[str, ...] = field(default=())


_TreeReader = Callable[..., Declaration]


def _xml_readers() -> dict[str, tuple[_TreeReader, bool]]:
    """Root tag -> (reader, whether the reader validates against the hub's own schemas).

    The hub's own cargo report is always validated, by its reader; the other
    formats are validated when the administration configures their schemas.
    """
    readers: dict[str, tuple[_TreeReader, bool]] = {}
    for tag in wco_dms.ROOT_TAGS:
        readers[tag] = (wco_dms.read_tree, False)
    for tag in ics_ens.ROOT_TAGS:
        readers[tag] = (ics_ens.read_tree, False)
    readers[cargo_report.ROOT_TAG] = (cargo_report.read_tree, True)
    return readers


_XML_READERS = _xml_readers()


def detect(data: bytes) -> WireFormat:
    """Tell XML from UN/EDIFACT by the first meaningful bytes."""
    head = data[:64]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.lstrip()
    if head.startswith((b"UNA", b"UNB")):
        return WireFormat.EDIFACT
    if head.startswith(b"<"):
        return WireFormat.XML
    if not data.strip():
        raise UnsupportedMessage("the message is empty", where="byte 0")
    raise UnsupportedMessage(
        f"neither XML nor UN/EDIFACT: starts with {data[:16]!r}",
        where="byte 0",
        expected="'<' (XML) or 'UNA'/'UNB' (UN/EDIFACT)",
    )


def read_with_warnings(
    data: bytes, *, schemas: SchemaSet | None = None, limits: MessageLimits = DEFAULT_LIMITS
) -> Reading:
    """Read any supported message; warn about what an assessment will lack.

    ``schemas`` is the administration's own XSD set: a message whose root
    namespace it covers is validated against it. The hub's own messages are
    always validated against ``message_schemas/``.
    """
    check_size(data, limits)
    if detect(data) is WireFormat.EDIFACT:
        declaration = edifact.read(data, limits=limits)
        return Reading(declaration, missing_for_assessment(declaration))
    tree = parse_xml(data, limits)
    root = tree.getroot()
    reader = _XML_READERS.get(root.tag)
    if reader is None:
        raise UnsupportedMessage(
            f"unknown root element {root.tag}",
            where=f"line {root.sourceline}, /{etree.QName(root).localname}",
            expected="a WCO DEC-DMS MetaData/Declaration, an ICS CC315A or a hub CargoReport",
        )
    read_tree, validates_itself = reader
    warnings: list[str] = []
    namespace = etree.QName(root).namespace or ""
    if schemas is not None and not validates_itself:
        if schemas.covers(namespace):
            schemas.validate(tree)
        else:
            warnings.append(f"not validated: no schema for namespace {namespace!r}")
    declaration = read_tree(tree, digest=message_hash(data))
    return Reading(declaration, (*warnings, *missing_for_assessment(declaration)))


def read(
    data: bytes, *, schemas: SchemaSet | None = None, limits: MessageLimits = DEFAULT_LIMITS
) -> Declaration:
    """Read any supported message into the canonical declaration, or raise ``IngestError``."""
    return read_with_warnings(data, schemas=schemas, limits=limits).declaration
