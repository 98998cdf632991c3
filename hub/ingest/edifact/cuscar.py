"""UN/EDIFACT CUSCAR (customs cargo report, D.96B to D.03B) read into a Declaration.

A cargo report is read as a pre-arrival declaration. Its header carries the
means of transport (TDT with LOC and DTM), header parties, equipment (EQD
with its SEL seals) and totals (CNT); each consignment (CNI) carries
references (RFF), parties (NAD), quantities and descriptions (QTY, FTX) and
goods items (GID with PAC, FTX, MEA, DGS, CST, LOC, QTY).

Consignment data and goods items: a consignment-level tariff number
(``RFF+HS``, Australian ICS usage), description or quantity describes its
goods item only when the consignment has exactly one GID, so it is copied
there and nowhere else. Consignment parties become the goods items' parties
(the model has room for item-level consignor, consignee and notify party);
header parties are the declaration's. Goods items are numbered 1..n across
the whole report, because each consignment numbers its GIDs from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.ingest.edifact._segments import (
    ORIGIN_COUNTRY,
    TRANSPORT_DOCUMENTS,
    Fields,
    ItemDraft,
    TransportDraft,
    count_total,
    country,
    datetime_of,
    decimal_of,
    document,
    free_text,
    function_of,
    integer_of,
    party,
    transport_means,
)
from hub.ingest.edifact._tokenizer import Segment
from hub.ingest.edifact.syntax import Message
from hub.model import DeclarationKind

__all__ = ["declaration_fields"]

_HS = "HS"


def declaration_fields(message: Message) -> Fields:
    """The declaration-level fields of a CUSCAR message, goods items included.

    The caller adds identity, hash, source format, submitter and message id.
    """
    reader = _Reader()
    for segment in message.body:
        reader.read(segment)
    return reader.result()


@dataclass
class _Consignment:
    """What a consignment says before and around its goods items."""

    commodity: str | None = None
    descriptions: list[str] = field(default_factory=list)
    quantity: Fields | None = None
    parties: list[Fields] = field(default_factory=list)
    items: list[ItemDraft] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.head: Fields = {"kind": DeclarationKind.PRE_ARRIVAL}
        self.parties: list[Fields] = []
        self.totals: Fields = {}
        self.transport = TransportDraft()
        self.items: list[ItemDraft] = []
        self.consignments: list[_Consignment] = []
        self.consignment: _Consignment | None = None
        self.item: ItemDraft | None = None
        self.container: Fields | None = None
        self.in_equipment = False  # segment group 5: EQD with its TSR, MEA, SEL, NAD, LOC

    def read(self, segment: Segment) -> None:
        tag = segment.tag
        if tag in ("CNI", "CNT"):
            self.in_equipment = False
        if self.in_equipment and tag not in ("EQD", "SEL"):
            return
        if tag == "CNI":
            self.consignment = _Consignment()
            self.consignments.append(self.consignment)
            self.item = self.container = None
        elif tag == "GID" and self.consignment is not None:
            self.open_item(segment, self.consignment)
        elif tag == "EQD":
            self.equipment(segment)
        elif tag == "SEL" and segment.get(0):
            seal = segment.get(0) or ""
            if self.container is not None:
                self.container.setdefault("seals", []).append(seal)
            else:
                self.transport.seals.append(seal)
        elif self.item is not None and self.item_segment(self.item, segment):
            return
        elif self.consignment is not None:
            self.consignment_segment(self.consignment, segment)
        else:
            self.header(segment)

    def header(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "BGM":
            code, name = segment.get(0, 0), segment.get(0, 3)
            self.head.update(
                type_code=name or code,
                functional_reference=segment.get(1, 0),
                function_code=segment.get(2),
                function=function_of(segment.get(2)),
            )
        elif tag == "DTM":
            qualifier, moment = datetime_of(segment)
            if moment is not None and qualifier == "137":
                self.head.setdefault("issued_at", moment)
            elif moment is not None and qualifier == "132":  # arrival, estimated
                self.transport.set("expected_arrival", moment)
        elif tag == "LOC":
            self.transport.location(segment)
        elif tag == "RFF" and segment.get(0, 0) in TRANSPORT_DOCUMENTS:
            self.transport.documents.append(segment.get(0, 1) or "")
        elif tag == "TDT":
            mode, means = transport_means(segment)
            if segment.get(0) in (None, "20"):  # main carriage
                self.transport.set("mode", mode)
                if means:
                    self.transport.set("arrival_means", means)
        elif tag == "NAD":
            found = party(segment)
            if found is not None:
                self.parties.append(found)
        elif tag == "CNT":
            total = count_total(segment)
            if total is not None:
                self.totals.setdefault(*total)

    def equipment(self, segment: Segment) -> None:
        self.container, self.in_equipment = None, True
        if segment.get(0) == "CN" and segment.get(1, 0):
            self.container = {"id": segment.get(1, 0)}
            self.transport.containers.append(self.container)

    def consignment_segment(self, consignment: _Consignment, segment: Segment) -> None:
        tag = segment.tag
        if tag == "RFF":
            qualifier, value = segment.get(0, 0), segment.get(0, 1)
            if consignment.items:  # an RFF after goods items opens the next group
                consignment = self.next_group(consignment)
            if qualifier == _HS:
                consignment.commodity = consignment.commodity or value
            elif qualifier in TRANSPORT_DOCUMENTS and value:
                self.transport.documents.append(value)
        elif tag == "FTX" and segment.get(0) == "AAA":
            text = free_text(segment)
            if text:
                consignment.descriptions.append(text)
        elif tag == "QTY":
            consignment.quantity = consignment.quantity or _quantity(segment)
        elif tag == "NAD":
            found = party(segment)
            if found is not None:
                consignment.parties.append(found)
        elif tag in ("LOC", "TDT", "DTM"):
            self.header(segment)

    def next_group(self, consignment: _Consignment) -> _Consignment:
        group = _Consignment(parties=list(consignment.parties))
        self.consignments.append(group)
        self.consignment = group
        self.item = None
        return group

    def open_item(self, segment: Segment, consignment: _Consignment) -> None:
        self.item = ItemDraft(len(self.items) + 1)
        self.items.append(self.item)
        consignment.items.append(self.item)
        for index in range(1, len(segment.elements)):
            raw = segment.get(index, 0)
            if raw is None:
                continue
            package: Fields = {"quantity": integer_of(segment, raw)}
            if segment.get(index, 1):
                package["type_code"] = segment.get(index, 1)
            self.item.packaging.append(package)

    def item_segment(self, item: ItemDraft, segment: Segment) -> bool:
        """Read a segment of the goods item group; ``False`` if it belongs elsewhere."""
        tag = segment.tag
        if tag == "FTX" and segment.get(0) == "AAA":
            text = free_text(segment)
            if text:
                item.descriptions.append(text)
        elif tag == "MEA":
            item.measure(segment)
        elif tag == "QTY":
            quantity = _quantity(segment)
            if quantity is not None:
                item.fields.setdefault("quantity", quantity)
        elif tag == "LOC" and segment.get(0) == ORIGIN_COUNTRY:
            origin = country(segment)
            if origin:
                item.fields.setdefault("origin", {"country": origin})
        elif tag == "CST":
            for index in range(1, len(segment.elements)):
                raw = segment.get(index, 0)
                if raw and raw.isdigit() and len(raw) >= 6:
                    item.classify(raw, segment.get(index, 1))
        elif tag == "PIA":
            for index in range(1, len(segment.elements)):
                if segment.get(index, 1) == _HS:
                    item.classify(segment.get(index, 0), _HS)
        elif tag == "DGS" and segment.get(2, 0):
            item.fields.setdefault("dangerous_goods_code", segment.get(2, 0))
        elif tag == "DOC":
            item.documents.append(document(segment))
        elif tag == "PCI" and item.packaging:
            marks = " ".join(m.strip() for m in segment.components(1) if m.strip())
            if marks:
                item.packaging[-1].setdefault("marks", marks)
        elif tag not in ("PAC", "HAN", "MOA", "SGP", "TMD", "GIS", "DTM"):
            return False
        return True

    def result(self) -> Fields:
        for consignment in self.consignments:
            _share(consignment)
        fields: Fields = {k: v for k, v in self.head.items() if v is not None}
        fields.update(
            parties=self.parties,
            totals=self.totals,
            transport=self.transport.build(),
            goods_items=[item.build() for item in self.items],
        )
        return fields


def _share(consignment: _Consignment) -> None:
    """Give consignment data to its goods items where it can only describe them."""
    for item in consignment.items:
        item.parties.extend(consignment.parties)
    if len(consignment.items) != 1:
        return
    item = consignment.items[0]
    if consignment.commodity and "commodity_code" not in item.fields:
        item.classify(consignment.commodity, _HS)
    if consignment.descriptions and not item.descriptions:
        item.descriptions.extend(consignment.descriptions)
    if consignment.quantity and "quantity" not in item.fields:
        item.fields["quantity"] = consignment.quantity


def _quantity(segment: Segment) -> Fields | None:
    raw = segment.get(0, 1)
    if raw is None:
        return None
    return {"value": decimal_of(segment, raw), "unit": segment.get(0, 2)}
