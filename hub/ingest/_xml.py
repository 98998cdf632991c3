"""Parsing XML that may be hostile, with errors that name the place at fault.

Every XML reader in ``hub.ingest`` goes through :func:`parse_xml`. It refuses a
document type declaration outright (no DTD means no entity expansion, no
billion laughs and no external entities), never touches the network, enforces a
size limit before any parsing work, and relies on libxml2's own nesting limit
(256 levels without ``XML_PARSE_HUGE``), which stops a deep document while it
is being read rather than after.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from hub.errors import HostileInput, MalformedMessage
from hub.ingest.limits import DEFAULT_LIMITS, MessageLimits, check_size

__all__ = ["element_path", "line_of", "parse_xml", "where"]

_local = threading.local()
_TRAILING_POSITION = re.compile(r",? line \d+, column \d+$")


def _parser() -> etree.XMLParser:
    # lxml parsers keep state and must not be shared between threads.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def line_of(data: bytes, offset: int) -> int:
    """The 1-based line number of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1


def element_path(element: etree._Element) -> str:
    """``/MetaData/Declaration/GoodsShipment``: local names, readable by a trader."""
    names = []
    node: etree._Element | None = element
    while node is not None:
        names.append(etree.QName(node).localname)
        node = node.getparent()
    return "/" + "/".join(reversed(names))


def where(element: etree._Element) -> str:
    """The place of ``element`` as errors name it: line and element path."""
    return f"line {element.sourceline}, {element_path(element)}"


def parse_xml(data: bytes, limits: MessageLimits = DEFAULT_LIMITS) -> etree._ElementTree:
    """Parse ``data`` safely or raise :class:`HostileInput` / :class:`MalformedMessage`."""
    check_size(data, limits)
    doctype_at = data.find(b"<!DOCTYPE")
    if doctype_at != -1:
        raise HostileInput(
            "a document type declaration is not accepted (no DTDs or entities)",
            where=f"line {line_of(data, doctype_at)}",
        )
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        text = _TRAILING_POSITION.sub("", exc.msg or "") or "not well-formed XML"
        where = f"line {line}, column {column}"
        if "depth" in text.lower():
            raise HostileInput(f"nesting too deep: {text}", where=where) from None
        raise MalformedMessage(text, where=where) from None
    except ValueError as exc:  # e.g. an XML declaration lxml cannot honour
        raise MalformedMessage(str(exc), where="line 1") from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        # Reached only for encodings the byte search above cannot see (UTF-16, ...).
        raise HostileInput(
            "a document type declaration is not accepted (no DTDs or entities)", where="line 1"
        )
    return tree
