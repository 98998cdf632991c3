"""Veterinary: entry documents (CHED-P, CHED-A), animal-disease origins, exports left alone."""

from __future__ import annotations

import pytest

from hub.assess import Assessor
from hub.model import DeclarationKind
from hub.model.finding import RequestedChannel
from tests.agencies.support import TODAY, corpus, corpus_files, declaration, fired, item, routed


def test_every_corpus_declaration_with_a_ched_p_reaches_vet(assessor: Assessor) -> None:
    files = corpus_files("N853")
    assert len(files) >= 4
    for name in files:
        result = assessor.assess(corpus(name), at=TODAY)
        (vet,) = [a for a in result.agencies if a.agency == "vet"]
        assert any("carries document N853" in reason for reason in vet.route.reasons), name


def test_waffles_reach_vet_by_their_document_alone(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM088a/TT_IM088a.xml"), at=TODAY)
    (vet,) = [a for a in result.agencies if a.agency == "vet"]
    assert vet.route.reasons == ("vet: item 1 carries document N853",)
    assert vet.findings == ()


def test_chicken_from_brazil_is_examined_for_avian_influenza(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM026a/TT_IM026a.xml"), at=TODAY)
    finding = fired(result, "vet")["VET-ORG-002"]
    assert finding.channel is RequestedChannel.RED
    assert "commodity 02071410 starts with 0207" in finding.indicators


def test_chicken_from_france_with_its_ched_p_raises_nothing(assessor: Assessor) -> None:
    result = assessor.assess(corpus("TT_IM196a/Step1_TT_IM196a.xml"), at=TODAY)
    assert fired(result, "vet") == {}


@pytest.mark.parametrize("code", ["02071410", "03061792", "04069021", "16010091", "41015010"])
def test_a_product_of_animal_origin_without_a_ched_p_is_held(assessor: Assessor, code: str) -> None:
    result = assessor.assess(declaration(item(code, "NZ")), at=TODAY)
    finding = fired(result, "vet")["VET-DOC-001"]
    assert finding.mandatory and finding.channel is RequestedChannel.RED
    assert "document N853 missing" in finding.indicators
    with_document = assessor.assess(declaration(item(code, "NZ", "N853")), at=TODAY)
    assert "VET-DOC-001" not in fired(with_document, "vet")


def test_pork_from_an_asf_country_even_with_its_ched_p(assessor: Assessor) -> None:
    result = assessor.assess(declaration(item("02031955", "CN", "N853")), at=TODAY)
    found = fired(result, "vet")
    assert set(found) == {"VET-ORG-001"}
    assert found["VET-ORG-001"].mandatory


def test_live_cattle_without_a_ched_a_from_an_fmd_country(assessor: Assessor) -> None:
    result = assessor.assess(declaration(item("01022905", "TR")), at=TODAY)
    assert set(fired(result, "vet")) == {"VET-DOC-002", "VET-ORG-003"}


def test_only_the_items_of_animal_origin_reach_vet(assessor: Assessor) -> None:
    d = declaration(item("85109000", "US"), item("02013000", "IN", "N853", sequence=2))
    result = assessor.assess(d, at=TODAY)
    (vet,) = [a for a in result.agencies if a.agency == "vet"]
    assert vet.route.item_sequences == (2,)
    assert {f.profile_id: f.item_sequences for f in vet.findings} == {"VET-ORG-003": (2,)}


def test_exports_of_meat_do_not_reach_vet(assessor: Assessor) -> None:
    d = declaration(item("02013000", None), kind=DeclarationKind.EXPORT)
    assert "vet" not in routed(assessor.assess(d, at=TODAY))


def test_shrimp_residue_sampling_is_still_in_testing(assessor: Assessor, shadow: Assessor) -> None:
    d = declaration(item("03061792", "VN", "N853"))
    assert "VET-RES-001" not in fired(assessor.assess(d, at=TODAY), "vet")
    assert "VET-RES-001" in fired(shadow.assess(d, at=TODAY), "vet")


def test_pre_arrival_flags_disease_origins_before_any_document_is_due(
    assessor: Assessor,
) -> None:
    cargo = declaration(item("02031955", "CN"), kind=DeclarationKind.PRE_ARRIVAL)
    assert set(fired(assessor.assess(cargo, at=TODAY), "vet")) == {"VET-ORG-001"}
