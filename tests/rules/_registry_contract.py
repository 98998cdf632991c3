"""What every profile registry must do, whatever keeps it: one class of tests, run per kind.

A kind subclasses :class:`RegistryContract` in its own test module and gives
the ``registry`` fixture (an empty registry): ``tests/rules/test_registry.py``
for files, ``tests/store/test_profile_registry.py`` for the database on SQLite
and PostgreSQL. So the life cycle and its refusals are proven the same for both.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.errors import ChangeRefused, UnknownProfile
from hub.rules.lifecycle import rules_hash
from hub.rules.profile import ProfileStatus
from hub.rules.registry import ChangeAction, ProfileRegistry
from tests.rules._profile_factory import T0, activate, make_profile, result_for

ACTIVE = ProfileStatus.ACTIVE
TESTING = ProfileStatus.TESTING
RETIRED = ProfileStatus.RETIRED


class RegistryContract:
    """The behaviours of :class:`~hub.rules.registry.ProfileRegistry`; not collected itself."""

    def test_a_published_version_is_kept_and_stays_readable(
        self, registry: ProfileRegistry
    ) -> None:
        first = registry.publish(make_profile(), by="alice", at=T0)
        second = registry.publish(make_profile(title="Sharper title"), by="alice", at=T0)

        assert first is not None and second is not None
        assert registry.versions("CUS-TST-001") == [first, second]
        assert [p.version for p in registry.versions("CUS-TST-001")] == [1, 2]
        assert registry.get("CUS-TST-001", 1) == make_profile()
        assert registry.get("CUS-TST-001").title == "Sharper title"
        assert registry.ids() == ["CUS-TST-001"]

    def test_publishing_the_same_rules_again_records_nothing(
        self, registry: ProfileRegistry
    ) -> None:
        registry.publish(make_profile(), by="alice", at=T0)

        assert registry.publish(make_profile(version=7), by="bob", at=T0) is None
        assert len(registry.versions("CUS-TST-001")) == 1
        assert len(registry.changes()) == 1

    def test_a_version_number_is_never_reused_and_an_authors_higher_one_is_kept(
        self, registry: ProfileRegistry
    ) -> None:
        registry.publish(make_profile(version=3), by="alice", at=T0)
        later = registry.publish(make_profile(version=1, score=70), by="alice", at=T0)

        assert later is not None and later.version == 4
        assert [p.version for p in registry.versions("CUS-TST-001")] == [3, 4]

    def test_a_status_change_is_a_new_version_with_the_same_rules(
        self, registry: ProfileRegistry
    ) -> None:
        registry.publish(make_profile(), by="alice", at=T0)

        active = activate(registry)

        testing = registry.get("CUS-TST-001", 1)
        assert (testing.status, active.status, active.version) == (TESTING, ACTIVE, 2)
        assert rules_hash(active) == rules_hash(testing)

    def test_the_change_log_says_who_when_and_what(self, registry: ProfileRegistry) -> None:
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
        assert registry.changes("CUS-NONE-001") == []

    def test_a_recorded_backtest_keeps_its_own_figures(self, registry: ProfileRegistry) -> None:
        profile = registry.publish(make_profile(), by="alice", at=T0)
        assert profile is not None
        registry.publish(make_profile(score=80), by="alice", at=T0)
        result = result_for(profile)

        record = registry.record_backtest("CUS-TST-001", 1, result, by="carol", at=T0)

        assert registry.backtests("CUS-TST-001") == [record]
        assert registry.backtests("CUS-TST-001", 1) == [record]
        assert registry.backtests("CUS-TST-001", 2) == []
        assert (record.by, record.at, record.rules_hash) == ("carol", T0, rules_hash(profile))
        assert record.result == result

    def test_activation_is_refused_until_a_backtest_is_recorded(
        self, registry: ProfileRegistry
    ) -> None:
        registry.publish(make_profile(), by="alice", at=T0)

        with pytest.raises(ChangeRefused, match="no back-test is recorded"):
            registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0)
        assert len(registry.versions("CUS-TST-001")) == 1

        assert activate(registry).status is ACTIVE

    def test_a_backtest_of_other_rules_does_not_count(self, registry: ProfileRegistry) -> None:
        registry.publish(make_profile(), by="alice", at=T0)
        other = make_profile(score=99)

        with pytest.raises(ChangeRefused, match="did not evaluate the rules"):
            registry.record_backtest("CUS-TST-001", 1, result_for(other), by="carol", at=T0)
        with pytest.raises(ChangeRefused, match="no declarations"):
            registry.record_backtest(
                "CUS-TST-001", 1, result_for(make_profile(), declarations=0), by="carol", at=T0
            )
        assert registry.backtests("CUS-TST-001") == []

    def test_only_a_profile_in_testing_can_be_activated(self, registry: ProfileRegistry) -> None:
        draft = registry.publish(make_profile(status="draft"), by="alice", at=T0)
        assert draft is not None
        registry.record_backtest("CUS-TST-001", 1, result_for(draft), by="carol", at=T0)

        with pytest.raises(ChangeRefused, match="only a profile in testing"):
            registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0)
        registry.set_status("CUS-TST-001", TESTING, by="chief", at=T0)
        assert registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0).version == 3
        with pytest.raises(ChangeRefused, match="already active"):
            registry.set_status("CUS-TST-001", ACTIVE, by="chief", at=T0)

    def test_publishing_as_active_needs_backtested_rules(self, registry: ProfileRegistry) -> None:
        with pytest.raises(ChangeRefused):
            registry.publish(make_profile(status="active"), by="alice", at=T0)
        assert registry.ids() == []

    def test_retirement_needs_a_reason_and_takes_the_profile_out_of_force(
        self, registry: ProfileRegistry
    ) -> None:
        registry.publish(make_profile(), by="alice", at=T0)
        activate(registry)

        with pytest.raises(ChangeRefused, match="reason"):
            registry.set_status("CUS-TST-001", RETIRED, by="chief", at=T0, reason=" ")
        registry.set_status("CUS-TST-001", RETIRED, by="chief", at=T0, reason="no hits in a year")

        assert registry.current() == []
        assert registry.get("CUS-TST-001").status is RETIRED

    def test_a_new_testing_version_does_not_switch_the_active_one_off(
        self, registry: ProfileRegistry
    ) -> None:
        registry.publish(make_profile(), by="alice", at=T0)
        active = activate(registry)

        registry.publish(make_profile(score=90), by="alice", at=T0)

        assert registry.current() == [active]
        in_test = registry.current(statuses=(ACTIVE, TESTING))
        assert [(p.version, p.status) for p in in_test] == [(2, ACTIVE), (3, TESTING)]

    def test_current_filters_by_owner(self, registry: ProfileRegistry) -> None:
        registry.publish(make_profile(), by="alice", at=T0)
        registry.publish(make_profile("VET-TST-001", owner="vet"), by="vera", at=T0)

        testing = (TESTING,)
        assert [p.id for p in registry.current(owner="vet", statuses=testing)] == ["VET-TST-001"]
        assert [p.id for p in registry.current(statuses=testing)] == ["CUS-TST-001", "VET-TST-001"]

    def test_unknown_ids_and_versions_are_named(self, registry: ProfileRegistry) -> None:
        registry.publish(make_profile(), by="alice", at=T0)

        with pytest.raises(UnknownProfile, match="CUS-TST-001 v9"):
            registry.get("CUS-TST-001", 9)
        with pytest.raises(UnknownProfile):
            registry.get("../../etc")
        with pytest.raises(UnknownProfile):
            registry.set_status("CUS-NOPE-1", ACTIVE, by="chief", at=T0)
        with pytest.raises(UnknownProfile, match="no such profile"):
            registry.record_backtest("CUS-NOPE-1", 1, result_for(make_profile()), by="carol", at=T0)
        assert registry.versions("CUS-NOPE-1") == []

    def test_a_change_needs_a_name_and_an_aware_moment(self, registry: ProfileRegistry) -> None:
        with pytest.raises(ValueError, match="who"):
            registry.publish(make_profile(), by="  ", at=T0)
        with pytest.raises(ValueError, match="time zone"):
            registry.publish(make_profile(), by="alice", at=T0.replace(tzinfo=None))
        assert registry.ids() == []

    def test_the_generation_moves_with_every_change_and_only_then(
        self, registry: ProfileRegistry
    ) -> None:
        seen = [registry.generation()]
        registry.publish(make_profile(), by="alice", at=T0)
        seen.append(registry.generation())
        registry.publish(make_profile(), by="alice", at=T0)  # nothing recorded
        assert registry.generation() == seen[-1]
        activate(registry)  # a back-test, then a status change
        seen.append(registry.generation())

        assert seen == sorted(set(seen))
