"""Profiles for registry, back-test and CLI tests, written as an officer would write them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from hub.rules.profile import RiskProfile

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
