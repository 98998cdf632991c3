"""One EDIFACT segment read into one piece of the canonical declaration.

CUSDEC and CUSCAR share their segments (BGM, DTM, LOC, NAD, TDT, MEA, MOA,
RFF, FTX, CNT, EQD, SEL, DOC, PAC) and code lists, so the qualifier tables
live here, once: they are the place that says which code means what. A code
that is not in a table leaves its field empty; the hub never guesses.

Where a table follows a national usage rather than the UN code list, the
comment says so (the corpus holds Australian ICS messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from hub.errors import MalformedMessage
from hub.ingest._dates import parse_un_datetime
from hub.ingest.edifact._tokenizer import Segment
from hub.model import DeclarationFunction, PartyRole, TransportMode

__all__ = [
    "COUNT_FIELDS",
    "GOODS_LOCATIONS",
    "ORIGIN_COUNTRY",
    "PARTY_ROLES",
    "TRANSPORT_DOCUMENTS",
    "TRANSPORT_PLACES",
    "Fields",
    "ItemDraft",
    "TransportDraft",
    "commodity_code",
    "count_total",
    "country",
    "datetime_of",
    "decimal_of",
    "document",
    "free_text",
    "function_of",
    "integer_of",
    "mass",
    "money",
    "party",
    "transport_means",
]

Fields = dict[str, Any]

# UNCL 3035 party function code qualifier. 'DE' is Depositor, not declarant.
PARTY_ROLES = {
    "CN": PartyRole.CONSIGNEE,
    "CZ": PartyRole.CONSIGNOR,
    "EX": PartyRole.EXPORTER,
    "IM": PartyRole.IMPORTER,
    "DT": PartyRole.DECLARANT,
    "AE": PartyRole.REPRESENTATIVE,  # declarant's agent/representative
    "AG": PartyRole.REPRESENTATIVE,  # agent/representative
    "CA": PartyRole.CARRIER,
    "BY": PartyRole.BUYER,
    "SE": PartyRole.SELLER,
    "NI": PartyRole.NOTIFY_PARTY,
    "N1": PartyRole.NOTIFY_PARTY,
}

# UNCL 3227 location function code qualifier -> Transport field.
TRANSPORT_PLACES = {
    "9": "loading_place",  # place/port of loading
    "11": "unloading_place",  # place/port of discharge
    "12": "unloading_place",  # port of discharge
    "22": "office_of_declaration",  # customs office of clearance
    "42": "office_of_exit",  # customs office of exit
    "45": "office_of_destination",  # customs office of destination (transit)
}
TRANSPORT_COUNTRIES = {
    "28": "destination_country",  # country of destination
    "35": "dispatch_country",  # exportation country: where the goods left, not their origin
}
ORIGIN_COUNTRY = "27"
GOODS_LOCATIONS = frozenset({"4", "14", "18"})  # goods receipt place, storage location, warehouse

# UNCL 1153 reference qualifiers naming a transport document.
TRANSPORT_DOCUMENTS = frozenset({"AAM", "AWB", "BH", "BM", "MB"})

# UNCL 6069 control qualifier -> Totals field.
COUNT_FIELDS = {"2": "item_count", "5": "item_count", "7": "gross_mass", "11": "package_count"}

# UNCL 6313 measured attribute: gross and net weights.
_GROSS = frozenset({"AAB", "AAD", "AAE"})
_NET = frozenset({"AAA", "AAC", "AAF", "AAL"})
# Australian ICS puts its own codes in 6311 and leaves 6313 empty: WT is the
# gross weight, ABW the invoiced quantity (unit of measure of the quantity).
_AU_GROSS, _AU_QUANTITY = "WT", "ABW"
_KILOGRAMS = {"KGM": Decimal(1), "KG": Decimal(1), "TNE": Decimal(1000), "GRM": Decimal("0.001")}

# UNCL 1225 message function.
_FUNCTIONS = {
    "9": DeclarationFunction.ORIGINAL,
    "1": DeclarationFunction.CANCELLATION,
    "4": DeclarationFunction.AMENDMENT,  # change
    "5": DeclarationFunction.AMENDMENT,  # replace
}

_NUMBER = re.compile(r"^-?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EU_DOCUMENT = re.compile(r"^[A-Z][0-9A-Z]{3}$")  # category letter + type, e.g. N853


def decimal_of(segment: Segment, raw: str) -> Decimal:
    """An EDIFACT number (decimal mark ``.`` or ``,``), or ``MalformedMessage``."""
    value = raw.strip()
    if not _NUMBER.match(value):
        raise MalformedMessage(f"{raw!r} is not a number", where=segment.where)
    return Decimal(value.replace(",", "."))


def integer_of(segment: Segment, raw: str) -> int:
    """A count (packages, items), or ``MalformedMessage`` if it is not a whole number."""
    value = raw.strip()
    if not value.isdigit():
        raise MalformedMessage(f"{raw!r} is not a whole number", where=segment.where)
    return int(value)


def datetime_of(segment: Segment) -> tuple[str | None, datetime | None]:
    """A DTM's qualifier and moment; ``None`` for a format that is not a date (e.g. 401)."""
    qualifier, value, layout = segment.get(0, 0), segment.get(0, 1), segment.get(0, 2)
    if value is None:
        return qualifier, None
    try:
        return qualifier, parse_un_datetime(value, layout)
    except ValueError:
        raise MalformedMessage(
            f"DTM {qualifier} value {value!r} does not fit format {layout or '102'}",
            where=segment.where,
        ) from None


def function_of(code: str | None) -> DeclarationFunction | None:
    """The hub's reading of a BGM message function code (1225)."""
    return _FUNCTIONS.get(code or "")


def country(segment: Segment) -> str | None:
    """A LOC's location as an ISO country code, or ``None`` if it is not one."""
    value = segment.get(1, 0)
    return value if value and _COUNTRY.match(value) else None


def free_text(segment: Segment) -> str | None:
    """An FTX's text (C108), its lines joined by spaces."""
    lines = [line.strip() for line in segment.components(3) if line.strip()]
    return " ".join(lines) or None


def party(segment: Segment) -> Fields | None:
    """A NAD as party fields, or ``None`` when its qualifier names no hub role."""
    role = PARTY_ROLES.get(segment.get(0) or "")
    if role is None:
        return None
    name = " ".join(part.strip() for part in segment.components(3) if part.strip()) or None
    unstructured = [line.strip() for line in segment.components(2) if line.strip()]
    line = " ".join(part.strip() for part in segment.components(4) if part.strip()) or None
    if name is None and unstructured:
        name, unstructured = unstructured[0], unstructured[1:]
    if line is None and unstructured:
        line = ", ".join(unstructured)
    address = {
        "line": line,
        "city": segment.get(5),
        "postcode": segment.get(7),
        "country": segment.get(8),
    }
    fields: Fields = {"role": role, "id": segment.get(1, 0), "name": name}
    if any(address.values()):
        fields["address"] = {key: value for key, value in address.items() if value}
    return fields


def transport_means(segment: Segment) -> tuple[TransportMode | None, Fields]:
    """A TDT's mode (C220, Rec. 19) and means; the means is ``{}`` if nothing names it.

    The mode is not derived from the type of means (C228): national usage
    fills it with codes of its own (Australian ICS writes 11 and 6 there).
    """
    mode = TransportMode.from_code(segment.get(2, 0))
    means: Fields = {
        "id": segment.get(7, 0),
        "name": segment.get(7, 3),
        "nationality": segment.get(7, 4),
        "journey_id": segment.get(1),
    }
    means = {key: value for key, value in means.items() if value is not None}
    if means and mode is not None:
        means["mode"] = mode
    return mode, means


def mass(segment: Segment) -> tuple[str, Decimal | Fields] | None:
    """A MEA as ``("gross_mass" | "net_mass", kilograms)`` or ``("quantity", fields)``."""
    purpose, attribute = segment.get(0), segment.get(1, 0)
    unit, raw = segment.get(2, 0), segment.get(2, 1)
    if raw is None:
        return None
    if attribute is None and purpose == _AU_QUANTITY:
        return "quantity", {"value": decimal_of(segment, raw), "unit": unit}
    if attribute in _GROSS or (attribute is None and purpose == _AU_GROSS):
        kind = "gross_mass"
    elif attribute in _NET:
        kind = "net_mass"
    else:
        return None
    factor = _KILOGRAMS.get((unit or "").upper())
    if factor is None:
        return None
    return kind, decimal_of(segment, raw) * factor


def money(segment: Segment) -> tuple[str, Fields] | None:
    """A MOA as ``(qualifier, {"amount", "currency"})``; ``None`` without an amount."""
    qualifier, raw = segment.get(0, 0), segment.get(0, 1)
    if qualifier is None or raw is None:
        return None
    return qualifier, {"amount": decimal_of(segment, raw), "currency": segment.get(0, 2)}


def count_total(segment: Segment) -> tuple[str, int | Decimal] | None:
    """A CNT as ``(Totals field, value)``; a gross weight without a unit is not read."""
    name = COUNT_FIELDS.get(segment.get(0, 0) or "")
    raw = segment.get(0, 1)
    if name is None or raw is None:
        return None
    if name != "gross_mass":
        return name, integer_of(segment, raw)
    factor = _KILOGRAMS.get((segment.get(0, 2) or "").upper())
    return None if factor is None else (name, decimal_of(segment, raw) * factor)


def commodity_code(raw: str | None) -> str | None:
    """A tariff number with its dots and spaces removed, if it is one."""
    if raw is None:
        return None
    code = re.sub(r"[\s.\-]", "", raw)
    return code if code.isdigit() else None


def document(segment: Segment) -> Fields:
    """A DOC as an additional document; EU codes such as N853 split into category and type."""
    code = segment.get(0, 0)
    fields: Fields = {"id": segment.get(1, 0), "name": segment.get(0, 3)}
    if code and _EU_DOCUMENT.match(code):
        fields.update(category=code[0], type_code=code[1:])
    else:
        fields["type_code"] = code
    return {key: value for key, value in fields.items() if value is not None}


@dataclass
class TransportDraft:
    """Transport fields as they are found; the first value for a field wins."""

    fields: Fields = field(default_factory=dict)
    containers: list[Fields] = field(default_factory=list)
    seals: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)

    def set(self, name: str, value: Any) -> None:
        if value is not None:
            self.fields.setdefault(name, value)

    def location(self, segment: Segment) -> None:
        """Apply a header or consignment LOC."""
        qualifier = segment.get(0) or ""
        if qualifier in TRANSPORT_PLACES:
            self.set(TRANSPORT_PLACES[qualifier], segment.get(1, 0))
        elif qualifier in TRANSPORT_COUNTRIES:
            self.set(TRANSPORT_COUNTRIES[qualifier], country(segment))
        elif qualifier in GOODS_LOCATIONS and segment.get(1, 0):
            self.set("goods_location", {"id": segment.get(1, 0)})

    def build(self) -> Fields:
        built = dict(self.fields)
        if self.containers:
            built["containers"] = self.containers
        if self.seals:
            built["seals"] = self.seals
        if self.documents:
            built["transport_documents"] = list(dict.fromkeys(self.documents))
        return built


@dataclass
class ItemDraft:
    """One goods item's fields as they are found in its segments."""

    sequence: int
    fields: Fields = field(default_factory=dict)
    classifications: list[Fields] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    documents: list[Fields] = field(default_factory=list)
    packaging: list[Fields] = field(default_factory=list)
    parties: list[Fields] = field(default_factory=list)

    def classify(self, raw: str | None, scheme: str | None) -> None:
        code = commodity_code(raw)
        if code is None:
            return
        self.classifications.append({"code": code, "type_code": scheme})
        self.fields.setdefault("commodity_code", code)

    def measure(self, segment: Segment) -> None:
        measured = mass(segment)
        if measured is not None:
            self.fields.setdefault(*measured)

    def build(self) -> Fields:
        built: Fields = {"sequence": self.sequence, **self.fields}
        if self.descriptions:
            built["description"] = " ".join(self.descriptions)
        for name in ("classifications", "documents", "packaging", "parties"):
            values = getattr(self, name)
            if values:
                built[name] = values
        return built
