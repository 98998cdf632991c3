"""An embedded hub for tests: SQLite in tmp_path, the memory:// broker and a worker thread."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hub.agency import Agency, load_agencies
from hub.decision import Decision
from hub.orchestrator import AgencyAdapter, Hub, Publisher, load_wiring, open_hub
from hub.settings import Settings
from tests.conftest import CORPUS

DECLARATIONS = CORPUS / "wco-dec-dms/declarations"
CHICKEN = DECLARATIONS / "TT_IM026a/TT_IM026a.xml"  # frozen chicken from Brazil: vet red
AGENCIES = load_agencies()


def quick_agencies(deadline_s: float = 1.0, **deadlines: float) -> dict[str, Agency]:
    """The bundled agencies with short deadlines, so a final decision comes quickly."""
    return {
        name: dataclasses.replace(
            agency,
            spec=agency.spec.model_copy(update={"deadline_s": deadlines.get(name, deadline_s)}),
        )
        for name, agency in AGENCIES.items()
    }


def embedded_hub(
    tmp_path: Path,
    *,
    agencies: Mapping[str, Agency] | None = None,
    adapters: Mapping[str, AgencyAdapter] | None = None,
    publisher: Publisher | None = None,
    relay: bool = True,
    **settings: Any,
) -> Hub:
    """A started embedded hub; the caller closes it."""
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'hub.db'}", relay_interval_s=0.2, **settings
    )
    return open_hub(
        config,
        load_wiring(),
        agencies=agencies if agencies is not None else quick_agencies(),
        adapters=adapters,
        publisher=publisher,
        relay=relay,
    )


def wait_for_versions(hub: Hub, declaration_id: str, n: int, timeout: float = 10) -> list[Decision]:
    """The decision history once it holds ``n`` versions (fails after ``timeout``)."""
    end = time.monotonic() + timeout
    while True:
        history = hub.history(declaration_id)
        if len(history) >= n or time.monotonic() > end:
            assert len(history) >= n, history
            return history
        time.sleep(0.02)
