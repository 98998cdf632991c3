"""A rating run reaches the rules of a running hub: ``trader_rating`` reads the computed ratings."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hub.decision import Decision, Officer
from hub.feedback import ControlOutcome, ControlResult
from hub.rating import RatingBand, load_rating_weights, run_rating
from tests.orchestrator.support import CHICKEN, embedded_hub

IMPORTER = "XI553202734852"  # rated 68 by customs' reference list: CUS-TRD-001 stays silent


def _selected_by(decision: Decision, profile: str) -> bool:
    return any(f.profile_id == profile for a in decision.agencies.values() for f in a.findings)


def test_a_party_rated_low_by_a_run_is_selected_by_cus_trd_001_on_its_next_declaration(
    tmp_path: Path,
) -> None:
    with embedded_hub(tmp_path, profile_reload_s=0.1, rating_interval_h=0) as hub:
        first = hub.submit(CHICKEN.read_bytes()).declaration_id
        decision = hub.wait_for_decision(first, 10)
        assert decision is not None and not _selected_by(decision, "CUS-TRD-001")
        for _ in range(3):
            hub.store.record_control_result(
                ControlResult(
                    declaration_id=first,
                    decision_version=1,
                    agency="customs",
                    officer=Officer(id="o1", agency="customs"),
                    checked="physical examination",
                    outcome=ControlOutcome.SEIZURE,
                    value_at_stake=Decimal(9000),
                    recorded_at=datetime.now(UTC),
                ),
                actor="officer:o1",
            )
        run = run_rating(hub.store, datetime.now(UTC), load_rating_weights())
        assert run.ratings[IMPORTER].band is RatingBand.LOW
        time.sleep(0.3)  # a little more than HUB_PROFILE_RELOAD_S

        raw = CHICKEN.read_bytes().replace(b"7849431S2YFQ", b"RATED-LOW-2", 1)
        second = hub.submit(raw).declaration_id
        decision = hub.wait_for_decision(second, 10)

    assert decision is not None and _selected_by(decision, "CUS-TRD-001")
