"""Builders for the exchange's logic tests: pre-arrival data, and the import that answers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hub.exchange.messages import Header, PreArrival, PreArrivalItem
from hub.model.declaration import (
    AdditionalDocument,
    Container,
    Declaration,
    DeclarationKind,
    GoodsItem,
    Origin,
    Party,
    PartyRole,
    SourceFormat,
    Totals,
    Transport,
    TransportMeans,
)

DEPARTED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def header(message_id: str = "RS-SEED-0001", sender: str = "RS", receiver: str = "ME") -> Header:
    return Header(message_id=message_id, sender=sender, receiver=receiver, created_at=DEPARTED)


def pre_arrival(**changes: Any) -> PreArrival:
    """A truck leaving Serbia with one item of cars; ``changes`` replace fields."""
    data: dict[str, Any] = {
        "header": header(),
        "declaration_reference": "26RS0000000000123",
        "procedure": "export",
        "means_id": "BG-123-AB",
        "means_type": "30",
        "departure_office": "RS015001",
        "departed_at": DEPARTED,
        "consignor_id": "RS100200300",
        "consignor_name": "Auto Export d.o.o.",
        "consignee_id": "ME02001234",
        "consignee_name": "Acme Trading",
        "gross_mass": Decimal("21300"),
        "containers": (),
        "items": (
            PreArrivalItem(
                sequence=1, commodity_code="87032310", origin="DE", gross_mass=Decimal("21300")
            ),
        ),
    }
    data.update(changes)
    return PreArrival(**data)


def import_of(pre: PreArrival, *, cite: bool = False, **changes: Any) -> Declaration:
    """The import declaration that declares exactly what ``pre`` announced.

    Arrives five hours after departure; cites the partner's MRN only with ``cite``.
    """
    data: dict[str, Any] = {
        "id": "DEC-IMPORT",
        "source_format": SourceFormat.WCO_DEC_DMS,
        "message_hash": "0" * 64,
        "kind": DeclarationKind.IMPORT,
        "accepted_at": pre.departed_at + timedelta(hours=5),
        "parties": (
            Party(role=PartyRole.EXPORTER, id=pre.consignor_id, name=pre.consignor_name),
            Party(role=PartyRole.IMPORTER, id=pre.consignee_id, name=pre.consignee_name),
        ),
        "transport": Transport(
            border_means=TransportMeans(id=pre.means_id, id_type=pre.means_type),
            containers=tuple(Container(id=c) for c in pre.containers),
        ),
        "goods_items": tuple(
            GoodsItem(
                sequence=i.sequence,
                commodity_code=i.commodity_code,
                origin=Origin(country=i.origin) if i.origin else None,
                gross_mass=i.gross_mass,
            )
            for i in pre.items
        ),
        "totals": Totals(gross_mass=pre.gross_mass),
        "previous_documents": (
            (AdditionalDocument(category="N", type_code="830", id=pre.declaration_reference),)
            if cite
            else ()
        ),
    }
    data.update(changes)
    return Declaration(**data)
