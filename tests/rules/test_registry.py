"""The profile registry: immutable versions, the change log, the back-test gate."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from hub.errors import ChangeRefused, UnknownProfile
from hub.rules.lifecycle import rules_hash
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import ChangeAction, FileRegistry, default_registry_dir
from tests.rules._profile_factory import T0, activate, make_profile, result_for

ACTIVE = ProfileStatus.ACTIVE
TESTING = ProfileStatus.TESTING
RETIRED = ProfileStatus.RETIRED


def test_a_published_version_is_kept_and_stays_readable_as_a_profile_file(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)

    first = registry.publish(make_profile(), by="alice", at=T0)
    second = registry.publish(make_profile(title="Sharper title"), by="alice", at=T0)

    assert first is not None and second is not None
    assert [p.version for p in registry.versions("CUS-TST-001")] == [1, 2]
    assert registry.get("CUS-TST-001", 1).title == "Test profile"
    assert registry.get("CUS-TST-001").title == "Sharper title"
    stored = yaml.safe_load((tmp_path / "profiles/CUS-TST-001/v1.yaml").read_text())
    assert RiskProfile.model_validate(stored) == first


def test_publishing_the_same_rules_again_records_nothing(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)

    assert registry.publish(make_profile(version=7), by="bob", at=T0) is None
    assert len(registry.versions("CUS-TST-001")) == 1
    assert len(registry.changes()) == 1


def test_a_version_number_is_never_reused_and_an_authors_higher_one_is_kept(
    tmp_path: Path,
) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(version=3), by="alice", at=T0)
    later = registry.publish(make_profile(version=1, score=70), by="alice", at=T0)

    assert later is not None and later.version == 4
    assert [p.version for p in registry.versions("CUS-TST-001")] == [3, 4]


def test_version_files_are_never_rewritten(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    v1 = tmp_path / "profiles/CUS-TST-001/v1.yaml"
    before = v1.read_bytes()

    registry.publish(make_profile(score=90), by="alice", at=T0)
    activate(registry)

    assert v1.read_bytes() == before


def test_a_status_change_is_a_new_version_with_the_same_rules(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)

    active = activate(registry)

    testing = registry.get("CUS-TST-001", 1)
    assert (testing.status, active.status, active.version) == (TESTING, ACTIVE, 2)
    assert rules_hash(active) == rules_hash(testing)


def test_the_change_log_says_who_when_and_what(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    registry.publish(make_profile(score=80, when={"commodity": ["0704"]}), by="bob", at=T0)
    registry.record_backtest(
        "CUS-TST-001", 2, result_for(registry.get("CUS-TST-001")), by="carol", at=T0
    )
    later = T0 + timedelta(hours=2)
    registry.set_status("CUS-TST-001", ACTIVE, by="dave", at=later, reason="hits are sound")

    log = registry.changes("CUS-TST-001")

    assert [(c.by, c.action, c.version) for c in log] == [
        ("alice", ChangeAction.PUBLISH, 1),
        ("bob", ChangeAction.PUBLISH, 2),
        ("carol", ChangeAction.BACKTEST, 2),
        ("dave", ChangeAction.STATUS, 3),
    ]
    assert log[0].detail == "testing; first version"
    assert log[1].detail == "testing; changed: when, score"
    assert log[2].detail.startswith("2 of 10 declarations hit (20.0%), hit rate unknown")
    assert log[3].detail == "testing -> active: hits are sound"
    assert log[3].at == later


def test_activation_is_refused_until_a_backtest_is_recorded(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)

    with pytest.raises(ChangeRefused, match="no back-test is recorded"):
        registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0)
    assert len(registry.versions("CUS-TST-001")) == 1

    assert activate(registry).status is ACTIVE


def test_a_backtest_of_other_rules_does_not_count(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    other = make_profile(score=99)

    with pytest.raises(ChangeRefused, match="did not evaluate the rules"):
        registry.record_backtest("CUS-TST-001", 1, result_for(other), by="carol", at=T0)
    with pytest.raises(ChangeRefused, match="no declarations"):
        registry.record_backtest(
            "CUS-TST-001", 1, result_for(make_profile(), declarations=0), by="carol", at=T0
        )
    assert registry.backtests("CUS-TST-001") == []


def test_only_a_profile_in_testing_can_be_activated(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    draft = registry.publish(make_profile(status="draft"), by="alice", at=T0)
    assert draft is not None
    registry.record_backtest("CUS-TST-001", 1, result_for(draft), by="carol", at=T0)

    with pytest.raises(ChangeRefused, match="only a profile in testing"):
        registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0)
    registry.set_status("CUS-TST-001", TESTING, by="chief", at=T0)
    assert registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0).version == 3


def test_publishing_as_active_needs_backtested_rules(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)

    with pytest.raises(ChangeRefused):
        registry.publish(make_profile(status="active"), by="alice", at=T0)
    assert registry.ids() == []


def test_retirement_needs_a_reason_and_takes_the_profile_out_of_force(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    activate(registry)

    with pytest.raises(ChangeRefused, match="reason"):
        registry.set_status("CUS-TST-001", RETIRED, by="chief", at=T0, reason=" ")
    registry.set_status("CUS-TST-001", RETIRED, by="chief", at=T0, reason="no hits in a year")

    assert registry.current() == []
    assert registry.get("CUS-TST-001").status is RETIRED


def test_a_new_testing_version_does_not_switch_the_active_one_off(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    active = activate(registry)

    registry.publish(make_profile(score=90), by="alice", at=T0)

    assert registry.current() == [active]
    in_test = registry.current(statuses=(ACTIVE, TESTING))
    assert [(p.version, p.status) for p in in_test] == [(2, ACTIVE), (3, TESTING)]


def test_current_filters_by_owner(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)
    registry.publish(make_profile("VET-TST-001", owner="vet"), by="vera", at=T0)

    testing = (TESTING,)
    assert [p.id for p in registry.current(owner="vet", statuses=testing)] == ["VET-TST-001"]


def test_unknown_ids_and_versions_are_named(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile(), by="alice", at=T0)

    with pytest.raises(UnknownProfile, match="CUS-TST-001 v9"):
        registry.get("CUS-TST-001", 9)
    with pytest.raises(UnknownProfile):
        registry.get("../../etc")
    with pytest.raises(UnknownProfile):
        registry.set_status("CUS-NOPE-1", ACTIVE, by="chief", at=T0)


def test_a_change_needs_a_name_and_an_aware_moment(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)

    with pytest.raises(ValueError, match="who"):
        registry.publish(make_profile(), by="  ", at=T0)
    with pytest.raises(ValueError, match="time zone"):
        registry.publish(make_profile(), by="alice", at=T0.replace(tzinfo=None))


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
