"""Profiles (as an officer would write them) and back-test results for the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from hub.rules.backtest import BacktestResult, ProfileHits
from hub.rules.lifecycle import rules_hash
from hub.rules.profile import ProfileStatus, RiskProfile
from hub.rules.registry import ProfileRegistry

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def profile_data(profile_id: str = "CUS-TST-001", **changes: Any) -> dict[str, Any]:
    """A valid profile as plain data; ``changes`` replace top-level fields."""
    data: dict[str, Any] = {
        "id": profile_id,
        "version": 1,
        "owner": "customs",
        "title": "Test profile",
        "rationale": "Written for a test.",
        "risk_area": "valuation",
        "assessment": {"probability": "medium", "consequence": "high"},
        "when": {"commodity": ["0703"]},
        "score": 60,
        "channel": "yellow",
        "instructions": "Check the invoice.",
        "validity": {"from": "2020-01-01T00:00:00Z"},
        "status": "testing",
    }
    data.update(changes)
    return data


def make_profile(profile_id: str = "CUS-TST-001", **changes: Any) -> RiskProfile:
    return RiskProfile.model_validate(profile_data(profile_id, **changes))


def profile_yaml(profile_id: str = "CUS-TST-001", **changes: Any) -> str:
    return yaml.safe_dump(profile_data(profile_id, **changes), sort_keys=False)


def result_for(profile: RiskProfile, declarations: int = 10) -> BacktestResult:
    hits = ProfileHits(
        profile_id=profile.id,
        version=profile.version,
        rules_hash=rules_hash(profile),
        owner=profile.owner,
        channel=profile.channel,
        declarations=2,
        items=2,
        hit_share=0.2,
        item_share=0.2,
        by_office={"GBLHR001": 2},
        by_commodity={"07032000": 2},
        controls_known=0,
        detections=0,
        hit_rate=None,
    )
    return BacktestResult(
        at=None,
        declarations=declarations,
        items=declarations,
        by_office={"GBLHR001": declarations},
        by_commodity={"07032000": declarations},
        channel_mix={"green": declarations - 2, "yellow": 2},
        audit=0,
        outcomes_known=0,
        profiles=(hits,),
    )


def activate(registry: ProfileRegistry, profile_id: str = "CUS-TST-001") -> RiskProfile:
    testing = registry.get(profile_id)
    registry.record_backtest(profile_id, testing.version, result_for(testing), by="analyst", at=T0)
    return registry.set_status(
        profile_id, ProfileStatus.ACTIVE, by="chief", at=T0, reason="back-tested"
    )
