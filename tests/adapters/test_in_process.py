"""The bundled agencies behind the adapter protocol, on a real corpus declaration."""

from __future__ import annotations

from datetime import datetime

import pytest

from adapters import Adapter, InProcessAdapter
from hub.agency import load_agencies
from hub.assess import Assessor
from hub.errors import AdapterTimeout
from hub.model import Declaration
from hub.model.finding import RequestedChannel
from hub.routing import view_for
from tests.adapters.conftest import soon
from tests.agencies.support import TODAY


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
