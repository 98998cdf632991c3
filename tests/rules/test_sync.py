"""Importing officers' profile files: changed files become versions, broken ones are refused."""

from __future__ import annotations

from pathlib import Path

from hub.errors import InvalidProfile
from hub.rules.load import load_profile
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import FileRegistry
from hub.rules.sync import read_profile_files, sync
from tests.rules._profile_factory import T0, activate, profile_yaml

TESTING = ProfileStatus.TESTING


def _agencies(root: Path, files: dict[str, str]) -> Path:
    for name in ("customs", "vet"):
        (root / name / "profiles").mkdir(parents=True)
        (root / name / "agency.yaml").write_text(f"name: {name}\n")
    for relative, text in files.items():
        (root / relative).write_text(text)
    return root


def test_sync_imports_changed_files_and_refuses_a_broken_one_whole(tmp_path: Path) -> None:
    agencies = _agencies(
        tmp_path / "agencies",
        {
            "customs/profiles/a.yaml": profile_yaml("CUS-TST-001"),
            "customs/profiles/b.yaml": profile_yaml("CUS-TST-002", score=400),
            "customs/profiles/c.yaml": profile_yaml("CUS-TST-003", owner="vet"),
            "vet/profiles/v.yaml": profile_yaml("VET-TST-001", owner="vet"),
        },
    )
    registry = FileRegistry(tmp_path / "registry")

    report = sync(registry, agencies, by="sync", at=T0)

    assert [p.id for p in report.published] == ["CUS-TST-001", "VET-TST-001"]
    refused = {Path(e.file).name: e for e in report.refused}
    assert set(refused) == {"b.yaml", "c.yaml"}
    assert (refused["b.yaml"].field, refused["b.yaml"].line) == ("score", 13)
    assert refused["c.yaml"].field == "owner"
    assert registry.ids() == ["CUS-TST-001", "VET-TST-001"]


def test_sync_records_a_new_version_only_when_the_rules_change(tmp_path: Path) -> None:
    agencies = _agencies(tmp_path / "agencies", {"customs/profiles/a.yaml": profile_yaml()})
    registry = FileRegistry(tmp_path / "registry")
    sync(registry, agencies, by="sync", at=T0)

    (agencies / "customs/profiles/a.yaml").write_text("# reviewed\n" + profile_yaml(version=2))
    again = sync(registry, agencies, by="sync", at=T0)
    (agencies / "customs/profiles/a.yaml").write_text(profile_yaml(score=75))
    changed = sync(registry, agencies, by="sync", at=T0)

    assert (again.published, again.unchanged) == ((), ("CUS-TST-001",))
    assert [p.version for p in changed.published] == [2]


def test_sync_never_activates_untested_rules_nor_undoes_an_activation(tmp_path: Path) -> None:
    agencies = _agencies(tmp_path / "agencies", {"customs/profiles/a.yaml": profile_yaml()})
    registry = FileRegistry(tmp_path / "registry")
    sync(registry, agencies, by="sync", at=T0)
    activate(registry)

    stale = sync(registry, agencies, by="sync", at=T0)
    (agencies / "customs/profiles/a.yaml").write_text(profile_yaml(score=75, status="active"))
    edited = sync(registry, agencies, by="sync", at=T0)

    assert stale.published == () and "registry says active" in stale.notes[0]
    assert [(p.version, p.status) for p in edited.published] == [(3, TESTING)]
    assert "stored as testing" in edited.notes[0]
    assert [p.version for p in registry.current()] == [2]


def test_the_same_id_in_two_files_refuses_the_second(tmp_path: Path) -> None:
    agencies = _agencies(
        tmp_path / "agencies",
        {"customs/profiles/a.yaml": profile_yaml(), "customs/profiles/b.yaml": profile_yaml()},
    )

    report = sync(FileRegistry(tmp_path / "registry"), agencies, by="sync", at=T0)

    assert [Path(e.file).name for e in report.refused] == ["b.yaml"]
    assert report.refused[0].field == "id"


def test_recorded_versions_load_as_profile_files(tmp_path: Path) -> None:
    agencies = _agencies(tmp_path / "agencies", {"customs/profiles/a.yaml": profile_yaml()})
    registry = FileRegistry(tmp_path / "registry")

    [published] = sync(registry, agencies, by="sync", at=T0).published

    assert load_profile(tmp_path / "registry/profiles/CUS-TST-001/v1.yaml") == published


def test_a_plain_folder_of_profiles_is_read_without_an_owner_check(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(profile_yaml(owner="vet"))
    (tmp_path / "notes.txt").write_text("not a profile")

    files = read_profile_files(tmp_path)

    assert [p.owner for p in files.profiles] == ["vet"] and files.refused == ()


def test_a_refusal_by_the_extra_check_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(profile_yaml(when={"commodity": ["0703"], "origin": ["KE"]}))

    def check(profile: RiskProfile) -> None:
        raise InvalidProfile("no such list", file=f"{profile.id} v1", field="when.origin[0]")

    [refused] = read_profile_files(tmp_path, check=check).refused

    assert (refused.file, refused.line, refused.field) == (
        str(tmp_path / "a.yaml"),
        13,
        "when.origin[0]",
    )
    assert refused.message == "CUS-TST-001: no such list"
