"""EU ICS1 entry summary declarations (IE315) and their amendments (IE313).

A carrier lodges an entry summary (ENS) before goods enter the EU; it is the
EU's pre-arrival cargo report, so it is read as a ``PRE_ARRIVAL`` declaration.
IE313 amends a lodged ENS: the same segments, with the MRN instead of the
trader's reference and the amendment place and time instead of the
declaration's. Elements are unqualified and flat (``HEAHEA``, ``TRACONCO1``,
``GOOITEGDS`` ...), so the reader picks children by name.

Schema validation is optional (an administration configures the DG TAXUD XSDs
or not), so this reader never trusts a value it converts: a number, mass or
date that does not read is a :class:`~hub.errors.MalformedMessage` naming line
and element. Values that do read are kept exactly as sent, however odd (the
published samples carry TIN ``GB^`` and country ``EN``): correcting them would
be inventing them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from lxml import etree

from hub.errors import MalformedMessage, UnsupportedMessage
from hub.ingest._build import build_declaration
from hub.ingest._dates import parse_un_datetime
from hub.ingest._fingerprint import declaration_id, message_hash
from hub.ingest._plain import Node, element_of, group, groups, leaf, plain, text
from hub.ingest._xml import parse_xml, where
from hub.ingest.schemas import SchemaSet
from hub.model import (
    Declaration,
    DeclarationFunction,
    DeclarationKind,
    PartyRole,
    SourceFormat,
    TransportMode,
)

__all__ = ["IE313_NAMESPACE", "IE315_NAMESPACE", "ROOT_TAGS", "read", "read_tree"]

IE315_NAMESPACE = "http://ics.dgtaxud.ec/CC315A"
IE313_NAMESPACE = "http://ics.dgtaxud.ec/CC313A"
_IE315 = f"{{{IE315_NAMESPACE}}}CC315A"
_IE313 = f"{{{IE313_NAMESPACE}}}CC313A"
ROOT_TAGS = frozenset({_IE315, _IE313})


class _PartySegment(NamedTuple):
    """Where one ICS party segment keeps each part of a party."""

    segment: str
    role: PartyRole
    name: str
    street: str
    postcode: str
    city: str
    country: str
    tin: str


# fmt: off
_HEADER_PARTIES = (
    _PartySegment(
        "TRACONCO1", PartyRole.CONSIGNOR,
        "NamCO17", "StrAndNumCO122", "PosCodCO123", "CitCO124", "CouCO125", "TINCO159",
    ),
    _PartySegment(
        "TRACONCE1", PartyRole.CONSIGNEE,
        "NamCE17", "StrAndNumCE122", "PosCodCE123", "CitCE124", "CouCE125", "TINCE159",
    ),
    _PartySegment(
        "NOTPAR670", PartyRole.NOTIFY_PARTY,
        "NamNOTPAR672", "StrNumNOTPAR673", "PosCodNOTPAR676", "CitNOTPAR674",
        "CouCodNOTPAR675", "TINNOTPAR671",
    ),
    _PartySegment(
        "TRAREP", PartyRole.REPRESENTATIVE,
        "NamTRE1", "StrAndNumTRE1", "PosCodTRE1", "CitTRE1", "CouCodTRE1", "TINTRE1",
    ),
    _PartySegment(
        "PERLODSUMDEC", PartyRole.DECLARANT,
        "NamPLD1", "StrAndNumPLD1", "PosCodPLD1", "CitPLD1", "CouCodPLD1", "TINPLD1",
    ),
    _PartySegment(
        "TRACARENT601", PartyRole.CARRIER,
        "NamTRACARENT604", "StrNumTRACARENT607", "PstCodTRACARENT606", "CtyTRACARENT603",
        "CouCodTRACARENT605", "TINTRACARENT602",
    ),
)
_ITEM_PARTIES = (
    _PartySegment(
        "TRACONCO2", PartyRole.CONSIGNOR,
        "NamCO27", "StrAndNumCO222", "PosCodCO223", "CitCO224", "CouCO225", "TINCO259",
    ),
    _PartySegment(
        "TRACONCE2", PartyRole.CONSIGNEE,
        "NamCE27", "StrAndNumCE222", "PosCodCE223", "CitCE224", "CouCE225", "TINCE259",
    ),
    _PartySegment(
        "PRTNOT640", PartyRole.NOTIFY_PARTY,
        "NamPRTNOT642", "StrNumPRTNOT646", "PstCodPRTNOT644", "CtyPRTNOT643",
        "CouCodGINOT647", "TINPRTNOT641",
    ),
)
# fmt: on
_COMMODITY_CODE = re.compile(r"^[0-9A-Z]+$")
_ICS_DATETIME = "203"  # CCYYMMDDHHMM, ICS DateTimeType


def read(data: bytes, *, schemas: SchemaSet | None = None) -> Declaration:
    """Parse one IE315 or IE313 as received, validate it when ``schemas`` covers it, map it.

    Without a schema set (or one that lacks the ICS namespace) the message is
    read unvalidated; conversion errors still name the place at fault.
    """
    tree = parse_xml(data)
    _check_root(tree.getroot())
    namespace = etree.QName(tree.getroot()).namespace or ""
    if schemas is not None and schemas.covers(namespace):
        schemas.validate(tree)
    return read_tree(tree, digest=message_hash(data))


def read_tree(tree: etree._ElementTree, *, digest: str) -> Declaration:
    """Map a parsed (and, if configured, validated) IE315 or IE313.

    ``digest`` is the sha256 of the bytes as received; it names the declaration.
    """
    root = tree.getroot()
    _check_root(root)
    amendment = root.tag == _IE313
    message = plain(root)
    header = group(message, "HEAHEA")
    items = groups(message, "GOOITEGDS")
    # Converted in document order, so that without a schema the first fault
    # reported is the first in the message.
    issued_at = _datetime(header, "DatTimAmeHEA113" if amendment else "DecDatTimHEA114")
    totals = {
        "item_count": _int(header, "TotNumOfIteHEA305"),
        "package_count": _int(header, "TotNumOfPacHEA306"),
        "gross_mass": _decimal(header, "TotGroMasHEA307"),
    }
    goods_items = [_goods_item(item) for item in items]
    fields: dict[str, Any] = {
        "id": declaration_id(digest),
        "source_format": SourceFormat.ICS_IE315,
        "message_hash": digest,
        "functional_reference": text(header, "DocNumHEA5" if amendment else "RefNumHEA4"),
        "type_code": text(message, "MesTypMES20") or etree.QName(root).localname,
        "kind": DeclarationKind.PRE_ARRIVAL,
        "function": DeclarationFunction.AMENDMENT if amendment else DeclarationFunction.ORIGINAL,
        "submitter": text(group(message, "PERLODSUMDEC"), "TINPLD1"),
        "issued_at": issued_at,
        "message_id": text(message, "MesIdeMES19"),
        "specific_circumstances": text(header, "SpeCirIndHEA1"),
        "parties": _parties(message, _HEADER_PARTIES),
        "transport": _transport(message, header, items),
        "goods_items": goods_items,
        "totals": totals,
    }
    return build_declaration(fields, where=where(root))


def _check_root(root: etree._Element) -> None:
    if root.tag not in ROOT_TAGS:
        raise UnsupportedMessage(
            f"root element {root.tag!r} is not an ICS entry summary (IE315) or amendment (IE313)",
            where=f"line {root.sourceline}",
            expected=" or ".join(sorted(ROOT_TAGS)),
        )


def _transport(message: Node, header: Node | None, items: list[Node]) -> dict[str, Any]:
    mode = TransportMode.from_code(text(header, "TraModAtBorHEA76"))
    means_id = text(header, "IdeOfMeaOfTraCroHEA85")
    nationality = text(header, "NatOfMeaOfTraCroHEA87")
    journey = text(header, "ConRefNumHEA")
    border_means = None
    if means_id or nationality or journey:
        border_means = {
            "id": means_id,
            "nationality": nationality,
            "mode": mode,
            "journey_id": journey,
        }
    # The commercial reference number is the ENS's transport document number
    # (bill of lading, air waybill), at header level or per item.
    documents = [text(header, "ComRefNumHEA")]
    documents += [text(item, "ComRefNumGIM1") for item in items]
    containers = [text(c, "ConNumNR21") for item in items for c in groups(item, "CONNR2")]
    first_entry = group(message, "CUSOFFFENT730")
    return {
        "mode": mode,
        "border_means": border_means,
        "containers": [{"id": number} for number in _distinct(containers)],
        "seals": _distinct(text(seal, "SeaIdSEAID530") for seal in groups(message, "SEAID529")),
        "transport_documents": _distinct(documents),
        "office_of_declaration": text(group(message, "CUSOFFLON"), "RefNumCOL1"),
        "office_of_entry": text(first_entry, "RefNumCUSOFFFENT731"),
        "loading_place": text(header, "PlaLoaGOOITE334"),
        "unloading_place": text(header, "PlaUnlGOOITE334"),
        "expected_arrival": _datetime(first_entry, "ExpDatOfArrFIRENT733"),
    }


def _goods_item(item: Node) -> dict[str, Any]:
    number = _int(item, "IteNumGDS7")
    if number is None:
        raise MalformedMessage(
            "a goods item has no item number", where=where(element_of(item)), expected="IteNumGDS7"
        )
    commodity = group(item, "COMCODGODITM")
    code = text(commodity, "ComNomCMD1")
    if code is not None and not _COMMODITY_CODE.match(code):
        raise _unreadable(commodity, "ComNomCMD1", code, "digits and capital letters")
    return {
        "sequence": number,
        "commodity_code": code,
        "classifications": [{"code": code}] if code else [],
        "description": text(item, "GooDesGDS23"),
        "gross_mass": _decimal(item, "GroMasGDS46"),
        "dangerous_goods_code": text(item, "UNDanGooCodGDI1"),
        "documents": [
            {"type_code": text(doc, "DocTypDC21"), "id": text(doc, "DocRefDC23")}
            for doc in groups(item, "PRODOCDC2")
        ],
        "packaging": [
            {
                "type_code": text(package, "KinOfPacGS23"),
                # Unpacked goods (kinds NE, NF, NG) are counted in pieces instead.
                "quantity": _int(package, "NumOfPacGS24") or _int(package, "NumOfPieGS25"),
                "marks": text(package, "MarNumOfPacGSL21"),
            }
            for package in groups(item, "PACGS2")
        ],
        "additional_information": [
            statement
            for mention in groups(item, "SPEMENMT2")
            if (statement := text(mention, "AddInfCodMT23"))
        ],
        "parties": _parties(item, _ITEM_PARTIES),
    }


def _parties(node: Node, segments: tuple[_PartySegment, ...]) -> list[dict[str, Any]]:
    found = []
    for fields in segments:
        party = group(node, fields.segment)
        if party is None:
            continue
        address = {
            "line": text(party, fields.street),
            "city": text(party, fields.city),
            "postcode": text(party, fields.postcode),
            "country": text(party, fields.country),
        }
        found.append(
            {
                "role": fields.role,
                "id": text(party, fields.tin),
                "name": text(party, fields.name),
                "address": address if any(address.values()) else None,
            }
        )
    return found


def _distinct(values: Iterable[str | None]) -> list[str]:
    """Non-empty values in first-seen order, each once."""
    return list(dict.fromkeys(value for value in values if value))


def _int(node: Node | None, name: str) -> int | None:
    value = text(node, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise _unreadable(node, name, value, "digits")
    return int(value)


def _decimal(node: Node | None, name: str) -> Decimal | None:
    value = text(node, name)
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _unreadable(node, name, value, "a decimal number such as 1234.5")
    return number


def _datetime(node: Node | None, name: str) -> datetime | None:
    value = text(node, name)
    if value is None:
        return None
    try:
        if len(value) != 12 or not value.isdigit():
            raise ValueError(value)
        return parse_un_datetime(value, _ICS_DATETIME)
    except ValueError:
        raise _unreadable(node, name, value, "CCYYMMDDHHMM") from None


def _unreadable(node: Node | None, name: str, value: str, expected: str) -> MalformedMessage:
    found = leaf(node, name)
    return MalformedMessage(
        f"{name} {value!r} cannot be read",
        where=where(found) if found is not None else name,
        expected=expected,
    )
