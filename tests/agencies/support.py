"""Corpus files and small declarations for the agency tests, and reading their findings."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal

from hub.assess import Assessment
from hub.ingest import read
from hub.model import (
    AdditionalDocument,
    Declaration,
    DeclarationKind,
    GoodsItem,
    Money,
    Origin,
    Party,
    PartyRole,
    SourceFormat,
    Transport,
    TransportMode,
)
from hub.model.finding import Finding
from tests.conftest import CORPUS

TODAY = datetime(2026, 11, 26, 12, tzinfo=UTC)
DECLARATIONS = CORPUS / "wco-dec-dms/declarations"


def corpus(name: str) -> Declaration:
    """A declaration of the shared corpus, by its path under wco-dec-dms/declarations."""
    return read((DECLARATIONS / name).read_bytes())


def corpus_files(code: str) -> list[str]:
    """Corpus declarations whose manifest lists ``code`` among their agency documents."""
    with (CORPUS / "wco-dec-dms/MANIFEST.csv").open(encoding="utf-8") as f:
        return [r["file"] for r in csv.DictReader(f) if code in r["agency_docs"].split()]


def item(
    code: str,
    origin: str | None,
    *docs: str,
    sequence: int = 1,
    preference: str = "100",
    value: str | None = None,
    net_mass: str | None = None,
) -> GoodsItem:
    """A goods item with the documents whose codes are given (``N853``)."""
    return GoodsItem(
        sequence=sequence,
        commodity_code=code,
        origin=Origin(country=origin, preference_code=preference) if origin else None,
        documents=tuple(
            AdditionalDocument(category=d[0], type_code=d[1:], id=f"{d}-1") for d in docs
        ),
        item_price=Money(amount=Decimal(value), currency="GBP") if value else None,
        net_mass=Decimal(net_mass) if net_mass else None,
    )


def declaration(
    *items: GoodsItem,
    kind: DeclarationKind = DeclarationKind.IMPORT,
    parties: tuple[Party, ...] = (),
    transport: Transport | None = None,
) -> Declaration:
    """A small declaration, by default an import by sea of a well-rated importer."""
    return Declaration(
        id="DEC-SYNTHETIC",
        source_format=SourceFormat.WCO_DEC_DMS,
        message_hash="0" * 64,
        functional_reference="LRN-SYNTHETIC-1",
        type_code="IMA" if kind is DeclarationKind.IMPORT else "EXA",
        kind=kind,
        parties=parties or (Party(role=PartyRole.IMPORTER, id="GB553202734852"),),
        transport=transport or Transport(mode=TransportMode.SEA),
        goods_items=items,
    )


def fired(result: Assessment, agency: str) -> dict[str, Finding]:
    """The agency's findings by profile id; KeyError if the agency was not routed."""
    (routed,) = [a for a in result.agencies if a.agency == agency]
    return {f.profile_id or "": f for f in routed.findings}


def routed(result: Assessment) -> list[str]:
    return [a.agency for a in result.agencies]
