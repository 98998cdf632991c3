"""The profiles in force: an agency folder's, overlaid by what the registry decided."""

from __future__ import annotations

from pathlib import Path

from hub.rules.overlay import overlay, registered
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import FileRegistry
from tests.rules._profile_factory import T0, activate, make_profile


def _in_force(profiles: list[RiskProfile]) -> list[tuple[str, int, str]]:
    return [(p.id, p.version, p.status.value) for p in profiles]


def test_a_decided_registry_status_wins_over_the_folder() -> None:
    folder = [
        make_profile("CUS-ONE-001", status="active"),
        make_profile("CUS-TWO-001", status="retired"),
    ]
    recorded = [
        make_profile("CUS-ONE-001", version=3, status="retired"),
        make_profile("CUS-TWO-001", version=2, status="active"),
    ]
    assert _in_force(overlay(folder, recorded, {"CUS-ONE-001", "CUS-TWO-001"})) == [
        ("CUS-ONE-001", 3, "retired"),
        ("CUS-TWO-001", 2, "active"),
    ]


def test_registry_only_profiles_join_and_folder_only_ones_are_unchanged() -> None:
    folder = [make_profile("CUS-OLD-001", status="active")]
    recorded = [make_profile("CUS-NEW-001", version=2, status="active")]
    assert _in_force(overlay(folder, recorded, {"CUS-NEW-001"})) == [
        ("CUS-OLD-001", 1, "active"),
        ("CUS-NEW-001", 2, "active"),
    ]
    assert overlay(folder, [], set()) == folder  # an empty registry: the folder as it is


def test_an_undecided_registry_version_does_not_switch_the_folders_off() -> None:
    # What `hub profiles sync` records for an active file without a back-test.
    folder = [make_profile("CUS-ONE-001", status="active")]
    synced = make_profile("CUS-ONE-001", status="testing")
    edited = make_profile("CUS-ONE-001", version=2, status="draft", score=80)
    assert _in_force(overlay(folder, [synced], set())) == [("CUS-ONE-001", 1, "active")]
    assert _in_force(overlay(folder, [edited], set())) == [
        ("CUS-ONE-001", 1, "active"),
        ("CUS-ONE-001", 2, "draft"),
    ]


def test_the_registry_decides_once_it_recorded_an_activation_or_retirement(
    tmp_path: Path,
) -> None:
    registry = FileRegistry(tmp_path)
    for profile_id in ("CUS-ONE-001", "CUS-TWO-001", "CUS-NEW-001"):
        registry.publish(make_profile(profile_id), by="a", at=T0)
    registry.publish(make_profile("VET-ONE-001", owner="vet"), by="a", at=T0)
    activate(registry, "CUS-TWO-001")
    registry.set_status("CUS-TWO-001", ProfileStatus.RETIRED, by="c", at=T0, reason="weak")
    registry.set_status("CUS-TWO-001", ProfileStatus.TESTING, by="c", at=T0, reason="again")
    activate(registry, "CUS-NEW-001")

    recorded, decided = registered(registry, "customs", {"CUS-ONE-001", "CUS-TWO-001"})

    assert _in_force(recorded) == [
        ("CUS-NEW-001", 2, "active"),
        ("CUS-ONE-001", 1, "testing"),
        ("CUS-TWO-001", 4, "testing"),
    ]
    # Retired once, then back in testing: the retirement still stands over the folder.
    assert decided == {"CUS-NEW-001", "CUS-TWO-001"}
    folder = [make_profile(p, status="active") for p in ("CUS-ONE-001", "CUS-TWO-001")]
    assert _in_force(overlay(folder, recorded, decided)) == [
        ("CUS-ONE-001", 1, "active"),
        ("CUS-NEW-001", 2, "active"),
        ("CUS-TWO-001", 4, "testing"),
    ]
