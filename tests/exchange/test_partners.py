"""Agreements with partners: what travels which way, and when a partner's AEO counts here."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.decision.aeo import (
    AeoCertificate,
    AeoRegister,
    AeoStatus,
    AeoType,
    MraArrangement,
    MraArrangements,
    benefit,
)
from hub.exchange.messages import MessageKind
from hub.exchange.partners import (
    MutualAssistance,
    MutualRecognition,
    Partner,
    with_partner_arrangements,
)
from hub.model.declaration import Declaration, Party, PartyRole, SourceFormat

CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _partner(**agreed: object) -> Partner:
    return Partner(code="XK", name="Kosovo customs", certificates=(CERT,), **agreed)  # type: ignore[arg-type]


ASSISTANCE = MutualAssistance(
    valid_from=date(2024, 1, 1),
    valid_to=date(2026, 12, 31),
    sends=(MessageKind.RISK_WARNING,),
    receives=(MessageKind.PRE_ARRIVAL, MessageKind.RISK_FEEDBACK),
)


def test_an_agreement_covers_kinds_by_direction_and_day() -> None:
    partner = _partner(assistance=ASSISTANCE)
    day = date(2025, 6, 1)
    assert partner.allows(MessageKind.PRE_ARRIVAL, "receive", day) is None
    assert partner.allows(MessageKind.RISK_WARNING, "send", day) is None
    refused = partner.allows(MessageKind.PRE_ARRIVAL, "send", day)
    assert refused == "the agreement with XK does not cover pre-arrival to XK"
    assert "from XK" in (partner.allows(MessageKind.RISK_WARNING, "receive", day) or "")
    assert "not in force on 2027-01-01" in (
        partner.allows(MessageKind.PRE_ARRIVAL, "receive", date(2027, 1, 1)) or ""
    )
    assert "no mutual administrative assistance" in (
        _partner().allows(MessageKind.SEIZURE_REPORT, "receive", day) or ""
    )


def test_aeo_lists_travel_only_under_an_mra_in_force() -> None:
    day = date(2025, 6, 1)
    assert "no mutual recognition" in (
        _partner(assistance=ASSISTANCE).allows(MessageKind.AEO_LIST, "receive", day) or ""
    )
    later = _partner(mra=MutualRecognition(valid_from=date(2030, 1, 1)))
    assert "not in force" in (later.allows(MessageKind.AEO_LIST, "send", day) or "")
    mra = _partner(mra=MutualRecognition(valid_from=date(2021, 1, 1)))
    assert mra.allows(MessageKind.AEO_LIST, "send", day) is None
    assert mra.allows(MessageKind.AEO_LIST, "receive", day) is None
    with pytest.raises(ValueError, match="mutual recognition"):
        MutualAssistance(valid_from=day, sends=(MessageKind.AEO_LIST,))


def test_a_partner_s_mra_replaces_the_register_file_s_for_that_partner() -> None:
    registered = MraArrangements(
        arrangements=(
            MraArrangement(partner="XK", valid_from=date(2030, 1, 1)),
            MraArrangement(partner="JP", valid_from=date(2021, 1, 1)),
        )
    )
    configured = _partner(mra=MutualRecognition(valid_from=date(2022, 3, 1)))
    merged = with_partner_arrangements(registered, [configured, _partner()])
    assert merged is not None
    by_partner = {a.partner: a for a in merged.arrangements}
    assert by_partner["XK"].valid_from == date(2022, 3, 1)
    assert by_partner["JP"].valid_from == date(2021, 1, 1)
    assert with_partner_arrangements(None, [_partner()]) is None


def _declaration(importer: str) -> Declaration:
    return Declaration(
        id="DEC-MRA",
        source_format=SourceFormat.WCO_DEC_DMS,
        message_hash="0" * 64,
        parties=(Party(role=PartyRole.IMPORTER, id=importer),),
    )


@given(day=st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31)))
def test_the_mra_benefit_holds_only_while_the_mra_and_the_certificate_are_in_force(
    day: date,
) -> None:
    certificate = AeoCertificate(
        operator="XK810012345",
        name="Prishtina Logistics",
        type=AeoType.AEOF,
        status=AeoStatus.GRANTED,
        valid_from=date(2023, 1, 1),
        valid_to=date(2028, 12, 31),
        issued_by="XK",
    )
    register = AeoRegister(administration="GB", certificates=(certificate,))
    mra = with_partner_arrangements(
        None,
        [_partner(mra=MutualRecognition(valid_from=date(2022, 1, 1), valid_to=date(2029, 6, 30)))],
    )
    earned = benefit(_declaration("XK810012345"), register, mra, day)
    both_in_force = date(2023, 1, 1) <= day <= date(2028, 12, 31)
    assert (earned is not None) == both_in_force
    if earned is not None:
        assert earned.mra_partner == "XK"
