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
# Ordinary traffic: headings no profile is about.
_UNTARGETED_TEXT = """
3917 3923 4819 6302 6907 7009 7308 7326 7610 8207 8302 8413 8421 8467 8481 8536 8544
9031 9401 9403 9405 9506
"""
UNTARGETED = tuple(_UNTARGETED_TEXT.split())
ORDINARY_DOCUMENTS = ("C505", "N935", "Y929", "9120", "C644", "N380")
# Procedure codes an item declares, with their weights, and those profiles select.
ITEM_PROCEDURES = ("4000",) * 14 + ("4071", "4071", "4200", "1040", "5100", "7100")
PROCEDURES = ("4071", "42", "51", "71", "40", "1040")
EXPRESSIONS = (
    "unit_value(item) < valuation_floor(item.commodity_code, item.currency)",
    "has(item.net_mass) && has(item.gross_mass) && item.gross_mass > item.net_mass * 1.5",
    "in_list('pest_origins', item.origin) && !('N851' in item.documents)",
    "has(item.customs_value) && item.customs_value > 50000.0",
    "decl.transport.mode == 'road' && has(item.net_mass) && item.net_mass > 20000.0",
    "rated(decl.party_id.importer) && trader_rating(decl.party_id.importer) < 40",
)
PEST_ORIGINS = COUNTRIES[:12]
# Trade is concentrated: a quarter of items from one origin, then a long tail.
ORIGIN_WEIGHTED = ("CN",) * 30 + ("IN",) * 10 + ("TR",) * 8 + ("US",) * 8 + COUNTRIES
MODES = (TransportMode.SEA, TransportMode.ROAD, TransportMode.AIR, TransportMode.RAIL)


def _code(rng: random.Random, headings: tuple[str, ...] = HEADINGS) -> str:
    return rng.choice(headings) + rng.choice(SUBHEADINGS) + rng.choice(SUBDIVISIONS)


def certificate(code: str) -> str | None:
    """The certificate an agency requires for a chapter: N851 plants, N853 animal products."""
    chapter = int(code[:2])
    if 6 <= chapter <= 14 or chapter == 44:
        return "N851"
    if chapter <= 5 or chapter == 16:
        return "N853"
    return None


def _document(rng: random.Random, code: str | None) -> str:
    needed = certificate(code) if code else None
    return needed if needed and rng.random() < 0.7 else rng.choice(ORDINARY_DOCUMENTS)


def _prefix(rng: random.Random) -> str:
    code = _code(rng)
    return code[: rng.choice((4, 4, 4, 6, 6, 6, 6, 8, 8, 8))]


def _trader(rng: random.Random) -> str:
    return f"GB{rng.randint(0, 400):012d}"


def _more(rng: random.Random, when: dict[str, Any]) -> None:
    """One more indicator besides commodity and origin (profiles have 3 to 5)."""
    kind = rng.choice(("procedure", "documents", "dispatch", "mode", "expression", "party"))
    code = when["commodity"][0] if when.get("commodity") else None
    if kind == "procedure":
        when["procedure"] = [rng.choice(PROCEDURES)]
    elif kind == "documents":
        key = rng.choice(("documents_missing", "documents_present"))
        when[key] = [_document(rng, code)]
    elif kind == "dispatch":
        when["dispatch"] = rng.sample(COUNTRIES, 2)
    elif kind == "mode":
        when["transport_mode"] = [rng.choice(MODES).value]
    elif kind == "expression" and rng.random() < 0.6:
        when["expression"] = rng.choice(EXPRESSIONS)
    else:
        when["party"] = [_trader(rng) for _ in range(rng.randint(1, 3))]


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
        elif rng.random() < 0.05:  # no commodity condition: a trader, or an origin
            if rng.random() < 0.5:
                when["party"] = [_trader(rng) for _ in range(rng.randint(1, 3))]
            else:
                when["origin"] = rng.sample(COUNTRIES, rng.randint(1, 3))
            when["documents_present"] = [rng.choice(ORDINARY_DOCUMENTS)]
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
            code = _code(rng, HEADINGS if rng.random() < 0.7 else UNTARGETED)
            documents = rng.sample(ORDINARY_DOCUMENTS, rng.randint(0, 2))
            needed = certificate(code)
            if needed and rng.random() < 0.85:
                documents.append(needed)
            procedure = rng.choice(ITEM_PROCEDURES)
            items.append(
                GoodsItem(
                    sequence=sequence,
                    commodity_code=code,
                    origin=Origin(country=rng.choice(ORIGIN_WEIGHTED)),
                    net_mass=net,
                    gross_mass=net * Decimal("1.1"),
                    customs_value=Money(amount=Decimal(rng.randint(10, 90000)), currency="GBP"),
                    procedure=Procedure(current=procedure[:2], previous=procedure[2:]),
                    documents=tuple(
                        AdditionalDocument(category=doc[0], type_code=doc[1:]) for doc in documents
                    ),
                )
            )
        result.append(
            Declaration(
                id=f"DEC-BENCH-{index}",
                source_format=SourceFormat.WCO_DEC_DMS,
                message_hash="0" * 64,
                kind=DeclarationKind.IMPORT,
                parties=(Party(role=PartyRole.IMPORTER, id=_trader(rng)),),
                transport=Transport(
                    mode=rng.choice(MODES),
                    office_of_declaration="GB000001",
                    dispatch_country=rng.choice(COUNTRIES),
                ),
                goods_items=tuple(items),
            )
        )
    return result
