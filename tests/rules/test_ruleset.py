"""RuleSet: compile once, index, evaluate; one finding per matching profile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import InvalidProfile
from hub.ingest import read
from hub.model import (
    AdditionalDocument,
    Declaration,
    DeclarationKind,
    Party,
    PartyRole,
    Transport,
    TransportMode,
)
from hub.model.finding import RequestedChannel
from hub.rules import ProfileStatus, ReferenceData, RiskProfile, RuleSet
from tests.conftest import CORPUS
from tests.rules.builders import AT, declaration, item, profile, references


def test_a_matching_profile_gives_one_finding_with_its_words() -> None:
    rules = RuleSet.compile(
        [profile(when={"commodity": ["0703"], "origin": ["CN", "VN"]}, channel="red")],
        references(),
    )
    [finding] = rules.evaluate(declaration(item(1), item(2, origin="IL"), item(3)), at=AT)
    assert finding.profile_id == "CUS-TST-001"
    assert finding.profile_version == 1
    assert finding.agency == "customs"
    assert finding.item_sequences == (1, 3)
    assert finding.indicators == ("commodity 07032000 starts with 0703", "origin CN in [CN, VN]")
    assert finding.channel is RequestedChannel.RED


def test_only_the_asked_statuses_are_compiled() -> None:
    profiles = [profile("CUS-TST-001"), profile("CUS-TST-002", status="testing")]
    assert len(RuleSet.compile(profiles, ReferenceData())) == 1
    both = RuleSet.compile(
        profiles, ReferenceData(), statuses={ProfileStatus.ACTIVE, ProfileStatus.TESTING}
    )
    assert [p.id for p in both.profiles] == ["CUS-TST-001", "CUS-TST-002"]


def test_validity_window_is_respected() -> None:
    rules = RuleSet.compile(
        [profile(validity={"from": "2025-03-01T12:00:00Z", "to": "2025-03-02T12:00:00Z"})],
        ReferenceData(),
    )
    decl = declaration()
    assert rules.evaluate(decl, at=AT - timedelta(seconds=1)) == []
    assert len(rules.evaluate(decl, at=AT)) == 1
    assert rules.evaluate(decl, at=AT + timedelta(days=1)) == []


def test_an_unknown_reference_list_is_refused_at_compile() -> None:
    with pytest.raises(InvalidProfile) as caught:
        RuleSet.compile(
            [profile(when={"expression": "in_list('pest_orgins', item.origin)"})], references()
        )
    assert caught.value.field == "when.expression"
    assert "pest_orgins" in caught.value.message


def test_local_profile_applies_only_at_its_office() -> None:
    rules = RuleSet.compile([profile(level="local", offices=["GB000290"])], ReferenceData())
    here = Transport(office_of_exit="GB000290")
    assert rules.evaluate(declaration(), at=AT) == []
    [finding] = rules.evaluate(declaration(transport=here), at=AT)
    assert "local profile for office GB000290 in [GB000290]" in finding.indicators


def test_declaration_scope_gives_a_finding_without_items() -> None:
    rules = RuleSet.compile(
        [profile(scope="declaration", when={"commodity": ["93"], "party": ["GB123456789000"]})],
        ReferenceData(),
    )
    decl = declaration(
        item(1),
        item(2, code="93062100"),
        parties=(Party(role=PartyRole.IMPORTER, id="GB123456789000"),),
    )
    [finding] = rules.evaluate(decl, at=AT)
    assert finding.item_sequences == ()
    assert finding.indicators == (
        "commodity 93062100 (item 2) starts with 93",
        "party GB123456789000 listed",
    )


def test_documents_missing_counts_header_and_item_documents() -> None:
    rules = RuleSet.compile(
        [profile(when={"commodity": ["07"], "documents_missing": ["N851"]})], ReferenceData()
    )
    [finding] = rules.evaluate(declaration(item(1), item(2, docs=("N851",))), at=AT)
    assert finding.item_sequences == (1,)
    assert "document N851 missing" in finding.indicators
    assert rules.evaluate(declaration(item(1), docs=("N851",)), at=AT) == []


def test_documents_present_is_a_choice() -> None:
    rules = RuleSet.compile(
        [profile(when={"commodity": ["07"], "documents_present": ["N851", "N853"]})],
        ReferenceData(),
    )
    [finding] = rules.evaluate(declaration(item(docs=("N853", "C644"))), at=AT)
    assert "document N853 present" in finding.indicators


def test_several_items_give_one_finding_with_each_distinct_indicator() -> None:
    rules = RuleSet.compile([profile(when={"commodity": ["0703", "0709"]})], ReferenceData())
    decl = declaration(item(1), item(2, code="07099000"), item(3), item(4, code="0808"))
    [finding] = rules.evaluate(decl, at=AT)
    assert finding.item_sequences == (1, 2, 3)
    assert finding.indicators == (
        "commodity 07032000 starts with 0703",
        "commodity 07099000 starts with 0709",
    )


def test_regional_profile_applies_at_any_of_its_offices() -> None:
    rules = RuleSet.compile(
        [profile(level="regional", offices=["GB000290", "GB000001"])], ReferenceData()
    )
    assert len(rules.evaluate(declaration(), at=AT)) == 1  # declared at GB000001
    elsewhere = Transport(office_of_declaration="GB999999")
    assert rules.evaluate(declaration(transport=elsewhere), at=AT) == []


def test_header_indicators_read_the_declaration() -> None:
    rules = RuleSet.compile(
        [
            profile(
                when={
                    "origin": ["CN"],
                    "dispatch": ["VN"],
                    "kind": ["import"],
                    "transport_mode": ["road"],
                    "procedure": ["40"],
                }
            )
        ],
        ReferenceData(),
    )
    road = Transport(mode=TransportMode.ROAD, dispatch_country="VN")
    [finding] = rules.evaluate(declaration(transport=road), at=AT)
    assert finding.indicators == (
        "origin CN in [CN]",
        "dispatch country VN in [VN]",
        "declaration kind import in [import]",
        "transport mode road in [road]",
        "procedure 4000 starts with 40",
    )
    sea = Transport(mode=TransportMode.SEA, dispatch_country="VN")
    assert rules.evaluate(declaration(transport=sea), at=AT) == []


def test_a_valuation_expression_explains_the_unit_value() -> None:
    rule = "unit_value(item) < valuation_floor(item.commodity_code, item.currency)"
    rules = RuleSet.compile([profile(when={"commodity": ["07"], "expression": rule})], references())
    [finding] = rules.evaluate(declaration(item(1), item(2, value="500")), at=AT)
    assert finding.item_sequences == (1,)
    assert finding.indicators[-1] == (
        f"expression holds: {rule}; unit value 0.50 GBP/kg below floor 1.10 GBP/kg for 0703"
    )


def test_an_expression_is_explained_in_the_authors_words_when_given() -> None:
    rule = "in_list('pest_origins', item.origin)"
    when = {"commodity": ["07"], "expression": rule, "expression_says": "origin on the pest list"}
    rules = RuleSet.compile([profile(when=when)], references())
    [finding] = rules.evaluate(declaration(item(1)), at=AT)
    assert finding.indicators[-1] == f"origin on the pest list (CEL: {rule})"


def test_document_status_is_visible_to_expressions() -> None:
    rule = "has(item.document_status) && item.document_status['N853'] == 'XW'"
    rules = RuleSet.compile([profile(when={"commodity": ["07"], "expression": rule})], references())
    waived = item(1).model_copy(
        update={"documents": (AdditionalDocument(category="N", type_code="853", status="XW"),)}
    )
    presented = item(2).model_copy(
        update={"documents": (AdditionalDocument(category="N", type_code="853", status="AE"),)}
    )
    [finding] = rules.evaluate(declaration(waived, presented, item(3)), at=AT)
    assert finding.item_sequences == (1,)


def test_screening_gives_a_confidential_police_finding() -> None:
    police = profile(
        "POL-WAT-001",
        owner="police",
        scope="declaration",
        confidential=True,
        channel="red",
        when={"screening": {"watchlist": "police_watchlist", "targets": ["parties"]}},
    )
    rules = RuleSet.compile([police], references())
    suspect = (Party(role=PartyRole.CONSIGNEE, name="Mohamed Al-Hassan"),)
    [finding] = rules.evaluate(declaration(parties=suspect), at=AT)
    assert finding.confidential and finding.agency == "police" and finding.item_sequences == ()
    assert finding.indicators == (
        "party consignee 'Mohamed Al-Hassan' matches watchlist entry 'Muhammad Alhassan'"
        " (score 100)",
    )
    assert rules.evaluate(declaration(), at=AT) == []


@pytest.mark.parametrize(
    ("when", "field"),
    [
        ({"screening": {"watchlist": "pest_origins"}}, "when.screening.watchlist"),
        (
            {"screening": {"watchlist": "police_watchlist", "targets": ["ships"]}},
            "when.screening.targets",
        ),
        ({"expression": "in_list('floors', item.origin)"}, "when.expression"),
    ],
)
def test_references_are_checked_at_compile(when: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidProfile) as caught:
        RuleSet.compile([profile(when=when)], references())
    assert caught.value.field == field
    assert caught.value.file == "CUS-TST-001 v1"


def test_the_same_id_and_version_twice_is_refused() -> None:
    with pytest.raises(InvalidProfile):
        RuleSet.compile([profile(), profile()], ReferenceData())
    assert len(RuleSet.compile([profile(), profile(version=2)], ReferenceData())) == 2


def test_evaluate_needs_an_aware_moment() -> None:
    rules = RuleSet.compile([profile()], ReferenceData())
    with pytest.raises(ValueError, match="aware"):
        rules.evaluate(declaration(), at=AT.replace(tzinfo=None))


def test_corpus_declarations_with_n853_meet_a_veterinary_profile() -> None:
    vet = profile(
        "VET-CHD-001",
        owner="vet",
        when={"commodity": ["01", "02", "03", "04", "05", "16"], "documents_present": ["N853"]},
    )
    rules = RuleSet.compile([vet], ReferenceData())
    folder = CORPUS / "wco-dec-dms" / "declarations"
    hits = {}
    for path in sorted(folder.rglob("*.xml")):
        decl = read(path.read_bytes())
        findings = rules.evaluate(decl, at=AT)
        if findings:
            hits[path.name] = findings[0]
    assert hits
    for finding in hits.values():
        assert finding.agency == "vet"
        assert "document N853 present" in finding.indicators


# --- the index returns exactly what evaluating every profile returns ---------------------

PREFIXES = ["07", "0703", "070320", "07032000", "0709", "08", "0805", "93", "9302", "1604"]
COUNTRIES = ["CN", "VN", "IL", "US"]
DOCS = ["N851", "N853", "C644"]
EXPRESSIONS = [
    "unit_value(item) < valuation_floor(item.commodity_code, item.currency)",
    "in_list('pest_origins', item.origin)",
    "has(item.net_mass) && item.net_mass > 100.0",
    "decl.kind == 'import'",
    "trader_rating(decl.party_id.importer) < 40",
    "size(decl.commodity_codes) > 1",
]
MOMENTS = [AT - timedelta(days=70), AT, AT + timedelta(days=3)]


def _subset(values: list[str], size: int = 2) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=size, unique=True)


# Strategies built once: building them inside each draw costs more than the test itself.
WHEN = {
    "commodity": st.lists(st.sampled_from(PREFIXES), max_size=3),
    "origin": _subset(COUNTRIES),
    "dispatch": _subset(COUNTRIES, 1),
    "procedure": _subset(["40", "4000", "10", "4071"], 1),
    "documents_present": _subset(DOCS, 1),
    "documents_missing": _subset(DOCS),
    "party": _subset(["GB123456789000", "GB2"]),
    "kind": _subset(["import", "export"], 1),
    "transport_mode": _subset(["sea", "road"], 1),
    "office": _subset(["GB000001", "GB000290"], 1),
    "expression": st.none() | st.sampled_from(EXPRESSIONS),
    "screening": st.none() | st.just({"watchlist": "police_watchlist"}),
}
# Most indicators stay unset, so that profiles match often enough to compare.
KEPT = st.sets(st.sampled_from(sorted(WHEN)), min_size=1, max_size=4)
LEVELS = st.sampled_from(["central", "central", "regional", "local"])
OFFICES = {"central": [], "regional": ["GB000001", "GB000290"], "local": ["GB000290"]}
STARTS = st.sampled_from(MOMENTS)
SPANS = st.none() | st.sampled_from([timedelta(hours=1), timedelta(days=10)])
SCOPES = st.sampled_from(["item", "item", "declaration"])
CODES = st.sampled_from([*PREFIXES[3:], "07099000", "08051000", "93020000", "16042040", None])
ORIGINS = st.sampled_from([*COUNTRIES, None])
ITEM_DOCS = _subset(DOCS)
ITEM_PROCEDURES = st.sampled_from(["4000", "1040", "4071", None])
MASSES = st.sampled_from(["50", "200", None])
SELLERS = st.lists(st.just(Party(role=PartyRole.SELLER, id="GB2")), max_size=1)
NAMES = st.sampled_from(["Mohamed Al Hassan", "Jane Smith"])
KINDS = st.sampled_from(list(DeclarationKind))
MODES = st.sampled_from([TransportMode.SEA, TransportMode.ROAD, None])
DECLARED_AT = st.sampled_from(["GB000001", "GB000009"])
EXITS = st.sampled_from(["GB000290", None])
HEADER_DOCS = _subset(DOCS, 1)


@st.composite
def profiles_(draw: st.DrawFn, index: int) -> RiskProfile:
    when = {key: draw(WHEN[key]) for key in sorted(draw(KEPT))}
    when = {key: value for key, value in when.items() if value}
    if not when:
        when = {"commodity": ["07"]}
    level = draw(LEVELS)
    start = draw(STARTS)
    span = draw(SPANS)
    validity = {"from": start.isoformat(), "to": (start + span).isoformat() if span else None}
    return profile(
        f"CUS-GEN-{index:03d}",
        when=when,
        level=level,
        offices=OFFICES[level],
        scope=draw(SCOPES),
        validity=validity,
    )


@st.composite
def declarations_(draw: st.DrawFn) -> Declaration:
    items = [
        item(
            sequence,
            draw(CODES),
            draw(ORIGINS),
            docs=tuple(draw(ITEM_DOCS)),
            procedure=draw(ITEM_PROCEDURES),
            net_mass=draw(MASSES),
            parties=tuple(draw(SELLERS)),
        )
        for sequence in range(1, draw(st.integers(1, 4)) + 1)
    ]
    return declaration(
        *items,
        parties=(Party(role=PartyRole.IMPORTER, id="GB123456789000", name=draw(NAMES)),),
        kind=draw(KINDS),
        transport=Transport(
            mode=draw(MODES),
            office_of_declaration=draw(DECLARED_AT),
            office_of_exit=draw(EXITS),
            dispatch_country=draw(ORIGINS),
        ),
        docs=tuple(draw(HEADER_DOCS)),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_indexed_evaluation_equals_evaluating_every_profile(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 12))
    profiles = [data.draw(profiles_(i)) for i in range(count)]
    rules = RuleSet.compile(profiles, references())
    for _ in range(2):
        decl = data.draw(declarations_())
        at = data.draw(st.sampled_from(MOMENTS)) + timedelta(minutes=30)
        indexed = rules.evaluate(decl, at=at)
        assert indexed == rules._evaluate(decl, at, indexed=False)
        keys = [(f.profile_id, f.profile_version) for f in indexed]
        assert len(keys) == len(set(keys))  # one finding per profile
        for finding in indexed:
            assert list(finding.item_sequences) == sorted(set(finding.item_sequences))
            assert finding.indicators
