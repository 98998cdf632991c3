"""UN/EDIFACT CUSDEC (customs declaration, D.96B to D.03B) read into a Declaration.

The message has three sections: the header up to ``UNS+D`` (declaration-wide
data: BGM, LOC, DTM, RFF, TDT, NAD, MOA, EQD, SEL, DOC), the detail section
up to ``UNS+S`` where each ``CST`` opens one customs goods item (segment group
30 of D.99B) and the summary (CNT). The reader walks the segments once and
keeps the section and the current goods item as its only state, so that it
reads every directory of the range alike even where group numbers differ.

National usage read here, as seen in the corpus (Australian ICS exports):
``CST+1+I::95`` names the item but carries no tariff number, which comes in
``RFF+HS:03026200``; ``MEA+WT`` is the gross weight and ``MEA+ABW`` the
invoiced quantity; ``RFF+EP`` is a permit. The UN forms (a tariff number in
the CST, ``MEA+AAE+AAB``) are read as well. Segments the hub does not use
(GIS, TOD, TAX, GIR, ...) are skipped, never refused.
"""

from __future__ import annotations

from hub.ingest.edifact._segments import (
    ORIGIN_COUNTRY,
    TRANSPORT_DOCUMENTS,
    Fields,
    ItemDraft,
    TransportDraft,
    count_total,
    country,
    datetime_of,
    document,
    free_text,
    function_of,
    integer_of,
    money,
    party,
    transport_means,
)
from hub.ingest.edifact._tokenizer import Segment
from hub.ingest.edifact.syntax import Message
from hub.model import DeclarationKind

__all__ = ["declaration_fields", "kind_of"]

# UNCL 1001 document name codes of customs declarations.
_KINDS = {
    "830": DeclarationKind.EXPORT,  # goods declaration for exportation
    "929": DeclarationKind.IMPORT,  # goods declaration for importation
    "930": DeclarationKind.IMPORT,  # goods declaration for home use
    "950": DeclarationKind.TRANSIT,  # goods declaration for customs transit
    "952": DeclarationKind.TRANSIT,  # TIR carnet
}
_TRANSIT_NAMES = frozenset({"T1", "T2", "T2F", "TIR"})
_DOCUMENT_REFERENCES = frozenset({"EP"})  # Australian ICS: permit number
_HS = "HS"  # Australian ICS: RFF qualifier and PIA item type for an HS code


def kind_of(document_code: str | None, document_name: str | None) -> DeclarationKind | None:
    """The declaration kind from BGM: its type name (EXD, IM, T1) first, then its code."""
    name = (document_name or "").upper()
    if name.startswith("EX"):
        return DeclarationKind.EXPORT
    if name.startswith("IM"):
        return DeclarationKind.IMPORT
    if name in _TRANSIT_NAMES:
        return DeclarationKind.TRANSIT
    return _KINDS.get(document_code or "")


def declaration_fields(message: Message) -> Fields:
    """The declaration-level fields of a CUSDEC message, goods items included.

    The caller adds what comes from outside the message: identity, hash,
    source format, submitter and message id.
    """
    reader = _Reader()
    for segment in message.body:
        reader.read(segment)
    return reader.result()


class _Reader:
    def __init__(self) -> None:
        self.section = "header"
        self.head: Fields = {}
        self.parties: list[Fields] = []
        self.documents: list[Fields] = []
        self.totals: Fields = {}
        self.transport = TransportDraft()
        self.origin: str | None = None
        self.items: list[ItemDraft] = []
        self.item: ItemDraft | None = None
        self.package_count = 0

    def read(self, segment: Segment) -> None:
        if segment.tag == "UNS":
            self.section = "detail" if segment.get(0) == "D" else "summary"
            self.item = None
        elif self.section == "header":
            self.header(segment)
        elif self.section == "detail":
            self.detail(segment)
        elif segment.tag == "CNT":
            self.count(segment)

    def header(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "BGM":
            code, name = segment.get(0, 0), segment.get(0, 3)
            self.head.update(
                type_code=name or code,
                kind=kind_of(code, name),
                functional_reference=segment.get(1, 0),
                function_code=segment.get(2),
                function=function_of(segment.get(2)),
            )
        elif tag == "DTM":
            qualifier, moment = datetime_of(segment)
            if qualifier == "137" and moment is not None:
                self.head.setdefault("issued_at", moment)
        elif tag == "LOC":
            if segment.get(0) == ORIGIN_COUNTRY:
                self.origin = self.origin or country(segment)
            self.transport.location(segment)
        elif tag == "RFF" and segment.get(0, 0) in TRANSPORT_DOCUMENTS:
            self.transport.documents.append(segment.get(0, 1) or "")
        elif tag == "PAC" and segment.get(0) is not None:
            self.package_count += integer_of(segment, segment.get(0) or "")
        elif tag == "TDT":
            self.means(segment)
        elif tag == "NAD":
            found = party(segment)
            if found is not None:
                self.parties.append(found)
        elif tag == "MOA":
            found_money = money(segment)
            if found_money is not None and found_money[0] == "39":
                self.totals.setdefault("invoice_amount", found_money[1])
        elif tag == "EQD" and segment.get(0) == "CN" and segment.get(1, 0):
            self.transport.containers.append({"id": segment.get(1, 0)})
        elif tag == "SEL" and segment.get(0):
            self.transport.seals.append(segment.get(0) or "")
        elif tag == "DOC":
            self.documents.append(document(segment))

    def means(self, segment: Segment) -> None:
        mode, means = transport_means(segment)
        stage = segment.get(0)
        if stage in (None, "20", "11"):  # main carriage, or at the border
            self.transport.set("mode", mode)
            if means:
                self.transport.set("border_means", means)
        elif stage in ("10", "30"):  # pre- or on-carriage: inland
            self.transport.set("inland_mode", mode)

    def detail(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "CST":
            self.open_item(segment)
            return
        item = self.item
        if item is None:  # commercial lines (DMS, LIN groups) before the first CST
            return
        if tag == "FTX" and segment.get(0) == "AAA":
            text = free_text(segment)
            if text:
                item.descriptions.append(text)
        elif tag == "LOC" and segment.get(0) == ORIGIN_COUNTRY:
            origin = country(segment)
            if origin:
                item.fields.setdefault("origin", {"country": origin})
        elif tag == "MEA":
            item.measure(segment)
        elif tag == "MOA":
            self.item_money(item, segment)
        elif tag == "RFF":
            self.item_reference(item, segment)
        elif tag == "PIA":
            for index in range(1, len(segment.elements)):
                if segment.get(index, 1) == _HS:
                    item.classify(segment.get(index, 0), _HS)
        elif tag == "DOC":
            item.documents.append(document(segment))
        elif tag == "PAC":
            self.item_package(item, segment)
        elif tag == "PCI" and item.packaging:
            marks = " ".join(m.strip() for m in segment.components(1) if m.strip())
            if marks:
                item.packaging[-1].setdefault("marks", marks)
        elif tag == "NAD":
            found = party(segment)
            if found is not None:
                item.parties.append(found)

    def open_item(self, segment: Segment) -> None:
        number = segment.get(0)
        sequence = int(number) if number and number.isdigit() else len(self.items) + 1
        self.item = ItemDraft(sequence)
        self.items.append(self.item)
        # A CST names the goods by customs identifiers (C246); a tariff number
        # is the one that is all digits, six or more of them.
        for index in range(1, len(segment.elements)):
            raw = segment.get(index, 0)
            if raw and raw.isdigit() and len(raw) >= 6:
                self.item.classify(raw, segment.get(index, 1))

    @staticmethod
    def item_money(item: ItemDraft, segment: Segment) -> None:
        found = money(segment)
        if found is None:
            return
        target = {"38": "item_price", "40": "customs_value", "123": "statistical_value"}
        name = target.get(found[0])
        if name is not None:
            item.fields.setdefault(name, found[1])

    @staticmethod
    def item_reference(item: ItemDraft, segment: Segment) -> None:
        qualifier, value = segment.get(0, 0), segment.get(0, 1)
        if value is None:
            return
        if qualifier == _HS:
            item.classify(value, _HS)
        elif qualifier in _DOCUMENT_REFERENCES:
            item.documents.append({"type_code": qualifier, "id": value})

    @staticmethod
    def item_package(item: ItemDraft, segment: Segment) -> None:
        raw = segment.get(0)
        package: Fields = {"type_code": segment.get(2, 0)}
        if raw is not None:
            package["quantity"] = integer_of(segment, raw)
        item.packaging.append({k: v for k, v in package.items() if v is not None})

    def count(self, segment: Segment) -> None:
        found = count_total(segment)
        if found is not None:
            self.totals.setdefault(*found)

    def result(self) -> Fields:
        if self.package_count and "package_count" not in self.totals:
            self.totals["package_count"] = self.package_count
        items = []
        for draft in self.items:
            built = draft.build()
            if self.origin and "origin" not in built:
                built["origin"] = {"country": self.origin}  # header data covers every item
            items.append(built)
        fields: Fields = {k: v for k, v in self.head.items() if v is not None}
        fields.update(
            parties=self.parties,
            documents=self.documents,
            totals=self.totals,
            transport=self.transport.build(),
            goods_items=items,
        )
        return fields
