"""Small builders for rules tests: a profile, a declaration, reference lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hub.model import (
    AdditionalDocument,
    Declaration,
    DeclarationKind,
    GoodsItem,
    Money,
    Origin,
    Party,
    PartyRole,
    Procedure,
    SourceFormat,
    Transport,
)
from hub.rules import (
    CodesList,
    RatingEntry,
    RatingsList,
    ReferenceData,
    RiskProfile,
    ValuationEntry,
    ValuationList,
    Watchlist,
    WatchlistEntry,
)
from tests.rules._profile_factory import make_profile

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def profile(pid: str = "CUS-TST-001", *, version: int = 1, **fields: Any) -> RiskProfile:
    """A valid active central item-scope profile; ``fields`` override, ``when`` is a dict."""
    base: dict[str, Any] = {"status": "active", "validity": {"from": "2025-01-01T00:00:00Z"}}
    return make_profile(pid, version=version, **{**base, **fields})


def item(
    sequence: int = 1,
    code: str | None = "07032000",
    origin: str | None = "CN",
    *,
    docs: tuple[str, ...] = (),
    procedure: str | None = "4000",
    value: str | None = "100",
    net_mass: str | None = "200",
    parties: tuple[Party, ...] = (),
) -> GoodsItem:
    return GoodsItem(
        sequence=sequence,
        commodity_code=code,
        origin=Origin(country=origin) if origin else None,
        documents=tuple(AdditionalDocument(category=d[0], type_code=d[1:]) for d in docs),
        procedure=Procedure(current=procedure[:2], previous=procedure[2:]) if procedure else None,
        customs_value=Money(amount=Decimal(value), currency="GBP") if value else None,
        net_mass=Decimal(net_mass) if net_mass else None,
        parties=parties,
    )


def declaration(
    *items: GoodsItem,
    parties: tuple[Party, ...] = (Party(role=PartyRole.IMPORTER, id="GB123456789000"),),
    transport: Transport | None = None,
    kind: DeclarationKind = DeclarationKind.IMPORT,
    docs: tuple[str, ...] = (),
) -> Declaration:
    return Declaration(
        id="DEC-TEST",
        source_format=SourceFormat.WCO_DEC_DMS,
        message_hash="0" * 64,
        kind=kind,
        parties=parties,
        transport=transport or Transport(office_of_declaration="GB000001"),
        goods_items=items or (item(),),
        documents=tuple(AdditionalDocument(category=d[0], type_code=d[1:]) for d in docs),
    )


def references() -> ReferenceData:
    day = date(2025, 1, 15)
    return ReferenceData(
        [
            CodesList(
                name="pest_origins",
                owner="phyto",
                source="EPPO",
                date=day,
                entries=frozenset({"CN", "VN"}),
            ),
            ValuationList(
                name="floors",
                owner="customs",
                source="customs valuation database",
                date=day,
                entries=(
                    ValuationEntry(commodity="07", floor=Decimal("0.50"), currency="GBP"),
                    ValuationEntry(commodity="0703", floor=Decimal("1.10"), currency="GBP"),
                ),
            ),
            RatingsList(
                name="ratings",
                owner="customs",
                source="post-clearance audit results",
                date=day,
                entries=(RatingEntry(party="GB123456789000", rating=35, reasons=("late",)),),
            ),
            Watchlist(
                name="police_watchlist",
                owner="police",
                source="national police intelligence",
                date=day,
                entries=(
                    WatchlistEntry(kind="person", name="Muhammad Alhassan", reason="wanted"),
                    WatchlistEntry(kind="vehicle", identifiers=("AB-123-CD",), reason="stolen"),
                    WatchlistEntry(kind="container", identifiers=("MSKU 123456-7",), reason="x"),
                ),
            ),
        ]
    )
