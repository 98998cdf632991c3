"""Matching pre-arrival data with import declarations, and partners' watches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.exchange.matching import (
    MatchTolerance,
    alert_summary,
    best_match,
    differences,
    mismatch_finding,
    movement_keys,
    normalise_identifier,
    overdue,
    same_name,
)
from hub.exchange.messages import PreArrival, PreArrivalItem
from hub.exchange.watches import Watch, watch_findings
from hub.ingest import read
from hub.model.declaration import (
    Container,
    GoodsItem,
    Party,
    PartyRole,
    Totals,
    Transport,
    TransportMeans,
)
from hub.model.finding import FindingSource, RequestedChannel
from tests.exchange.pre_arrival_builders import DEPARTED, header, import_of, pre_arrival

PLATE = st.text(alphabet="ABCDEFGHJKLMNPRSTUVZ0123456789", min_size=4, max_size=9)
NAMES = st.sampled_from(["Acme Trading", "Balkan Logistics d.o.o.", "Adriatic Foods sh.p.k."])
CODES = st.text(alphabet="0123456789", min_size=6, max_size=10)
MASS = st.decimals(min_value=1, max_value=40_000, places=1)


@st.composite
def pre_arrivals(draw: st.DrawFn) -> PreArrival:
    codes = draw(st.lists(CODES, min_size=1, max_size=4))
    masses = draw(st.lists(MASS, min_size=len(codes), max_size=len(codes)))
    items = tuple(
        PreArrivalItem(sequence=n, commodity_code=c, gross_mass=m)
        for n, (c, m) in enumerate(zip(codes, masses, strict=True), 1)
    )
    return pre_arrival(
        means_id=draw(PLATE),
        consignor_id=draw(st.none() | PLATE),
        consignor_name=draw(NAMES),
        consignee_id=draw(st.none() | PLATE),
        consignee_name=draw(NAMES),
        gross_mass=sum(masses, Decimal(0)),
        containers=tuple(draw(st.lists(PLATE, max_size=2))),
        items=items,
    )


@given(st.text(max_size=30))
def test_normalising_an_identifier_twice_changes_nothing(text: str) -> None:
    once = normalise_identifier(text)
    assert normalise_identifier(once) == once


def test_plates_written_differently_are_one_identifier() -> None:
    assert normalise_identifier("bg-123 ab") == normalise_identifier("BG.123.AB") == "BG123AB"


@given(pre_arrivals(), st.booleans())
def test_a_declaration_built_from_the_pre_arrival_data_has_no_differences(
    pre: PreArrival, cite: bool
) -> None:
    assert differences(pre, import_of(pre, cite=cite)) == ()


@given(st.decimals(min_value=0, max_value=5, places=2), st.booleans())
def test_a_mass_within_tolerance_is_never_a_difference(percent: Decimal, more: bool) -> None:
    sent = Decimal("21300")
    declared = sent * (1 + (percent if more else -percent) / 100)
    declaration = import_of(pre_arrival(), totals=Totals(gross_mass=declared))
    assert differences(pre_arrival(), declaration) == ()


def test_a_mass_beyond_twice_the_tolerance_is_said_in_kilograms_and_percent() -> None:
    declaration = import_of(pre_arrival(), totals=Totals(gross_mass=Decimal("18450")))
    assert differences(pre_arrival(), declaration) == (
        "gross mass 18,450 kg declared against 21,300 kg sent by RS "
        "(13.4 % apart, more than twice the 5 % tolerance)",
    )


def test_without_totals_the_items_masses_are_summed() -> None:
    pre = pre_arrival()
    items = (
        GoodsItem(sequence=1, commodity_code="87032310", gross_mass=Decimal("10000")),
        GoodsItem(sequence=2, commodity_code="87032310", gross_mass=Decimal("12000")),
    )
    assert differences(pre, import_of(pre, totals=Totals(), goods_items=items)) == ()
    # 3.3 % apart: within 5 %, beyond 2 %.
    tight = MatchTolerance(gross_mass_percent=Decimal(2))
    assert differences(pre, import_of(pre, totals=Totals(), goods_items=items), tight) == (
        "gross mass 22,000 kg declared against 21,300 kg sent by RS "
        "(3.3 % apart, more than the 2 % tolerance)",
    )


def test_no_gross_mass_declared_is_a_difference() -> None:
    pre = pre_arrival()
    items = (GoodsItem(sequence=1, commodity_code="87032310"),)
    assert differences(pre, import_of(pre, totals=Totals(), goods_items=items)) == (
        "no gross mass declared; RS sent 21,300 kg",
    )


def test_commodity_codes_are_compared_on_six_digits_both_ways() -> None:
    pre = pre_arrival(
        items=(PreArrivalItem(sequence=1, commodity_code="2402209000", gross_mass=Decimal(1)),)
    )
    same_subheading = (GoodsItem(sequence=1, commodity_code="24022010"),)
    assert differences(pre, import_of(pre, goods_items=same_subheading)) == ()
    cars = (GoodsItem(sequence=1, commodity_code="87032319"),)
    assert differences(pre, import_of(pre, goods_items=cars)) == (
        "commodity 8703 23 declared (item 1) is not among the codes sent by RS: 2402 20",
        "commodity 2402 20 sent by RS is not declared",
    )
    four = MatchTolerance(hs_digits=4)
    assert (
        differences(
            pre,
            import_of(pre, goods_items=(GoodsItem(sequence=1, commodity_code="24021000"),)),
            four,
        )
        == ()
    )


def test_parties_are_compared_by_identifier_when_both_have_one() -> None:
    pre = pre_arrival(consignee_id="GB999", consignee_name="Acme Trading")
    importer = Party(role=PartyRole.IMPORTER, id="GB123", name="ACME Ltd")
    exporter = Party(role=PartyRole.EXPORTER, id=pre.consignor_id, name=pre.consignor_name)
    declaration = import_of(pre, parties=(exporter, importer))
    assert differences(pre, declaration) == (
        "consignee 'ACME Ltd' (GB123) differs from 'Acme Trading' (GB999) in the pre-arrival data",
    )


def test_names_agree_across_case_word_order_and_legal_forms() -> None:
    assert same_name("AUTO EXPORT DOO", "Auto Export d.o.o.")
    assert same_name("Trading Acme Ltd", "acme trading LLC")
    assert same_name("Adriatic Foods sh.p.k.", "Adriatik Foods")
    assert not same_name("ACME Ltd", "Acme Trading")
    assert not same_name("Ltd", "LLC")


def test_a_consignor_named_only_at_item_level_is_compared_by_name() -> None:
    pre = pre_arrival(consignor_id=None, consignor_name="Auto Export d.o.o.")
    importer = Party(role=PartyRole.IMPORTER, id=pre.consignee_id)
    item = GoodsItem(
        sequence=1,
        commodity_code="87032310",
        parties=(Party(role=PartyRole.CONSIGNOR, name="Zastava Parts"),),
    )
    declaration = import_of(pre, parties=(importer,), goods_items=(item,))
    assert differences(pre, declaration) == (
        "consignor 'Zastava Parts' differs from 'Auto Export d.o.o.' in the pre-arrival data",
    )
    # A party the declaration does not name is not a disagreement.
    assert differences(pre, import_of(pre, parties=(importer,))) == ()


def test_means_of_transport_differ_only_when_the_match_was_not_by_means() -> None:
    pre = pre_arrival()
    swapped = import_of(
        pre, cite=True, transport=Transport(border_means=TransportMeans(id="PG-999-ZZ"))
    )
    assert best_match(swapped, [pre]) == pre
    assert differences(pre, swapped) == (
        "means of transport 'PG-999-ZZ' declared, RS sent 'BG-123-AB'",
    )


def test_the_cited_pre_arrival_wins_over_the_same_truck() -> None:
    cited = pre_arrival(declaration_reference="26RS0000000000999", means_id="KG-555-CC")
    same_truck = pre_arrival(gross_mass=Decimal("21300"))
    declaration = import_of(
        same_truck, previous_documents=import_of(cited, cite=True).previous_documents
    )
    assert best_match(declaration, [same_truck, cited]) == cited


def test_by_means_only_within_the_window_after_departure() -> None:
    pre = pre_arrival()
    declaration = import_of(pre)
    assert best_match(declaration, [pre]) == pre
    late = import_of(pre, accepted_at=DEPARTED + timedelta(hours=73))
    assert best_match(late, [pre]) is None
    assert best_match(late, [pre], MatchTolerance(window=timedelta(hours=96))) == pre
    before = import_of(pre, accepted_at=DEPARTED - timedelta(hours=1))
    assert best_match(before, [pre]) is None
    untimed = import_of(pre, accepted_at=None)
    assert best_match(untimed, [pre]) is None
    other_truck = pre_arrival(means_id="NS-001-XX")
    assert best_match(declaration, [other_truck]) is None


def test_the_expected_arrival_comes_before_acceptance() -> None:
    pre = pre_arrival()
    transport = Transport(
        border_means=TransportMeans(id=pre.means_id),
        expected_arrival=DEPARTED + timedelta(hours=100),
    )
    assert best_match(import_of(pre, transport=transport), [pre]) is None


def test_among_trips_of_one_truck_the_closest_then_the_latest_wins() -> None:
    heavier = pre_arrival(gross_mass=Decimal("30000"))
    earlier = pre_arrival(departed_at=DEPARTED - timedelta(hours=20))
    latest = pre_arrival(departed_at=DEPARTED + timedelta(hours=1))
    declaration = import_of(pre_arrival())
    assert best_match(declaration, [heavier, earlier, latest]) == latest
    assert best_match(declaration, [heavier, earlier]) == earlier


def test_a_container_in_common_matches_when_the_truck_changed() -> None:
    pre = pre_arrival(containers=("MSKU 123456-7",))
    declaration = import_of(
        pre,
        transport=Transport(
            border_means=TransportMeans(id="PG-999-ZZ"), containers=(Container(id="MSKU1234567"),)
        ),
    )
    assert best_match(declaration, [pre]) == pre


def test_movement_keys_collect_means_references_containers_and_parties() -> None:
    pre = pre_arrival(containers=("msku-123456.7",))
    keys = movement_keys(
        import_of(
            pre,
            cite=True,
            transport=Transport(
                border_means=TransportMeans(id="bg 123 ab"),
                arrival_means=TransportMeans(id="AR-1"),
                containers=(Container(id="msku-123456.7"),),
                transport_documents=("CMR 55/26",),
            ),
        )
    )
    assert keys.means == {"BG123AB", "AR1"}
    assert keys.containers == {"MSKU1234567"}
    assert keys.references == {"26RS0000000000123", "CMR5526"}
    assert keys.parties == {"RS100200300", "ME02001234"}


def _mass_words(declared: str) -> str:
    pre = pre_arrival()
    (words,) = differences(pre, import_of(pre, totals=Totals(gross_mass=Decimal(declared))))
    return words


MINOR_MASS = _mass_words("22500")  # 5.6 % apart: beyond 5 %, within 10 %
MAJOR_MASS = _mass_words("18450")  # 13.4 % apart
NO_MASS = "no gross mass declared; RS sent 21,300 kg"
CONTAINER = "container 'X' sent by RS is not declared"
MEANS = "means of transport 'A' declared, RS sent 'B'"
PARTY = "consignee 'A' differs from 'B' in the pre-arrival data"
CODE = "commodity 2402 20 sent by RS is not declared"


@pytest.mark.parametrize(
    ("found", "channel"),
    [
        ((MINOR_MASS,), RequestedChannel.YELLOW),
        ((NO_MASS,), RequestedChannel.YELLOW),
        ((CONTAINER,), RequestedChannel.YELLOW),
        ((MEANS,), RequestedChannel.YELLOW),
        ((MAJOR_MASS,), RequestedChannel.ORANGE),
        ((PARTY,), RequestedChannel.ORANGE),
        ((CODE,), RequestedChannel.ORANGE),
        ((CONTAINER, MEANS), RequestedChannel.ORANGE),
        ((PARTY, MINOR_MASS), RequestedChannel.ORANGE),
        ((CODE, MINOR_MASS), RequestedChannel.RED),
        ((CODE, NO_MASS), RequestedChannel.RED),
    ],
)
def test_the_mismatch_channel_scale(found: tuple[str, ...], channel: RequestedChannel) -> None:
    assert mismatch_finding(pre_arrival(), "RS", found).channel is channel


def test_a_mismatch_finding_names_the_partner_and_its_declaration() -> None:
    pre = pre_arrival()
    declaration = import_of(
        pre,
        totals=Totals(gross_mass=Decimal("18450")),
        goods_items=(GoodsItem(sequence=1, commodity_code="24022090"),),
    )
    found = differences(pre, declaration)
    finding = mismatch_finding(pre, "RS", found, agency="customs")
    assert finding.source is FindingSource.PRE_ARRIVAL
    assert finding.channel is RequestedChannel.RED
    assert finding.risk_area == "pre-arrival-mismatch"
    assert finding.indicators == found
    assert "RS" in (finding.title or "") and "26RS0000000000123" in (finding.title or "")
    with pytest.raises(ValueError, match="no differences"):
        mismatch_finding(pre, "RS", ())


def _watch(**identifiers: str) -> Watch:
    return Watch(
        partner="RS",
        warning_message_id="RS-RIF-2026-0481",
        channel=RequestedChannel.RED,
        risk_area="drugs",
        summary="Cocaine suspected in the trailer floor.",
        valid_to=date(2026, 3, 10),
        confidential=True,
        **identifiers,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("identifiers", "said"),
    [
        ({"means_id": "bg 123-ab"}, "means of transport 'bg 123-ab'"),
        ({"party_id": "me02001234"}, "party 'me02001234'"),
        (
            {"declaration_reference": "26RS0000000000123"},
            "declaration reference '26RS0000000000123'",
        ),
        ({"container": "MSKU.123456.7"}, "container 'MSKU.123456.7'"),
        ({"transport_document": "CMR 55/26"}, "transport document 'CMR 55/26'"),
    ],
)
def test_any_identifier_of_a_watch_hits(identifiers: dict[str, str], said: str) -> None:
    pre = pre_arrival(containers=("MSKU1234567",))
    declaration = import_of(
        pre,
        cite=True,
        transport=Transport(
            border_means=TransportMeans(id=pre.means_id),
            containers=(Container(id="MSKU1234567"),),
            transport_documents=("CMR5526",),
        ),
    )
    (finding,) = watch_findings(declaration, [_watch(**identifiers)], agency="police")
    assert finding.source is FindingSource.WATCH
    assert finding.agency == "police"
    assert finding.channel is RequestedChannel.RED
    assert finding.confidential
    assert finding.risk_area == "drugs"
    assert finding.indicators == (f"{said} named in RS's warning RS-RIF-2026-0481",)
    assert "RS" in (finding.title or "") and "RS-RIF-2026-0481" in (finding.title or "")


def test_a_watch_that_names_nothing_declared_is_silent_and_an_expired_one_too() -> None:
    declaration = import_of(pre_arrival())
    assert watch_findings(declaration, [_watch(means_id="PG-999-ZZ")]) == ()
    hit = _watch(means_id="BG-123-AB")
    assert len(watch_findings(declaration, [hit], on=date(2026, 3, 10))) == 1
    assert watch_findings(declaration, [hit], on=date(2026, 3, 11)) == ()


def test_overdue_pre_arrivals_and_their_alert() -> None:
    old = pre_arrival()
    new = pre_arrival(departed_at=DEPARTED + timedelta(hours=40))
    now = DEPARTED + timedelta(hours=50)
    assert overdue([(1, old), (2, new)], now, timedelta(hours=48)) == [1]
    assert alert_summary(old, "RS") == (
        "No import declaration matched the export 26RS0000000000123 RS announced: "
        "means BG-123-AB, departed RS015001 on 2026-03-02 08:00 UTC, 21,300 kg of 8703 23, "
        "for Acme Trading"
    )


def test_a_real_corpus_import_matches_the_pre_arrival_built_from_it(corpus: Path) -> None:
    garlic = read((corpus / "wco-dec-dms/declarations/TT_IM014a/TT_IM014a.xml").read_bytes())
    assert garlic.accepted_at is not None
    announced = pre_arrival(
        header=header(message_id="IL-SEED-77", sender="IL", receiver="GB"),
        declaration_reference="20IL0000000007701",
        means_id="12345",
        means_type="10",
        departed_at=garlic.accepted_at - timedelta(hours=30),
        consignor_id=None,
        consignor_name="Israel Garlic Corporation",
        consignee_id="GB553202734852",
        consignee_name="Garlic Importers",
        gross_mass=Decimal("1100"),
        containers=("AD 12345",),
        items=(PreArrivalItem(sequence=1, commodity_code="070320", origin="IL"),),
    )
    elsewhere = announced.model_copy(update={"means_id": "99999", "containers": ()})
    too_early = announced.model_copy(update={"departed_at": garlic.accepted_at - timedelta(days=4)})
    assert best_match(garlic, [elsewhere, too_early, announced]) == announced
    assert differences(announced, garlic) == ()
    heavier = announced.model_copy(update={"gross_mass": Decimal("1300")})
    assert differences(heavier, garlic) == (
        "gross mass 1,080 kg declared against 1,300 kg sent by IL "
        "(16.9 % apart, more than twice the 5 % tolerance)",
    )
