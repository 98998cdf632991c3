"""The profile registry in the database: the registry contract on SQLite and PostgreSQL,
rows never rewritten, concurrent writers, and bringing a file registry in."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.errors import ChangeRefused
from hub.rules.live import LiveRuleSet
from hub.rules.profile import ProfileStatus
from hub.rules.reference import ReferenceData
from hub.rules.registry import FileRegistry
from hub.store import Store
from hub.store.profile_registry import DatabaseRegistry
from hub.store.schema import ProfileChangeRecord, ProfileVersionRecord
from tests.rules._profile_factory import T0, activate, make_profile, result_for
from tests.rules._registry_contract import RegistryContract

PID = "CUS-TST-001"


class TestDatabaseRegistry(RegistryContract):
    @pytest.fixture
    def registry(self, store: Store) -> DatabaseRegistry:
        return DatabaseRegistry(store)


def _bodies(store: Store) -> list[tuple[str, int, str]]:
    table = ProfileVersionRecord.__table__
    statement = select(table.c.profile_id, table.c.version, table.c.body_json)
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(statement.order_by(table.c.version))]


def test_a_version_row_is_never_rewritten(store: Store) -> None:
    registry = DatabaseRegistry(store)
    registry.publish(make_profile(), by="alice", at=T0)
    [before] = _bodies(store)

    registry.publish(make_profile(score=90), by="alice", at=T0)
    activate(registry)

    assert _bodies(store)[0] == before
    assert [version for _, version, _ in _bodies(store)] == [1, 2, 3]


def test_the_engine_alone_is_enough_and_sees_what_the_store_wrote(store: Store) -> None:
    DatabaseRegistry(store).publish(make_profile(), by="alice", at=T0)

    assert [p.version for p in DatabaseRegistry(store.engine).versions(PID)] == [1]


def test_a_live_rule_set_reloads_when_another_process_activates(
    store: Store, database_url: str
) -> None:
    registry = DatabaseRegistry(store)
    registry.publish(make_profile(), by="alice", at=T0)
    live = LiveRuleSet(registry, ReferenceData())
    before = live.rules()

    with Store.open(database_url) as other:
        activate(DatabaseRegistry(other))

    assert live.rules() is not before
    assert live.generation == registry.generation()


# Concurrent writers: the primary key decides, the loser plans again.


def _publish_in_child(url: str, name: str, rounds: int, barrier: Any, results: Any) -> None:
    with Store.open(url) as store:
        registry = DatabaseRegistry(store)
        barrier.wait(timeout=20)
        versions = []
        for n in range(rounds):
            recorded = registry.publish(make_profile(title=f"{name} {n}"), by=name, at=T0)
            versions.append(None if recorded is None else recorded.version)
        results.put(versions)


def _activate_in_child(url: str, name: str, barrier: Any, results: Any) -> None:
    with Store.open(url) as store:
        registry = DatabaseRegistry(store)
        barrier.wait(timeout=20)
        try:
            registry.set_status(PID, ProfileStatus.ACTIVE, by=name, at=T0)
        except ChangeRefused as exc:
            results.put(f"refused: {exc.message}")
        else:
            results.put("active")


def _race(target: Any, *args_per_child: tuple[Any, ...]) -> list[Any]:
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(len(args_per_child)), mp.Queue()
    children = [
        mp.Process(target=target, args=(*args, barrier, results)) for args in args_per_child
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    results.close()
    return sorted(outcomes, key=str)


def test_two_processes_publishing_one_profile_get_distinct_versions(
    store: Store, database_url: str
) -> None:
    rounds = 10
    outcomes = _race(
        _publish_in_child, (database_url, "alice", rounds), (database_url, "bob", rounds)
    )

    assert sorted(v for versions in outcomes for v in versions) == list(range(1, 2 * rounds + 1))
    registry = DatabaseRegistry(store)
    versions = registry.versions(PID)
    assert [p.version for p in versions] == list(range(1, 2 * rounds + 1))
    assert [c.version for c in registry.changes()] == list(range(1, 2 * rounds + 1))
    assert sorted(p.title for p in versions) == sorted(
        f"{name} {n}" for name in ("alice", "bob") for n in range(rounds)
    )


def test_two_processes_activating_at_once_make_one_version_and_one_clear_refusal(
    store: Store, database_url: str
) -> None:
    registry = DatabaseRegistry(store)
    testing = registry.publish(make_profile(), by="alice", at=T0)
    assert testing is not None
    registry.record_backtest(PID, 1, result_for(testing), by="carol", at=T0)

    outcomes = _race(_activate_in_child, (database_url, "chief"), (database_url, "deputy"))

    assert outcomes == ["active", "refused: is already active"]
    assert [(p.version, p.status) for p in registry.versions(PID)] == [
        (1, ProfileStatus.TESTING),
        (2, ProfileStatus.ACTIVE),
    ]


# Bringing a file registry in


def _file_registry(root: Path) -> FileRegistry:
    files = FileRegistry(root)
    files.publish(make_profile(), by="alice", at=T0)
    activate(files)
    files.publish(make_profile(score=90), by="bob", at=T0)
    files.publish(make_profile("VET-TST-001", owner="vet"), by="vera", at=T0)
    return files


def test_importing_a_file_registry_keeps_versions_changes_and_backtests(
    store: Store, tmp_path: Path
) -> None:
    files = _file_registry(tmp_path / "registry")
    database = DatabaseRegistry(store)

    report = database.import_from(files, by="migration", at=T0)

    assert (report.imported, report.already) == ((PID, "VET-TST-001"), ())
    assert (report.versions, report.changes, report.backtests) == (4, 5, 1)
    assert database.ids() == files.ids()
    for profile_id in files.ids():
        assert database.versions(profile_id) == files.versions(profile_id)
        assert database.backtests(profile_id) == files.backtests(profile_id)
    assert database.changes() == files.changes()
    assert database.current() == files.current()
    # The gate holds as before: the newest testing version has no back-test of its own.
    with pytest.raises(ChangeRefused, match="no back-test"):
        database.set_status(PID, ProfileStatus.ACTIVE, by="chief", at=T0)


def test_importing_again_copies_nothing(store: Store, tmp_path: Path) -> None:
    files = _file_registry(tmp_path / "registry")
    database = DatabaseRegistry(store)
    database.import_from(files, by="migration", at=T0)
    database.publish(make_profile(score=91), by="carol", at=T0)  # the database moved on
    generation = database.generation()

    report = database.import_from(files, by="migration", at=T0)

    assert (report.imported, report.already) == ((), (PID, "VET-TST-001"))
    assert database.generation() == generation


def test_another_history_of_a_profile_refuses_the_whole_import(
    store: Store, tmp_path: Path
) -> None:
    files = _file_registry(tmp_path / "registry")
    database = DatabaseRegistry(store)
    database.publish(make_profile(title="Written elsewhere"), by="zoe", at=T0)

    with pytest.raises(ChangeRefused, match="another history") as refused:
        database.import_from(files, by="migration", at=T0)

    assert (refused.value.profile_id, refused.value.version) == (PID, 1)
    assert database.ids() == [PID]
    with store.engine.connect() as conn:
        changes = conn.execute(select(func.count()).select_from(ProfileChangeRecord)).scalar()
    assert changes == 1
