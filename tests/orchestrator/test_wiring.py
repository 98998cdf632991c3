from __future__ import annotations

import pytest

from adapters import InProcessAdapter, request_id
from hub.orchestrator import WiringMissing, load_wiring
from tests.orchestrator.support import AGENCIES


def test_the_installed_wiring_builds_the_bundled_adapters() -> None:
    wiring = load_wiring()
    adapter = wiring.adapter_for(AGENCIES["vet"])
    try:
        assert isinstance(adapter, InProcessAdapter)
    finally:
        adapter.close()
    assert wiring.request_id is request_id


def test_a_missing_wiring_is_named() -> None:
    with pytest.raises(WiringMissing, match="nowhere"):
        load_wiring("nowhere")
