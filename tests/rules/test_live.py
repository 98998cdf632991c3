"""A running process's rule set follows the registry without a restart, and never breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import InvalidProfile
from hub.ingest import read
from hub.model import Declaration
from hub.rules.live import LiveRuleSet
from hub.rules.profile import ProfileStatus
from hub.rules.reference import ReferenceData
from hub.rules.registry import FileRegistry
from tests.conftest import CORPUS
from tests.rules._profile_factory import T0, activate, make_profile

ONIONS = CORPUS / "wco-dec-dms/declarations/TT_IM014a/TT_IM014a.xml"  # 07032000 from IL


@pytest.fixture(scope="module")
def onions() -> Declaration:
    return read(ONIONS.read_bytes())


def _ids(live: LiveRuleSet, declaration: Declaration) -> list[str | None]:
    return [f.profile_id for f in live.evaluate(declaration, at=T0)]


def test_an_activation_is_picked_up_without_a_restart(tmp_path: Path, onions: Declaration) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile("CUS-VEG-001", when={"commodity": ["07"]}), by="a", at=T0)
    live = LiveRuleSet(registry, ReferenceData())
    assert _ids(live, onions) == []

    activate(registry, "CUS-VEG-001")
    assert _ids(live, onions) == ["CUS-VEG-001"]

    registry.set_status("CUS-VEG-001", ProfileStatus.RETIRED, by="c", at=T0, reason="weak")
    assert _ids(live, onions) == []


def test_no_change_no_recompilation(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    live = LiveRuleSet(registry, ReferenceData())

    assert live.rules() is live.rules()


def test_a_set_that_cannot_compile_keeps_the_old_one_running(
    tmp_path: Path, onions: Declaration
) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile("CUS-VEG-001", when={"commodity": ["07"]}), by="a", at=T0)
    activate(registry, "CUS-VEG-001")
    live = LiveRuleSet(registry, ReferenceData())
    broken = make_profile("POL-WCH-001", owner="police", when={"screening": {"watchlist": "gone"}})
    registry.publish(broken, by="p", at=T0)
    activate(registry, "POL-WCH-001")

    assert _ids(live, onions) == ["CUS-VEG-001"]
    assert isinstance(live.error, InvalidProfile)
    assert "gone" in str(live.error)

    registry.set_status("POL-WCH-001", ProfileStatus.RETIRED, by="p", at=T0, reason="no list")
    assert _ids(live, onions) == ["CUS-VEG-001"]
    assert live.error is None


def test_a_process_that_cannot_compile_its_rules_does_not_start(tmp_path: Path) -> None:
    registry = FileRegistry(tmp_path)
    broken = make_profile("POL-WCH-001", owner="police", when={"screening": {"watchlist": "gone"}})
    registry.publish(broken, by="p", at=T0)
    activate(registry, "POL-WCH-001")

    with pytest.raises(InvalidProfile):
        LiveRuleSet(registry, ReferenceData())


def test_one_agency_holds_only_its_own_profiles(tmp_path: Path, onions: Declaration) -> None:
    registry = FileRegistry(tmp_path)
    registry.publish(make_profile("CUS-VEG-001", when={"commodity": ["07"]}), by="a", at=T0)
    registry.publish(
        make_profile("PHY-VEG-001", owner="phyto", when={"commodity": ["07"]}), by="a", at=T0
    )
    activate(registry, "CUS-VEG-001")
    activate(registry, "PHY-VEG-001")

    assert _ids(LiveRuleSet(registry, ReferenceData(), owner="phyto"), onions) == ["PHY-VEG-001"]
