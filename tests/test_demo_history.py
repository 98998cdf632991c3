"""The demo's history, played through a real embedded hub on the simulated days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub._cli_demo import demo_messages
from hub._demo_history import DemoClock, fill_history, is_empty, usable_templates
from hub.decision import AgencyStatus
from hub.feedback import ControlOutcome
from hub.orchestrator import Hub, load_wiring, open_hub
from hub.settings import Settings
from tests.conftest import CORPUS, MESSAGE_SCHEMAS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_hub(tmp_path: Path) -> Iterator[tuple[Hub, DemoClock]]:
    clock = DemoClock()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        registers_dir=ROOT / "registers",
        random_seed="demo",
        relay_interval_s=0.2,
    )
    with open_hub(settings, load_wiring(), clock=clock) as hub:
        yield hub, clock


def _templates() -> list[bytes]:
    return usable_templates([p.read_bytes() for p in demo_messages(MESSAGE_SCHEMAS, CORPUS)])


def test_the_templates_are_the_originals_only() -> None:
    templates = _templates()
    assert len(templates) >= 4
    assert not any(b"<FunctionCode>4<" in t or b"<FunctionCode>1<" in t for t in templates)


def test_a_small_history_spreads_over_days_with_every_outcome_and_releases(
    demo_hub: tuple[Hub, DemoClock],
) -> None:
    hub, clock = demo_hub
    assert is_empty(hub)
    started = datetime.now(UTC)
    made = fill_history(hub, clock, _templates(), count=60, days=14, seed=7)

    rows = hub.store.latest_decisions(limit=1000)
    assert made.declarations == len(rows) == 60 and made.refused == made.undecided == 0
    histories = {i: hub.history(i) for i, _ in rows}
    first_days = {versions[0].made_at.date() for versions in histories.values()}
    assert len(first_days) >= 5 and min(first_days) >= (started - timedelta(days=13)).date()
    assert sum(made.channels.values()) == 60 and len(made.channels) >= 2
    for declaration_id, versions in histories.items():
        message = hub.store.raw_message(declaration_id)
        assert message is not None
        # Accepted on its simulated day and decided within seconds, as in service.
        assert timedelta(0) <= versions[0].made_at - message.received_at < timedelta(seconds=30)
        assert all(v.made_at <= datetime.now(UTC) for v in versions)

    results = [r for i in histories for r in hub.store.control_results(i)]
    assert len(results) == sum(made.outcomes.values()) >= 20
    assert {r.outcome for r in results} == set(ControlOutcome)
    discrepancies = [r for r in results if r.outcome is ControlOutcome.DISCREPANCY]
    assert all(r.duty_at_stake and r.currency == "EUR" for r in discrepancies)
    for r in results:  # recorded after the decision it names, by that agency's officer
        named = histories[r.declaration_id][r.decision_version - 1]
        assert r.recorded_at > named.made_at and r.officer.agency == r.agency

    released = [v for vs in histories.values() for v in vs if v.version > 1 and v.released]
    assert released and made.released_after_control == len(released)
    assert all((v.note or "").startswith("released after control by") for v in released)
    held = [v for vs in histories.values() for v in vs[1:] if not v.released]
    assert any(a.status is AgencyStatus.HOLD for v in held for a in v.agencies.values())
    assert not is_empty(hub)


def test_an_empty_template_list_or_count_fills_nothing(demo_hub: tuple[Hub, DemoClock]) -> None:
    hub, clock = demo_hub
    assert fill_history(hub, clock, [], count=10).declarations == 0
    assert fill_history(hub, clock, _templates(), count=0).declarations == 0
    assert is_empty(hub)
