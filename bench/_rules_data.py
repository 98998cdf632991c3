"""Generated risk profiles and goods items of realistic shape, for bench/rules.py.

Profiles look like the ones administrations run (about 500 active, 3 to 5
indicators each): a commodity prefix of 4 to 8 digits inside a heading that
is really targeted (fresh produce, meat, fish, tobacco, alcohol, fuel,
weapons, textiles, electronics, vehicles ...), an origin set, often a
procedure or a document condition, about 10% with a CEL expression, a few
without a commodity condition and a few on the declaration as a whole.
Items are drawn from the same headings and countries so the index is
exercised on hits as well as misses. Everything is seeded.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from hub.model.declaration import (
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
    TransportMode,
)
from hub.rules.profile import RiskProfile
from hub.rules.reference import (
    CodesList,
    RatingEntry,
    RatingsList,
    ReferenceData,
    ValuationEntry,
    ValuationList,
)

_HEADINGS_TEXT = """
0201 0202 0203 0207 0302 0303 0304 0306 0402 0406 0407 0409 0603 0701 0702 0703 0704
0706 0707 0708 0709 0710 0712 0713 0802 0803 0804 0805 0806 0808 0810 0811 0901 0902
0904 1001 1005 1006 1201 1207 1511 1602 1604 1701 1806 2008 2009 2203 2204 2208 2401
2402 2403 2710 2711 2903 2914 2924 2933 2939 3004 3303 3304 3808 3926 4011 4202 4403
4407 4412 5201 6109 6110 6203 6204 6403 6404 7108 7113 7318 8415 8471 8504 8517 8528
8542 8703 8708 8711 9004 9006 9018 9102 9302 9303 9304 9305 9306 9503 9504
"""
HEADINGS = tuple(_HEADINGS_TEXT.split())
SUBHEADINGS = ("10", "20", "30", "40", "90")
SUBDIVISIONS = ("00", "10", "19", "90")
_COUNTRIES_TEXT = """
CN VN IN TH ID MY PK BD LK PH KH MM TR EG MA TN DZ KE UG TZ ET ZA NG GH CI SN CM BR AR
CL PE CO EC BO PY UY MX GT HN CR PA DO US CA RU UA BY MD KZ UZ AE SA QA KW OM IR IQ IL
JO LB SY RS AL MK BA ME XK GE AM AZ JP KR TW HK SG AU NZ CH NO IS GB FR DE IT ES NL BE
PL
"""
COUNTRIES = tuple(_COUNTRIES_TEXT.split())
DOCUMENTS = ("N851", "N853", "C644", "Y929", "C505", "N935", "9120", "C678")
PROCEDURES = ("40", "4000", "4200", "4071", "10", "1040", "51", "71")
EXPRESSIONS = (
    "unit_value(item) < valuation_floor(item.commodity_code, item.currency)",
    "has(item.net_mass) && has(item.gross_mass) && item.gross_mass > item.net_mass * 1.5",
    "in_list('pest_origins', item.origin) && !('N851' in item.documents)",
    "has(item.customs_value) && item.customs_value > 50000.0",
    "decl.transport.mode == 'road' && has(item.net_mass) && item.net_mass > 20000.0",
    "rated(decl.party_id.importer) && trader_rating(decl.party_id.importer) < 40",
)
PEST_ORIGINS = COUNTRIES[:12]
MODES = (TransportMode.SEA, TransportMode.ROAD, TransportMode.AIR, TransportMode.RAIL)


def _code(rng: random.Random) -> str:
    return rng.choice(HEADINGS) + rng.choice(SUBHEADINGS) + rng.choice(SUBDIVISIONS)


def _prefix(rng: random.Random) -> str:
    code = _code(rng)
    return code[: rng.choice((4, 4, 4, 6, 6, 6, 6, 8, 8, 8))]


def _more(rng: random.Random, when: dict[str, Any]) -> None:
    """One more indicator besides commodity and origin (profiles have 3 to 5)."""
    kind = rng.choice(("procedure", "documents", "dispatch", "mode", "expression", "party"))
    if kind == "procedure":
        when["procedure"] = [rng.choice(PROCEDURES)]
    elif kind == "documents":
        key = rng.choice(("documents_missing", "documents_present"))
        when[key] = [rng.choice(DOCUMENTS)]
    elif kind == "dispatch":
        when["dispatch"] = rng.sample(COUNTRIES, 2)
    elif kind == "mode":
        when["transport_mode"] = [rng.choice(MODES).value]
    elif kind == "expression" and rng.random() < 0.6:
        when["expression"] = rng.choice(EXPRESSIONS)
    else:
        when["party"] = [f"GB{rng.randint(0, 400):012d}" for _ in range(rng.randint(1, 3))]


def profile_data(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """``n`` profiles as the dicts a YAML file would hold."""
    profiles = []
    for index in range(n):
        when: dict[str, Any] = {}
        scope = "item"
        if index % 500 == 499:  # a few on the declaration as a whole
            scope = "declaration"
            when["transport_mode"] = [rng.choice(MODES).value]
            when["dispatch"] = rng.sample(COUNTRIES, 2)
            when["commodity"] = [rng.choice(HEADINGS)[:2]]
        elif rng.random() < 0.05:  # no commodity condition: an origin and a document
            when["origin"] = rng.sample(COUNTRIES, rng.randint(1, 3))
            when["documents_missing"] = [rng.choice(DOCUMENTS)]
        else:
            when["commodity"] = [_prefix(rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
            if rng.random() < 0.9:
                when["origin"] = rng.sample(COUNTRIES, rng.randint(1, 4))
            else:
                when["dispatch"] = rng.sample(COUNTRIES, rng.randint(1, 3))
        for _ in range(rng.choice((1, 1, 2))):
            _more(rng, when)
        profiles.append(
            {
                "id": f"GEN-P{index:05d}",
                "version": 1,
                "owner": rng.choice(("customs", "phyto", "vet", "police")),
                "title": f"Generated profile {index}",
                "rationale": "benchmark",
                "risk_area": "valuation",
                "assessment": {"probability": "medium", "consequence": "medium"},
                "when": when,
                "scope": scope,
                "score": rng.randint(10, 90),
                "channel": rng.choice(("yellow", "orange", "red")),
                "instructions": "check",
                "validity": {"from": "2025-01-01T00:00:00Z"},
                "status": "active",
            }
        )
    return profiles


def profiles(n: int, seed: int = 7) -> list[RiskProfile]:
    return [RiskProfile.model_validate(d) for d in profile_data(n, random.Random(seed))]


def references() -> ReferenceData:
    day = date(2025, 1, 1)
    floors = tuple(
        ValuationEntry(commodity=h, floor=Decimal(str(round(0.5 + i % 7 * 0.8, 2))), currency="GBP")
        for i, h in enumerate(HEADINGS)
    )
    return ReferenceData(
        [
            CodesList(
                name="pest_origins",
                owner="phyto",
                source="benchmark",
                date=day,
                entries=frozenset(PEST_ORIGINS),
            ),
            ValuationList(
                name="floors", owner="customs", source="benchmark", date=day, entries=floors
            ),
            RatingsList(
                name="ratings",
                owner="customs",
                source="benchmark",
                date=day,
                entries=tuple(RatingEntry(party=f"GB{i:012d}", rating=i % 100) for i in range(200)),
            ),
        ]
    )


def declarations(n: int, seed: int = 11) -> list[Declaration]:
    """``n`` declarations of 1 to 5 goods items each."""
    rng = random.Random(seed)
    result = []
    for index in range(n):
        items = []
        for sequence in range(1, rng.randint(1, 5) + 1):
            net = Decimal(rng.randint(1, 30000))
            items.append(
                GoodsItem(
                    sequence=sequence,
                    commodity_code=_code(rng),
                    origin=Origin(country=rng.choice(COUNTRIES)),
                    net_mass=net,
                    gross_mass=net * Decimal("1.1"),
                    customs_value=Money(amount=Decimal(rng.randint(10, 90000)), currency="GBP"),
                    procedure=Procedure(current="40", previous=rng.choice(("00", "71"))),
                    documents=tuple(
                        AdditionalDocument(category=code[0], type_code=code[1:])
                        for code in rng.sample(DOCUMENTS, rng.randint(0, 3))
                    ),
                )
            )
        result.append(
            Declaration(
                id=f"DEC-BENCH-{index}",
                source_format=SourceFormat.WCO_DEC_DMS,
                message_hash="0" * 64,
                kind=DeclarationKind.IMPORT,
                parties=(Party(role=PartyRole.IMPORTER, id=f"GB{rng.randint(0, 400):012d}"),),
                transport=Transport(
                    mode=rng.choice(MODES),
                    office_of_declaration="GB000001",
                    dispatch_country=rng.choice(COUNTRIES),
                ),
                goods_items=tuple(items),
            )
        )
    return result
