"""The file registry: the registry contract, plus what files alone promise (layout, locks)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import yaml

from hub.rules.profile import RiskProfile
from hub.rules.registry import FileRegistry, default_registry_dir
from tests.rules._profile_factory import T0, activate, make_profile
from tests.rules._registry_contract import RegistryContract


class TestFileRegistry(RegistryContract):
    @pytest.fixture
    def registry(self, tmp_path: Path) -> FileRegistry:
        return FileRegistry(tmp_path)


def test_each_version_is_a_loadable_profile_file(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)

    first = registry.publish(make_profile(), by="alice", at=T0)

    stored = yaml.safe_load((tmp_path / "profiles/CUS-TST-001/v1.yaml").read_text())
    assert RiskProfile.model_validate(stored) == first


def test_version_files_are_never_rewritten(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    v1 = tmp_path / "profiles/CUS-TST-001/v1.yaml"
    before = v1.read_bytes()

    registry.publish(make_profile(score=90), by="alice", at=T0)
    activate(registry)

    assert v1.read_bytes() == before


def test_the_state_directory_follows_the_environment(tmp_path: Path) -> None:
    assert default_registry_dir({"HUB_STATE_DIR": str(tmp_path)}) == tmp_path / "registry"
    assert default_registry_dir({}).parts[-2:] == ("var", "registry")


def _writer(root: str, name: str, rounds: int) -> None:
    registry = FileRegistry(Path(root))
    for n in range(rounds):
        profile = make_profile("CUS-RACE-001", title=f"{name} {n}")
        registry.publish(profile, by=name, at=T0)


def test_two_processes_writing_at_once_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    rounds = 25
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_writer, args=(str(tmp_path), name, rounds))
        for name in ("alice", "bob")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0

    registry = FileRegistry(tmp_path)
    versions = registry.versions("CUS-RACE-001")
    changes = registry.changes()
    assert [p.version for p in versions] == list(range(1, 2 * rounds + 1))
    assert [c.version for c in changes] == list(range(1, 2 * rounds + 1))
    assert sorted(p.title for p in versions) == sorted(
        f"{name} {n}" for name in ("alice", "bob") for n in range(rounds)
    )


def test_a_torn_last_log_line_is_ignored_and_cut_by_the_next_writer(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    with (tmp_path / "changes.jsonl").open("a") as log:
        log.write('{"at": "2026-01-0')

    assert len(registry.changes()) == 1
    registry.publish(make_profile(score=1), by="alice", at=T0)
    assert [c.version for c in registry.changes()] == [1, 2]
