"""AEO and MRA: one step down for customs' lowerable findings, never for the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.decision import (
    AeoCertificate,
    AeoStatus,
    AeoType,
    benefit,
    load_aeo_register,
    load_mra,
    merge,
)
from hub.decision.aeo import lower_one_step, lowerable
from hub.errors import InvalidRegister
from hub.model import Authorisation, Channel, Party, PartyRole
from tests.decision.support import CHICKEN, MRA, NOW, REGISTER, context, corpus, finding

GARLIC = corpus("TT_IM014a/TT_IM014a.xml")  # importer GB553202734852 holds AEOC
CTX = context(aeo=REGISTER, mra=MRA)
_ORDER = [Channel.GREEN, Channel.YELLOW, Channel.ORANGE, Channel.RED]


def test_a_corpus_aeoc_importer_lowers_customs_one_step_and_says_so() -> None:
    found = {
        "customs": [finding("customs", "red", risk_area="valuation")],
        "phyto": [],
        "police": [],
    }
    decision = merge(GARLIC, found, context=CTX, now=NOW)
    assert decision.agencies["customs"].channel is Channel.ORANGE
    assert any(
        r.startswith("AEO benefit: importer GB553202734852 holds AEOC") for r in decision.reasons
    )


def test_no_certificate_no_benefit_even_when_the_declaration_claims_one() -> None:
    claimed = CHICKEN.model_copy(
        update={"authorisations": (Authorisation(type_code="AEOF", holder_id="XI553202734852"),)}
    )
    assert benefit(claimed, REGISTER, MRA, date(2026, 11, 26)) is None


def test_a_certificate_counts_only_granted_and_valid_on_the_day() -> None:
    cert = REGISTER.certificates[0]
    suspended = cert.model_copy(update={"status": AeoStatus.SUSPENDED})
    expired = cert.model_copy(update={"valid_to": date(2025, 1, 1)})
    assert cert.valid_on(date(2026, 11, 26))
    assert not suspended.valid_on(date(2026, 11, 26))
    assert not expired.valid_on(date(2026, 11, 26))
    assert not cert.valid_on(date(2019, 5, 31))


def test_a_partners_aeo_counts_under_an_mra_in_force_only() -> None:
    partner = CHICKEN.model_copy(
        update={"parties": (Party(role=PartyRole.EXPORTER, id="JP1234567890123"),)}
    )
    found = benefit(partner, REGISTER, MRA, date(2026, 11, 26))
    assert found is not None and found.mra_partner == "JP" and found.role == "exporter"
    assert benefit(partner, REGISTER, MRA, date(2020, 12, 31)) is None  # before the MRA
    assert benefit(partner, REGISTER, None, date(2026, 11, 26)) is None


def test_police_mandatory_security_fail_safe_and_random_are_never_lowered() -> None:
    assert lowerable(finding("customs", "red"), REGISTER)
    assert not lowerable(finding("police", "red"), REGISTER)
    assert not lowerable(finding("customs", "red", mandatory=True), REGISTER)
    assert not lowerable(finding("customs", "red", risk_area="security"), REGISTER)


_CASE = st.tuples(
    st.sampled_from(["customs", "police"]),
    st.sampled_from(["yellow", "orange", "red", "blue"]),
    st.booleans(),
    st.sampled_from([None, "valuation", "security", "safety"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CASE, min_size=1, max_size=5))
def test_aeo_lowers_at_most_one_step_and_never_what_it_must_not(
    rows: list[tuple[str, str, bool, str | None]],
) -> None:
    found: dict[str, list] = {"customs": [], "phyto": [], "police": []}
    for i, (agency, channel, mandatory, area) in enumerate(rows):
        found[agency].append(
            finding(agency, channel, profile=f"P{i}", mandatory=mandatory, risk_area=area)
        )
    plain = merge(GARLIC, found, context=context(), now=NOW)
    aeo = merge(GARLIC, found, context=CTX, now=NOW)
    for name, a in plain.agencies.items():
        before, after = _ORDER.index(a.channel), _ORDER.index(aeo.agencies[name].channel)
        assert before - 1 <= after <= before
        if name != "customs":
            assert after == before
    hard = [
        _ORDER.index(Channel(f.channel.value))
        for f in found["customs"]
        if f.channel.value != "blue" and not lowerable(f, REGISTER)
    ]
    assert _ORDER.index(aeo.agencies["customs"].channel) >= max(hard, default=0)


def test_lower_one_step() -> None:
    steps = [lower_one_step(c) for c in _ORDER]
    assert steps == [Channel.GREEN, Channel.GREEN, Channel.YELLOW, Channel.ORANGE]


def test_the_sample_registers_load_and_a_broken_one_names_its_line(tmp_path: Path) -> None:
    register = load_aeo_register()
    assert register.administration == "GB"
    assert {c.type for c in register.certificates} == set(AeoType)
    assert {a.partner for a in load_mra().arrangements} >= {"JP", "US"}
    bad = tmp_path / "aeo.yaml"
    bad.write_text("administration: GB\ncertificates:\n  - operator: X\n    type: AEOZ\n")
    with pytest.raises(InvalidRegister) as exc:
        load_aeo_register(bad)
    assert exc.value.line == 4 and exc.value.field == "certificates[0].type"


def test_validity_window_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="before"):
        AeoCertificate(
            operator="X",
            type=AeoType.AEOC,
            status=AeoStatus.GRANTED,
            valid_from=date(2026, 1, 1),
            valid_to=date(2025, 1, 1),
            issued_by="GB",
        )
