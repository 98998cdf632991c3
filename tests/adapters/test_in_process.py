"""The bundled agencies behind the adapter protocol, on a real corpus declaration."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from adapters import Adapter, InProcessAdapter
from hub.agency import load_agencies, load_agency
from hub.assess import Assessor
from hub.errors import AdapterTimeout, InvalidProfile
from hub.model import Declaration
from hub.model.finding import RequestedChannel
from hub.routing import view_for
from hub.rules import ProfileStatus
from hub.rules.registry import FileRegistry
from tests.adapters.conftest import soon
from tests.agencies.support import TODAY
from tests.rules._profile_factory import T0, activate, make_profile


def test_garlic_without_a_certificate_is_held_by_plant_health(phyto_view: Declaration) -> None:
    adapter = InProcessAdapter(load_agencies()["phyto"], clock=lambda: TODAY)
    findings = adapter.assess(phyto_view, soon(2))
    adapter.close()
    (finding,) = (f for f in findings if f.profile_id == "PHY-DOC-001")
    assert finding.agency == "phyto"
    assert finding.channel is RequestedChannel.RED
    assert finding.mandatory


def test_every_agency_finds_through_its_adapter_what_the_assessor_finds(
    garlic: Declaration,
) -> None:
    agencies = load_agencies()
    expected = Assessor(agencies).assess(garlic, at=TODAY)
    for assessment in expected.agencies:
        adapter: Adapter = InProcessAdapter(agencies[assessment.agency], clock=lambda: TODAY)
        view = view_for(garlic, assessment.route)
        assert adapter.assess(view, soon(2)) == list(assessment.findings), assessment.agency


def test_the_clock_decides_which_profiles_are_valid(phyto_view: Declaration) -> None:
    calls: list[datetime] = []

    def clock() -> datetime:
        calls.append(TODAY)
        return TODAY

    InProcessAdapter(load_agencies()["phyto"], clock=clock).assess(phyto_view, soon(2))
    assert calls == [TODAY]


def test_a_view_past_its_deadline_is_not_assessed(phyto_view: Declaration) -> None:
    adapter = InProcessAdapter(load_agencies()["phyto"], clock=lambda: TODAY)
    with pytest.raises(AdapterTimeout):
        adapter.assess(phyto_view, soon(-0.1))


def _touch(path: Path, text: str) -> None:
    """Write ``text`` and move the modification time on, so no clock granularity hides it."""
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_a_changed_profile_is_used_without_a_restart(
    tmp_path: Path, phyto_view: Declaration
) -> None:
    folder = tmp_path / "phyto"
    shutil.copytree(load_agencies()["phyto"].folder, folder)
    adapter = InProcessAdapter(load_agency(folder), clock=lambda: TODAY, reload_interval_s=0)
    assert "PHY-DOC-001" in {f.profile_id for f in adapter.assess(phyto_view, soon(2))}

    profile = folder / "profiles" / "PHY-DOC-001.yaml"
    _touch(
        profile, profile.read_text(encoding="utf-8").replace("status: active", "status: retired")
    )

    assert "PHY-DOC-001" not in {f.profile_id for f in adapter.assess(phyto_view, soon(2))}
    assert adapter.error is None


def test_a_broken_change_leaves_the_working_rules_in_force(
    tmp_path: Path, phyto_view: Declaration
) -> None:
    folder = tmp_path / "phyto"
    shutil.copytree(load_agencies()["phyto"].folder, folder)
    adapter = InProcessAdapter(load_agency(folder), clock=lambda: TODAY, reload_interval_s=0)
    before = adapter.assess(phyto_view, soon(2))

    _touch(folder / "profiles" / "PHY-BROKEN-001.yaml", "id: PHY-BROKEN-001\nscore: [\n")
    profile = folder / "profiles" / "PHY-DOC-001.yaml"
    _touch(
        profile, profile.read_text(encoding="utf-8").replace("status: active", "status: retired")
    )

    assert adapter.assess(phyto_view, soon(2)) == before  # nothing of the change applied
    assert isinstance(adapter.error, InvalidProfile)
    assert "PHY-BROKEN-001" in str(adapter.error)


def _ids(adapter: InProcessAdapter, view: Declaration) -> set[str | None]:
    return {f.profile_id for f in adapter.assess(view, soon(2))}


def test_the_registry_decides_a_folder_profile_without_a_restart(
    tmp_path: Path, phyto_view: Declaration
) -> None:
    registry = FileRegistry(tmp_path)
    agency = load_agencies()["phyto"]
    adapter = InProcessAdapter(agency, clock=lambda: TODAY, reload_interval_s=0, registry=registry)
    assert "PHY-DOC-001" in _ids(adapter, phyto_view)

    (doc,) = (p for p in agency.profiles if p.id == "PHY-DOC-001")
    synced = doc.model_copy(update={"status": ProfileStatus.TESTING})
    registry.publish(synced, by="sync", at=T0)
    assert "PHY-DOC-001" in _ids(adapter, phyto_view)  # recorded, not decided: still selects
    activate(registry, "PHY-DOC-001")
    assert "PHY-DOC-001" in _ids(adapter, phyto_view)

    registry.set_status("PHY-DOC-001", ProfileStatus.RETIRED, by="chief", at=T0, reason="done")
    assert "PHY-DOC-001" not in _ids(adapter, phyto_view)
    assert adapter.error is None


def test_a_registry_profile_that_cannot_compile_never_replaces_the_working_rules(
    tmp_path: Path, phyto_view: Declaration
) -> None:
    registry = FileRegistry(tmp_path)
    agency = load_agencies()["phyto"]
    (doc,) = (p for p in agency.profiles if p.id == "PHY-DOC-001")
    registry.publish(doc.model_copy(update={"status": ProfileStatus.TESTING}), by="s", at=T0)
    activate(registry, "PHY-DOC-001")
    gone = {"screening": {"watchlist": "gone"}}  # a list phyto does not have
    registry.publish(make_profile("PHY-TST-001", owner="phyto", when=gone), by="o", at=T0)
    adapter = InProcessAdapter(agency, clock=lambda: TODAY, reload_interval_s=0, registry=registry)
    before = adapter.assess(phyto_view, soon(2))
    assert "PHY-DOC-001" in {f.profile_id for f in before}  # left out alone, the rest runs
    assert isinstance(adapter.error, InvalidProfile) and "PHY-TST-001 v1" in str(adapter.error)

    registry.publish(make_profile("PHY-TST-002", owner="phyto", when=gone), by="o", at=T0)
    registry.set_status("PHY-DOC-001", ProfileStatus.RETIRED, by="chief", at=T0, reason="done")

    assert adapter.assess(phyto_view, soon(2)) == before  # nothing of the change applied
    assert isinstance(adapter.error, InvalidProfile) and "PHY-TST-002 v1" in str(adapter.error)
