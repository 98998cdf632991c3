"""Plant health: certificates, pest-risk origins, wood, plants for planting, a one-week alert."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.assess import Assessor
from hub.model import DeclarationKind, GoodsItem, Transport, TransportMode
from hub.model.finding import RequestedChannel
from tests.agencies.support import TODAY, corpus, corpus_files, declaration, fired, item, routed


def test_every_corpus_declaration_with_a_phytosanitary_certificate_reaches_phyto(
    assessor: Assessor,
) -> None:
    files = corpus_files("N851")
    assert len(files) >= 3
    for name in files:
        assert "phyto" in routed(assessor.assess(corpus(name), at=TODAY)), name


def test_courgettes_with_certificate_and_pre_notification_raise_nothing(
    assessor: Assessor,
) -> None:
    result = assessor.assess(corpus("TT_IM160a/Step1_TT_IM160a.xml"), at=TODAY)
    assert fired(result, "phyto") == {}


def test_a_certificate_without_a_ched_pp_asks_for_the_pre_notification(
    assessor: Assessor,
) -> None:
    result = assessor.assess(corpus("TT_IM102a/Step1_TT_IM102a.xml"), at=TODAY)
    assert set(fired(result, "phyto")) == {"PHY-DOC-002"}


def test_garlic_without_a_phytosanitary_certificate_is_held(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM014a/TT_IM014a.xml"), at=TODAY)
    finding = fired(result, "phyto")["PHY-DOC-001"]
    assert finding.channel is RequestedChannel.RED
    assert finding.mandatory
    assert "document N851 missing" in finding.indicators


def test_bananas_are_routed_but_exempt_from_the_certificate(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_FI001a/TT_FI001a.xml"), at=TODAY)
    assert fired(result, "phyto") == {}


def test_goods_that_are_no_plants_do_not_reach_phyto(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM033b/TT_IM033b.xml"), at=TODAY)
    assert "phyto" not in routed(result)


@pytest.mark.parametrize(
    ("goods", "profile"),
    [
        (item("08045000", "PK", "N851", "C085"), "PHY-ORG-001"),  # mangoes: fruit flies
        (item("08051022", "ZA", "N851", "C085"), "PHY-ORG-001"),  # oranges: black spot
        (item("44071110", "US", "N851", "C085"), "PHY-WOOD-001"),  # sawn pine: nematode
        (item("06029099", "CR", "N851", "C085"), "PHY-PLT-001"),  # plants: Xylella
    ],
)
def test_pest_risk_origins(assessor: Assessor, goods: GoodsItem, profile: str) -> None:
    found = fired(assessor.assess(declaration(goods), at=TODAY), "phyto")
    assert set(found) == {profile}
    assert found[profile].channel is RequestedChannel.RED


def test_the_same_fruit_from_a_low_risk_origin_passes(assessor: Assessor) -> None:
    d = declaration(item("08045000", "NZ", "N851", "C085"))
    assert fired(assessor.assess(d, at=TODAY), "phyto") == {}


def test_the_khapra_alert_lives_one_week(assessor: Assessor) -> None:
    rice = declaration(item("10063098", "IN", "N851", "C085"))
    assert "PHY-ALR-001" in fired(assessor.assess(rice, at=TODAY), "phyto")
    later = TODAY + timedelta(days=7)
    assert "PHY-ALR-001" not in fired(assessor.assess(rice, at=later), "phyto")
    by_air = declaration(
        item("10063098", "IN", "N851", "C085"), transport=Transport(mode=TransportMode.AIR)
    )
    assert "PHY-ALR-001" not in fired(assessor.assess(by_air, at=TODAY), "phyto")


def test_cut_roses_from_kenya_are_selected_only_in_a_shadow_run(
    assessor: Assessor, shadow: Assessor
) -> None:
    roses = declaration(item("06031100", "KE", "N851", "C085"))
    assert "PHY-ORG-002" not in fired(assessor.assess(roses, at=TODAY), "phyto")
    assert "PHY-ORG-002" in fired(shadow.assess(roses, at=TODAY), "phyto")


def test_exports_of_plants_reach_phyto_but_import_rules_stay_silent(assessor: Assessor) -> None:
    d = declaration(item("06031100", None), kind=DeclarationKind.EXPORT)
    result = assessor.assess(d, at=TODAY)
    assert fired(result, "phyto") == {}
