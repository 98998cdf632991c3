"""Distinct declarations made from one sample message, for the demo's history.

The demo fills the hub with a few hundred declarations over the last days,
and each must be a message a trader could have sent that day: the hub reads
it through its normal ingest, and nothing in the store gives it away as a
copy. :func:`copy_of` therefore changes what a real trader's next message
changes, in the XML itself:

- the functional reference (DE 2/5, the trader's own, unique per
  transaction) and the message's own ``ID`` get a serial number;
- every date and time (ISO 8601, or the WCO's format codes 102 and 304) is
  moved by the whole days between the message's first date and ``day``, so
  issue, arrival and acceptance keep their order and their times of day;
- every mass (``...MassMeasure``, ``...WeightMeasure``) is scaled by one
  factor a few per cent either way, so totals still match their items.

XML only: the samples and the corpus declarations the demo uses are XML.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from random import Random

from lxml import etree

__all__ = ["copy_of"]

_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$", re.S)
_COMPACT = re.compile(r"^(\d{8})(\d{6})?(.*)$", re.S)  # WCO format codes 102, 304
_MASS = ("MassMeasure", "WeightMeasure")
_REFERENCE_MAX = 35  # an..35, as the WCO data model gives DE 2/5


def copy_of(raw: bytes, *, serial: int, day: date, rng: Random, spread: float = 0.08) -> bytes:
    """``raw`` as another message sent on ``day``: see the module docstring.

    ``serial`` makes the references unique among the copies; ``rng`` draws
    the mass factor within ``1 ± spread``.
    """
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    root = etree.fromstring(raw.lstrip(b"\xef\xbb\xbf"), parser)
    declaration = _declaration(root)
    tag = f"-{serial:05d}"
    for element in declaration:
        if not isinstance(element.tag, str):  # a comment
            continue
        name = _local(element)
        if name in ("FunctionalReferenceID", "ID") and element.text and element.text.strip():
            text = element.text.strip()
            element.text = text[: _REFERENCE_MAX - len(tag)] + tag
    dates = [e for e in root.iter() if isinstance(e.tag, str) and _is_date(e)]
    first = next((d for e in dates if (d := _date_of(e.text or "")) is not None), None)
    if first is not None:
        shift = timedelta(days=(day - first).days)
        for element in dates:
            element.text = _shifted(element.text or "", shift)
    factor = Decimal(str(round(1 + rng.uniform(-spread, spread), 4)))
    for element in root.iter():
        if isinstance(element.tag, str) and _local(element).endswith(_MASS):
            element.text = _scaled(element.text or "", factor)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


def _declaration(root: etree._Element) -> etree._Element:
    """The ``Declaration`` element: the root, or inside the WCO's ``MetaData`` wrapper."""
    if _local(root) == "Declaration":
        return root
    return next((e for e in root if isinstance(e.tag, str) and _local(e) == "Declaration"), root)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _is_date(element: etree._Element) -> bool:
    name = _local(element)
    return (name.endswith(("DateTime", "DateTimeString", "Date")) and len(element) == 0) and bool(
        element.text and element.text.strip()
    )


def _date_of(text: str) -> date | None:
    text = text.strip()
    if match := _ISO.match(text):
        return date.fromisoformat(match.group(1))
    if match := _COMPACT.match(text):
        try:
            return datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            return None
    return None


def _shifted(text: str, shift: timedelta) -> str:
    stripped = text.strip()
    if match := _ISO.match(stripped):
        moved = date.fromisoformat(match.group(1)) + shift
        return moved.isoformat() + match.group(2)
    if (match := _COMPACT.match(stripped)) and _date_of(stripped) is not None:
        moved = datetime.strptime(match.group(1), "%Y%m%d").date() + shift
        return moved.strftime("%Y%m%d") + (match.group(2) or "") + match.group(3)
    return text


def _scaled(text: str, factor: Decimal) -> str:
    try:
        mass = Decimal(text.strip())
    except InvalidOperation:
        return text
    exponent = mass.as_tuple().exponent
    places = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    return str((mass * factor).quantize(places, rounding=ROUND_HALF_UP))
