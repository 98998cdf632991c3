"""Loading agency folders: the starter agencies, errors naming file and key, a fifth agency."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from hub.agency import Agency, default_agencies_dir, load_agencies, load_agency
from hub.errors import InvalidAgency, InvalidReference
from hub.model import (
    AdditionalDocument,
    Declaration,
    DeclarationKind,
    GoodsItem,
    Origin,
    SourceFormat,
)
from hub.routing import route, view_for
from hub.rules import ProfileStatus

TODAY = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def agencies() -> dict[str, Agency]:
    return load_agencies()


# The starter agencies in agencies/


def test_the_four_starter_agencies_load_without_a_rejected_profile(
    agencies: dict[str, Agency],
) -> None:
    assert list(agencies) == ["customs", "phyto", "police", "vet"]
    for agency in agencies.values():
        assert agency.rejected == (), agency.rejected
        assert agency.warnings == (), agency.warnings
        assert agency.folder == default_agencies_dir() / agency.name
        assert agency.spec.queue == f"agency.{agency.name}"
        assert len(agency.compile()) >= 4


def test_every_starter_profile_says_why_and_most_are_in_force_today(
    agencies: dict[str, Agency],
) -> None:
    for agency in agencies.values():
        for profile in agency.profiles:
            assert profile.owner == agency.name
            assert len(profile.rationale) > 80, profile.id
            assert profile.id.startswith(agency.name[:3].upper()), profile.id
            if profile.status is ProfileStatus.ACTIVE:
                assert profile.validity.covers(TODAY), profile.id
        statuses = [p.status for p in agency.profiles]
        assert statuses.count(ProfileStatus.ACTIVE) > len(statuses) / 2
        assert {ProfileStatus.TESTING, ProfileStatus.DRAFT} & set(statuses), agency.name


def test_a_short_lived_profile_shows_validity_in_days(agencies: dict[str, Agency]) -> None:
    short = [
        p.id
        for a in agencies.values()
        for p in a.profiles
        if p.validity.to is not None and p.validity.to - p.validity.from_ <= timedelta(days=7)
    ]
    assert "CUS-ALR-001" in short


def test_every_reference_list_states_its_source_and_date(agencies: dict[str, Agency]) -> None:
    for agency in agencies.values():
        assert len(agency.references) == len(agency.spec.reference)
        for ref in agency.references.values():
            assert ref.owner == agency.name
            assert len(ref.source) > 20 and ref.date.year >= 2026, ref.name


def test_watchlist_entries_are_marked_as_test_data(agencies: dict[str, Agency]) -> None:
    watchlist = agencies["police"].references.watchlist("police_watchlist")
    assert "TEST DATA" in watchlist.source
    assert all("TEST DATA" in entry.reason for entry in watchlist.entries)


# Errors name the file and the key


def _agency(
    root: Path,
    name: str = "health",
    *,
    spec: str | None = None,
    profiles: dict[str, str] | None = None,
    references: dict[str, str] | None = None,
) -> Path:
    """Write one agency folder; by default the throwaway health agency of the last tests."""
    folder = root / name
    (folder / "profiles").mkdir(parents=True)
    (folder / "reference").mkdir()
    (folder / "agency.yaml").write_text(dedent(spec or HEALTH_SPEC).replace("NAME", name))
    for file, text in (profiles if profiles is not None else HEALTH_PROFILES).items():
        (folder / "profiles" / file).write_text(dedent(text).replace("NAME", name))
    for file, text in (references if references is not None else HEALTH_REFERENCES).items():
        (folder / "reference" / file).write_text(dedent(text).replace("NAME", name))
    return folder


HEALTH_SPEC = """\
    # Port health: food and feed of non-animal origin under increased checks.
    name: NAME
    title: Port health authority - food of non-animal origin
    concerns:
      commodity: ['1202', '200811', '0709']
      documents: [C678]
      kinds: [import]
    queue: agency.NAME
    deadline_s: 15
    fail_safe: yellow
    findings_visible_to: [jtc]
    reference: [reference/aflatoxin_origins.yaml]
"""
HEALTH_PROFILES = {
    "HLT-AFL-001.yaml": """\
        id: HLT-AFL-001
        version: 1
        owner: NAME
        title: Groundnuts from origins with aflatoxin findings, without a CHED-D
        rationale: >-
          Implementing Regulation (EU) 2019/1793 puts groundnuts from these
          origins under increased official controls for aflatoxins.
        risk_area: food-safety
        assessment: {probability: high, consequence: medium}
        when:
          commodity: ['1202', '200811']
          documents_missing: [C678]
          expression: in_list("aflatoxin_origins", item.origin)
        score: 70
        channel: red
        instructions: Sample for aflatoxin analysis; hold until the result.
        mandatory: true
        validity: {from: 2026-01-01T00:00:00Z, to: 2027-12-31T00:00:00Z}
        status: active
    """,
}
HEALTH_REFERENCES = {
    "aflatoxin_origins.yaml": """\
        name: aflatoxin_origins
        owner: NAME
        kind: codes
        source: Implementing Regulation (EU) 2019/1793, Annex II (test copy)
        date: 2026-10-01
        entries: [US, AR, EG, IN, GH]
    """,
}


def test_a_broken_agency_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _agency(tmp_path, spec="name: health\nconcerns: [always\n")
    with pytest.raises(InvalidAgency) as caught:
        load_agency(folder)
    assert caught.value.file == str(folder / "agency.yaml")
    assert caught.value.line is not None
    assert "YAML" in caught.value.message


@pytest.mark.parametrize(
    ("change", "field", "line"),
    [
        (("findings_visible_to:", "findings_visible:"), "findings_visible", 11),
        (("fail_safe: yellow", "fail_safe: green"), "fail_safe", 10),
        (("['1202', '200811', '0709']", "[1202, '200811']"), "concerns.commodity[0]", 5),
        (("['1202', '200811', '0709']", "['1202', '20x']"), "concerns.commodity[1]", 5),
        (("kinds: [import]", "kinds: [imports]"), "concerns.kinds[0]", 7),
        (("name: NAME", "name: port-health"), "name", 2),
        (("[reference/aflatoxin_origins.yaml]", "[reference/missing.yaml]"), "reference[0]", 12),
        (("[reference/aflatoxin_origins.yaml]", "[../../etc/passwd]"), "reference[0]", 12),
    ],
    ids=[
        "unknown-key",
        "green-fail-safe",
        "unquoted-code",
        "bad-prefix",
        "unknown-kind",
        "name-not-folder",
        "missing-list",
        "path-outside",
    ],
)
def test_agency_yaml_errors_name_file_key_and_line(
    tmp_path: Path, change: tuple[str, str], field: str, line: int
) -> None:
    folder = _agency(tmp_path, spec=HEALTH_SPEC.replace(*change))
    with pytest.raises(InvalidAgency) as caught:
        load_agency(folder)
    assert (caught.value.file, caught.value.field, caught.value.line) == (
        str(folder / "agency.yaml"),
        field,
        line,
    )


def test_an_agency_concerned_with_nothing_is_refused(tmp_path: Path) -> None:
    spec = HEALTH_SPEC.replace("commodity: ['1202', '200811', '0709']", "").replace(
        "documents: [C678]", ""
    )
    with pytest.raises(InvalidAgency, match="concerns must say") as caught:
        load_agency(_agency(tmp_path, spec=spec))
    assert caught.value.field == "concerns"


def test_a_broken_reference_list_refuses_the_agency(tmp_path: Path) -> None:
    broken = {
        "aflatoxin_origins.yaml": HEALTH_REFERENCES["aflatoxin_origins.yaml"].replace(
            "date: 2026-10-01", "date: some day"
        )
    }
    folder = _agency(tmp_path, references=broken)
    with pytest.raises(InvalidReference) as caught:
        load_agency(folder)
    assert caught.value.file == str(folder / "reference/aflatoxin_origins.yaml")
    assert (caught.value.field, caught.value.line) == ("date", 5)


def test_a_reference_list_of_another_owner_is_refused(tmp_path: Path) -> None:
    other = {"aflatoxin_origins.yaml": HEALTH_REFERENCES["aflatoxin_origins.yaml"]}
    folder = _agency(tmp_path, references=other)
    (folder / "reference/aflatoxin_origins.yaml").write_text(
        (folder / "reference/aflatoxin_origins.yaml")
        .read_text()
        .replace("owner: health", "owner: vet")
    )
    with pytest.raises(InvalidReference, match="owner 'vet'"):
        load_agency(folder)


# A broken profile is refused whole, the others keep running

_GOOD = HEALTH_PROFILES["HLT-AFL-001.yaml"]


@pytest.mark.parametrize(
    ("text", "field", "line", "words"),
    [
        (_GOOD.replace("score: 70", "score: 170"), "score", 14, "less than or equal to 100"),
        (_GOOD.replace("owner: NAME", "owner: vet"), "owner", 3, "must be the agency 'health'"),
        (
            _GOOD.replace('"aflatoxin_origins"', '"aflatoxin_countries"'),
            "when.expression",
            13,
            "aflatoxin_countries",
        ),
        (
            _GOOD.replace(
                'expression: in_list("aflatoxin_origins", item.origin)',
                "screening: {watchlist: aflatoxin_origins}",
            ),
            "when.screening.watchlist",
            13,
            "aflatoxin_origins",
        ),
        (_GOOD.replace("when:", "when:\n  when:"), None, None, "YAML"),
    ],
    ids=["out-of-range", "other-owner", "unknown-list", "codes-as-watchlist", "broken-yaml"],
)
def test_a_broken_profile_is_refused_whole_without_taking_the_others_down(
    tmp_path: Path, text: str, field: str | None, line: int | None, words: str
) -> None:
    other = _GOOD.replace("HLT-AFL-001", "HLT-AFL-002")
    folder = _agency(tmp_path, profiles={"HLT-AFL-001.yaml": text, "HLT-AFL-002.yaml": other})
    agency = load_agency(folder)
    assert [p.id for p in agency.profiles] == ["HLT-AFL-002"]
    (error,) = agency.rejected
    assert error.file == str(folder / "profiles/HLT-AFL-001.yaml")
    assert words in error.message
    if field is not None:
        assert (error.field, error.line) == (field, line)
    assert len(agency.compile()) == 1


def test_the_same_profile_version_in_two_files_refuses_the_second(tmp_path: Path) -> None:
    folder = _agency(tmp_path, profiles={"a.yaml": _GOOD, "b.yaml": _GOOD})
    agency = load_agency(folder)
    assert len(agency.profiles) == 1
    (error,) = agency.rejected
    assert error.file.endswith("b.yaml") and error.field == "id"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("['1202', '200811']", "['6802']"), "commodity 6802 lies outside the agency's concerns"),
        (
            ("commodity: ['1202'", "kind: [export]\n          commodity: ['1202'"),
            "kind export is never",
        ),
    ],
)
def test_a_profile_routing_keeps_from_its_goods_is_warned_about(
    tmp_path: Path, change: tuple[str, str], words: str
) -> None:
    agency = load_agency(_agency(tmp_path, profiles={"p.yaml": _GOOD.replace(*change)}))
    assert len(agency.profiles) == 1  # loaded, so an officer can still back-test it
    (warning,) = agency.warnings
    assert warning.startswith("HLT-AFL-001 v1: ") and words in warning


# Checks across agencies


def test_agencies_may_not_share_a_queue(tmp_path: Path) -> None:
    _agency(tmp_path, "health")
    _agency(
        tmp_path,
        "standards",
        spec=HEALTH_SPEC.replace("queue: agency.NAME", "queue: agency.health"),
        references={
            "aflatoxin_origins.yaml": HEALTH_REFERENCES["aflatoxin_origins.yaml"].replace(
                "name: aflatoxin_origins", "name: standards_list"
            )
        },
    )
    with pytest.raises(InvalidAgency, match="already used by health") as caught:
        load_agencies(tmp_path)
    assert caught.value.field == "queue" and caught.value.file.endswith("standards/agency.yaml")


def test_findings_can_be_shown_only_to_known_agencies(tmp_path: Path) -> None:
    _agency(
        tmp_path,
        spec=HEALTH_SPEC.replace(
            "findings_visible_to: [jtc]", "findings_visible_to: [jtc, traders]"
        ),
    )
    with pytest.raises(InvalidAgency, match="'traders' is neither") as caught:
        load_agencies(tmp_path)
    assert (caught.value.field, caught.value.line) == ("findings_visible_to[1]", 11)


def test_a_folder_without_agency_yaml_is_an_error_not_silently_skipped(tmp_path: Path) -> None:
    (tmp_path / "helth").mkdir()
    (tmp_path / "__pycache__").mkdir()
    with pytest.raises(InvalidAgency, match=r"needs agency\.yaml"):
        load_agencies(tmp_path)


# A fifth agency is one new folder, with no change to hub/


def test_a_fifth_agency_is_one_new_folder(tmp_path: Path) -> None:
    root = tmp_path / "agencies"
    shutil.copytree(
        default_agencies_dir(), root, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    _agency(root, "health")
    agencies = load_agencies(root)
    assert list(agencies) == ["customs", "health", "phyto", "police", "vet"]

    peanuts = Declaration(
        id="DEC-PEANUTS",
        source_format=SourceFormat.WCO_DEC_DMS,
        message_hash="0" * 64,
        functional_reference="LRN-PEANUTS",
        kind=DeclarationKind.IMPORT,
        goods_items=(
            GoodsItem(sequence=1, commodity_code="12024200", origin=Origin(country="US")),
            GoodsItem(sequence=2, commodity_code="85434000", origin=Origin(country="US")),
            GoodsItem(
                sequence=3,
                commodity_code="12024200",
                origin=Origin(country="AR"),
                documents=(AdditionalDocument(category="C", type_code="678", id="CHEDD.1"),),
            ),
        ),
    )
    routes = {r.agency: r for r in route(peanuts, {n: a.spec for n, a in agencies.items()})}
    assert set(routes) == {"customs", "health", "phyto", "police"}  # groundnuts are seeds
    assert routes["health"].item_sequences == (1, 3)
    assert "health: item 3 carries document C678" in routes["health"].reasons

    findings = agencies["health"].compile().evaluate(view_for(peanuts, routes["health"]), at=TODAY)
    assert [(f.agency, f.profile_id, f.item_sequences) for f in findings] == [
        ("health", "HLT-AFL-001", (1,))
    ]
    assert findings[0].mandatory
